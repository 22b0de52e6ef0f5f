"""A real `vitrine worker` process on PostgreSQL and Redis: killed mid-sync, restarted; then
Redis emptied mid-sync. The database is the truth: everything converges, nothing is created twice."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from service import migrate
from service.api import create_app
from service.db import make_engine
from service.settings import Settings
from tests.conftest import PG_BASE, SANDBOX_ALLOWLIST, make_org, require_service
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, sandbox_admin, wait_for

pytestmark = pytest.mark.slow
VITRINE = str(Path(sys.executable).parent / "vitrine")
SITES = 24


@pytest.fixture
async def pg_url():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"vitrine_crash_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_BASE.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    yield url
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
def sandbox_config(sandbox_config):
    return sandbox_config.model_copy(update={"faults": sandbox_config.faults.model_copy(update={"latency_ms": 60})})


@pytest.fixture
def env(pg_url, redis_url, tmp_path):
    return {**os.environ, "VITRINE_DATABASE_URL": pg_url, "VITRINE_REDIS_URL": redis_url,
            "VITRINE_HOME": str(tmp_path / "home"), "VITRINE_SECRET_KEY": "crash-test-secret",
            "VITRINE_RECONCILE_SECONDS": "1", "VITRINE_VERIFY_POLL_SECONDS": "0.5", "VITRINE_SYNC_JOB_TIMEOUT": "5",
            "VITRINE_SYNC_DEBOUNCE_SECONDS": "0.2", "VITRINE_SYNC_BACKOFF_BASE": "0.2",
            "VITRINE_RATE_LIMITS": '{"facebook": "50/1"}', "VITRINE_AUTO_MIGRATE": "false",
            "VITRINE_PLATFORM_URL_ALLOWLIST": json.dumps(SANDBOX_ALLOWLIST)}


def start_worker(env) -> subprocess.Popen:
    log = open(Path(env["VITRINE_HOME"]).parent / "worker.log", "ab")  # never a pipe nobody reads
    return subprocess.Popen([VITRINE, "worker"], env=env, stdout=log, stderr=log)


@pytest.fixture
async def client(env, tmp_path):
    settings = Settings(database_url=env["VITRINE_DATABASE_URL"], redis_url=env["VITRINE_REDIS_URL"],
                        home=Path(env["VITRINE_HOME"]), secret_key=env["VITRINE_SECRET_KEY"], auto_migrate=False,
                        sync_debounce_seconds=0.2, platform_url_allowlist=SANDBOX_ALLOWLIST)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        _, key = await make_org(app.state.sessionmaker, "Horizon Santé")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine",
                                     headers={"Authorization": f"Bearer {key}"}) as c:
            yield c


def live_count(summary) -> int:
    return sum(p.get("live", 0) for p in summary["platforms"].values())


async def test_killed_worker_and_emptied_redis_converge_without_duplicates(client, sandbox, env, redis_url):
    await connect_all(client, sandbox.url)
    items = [record(f"K-{i:02d}", name=f"Clinique {i}") for i in range(SITES)]
    assert (await client.post("/api/v1/establishments/bulk", json={"items": items})).status_code == 200
    worker = start_worker(env)
    try:
        summary = await wait_for(client, lambda s: live_count(s) >= 10, timeout=60)
        assert live_count(summary) < 3 * SITES, "the kill must land mid-sync"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        worker = start_worker(env)
        await wait_for(client, lambda s: s["totals"] == {"live": 3 * SITES}, timeout=120)

        # every site changes again, and Redis loses everything mid-sync
        changed = [record(f"K-{i:02d}", name=f"Clinique {i}", website=f"https://www.k{i}.fr/") for i in range(SITES)]
        await client.post("/api/v1/establishments/bulk", json={"items": changed})
        await asyncio.sleep(1.0)
        redis = Redis.from_url(redis_url)
        await redis.flushdb()
        await redis.aclose()
        await wait_for(client, lambda s: s["totals"] == {"live": 3 * SITES}, timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    rows = (await client.get("/api/v1/sync", params={"limit": 500})).json()["items"]
    assert len(rows) == 3 * SITES
    assert all(r["pushed_revision"] == r["wanted_revision"] == 2 for r in rows), rows[:3]
    stats = await sandbox_admin(sandbox, "GET", "/_sandbox/stats")
    for platform in ("google", "facebook", "apple"):
        for kind, per_key in stats[platform]["creates"].items():
            assert len(per_key) == SITES and set(per_key.values()) == {1}, (platform, kind, per_key)
