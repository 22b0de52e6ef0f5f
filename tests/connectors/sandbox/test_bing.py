"""The Bing Places emulator: auth, validation, idempotent creates, review delays, quota, admin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig
from connectors.sandbox.bing import BingConfig
from connectors.sandbox.core import QuotaConfig

API = "/bing/trustedPartnerApi/v1"
KEY = {"X-Api-Key": "sandbox-bing-key"}


def business(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "StoreId": "EST-1", "BusinessName": "Clinique du Parc", "AddressLine1": "12 rue du Parc", "City": "Lyon",
        "ZipCode": "69006", "Country": "FR", "PhoneNumber": "+33472000000",
        "Categories": [{"CategoryName": "Private clinic"}], "Latitude": 45.77, "Longitude": 4.85,
        "MainWebSite": "https://clinique-du-parc.example.fr", "OperatingHours": ["Mon 08:00 AM-07:00 PM"],
        "HolidayHours": [{"Date": "2026-12-25", "IsClosed": True}], "IsClosed": False,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def call(client: httpx.AsyncClient, operation: str, headers: dict[str, str] | None = KEY, **fields: Any) -> httpx.Response:
    return await client.post(f"{API}/{operation}", json={"TrackingId": "t-1", **fields}, headers=headers)


async def status_of(client: httpx.AsyncClient, store_id: str = "EST-1") -> dict[str, Any]:
    infos = (await call(client, "GetBusinessStatusInfo", StoreIds=[store_id])).json()["BusinessStatusInfos"]
    return infos[0]


async def test_create_review_then_published(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await call(client, "CreateBusinesses", Businesses=[business()])
    assert created.status_code == 200
    assert created.json() == {"TrackingId": "t-1", "OperationStatus": "Success", "ErrorMessage": None,
                              "Results": [{"StoreId": "EST-1", "Status": "Success", "Errors": []}]}
    info = await status_of(client)
    assert info["Status"] == "InReview" and info["BingMapsUrl"] is None and info["LastUpdated"] == "2026-01-01T00:00:00Z"
    clock.advance(29.9)
    assert (await status_of(client))["Status"] == "InReview"
    clock.advance(0.1)
    info = await status_of(client)
    assert info["Status"] == "Published" and info["BingMapsUrl"].startswith("https://www.bing.com/maps?")
    got = (await call(client, "GetBusinesses", StoreIds=["EST-1", "EST-404"])).json()
    assert got["Businesses"] == [business()]


async def test_store_id_is_unique_and_counted(client: httpx.AsyncClient) -> None:
    await call(client, "CreateBusinesses", Businesses=[business()])
    again = (await call(client, "CreateBusinesses", Businesses=[business(), business(StoreId="EST-2")])).json()
    assert again["OperationStatus"] == "PartialSuccess"
    assert [r["Status"] for r in again["Results"]] == ["AlreadyExists", "Success"]
    stats = (await client.get("/_sandbox/stats")).json()["bing"]
    assert stats["creates"] == {"StoreId": {"EST-1": 1, "EST-2": 1}}
    assert stats["create_requests"] == {"StoreId": {"EST-1": 2, "EST-2": 1}}


async def test_update_replaces_and_restarts_review_unless_identical(client: httpx.AsyncClient, clock: ManualClock) -> None:
    missing = (await call(client, "UpdateBusinesses", Businesses=[business()])).json()
    assert missing["Results"][0]["Status"] == "NotFound" and missing["OperationStatus"] == "Failure"
    await call(client, "CreateBusinesses", Businesses=[business()])
    clock.advance(60)
    same = (await call(client, "UpdateBusinesses", Businesses=[business()])).json()
    assert same["Results"][0]["Status"] == "Success" and (await status_of(client))["Status"] == "Published"
    changed = business(PhoneNumber="+33472000001", MainWebSite=None)
    await call(client, "UpdateBusinesses", Businesses=[changed])
    info = await status_of(client)
    assert info["Status"] == "InReview" and info["BingMapsUrl"]  # published once: the URL stays
    assert (await call(client, "GetBusinesses", StoreIds=["EST-1"])).json()["Businesses"] == [changed]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"BusinessName": None}, "BusinessName"),
    ({"Country": "France"}, "Country"),
    ({"PhoneNumber": "call us"}, "PhoneNumber"),
    ({"Categories": []}, "Categories"),
    ({"Categories": [{"BPCategoryId": ""}]}, "Categories[0]"),
    ({"OperatingHours": ["Monday 8-19"]}, "OperatingHours[0]"),
    ({"HolidayHours": [{"Date": "25/12/2026", "IsClosed": True}]}, "HolidayHours[0].Date"),
    ({"HolidayHours": [{"Date": "2026-12-25", "IsClosed": False, "OpenTime": "9h"}]}, "HolidayHours[0].OpenTime"),
    ({"Latitude": 123.0}, "Latitude"),
    ({"Longitude": None}, "Latitude"),
    ({"MainWebSite": "clinique.fr"}, "MainWebSite"),
    ({"BusinessName": "x" * 201}, "BusinessName"),
    ({"Email": "a@b.fr"}, "Email"),
])
async def test_validation_errors_per_business(client: httpx.AsyncClient, overrides: dict[str, Any], field: str) -> None:
    body = (await call(client, "CreateBusinesses", Businesses=[business(**overrides)])).json()
    [result] = body["Results"]
    assert result["Status"] == "ValidationFailed" and field in [e["Field"] for e in result["Errors"]]
    assert (await client.get("/_sandbox/bing/locations")).json() == []


@pytest.mark.parametrize(("fields", "headers", "status", "code"), [
    ({"Businesses": [business()]}, {}, 401, "Unauthorized"),
    ({"Businesses": [business()]}, {"X-Api-Key": "wrong"}, 401, "Unauthorized"),
    ({"Businesses": []}, KEY, 400, "InvalidRequest"),
    ({"Businesses": [business()] * 1001}, KEY, 400, "InvalidRequest"),
])
async def test_request_level_errors(client: httpx.AsyncClient, fields: dict[str, Any], headers: dict[str, str],
                                    status: int, code: str) -> None:
    response = await call(client, "CreateBusinesses", headers=headers, **fields)
    assert response.status_code == status and response.json()["ErrorCode"] == code


async def test_missing_tracking_id_and_unknown_operation(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/CreateBusinesses", json={"Businesses": [business()]}, headers=KEY)
    assert response.status_code == 400 and "TrackingId" in response.json()["ErrorMessage"]
    assert (await client.post(f"{API}/DeleteBusinesses", json={}, headers=KEY)).json()["ErrorCode"] == "NotFound"


async def test_quota_answers_429_with_retry_after(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(bing=BingConfig(quota=QuotaConfig(count=2, window_seconds=5))))
    for _ in range(2):
        assert (await call(client, "GetBusinesses", StoreIds=["EST-1"])).status_code == 200
    throttled = await call(client, "GetBusinesses", StoreIds=["EST-1"])
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "5"
    assert throttled.json()["ErrorCode"] == "ThrottlingLimitExceeded"
    clock.advance(5)
    assert (await call(client, "GetBusinesses", StoreIds=["EST-1"])).status_code == 200
    assert (await client.get("/_sandbox/stats")).json()["bing"]["throttled"] == 1


async def test_burst_and_server_errors_use_bing_shape(make_client: Any) -> None:
    client = make_client(SandboxConfig.model_validate({"bing": {"faults": {"burst_429": 1}}}))
    assert (await call(client, "GetBusinesses", StoreIds=["x"])).json()["ErrorCode"] == "ThrottlingLimitExceeded"
    failing = make_client(SandboxConfig.model_validate({"bing": {"faults": {"error_rate": 1, "error_statuses": [500]}}}))
    response = await call(failing, "GetBusinesses", StoreIds=["x"])
    assert response.status_code == 500 and response.json()["ErrorCode"] == "InternalServerError"


async def test_admin_reject_edit_and_key_revocation(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await call(client, "CreateBusinesses", Businesses=[business()])
    clock.advance(30)
    rejected = await client.post("/_sandbox/bing/businesses/EST-1/reject", json={"reason": "Duplicate listing"})
    assert rejected.json()["Status"] == "Rejected"
    assert (await status_of(client))["StatusReason"] == "Duplicate listing"
    edited = await client.post("/_sandbox/bing/businesses/EST-1/edit", json={"field": "PhoneNumber", "value": "+33100000000"})
    assert edited.json()["PhoneNumber"] == "+33100000000"
    await call(client, "UpdateBusinesses", Businesses=[business()])  # a new version clears the rejection
    assert (await status_of(client))["Status"] == "InReview"
    assert (await client.post("/_sandbox/bing/businesses/EST-404/reject", json={})).status_code == 404
    assert (await client.post("/_sandbox/bing/tokens/revoke", json={"token": "sandbox-bing-key"})).status_code == 200
    assert (await call(client, "GetBusinesses", StoreIds=["EST-1"])).status_code == 401
