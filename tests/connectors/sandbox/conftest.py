"""Sandbox fixtures: apps driven by a ManualClock, reached through httpx's ASGI transport."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig, create_app
from connectors.sandbox.discovery import DISCOVERY_ENV, DISCOVERY_FILE, find_discovery_document


def _fallback_discovery_document() -> Path | None:
    """The project's shared contracts beside the checkout, when the package does not ship the file."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "contracts" / "google" / DISCOVERY_FILE
        if candidate.is_file():
            return candidate
    return None


try:
    find_discovery_document()
except FileNotFoundError:
    if (_found := _fallback_discovery_document()) is not None:
        os.environ[DISCOVERY_ENV] = str(_found)

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
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")
        client.app = app  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> httpx.AsyncClient:
    return make_client()
