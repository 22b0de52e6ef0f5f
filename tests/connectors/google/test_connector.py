import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, Rejected, RetryableError
from connectors.google.connector import GoogleConnector, classify, update_mask, voice_of_merchant_message
from connectors.google.mapping import render
from tests.connectors.google.contract import assert_valid_location
from tests.connectors.google.records import full

BASE = "https://mybusinessbusinessinformation.googleapis.com/v1"
VERIFY = "https://mybusinessverifications.googleapis.com/v1"
TOKEN_URL = "https://oauth2.googleapis.com/token"
TOKEN = "ya29.secret-token"
REQUEST_ID = "vitrine-0123456789abcdef0123456789abcdef01234567"
MAPS = "https://maps.google.com/maps?cid=123"
VOICE = {"mapsUri": MAPS, "hasVoiceOfMerchant": True}


@pytest.fixture
async def client():
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def google():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def connector(client, credentials=None, **options) -> GoogleConnector:
    return GoogleConnector(client, BASE, credentials or {"access_token": TOKEN}, {"account": "accounts/42", **options})


def ctx(remote_id=None, previous=None, changed=None, payload=None) -> PushContext:
    changed = changed if changed is not None else sorted(payload or {})
    return PushContext("CLI-075-001", remote_id, None, previous, changed, REQUEST_ID)


def body(call) -> dict[str, Any]:
    data = json.loads(call.request.content)
    assert_valid_location(data)
    return data


def params(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.url.query.decode()).items()}


# ---------------------------------------------------------------- create

async def test_create_sends_the_request_id_and_the_whole_valid_body(client, google):
    route = google.post("/accounts/42/locations").respond(200, json={"name": "locations/9", "metadata": VOICE})
    rendering = render(full())
    result = await connector(client).push(full(), rendering, ctx(payload=rendering.payload))
    call = route.calls.last
    assert params(call) == {"requestId": REQUEST_ID}
    assert call.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert body(call) == rendering.payload
    assert (result.remote_id, result.created, result.state, result.live_url) == ("locations/9", True, "live", MAPS)


async def test_create_is_awaiting_review_until_google_says_otherwise(client, google):
    google.post("/accounts/42/locations").respond(200, json={"name": "locations/9", "metadata": {"hasPendingEdits": True,
                                                                                                "hasVoiceOfMerchant": True}})
    rendering = render(full())
    assert (await connector(client).push(full(), rendering, ctx(payload=rendering.payload))).state == "awaiting_review"
    google.post("/accounts/42/locations").respond(200, json={"name": "locations/9"})
    assert (await connector(client).push(full(), rendering, ctx(payload=rendering.payload))).state == "awaiting_review"


async def test_create_needs_an_account(client, google):
    rendering = render(full())
    plain = GoogleConnector(client, BASE, {"access_token": TOKEN}, {})
    with pytest.raises(ActionRequired, match="connect a Google account: set the account id"):
        await plain.push(full(), rendering, ctx(payload=rendering.payload))
    assert not google.calls


async def test_account_option_accepts_a_bare_id(client, google):
    route = google.post("/accounts/42/locations").respond(200, json={"name": "locations/9"})
    rendering = render(full())
    await GoogleConnector(client, BASE, {"access_token": TOKEN}, {"account": "42"}).push(full(), rendering, ctx(payload=rendering.payload))
    assert route.called


async def test_create_never_goes_without_a_request_id(client, google):
    rendering = render(full())
    with pytest.raises(ValueError):
        await connector(client).push(full(), rendering, PushContext("CLI-075-001", None, None, None, [], ""))
    assert not google.calls


# ---------------------------------------------------------------- update

async def test_phone_change_sends_only_the_phone(client, google):
    before = render(full()).payload
    record = full(phones={"primary": "+33199999999", "additional": ["+33612345678"]})
    rendering = render(record)
    route = google.patch("/locations/9").respond(200, json={"name": "locations/9", **rendering.payload,
                                                             "metadata": {**VOICE, "hasPendingEdits": True}})
    result = await connector(client).push(record, rendering, ctx("locations/9", before, ["phoneNumbers"]))
    call = route.calls.last
    assert params(call) == {"updateMask": "phoneNumbers"}
    assert body(call) == {"phoneNumbers": {"primaryPhone": "+33199999999", "additionalPhones": ["+33612345678"]}}
    assert (result.remote_id, result.state, result.created, result.live_url) == ("locations/9", "awaiting_review", False, MAPS)


async def test_a_removed_website_is_masked_and_cleared(client, google):
    before = render(full()).payload
    record = full(website=None)
    rendering = render(record)
    route = google.patch("/locations/9").respond(200, json={"name": "locations/9"})
    await connector(client).push(record, rendering, ctx("locations/9", before, ["websiteUri"]))
    assert params(route.calls.last) == {"updateMask": "websiteUri"}
    assert body(route.calls.last) == {}


def test_update_mask_rules():
    payload = render(full()).payload
    previous = {**payload, "websiteUri": "https://old.example.fr/", "media": []}
    no_site = {k: v for k, v in payload.items() if k != "websiteUri"}
    assert update_mask(no_site, [], previous) == ["websiteUri"]  # cleared even if the diff forgot it
    assert update_mask(payload, ["specialHours"], payload) == ["regularHours", "specialHours"]
    assert update_mask(payload, ["title", "media", "email"], payload) == ["title"]
    assert update_mask(payload, ["phoneNumbers", "storeCode", "title"], payload) == ["storeCode", "title", "phoneNumbers"]
    without_special = {k: v for k, v in payload.items() if k != "specialHours"}
    assert update_mask(without_special, ["specialHours"], payload) == ["specialHours"]


async def test_special_hours_carry_the_regular_hours(client, google):
    before = render(full()).payload
    record = full(hours={"regular": {"monday": [{"open": "08:00", "close": "12:00"}]},
                         "special": [{"start_date": "2026-12-24", "intervals": [{"open": "09:00", "close": "12:00"}]}]})
    rendering = render(record)
    route = google.patch("/locations/9").respond(200, json={"name": "locations/9"})
    await connector(client).push(record, rendering, ctx("locations/9", before, ["specialHours"]))
    assert params(route.calls.last) == {"updateMask": "regularHours,specialHours"}
    assert set(body(route.calls.last)) == {"regularHours", "specialHours"}


async def test_nothing_to_mask_sends_nothing(client, google):
    rendering = render(full())
    result = await connector(client).push(full(), rendering, ctx("locations/9", rendering.payload, ["email"]))
    assert result.remote_id == "locations/9" and not google.calls


# ---------------------------------------------------------------- tokens

REFRESH = {"client_id": "cid.apps.googleusercontent.com", "client_secret": "s3cret", "refresh_token": "1//refresh"}


async def test_refresh_token_flow_caches_the_token_until_a_minute_before_expiry(client, google):
    token = google.post(TOKEN_URL).mock(side_effect=[
        httpx.Response(200, json={"access_token": "tok-1", "expires_in": 3599, "token_type": "Bearer"}),
        httpx.Response(200, json={"access_token": "tok-2", "expires_in": 3599, "token_type": "Bearer"}),
    ])
    route = google.patch("/locations/9").respond(200, json={"name": "locations/9"})
    google_ = connector(client, REFRESH)
    now = [1000.0]
    google_.clock = lambda: now[0]
    rendering = render(full())
    for _ in range(2):
        await google_.push(full(), rendering, ctx("locations/9", {}, ["title"]))
    assert token.call_count == 1
    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"], "client_id": [REFRESH["client_id"]], "client_secret": ["s3cret"],
        "refresh_token": ["1//refresh"]}
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer tok-1"] * 2
    now[0] += 3599 - 60
    await google_.push(full(), rendering, ctx("locations/9", {}, ["title"]))
    assert token.call_count == 2
    assert route.calls.last.request.headers["authorization"] == "Bearer tok-2"


async def test_a_401_gets_one_fresh_token(client, google):
    google.post(TOKEN_URL).mock(side_effect=[httpx.Response(200, json={"access_token": "tok-1", "expires_in": 3600}),
                                             httpx.Response(200, json={"access_token": "tok-2", "expires_in": 3600})])
    route = google.patch("/locations/9").mock(side_effect=[
        httpx.Response(401, json={"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "Request had invalid authentication credentials."}}),
        httpx.Response(200, json={"name": "locations/9"})])
    await connector(client, REFRESH).push(full(), render(full()), ctx("locations/9", {}, ["title"]))
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer tok-1", "Bearer tok-2"]


async def test_a_revoked_refresh_token_asks_to_reconnect_without_leaking_secrets(client, google):
    google.post(TOKEN_URL).respond(400, json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    with pytest.raises(ActionRequired) as caught:
        await connector(client, REFRESH).push(full(), render(full()), ctx("locations/9", {}, ["title"]))
    assert "invalid_grant" in caught.value.message and "reconnect the Google account" in caught.value.message
    assert not any(secret in caught.value.message for secret in ("s3cret", "1//refresh"))


async def test_token_endpoint_trouble_is_retried_later(client, google):
    google.post(TOKEN_URL).respond(500, json={"error": "internal_failure"})
    with pytest.raises(RetryableError):
        await connector(client, REFRESH).push(full(), render(full()), ctx("locations/9", {}, ["title"]))


async def test_a_static_token_rejected_asks_to_reconnect(client, google):
    google.patch("/locations/9").respond(401, json={"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "Request had invalid authentication credentials."}})
    with pytest.raises(ActionRequired, match="reconnect the Google account") as caught:
        await connector(client).push(full(), render(full()), ctx("locations/9", {}, ["title"]))
    assert TOKEN not in caught.value.message


async def test_no_credentials_at_all(client, google):
    with pytest.raises(ActionRequired, match="access_token"):
        await connector(client, {"client_id": "only"}).push(full(), render(full()), ctx("locations/9", {}, ["title"]))


# ---------------------------------------------------------------- errors

def google_error(status: int, code: str, message: str = "boom", details=None, headers=None) -> httpx.Response:
    error = {"code": status, "status": code, "message": message, **({"details": details} if details else {})}
    return httpx.Response(status, json={"error": error}, headers=headers)


VIOLATIONS = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
    {"field": "location.regular_hours.periods[0].close_time", "description": "24:00 is only valid as a closing time."},
    {"field": "location.website_uri", "description": "websiteUri must be an http or https URL."}]}]


@pytest.mark.parametrize(("response", "action", "kind", "check"), [
    (google_error(429, "RESOURCE_EXHAUSTED", headers={"Retry-After": "30"}), "update", RetryableError,
     lambda e: e.throttled and e.retry_after == 30.0),
    (google_error(429, "RESOURCE_EXHAUSTED"), "create", RetryableError, lambda e: e.throttled and e.retry_after is None),
    (google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", VIOLATIONS), "update", Rejected,
     lambda e: e.field_errors == [FieldError("location.regular_hours.periods[0].close_time", "24:00 is only valid as a closing time."),
                                  FieldError("location.website_uri", "websiteUri must be an http or https URL.")]),
    (google_error(400, "FAILED_PRECONDITION", "Location is not verified."), "update", Rejected,
     lambda e: "Location is not verified." in e.message and e.field_errors == []),
    (google_error(401, "UNAUTHENTICATED"), "read", ActionRequired, lambda e: "reconnect the Google account" in e.message),
    (google_error(403, "PERMISSION_DENIED", "The caller does not have permission"), "update", ActionRequired,
     lambda e: "manager access" in e.message),
    (google_error(403, "PERMISSION_DENIED", "API disabled", [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}]),
     "read", ActionRequired, lambda e: "enable the My Business" in e.message),
    (google_error(404, "NOT_FOUND", "Requested entity was not found."), "update", ActionRequired,
     lambda e: "no longer exists on Google (deleted or merged" in e.message),
    (google_error(404, "NOT_FOUND", "Requested entity was not found."), "read", ActionRequired,
     lambda e: "no longer exists on Google" in e.message),
    (google_error(404, "NOT_FOUND", "Requested entity was not found."), "create", ActionRequired,
     lambda e: "account id" in e.message),
    (google_error(409, "ALREADY_EXISTS", "Duplicate of locations/777"), "create", ActionRequired,
     lambda e: "(locations/777)" in e.message and "claim it or have it merged" in e.message),
    (google_error(500, "INTERNAL"), "update", RetryableError, lambda e: not e.throttled),
    (google_error(504, "DEADLINE_EXCEEDED"), "create", RetryableError, lambda e: e.http_status == 504),
    (httpx.Response(500, text="<html>Error 500</html>"), "read", RetryableError, lambda e: True),
    (google_error(400, "OUT_OF_RANGE", "Page too far."), "read", Rejected, lambda e: "Page too far." in e.message),
    (httpx.Response(418, text="teapot"), "update", Rejected, lambda e: "HTTP 418" in e.message),
])
def test_classify(response, action, kind, check):
    error = classify(response, action=action)
    assert type(error) is kind
    assert check(error)
    assert error.http_status == response.status_code


async def test_errors_are_raised_from_push(client, google):
    google.patch("/locations/9").mock(return_value=google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", VIOLATIONS))
    with pytest.raises(Rejected) as caught:
        await connector(client).push(full(), render(full()), ctx("locations/9", {}, ["regularHours"]))
    assert caught.value.field_errors[1].field == "location.website_uri"
    assert TOKEN not in caught.value.message


# ---------------------------------------------------------------- read-back

PUSHED = render(full()).payload


def live_location(**changes) -> dict[str, Any]:
    location = json.loads(json.dumps(PUSHED))
    location["categories"]["primaryCategory"]["displayName"] = "Private hospital"
    location["regularHours"]["periods"][0]["openTime"] = {"hours": 8, "minutes": 0}
    location["phoneNumbers"]["primaryPhone"] = "01 23 45 67 89"
    location.pop("latlng")
    location.update(changes)
    location["metadata"] = location.get("metadata", VOICE)
    return {k: v for k, v in location.items() if v is not None}


async def test_read_back_live_when_google_shows_what_was_pushed(client, google):
    route = google.get("/locations/9:getGoogleUpdated").respond(200, json={"location": live_location()})
    readback = await connector(client).read_back("locations/9", PUSHED)
    assert (readback.state, readback.mismatched, readback.pending, readback.third_party) == ("live", [], [], [])
    assert readback.live_url == MAPS
    assert params(route.calls.last)["readMask"] == ",".join([*(k for k in PUSHED if k != "latlng"), "metadata"])
    assert len(google.calls) == 1  # voice of merchant in metadata: no Verifications call


async def test_read_back_pending_edits_are_awaiting_review(client, google):
    google.get("/locations/9:getGoogleUpdated").respond(200, json={
        "location": live_location(phoneNumbers={"primaryPhone": "+33100000000"}), "pendingMask": "phoneNumbers"})
    readback = await connector(client).read_back("locations/9", PUSHED)
    assert (readback.state, readback.pending, readback.mismatched) == ("awaiting_review", ["phoneNumbers"], [])


async def test_read_back_google_updates_and_mismatches(client, google):
    google.get("/locations/9:getGoogleUpdated").respond(200, json={
        "location": live_location(websiteUri="https://autre-site.fr/", title="Clinique du Parc Paris 11"),
        "diffMask": "websiteUri", "pendingMask": "regular_hours.periods"})
    readback = await connector(client).read_back("locations/9", PUSHED)
    assert readback.third_party == ["websiteUri"]
    assert readback.mismatched == ["title", "websiteUri"]
    assert readback.pending == ["regularHours"]
    assert readback.state == "awaiting_review"


async def test_read_back_missing_field_is_a_mismatch(client, google):
    google.get("/locations/9:getGoogleUpdated").respond(200, json={"location": live_location(profile=None)})
    readback = await connector(client).read_back("locations/9", PUSHED)
    assert (readback.state, readback.mismatched) == ("live", ["profile"])


@pytest.mark.parametrize(("state", "words"), [
    ({"hasVoiceOfMerchant": False, "verify": {}}, "verify the listing"),
    ({"verify": {"hasPendingVerification": True}}, "complete it"),
    ({"waitForVoiceOfMerchant": {}}, "waitForVoiceOfMerchant"),
    ({"complyWithGuidelines": {"recommendationReason": "BUSINESS_LOCATION_SUSPENDED"}}, "suspended"),
    ({"resolveOwnershipConflict": {}}, "ownership conflict"),
    ({}, "no voice of merchant"),
])
async def test_read_back_without_voice_of_merchant_is_action_required(client, google, state, words):
    google.get("/locations/9:getGoogleUpdated").respond(200, json={"location": live_location(metadata={"mapsUri": MAPS})})
    voice = google.get(f"{VERIFY}/locations/9/VoiceOfMerchantState").respond(200, json=state)
    readback = await connector(client).read_back("locations/9", PUSHED)
    assert voice.called and voice.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert readback.state == "action_required"
    assert words in readback.message


async def test_read_back_voice_of_merchant_confirmed_by_the_verifications_api(client, google):
    google.get("/locations/9:getGoogleUpdated").respond(200, json={"location": live_location(metadata={})})
    google.get("https://verify.example/v1/locations/9/VoiceOfMerchantState").respond(
        200, json={"hasVoiceOfMerchant": True, "hasBusinessAuthority": True})
    readback = await connector(client, verifications_base_url="https://verify.example/v1").read_back("locations/9", PUSHED)
    assert readback.state == "live" and readback.message is None


async def test_read_back_of_a_deleted_listing(client, google):
    google.get("/locations/9:getGoogleUpdated").mock(return_value=google_error(404, "NOT_FOUND", "Requested entity was not found."))
    with pytest.raises(ActionRequired, match="no longer exists on Google"):
        await connector(client).read_back("locations/9", PUSHED)


def test_voice_of_merchant_message_when_all_is_well():
    assert voice_of_merchant_message({"hasVoiceOfMerchant": True, "hasBusinessAuthority": True}) is None
