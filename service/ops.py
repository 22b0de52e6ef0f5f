"""Liveness, readiness and metrics, for the API process and each worker.

`/healthz`: the process answers. `/readyz`: the database answers, its schema is current, and
Redis answers when one is configured; 503 with the failing check otherwise, so an orchestrator
sends no traffic (or no jobs) to a process that cannot do its work. `/metrics`: Prometheus.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from service import jobs, metrics, migrate
from service.db import unit_of_work
from service.models import utcnow
from service.settings import Settings
from service.sync import repository as sync_repo
from service.sync.tasks import QUEUE

log = logging.getLogger("vitrine.ops")
router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


async def _redis(settings: Settings) -> Any:
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url or "", socket_connect_timeout=CHECK_TIMEOUT,
                          socket_timeout=CHECK_TIMEOUT)


async def readiness(engine: Any, settings: Settings) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        behind = await asyncio.wait_for(migrate.pending_heads(engine), CHECK_TIMEOUT)
        checks["migrations"] = "ok" if not behind else f"behind: run `vitrine db upgrade` ({', '.join(sorted(behind))})"
    except Exception as exc:  # noqa: BLE001  (any failure is "not ready", with its name)
        checks.setdefault("database", f"unreachable: {type(exc).__name__}")
    if settings.redis_url:
        client = await _redis(settings)
        try:
            await client.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"unreachable: {type(exc).__name__}"
        finally:
            await client.aclose()
    return checks


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: database reachable, migrations current, Redis reachable when configured."""
    checks = await readiness(request.app.state.engine, request.app.state.settings)
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503)


async def refresh_gauges(sessionmaker: Any, settings: Settings) -> None:
    """Read what the gauges describe: targets per platform and status, the reconciler's lag,
    the queue. A failing read leaves the previous values (the scrape still answers)."""
    now = utcnow()
    try:
        async with unit_of_work(sessionmaker) as session:
            counts = await sync_repo.status_counts(session)
            since = await sync_repo.oldest_due_since(session, now)
        metrics.SYNC_TARGETS.clear()
        for platform, status, n in counts:
            metrics.SYNC_TARGETS.labels(platform, status).set(n)
        metrics.OLDEST_DUE.set(max(0.0, (now - since).total_seconds()) if since else 0.0)
    except Exception:  # noqa: BLE001
        log.warning("metrics.database.unreadable", exc_info=True)
    if settings.redis_url:
        client = await _redis(settings)
        try:
            metrics.QUEUE_DEPTH.set(await client.zcard(QUEUE))
            metrics.QUEUE_DUE.set(await client.zcount(QUEUE, "-inf", now.timestamp() * 1000))
        except Exception:  # noqa: BLE001
            log.warning("metrics.queue.unreadable", exc_info=True)
        finally:
            await client.aclose()
    else:
        runner = jobs.current()  # the in-process runner of the embedded mode
        metrics.QUEUE_DEPTH.set(getattr(runner, "busy", 0))
        metrics.QUEUE_DUE.set(getattr(runner, "busy", 0))


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    await refresh_gauges(request.app.state.sessionmaker, request.app.state.settings)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def worker_app(ctx: dict[str, Any]) -> FastAPI:
    """The worker's own small HTTP face (`vitrine worker --metrics-port`): health and metrics."""
    app = FastAPI(title="Vitrine worker", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine, app.state.settings = ctx["engine"], ctx["settings"]
    app.state.sessionmaker = ctx["deps"].sessionmaker
    app.include_router(router)
    return app
