"""Sandbox fixtures: apps driven by a ManualClock, reached through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from connectors.http import default_user_agent
from connectors.sandbox import ManualClock, SandboxConfig, create_app


MakeClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def make_client(clock: ManualClock) -> AsyncIterator[MakeClient]:
    """``make_client(config=None)`` -> a client on a fresh sandbox sharing the test's clock."""
    clients: list[httpx.AsyncClient] = []

    def make(config: SandboxConfig | None = None) -> httpx.AsyncClient:
        app = create_app(config, clock)
        # Vitrine's own User-Agent, as the shared client sends it (the OSM emulator blocks library defaults)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox",
                                   headers={"User-Agent": default_user_agent()})
        client.app = app  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> httpx.AsyncClient:
    return make_client()
