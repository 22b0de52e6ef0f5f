"""HERE Map Feedback emulator: validation, dedup by reference, quota, job states over clock time, admin."""

from __future__ import annotations

import json
from typing import Any

import httpx

from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig
from connectors.sandbox.here import CONTENT_TYPE, HereConfig

KEY = {"apiKey": "sandbox-here-key"}
HEADERS = {"Content-Type": CONTENT_TYPE}


def feature(ref: str | None = "ref-1", **props: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.3781, 48.8656]},
                           "properties": {"v": "2.7", "error": 30, "name": "Clinique", "isocc": "FRA",
                                          "openinghours": "Mo-Fr; 09:00-18:00 | Sa; 10:00-13:00", **props}}
    if ref:
        out["id"] = ref
    return out


async def submit(client: httpx.AsyncClient, *features: dict[str, Any], params: dict[str, str] = KEY,
                 headers: dict[str, str] = HEADERS) -> httpx.Response:
    body = {"type": "FeatureCollection", "features": list(features or [feature()])}
    return await client.post("/here/feedback/", params=params, content=json.dumps(body), headers=headers)


async def test_job_moves_from_open_to_closed_fixed(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await submit(client)
    assert created.status_code == 201
    job_id = created.json()["feedbackId"]
    states = []
    for step in (0, 9.9, 0.1, 19.9, 0.1):
        clock.advance(step)
        body = (await client.get(f"/here/feedback/{job_id}", params=KEY)).json()
        states.append((body["jobStatus"], body["jobSolution"]))
    assert states == [("OPEN", "NONE"), ("OPEN", "NONE"), ("INPROGRESS", "NONE"), ("INPROGRESS", "NONE"), ("CLOSED", "FIXED")]


async def test_same_reference_returns_the_same_job(client: httpx.AsyncClient) -> None:
    first = await submit(client)
    again = await submit(client)
    other = await submit(client, feature("ref-2"))
    assert again.status_code == 200 and again.json()["feedbackId"] == first.json()["feedbackId"]
    assert other.status_code == 201 and other.json()["feedbackId"] != first.json()["feedbackId"]
    stats = (await client.get("/_sandbox/stats")).json()["here"]
    assert stats["creates"] == {"reference": {"ref-1": 1, "ref-2": 1}}
    assert stats["create_requests"] == {"reference": {"ref-1": 2, "ref-2": 1}}
    assert stats["requests"]["POST /here/feedback/"] == 3


async def test_validation_in_here_shape(client: httpx.AsyncClient) -> None:
    bad = feature(error=40, phone="call us", URL="www", isocc="FR", openinghours="9-18", colour="red")
    bad["geometry"]["coordinates"] = [200, 48]
    response = await submit(client, bad)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert {e["field"] for e in body["errors"]} == {
        "features[0].geometry", "properties.error", "properties.phone", "properties.URL", "properties.isocc",
        "properties.openinghours", "properties.colour"}
    assert (await submit(client, feature(name=""))).json()["errors"] == [
        {"field": "properties.name", "message": "a new POI needs a name"}]
    assert (await submit(client, headers={"Content-Type": "application/json"})).status_code == 415


async def test_auth(client: httpx.AsyncClient) -> None:
    missing = await submit(client, params={})
    assert missing.status_code == 401 and missing.json()["error"] == "Unauthorized"
    assert (await submit(client, params={"apiKey": "nope"})).status_code == 401
    assert (await client.post("/_sandbox/here/tokens/revoke", json={"token": "sandbox-here-key"})).status_code == 200
    assert (await submit(client)).status_code == 401


async def test_quota_per_key(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(here=HereConfig(quota=QuotaConfig(count=2, window_seconds=10))))
    assert [(await submit(client, feature(f"r{i}"))).status_code for i in range(3)] == [201, 201, 429]
    throttled = await submit(client, feature("r9"))
    assert throttled.json()["error"] == "Too Many Requests" and throttled.headers["Retry-After"] == "10"
    clock.advance(10)
    assert (await submit(client, feature("r9"))).status_code == 201
    assert (await client.get("/_sandbox/stats")).json()["here"]["throttled"] == 2


async def test_admin_reject_closes_as_wontfix(client: httpx.AsyncClient) -> None:
    job_id = (await submit(client)).json()["feedbackId"]
    rejected = await client.post(f"/_sandbox/here/feedback/{job_id}/reject", json={"comment": "Not found on site"})
    assert rejected.status_code == 200
    body = (await client.get(f"/here/feedback/{job_id}", params=KEY)).json()
    assert (body["jobStatus"], body["jobSolution"], body["comment"]) == ("CLOSED", "WONTFIX", "Not found on site")
    assert (await client.get("/_sandbox/here/locations")).json()[0]["reference"] == "ref-1"
    assert (await client.get("/here/feedback/nope", params=KEY)).status_code == 404


async def test_server_errors_in_here_shape(make_client: Any) -> None:
    from connectors.sandbox import FaultConfig

    client = make_client(SandboxConfig(faults=FaultConfig(error_rate=1.0, error_statuses=[500])))
    response = await submit(client)
    assert response.status_code == 500 and response.json()["status"] == 500
