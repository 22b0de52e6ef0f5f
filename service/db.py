"""Engine, sessions and the unit of work.

The session a request or job gets commits on success and rolls back on error; services never
commit. Work that must only happen once the data is durable (enqueueing sync jobs) is
registered with `after_commit(session, fn)` and dropped if the transaction rolls back.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

AfterCommit = Callable[[], Awaitable[Any] | Any]
log = logging.getLogger(__name__)


def async_url(url: str) -> str:
    """Accept the URLs people write (`postgresql://`, `sqlite:///x.db`) and pick async drivers."""
    parsed = make_url(url)
    driver = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
    if parsed.drivername in driver:
        parsed = parsed.set(drivername=driver[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def _json_dumps(value: Any) -> str:
    """JSON for the JSON/JSONB columns: orjson, several times json's speed on records; int keys
    become strings as with json.dumps."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, json_serializer=_json_dumps,
                                     json_deserializer=orjson.loads, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    options = {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True,
               "json_serializer": _json_dumps, "json_deserializer": orjson.loads, **kwargs}
    return create_async_engine(url, **options)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def after_commit(session: AsyncSession, fn: AfterCommit) -> None:
    session.info.setdefault("after_commit", []).append(fn)


async def _run_after_commit(session: AsyncSession) -> None:
    """Each hook in turn; one that fails is logged and the others still run. The change is
    committed: what a hook did not do (enqueue a push, schedule a campaign) the reconciler does
    from the database, so the caller is never told that a committed change failed."""
    for fn in session.info.pop("after_commit", []):
        try:
            result = fn()
            if inspect.isawaitable(result):
                await result
        except Exception:  # noqa: BLE001 - committed; the reconciler catches up
            log.exception("db.after_commit.failed hook=%s (committed; left to the reconciler)",
                          getattr(fn, "__qualname__", fn))


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that commits when the block succeeds, rolls back when it raises, and runs
    the after-commit hooks only once the commit went through."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            session.info.pop("after_commit", None)
            await session.rollback()
            raise
        await _run_after_commit(session)
