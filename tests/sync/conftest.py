"""A directory sandbox over real HTTP, and helpers to wait for sync states."""

import asyncio
import time

import pytest

from connectors.sandbox import SandboxConfig, SandboxServer
from service.cli_demo import sandbox_connections


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig.model_validate({
        "google": {"review_delay_seconds": 1.0},
        "apple": {"submitted_seconds": 0.3, "processing_seconds": 0.6},
    })


@pytest.fixture
def sandbox(sandbox_config):
    server = SandboxServer(sandbox_config).start()
    yield server
    server.stop()


async def connect_all(client, sandbox_url: str, platforms=("google", "facebook", "apple")) -> None:
    for platform, (creds, opts) in sandbox_connections(sandbox_url).items():
        if platform in platforms:
            response = await client.put(f"/api/v1/platforms/{platform}/connection",
                                        json={"credentials": creds, "options": opts})
            assert response.status_code == 200, response.text


async def wait_for(client, predicate, timeout: float = 60.0, interval: float = 0.3):
    """Poll the summary until predicate(summary) holds; return the last summary."""
    deadline = time.monotonic() + timeout
    while True:
        summary = (await client.get("/api/v1/sync/summary")).json()
        if predicate(summary):
            return summary
        if time.monotonic() > deadline:
            raise AssertionError(f"sync did not settle in {timeout}s: {summary}")
        await asyncio.sleep(interval)
