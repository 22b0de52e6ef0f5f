"""Installing the process's dispatcher: arq when Redis is configured, else in-process jobs running
every domain's declared jobs and crons (`service/tasks.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from service.settings import Settings
from service import jobs as dispatch
from service import metrics
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter


@asynccontextmanager
async def sync_runtime(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *,
                       run_jobs: bool = True) -> AsyncIterator[object | None]:
    """Yields the dispatcher (an `ArqDispatcher` or a started `LocalRunner`), or None."""
    previous = dispatch.current()
    if settings.redis_url:
        from arq import create_pool
        from arq.connections import RedisSettings

        from service.sync.tasks import ArqDispatcher

        pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        dispatcher = ArqDispatcher(pool, settings.sync_debounce_seconds)
        dispatch.install(dispatcher)
        try:
            yield dispatcher
        finally:
            dispatch.install(previous)
            await pool.aclose()
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
        dispatch.install(runner)
        try:
            yield runner
        finally:
            dispatch.install(previous)
            await runner.stop()
