"""arq worker: `vitrine worker` runs it; start as many as you like, on as many machines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn
from sqlalchemy.pool import AsyncAdaptedQueuePool
from arq import cron
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms
from arq.worker import Worker, func

from service import metrics
from service.db import make_engine, make_sessionmaker
from service.settings import Settings, get_settings
from service import jobs as dispatch
from service.sync import fair
from service.sync.engine import Deps
from service.sync.limiter import RedisLimiter
from service.sync.tasks import QUEUE, ArqDispatcher, after_job
from service.tasks import all_tasks


class VitrineWorker(Worker):
    """arq's worker, but starting jobs in one round trip per poll, fairly across organisations.
    arq claims each job id it read with a WATCH/EXISTS/ZSCORE/MULTI exchange (four round trips),
    also for every id another worker already runs; those exchanges share the event loop with the
    running jobs, and in a fan-out they cap how fast jobs start. And it takes ids in score order,
    so one organisation's backlog held every other's change: the claim (`fair.claim`, one Lua
    call) serves the organisations in turn. Running, retrying and finishing jobs is arq's own."""

    _claim: Any = None

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        free = self.max_jobs - self.job_counter
        if free <= 0 or not job_ids:
            return
        if self._claim is None:
            self._claim = self.pool.register_script(fair.CLAIM)
        claimed = await fair.claim(self._claim, self.queue_name, now_ms=timestamp_ms(),
                                   lease_ms=int(self.in_progress_timeout_s * 1000), free=free,
                                   running_prefix=in_progress_key_prefix, read=job_ids)
        for job_id, score in claimed:
            await self.sem.acquire()
            self.job_counter += 1
            task = self.loop.create_task(self.run_job(job_id, score))
            task.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
            self.tasks[job_id] = task


class _JobPool(AsyncAdaptedQueuePool):
    """The worker's connection pool: no ping before each checkout. A push or read-back takes two
    or three short transactions, and the ping (BEGIN, SELECT, ROLLBACK) tripled their round
    trips; a connection found dead fails its job instead, whose target the reconciler queues
    again (the database says it is still due)."""

    def __init__(self, creator: Any, **kwargs: Any):
        super().__init__(creator, **{**kwargs, "pre_ping": False})


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    ctx["own_engine"] = "engine" not in ctx  # tests run a worker on their own engine
    url = settings.resolved_database_url
    engine = ctx.get("engine") or (make_engine(url) if url.startswith("sqlite") else make_engine(url, poolclass=_JobPool))
    ctx["engine"] = engine
    ctx["client"] = metrics.platform_client(settings, limits=httpx.Limits(max_connections=200,
                                                                          max_keepalive_connections=50))
    ctx["deps"] = Deps(make_sessionmaker(engine), ctx["client"], RedisLimiter(ctx["redis"]), settings)
    ctx["dispatcher"] = ArqDispatcher(ctx["redis"], settings.sync_debounce_seconds)
    dispatch.install(ctx["dispatcher"])
    if ctx.get("metrics_port"):
        ctx["http"] = await _serve_health(ctx, ctx["metrics_port"])


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its signal handlers: the arq worker owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve_health(ctx: dict[str, Any], port: int) -> Any:
    """/healthz, /readyz and /metrics of this worker, served in its own event loop."""
    from service.ops import worker_app

    server = _QuietServer(uvicorn.Config(worker_app(ctx), host=ctx.get("metrics_host", "0.0.0.0"), port=port,
                                         log_level="warning", lifespan="off"))
    ctx["http_task"] = asyncio.create_task(server.serve())
    return server


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.get("http") is not None:
        ctx["http"].should_exit = True
        await ctx["http_task"]
    await ctx["client"].aclose()
    if ctx.get("own_engine"):
        await ctx["engine"].dispose()


def _seconds(every: float) -> set[int]:
    """arq crons fire on wall-clock seconds: every `every` seconds within a minute (at most 60)."""
    step = max(1, min(60, round(every)))
    return set(range(0, 60, step))


def worker_options(settings: Settings, metrics_port: int | None = None) -> dict[str, Any]:
    tasks = all_tasks()
    return {
        # one timeout for all: arq keeps a killed job's in-progress key for the longest timeout of
        # all, and a killed push must resume in minutes
        "functions": [func(job.function, name=job.name, keep_result=0, max_tries=job.max_tries) for job in tasks.jobs],
        "cron_jobs": [cron(c.function, name=c.name, second=_seconds(c.every(settings)), run_at_startup=True,
                           unique=True, keep_result=0) for c in tasks.crons],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "after_job_end": after_job,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379"),
        "queue_name": QUEUE,
        "max_jobs": settings.sync_concurrency,
        # arq starts queued jobs only when it polls; past the ids read at the last poll (the other
        # workers took some), a free slot waits for the next one: 0.5 s by default, long enough
        # to leave a worker idle half the time in a fan-out. A poll is one ZRANGEBYSCORE.
        "poll_delay": 0.05,
        "job_timeout": settings.sync_job_timeout,
        # no result keys at all: arq's failure path (a job 'expired' after Redis was emptied) stores
        # one with the worker's keep_result, and a stored result blocks that fixed job id for its TTL
        "keep_result": 0,
        "ctx": {"settings": settings, "metrics_port": metrics_port},
        "handle_signals": True,
    }


class WorkerSettings:
    """For `arq service.worker.WorkerSettings`; `vitrine worker` passes the same options."""

    locals().update(worker_options(get_settings()))
