"""YelpConnector over a mocked network (respx): ingestion jobs, partial updates, job status, errors."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, Rejected, Rendering, RetryableError
from connectors.yelp.connector import JOB_UNKNOWN, YelpConnector, split_remote_id
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://partner-api.yelp.com"
SECRET = "s3cr3t-never-shown"
STORE = "CLI-075-001"


@pytest.fixture
def record_() -> Establishment:
    return Establishment.model_validate(record(email=None))


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def connector() -> AsyncIterator[YelpConnector]:
    async with httpx.AsyncClient() as client:
        yield YelpConnector(client, "", {"username": "vitrine", "password": SECRET}, {})


@pytest.fixture
def rendering(connector: YelpConnector, record_: Establishment) -> Rendering:
    return connector.render(record_)


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code=STORE, remote_id=remote_id, remote_version=None, previous=previous,
                       changed=changed or [], request_id="req-1")


def job_status(fields: dict[str, Any], status: str = "COMPLETED", yelp_id: str | None = "abc-paris") -> httpx.Response:
    """Yelp's documented job status shape (reference/get_business_update_status_v1)."""
    results = {k: v if isinstance(v, dict) else {"status": v, "requested_value": "x"} for k, v in fields.items()}
    item: dict[str, Any] = {"partner_business_id": STORE, "status": status, "update_results": results}
    if yelp_id:
        item["yelp_business_id"] = yelp_id
    return httpx.Response(200, json={"status": status, "created_at": "2026-01-01T00:00:00+00:00", "completed_at": None,
                                     "business_results": [item]})


def error(status: int, code: str, headers: dict[str, str] | None = None, message: str = "m") -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}}, headers=headers)


async def test_first_push_sends_the_documented_body_with_basic_auth(api: respx.MockRouter, connector: YelpConnector,
                                                                    record_: Establishment, rendering: Rendering) -> None:
    route = api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={"job_id": "job_1"}))
    result = await connector.push(record_, rendering, ctx())
    assert (result.remote_id, result.state, result.remote_version) == (f"{STORE}/job_1", "awaiting_review", "job_1")
    request = route.calls[0].request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"vitrine:{SECRET}".encode()).decode()
    business = json.loads(request.content)["businesses"][0]
    assert business["matching_criteria"]["state"] == "IDF"  # ISO 3166-2, from the Paris postal code
    assert business["update"]["hours"][0] == {"day": "monday", "open": "08:00", "close": "12:00"}
    assert business["update"]["closed"] is False and business["update"]["temporarily_closed"] is False
    assert "categories" not in business["update"] and "options" not in business  # Yelp keeps an existing business's


async def test_categories_only_when_asking_yelp_to_create(api: respx.MockRouter, record_: Establishment) -> None:
    route = api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={"job_id": "job_1"}))
    async with httpx.AsyncClient() as client:
        connector = YelpConnector(client, "", {"username": "vitrine", "password": SECRET}, {"create_if_missing": "true"})
        rendering = connector.render(record_)
        await connector.push(record_, rendering, ctx())
        first = json.loads(route.calls[0].request.content)["businesses"][0]
        assert first["options"] == {"create_if_missing": True} and 1 <= len(first["update"]["categories"]) <= 3
        await connector.push(record_, rendering, ctx(f"{STORE}/job_1", rendering.payload, ["categories", "name"]))
        second = json.loads(route.calls[1].request.content)["businesses"][0]
        assert set(second["update"]) == {"name"} and "options" not in second


async def test_update_sends_only_changed_fields_and_clears_removed_ones_with_an_empty_string(
        api: respx.MockRouter, connector: YelpConnector, record_: Establishment, rendering: Rendering) -> None:
    route = api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={"job_id": "job_2"}))
    payload = {k: v for k, v in rendering.payload.items() if k != "url"}
    await connector.push(record_, Rendering(payload=payload), ctx(f"{STORE}/job_1", rendering.payload, ["url", "name"]))
    assert json.loads(route.calls[0].request.content)["businesses"][0]["update"] == {"name": payload["name"], "url": ""}


async def test_nothing_to_update_makes_no_call(api: respx.MockRouter, connector: YelpConnector, record_: Establishment,
                                               rendering: Rendering) -> None:
    result = await connector.push(record_, rendering, ctx(f"{STORE}/job_1", rendering.payload, []))
    assert result.detail == {"no_changes": True} and not api.calls


async def test_a_region_without_a_code_is_refused_before_any_call(api: respx.MockRouter, connector: YelpConnector) -> None:
    record_ = Establishment.model_validate(record(email=None, address={"lines": ["Bahnhofstrasse 5"], "postal_code": "8001",
                                                                       "locality": "Zürich", "country": "CH"}))
    with pytest.raises(Rejected) as caught:
        await connector.push(record_, connector.render(record_), ctx())
    assert caught.value.field_errors[0].field == "address.region" and not api.calls


async def test_accepted_without_job_id_is_retried(api: respx.MockRouter, connector: YelpConnector, record_: Establishment,
                                                  rendering: Rendering) -> None:
    api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={}))
    with pytest.raises(RetryableError, match="job_id"):
        await connector.push(record_, rendering, ctx())


@pytest.mark.parametrize(("response", "kind", "checks"), [
    (error(429, "TOO_MANY_REQUESTS", {"Retry-After": "3"}), RetryableError, {"throttled": True, "retry_after": 3.0}),
    (error(401, "UNAUTHORIZED"), ActionRequired, {"http_status": 401}),
    (error(403, "FORBIDDEN"), ActionRequired, {"http_status": 403}),
    (error(400, "INVALID_REQUEST", message="businesses[0].update.url: bad url; businesses[0].matching_criteria.phone: bad phone"),
     Rejected, {"field_errors": [FieldError("url", "bad url"), FieldError("matching_criteria.phone", "bad phone")]}),
    (error(500, "INTERNAL_ERROR"), RetryableError, {"throttled": False, "http_status": 500}),
    (error(503, "SERVICE_UNAVAILABLE"), RetryableError, {"http_status": 503}),
])
async def test_error_classes(api: respx.MockRouter, connector: YelpConnector, record_: Establishment, rendering: Rendering,
                             response: httpx.Response, kind: type[Exception], checks: dict[str, Any],
                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post("/v1/ingest/create").mock(return_value=response)
    with pytest.raises(kind) as caught:
        await connector.push(record_, rendering, ctx())
    for name, value in checks.items():
        assert getattr(caught.value, name) == value
    assert SECRET not in str(caught.value) and SECRET not in caplog.text


async def test_the_error_message_is_read_from_error_message(api: respx.MockRouter, connector: YelpConnector,
                                                            record_: Establishment, rendering: Rendering) -> None:
    api.post("/v1/ingest/create").mock(return_value=error(400, "INVALID_REQUEST", message="state is required"))
    with pytest.raises(Rejected, match="state is required"):
        await connector.push(record_, rendering, ctx())


async def test_missing_credentials(record_: Establishment) -> None:
    async with httpx.AsyncClient() as client:
        connector = YelpConnector(client, BASE, {"username": "u"}, {})
        with pytest.raises(ActionRequired, match="username and password"):
            await connector.push(record_, connector.render(record_), ctx())


@pytest.mark.parametrize("done", ["COMPLETED", "APPLIED"])
async def test_read_back_completed_or_applied_is_live(api: respx.MockRouter, connector: YelpConnector,
                                                      rendering: Rendering, done: str) -> None:
    route = api.get("/v1/ingest/status/job_1").mock(return_value=job_status({"name": done, "phone": "COMPLETED"}))
    rb = await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert (rb.state, rb.mismatched, rb.live_url, rb.remote_version) == ("live", [], "https://www.yelp.com/biz/abc-paris", "job_1")
    assert route.calls[0].request.url.params["detail_level"] == "2"


async def test_read_back_processing(api: respx.MockRouter, connector: YelpConnector, rendering: Rendering) -> None:
    api.get("/v1/ingest/status/job_1").mock(return_value=job_status({"name": "COMPLETED", "phone": "PROCESSING"},
                                                                     status="PROCESSING"))
    rb = await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert rb.state == "awaiting_review" and rb.pending == ["phone"]


async def test_read_back_refused_fields_and_whole_refusal(api: respx.MockRouter, connector: YelpConnector,
                                                          rendering: Rendering) -> None:
    api.get("/v1/ingest/status/job_1").mock(return_value=job_status(
        {"name": "COMPLETED", "url": {"status": "FAILED", "error": {"message": "unreachable"}}}))
    rb = await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert rb.state == "live" and rb.mismatched == ["url"] and "unreachable" in (rb.message or "")
    api.get("/v1/ingest/status/job_2").mock(return_value=job_status(
        {"name": {"status": "FAILED", "error": {"message": "no business matches"}}}, yelp_id=None))
    rb = await connector.read_back(f"{STORE}/job_2", rendering.payload)
    assert rb.state == "failed" and "no business matches" in (rb.message or "") and rb.live_url is None


async def test_read_back_unknown_job_and_bare_remote_id(api: respx.MockRouter, connector: YelpConnector,
                                                        rendering: Rendering) -> None:
    api.get("/v1/ingest/status/job_9").mock(return_value=error(404, "NOT_FOUND"))
    rb = await connector.read_back(f"{STORE}/job_9", rendering.payload)
    assert rb.state == "action_required" and rb.message == JOB_UNKNOWN
    assert (await connector.read_back(STORE, rendering.payload)).state == "awaiting_review"
    assert split_remote_id(f"{STORE}/job_9") == (STORE, "job_9") and split_remote_id(STORE) == (STORE, None)


async def test_read_back_throttled(api: respx.MockRouter, connector: YelpConnector, rendering: Rendering) -> None:
    api.get("/v1/ingest/status/job_1").mock(return_value=error(429, "TOO_MANY_REQUESTS", {"Retry-After": "1"}))
    with pytest.raises(RetryableError) as caught:
        await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert caught.value.throttled
