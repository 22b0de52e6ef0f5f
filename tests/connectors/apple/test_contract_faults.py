"""Each request shape the Apple connector used to send, sent to the strict sandbox: refused with
Apple's error, as Apple's pages say Apple refuses it (issue 11). The good shape next to it passes,
so each test shows the sandbox tells the two apart."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.apple.mapping import render
from connectors.sandbox import ManualClock, create_app
from schemas import Establishment
from tests.establishments.factories import record

CLIENT = {"client_id": "sandbox-apple-client", "client_secret": "sandbox-apple-secret"}
LOCATIONS = "/apple/api/v1/orgs/org-1/locations"


@pytest.fixture
async def sandbox() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(None, ManualClock())),
                                 base_url="http://sandbox") as client:
        yield client


async def bearer(sandbox: httpx.AsyncClient) -> dict[str, str]:
    response = await sandbox.post("/apple/api/v1/oauth2/token", json={**CLIENT, "grant_type": "client_credentials",
                                                                      "scope": "business"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def good_details() -> dict[str, Any]:
    return copy.deepcopy(render(Establishment.model_validate(record(email=None))).payload)


async def create(sandbox: httpx.AsyncClient, details: dict[str, Any]) -> httpx.Response:
    return await sandbox.post(LOCATIONS, json={"locationDetails": details}, headers=await bearer(sandbox))


async def refused(sandbox: httpx.AsyncClient) -> int:
    return (await sandbox.get("/_sandbox/stats")).json()["apple"]["refused"]


async def test_a_form_encoded_token_request_with_scope_business_connect_is_refused(sandbox: httpx.AsyncClient) -> None:
    old = await sandbox.post("/apple/api/v1/oauth2/token", data={**CLIENT, "grant_type": "client_credentials",
                                                                 "scope": "business_connect"})
    assert old.status_code == 400 and old.json()[0]["context"]["field"] == "Content-Type"
    wrong_scope = await sandbox.post("/apple/api/v1/oauth2/token", json={**CLIENT, "grant_type": "client_credentials",
                                                                         "scope": "business_connect"})
    assert wrong_scope.status_code == 400 and wrong_scope.json()[0]["context"]["field"] == "$.scope"
    await bearer(sandbox)  # the documented request passes
    assert await refused(sandbox) == 2


async def test_a_lookup_by_partners_location_id_is_refused(sandbox: httpx.AsyncClient) -> None:
    headers = await bearer(sandbox)
    old = await sandbox.get(LOCATIONS, params={"partnersLocationId": "CLI-075-001"}, headers=headers)
    assert old.status_code == 400 and old.json()[0]["context"]["field"] == "partnersLocationId"
    in_ql = await sandbox.get(LOCATIONS, params={"ql": "locationDetails.partnersLocationId==CLI-075-001"}, headers=headers)
    assert in_ql.status_code == 400 and "not a filterable field" in in_ql.json()[0]["message"]
    documented = await sandbox.get(LOCATIONS, params={"ql": 'locationDetails.mainAddress.structuredAddress.locality=="Paris"'},
                                   headers=headers)
    assert documented.status_code == 200


async def test_special_hours_by_day_are_refused(sandbox: httpx.AsyncClient) -> None:
    details = good_details()
    times = [{"startTime": "09:00", "endTime": "12:00"}]
    details["specialHours"] = [{"startDate": "2026-12-24", "endDate": "2026-12-24", "closed": False,
                                "hoursByDay": [{"day": "THURSDAY", "times": times}]}]
    old = await create(sandbox, details)
    assert old.status_code == 400
    assert {"code": "VALIDATION__UNKNOWN_FIELD", "field": "locationDetails.specialHours[0].hoursByDay"} in [
        {"code": e["code"], "field": e["context"]["field"]} for e in old.json()]
    details["specialHours"][0] = {"startDate": "2026-12-24", "endDate": "2026-12-24", "closed": False, "times": times}
    assert (await create(sandbox, details)).status_code == 201


@pytest.mark.parametrize("latitude", ["45.7426", "45", "45.12345678"])
async def test_coordinates_without_5_to_7_decimals_are_refused(sandbox: httpx.AsyncClient, latitude: str) -> None:
    details = good_details()
    details["displayPoint"] = {"coordinates": {"latitude": latitude, "longitude": "4.8320000"}}
    old = await create(sandbox, details)
    assert old.status_code == 400
    assert old.json()[0]["context"]["field"] == "locationDetails.displayPoint.coordinates.latitude"


TODAY = dt.date.today()


@pytest.mark.parametrize(("old", "field"), [
    ({"status": "TEMPORARILY_CLOSED"}, "locationDetails.locationStatus.reopenDate"),  # any reopening date was left out
    ({"status": "CLOSED"}, "locationDetails.locationStatus.closedDate"),
    ({"status": "OPENING_SOON"}, "locationDetails.locationStatus.openingDate"),
    ({"status": "TEMPORARILY_CLOSED", "reopenDate": (TODAY - dt.timedelta(days=1)).isoformat()},
     "locationDetails.locationStatus.reopenDate"),
    ({"status": "CLOSED", "closedDate": (TODAY + dt.timedelta(days=3)).isoformat()}, "locationDetails.locationStatus.closedDate"),
    ({"status": "OPENING_SOON", "openingDate": (TODAY + dt.timedelta(days=181)).isoformat()},
     "locationDetails.locationStatus.openingDate"),
])
async def test_a_status_without_its_documented_date_is_refused(sandbox: httpx.AsyncClient, old: dict[str, str],
                                                               field: str) -> None:
    details = good_details()
    details["locationStatus"] = old
    response = await create(sandbox, details)
    assert response.status_code == 400 and response.json()[0]["context"]["field"] == field


async def test_the_documented_statuses_pass(sandbox: httpx.AsyncClient) -> None:
    for n, status in enumerate([{"status": "OPENING_SOON", "openingDate": (TODAY + dt.timedelta(days=30)).isoformat()},
                                {"status": "TEMPORARILY_CLOSED", "reopenDate": (TODAY + dt.timedelta(days=182)).isoformat()},
                                {"status": "CLOSED", "closedDate": TODAY.isoformat()}]):
        details = good_details()
        details["partnersLocationId"] = f"X-{n}"
        details["locationStatus"] = status
        assert (await create(sandbox, details)).status_code == 201


async def test_phone_type_landline_is_refused(sandbox: httpx.AsyncClient) -> None:
    details = good_details()
    details["phoneNumbers"] = [{"phoneNumber": "+33140000000", "type": "LANDLINE", "primary": True}]
    old = await create(sandbox, details)
    assert old.status_code == 400 and old.json()[0]["context"]["field"] == "locationDetails.phoneNumbers[0].type"
    details["phoneNumbers"][0]["type"] = "VOICE"
    assert (await create(sandbox, details)).status_code == 201
    assert await refused(sandbox) == 1
