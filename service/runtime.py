"""Installing the process's dispatcher: arq when Redis is configured, else in-process jobs running
every domain's declared jobs and crons (`service/tasks.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from service.settings import Settings
from service import jobs as dispatch
from service import metrics
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter

D = TypeVar("D", bound=dispatch.Dispatcher)


@asynccontextmanager
async def _installed(dispatcher: D, stop: Callable[[], Awaitable[object]]) -> AsyncIterator[D]:
    """Install `dispatcher` for the block, then put back the one before and stop it (in that
    order: nothing is dispatched to a dispatcher being stopped)."""
    previous = dispatch.current()
    dispatch.install(dispatcher)
    try:
        yield dispatcher
    finally:
        dispatch.install(previous)
        await stop()


@asynccontextmanager
async def sync_runtime(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *,
                       run_jobs: bool = True) -> AsyncIterator[object | None]:
    """Yields the dispatcher (an `ArqDispatcher` or a started `LocalRunner`), or None."""
    if settings.redis_url:
        from arq import create_pool
        from arq.connections import RedisSettings

        from service.sync.tasks import ArqDispatcher

        pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        async with _installed(ArqDispatcher(pool, settings.sync_debounce_seconds), pool.aclose) as dispatcher:
            yield dispatcher
        return
    if not run_jobs:
        yield None
        return
    from service.sync.runner import LocalRunner

    async with metrics.platform_client(settings) as client:
        from service.tasks import all_tasks

        runner = LocalRunner(Deps(sessionmaker, client, LocalLimiter(), settings), all_tasks(),
                             settings.sync_concurrency, settings.sync_debounce_seconds)
        await runner.start()
        async with _installed(runner, runner.stop) as started:
            yield started
