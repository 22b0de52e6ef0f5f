"""arq worker: `vitrine worker` runs it; start as many as you like, on as many machines."""

from __future__ import annotations

from typing import Any

import httpx
from arq import cron
from arq.connections import RedisSettings
from arq.worker import func

from service.db import make_engine, make_sessionmaker
from service.settings import Settings, get_settings
from service.sync import dispatch
from service.sync.engine import Deps
from service.sync.limiter import RedisLimiter
from service.sync.tasks import QUEUE, ArqDispatcher, after_job, reconcile, sync_feed, sync_push, sync_verify


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    ctx["own_engine"] = "engine" not in ctx  # tests run a worker on their own engine
    engine = ctx.get("engine") or make_engine(settings.resolved_database_url)
    ctx["engine"] = engine
    ctx["client"] = httpx.AsyncClient(timeout=httpx.Timeout(settings.http_timeout_seconds, connect=5.0),
                                      limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
    ctx["deps"] = Deps(make_sessionmaker(engine), ctx["client"], RedisLimiter(ctx["redis"]), settings)
    ctx["dispatcher"] = ArqDispatcher(ctx["redis"], settings.sync_debounce_seconds)
    dispatch.install(ctx["dispatcher"])


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["client"].aclose()
    if ctx.get("own_engine"):
        await ctx["engine"].dispose()


def worker_options(settings: Settings) -> dict[str, Any]:
    step = max(1, min(60, settings.reconcile_seconds))
    return {
        "functions": [func(sync_push, keep_result=0, max_tries=1_000_000),
                      func(sync_verify, keep_result=0, max_tries=1_000_000),
                      func(sync_feed, keep_result=0, max_tries=1_000_000)],
        "cron_jobs": [cron(reconcile, second=set(range(0, 60, step)), run_at_startup=True, unique=True,
                           keep_result=0)],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "after_job_end": after_job,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379"),
        "queue_name": QUEUE,
        "max_jobs": settings.sync_concurrency,
        "job_timeout": settings.sync_job_timeout,
        # no result keys at all: arq's failure path (a job 'expired' after Redis was emptied) stores
        # one with the worker's keep_result, and a stored result blocks that fixed job id for its TTL
        "keep_result": 0,
        "ctx": {"settings": settings},
        "handle_signals": True,
    }


class WorkerSettings:
    """For `arq service.worker.WorkerSettings`; `vitrine worker` passes the same options."""

    locals().update(worker_options(get_settings()))
