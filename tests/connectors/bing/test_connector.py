"""BingConnector over a mocked network (respx): create/adopt, full updates, read-back, errors."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, Rejected, Rendering, RetryableError
from connectors.bing.connector import LISTING_GONE, BingConnector
from tests.connectors.bing.conftest import CONFIRMED
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://bingplaces.com"
API = "/trustedPartnerApi/v1"
KEY = "k3y-never-shown"
STORE = "CLI-075-001"


def result(status: str = "Success", errors: list[dict[str, str]] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "Success" if status == "Success" else "Failure",
                                     "ErrorMessage": None, "Results": [{"StoreId": STORE, "Status": status, "Errors": errors or []}]})


def businesses(*items: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "Success", "Businesses": list(items)})


def status_info(status: str | None, reason: str | None = None, url: str | None = None) -> httpx.Response:
    infos = [] if status is None else [{"StoreId": STORE, "Status": status, "StatusReason": reason, "BingMapsUrl": url}]
    return httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "Success", "BusinessStatusInfos": infos})


def error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"TrackingId": "t", "ErrorCode": code, "ErrorMessage": "m"}, headers=headers)


@pytest.fixture
def record_() -> Establishment:
    return Establishment.model_validate(record(email=None))


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE + API, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def connector() -> AsyncIterator[BingConnector]:
    async with httpx.AsyncClient() as client:
        yield BingConnector(client, "", {"api_key": KEY}, {"email_id": "it@groupe.fr", **CONFIRMED})


@pytest.fixture
def rendering(connector: BingConnector, record_: Establishment) -> Rendering:
    return connector.render(record_)


def ctx(remote_id: str | None = None) -> PushContext:
    return PushContext(store_code=STORE, remote_id=remote_id, remote_version=None, previous=None, changed=[],
                       request_id="req-1")


def sent(route: respx.Route, n: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[n].request.content)


async def test_create_looks_up_first_then_creates(api: respx.MockRouter, connector: BingConnector, record_: Establishment,
                                                  rendering: Rendering) -> None:
    get = api.post("/GetBusinesses").mock(return_value=businesses())
    create = api.post("/CreateBusinesses").mock(return_value=result())
    pushed = await connector.push(record_, rendering, ctx())
    assert (pushed.remote_id, pushed.state, pushed.created) == (STORE, "awaiting_review", True)
    assert sent(get)["StoreIds"] == [STORE]
    body = sent(create)
    assert body == {"TrackingId": "req-1", "Identity": {"EmailId": "it@groupe.fr"}, "Businesses": [rendering.payload]}
    assert create.calls[0].request.headers["X-Api-Key"] == KEY


async def test_create_adopts_an_existing_store_id(api: respx.MockRouter, connector: BingConnector, record_: Establishment,
                                                  rendering: Rendering) -> None:
    api.post("/GetBusinesses").mock(return_value=businesses({**rendering.payload, "BusinessName": "Old"}))
    create = api.post("/CreateBusinesses")
    update = api.post("/UpdateBusinesses").mock(return_value=result())
    pushed = await connector.push(record_, rendering, ctx())
    assert not create.called and sent(update)["Businesses"] == [rendering.payload]
    assert pushed.detail == {"adopted": True} and not pushed.created and pushed.remote_id == STORE


async def test_already_exists_on_create_adopts(api: respx.MockRouter, connector: BingConnector, record_: Establishment,
                                               rendering: Rendering) -> None:
    api.post("/GetBusinesses").mock(return_value=businesses())
    api.post("/CreateBusinesses").mock(return_value=result("AlreadyExists"))
    update = api.post("/UpdateBusinesses").mock(return_value=result())
    pushed = await connector.push(record_, rendering, ctx())
    assert update.called and pushed.detail == {"adopted": True} and pushed.state == "awaiting_review"


async def test_update_sends_the_whole_record(api: respx.MockRouter, connector: BingConnector, record_: Establishment,
                                             rendering: Rendering) -> None:
    update = api.post("/UpdateBusinesses").mock(return_value=result())
    pushed = await connector.push(record_, rendering, ctx(remote_id=STORE))
    assert sent(update)["Businesses"] == [rendering.payload] and pushed.state == "awaiting_review"


async def test_update_of_a_deleted_listing_needs_a_person(api: respx.MockRouter, connector: BingConnector,
                                                          record_: Establishment, rendering: Rendering) -> None:
    api.post("/UpdateBusinesses").mock(return_value=result("NotFound"))
    with pytest.raises(ActionRequired, match="no longer exists"):
        await connector.push(record_, rendering, ctx(remote_id=STORE))


async def test_validation_failure_is_rejected_with_field_errors(api: respx.MockRouter, connector: BingConnector,
                                                                record_: Establishment, rendering: Rendering) -> None:
    api.post("/UpdateBusinesses").mock(return_value=result("ValidationFailed", [
        {"Field": "ZipCode", "Message": "ZipCode is invalid."}, {"Field": "PhoneNumber", "Message": "bad"}]))
    with pytest.raises(Rejected) as caught:
        await connector.push(record_, rendering, ctx(remote_id=STORE))
    assert caught.value.field_errors == [FieldError("ZipCode", "ZipCode is invalid."), FieldError("PhoneNumber", "bad")]


async def test_an_answer_without_our_result_is_retried(api: respx.MockRouter, connector: BingConnector,
                                                       record_: Establishment, rendering: Rendering) -> None:
    api.post("/UpdateBusinesses").mock(return_value=httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "Failure",
                                                                              "ErrorMessage": "busy", "Results": []}))
    with pytest.raises(RetryableError, match="busy"):
        await connector.push(record_, rendering, ctx(remote_id=STORE))


@pytest.mark.parametrize(("response", "kind", "checks"), [
    (error(429, "ThrottlingLimitExceeded", {"Retry-After": "4"}), RetryableError, {"throttled": True, "retry_after": 4.0}),
    (error(401, "Unauthorized"), ActionRequired, {"http_status": 401}),
    (error(403, "Forbidden"), ActionRequired, {"http_status": 403}),
    (error(400, "InvalidRequest"), Rejected, {"http_status": 400}),
    (error(500, "InternalServerError"), RetryableError, {"throttled": False, "http_status": 500}),
    (error(503, "ServiceUnavailable"), RetryableError, {"http_status": 503}),
    (httpx.Response(200, text="<html>"), RetryableError, {}),
])
async def test_error_classes(api: respx.MockRouter, connector: BingConnector, record_: Establishment, rendering: Rendering,
                             response: httpx.Response, kind: type[Exception], checks: dict[str, Any],
                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post("/UpdateBusinesses").mock(return_value=response)
    with pytest.raises(kind) as caught:
        await connector.push(record_, rendering, ctx(remote_id=STORE))
    for name, value in checks.items():
        assert getattr(caught.value, name) == value
    assert KEY not in str(caught.value) and KEY not in caplog.text


async def test_missing_api_key_needs_a_person(record_: Establishment) -> None:
    async with httpx.AsyncClient() as client:
        connector = BingConnector(client, BASE, {}, CONFIRMED)
        with pytest.raises(ActionRequired, match="api_key"):
            await connector.push(record_, connector.render(record_), ctx())


async def test_read_back_published_and_matching_is_live(api: respx.MockRouter, connector: BingConnector,
                                                        rendering: Rendering) -> None:
    api.post("/GetBusinessStatusInfo").mock(return_value=status_info("Published", url="https://www.bing.com/maps?x"))
    api.post("/GetBusinesses").mock(return_value=businesses({**rendering.payload, "Latitude": 48.86560004}))
    rb = await connector.read_back(STORE, rendering.payload)
    assert (rb.state, rb.mismatched, rb.live_url) == ("live", [], "https://www.bing.com/maps?x")


async def test_read_back_published_with_a_bing_side_edit_reports_the_key(api: respx.MockRouter, connector: BingConnector,
                                                                         rendering: Rendering) -> None:
    api.post("/GetBusinessStatusInfo").mock(return_value=status_info("Published"))
    api.post("/GetBusinesses").mock(return_value=businesses({**rendering.payload, "PhoneNumber": "+33100000000"}))
    rb = await connector.read_back(STORE, rendering.payload)
    assert rb.state == "live" and rb.mismatched == ["PhoneNumber"]


async def test_read_back_in_review(api: respx.MockRouter, connector: BingConnector, rendering: Rendering) -> None:
    api.post("/GetBusinessStatusInfo").mock(return_value=status_info("InReview"))
    api.post("/GetBusinesses").mock(return_value=businesses(rendering.payload))
    rb = await connector.read_back(STORE, rendering.payload)
    assert rb.state == "awaiting_review" and rb.pending == list(rendering.payload) and rb.mismatched == []


@pytest.mark.parametrize(("status", "reason", "state", "message"), [
    ("Rejected", "Address could not be verified", "failed", "Address could not be verified"),
    ("Suspended", None, "action_required", "'Suspended'"),
    (None, None, "action_required", LISTING_GONE),
])
async def test_read_back_other_states(api: respx.MockRouter, connector: BingConnector, rendering: Rendering,
                                      status: str | None, reason: str | None, state: str, message: str) -> None:
    api.post("/GetBusinessStatusInfo").mock(return_value=status_info(status, reason))
    rb = await connector.read_back(STORE, rendering.payload)
    assert rb.state == state and message in (rb.message or "")


async def test_read_back_errors_are_classified(api: respx.MockRouter, connector: BingConnector, rendering: Rendering) -> None:
    api.post("/GetBusinessStatusInfo").mock(return_value=error(429, "ThrottlingLimitExceeded", {"Retry-After": "2"}))
    with pytest.raises(RetryableError) as caught:
        await connector.read_back(STORE, rendering.payload)
    assert caught.value.throttled and caught.value.retry_after == 2.0


async def test_nothing_is_sent_until_the_partner_contract_is_confirmed(api: respx.MockRouter) -> None:
    from connectors.bing.connector import UNCONFIRMED

    record_ = Establishment.model_validate(record())
    async with httpx.AsyncClient() as client:
        connector = BingConnector(client, "", {"api_key": KEY}, {})
        with pytest.raises(ActionRequired) as caught:
            await connector.push(record_, connector.render(record_), ctx())
    assert caught.value.reason == UNCONFIRMED and not api.calls
