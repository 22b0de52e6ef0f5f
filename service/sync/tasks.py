"""arq jobs: the only module that knows arq.

Job ids are fixed per target (`sync:{establishment}:{platform}`), so rapid edits coalesce into
one push of the latest state; arq refuses a second job with an id that is queued or running,
and the push re-checks the wanted revision after it finishes. Retries and read-backs are
arq jobs deferred by the engine's backoff (`_defer_by`), enqueued by `after_job` once the
running job has released its id. The reconciler cron re-enqueues
whatever the database says is due, so a Redis that loses everything loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from arq import ArqRedis

from service.db import unit_of_work
from service.models import utcnow
from service.sync import engine, feeds
from service.sync import repository as repo
from service.sync.engine import Deps, Next

log = logging.getLogger("vitrine.sync")
QUEUE = "vitrine:queue"


JOBS = {"push": ("sync", "sync_push"), "verify": ("verify", "sync_verify"), "feed": ("feed", "sync_feed")}


def job_id(kind: str, key: int, platform: str) -> str:
    """`sync:{establishment}:{platform}`, `verify:{establishment}:{platform}`, `feed:{organisation}:{platform}`."""
    return f"{JOBS[kind][0]}:{key}:{platform}"


class ArqDispatcher:
    def __init__(self, pool: ArqRedis, debounce: float = 0.0):
        self.pool = pool
        self.debounce = debounce

    async def enqueue(self, jobs: Sequence[tuple[int, str]]) -> None:
        for establishment_id, platform in jobs:
            await self.schedule("push", establishment_id, platform, self.debounce)

    async def schedule(self, kind: str, establishment_id: int, platform: str, delay: float) -> None:
        name = JOBS[kind][1]
        await self.pool.enqueue_job(name, establishment_id, platform, _job_id=job_id(kind, establishment_id, platform),
                                    _defer_by=delay or None, _queue_name=QUEUE)


def _follow(ctx: dict[str, Any], establishment_id: int, platform: str, nxt: Next) -> None:
    """Note what to run next; `after_job` enqueues it once arq has released this job's id
    (enqueueing the same id from inside the job would be refused while it runs)."""
    follow = ctx.setdefault("follow", [])
    if nxt.push_in is not None:
        follow.append(("push", establishment_id, platform, nxt.push_in))
    if nxt.verify_in is not None:
        follow.append(("verify", establishment_id, platform, nxt.verify_in))
    if nxt.feed_in is not None:
        follow.append(("feed", nxt.feed_org if nxt.feed_org is not None else establishment_id, platform, nxt.feed_in))


async def sync_push(ctx: dict[str, Any], establishment_id: int, platform: str) -> None:
    _follow(ctx, establishment_id, platform, await engine.push(ctx["deps"], establishment_id, platform))


async def sync_verify(ctx: dict[str, Any], establishment_id: int, platform: str) -> None:
    _follow(ctx, establishment_id, platform, await engine.verify(ctx["deps"], establishment_id, platform))


async def sync_feed(ctx: dict[str, Any], organisation_id: int, platform: str) -> None:
    nxt = await feeds.deliver_feed(ctx["deps"], organisation_id, platform)
    _follow(ctx, organisation_id, platform, nxt)


async def after_job(ctx: dict[str, Any]) -> None:
    for kind, establishment_id, platform, delay in ctx.pop("follow", []):
        await ctx["dispatcher"].schedule(kind, establishment_id, platform, delay)


async def reconcile(ctx: dict[str, Any]) -> int:
    """Enqueue every target the database says is due (arq drops ids already queued)."""
    deps: Deps = ctx["deps"]
    async with unit_of_work(deps.sessionmaker) as session:
        due = await repo.due(session, utcnow())
    for establishment_id, platform, kind in due:
        await ctx["dispatcher"].schedule(kind, establishment_id, platform, 0.0)
    if due:
        log.info("sync.reconcile.enqueued count=%d", len(due))
    return len(due)
