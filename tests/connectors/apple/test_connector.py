"""AppleConnector over a mocked network (respx): token, create/adopt, If-Match updates, read-back, errors."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from connectors.apple.connector import LOCATION_GONE, AppleConnector, classify, lookup_query
from connectors.base import ActionRequired, FieldError, PushContext, Rejected, Rendering, RetryableError
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://businessconnect.apple.com"
ORG = "1469747224475254784"
LOCATIONS = f"/api/v1/orgs/{ORG}/locations"
LOC_ID = "1549569011482624136"
ONE = f"{LOCATIONS}/{LOC_ID}"
SECRET = "s3cr3t-never-shown"
CREDENTIALS = {"client_id": "vitrine-client", "client_secret": SECRET}


def token_reply(token: str = "tok-1", expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in})


def location(state: str = "SUBMITTED", etag: str = "etag-2", details: dict[str, Any] | None = None,
             **extra: Any) -> dict[str, Any]:
    return {"id": LOC_ID, "etag": etag, "state": state, "locationDetails": details or {}, **extra}


def apple_errors(status: int, code: str, message: str = "m", **extra: Any) -> httpx.Response:
    return httpx.Response(status, json=[{"code": code, "message": message, **extra}])


@pytest.fixture
def record_() -> Establishment:
    return Establishment.model_validate(record(email=None))


@pytest.fixture
def rendering(connector: AppleConnector, record_: Establishment) -> Rendering:
    return connector.render(record_)


def ctx(remote_id: str | None = None, remote_version: str | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=remote_version,
                       previous=None, changed=[], request_id="req-1")


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        router.post("/api/v1/oauth2/token", name="token").mock(return_value=token_reply())
        yield router


@pytest.fixture
async def connector(api: respx.MockRouter) -> AsyncIterator[AppleConnector]:
    async with httpx.AsyncClient() as client:
        yield AppleConnector(client, BASE, CREDENTIALS, {"org_id": ORG})


def sent(route: respx.Route, n: int = -1) -> httpx.Request:
    return route.calls[n].request


# ---------------------------------------------------------------- token

async def test_token_is_fetched_once_and_reused(api: respx.MockRouter, connector: AppleConnector,
                                                record_: Establishment, rendering: Rendering) -> None:
    api.get(LOCATIONS).mock(return_value=httpx.Response(200, json={"data": [], "pagination": {"cursors": {}}}))
    api.post(LOCATIONS).mock(return_value=httpx.Response(201, json=location(etag="e1")))
    api.get(ONE).mock(return_value=httpx.Response(200, json=location(etag="e1")))
    api.put(ONE).mock(return_value=httpx.Response(200, json=location(etag="e2")))

    result = await connector.push(record_, rendering, ctx())
    await connector.read_back(result.remote_id, rendering.payload)
    await connector.push(record_, rendering, ctx(LOC_ID, result.remote_version))

    assert api["token"].call_count == 1
    token_request = sent(api["token"])
    assert token_request.headers["content-type"] == "application/json"  # Apple: a JSON body, not a form
    assert json.loads(token_request.content) == {"grant_type": "client_credentials", "client_id": "vitrine-client",
                                                 "client_secret": SECRET, "scope": "business"}
    api_calls = [c.request for c in api.calls if c.request.url.path != "/api/v1/oauth2/token"]
    assert len(api_calls) == 4
    assert {r.headers["Authorization"] for r in api_calls} == {"Bearer tok-1"}


async def test_token_is_renewed_a_minute_before_it_expires(api: respx.MockRouter, connector: AppleConnector) -> None:
    now = [1000.0]
    connector.clock = lambda: now[0]  # type: ignore[method-assign]
    api["token"].mock(side_effect=[token_reply("tok-1"), token_reply("tok-2")])
    route = api.get(ONE).mock(return_value=httpx.Response(200, json=location()))

    await connector.read_back(LOC_ID, {})
    now[0] += 3539
    await connector.read_back(LOC_ID, {})
    now[0] += 2
    await connector.read_back(LOC_ID, {})

    assert api["token"].call_count == 2
    assert [c.request.headers["Authorization"] for c in route.calls] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


async def test_401_renews_the_token_once_and_retries(api: respx.MockRouter, connector: AppleConnector) -> None:
    api["token"].mock(side_effect=[token_reply("tok-1"), token_reply("tok-2")])
    route = api.get(ONE).mock(side_effect=[apple_errors(401, "UNAUTHORIZED", "The access token has expired."),
                                           httpx.Response(200, json=location("PUBLISHED"))])

    back = await connector.read_back(LOC_ID, {})

    assert back.state == "live"
    assert api["token"].call_count == 2
    assert [c.request.headers["Authorization"] for c in route.calls] == ["Bearer tok-1", "Bearer tok-2"]


async def test_401_after_a_new_token_is_action_required(api: respx.MockRouter, connector: AppleConnector) -> None:
    api["token"].mock(side_effect=[token_reply("tok-1"), token_reply("tok-2")])
    route = api.get(ONE).mock(return_value=apple_errors(401, "UNAUTHORIZED", "Invalid access token."))

    with pytest.raises(ActionRequired) as caught:
        await connector.read_back(LOC_ID, {})

    assert route.call_count == 2 and api["token"].call_count == 2
    assert caught.value.http_status == 401


@pytest.mark.parametrize("status", [400, 401])
async def test_rejected_credentials_are_action_required_without_the_secret(
        api: respx.MockRouter, connector: AppleConnector, status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api["token"].mock(return_value=httpx.Response(status, json={"error": "invalid_client"}))
    route = api.get(ONE)

    with pytest.raises(ActionRequired) as caught:
        await connector.read_back(LOC_ID, {})

    assert caught.value.reason == "Apple Business Connect credentials rejected: invalid_client"
    assert not route.called
    assert SECRET not in caplog.text


async def test_tokens_never_reach_messages_or_logs(api: respx.MockRouter, connector: AppleConnector,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api["token"].mock(return_value=token_reply("tok-very-secret"))
    api.get(ONE).mock(return_value=apple_errors(403, "FORBIDDEN", "The client is not allowed to access this location."))

    with pytest.raises(ActionRequired) as caught:
        await connector.read_back(LOC_ID, {})

    assert "tok-very-secret" not in caught.value.reason and "tok-very-secret" not in caplog.text
    assert SECRET not in caplog.text


async def test_missing_credentials_or_org_need_a_person(api: respx.MockRouter) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ActionRequired, match="client_id and client_secret"):
            await AppleConnector(client, BASE, {}, {"org_id": ORG}).read_back(LOC_ID, {})
        with pytest.raises(ActionRequired, match="org_id"):
            await AppleConnector(client, BASE, CREDENTIALS, {}).read_back(LOC_ID, {})
    assert not api["token"].called


# ---------------------------------------------------------------- create

async def test_create_posts_the_wrapped_payload(api: respx.MockRouter, connector: AppleConnector,
                                                record_: Establishment, rendering: Rendering) -> None:
    lookup = api.get(LOCATIONS).mock(return_value=httpx.Response(200, json={"data": []}))
    create = api.post(LOCATIONS).mock(return_value=httpx.Response(
        201, json=location(etag="e1"), headers={"ETag": '"e1"'}))

    result = await connector.push(record_, rendering, ctx())

    assert "partnersLocationId" not in sent(lookup).url.params  # not a filter Apple documents
    assert sent(lookup).url.params["ql"] == lookup_query(rendering.payload)
    assert json.loads(sent(create).content) == {"locationDetails": rendering.payload}
    assert (result.remote_id, result.remote_version, result.state, result.created) == (LOC_ID, "e1", "awaiting_review", True)


async def test_create_adopts_a_location_found_by_partners_location_id(
        api: respx.MockRouter, connector: AppleConnector, record_: Establishment, rendering: Rendering) -> None:
    other = {"id": "999", "etag": "x", "locationDetails": {"partnersLocationId": "CLI-075-002"}}
    mine = {"id": LOC_ID, "etag": "e1", "state": "PUBLISHED", "locationDetails": {"partnersLocationId": "CLI-075-001"}}
    api.get(LOCATIONS).mock(return_value=httpx.Response(200, json={"data": [other, mine]}))
    create = api.post(LOCATIONS)
    update = api.put(ONE).mock(return_value=httpx.Response(200, json=location(etag="e2", placeCardUrl="https://maps.apple.com/place?auid=1")))

    result = await connector.push(record_, rendering, ctx())

    assert not create.called
    assert sent(update).headers["If-Match"] == '"e1"'
    assert (result.remote_id, result.remote_version, result.created) == (LOC_ID, "e2", False)
    assert result.live_url == "https://maps.apple.com/place?auid=1"
    assert result.detail["adopted"] is True


async def test_lookup_follows_the_cursor(api: respx.MockRouter, connector: AppleConnector,
                                         record_: Establishment, rendering: Rendering) -> None:
    mine = {"id": LOC_ID, "etag": "e1", "locationDetails": {"partnersLocationId": "CLI-075-001"}}
    lookup = api.get(LOCATIONS).mock(side_effect=[
        httpx.Response(200, json={"data": [], "pagination": {"cursors": {"after": "100"}}}),
        httpx.Response(200, json={"data": [mine], "pagination": {"cursors": {}}})])
    api.put(ONE).mock(return_value=httpx.Response(200, json=location(etag="e2")))

    result = await connector.push(record_, rendering, ctx())

    assert sent(lookup, 1).url.params["after"] == "100"
    assert result.remote_id == LOC_ID


async def test_create_conflict_looks_up_and_adopts(api: respx.MockRouter, connector: AppleConnector,
                                                   record_: Establishment, rendering: Rendering) -> None:
    mine = {"id": LOC_ID, "etag": "e1", "locationDetails": {"partnersLocationId": "CLI-075-001"}}
    lookup = api.get(LOCATIONS).mock(side_effect=[httpx.Response(200, json={"data": []}),
                                                  httpx.Response(200, json={"data": [mine]})])
    create = api.post(LOCATIONS).mock(return_value=apple_errors(409, "LOCATION_ALREADY_EXISTS"))
    update = api.put(ONE).mock(return_value=httpx.Response(200, json=location(etag="e2")))

    result = await connector.push(record_, rendering, ctx())

    assert (lookup.call_count, create.call_count, update.call_count) == (2, 1, 1)
    assert sent(update).headers["If-Match"] == '"e1"'
    assert (result.remote_id, result.created, result.detail["adopted"]) == (LOC_ID, False, True)


async def test_create_conflict_not_yet_listed_is_retried_later(api: respx.MockRouter, connector: AppleConnector,
                                                               record_: Establishment, rendering: Rendering) -> None:
    api.get(LOCATIONS).mock(return_value=httpx.Response(200, json={"data": []}))
    api.post(LOCATIONS).mock(return_value=apple_errors(409, "LOCATION_ALREADY_EXISTS"))

    with pytest.raises(RetryableError):
        await connector.push(record_, rendering, ctx())


async def test_create_validation_error_is_rejected_per_field(api: respx.MockRouter, connector: AppleConnector,
                                                             record_: Establishment, rendering: Rendering) -> None:
    api.get(LOCATIONS).mock(return_value=httpx.Response(200, json={"data": []}))
    api.post(LOCATIONS).mock(return_value=httpx.Response(400, json=[
        {"code": "VALIDATION__INVALID_VALUE", "message": "phoneNumber is not a valid phone number.",
         "context": {"field": "locationDetails.phoneNumbers[0].phoneNumber"}}]))

    with pytest.raises(Rejected) as caught:
        await connector.push(record_, rendering, ctx())

    assert caught.value.field_errors == [FieldError("phoneNumbers[0].phoneNumber", "phoneNumber is not a valid phone number.")]


# ---------------------------------------------------------------- update

async def test_update_puts_everything_with_if_match(api: respx.MockRouter, connector: AppleConnector,
                                                    record_: Establishment, rendering: Rendering) -> None:
    update = api.put(ONE).mock(return_value=httpx.Response(200, json=location(etag="e2")))

    result = await connector.push(record_, rendering, ctx(LOC_ID, "e1"))

    request = sent(update)
    assert request.headers["If-Match"] == '"e1"'
    assert json.loads(request.content) == {"id": LOC_ID, "locationDetails": rendering.payload}
    assert (result.remote_id, result.remote_version, result.state, result.created) == (LOC_ID, "e2", "awaiting_review", False)


async def test_update_without_etag_reads_it_first(api: respx.MockRouter, connector: AppleConnector,
                                                  record_: Establishment, rendering: Rendering) -> None:
    api.get(ONE).mock(return_value=httpx.Response(200, json=location(etag="e1"), headers={"ETag": 'W/"e1"'}))
    update = api.put(ONE).mock(return_value=httpx.Response(200, json=location(etag="e2")))

    await connector.push(record_, rendering, ctx(LOC_ID, None))

    assert sent(update).headers["If-Match"] == '"e1"'


async def test_stale_etag_rereads_and_retries_once(api: respx.MockRouter, connector: AppleConnector,
                                                   record_: Establishment, rendering: Rendering) -> None:
    read = api.get(ONE).mock(return_value=httpx.Response(200, json=location(etag="e5")))
    update = api.put(ONE).mock(side_effect=[apple_errors(412, "PRECONDITION_FAILED"),
                                            httpx.Response(200, json=location(etag="e6"))])

    result = await connector.push(record_, rendering, ctx(LOC_ID, "e1"))

    assert read.call_count == 1
    assert [c.request.headers["If-Match"] for c in update.calls] == ['"e1"', '"e5"']
    assert json.loads(sent(update, 1).content)["locationDetails"] == rendering.payload
    assert result.remote_version == "e6"


async def test_stale_etag_twice_is_retryable(api: respx.MockRouter, connector: AppleConnector,
                                             record_: Establishment, rendering: Rendering) -> None:
    api.get(ONE).mock(return_value=httpx.Response(200, json=location(etag="e5")))
    update = api.put(ONE).mock(return_value=apple_errors(412, "PRECONDITION_FAILED"))

    with pytest.raises(RetryableError):
        await connector.push(record_, rendering, ctx(LOC_ID, "e1"))
    assert update.call_count == 2


async def test_no_new_changes_is_success(api: respx.MockRouter, connector: AppleConnector,
                                         record_: Establishment, rendering: Rendering) -> None:
    api.put(ONE).mock(return_value=apple_errors(409, "RESOURCE_HAS_NO_NEW_CHANGES"))

    result = await connector.push(record_, rendering, ctx(LOC_ID, "e1"))

    assert (result.remote_id, result.remote_version, result.state) == (LOC_ID, "e1", "awaiting_review")
    assert result.detail == {"no_changes": True}


async def test_update_of_a_deleted_location_needs_a_person(api: respx.MockRouter, connector: AppleConnector,
                                                           record_: Establishment, rendering: Rendering) -> None:
    api.put(ONE).mock(return_value=apple_errors(404, "NOT_FOUND"))

    with pytest.raises(ActionRequired) as caught:
        await connector.push(record_, rendering, ctx(LOC_ID, "e1"))
    assert caught.value.reason == LOCATION_GONE


async def test_throttled_update_carries_retry_after(api: respx.MockRouter, connector: AppleConnector,
                                                    record_: Establishment, rendering: Rendering) -> None:
    api.put(ONE).mock(return_value=httpx.Response(429, json=[{"code": "RATE_LIMIT_EXCEEDED", "message": "Too many"}],
                                                  headers={"Retry-After": "3"}))

    with pytest.raises(RetryableError) as caught:
        await connector.push(record_, rendering, ctx(LOC_ID, "e1"))
    assert (caught.value.throttled, caught.value.retry_after, caught.value.http_status) == (True, 3.0, 429)


# ---------------------------------------------------------------- read back

async def test_read_back_under_review(api: respx.MockRouter, connector: AppleConnector, rendering: Rendering) -> None:
    api.get(ONE).mock(return_value=httpx.Response(200, json=location("PROCESSING", "e1", rendering.payload)))

    back = await connector.read_back(LOC_ID, rendering.payload)

    assert (back.state, back.remote_version, back.mismatched, back.live_url) == ("awaiting_review", "e1", [], None)
    assert back.pending == list(rendering.payload)


async def test_read_back_submitted(api: respx.MockRouter, connector: AppleConnector, rendering: Rendering) -> None:
    api.get(ONE).mock(return_value=httpx.Response(200, json=location("SUBMITTED", "e1", rendering.payload)))
    assert (await connector.read_back(LOC_ID, rendering.payload)).state == "awaiting_review"


async def test_read_back_published_and_matching_is_live(api: respx.MockRouter, connector: AppleConnector,
                                                        rendering: Rendering) -> None:
    live = json.loads(json.dumps(rendering.payload))
    live["displayPoint"] = {"coordinates": {"latitude": "48.865600", "longitude": "2.378100"}, "source": "MANUALLY_PLACED"}
    live["categories"] = list(reversed(live["categories"]))
    live["businessId"] = "1541464898790064128"
    api.get(ONE).mock(return_value=httpx.Response(
        200, json=location("PUBLISHED", "e1", live, placeCardUrl="https://maps.apple.com/place?auid=42"),
        headers={"ETag": '"e1"'}))

    back = await connector.read_back(LOC_ID, rendering.payload)

    assert (back.state, back.mismatched, back.remote_version) == ("live", [], "e1")
    assert back.live_url == "https://maps.apple.com/place?auid=42"


async def test_read_back_published_but_edited_elsewhere(api: respx.MockRouter, connector: AppleConnector,
                                                        rendering: Rendering) -> None:
    live = {**rendering.payload, "displayNames": [{"name": "Clinique du Parc (Paris 11)", "locale": "fr-FR", "primary": True}]}
    del live["urls"]
    api.get(ONE).mock(return_value=httpx.Response(200, json=location("PUBLISHED", "e9", live)))

    back = await connector.read_back(LOC_ID, rendering.payload)

    assert (back.state, back.mismatched, back.remote_version) == ("live", ["displayNames", "urls"], "e9")


async def test_read_back_rejected_gives_apples_feedback(api: respx.MockRouter, connector: AppleConnector,
                                                        rendering: Rendering) -> None:
    feedback = [{"code": "INVALID_CATEGORY", "message": "The category does not match the business.", "field": "categories"}]
    api.get(ONE).mock(return_value=httpx.Response(200, json=location("REJECTED", "e1", rendering.payload, feedback=feedback)))

    back = await connector.read_back(LOC_ID, rendering.payload)

    assert (back.state, back.message) == ("failed", "categories: The category does not match the business.")


async def test_read_back_of_a_deleted_location(api: respx.MockRouter, connector: AppleConnector) -> None:
    api.get(ONE).mock(return_value=apple_errors(404, "NOT_FOUND"))
    with pytest.raises(ActionRequired, match=LOCATION_GONE):
        await connector.read_back(LOC_ID, {})


# ---------------------------------------------------------------- error classification

def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_classify_validation_errors_per_field() -> None:
    error = classify(reply(400, {"errors": [
        {"code": "VALIDATION__REQUIRED_FIELD_MISSING", "message": "postCode is required.",
         "context": {"field": "locationDetails.mainAddress.structuredAddress.postCode"}},
        {"code": "VALIDATION__INVALID_VALUE", "message": "bad day", "details": {"field": "openingHoursByDay[0].day"}},
        {"code": "VALIDATION__INVALID_VALUE", "message": "bad", "context": "locationDetails.urls[0].url"},
        {"code": "VALIDATION__OTHER", "message": "no field"},
    ]}))
    assert isinstance(error, Rejected) and error.http_status == 400
    assert error.field_errors == [FieldError("mainAddress.structuredAddress.postCode", "postCode is required."),
                                  FieldError("openingHoursByDay[0].day", "bad day"),
                                  FieldError("urls[0].url", "bad"),
                                  FieldError(None, "no field")]


@pytest.mark.parametrize(("response", "kind", "checks"), [
    (reply(401, [{"code": "UNAUTHORIZED", "message": "Invalid access token."}]), ActionRequired, {}),
    (reply(403, [{"code": "FORBIDDEN", "message": "no"}]), ActionRequired, {}),
    (reply(404, [{"code": "NOT_FOUND", "message": "x"}]), ActionRequired, {"reason": LOCATION_GONE}),
    (reply(429, [{"code": "RATE_LIMIT_EXCEEDED", "message": "slow"}], {"Retry-After": "7"}), RetryableError,
     {"throttled": True, "retry_after": 7.0}),
    (reply(429, {"code": "RATE_LIMIT_EXCEEDED", "message": "slow"}), RetryableError, {"throttled": True, "retry_after": None}),
    (reply(500, [{"code": "INTERNAL_SERVER_ERROR", "message": "oops"}]), RetryableError, {"throttled": False}),
    (httpx.Response(504, text="<html>gateway</html>"), RetryableError, {}),
    (reply(400, [{"code": "BAD_REQUEST", "message": "nope"}]), Rejected, {"field_errors": []}),
    (reply(428, [{"code": "PRECONDITION_REQUIRED", "message": "If-Match"}]), Rejected, {}),
])
def test_classify(response: httpx.Response, kind: type, checks: dict[str, Any]) -> None:
    error = classify(response)
    assert type(error) is kind
    assert error.http_status == response.status_code
    for name, value in checks.items():
        assert getattr(error, name) == value
