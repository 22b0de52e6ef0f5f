"""A worker's own HTTP face (`vitrine worker --metrics-port`): health, readiness, and metrics
whose queue depth and lag fall to zero once a sandbox sync is done."""

import asyncio
import contextlib
import socket

import httpx
import pytest

from service.worker import VitrineWorker, worker_options
from tests.establishments.factories import record
from tests.sync.conftest import connect_all
from tests.test_ops import _samples

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings, redis_url):
    return settings.model_copy(update={
        "redis_url": redis_url, "verify_poll_seconds": 0.5, "reconcile_seconds": 1, "sync_debounce_seconds": 0.2,
        "sync_backoff_base": 0.2, "sync_backoff_max": 1.0, "http_timeout_seconds": 1.5,
        "rate_limits": {"facebook": "50/1"}})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_worker_serves_health_and_metrics(client, sandbox, settings, engine, app):
    port = _free_port()
    options = worker_options(settings, metrics_port=port)
    options["ctx"] = {**options["ctx"], "engine": engine, "metrics_host": "127.0.0.1"}
    options.update(handle_signals=False, poll_delay=0.05)
    worker = VitrineWorker(**options)
    task = asyncio.create_task(worker.async_run())
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as face:
            for _ in range(150):
                with contextlib.suppress(httpx.TransportError):
                    if (await face.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            ready = await face.get("/readyz")
            assert ready.status_code == 200 and ready.json()["checks"] == {
                "database": "ok", "migrations": "ok", "redis": "ok"}
            await connect_all(client, sandbox.url)
            items = [record(f"K-{i:02d}", name=f"Centre {i}") for i in range(6)]
            assert (await client.post("/api/v1/establishments/bulk", json={"items": items})).status_code == 200
            series = []  # (seconds, queue depth, due now, lag): printed with -s, for the record
            started = asyncio.get_running_loop().time()
            for _ in range(300):
                text = (await face.get("/metrics")).text
                depth = _samples(text, "vitrine_queue_depth")[()]
                lag = _samples(text, "vitrine_oldest_due_target_age_seconds")[()]
                due = _samples(text, "vitrine_queue_due")[()]
                series.append((round(asyncio.get_running_loop().time() - started, 1), depth, due, round(lag, 2)))
                summary = (await client.get("/api/v1/sync/summary")).json()
                settled = all(summary["platforms"].get(p, {}).get("live", 0) == 6 for p in ("google", "facebook", "apple"))
                if settled and lag == 0 and due == 0:
                    break
                await asyncio.sleep(0.2)
            print("\nworker /metrics during the sync (s, queue depth, due, lag s):", series)
            assert (lag, due) == (0.0, 0.0)
            live = _samples(text, "vitrine_sync_targets")
            assert live[(("platform", "google"), ("status", "live"))] == 6
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        with contextlib.suppress(BaseException):
            await worker.close()
