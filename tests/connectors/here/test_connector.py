"""HereConnector over a mocked network (respx): submissions, changed-only updates, job states, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, Rejected, RetryableError
from connectors.here.connector import CONTENT_TYPE, HereConnector
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://maphub.api.here.com"
KEY = "k3y-never-shown"


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=remote_id, previous=previous,
                       changed=changed or [], request_id="req-1")


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def connector(api: respx.MockRouter) -> AsyncIterator[HereConnector]:
    async with httpx.AsyncClient() as client:
        yield HereConnector(client, BASE, {"api_key": KEY}, {})


def sent_body(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls[-1].request.content)


async def test_create_files_an_add_poi_feedback_with_every_property(api: respx.MockRouter, connector: HereConnector) -> None:
    route = api.post("/feedback/").mock(return_value=httpx.Response(201, json={"feedbackId": "777"}))
    record_ = est()
    result = await connector.push(record_, connector.render(record_), ctx())
    request = route.calls[-1].request
    assert request.headers["content-type"] == CONTENT_TYPE and request.url.params["apiKey"] == KEY
    body = sent_body(route)
    [feature] = body["features"]
    assert body["type"] == "FeatureCollection" and feature["id"].startswith("vitrine-")
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.3781, 48.8656]}
    assert feature["properties"] == {"v": "2.7", "error": 30, "name": "Clinique du Parc", "number": "12",
                                     "roadname": "rue Oberkampf", "zipcode": "75011", "city": "Paris", "isocc": "FRA",
                                     "phone": "+33123456789", "URL": "https://www.clinique-du-parc.fr/",
                                     "openinghours": "Mo; 08:00-12:00, 14:00-19:00"}
    assert (result.remote_id, result.remote_version, result.state, result.created) == ("777", "777", "awaiting_review", True)


async def test_retried_push_sends_the_same_reference(api: respx.MockRouter, connector: HereConnector) -> None:
    route = api.post("/feedback/").mock(return_value=httpx.Response(201, json={"feedbackId": "777"}))
    record_ = est()
    await connector.push(record_, connector.render(record_), ctx())
    await connector.push(record_, connector.render(record_), ctx())
    first, second = (json.loads(c.request.content)["features"][0]["id"] for c in route.calls)
    assert first == second
    await connector.push(record_, connector.render(record_), ctx("777", {}, ["name"]))
    assert sent_body(route)["features"][0]["id"] != first


async def test_update_sends_only_changed_properties(api: respx.MockRouter, connector: HereConnector) -> None:
    route = api.post("/feedback/").mock(return_value=httpx.Response(201, json={"feedbackId": "778"}))
    old = est()
    new = est(name="Clinique du Parc Oberkampf")
    previous = connector.render(old).payload
    result = await connector.push(new, connector.render(new), ctx("777", previous, ["name"]))
    feature = sent_body(route)["features"][0]
    assert feature["properties"] == {"v": "2.7", "error": 31, "name": "Clinique du Parc Oberkampf"}
    assert feature["geometry"]["coordinates"] == [2.3781, 48.8656]
    assert (result.remote_id, result.created) == ("778", False)


async def test_removed_and_reopened_properties(api: respx.MockRouter, connector: HereConnector) -> None:
    route = api.post("/feedback/").mock(return_value=httpx.Response(201, json={"feedbackId": "779"}))
    new = est(phones={}, website=None)
    await connector.push(new, connector.render(new), ctx("778", {}, ["phone", "URL", "comments"]))
    assert sent_body(route)["features"][0]["properties"] == {
        "v": "2.7", "error": 34, "phone": "", "URL": "", "comments": "The establishment is open again (no longer closed)."}


async def test_no_coordinates_is_rejected_without_a_call(api: respx.MockRouter, connector: HereConnector) -> None:
    route = api.post("/feedback/")
    record_ = est(geo=None)
    with pytest.raises(ActionRequired) as caught:
        await connector.push(record_, connector.render(record_), ctx())
    assert "coordinates (geo)" in caught.value.reason and not route.called


@pytest.mark.parametrize(("status", "solution", "state"), [
    ("OPEN", "NONE", "awaiting_review"), ("INPROGRESS", "NONE", "awaiting_review"), ("REOPENED", "NONE", "awaiting_review"),
    ("CLOSED", "FIXED", "live"), ("CLOSED", "WONTFIX", "failed"), ("CLOSED", "NONE", "failed")])
async def test_read_back_maps_job_states(api: respx.MockRouter, connector: HereConnector, status: str, solution: str,
                                         state: str) -> None:
    api.get("/feedback/777").mock(return_value=httpx.Response(200, json={
        "feedbackId": "777", "jobStatus": status, "jobSolution": solution, "comment": "No such clinic here"}))
    rb = await connector.read_back("777", {"geometry": {}, "name": "x"})
    assert rb.state == state and rb.remote_version == "777"
    if state == "awaiting_review":
        assert rb.pending == ["name"]
    if solution == "WONTFIX":
        assert "No such clinic here" in (rb.message or "") and "WONTFIX" in (rb.message or "")


async def test_read_back_of_an_unknown_job(api: respx.MockRouter, connector: HereConnector) -> None:
    api.get("/feedback/1").mock(return_value=httpx.Response(404, json={"title": "Not Found", "status": 404}))
    with pytest.raises(ActionRequired):
        await connector.read_back("1", {})


async def raised(api: respx.MockRouter, connector: HereConnector, response: httpx.Response) -> Exception:
    api.post("/feedback/").mock(return_value=response)
    record_ = est()
    with pytest.raises(Exception) as caught:
        await connector.push(record_, connector.render(record_), ctx())
    assert KEY not in str(caught.value)
    return caught.value


async def test_throttling_is_retryable_with_retry_after(api: respx.MockRouter, connector: HereConnector) -> None:
    error = await raised(api, connector, httpx.Response(429, headers={"Retry-After": "7"}, json={
        "error": "Too Many Requests", "error_description": "Rate limit for this service has been reached"}))
    assert isinstance(error, RetryableError) and error.throttled and error.retry_after == 7 and error.http_status == 429


async def test_auth_errors_need_a_person(api: respx.MockRouter, connector: HereConnector) -> None:
    error = await raised(api, connector, httpx.Response(401, json={"error": "Unauthorized",
                                                                   "error_description": "apiKey invalid. apiKey not found."}))
    assert isinstance(error, ActionRequired) and "apiKey invalid" in error.reason
    assert isinstance(await raised(api, connector, httpx.Response(403, json={"error": "Forbidden"})), ActionRequired)


async def test_validation_errors_carry_fields(api: respx.MockRouter, connector: HereConnector) -> None:
    error = await raised(api, connector, httpx.Response(400, json={
        "title": "Bad Request", "status": 400, "cause": "Invalid feedback",
        "errors": [{"field": "properties.phone", "message": "is not a phone number"}]}))
    assert isinstance(error, Rejected) and error.field_errors == [FieldError("phone", "is not a phone number")]


async def test_server_errors_are_retryable(api: respx.MockRouter, connector: HereConnector) -> None:
    error = await raised(api, connector, httpx.Response(500, json={"title": "Service error", "status": 500}))
    assert isinstance(error, RetryableError) and not error.throttled and error.http_status == 500
    error = await raised(api, connector, httpx.Response(503))
    assert isinstance(error, RetryableError) and error.http_status == 503


async def test_missing_key_is_action_required() -> None:
    async with httpx.AsyncClient() as client:
        connector = HereConnector(client, BASE, {}, {})
        with pytest.raises(ActionRequired):
            await connector.read_back("1", {})
