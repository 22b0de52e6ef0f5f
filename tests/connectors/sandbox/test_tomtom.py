"""The TomTom Map Feedback emulator, from TomTom's pages: the documented call, the old report refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock

PARAMS = {"key": "sandbox-tomtom-key", "apiVersion": "1"}
DATA = base64.b64encode(json.dumps({"place": {"name": "X"}}).encode()).decode()
BODY = {"geometry": "POINT(2.3781 48.8656)", "kind": "vitrine_place_v1", "data": DATA, "severity": 3, "referenceId": "r-1"}


async def test_create_then_status_moves_to_resolved(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await client.post("/tomtom/maps/orbis/feedback", params=PARAMS, json=BODY)
    assert created.status_code == 201
    feedback_id = created.json()["feedbackId"]
    url = f"/tomtom/maps/orbis/feedback/feedback-id/{feedback_id}/status"
    assert (await client.get(url, params=PARAMS)).json()["feedbackStatusInformation"]["status"] == "ISSUE_STATUS_NEW"
    clock.advance(10)
    assert (await client.get(url, params=PARAMS)).json()["feedbackStatusInformation"]["status"] == "ISSUE_STATUS_IN_PROGRESS"
    clock.advance(60)
    assert (await client.get(url, params=PARAMS)).json()["feedbackStatusInformation"]["status"] == "ISSUE_STATUS_RESOLVED"
    conflict = await client.post("/tomtom/maps/orbis/feedback", params=PARAMS, json=BODY)
    assert conflict.status_code == 409
    found = await client.get("/tomtom/maps/orbis/feedback/reference-id/r-1", params=PARAMS)
    assert found.json()["feedback"]["feedbackId"] == feedback_id


@pytest.mark.parametrize(("path", "body", "params", "status", "where"), [
    # the connector's old invented report, on its old path
    ("/tomtom/places/feedback/1/reports", {"reportType": "NEW_PLACE", "position": {"lat": 48.8, "lon": 2.3}, "place": {}},
     PARAMS, 404, "No resource"),
    ("/tomtom/maps/orbis/feedback", {"reportType": "NEW_PLACE", "position": {"lat": 48.8, "lon": 2.3}}, PARAMS, 400,
     "geometry: is required"),
    ("/tomtom/maps/orbis/feedback", {**BODY, "geometry": "POINT(48.8656 200)"}, PARAMS, 400, "geometry"),
    ("/tomtom/maps/orbis/feedback", {**BODY, "kind": "guessed_kind"}, PARAMS, 400, "kind"),  # not agreed with TomTom
    ("/tomtom/maps/orbis/feedback", {**BODY, "data": {"name": "X"}}, PARAMS, 400, "data"),
    ("/tomtom/maps/orbis/feedback", {**BODY, "severity": 0}, PARAMS, 400, "severity"),
    ("/tomtom/maps/orbis/feedback", BODY, {"key": "sandbox-tomtom-key"}, 400, "apiVersion"),
    ("/tomtom/maps/orbis/feedback", BODY, {"key": "wrong", "apiVersion": "1"}, 403, "not allowed"),
])
async def test_the_old_request_classes_are_refused(client: httpx.AsyncClient, path: str, body: Any,
                                                   params: dict[str, str], status: int, where: str) -> None:
    response = await client.post(path, params=params, json=body)
    assert response.status_code == status and where in response.text
