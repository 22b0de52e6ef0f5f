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


def job_status(fields: dict[str, str], status: str = "COMPLETED", errors: list[dict[str, str]] | None = None,
               yelp_id: str | None = "abc-paris") -> httpx.Response:
    item: dict[str, Any] = {"partner_business_id": STORE, "status": status, "fields": fields, "errors": errors or []}
    if yelp_id:
        item["yelp_business_id"] = yelp_id
    return httpx.Response(200, json={"job_id": "job_1", "status": status, "businesses": [item]})


def error(status: int, code: str, headers: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"code": code, "description": "d"}
    if errors:
        body["errors"] = errors
    return httpx.Response(status, json={"error": body}, headers=headers)


async def test_first_push_sends_every_field_with_basic_auth(api: respx.MockRouter, connector: YelpConnector,
                                                            record_: Establishment, rendering: Rendering) -> None:
    create = api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={"job_id": "job_1"}))
    pushed = await connector.push(record_, rendering, ctx())
    assert (pushed.remote_id, pushed.remote_version, pushed.created, pushed.state) == (f"{STORE}/job_1", "job_1", True, "awaiting_review")
    [business] = json.loads(create.calls[0].request.content)["businesses"]
    payload = rendering.payload
    assert business == {"partner_business_id": STORE, "matching_criteria": payload["matching_criteria"],
                        "update": {k: v for k, v in payload.items() if k not in ("partner_business_id", "matching_criteria")}}
    auth = create.calls[0].request.headers["Authorization"]
    assert auth == "Basic " + base64.b64encode(f"vitrine:{SECRET}".encode()).decode()


async def test_update_sends_only_changed_fields_and_clears_removed_ones(api: respx.MockRouter, connector: YelpConnector,
                                                                        record_: Establishment, rendering: Rendering) -> None:
    create = api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={"job_id": "job_2"}))
    previous = {**rendering.payload, "phone": "+33100000000", "special_hours": []}
    pushed = await connector.push(record_, rendering, ctx(f"{STORE}/job_1", previous, ["phone", "special_hours", "matching_criteria"]))
    [business] = json.loads(create.calls[0].request.content)["businesses"]
    assert business["update"] == {"phone": "+33123456789", "special_hours": None}
    assert business["matching_criteria"] == rendering.payload["matching_criteria"]
    assert pushed.remote_id == f"{STORE}/job_2" and not pushed.created and pushed.detail["fields"] == ["phone", "special_hours"]


async def test_nothing_to_update_makes_no_call(api: respx.MockRouter, connector: YelpConnector, record_: Establishment,
                                               rendering: Rendering) -> None:
    create = api.post("/v1/ingest/create")
    pushed = await connector.push(record_, rendering, ctx(f"{STORE}/job_1", rendering.payload, ["matching_criteria"]))
    assert not create.called and pushed.remote_id == f"{STORE}/job_1" and pushed.detail == {"no_changes": True}


async def test_accepted_without_job_id_is_retried(api: respx.MockRouter, connector: YelpConnector, record_: Establishment,
                                                  rendering: Rendering) -> None:
    api.post("/v1/ingest/create").mock(return_value=httpx.Response(200, json={}))
    with pytest.raises(RetryableError, match="job_id"):
        await connector.push(record_, rendering, ctx())


@pytest.mark.parametrize(("response", "kind", "checks"), [
    (error(429, "TOO_MANY_REQUESTS", {"Retry-After": "3"}), RetryableError, {"throttled": True, "retry_after": 3.0}),
    (error(401, "UNAUTHORIZED"), ActionRequired, {"http_status": 401}),
    (error(403, "FORBIDDEN"), ActionRequired, {"http_status": 403}),
    (error(400, "INVALID_REQUEST", errors=[{"field": "businesses[0].update.url", "description": "bad url"},
                                           {"field": "businesses[0].matching_criteria.phone", "description": "bad phone"}]),
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


async def test_missing_credentials(record_: Establishment) -> None:
    async with httpx.AsyncClient() as client:
        connector = YelpConnector(client, BASE, {"username": "u"}, {})
        with pytest.raises(ActionRequired, match="username and password"):
            await connector.push(record_, connector.render(record_), ctx())


async def test_read_back_all_applied_is_live(api: respx.MockRouter, connector: YelpConnector, rendering: Rendering) -> None:
    route = api.get("/v1/ingest/status/job_1").mock(return_value=job_status({"name": "APPLIED", "phone": "APPLIED"}))
    rb = await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert (rb.state, rb.mismatched, rb.live_url, rb.remote_version) == ("live", [], "https://www.yelp.com/biz/abc-paris", "job_1")
    assert route.calls[0].request.url.params["detail_level"] == "2"


async def test_read_back_pending_and_processing(api: respx.MockRouter, connector: YelpConnector, rendering: Rendering) -> None:
    api.get("/v1/ingest/status/job_1").mock(return_value=job_status({"name": "APPLIED", "phone": "PENDING"}))
    rb = await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert rb.state == "awaiting_review" and rb.pending == ["phone"]
    api.get("/v1/ingest/status/job_2").mock(return_value=httpx.Response(200, json={"job_id": "job_2", "status": "PROCESSING", "businesses": []}))
    rb = await connector.read_back(f"{STORE}/job_2", rendering.payload)
    assert rb.state == "awaiting_review"


async def test_read_back_rejected_fields_and_whole_rejection(api: respx.MockRouter, connector: YelpConnector,
                                                             rendering: Rendering) -> None:
    api.get("/v1/ingest/status/job_1").mock(return_value=job_status(
        {"name": "APPLIED", "url": "REJECTED"}, errors=[{"field": "url", "code": "REJECTED", "description": "unreachable"}]))
    rb = await connector.read_back(f"{STORE}/job_1", rendering.payload)
    assert rb.state == "live" and rb.mismatched == ["url"] and "unreachable" in (rb.message or "")
    api.get("/v1/ingest/status/job_2").mock(return_value=job_status(
        {}, errors=[{"code": "NO_MATCH", "description": "no business matches"}], yelp_id=None))
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
