"""FoursquareConnector over a mocked network (respx): new place, edits, dry run, statuses, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, Rejected, RetryableError
from connectors.foursquare.connector import FoursquareConnector
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://places-api.foursquare.com"
KEY = "fsq-s3cr3t-never-shown"
FSQ = "4b0588a1f964a520b7d922e3"


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext("CLI-075-001", remote_id, remote_id, previous, changed or [], "req-1")


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


async def make(options: dict[str, Any] | None = None) -> FoursquareConnector:
    return FoursquareConnector(httpx.AsyncClient(), BASE, {"service_key": KEY}, options or {})


def body(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls[-1].request.content)


async def test_new_place_without_fsq_id(api: respx.MockRouter) -> None:
    route = api.post("/places/suggest/place").mock(return_value=httpx.Response(201, json={"suggestion_id": "s1", "status": "pending"}))
    fsq = await make()
    record_ = est()
    result = await fsq.push(record_, fsq.render(record_), ctx())
    request = route.calls[-1].request
    assert request.headers["authorization"] == f"Bearer {KEY}" and request.headers["idempotency-key"].startswith("vitrine-")
    assert body(route) == fsq.render(record_).payload and "dry_run" not in request.url.params
    assert (result.remote_id, result.state, result.created, result.detail["kind"]) == ("s1", "awaiting_review", True, "place")
    await fsq.push(record_, fsq.render(record_), ctx())
    assert route.calls[0].request.headers["idempotency-key"] == route.calls[1].request.headers["idempotency-key"]


async def test_edit_with_known_fsq_id_sends_only_changed(api: respx.MockRouter) -> None:
    route = api.post(f"/places/{FSQ}/suggest/edit").mock(return_value=httpx.Response(201, json={"suggestion_id": "s2"}))
    fsq = await make()
    new = est(platform_ids={"foursquare": FSQ}, name="Clinique du Parc Oberkampf", website=None)
    result = await fsq.push(new, fsq.render(new), ctx("s1", {"name": "x"}, ["name", "website"]))
    assert body(route) == {"name": "Clinique du Parc Oberkampf", "website": None}
    assert (result.remote_id, result.created) == ("s2", False)


async def test_categories_travel_as_fsq_category_ids(api: respx.MockRouter) -> None:
    place = api.post("/places/suggest/place").mock(return_value=httpx.Response(201, json={"suggestion_id": "s1"}))
    edit = api.post(f"/places/{FSQ}/suggest/edit").mock(return_value=httpx.Response(201, json={"suggestion_id": "s2"}))
    fsq = await make()
    lab = est(categories={"primary": "medical_laboratory", "additional": ["blood_donation"]})
    first = fsq.render(lab)
    await fsq.push(lab, first, ctx())
    assert body(place)["fsq_category_ids"] == ["4f4531b14b9074f6e4fb0103", "5f2c43a65b4c177b9a6dcc62"]

    moved = est(platform_ids={"foursquare": FSQ}, categories={"primary": "pharmacy"})
    second = fsq.render(moved)
    changed = [key for key in second.payload if second.payload[key] != first.payload.get(key)]
    assert changed == ["fsq_category_ids"]
    await fsq.push(moved, second, ctx("s1", first.payload, changed))
    assert body(edit) == {"fsq_category_ids": ["4bf58dd8d48988d10f951735"]}


async def test_first_push_with_fsq_id_sends_everything_as_an_edit(api: respx.MockRouter) -> None:
    route = api.post(f"/places/{FSQ}/suggest/edit").mock(return_value=httpx.Response(201, json={"suggestion_id": "s2"}))
    fsq = await make()
    record_ = est(platform_ids={"foursquare": FSQ})
    await fsq.push(record_, fsq.render(record_), ctx(FSQ, None, []))
    assert body(route) == fsq.render(record_).payload


async def test_edit_after_an_accepted_new_place_uses_its_fsq_id(api: respx.MockRouter) -> None:
    api.get("/places/suggest/status/s1").mock(return_value=httpx.Response(200, json={
        "suggestion_id": "s1", "type": "place", "status": "accepted", "fsq_id": FSQ}))
    route = api.post(f"/places/{FSQ}/suggest/edit").mock(return_value=httpx.Response(201, json={"suggestion_id": "s2"}))
    fsq = await make()
    new = est(phones={"primary": "+33140000000"})
    await fsq.push(new, fsq.render(new), ctx("s1", {"tel": "+33123456789"}, ["tel"]))
    assert body(route) == {"tel": "+33140000000"}


async def test_edit_waits_while_the_new_place_is_pending(api: respx.MockRouter) -> None:
    api.get("/places/suggest/status/s1").mock(return_value=httpx.Response(200, json={
        "suggestion_id": "s1", "type": "place", "status": "pending"}))
    fsq = await make()
    new = est(name="Autre")
    with pytest.raises(RetryableError) as caught:
        await fsq.push(new, fsq.render(new), ctx("s1", {"name": "x"}, ["name"]))
    assert caught.value.retry_after == 86_400


async def test_dry_run_validates_and_sends_nothing(api: respx.MockRouter) -> None:
    route = api.post("/places/suggest/place").mock(return_value=httpx.Response(200, json={"dry_run": True, "valid": True}))
    fsq = await make({"dry_run": True})
    record_ = est()
    with pytest.raises(ActionRequired) as caught:
        await fsq.push(record_, fsq.render(record_), ctx())
    assert route.calls[-1].request.url.params["dry_run"] == "true" and "dry run" in caught.value.reason


async def test_new_place_needs_coordinates(api: respx.MockRouter) -> None:
    fsq = await make()
    record_ = est(geo=None)
    with pytest.raises(ActionRequired) as caught:
        await fsq.push(record_, fsq.render(record_), ctx())
    assert "coordinates (geo)" in caught.value.reason


@pytest.mark.parametrize(("status", "state"), [("pending", "awaiting_review"), ("accepted", "live"), ("rejected", "failed")])
async def test_read_back_states(api: respx.MockRouter, status: str, state: str) -> None:
    api.get("/places/suggest/status/s1").mock(return_value=httpx.Response(200, json={
        "suggestion_id": "s1", "type": "edit", "status": status, "fsq_id": FSQ, "reason": "Duplicate venue"}))
    rb = await (await make()).read_back("s1", {"name": "x"})
    assert rb.state == state and rb.live_url == f"https://foursquare.com/v/{FSQ}"
    if state == "failed":
        assert "Duplicate venue" in (rb.message or "")


async def raised(api: respx.MockRouter, response: httpx.Response) -> Exception:
    api.post("/places/suggest/place").mock(return_value=response)
    fsq = await make()
    record_ = est()
    with pytest.raises(Exception) as caught:
        await fsq.push(record_, fsq.render(record_), ctx())
    assert KEY not in str(caught.value)
    return caught.value


async def test_error_classes(api: respx.MockRouter) -> None:
    throttled = await raised(api, httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "Rate limit exceeded"}))
    assert isinstance(throttled, RetryableError) and throttled.throttled and throttled.retry_after == 2
    assert isinstance(await raised(api, httpx.Response(401, json={"message": "Invalid request token."})), ActionRequired)
    assert isinstance(await raised(api, httpx.Response(403, json={"message": "Forbidden"})), ActionRequired)
    rejected = await raised(api, httpx.Response(400, json={"message": "Invalid request",
                                                           "errors": [{"field": "tel", "message": "is not a phone number"}]}))
    assert isinstance(rejected, Rejected) and rejected.field_errors == [FieldError("tel", "is not a phone number")]
    server = await raised(api, httpx.Response(500, json={"message": "Internal error"}))
    assert isinstance(server, RetryableError) and not server.throttled
