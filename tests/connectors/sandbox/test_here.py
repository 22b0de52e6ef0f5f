"""The HERE Map Feedback emulator, from HERE's developer guide: headers, layer-object arrays, negative ids."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig

CT = "application/vnd.here.layerObjectList+json; charset=UTF-8"
AUTH = {"Auth-Service-Id": "here_app", "Auth-Identifier": "apikey", "Auth-Secret": "sandbox-here-key"}


def layer(**properties: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [2.3781, 48.8656],
            "properties": {"v": "2.7", "appId": "sandbox-here-app", "error": 30, "name": "Clinique du Parc",
                           "roadname": "rue Oberkampf", "number": "12", "phone": "+33 1 23 45 67 89",
                           "details": "Temporarily closed.", **properties}}


async def submit(client: httpx.AsyncClient, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/here/feedback/", json=body, headers={"Content-Type": CT, **(headers or AUTH)})


async def test_a_job_answers_layer_objects_with_negative_ids_then_closes_fixed(client: httpx.AsyncClient,
                                                                               clock: ManualClock) -> None:
    response = await submit(client, [layer()])
    assert response.status_code == 200
    [job] = response.json()
    assert job["id"] < 0 and job["guid"] and job["layerId"] == "grp|wiki|WIKI_MAP_FEEDBACK"
    assert job["properties"]["jobStatus"] == "OPEN"
    clock.advance(30)
    [status] = (await client.get(f"/here/feedback/{job['id']}", headers=AUTH)).json()
    assert (status["properties"]["jobStatus"], status["properties"]["jobSolution"]) == ("CLOSED", "FIXED")
    again = await submit(client, [layer()])
    assert again.json()[0]["id"] == job["id"]  # the same report filed twice is one job


@pytest.mark.parametrize(("body", "params", "headers", "status", "where"), [
    ([layer()], {"apiKey": "sandbox-here-key"}, {}, 401, "Auth-Service-Id"),  # the key as a query parameter
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point",
      "coordinates": [2.3, 48.8]}, "properties": layer()["properties"]}]}, {}, AUTH, 400, "plain JSON array"),
    ([layer(appId=None)], {}, AUTH, 400, "appId"),
    ([layer(comments="Temporarily closed.")], {}, AUTH, 400, "properties.comments"),  # invisible to reviewers
    ([layer(phone="+33123456789")], {}, AUTH, 400, "properties.phone"),  # E.164 without the guide's spaces
])
async def test_the_old_request_classes_are_refused(client: httpx.AsyncClient, body: Any, params: dict[str, str],
                                                   headers: dict[str, str], status: int, where: str) -> None:
    if isinstance(body, list) and body[0]["properties"].get("appId", "") is None:
        del body[0]["properties"]["appId"]
    response = await client.post("/here/feedback/", json=body, params=params, headers={"Content-Type": CT, **headers})
    assert response.status_code == status
    assert where in response.text


async def test_quota_per_key_and_admin_reject(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig.model_validate({"here": {"quota": {"count": 1, "window_seconds": 1}}}))
    [job] = (await submit(client, [layer()])).json()
    throttled = await submit(client, [layer(name="Other")])
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    clock.advance(1)
    rejected = await client.post(f"/_sandbox/here/feedback/{job['id']}/reject", json={"comment": "No such place"})
    assert rejected.json()["properties"]["jobSolutionDetails"] == "No such place"
    [status] = (await client.get(f"/here/feedback/{job['id']}", headers=AUTH)).json()
    assert (status["properties"]["jobStatus"], status["properties"]["jobSolution"]) == ("CLOSED", "WONTFIX")
