"""The Yelp ingestion emulator, from Yelp's reference: documented body and status shapes, the old shapes refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig
from connectors.sandbox.core import QuotaConfig
from connectors.sandbox.yelp import YelpConfig

CREATE = "/yelp/v1/ingest/create"
AUTH = ("sandbox-yelp", "sandbox-yelp-secret")


def business(partner_id: str = "EST-1", options: dict[str, Any] | None = None, **update: Any) -> dict[str, Any]:
    item = {"partner_business_id": partner_id,
            "matching_criteria": {"name": "Clinique du Parc", "address1": "12 rue du Parc", "city": "Lyon", "state": "ARA",
                                  "postal_code": "69006", "country": "FR", "phone": "+33472000000"},
            "update": update or {"name": "Clinique du Parc", "phone": "+33472000000", "url": "https://clinique.example.fr",
                                 "hours": [{"day": "monday", "open": "08:00", "close": "19:00"},
                                           {"day": "friday", "open": "22:00", "close": "02:00"}],
                                 "closed": False, "temporarily_closed": False}}
    if options:
        item["options"] = options
    return item


async def ingest(client: httpx.AsyncClient, *items: dict[str, Any], auth: Any = AUTH) -> httpx.Response:
    return await client.post(CREATE, json={"businesses": list(items) or [business()]}, auth=auth)


async def status(client: httpx.AsyncClient, job_id: str, detail: str = "2") -> dict[str, Any]:
    response = await client.get(f"/yelp/v1/ingest/status/{job_id}", params={"detail_level": detail}, auth=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


async def test_job_processing_then_completed_or_applied(client: httpx.AsyncClient, clock: ManualClock) -> None:
    job_id = (await ingest(client)).json()["job_id"]
    body = await status(client, job_id)
    result = body["business_results"][0]
    assert body["status"] == "PROCESSING" and result["partner_business_id"] == "EST-1" and result["yelp_business_id"]
    assert {v["status"] for v in result["update_results"].values()} == {"PROCESSING"}
    assert result["update_results"]["name"]["requested_value"] == "Clinique du Parc"
    clock.advance(30)
    assert {v["status"] for v in (await status(client, job_id))["business_results"][0]["update_results"].values()} == {"APPLIED"}
    low = await status(client, job_id, detail="1")
    assert low["status"] == "COMPLETED" and low["business_results"][0]["update_results"]["name"]["status"] == "COMPLETED"


@pytest.mark.parametrize(("update", "criteria", "where"), [
    # the read API's hours shape, which the connector used to send
    ({"hours": [{"day": 0, "start": "0800", "end": "1200", "is_overnight": False}]}, {}, "update.hours[0]"),
    ({"special_hours": [{"date": "2026-12-25", "is_closed": True}]}, {}, "special_hours"),
    ({"is_closed": True}, {}, "is_closed"),
    ({"name": "X"}, {"state": "Île-de-France"}, "matching_criteria.state"),  # a region name where a code belongs
    ({"name": "X"}, {"state": None}, "state"),  # state missing
    ({"categories": ["a", "b", "c", "d"]}, {}, "update.categories"),
    ({"hours": [{"day": "monday", "open": "8h", "close": "12:00"}]}, {}, "update.hours[0]"),
])
async def test_the_old_request_classes_are_refused_with_error_message(client: httpx.AsyncClient, update: dict[str, Any],
                                                                      criteria: dict[str, Any], where: str) -> None:
    item = business(**update)
    item["matching_criteria"] = {k: v for k, v in {**item["matching_criteria"], **criteria}.items() if v is not None}
    response = await ingest(client, item)
    assert response.status_code == 400
    error = response.json()["error"]
    assert where in error["message"] and "description" not in error


async def test_categories_cannot_change_on_a_business_that_has_some(client: httpx.AsyncClient, clock: ManualClock) -> None:
    job_id = (await ingest(client, business(name="X", categories=["hospitals"]))).json()["job_id"]
    clock.advance(30)
    results = (await status(client, job_id))["business_results"][0]["update_results"]
    assert results["categories"]["status"] == "FAILED" and "already has categories" in results["categories"]["error"]["message"]
    assert results["name"]["status"] == "APPLIED"
    created = (await ingest(client, business("NEW-1", {"create_if_missing": True}, name="Y", categories=["hospitals"]))).json()
    clock.advance(30)
    assert (await status(client, created["job_id"]))["business_results"][0]["update_results"]["categories"]["status"] == "APPLIED"


async def test_auth_unknown_job_and_unknown_path(client: httpx.AsyncClient) -> None:
    denied = await ingest(client, auth=("sandbox-yelp", "nope"))
    assert denied.status_code == 401 and denied.json()["error"]["message"]
    missing = await client.get("/yelp/v1/ingest/status/job_x", auth=AUTH)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert (await client.get("/yelp/v1/nothing", auth=AUTH)).status_code == 404


async def test_quota_is_per_endpoint_and_faults_in_yelp_shape(make_client: Any, clock: ManualClock) -> None:
    assert YelpConfig().quota == QuotaConfig(count=2500, window_seconds=1800)  # documented: 2,500 per 30 minutes
    client = make_client(SandboxConfig(yelp=YelpConfig(quota=QuotaConfig(count=1, window_seconds=1))))
    job_id = (await ingest(client)).json()["job_id"]
    throttled = await ingest(client)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["message"]
    assert (await client.get(f"/yelp/v1/ingest/status/{job_id}", auth=AUTH)).status_code == 200  # another endpoint
    clock.advance(1)
    assert (await ingest(client)).status_code == 200
    failing = make_client(SandboxConfig.model_validate({"yelp": {"faults": {"error_rate": 1, "error_statuses": [500]}}}))
    response = await ingest(failing)
    assert response.status_code == 500 and response.json()["error"]["code"] == "INTERNAL_ERROR"


async def test_admin_reject_edit_and_revoke(client: httpx.AsyncClient, clock: ManualClock) -> None:
    job_id = (await ingest(client)).json()["job_id"]
    rejected = await client.post(f"/_sandbox/yelp/jobs/{job_id}/reject", json={"field": "url", "reason": "unreachable"})
    url = rejected.json()["business_results"][0]["update_results"]["url"]
    assert url["status"] == "FAILED" and url["error"] == {"message": "unreachable"}
    clock.advance(30)
    live = (await client.get("/_sandbox/yelp/locations")).json()[0]["live"]
    assert "url" not in live and live["phone"] == "+33472000000"
    edited = await client.post("/_sandbox/yelp/businesses/EST-1/edit", json={"field": "phone", "value": "+33100000000"})
    assert edited.json()["phone"] == "+33100000000"
    assert (await client.post("/_sandbox/yelp/jobs/job_x/reject", json={})).status_code == 404
    assert (await client.post("/_sandbox/yelp/tokens/revoke", json={"token": "sandbox-yelp"})).status_code == 200
    assert (await ingest(client)).status_code == 401
