"""HereConnector against the HERE emulator (written from HERE's guide), over ASGI, on a ManualClock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext, Rejected
from connectors.here.connector import HereConnector
from connectors.sandbox import ManualClock
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"api_key": "sandbox-here-key", "app_id": "sandbox-here-app"}


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=remote_id, previous=previous,
                       changed=changed or [], request_id="req-1")


@pytest.fixture
def connector(client: httpx.AsyncClient) -> HereConnector:
    return HereConnector(client, "http://sandbox/here", CREDENTIALS, {})


async def test_push_update_and_read_back_against_the_guide(connector: HereConnector, client: httpx.AsyncClient,
                                                           clock: ManualClock) -> None:
    record_ = est(address={"lines": ["Bâtiment B", "12 bis rue Oberkampf"], "postal_code": "75011", "locality": "Paris"},
                  status="closed_temporarily")
    rendering = connector.render(record_)
    created = await connector.push(record_, rendering, ctx())
    assert created.remote_id.startswith("-") and created.state == "awaiting_review"
    assert (await connector.read_back(created.remote_id, rendering.payload)).state == "awaiting_review"
    clock.advance(30)
    assert (await connector.read_back(created.remote_id, rendering.payload)).state == "live"
    [job] = (await client.get("/_sandbox/here/locations")).json()
    assert job["properties"]["roadname"] == "rue Oberkampf" and "Bâtiment B" in job["properties"]["details"]
    assert job["properties"]["appId"] == "sandbox-here-app"
    reopened = est(address=record_.address.model_dump(mode="json"))
    rendering2 = connector.render(reopened)
    changed = sorted(k for k in {*rendering.payload, *rendering2.payload} if rendering.payload.get(k) != rendering2.payload.get(k))
    updated = await connector.push(reopened, rendering2, ctx(created.remote_id, rendering.payload, changed))
    assert updated.remote_id != created.remote_id


async def test_refusals_and_rejections(connector: HereConnector, client: httpx.AsyncClient, clock: ManualClock) -> None:
    record_ = est()
    rendering = connector.render(record_)
    rendering.payload["phone"] = "+33123456789"  # the old E.164 form
    with pytest.raises(Rejected) as caught:
        await connector.push(record_, rendering, ctx())
    assert [e.field for e in caught.value.field_errors] == ["phone"]
    with pytest.raises(ActionRequired, match="coordinates"):
        no_geo = est(geo=None)
        await connector.push(no_geo, connector.render(no_geo), ctx())
    created = await connector.push(record_, connector.render(record_), ctx())
    await client.post(f"/_sandbox/here/feedback/{created.remote_id}/reject", json={"comment": "No such place"})
    rb = await connector.read_back(created.remote_id, {})
    assert rb.state == "failed" and "No such place" in (rb.message or "")
    bad = HereConnector(client, "http://sandbox/here", {"api_key": "wrong", "app_id": "x"}, {})
    with pytest.raises(ActionRequired):
        await bad.push(record_, bad.render(record_), ctx())
    with pytest.raises(ActionRequired, match="app_id"):
        await HereConnector(client, "http://sandbox/here", {"api_key": "k"}, {}).push(record_, rendering, ctx())
