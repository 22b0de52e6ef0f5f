"""Embedded mode: the same job functions, run in-process by asyncio tasks.

Used when no `VITRINE_REDIS_URL` is set (the demo, a single-machine install). Jobs are keyed
like arq's (kind, establishment, platform): a key already queued is not queued twice, and a
key requested while it runs runs once more afterwards, with the newest state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from service.campaigns import service as campaigns
from service.db import unit_of_work
from service.models import utcnow
from service.notifications import tasks as notification_tasks
from service.sources import tasks as source_tasks
from service.sync import engine, feeds
from service.sync import repository as repo
from service.sync.engine import Deps, Next
from service.webhooks import tasks as webhook_tasks

PERIODIC = (source_tasks.tick, webhook_tasks.tick, notification_tasks.tick)  # integrations, each reconcile pass

log = logging.getLogger("vitrine.sync")
Key = tuple[str, int, str]


class LocalRunner:
    def __init__(self, deps: Deps, concurrency: int = 16, reconcile_seconds: float = 30.0, debounce: float = 0.0):
        self.deps = deps
        self.debounce = debounce
        self.concurrency = concurrency
        self.reconcile_seconds = reconcile_seconds
        self._queue: asyncio.Queue[Key] = asyncio.Queue()
        self._scheduled: set[Key] = set()
        self._running: set[Key] = set()
        self._again: set[Key] = set()
        self._timers: dict[Key, asyncio.TimerHandle] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._campaigns: dict[str, asyncio.Task[object]] = {}

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._reconcile_forever()))

    async def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        for running in self._campaigns.values():
            running.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def enqueue(self, jobs: Sequence[tuple[int, str]]) -> None:
        for establishment_id, platform in jobs:
            await self.schedule("push", establishment_id, platform, self.debounce)

    async def schedule(self, kind: str, establishment_id: int, platform: str, delay: float) -> None:
        key = (kind, establishment_id, platform)
        if key in self._running:
            self._again.add(key)
            return
        loop = asyncio.get_running_loop()
        if key in self._scheduled:
            timer = self._timers.get(key)
            if timer is None or timer.when() <= loop.time() + delay:
                return  # already queued, or due sooner than this request
            timer.cancel()  # a sooner request wins (a review poll replacing a drift check)
        self._scheduled.add(key)
        if delay > 0:
            self._timers[key] = loop.call_later(delay, self._release, key)
        else:
            self._timers.pop(key, None)
            self._queue.put_nowait(key)

    async def schedule_campaign(self, organisation_id: int, campaign_id: str, when: datetime) -> None:
        running = self._campaigns.get(campaign_id)
        if running is not None and not running.done():
            return
        delay = max(0.0, (when - utcnow()).total_seconds())

        async def _later() -> object:
            await asyncio.sleep(delay)
            return await campaigns.apply_when_due(self.deps.sessionmaker, organisation_id, campaign_id)

        self._campaigns[campaign_id] = asyncio.create_task(_later())

    def _release(self, key: Key) -> None:
        self._timers.pop(key, None)
        self._queue.put_nowait(key)

    @property
    def busy(self) -> int:
        """Jobs queued or running now (deferred ones not counted)."""
        return self._queue.qsize() + len(self._running)

    async def _work(self) -> None:
        while True:
            key = await self._queue.get()
            self._scheduled.discard(key)
            self._running.add(key)
            kind, establishment_id, platform = key
            try:
                run = {"push": engine.push_and_read_back, "verify": engine.verify, "feed": feeds.deliver_feed}[kind]
                nxt = await run(self.deps, establishment_id, platform)  # for "feed", the id is the organisation's
            except Exception:
                log.exception("sync.job.crashed kind=%s establishment=%s platform=%s", *key)
                nxt = Next(push_in=self.deps.settings.sync_backoff_base) if kind == "push" else Next()
            finally:
                self._running.discard(key)
            if key in self._again:
                self._again.discard(key)
                await self.schedule(kind, establishment_id, platform, 0.0)
            if nxt.push_in is not None:
                await self.schedule("push", establishment_id, platform, nxt.push_in)
            if nxt.verify_in is not None:
                await self.schedule("verify", establishment_id, platform, nxt.verify_in)
            if nxt.feed_in is not None:
                await self.schedule("feed", nxt.feed_org if nxt.feed_org is not None else establishment_id, platform,
                                    nxt.feed_in)

    async def reconcile(self) -> int:
        async with unit_of_work(self.deps.sessionmaker) as session:
            due = await repo.due(session, utcnow())
        for establishment_id, platform, kind in due:
            await self.schedule(kind, establishment_id, platform, 0.0)
        async with unit_of_work(self.deps.sessionmaker) as session:
            due_campaigns = await campaigns.due(session)
        for organisation_id, campaign_id in due_campaigns:
            await self.schedule_campaign(organisation_id, campaign_id, utcnow())
        return len(due) + len(due_campaigns)

    async def _reconcile_forever(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception:
                log.exception("sync.reconcile.failed")
            for periodic in PERIODIC:
                try:
                    await periodic(self.deps)
                except Exception:
                    log.exception("integrations.tick.failed")
            await asyncio.sleep(self.reconcile_seconds)
