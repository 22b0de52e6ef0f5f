"""Health, readiness, metrics and logs, on a real sandbox sync."""

import asyncio
import io
import json
import logging
import re

import httpx
import pytest

from service import logs
from service.api import create_app
from service.cli.demo import sandbox_connections
from service.db import make_engine
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, sandbox, sandbox_config, wait_for  # noqa: F401  (fixtures)


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """{labels: value} of one metric in the Prometheus text format."""
    out = {}
    for line in text.splitlines():
        match = re.match(rf"^{name}(?:{{(.*)}})? (\S+)$", line)
        if match:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match.group(1) or "")))
            out[labels] = float(match.group(2))
    return out


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
    assert ready.headers["x-request-id"]


async def test_readyz_says_what_is_not_ready(settings, tmp_path):
    empty = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # never migrated
    unreachable = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0", "auto_migrate": False})
    app = create_app(unreachable, engine=empty, run_jobs=False)
    app.state.engine, app.state.settings = empty, unreachable  # what the lifespan sets, without its Redis pool
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine") as c:
        answer = await c.get("/readyz")
    await empty.dispose()
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"].startswith("behind: run `vitrine db upgrade`")
    assert checks["redis"].startswith("unreachable")


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_backoff_base": 0.2, "sync_backoff_max": 2.0,
                                       "rate_limits": {"facebook": "20/1"}})


@pytest.mark.slow
async def test_metrics_follow_a_sandbox_sync_and_logs_hold_no_secret(client, sandbox):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.addFilter(logs._ContextFilter())
    handler.setFormatter(logs._json_formatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    logs.configure("DEBUG", "json")  # the most a log can say, httpx kept at warnings
    try:
        before = (await client.get("/metrics")).text  # counters are per process: compare with this
        await connect_all(client, sandbox.url)
        items = [record(f"M-{i:02d}", name=f"Clinique {i}") for i in range(8)]
        assert (await client.post("/api/v1/establishments/bulk", json={"items": items})).status_code == 200
        during = (await client.get("/metrics")).text
        summary = await wait_for(client, lambda s: all(s["platforms"].get(p, {}).get("live", 0) == 8
                                                        for p in ("google", "facebook", "apple")))
        deadline = asyncio.get_running_loop().time() + 30
        while True:  # read-backs queued by the last pushes drain too
            after = (await client.get("/metrics")).text
            idle = (_samples(after, "vitrine_queue_depth")[()], _samples(after, "vitrine_oldest_due_target_age_seconds")[()])
            if idle == (0.0, 0.0) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    assert _samples(during, "vitrine_sync_targets")[(("platform", "google"), ("status", "pending"))] == 8
    assert _samples(during, "vitrine_oldest_due_target_age_seconds")[()] > 0  # work waits: the lag shows it
    targets = _samples(after, "vitrine_sync_targets")
    expected = {(("platform", p), ("status", s)): float(n)
                for p, counts in summary["platforms"].items() for s, n in counts.items()}
    assert targets == expected  # the same counts as the database's, per platform and status
    assert idle == (0.0, 0.0)  # queue depth and lag back to zero
    def grown(name: str) -> dict:
        old = _samples(before, name)
        return {k: v - old.get(k, 0.0) for k, v in _samples(after, name).items()}

    pushes, requests = grown("vitrine_sync_attempts_total"), grown("vitrine_platform_requests_total")
    for platform in ("google", "facebook", "apple"):
        assert pushes[(("kind", "push"), ("outcome", "created"), ("platform", platform))] == 8  # one create each
        assert sum(v for k, v in requests.items() if ("platform", platform) in k and dict(k)["status"][0] == "2") >= 8
        assert grown("vitrine_platform_request_seconds_count")[(("platform", platform),)] >= 8
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]
    assert lines and all({"time", "level", "event", "logger"} <= set(line) for line in lines)
    text = captured.getvalue()
    secrets = [v for creds, _ in sandbox_connections(sandbox.url).values() for v in creds.values()]
    assert secrets and [s for s in secrets if s in text] == []


def test_json_lines_carry_the_bound_context():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs._ContextFilter())
    handler.setFormatter(logs._json_formatter())
    logger = logging.getLogger("vitrine.test.ops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with logs.bound(job="sync:7:google", platform="google", site=7, organisation=3):
            logger.info("sync.push.ok")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["event"] == "sync.push.ok" and inside["level"] == "INFO"
    assert (inside["job"], inside["platform"], inside["site"], inside["organisation"]) == ("sync:7:google", "google", 7, 3)
    assert "job" not in outside and outside["event"] == "outside"  # no empty context keys


async def test_imports_are_counted_by_outcome(client):
    from service.imports.template import build_template

    def dry_runs(text: str) -> float:
        return _samples(text, "vitrine_imports_total").get((("outcome", "dry_run"),), 0.0)

    before = dry_runs((await client.get("/metrics")).text)
    answer = await client.post("/api/v1/imports", files={"file": ("t.xlsx", build_template())},
                               data={"dry_run": "true"})
    assert answer.status_code == 200 and answer.json()["outcome"] == "dry_run"
    assert dry_runs((await client.get("/metrics")).text) == before + 1
