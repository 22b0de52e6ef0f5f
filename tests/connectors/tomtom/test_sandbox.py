"""TomTomConnector against the sandbox emulator over ASGI."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext
from connectors.sandbox import ManualClock, SandboxConfig, create_app
from connectors.tomtom.connector import TomTomConnector
from schemas import Establishment
from tests.establishments.factories import record


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext("CLI-075-001", remote_id, remote_id, previous, changed or [], "req-1")


async def test_lifecycle_against_the_emulator() -> None:
    clock = ManualClock()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(SandboxConfig(), clock)),
                                 base_url="http://sandbox") as client:
        tomtom = TomTomConnector(client, "http://sandbox/tomtom", {"api_key": "sandbox-tomtom-key"}, {})
        first = Establishment.model_validate(record(name="Clinique Saint-Éloi"))
        rendering = tomtom.render(first)
        created = await tomtom.push(first, rendering, ctx())
        assert (await tomtom.push(first, rendering, ctx())).remote_id == created.remote_id
        clock.advance(30)
        accepted = await tomtom.read_back(created.remote_id, rendering.payload)
        assert accepted.state == "awaiting_review" and "map release" in (accepted.message or "")
        clock.advance(30)
        assert (await tomtom.read_back(created.remote_id, rendering.payload)).state == "live"
        closed = Establishment.model_validate(record(name="Clinique Saint-Éloi", status="closed_temporarily"))
        update = tomtom.render(closed)
        pushed = await tomtom.push(closed, update, ctx(created.remote_id, rendering.payload, ["status"]))
        [job] = [r for r in (await client.get("/_sandbox/tomtom/locations")).json() if r["reportId"] == pushed.remote_id]
        assert job["report"]["place"] == {"status": "TEMPORARILY_CLOSED"} and job["report"]["reportType"] == "UPDATE_PLACE"
        await client.post(f"/_sandbox/tomtom/reports/{pushed.remote_id}/reject", json={"reason": "Seen open"})
        assert (await tomtom.read_back(pushed.remote_id, update.payload)).state == "failed"
        wrong = TomTomConnector(client, "http://sandbox/tomtom", {"api_key": "nope"}, {})
        with pytest.raises(ActionRequired):
            await wrong.push(first, rendering, ctx())
