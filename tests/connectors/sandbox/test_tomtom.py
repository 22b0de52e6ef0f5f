"""TomTom emulator: validation, dedup by reference, quota, report states over clock time, admin."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig
from connectors.sandbox.tomtom import TomTomConfig

KEY = {"key": "sandbox-tomtom-key"}
URL = "/tomtom/places/feedback/1/reports"


def report(ref: str = "ref-1", **place: Any) -> dict[str, Any]:
    return {"reference": ref, "reportType": "NEW_PLACE", "position": {"lat": 48.86, "lon": 2.37},
            "place": {"name": "Clinique", "status": "OPEN", **place}}


async def test_states_over_time(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await client.post(URL, params=KEY, json=report())
    assert created.status_code == 201 and created.json()["status"] == "RECEIVED"
    rid = created.json()["reportId"]
    states = []
    for step in (9.9, 0.1, 20, 30):
        clock.advance(step)
        states.append((await client.get(f"{URL}/{rid}", params=KEY)).json()["status"])
    assert states == ["RECEIVED", "IN_REVIEW", "ACCEPTED", "APPLIED"]


async def test_reference_dedup_and_stats(client: httpx.AsyncClient) -> None:
    first = await client.post(URL, params=KEY, json=report())
    again = await client.post(URL, params=KEY, json=report())
    assert again.status_code == 200 and again.json()["reportId"] == first.json()["reportId"]
    stats = (await client.get("/_sandbox/stats")).json()["tomtom"]
    assert stats["creates"] == {"reference": {"ref-1": 1}} and stats["create_requests"] == {"reference": {"ref-1": 2}}


async def test_validation_auth_quota_reject(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(tomtom=TomTomConfig(quota=QuotaConfig(count=3, window_seconds=1))))
    bad = await client.post(URL, params=KEY, json=report(name="", phone="x", url="nope", status="SHUT", colour="red"))
    assert bad.status_code == 400 and bad.json()["httpStatusCode"] == 400
    assert {d["target"] for d in bad.json()["detailedError"]["details"]} == {
        "place.name", "place.phone", "place.url", "place.status", "place.colour"}
    assert (await client.post(URL, params={"key": "nope"}, json=report())).status_code == 403
    rid = (await client.post(URL, params=KEY, json=report())).json()["reportId"]
    await client.get(f"{URL}/{rid}", params=KEY)
    throttled = await client.post(URL, params=KEY, json=report("ref-2"))
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    clock.advance(1)
    await client.post(f"/_sandbox/tomtom/reports/{rid}/reject", json={"reason": "Not found"})
    body = (await client.get(f"{URL}/{rid}", params=KEY)).json()
    assert (body["status"], body["reason"]) == ("REJECTED", "Not found")
