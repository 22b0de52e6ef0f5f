"""A directory sandbox over real HTTP, and helpers to wait for sync states."""

import asyncio
import time

import httpx
import pytest
from redis.asyncio import Redis

from connectors.sandbox import SandboxConfig, SandboxServer
from service.cli.demo import sandbox_connections
from tests.conftest import REDIS_URL, require_service


@pytest.fixture
async def redis_url():
    require_service("Redis", "127.0.0.1", 6379)
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


async def sandbox_admin(sandbox, method: str, path: str, **kwargs):
    async with httpx.AsyncClient(base_url=sandbox.url) as c:
        response = await c.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig.model_validate({
        "google": {"review_delay_seconds": 1.0},
        "facebook": {"regain_access_unit_seconds": 0.05},  # a Graph "minute" lasts 50 ms here
        "apple": {"submitted_seconds": 0.3, "processing_seconds": 0.6},
    })


@pytest.fixture
def sandbox(sandbox_config):
    server = SandboxServer(sandbox_config).start()
    yield server
    server.stop()


async def connect_all(client, sandbox_url: str, platforms=("google", "facebook", "apple")) -> None:
    for platform, (creds, opts) in sandbox_connections(sandbox_url, regain_unit=0.05).items():
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


async def google_target(session_factory, store_code: str):
    """The Google sync target of the site `store_code`, read afresh."""
    from sqlalchemy import select

    from service.db import unit_of_work
    from service.models import EstablishmentRow, SyncTarget

    async with unit_of_work(session_factory) as session:
        row = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.store_code == store_code))).one()
        return (await session.exec(select(SyncTarget).where(SyncTarget.establishment_id == row[0].id,
                                                            SyncTarget.platform == "google"))).one()[0]
