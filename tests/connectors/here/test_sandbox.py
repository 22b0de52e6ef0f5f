"""HereConnector against the sandbox emulator over ASGI: the two must agree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext, RetryableError
from connectors.here.connector import HereConnector
from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig, create_app
from connectors.sandbox.here import HereConfig
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"api_key": "sandbox-here-key"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def client(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    config = SandboxConfig(here=HereConfig(quota=QuotaConfig(count=2, window_seconds=1)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, clock)),
                                 base_url="http://sandbox") as client:
        yield client


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext("CLI-075-001", remote_id, remote_id, previous, changed or [], "req-1")


def est(**overrides: Any) -> Establishment:
    full = {"monday": [{"open": "09:00", "close": "18:00"}], "saturday": [{"open": "22:00", "close": "02:00"}]}
    return Establishment.model_validate(record(**{"hours": {"regular": full}, **overrides}))


async def test_lifecycle_against_the_emulator(client: httpx.AsyncClient, clock: ManualClock) -> None:
    here = HereConnector(client, "http://sandbox/here", CREDENTIALS, {})
    first = est(name="Clinique Saint-Éloi")
    rendering = here.render(first)
    created = await here.push(first, rendering, ctx())
    assert created.created and created.state == "awaiting_review"
    retried = await here.push(first, rendering, ctx())
    assert retried.remote_id == created.remote_id and retried.detail["duplicate"]
    stats = (await client.get("/_sandbox/stats")).json()["here"]
    assert sum(stats["creates"]["reference"].values()) == 1
    clock.advance(1)  # the test's quota: 2 requests a second
    assert (await here.read_back(created.remote_id, rendering.payload)).state == "awaiting_review"
    clock.advance(30)
    assert (await here.read_back(created.remote_id, rendering.payload)).state == "live"

    clock.advance(1)
    closed = est(name="Clinique Saint-Éloi", status="closed_permanently")
    update = here.render(closed)
    changed = [k for k in update.payload if update.payload.get(k) != rendering.payload.get(k)]
    pushed = await here.push(closed, update, ctx(created.remote_id, rendering.payload, changed))
    assert pushed.remote_id != created.remote_id and not pushed.created
    [job] = [j for j in (await client.get("/_sandbox/here/locations")).json() if j["feedbackId"] == pushed.remote_id]
    assert job["feature"]["properties"] == {"v": "2.7", "error": 34, "comments": "Permanently closed."}
    await client.post(f"/_sandbox/here/feedback/{pushed.remote_id}/reject", json={"comment": "Still open"})
    rb = await here.read_back(pushed.remote_id, update.payload)
    assert rb.state == "failed" and "Still open" in (rb.message or "")


async def test_errors_against_the_emulator(client: httpx.AsyncClient, clock: ManualClock) -> None:
    here = HereConnector(client, "http://sandbox/here", CREDENTIALS, {})
    record_ = est()
    for _ in range(2):
        await here.push(record_, here.render(record_), ctx())
        clock.advance(0.01)
    other = est(name="Autre")
    with pytest.raises(RetryableError) as caught:
        await here.push(other, here.render(other), ctx())
    assert caught.value.throttled and caught.value.retry_after == 1
    clock.advance(1)
    wrong = HereConnector(client, "http://sandbox/here", {"api_key": "wrong-key"}, {})
    with pytest.raises(ActionRequired) as denied:
        await wrong.push(record_, here.render(record_), ctx())
    assert "wrong-key" not in str(denied.value)
