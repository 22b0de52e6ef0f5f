"""The Yelp ingestion emulator: Basic auth, validation, jobs and review delays, quota, admin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig
from connectors.sandbox.core import QuotaConfig
from connectors.sandbox.yelp import YelpConfig

CREATE = "/yelp/v1/ingest/create"
AUTH = ("sandbox-yelp", "sandbox-yelp-secret")


def business(partner_id: str = "EST-1", **update: Any) -> dict[str, Any]:
    return {"partner_business_id": partner_id,
            "matching_criteria": {"name": "Clinique du Parc", "address1": "12 rue du Parc", "city": "Lyon",
                                  "postal_code": "69006", "country": "FR", "phone": "+33472000000"},
            "update": update or {"name": "Clinique du Parc", "phone": "+33472000000", "url": "https://clinique.example.fr",
                                 "hours": [{"day": 0, "start": "0800", "end": "1900", "is_overnight": False}],
                                 "is_closed": False}}


async def ingest(client: httpx.AsyncClient, *items: dict[str, Any], auth: Any = AUTH) -> httpx.Response:
    return await client.post(CREATE, json={"businesses": list(items) or [business()]}, auth=auth)


async def status(client: httpx.AsyncClient, job_id: str, detail: str = "2") -> dict[str, Any]:
    response = await client.get(f"/yelp/v1/ingest/status/{job_id}", params={"detail_level": detail}, auth=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


async def test_job_processing_then_review_then_applied(client: httpx.AsyncClient, clock: ManualClock) -> None:
    job_id = (await ingest(client)).json()["job_id"]
    body = await status(client, job_id)
    assert body["status"] == "PROCESSING" and body["created_at"] == "2026-01-01T00:00:00Z"
    [item] = body["businesses"]
    assert item["status"] == "PENDING" and set(item["fields"].values()) == {"PENDING"} and item["yelp_business_id"]
    clock.advance(2)
    assert (await status(client, job_id))["status"] == "COMPLETED"
    assert (await client.get("/_sandbox/yelp/locations")).json()[0]["live"] == {}
    clock.advance(28)
    item = (await status(client, job_id))["businesses"][0]
    assert item["status"] == "COMPLETED" and set(item["fields"].values()) == {"APPLIED"}
    assert (await client.get("/_sandbox/yelp/locations")).json()[0]["live"]["phone"] == "+33472000000"
    assert "fields" not in (await status(client, job_id, detail="1"))["businesses"][0]


async def test_partial_updates_and_clearing_apply_in_job_order(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await ingest(client)
    clock.advance(10)
    await ingest(client, business(phone="+33472000001", url=None))
    clock.advance(10)
    await ingest(client, business(phone="+33472000002"))
    clock.advance(30)
    [dump] = (await client.get("/_sandbox/yelp/locations")).json()
    assert dump["live"]["phone"] == "+33472000002" and "url" not in dump["live"] and dump["live"]["name"] == "Clinique du Parc"
    stats = (await client.get("/_sandbox/stats")).json()["yelp"]
    assert stats["creates"] == {"partner_business_id": {"EST-1": 1}}
    assert stats["create_requests"] == {"partner_business_id": {"EST-1": 3}}


@pytest.mark.parametrize(("item", "field"), [
    ({**business(), "partner_business_id": ""}, "businesses[0].partner_business_id"),
    ({**business(), "matching_criteria": {"name": "X"}}, "businesses[0].matching_criteria.address1"),
    (business(url="clinique.fr"), "businesses[0].update.url"),
    (business(phone="call us"), "businesses[0].update.phone"),
    (business(name=None), "businesses[0].update.name"),
    (business(hours=[{"day": 7, "start": "0800", "end": "1900", "is_overnight": False}]), "businesses[0].update.hours[0]"),
    (business(special_hours=[{"date": "24/12/2026", "is_closed": True}]), "businesses[0].update.special_hours[0]"),
    (business(categories=["Hospitals"]), "businesses[0].update.categories"),
    (business(email="a@b.fr"), "businesses[0].update.email"),
    (business(latitude=95.0), "businesses[0].update.latitude"),
    ({**business(), "update": {}}, "businesses[0].update"),
])
async def test_validation_errors(client: httpx.AsyncClient, item: dict[str, Any], field: str) -> None:
    response = await ingest(client, item)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_REQUEST" and field in [e["field"] for e in error["errors"]]
    assert (await client.get("/_sandbox/yelp/locations")).json() == []


async def test_auth_unknown_job_and_unknown_path(client: httpx.AsyncClient) -> None:
    assert (await ingest(client, auth=("sandbox-yelp", "wrong"))).json()["error"]["code"] == "UNAUTHORIZED"
    assert (await client.post(CREATE, json={"businesses": [business()]})).status_code == 401
    missing = await client.get("/yelp/v1/ingest/status/job_nope", auth=AUTH)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert (await client.get("/yelp/v3/businesses", auth=AUTH)).status_code == 404


async def test_quota_and_faults_in_yelp_shape(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(yelp=YelpConfig(quota=QuotaConfig(count=1, window_seconds=1))))
    assert (await ingest(client)).status_code == 200
    throttled = await ingest(client)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    clock.advance(1)
    assert (await ingest(client)).status_code == 200
    failing = make_client(SandboxConfig.model_validate({"yelp": {"faults": {"error_rate": 1, "error_statuses": [500]}}}))
    response = await ingest(failing)
    assert response.status_code == 500 and response.json()["error"]["code"] == "INTERNAL_ERROR"


async def test_admin_reject_edit_and_revoke(client: httpx.AsyncClient, clock: ManualClock) -> None:
    job_id = (await ingest(client)).json()["job_id"]
    rejected = await client.post(f"/_sandbox/yelp/jobs/{job_id}/reject", json={"field": "url", "reason": "unreachable"})
    item = rejected.json()["businesses"][0]
    assert item["fields"]["url"] == "REJECTED" and item["errors"] == [{"field": "url", "code": "REJECTED", "description": "unreachable"}]
    clock.advance(30)
    live = (await client.get("/_sandbox/yelp/locations")).json()[0]["live"]
    assert "url" not in live and live["phone"] == "+33472000000"
    edited = await client.post("/_sandbox/yelp/businesses/EST-1/edit", json={"field": "phone", "value": "+33100000000"})
    assert edited.json()["phone"] == "+33100000000"
    assert (await client.post("/_sandbox/yelp/jobs/job_x/reject", json={})).status_code == 404
    assert (await client.post("/_sandbox/yelp/tokens/revoke", json={"token": "sandbox-yelp"})).status_code == 200
    assert (await ingest(client)).status_code == 401
