"""TomTomConnector against the TomTom emulator (written from TomTom's Map Feedback pages)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext
from connectors.sandbox import ManualClock
from connectors.tomtom.connector import NO_KIND, TomTomConnector
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"api_key": "sandbox-tomtom-key"}
AGREED = {"feedback_kind": "vitrine_place_v1"}


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=remote_id, previous=previous,
                       changed=changed or [], request_id="req-1")


async def test_nothing_is_sent_without_the_agreed_kind(client: httpx.AsyncClient) -> None:
    connector = TomTomConnector(client, "http://sandbox/tomtom", CREDENTIALS, {})
    record_ = est()
    with pytest.raises(ActionRequired) as caught:
        await connector.push(record_, connector.render(record_), ctx())
    assert caught.value.reason == NO_KIND
    assert (await client.get("/_sandbox/stats")).json()["tomtom"]["requests_total"] == 0


async def test_documented_create_status_and_retried_create(client: httpx.AsyncClient, clock: ManualClock) -> None:
    connector = TomTomConnector(client, "http://sandbox/tomtom", CREDENTIALS, AGREED)
    record_ = est(address={"lines": ["Bâtiment B", "12 bis rue Oberkampf"], "postal_code": "75011", "locality": "Paris"})
    rendering = connector.render(record_)
    created = await connector.push(record_, rendering, ctx())
    again = await connector.push(record_, rendering, ctx())  # the worker died before recording the first answer
    assert again.remote_id == created.remote_id and again.detail["duplicate"]
    assert (await connector.read_back(created.remote_id, rendering.payload)).state == "awaiting_review"
    clock.advance(60)
    assert (await connector.read_back(created.remote_id, rendering.payload)).state == "live"
    [item] = (await client.get("/_sandbox/tomtom/locations")).json()
    assert item["geometry"] == "POINT(2.3781 48.8656)" and item["kind"] == "vitrine_place_v1"
    assert item["document"]["place"]["address"]["streetName"] == "rue Oberkampf"


async def test_rejection_and_unknown_feedback(client: httpx.AsyncClient) -> None:
    connector = TomTomConnector(client, "http://sandbox/tomtom", CREDENTIALS, AGREED)
    record_ = est()
    created = await connector.push(record_, connector.render(record_), ctx())
    await client.post(f"/_sandbox/tomtom/feedback/{created.remote_id}/reject", json={"reason": "Not found on site"})
    rb = await connector.read_back(created.remote_id, {})
    assert rb.state == "failed" and "Not found on site" in (rb.message or "")
    with pytest.raises(ActionRequired):
        await connector.read_back("nope", {})


def test_data_is_base64_json_of_the_place_document() -> None:
    connector = TomTomConnector(httpx.AsyncClient(), "", CREDENTIALS, {**AGREED, "severity": "2"})
    record_ = est()
    body = connector.feedback(record_, connector.render(record_).payload, ctx())
    assert set(body) == {"geometry", "kind", "data", "severity", "labels", "referenceId"} and body["severity"] == 2
    assert json.loads(base64.b64decode(body["data"]))["place"]["name"] == "Clinique du Parc"
