"""Embedded mode: the same job functions, run in-process by asyncio tasks.

Used when no `VITRINE_REDIS_URL` is set (the demo, a single-machine install). Sync jobs are keyed
like arq's (kind, establishment, platform): a key already queued is not queued twice, and a
key requested while it runs runs once more afterwards, with the newest state. Queued keys wait
in a `FairQueue`: organisations are served in turn, as the arq worker's claim serves them. The other domains'
jobs and every cron come from the composed declaration (`service/tasks.py`) the runner is given:
this module knows no domain but sync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from service import logs
from service.jobs import Cron, Tasks
from service.models import utcnow
from service.sync import engine, feeds
from service.sync.engine import Deps, Next
from service.sync.fair import FairQueue, Scheduled

log = logging.getLogger("vitrine.sync")
Key = tuple[str, int, str]


class LocalRunner:
    def __init__(self, deps: Deps, tasks: Tasks, concurrency: int = 16, debounce: float = 0.0):
        self.deps = deps
        self.tasks = tasks
        self.jobs = {job.name: job.function for job in tasks.jobs}
        self.ctx: dict[str, Any] = {"deps": deps, "dispatcher": self, "settings": deps.settings}
        self.debounce = debounce
        self.concurrency = concurrency
        self._queue: FairQueue[Key] = FairQueue()
        self._org: dict[Key, int] = {}  # a queued or running key's organisation
        self._scheduled: set[Key] = set()
        self._running: set[Key] = set()
        self._again: set[Key] = set()
        self._timers: dict[Key, asyncio.TimerHandle] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._deferred: dict[str, asyncio.Task[object]] = {}

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        self._tasks += [asyncio.create_task(self._cron_forever(cron)) for cron in self.tasks.crons]

    async def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        for running in self._deferred.values():
            running.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def enqueue(self, jobs: Sequence[tuple[int, str]], organisation_id: int | None) -> None:
        for establishment_id, platform in jobs:
            await self.schedule("push", establishment_id, platform, self.debounce, organisation_id)

    async def schedule_many(self, jobs: Sequence[Scheduled], *, finished: str | None = None) -> int:
        for kind, key, platform, delay, org in jobs:
            await self.schedule(kind, key, platform, delay, org)
        return len(jobs)

    async def schedule(self, kind: str, establishment_id: int, platform: str, delay: float,
                       org: int | None = None) -> None:
        key = (kind, establishment_id, platform)
        if org is not None:
            self._org[key] = org
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
            self._queue.put_nowait(self._org.get(key), key)

    async def defer(self, job: str, args: tuple[Any, ...], *, job_id: str, when: datetime) -> None:
        """A declared job at `when`, once per `job_id` at a time (as arq refuses a taken id)."""
        running = self._deferred.get(job_id)
        if running is not None and not running.done():
            return
        function = self.jobs[job]
        delay = max(0.0, (when - utcnow()).total_seconds())

        async def _later() -> object:
            await asyncio.sleep(delay)
            try:
                return await function(self.ctx, *args)
            except Exception:
                log.exception("jobs.job.crashed job=%s id=%s", job, job_id)
                return None

        self._deferred[job_id] = asyncio.create_task(_later())

    def _release(self, key: Key) -> None:
        self._timers.pop(key, None)
        self._queue.put_nowait(self._org.get(key), key)

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
                where = {"organisation": establishment_id} if kind == "feed" else {"site": establishment_id}
                with logs.bound(job=f"{kind}:{establishment_id}:{platform}", platform=platform, **where):
                    nxt = await run(self.deps, establishment_id, platform)  # for "feed", the id is the organisation's
            except Exception:
                log.exception("sync.job.crashed kind=%s establishment=%s platform=%s", *key)
                nxt = Next(push_in=self.deps.settings.sync_backoff_base) if kind == "push" else Next()
            finally:
                self._running.discard(key)
            await self._follow(key, nxt)

    async def _follow(self, key: Key, nxt: Next) -> None:
        """Schedule what the job asked for, in its organisation (a feed's key is its own)."""
        kind, establishment_id, platform = key
        org = self._org.get(key)
        if key in self._again:
            self._again.discard(key)
            await self.schedule(kind, establishment_id, platform, 0.0, org)
        if nxt.push_in is not None:
            await self.schedule("push", establishment_id, platform, nxt.push_in, org)
        if nxt.verify_in is not None:
            await self.schedule("verify", establishment_id, platform, nxt.verify_in, org)
        if nxt.feed_in is not None:
            feed_org = nxt.feed_org if nxt.feed_org is not None else establishment_id
            await self.schedule("feed", feed_org, platform, nxt.feed_in, feed_org)
        if key not in self._scheduled:
            self._org.pop(key, None)

    async def reconcile(self) -> int:
        """Run every cron once now (the sync reconciler and the domains' sweeps)."""
        total = 0
        for cron in self.tasks.crons:
            total += int(await cron.function(self.ctx) or 0)
        return total

    async def _cron_forever(self, cron: Cron) -> None:
        while True:
            try:
                await cron.function(self.ctx)
            except Exception:
                log.exception("jobs.cron.failed cron=%s", cron.name)
            await asyncio.sleep(cron.every(self.deps.settings))
