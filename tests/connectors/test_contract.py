"""Contract suite: every platform in the registry, on the same canonical records.

Pure renders (honest capabilities, nothing dropped silently, every declared capability used),
then, for the platforms that write over HTTP, the three error kinds of `connectors.base` from
each platform's own throttling, credential and validation answers (respx), and idempotent
creates against the sandbox over a real socket.
"""

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx

from connectors.http import make_client
from connectors.base import (
    FIELDS,
    ActionRequired,
    Channel,
    ConnectorError,
    PushContext,
    Rejected,
    RetryableError,
)
from connectors.feeds.partners import PARTNERS
from connectors.registry import CONNECTORS
from connectors.sandbox import SandboxConfig, SandboxServer
from schemas import Establishment
from service.cli.demo import sandbox_connections
from tests.establishments.factories import record

DAY = [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}]
RECORDS = {
    "full": record(),
    "minimal": {"store_code": "MIN-1", "name": "Cabinet", "categories": {"primary": "dentist"},
                "address": {"lines": ["1 place du Marché"], "locality": "Lille"}},
    "split_and_overnight": record(hours={"regular": {"monday": DAY, "friday": [{"open": "22:00", "close": "02:00"}],
                                                     "saturday": [{"open": "09:00", "close": "24:00"}]}}),
    "always_open": record(hours={"regular": {d: [{"open": "00:00", "close": "24:00"}] for d in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}}),
    "closures": record(status="closed_temporarily", reopen_date="2027-01-15", hours={
        "regular": {"monday": DAY}, "special": [
            {"start_date": "2026-12-25", "closed": True},
            {"start_date": "2026-12-31", "end_date": "2027-01-02", "intervals": [{"open": "09:00", "close": "12:00"}]}]}),
    "permanently_closed": record(status="closed_permanently"),
    "opening_soon": record(status="opening_soon", opening_date="2027-03-01"),
    "long_and_non_ascii": record(name="Centre hospitalier intercommunal Élisabeth-Ørsted de Saint-Étienne-du-Rouvray "
                                      "— pôle mère-enfant, maternité & néonatologie «Les Hêtres»",
                                 description="Soins de suite et de réadaptation. " * 40,
                                 phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                                 photos=[{"url": "https://cdn.example.fr/facade.jpg", "kind": "cover"}]),
    "abroad": record(address={"lines": ["Hauptstraße 16"], "postal_code": "10115", "locality": "Berlin",
                              "country": "DE"}, phones={"primary": "+49301234567"}),
}


@pytest.fixture(params=sorted(CONNECTORS), ids=str)
def platform(request):
    return request.param


def test_registry_has_twenty_platforms_with_honest_info():
    assert len(CONNECTORS) >= 20
    for key, cls in CONNECTORS.items():
        info = cls.info
        assert info.key == key and info.name and info.channel in Channel
        assert set(info.capabilities) <= set(FIELDS), key
        assert info.typical_delay > timedelta(0), key
        assert (info.follows in CONNECTORS) if info.channel == Channel.derived else info.follows is None, key
        for quota in (info.quota, info.location_quota):
            assert quota is None or (quota.requests > 0 and quota.per_seconds > 0), key


def test_each_channel_has_its_interface(platform):
    cls = CONNECTORS[platform]
    if cls.info.channel == Channel.api:
        assert inspect.iscoroutinefunction(cls.push) and inspect.iscoroutinefunction(cls.read_back)
    elif cls.info.channel == Channel.feed:
        assert inspect.iscoroutinefunction(cls.deliver) and not cls.info.verifiable
    else:
        assert not cls.info.verifiable


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_renders_are_pure_serialisable_and_name_what_they_drop(platform, name):
    connector = CONNECTORS[platform](None, CONNECTORS[platform].info.default_base_url, {}, {})  # type: ignore[arg-type]
    est = Establishment.model_validate(RECORDS[name])
    first, second = connector.render(est), connector.render(est)
    assert first.payload == second.payload and first.unsupported == second.unsupported  # deterministic
    json.dumps(first.payload)  # a payload is plain JSON data
    assert all(isinstance(why, str) and why for why in first.unsupported.values())
    if CONNECTORS[platform].info.channel in (Channel.api, Channel.feed):
        assert first.payload, f"{platform} rendered nothing for {name}"


@pytest.mark.parametrize("platform", [p for p, c in CONNECTORS.items() if c.info.channel != Channel.derived])
def test_fields_outside_the_capabilities_are_reported_not_dropped(platform):
    """A record carrying every field: what the platform cannot take shows up in `unsupported`
    (derived platforms take nothing themselves)."""
    cls = CONNECTORS[platform]
    full = Establishment.model_validate({**RECORDS["long_and_non_ascii"],
                                         "hours": RECORDS["closures"]["hours"], "email": "contact@example.fr"})
    rendering = cls(None, cls.info.default_base_url, {}, {}).render(full)  # type: ignore[arg-type]
    reported = " ".join(rendering.unsupported)
    for field in set(FIELDS) - set(cls.info.capabilities):
        root = field.split(".")[0]
        assert field in reported or root in reported, f"{platform} drops {field} silently"


# ---------------------------------------------------------------- capabilities are really used

# For each canonical field: two records differing only in that field. A platform that declares
# the field must render the two differently (the converse of the test above).
PARIS = {"lines": ["12 rue Oberkampf"], "postal_code": "75011", "locality": "Paris", "country": "FR"}
MONDAY = {"monday": [{"open": "09:00", "close": "18:00"}]}
VARIANTS: dict[str, tuple[dict, dict]] = {
    "name": ({"name": "Clinique du Parc"}, {"name": "Clinique des Lilas"}),
    "status": ({"status": "open"}, {"status": "closed_permanently"}),
    "address": ({"address": PARIS}, {"address": {**PARIS, "lines": ["3 avenue Parmentier"]}}),
    "geo": ({"geo": {"lat": 48.8656, "lng": 2.3781}}, {"geo": {"lat": 48.8601, "lng": 2.3801}}),
    "phones.primary": ({"phones": {"primary": "+33123456789"}}, {"phones": {"primary": "+33472000000"}}),
    "phones.additional": ({"phones": {"primary": "+33123456789"}},
                          {"phones": {"primary": "+33123456789", "additional": ["+33612345678"]}}),
    "website": ({"website": "https://www.clinique-du-parc.fr/"}, {"website": "https://www.lilas.example.fr/"}),
    "email": ({"email": "contact@clinique-du-parc.fr"}, {"email": "accueil@lilas.example.fr"}),
    "categories": ({"categories": {"primary": "hospital"}}, {"categories": {"primary": "pharmacy"}}),
    "description": ({"description": "Soins de suite et de réadaptation."},
                    {"description": "Consultations sans rendez-vous."}),
    "hours.regular": ({"hours": {"regular": MONDAY}},
                      {"hours": {"regular": {"monday": [{"open": "08:00", "close": "12:00"}]}}}),
    "hours.special": ({"hours": {"regular": MONDAY}},
                      {"hours": {"regular": MONDAY, "special": [{"start_date": "2026-12-25", "closed": True}]}}),
    "photos": ({}, {"photos": [{"url": "https://cdn.example.fr/facade.jpg", "kind": "cover"}]}),
}


def test_every_field_has_variants() -> None:
    assert set(VARIANTS) == set(FIELDS)


def test_declared_capabilities_change_what_is_rendered(platform):
    cls = CONNECTORS[platform]
    if cls.info.channel == Channel.derived:
        assert not cls.info.capabilities  # it mirrors another platform and takes nothing itself
        return
    connector = cls(None, cls.info.default_base_url, {}, {})  # type: ignore[arg-type]
    for field in sorted(cls.info.capabilities):
        before, after = (connector.render(Establishment.model_validate(record(**overrides)))
                         for overrides in VARIANTS[field])
        assert before.payload != after.payload, f"{platform} declares {field} but renders it the same either way"


# ---------------------------------------------------------------- error classification

Reply = Callable[[], httpx.Response]


def reply(status: int, json: Any = None, *, text: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    """A fresh response per call (a response object is consumed once read)."""
    return lambda: httpx.Response(status, json=json, text=text, headers=headers)


@dataclass(frozen=True)
class ErrorCase:
    """How a platform says "slow down", "who are you?" and "this is wrong" to a create, the way
    platforms.md and the platform's own connector tests describe it. `prelude`: the calls a
    create makes (and that succeed) around its write; `write`: the call that fails."""

    credentials: dict[str, str]
    prelude: tuple[tuple[str, str, Reply], ...]
    write: tuple[str, str]
    throttle: Reply
    retry_after: float | None  # what the throttle answer says to wait, in seconds
    auth: Reply
    validation: Reply
    field: str | None = None  # the field the validation answer names, where the platform names one
    options: dict[str, str] = dataclass_field(default_factory=dict)
    base_url: str | None = None  # None: the platform's default
    feed: bool = False  # a feed connector: the write is a delivery


STORE = RECORDS["full"]["store_code"]
FB_PARENT = "100000000000001"
GOOGLE_VIOLATION = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
    {"field": "location.website_uri", "description": "websiteUri must be an http or https URL."}]}]
OSM_EMPTY_MAP = '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test"></osm>'
FEED_CASE = dict(credentials={"token": "feed-token"}, prelude=(), write=("POST", ""),
                 throttle=reply(429, text="slow down", headers={"Retry-After": "120"}), retry_after=120.0,
                 auth=reply(401, text="bad token"), validation=reply(400, text="column telephone: invalid"), feed=True)

ERROR_CASES: dict[str, ErrorCase] = {
    "google": ErrorCase(
        credentials={"access_token": "google-token"}, options={"account": "accounts/1"},
        prelude=(), write=("POST", "/accounts/1/locations"),
        throttle=reply(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded"}},
                       headers={"Retry-After": "30"}), retry_after=30.0,
        auth=reply(401, {"error": {"code": 401, "status": "UNAUTHENTICATED",
                                   "message": "Request had invalid authentication credentials."}}),
        validation=reply(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT", "details": GOOGLE_VIOLATION,
                                         "message": "Request contains an invalid argument."}}),
        field="location.website_uri"),
    "facebook": ErrorCase(
        credentials={"access_token": "page-token"}, options={"parent_page_id": FB_PARENT, "create_pages": True},
        prelude=(("GET", f"/{FB_PARENT}/locations", reply(200, {"data": []})),),
        write=("POST", f"/{FB_PARENT}/locations"),
        throttle=reply(400, {"error": {"code": 80001, "type": "OAuthException",
                                       "message": "(#80001) There have been too many calls to this Page account."}},
                       headers={"X-Business-Use-Case-Usage": json.dumps({FB_PARENT: [
                           {"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 5}]})}),
        retry_after=300.0,  # 5 Graph minutes
        auth=reply(400, {"error": {"code": 190, "type": "OAuthException", "message": "Error validating access token"}}),
        validation=reply(400, {"error": {"code": 100, "type": "OAuthException",
                                         "message": "(#100) param location[latitude] must be a number"}}),
        field="location"),
    "apple": ErrorCase(
        credentials={"client_id": "apple-client", "client_secret": "apple-secret"}, options={"org_id": "org1"},
        prelude=(("POST", "/api/v1/oauth2/token", reply(200, {"access_token": "apple-token", "expires_in": 3600})),
                 ("GET", "/api/v1/orgs/org1/locations", reply(200, {"data": []}))),
        write=("POST", "/api/v1/orgs/org1/locations"),
        throttle=reply(429, [{"code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests"}],
                       headers={"Retry-After": "3"}), retry_after=3.0,
        auth=reply(401, [{"code": "UNAUTHORIZED", "message": "Invalid access token."}]),  # even with a fresh token
        validation=reply(400, [{"code": "VALIDATION__INVALID_VALUE",
                                "message": "phoneNumber is not a valid phone number.",
                                "context": {"field": "locationDetails.phoneNumbers[0].phoneNumber"}}]),
        field="phoneNumbers[0].phoneNumber"),
    "osm": ErrorCase(
        credentials={"access_token": "osm-token"}, options={"automated_edits_opt_in": "true",
                 "automated_edits_docs": "https://wiki.openstreetmap.org/wiki/Automated_edits/Example"},
        prelude=(("GET", "/api/0.6/map", reply(200, text=OSM_EMPTY_MAP)),
                 ("PUT", "/api/0.6/changeset/create", reply(200, text="7")),
                 ("PUT", "/api/0.6/changeset/7/close", reply(200, text=""))),
        write=("PUT", "/api/0.6/node/create"),
        throttle=reply(429, text="You have downloaded too much data.", headers={"Retry-After": "60"}), retry_after=60.0,
        auth=reply(401, text="Couldn't authenticate you"),
        validation=reply(400, text="Latitude 95 out of range", headers={"Error": "Latitude 95 out of range"})),
    "here": ErrorCase(
        credentials={"api_key": "here-key", "app_id": "here-app"}, prelude=(), write=("POST", "/feedback/"),
        throttle=reply(429, {"title": "Too Many Requests", "status": 429}, headers={"Retry-After": "7"}),
        retry_after=7.0,
        auth=reply(401, {"error": "Unauthorized", "error_description": "apiKey invalid. apiKey not found."}),
        validation=reply(400, {"title": "Bad Request", "status": 400, "cause": "Invalid feedback",
                               "errors": [{"field": "[0].properties.phone", "message": "is not a phone number"}]}),
        field="phone"),
    "foursquare": ErrorCase(
        credentials={"service_key": "fsq-key"}, prelude=(), write=("POST", "/places/suggest/place"),
        throttle=reply(429, {"message": "Rate limit exceeded"}, headers={"Retry-After": "1"}), retry_after=1.0,
        auth=reply(401, {"message": "Invalid request token."}),
        validation=reply(400, {"message": "tel: is not a phone number",
                               "errors": [{"field": "tel", "message": "is not a phone number"}]}),
        field="tel"),
    "tomtom": ErrorCase(
        credentials={"api_key": "tomtom-key"}, options={"feedback_kind": "agreed_kind"}, prelude=(),
        write=("POST", "/maps/orbis/feedback"),
        throttle=reply(429, {"errorText": "Too many requests"}, headers={"Retry-After": "3"}), retry_after=3.0,
        auth=reply(403, {"detailedError": {"code": "Forbidden", "message": "You are not allowed to access this endpoint"}}),
        validation=reply(400, {"errorText": "severity: must be an integer greater than 0", "detailedError": {
            "code": "BAD_REQUEST", "details": [{"target": "severity", "message": "must be an integer greater than 0"}]}}),
        field="severity"),
    "bing": ErrorCase(
        credentials={"api_key": "bing-key"}, options={"partner_contract": "confirmed"},
        prelude=(("POST", "/trustedPartnerApi/v1/GetBusinesses", reply(200, {"OperationStatus": "Success",
                                                                             "Businesses": []})),),
        write=("POST", "/trustedPartnerApi/v1/CreateBusinesses"),
        throttle=reply(429, {"ErrorCode": "ThrottlingLimitExceeded", "ErrorMessage": "Slow down"},
                       headers={"Retry-After": "4"}), retry_after=4.0,
        auth=reply(401, {"ErrorCode": "Unauthorized", "ErrorMessage": "Invalid API key"}),
        validation=reply(200, {"OperationStatus": "Failure", "Results": [{  # Bing refuses a business in a 200 answer
            "StoreId": STORE, "Status": "ValidationFailed",
            "Errors": [{"Field": "PhoneNumber", "Message": "Invalid phone number"}]}]}),
        field="PhoneNumber"),
    "yelp": ErrorCase(
        credentials={"username": "partner", "password": "secret"}, prelude=(), write=("POST", "/v1/ingest/create"),
        throttle=reply(429, {"error": {"code": "TOO_MANY_REQUESTS"}}, headers={"Retry-After": "10"}), retry_after=10.0,
        auth=reply(401, {"error": {"code": "UNAUTHORIZED", "message": "Bad credentials"}}),
        validation=reply(400, {"error": {"code": "INVALID_REQUEST", "message": "businesses[0].update.url: bad url"}}),
        field="url"),
    # Feed partners delivering over HTTPS: the upload answers the same three ways
    **{key: ErrorCase(base_url=f"https://upload.example.com/feeds/{key}", **FEED_CASE)  # type: ignore[arg-type]
       for key, partner in PARTNERS.items() if partner.transport == "https"},
}


def test_error_table_covers_every_connector_that_writes_over_http() -> None:
    """API connectors and HTTPS feeds. SFTP feeds answer with SSH errors (covered against a real
    SFTP server in tests/connectors/feeds/test_delivery.py); derived and manual platforms write nothing."""
    api = {key for key, cls in CONNECTORS.items() if cls.info.channel == Channel.api}
    https_feeds = {key for key, partner in PARTNERS.items() if partner.transport == "https"}
    assert https_feeds and set(ERROR_CASES) == api | https_feeds


def _url(base: str, path: str) -> str:
    return "^" + re.escape(base.rstrip("/") + path) + r"(\?.*)?$"


async def failed_create(platform: str, kind: str) -> ConnectorError:
    """A create (a delivery for a feed) whose write answers with `kind` (throttle, auth, validation)."""
    case, cls = ERROR_CASES[platform], CONNECTORS[platform]
    base = case.base_url or cls.info.default_base_url
    est = Establishment.model_validate(RECORDS["full"])
    async with httpx.AsyncClient() as client:
        with respx.mock(assert_all_mocked=True, assert_all_called=True) as router:
            for method, path, answer in case.prelude:
                router.route(method=method, url__regex=_url(base, path)).mock(side_effect=lambda _, a=answer: a())
            failing = getattr(case, kind)
            router.route(method=case.write[0], url__regex=_url(base, case.write[1])).mock(
                side_effect=lambda _: failing())
            connector = cls(client, base, case.credentials, case.options)
            rendering = connector.render(est)
            with pytest.raises(ConnectorError) as caught:
                if case.feed:
                    await connector.deliver([rendering.payload], "acme")
                else:
                    await connector.push(est, rendering, PushContext(
                        store_code=est.store_code, remote_id=None, remote_version=None, previous=None,
                        changed=list(rendering.payload), request_id=f"contract-{platform}"))
    return caught.value


@pytest.mark.parametrize("platform", sorted(ERROR_CASES))
async def test_throttling_is_retryable_after_the_wait_the_platform_gives(platform: str) -> None:
    error = await failed_create(platform, "throttle")
    assert isinstance(error, RetryableError) and error.throttled, (platform, error)
    assert error.retry_after == ERROR_CASES[platform].retry_after


@pytest.mark.parametrize("platform", sorted(ERROR_CASES))
async def test_refused_credentials_need_a_person(platform: str) -> None:
    error = await failed_create(platform, "auth")
    assert isinstance(error, ActionRequired) and error.reason, (platform, error)


@pytest.mark.parametrize("platform", sorted(ERROR_CASES))
async def test_invalid_content_is_rejected_naming_the_field(platform: str) -> None:
    error = await failed_create(platform, "validation")
    assert isinstance(error, Rejected), (platform, error)
    expected = ERROR_CASES[platform].field
    if expected is not None:
        assert expected in [e.field for e in error.field_errors], error.field_errors


# ---------------------------------------------------------------- idempotent creates, over real HTTP

# The sandbox's create counter that stands for "a listing" on each platform (core.Emulator.count_create)
LISTING_COUNTER = {"google": "storeCode", "facebook": "store_code", "apple": "partnersLocationId",
                   "bing": "StoreId", "yelp": "partner_business_id", "here": "reference", "tomtom": "reference",
                   "foursquare": "place", "osm": "node"}


def test_every_api_connector_has_a_listing_counter() -> None:
    assert set(LISTING_COUNTER) == {key for key, cls in CONNECTORS.items() if cls.info.channel == Channel.api}


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig()) as server:
        yield server


@pytest.mark.parametrize("platform", sorted(LISTING_COUNTER))
async def test_a_create_pushed_twice_makes_one_listing(platform: str, sandbox_server: SandboxServer) -> None:
    """The worker died after the platform answered, before the database recorded it: the engine
    pushes the same create again, with the same request id. The platform must hold one listing."""
    credentials, options = sandbox_connections(sandbox_server.url)[platform]
    options = dict(options)
    base = options.pop("base_url")
    est = Establishment.model_validate(RECORDS["full"])
    async with make_client(10) as client:  # the shared client, with Vitrine's User-Agent
        assert (await client.post(f"{sandbox_server.url}/_sandbox/reset")).status_code == 200
        connector = CONNECTORS[platform](client, base, credentials, options)
        rendering = connector.render(est)
        ctx = PushContext(store_code=est.store_code, remote_id=None, remote_version=None, previous=None,
                          changed=list(rendering.payload), request_id=f"contract-{platform}")
        first = await connector.push(est, rendering, ctx)
        again = await connector.push(est, rendering, ctx)
        stats = (await client.get(f"{sandbox_server.url}/_sandbox/stats")).json()[platform]
    counter = LISTING_COUNTER[platform]
    assert first.created and sum(stats["create_requests"][counter].values()) >= 1
    assert sum(stats["creates"][counter].values()) == 1, stats["creates"]
    assert again.remote_id.split("/")[0] == first.remote_id.split("/")[0]  # Yelp's remote id also names its last job
