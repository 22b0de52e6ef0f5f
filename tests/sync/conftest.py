"""A directory sandbox over real HTTP, and helpers to wait for sync states."""

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

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


class SandboxProcess:
    """The sandbox in a process of its own (`python -m connectors.sandbox.server`), as a platform
    is on a machine of its own. For the workload tests that count the quota: in a thread of the
    test's process, the sandbox stamps a request when the interpreter lets its thread run, so a
    busy test process delays the stamps and bunches them, and the window counts calls that left
    apart. Only its HTTP interface (``url``, ``/_sandbox``) is there."""

    def __init__(self, config: SandboxConfig, workdir: Path):
        self.config, self.workdir = config, workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> "SandboxProcess":
        config = self.workdir / "sandbox-config.json"
        config.write_text(self.config.model_dump_json())
        with socket.socket() as probe:  # a free port; the sandbox binds it a moment later
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        log = (self.workdir / "sandbox.log").open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "connectors.sandbox.server", "--port", str(port),
                                         "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/_sandbox/stats", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"the sandbox process did not start: {(self.workdir / 'sandbox.log').read_text()}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


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
