"""TomTomConnector over a mocked network (respx): reports, changed-only updates, statuses, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, Rejected, RetryableError
from connectors.tomtom.connector import REPORTS, TomTomConnector
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://api.tomtom.com"
KEY = "tt-s3cr3t-never-shown"


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext("CLI-075-001", remote_id, remote_id, previous, changed or [], "req-1")


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def tomtom(api: respx.MockRouter) -> AsyncIterator[TomTomConnector]:
    async with httpx.AsyncClient() as client:
        yield TomTomConnector(client, BASE, {"api_key": KEY}, {})


def body(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls[-1].request.content)


async def test_new_place_then_changed_only(api: respx.MockRouter, tomtom: TomTomConnector) -> None:
    route = api.post(REPORTS).mock(return_value=httpx.Response(201, json={"reportId": "rep-1", "status": "RECEIVED"}))
    record_ = est()
    payload = tomtom.render(record_).payload
    result = await tomtom.push(record_, tomtom.render(record_), ctx())
    sent = body(route)
    assert route.calls[-1].request.url.params["key"] == KEY
    assert sent["reportType"] == "NEW_PLACE" and sent["position"] == payload["position"]
    assert sent["place"] == {k: v for k, v in payload.items() if k != "position"} and sent["reference"].startswith("vitrine-")
    assert (result.remote_id, result.state, result.created) == ("rep-1", "awaiting_review", True)
    await tomtom.push(record_, tomtom.render(record_), ctx())
    assert json.loads(route.calls[0].request.content)["reference"] == body(route)["reference"]
    new = est(website=None, status="closed_permanently", platform_ids={"tomtom": "528009004256119"})
    await tomtom.push(new, tomtom.render(new), ctx("rep-1", payload, ["url", "status"]))
    assert body(route)["place"] == {"url": None, "status": "PERMANENTLY_CLOSED"}
    assert body(route)["reportType"] == "UPDATE_PLACE" and body(route)["placeId"] == "528009004256119"


async def test_no_position_needs_a_person(api: respx.MockRouter, tomtom: TomTomConnector) -> None:
    record_ = est(geo=None)
    with pytest.raises(ActionRequired) as caught:
        await tomtom.push(record_, tomtom.render(record_), ctx())
    assert "coordinates (geo)" in caught.value.reason


@pytest.mark.parametrize(("status", "state"), [("RECEIVED", "awaiting_review"), ("IN_REVIEW", "awaiting_review"),
                                               ("ACCEPTED", "awaiting_review"), ("APPLIED", "live"), ("REJECTED", "failed")])
async def test_read_back_never_live_before_applied(api: respx.MockRouter, tomtom: TomTomConnector, status: str,
                                                  state: str) -> None:
    api.get(f"{REPORTS}/rep-1").mock(return_value=httpx.Response(200, json={
        "reportId": "rep-1", "status": status, "mapRelease": "2026.14", "reason": "Place not found"}))
    rb = await tomtom.read_back("rep-1", {"name": "x", "position": {}})
    assert rb.state == state
    if status == "ACCEPTED":
        assert "2026.14" in (rb.message or "") and rb.pending == ["name"]
    if status == "REJECTED":
        assert "Place not found" in (rb.message or "")


async def raised(api: respx.MockRouter, tomtom: TomTomConnector, response: httpx.Response) -> Exception:
    api.post(REPORTS).mock(return_value=response)
    record_ = est()
    with pytest.raises(Exception) as caught:
        await tomtom.push(record_, tomtom.render(record_), ctx())
    assert KEY not in str(caught.value)
    return caught.value


async def test_error_classes(api: respx.MockRouter, tomtom: TomTomConnector) -> None:
    throttled = await raised(api, tomtom, httpx.Response(429, headers={"Retry-After": "3"}, json={"errorText": "Too many requests"}))
    assert isinstance(throttled, RetryableError) and throttled.throttled and throttled.retry_after == 3
    assert isinstance(await raised(api, tomtom, httpx.Response(403, json={"errorText": "Forbidden"})), ActionRequired)
    assert isinstance(await raised(api, tomtom, httpx.Response(401)), ActionRequired)
    rejected = await raised(api, tomtom, httpx.Response(400, json={"errorText": "Invalid report", "detailedError": {
        "code": "BadRequest", "message": "Invalid report",
        "details": [{"code": "InvalidField", "target": "place.phone", "message": "not a phone number"}]}}))
    assert isinstance(rejected, Rejected) and rejected.field_errors == [FieldError("phone", "not a phone number")]
    server = await raised(api, tomtom, httpx.Response(500, json={"errorText": "boom"}))
    assert isinstance(server, RetryableError) and not server.throttled
