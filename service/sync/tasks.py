"""arq jobs: the only module that knows arq.

Job ids are fixed per target (`sync:{establishment}:{platform}`), so rapid edits coalesce into
one push of the latest state; arq refuses a second job with an id that is queued or running,
and the push re-checks the wanted revision after it finishes. Retries and read-backs are
arq jobs deferred by the engine's backoff (`_defer_by`), enqueued by `after_job` once the
running job has released its id; a read-back due at once (the push landed live) runs in the
push's own job. Enqueueing is one Lua call per batch of jobs, with arq's own keys and refusal
rules. The reconciler cron re-enqueues whatever the database says is due, so a Redis that
loses everything loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from arq import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from service import jobs, logs
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


# arq's enqueue_job for many jobs in one round trip: a job whose id is new is stored and queued
# exactly as arq stores it. One whose id is taken (queued, running: its job key lives until it
# ends, or with a result) is not queued twice, as arq refuses it, with one difference: a job
# waiting for a later time is brought forward to the sooner one (the embedded runner does the
# same). Without it, a read-back due in a minute (a listing just re-pushed, under review) was
# refused while the 6-hour drift check of the same listing held the id, and waited 6 hours.
# KEYS: queue, then (job key, result key) per job; ARGV: (job id, score, expiry in ms, serialized
# job) per job. Returns how many were queued or brought forward.
_ENQUEUE = """
local queued = 0
for i = 0, (#KEYS - 1) / 2 - 1 do
  local job_key, result_key = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  if redis.call('EXISTS', job_key, result_key) == 0 then
    redis.call('PSETEX', job_key, ARGV[3 + 4 * i], ARGV[4 + 4 * i])
    redis.call('ZADD', KEYS[1], ARGV[2 + 4 * i], ARGV[1 + 4 * i])
    queued = queued + 1
  else
    queued = queued + redis.call('ZADD', KEYS[1], 'XX', 'LT', 'CH', ARGV[2 + 4 * i], ARGV[1 + 4 * i])
  end
end
return queued
"""
BATCH = 500


class ArqDispatcher:
    def __init__(self, pool: ArqRedis, debounce: float = 0.0):
        self.pool = pool
        self.debounce = debounce
        self._enqueue = pool.register_script(_ENQUEUE)

    async def enqueue(self, jobs: Sequence[tuple[int, str]]) -> None:
        await self.schedule_many([("push", establishment_id, platform, self.debounce)
                                  for establishment_id, platform in jobs])

    async def schedule_many(self, jobs: Sequence[tuple[str, int, str, float]]) -> int:
        """Enqueue (kind, id, platform, delay) jobs with their fixed ids as `ArqRedis.enqueue_job`
        would, one by one (same keys, expiry and serialization), but `BATCH` per round trip:
        a bulk write of 1,000 sites on 10 platforms is 20 round trips, not 40,000."""
        queued = 0
        for start in range(0, len(jobs), BATCH):
            keys: list[str] = [QUEUE]
            args: list[Any] = []
            now_ms = timestamp_ms()
            for kind, key, platform, delay in jobs[start:start + BATCH]:
                jid = job_id(kind, key, platform)
                defer_ms = round(delay * 1000) if delay else 0
                keys += [job_key_prefix + jid, result_key_prefix + jid]
                args += [jid, now_ms + defer_ms, defer_ms + self.pool.expires_extra_ms,
                         serialize_job(JOBS[kind][1], (key, platform), {}, None, now_ms,
                                       serializer=self.pool.job_serializer)]
            queued += int(await self._enqueue(keys=keys, args=args))
        return queued

    async def defer(self, job: str, args: tuple[Any, ...], *, job_id: str, when: datetime) -> None:
        await self.pool.enqueue_job(job, *args, _job_id=job_id, _defer_until=when, _queue_name=QUEUE)

    async def schedule(self, kind: str, establishment_id: int, platform: str, delay: float) -> None:
        await self.schedule_many([(kind, establishment_id, platform, delay)])


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
    logs.bind(job=job_id("push", establishment_id, platform), platform=platform, site=establishment_id)
    _follow(ctx, establishment_id, platform, await engine.push_and_read_back(ctx["deps"], establishment_id, platform))


async def sync_verify(ctx: dict[str, Any], establishment_id: int, platform: str) -> None:
    logs.bind(job=job_id("verify", establishment_id, platform), platform=platform, site=establishment_id)
    _follow(ctx, establishment_id, platform, await engine.verify(ctx["deps"], establishment_id, platform))


async def sync_feed(ctx: dict[str, Any], organisation_id: int, platform: str) -> None:
    logs.bind(job=job_id("feed", organisation_id, platform), platform=platform, organisation=organisation_id)
    nxt = await feeds.deliver_feed(ctx["deps"], organisation_id, platform)
    _follow(ctx, organisation_id, platform, nxt)


async def after_job(ctx: dict[str, Any]) -> None:
    follow = ctx.pop("follow", [])
    if follow:
        await ctx["dispatcher"].schedule_many(follow)


async def reconcile(ctx: dict[str, Any]) -> int:
    """Enqueue every target the database says is due (ids already queued or running are refused)."""
    deps: Deps = ctx["deps"]
    async with unit_of_work(deps.sessionmaker) as session:
        due = await repo.due(session, utcnow())
    queued = await ctx["dispatcher"].schedule_many([(kind, e, p, 0.0) for e, p, kind in due])
    if queued:
        log.info("sync.reconcile.enqueued count=%d due=%d", queued, len(due))
    return len(due)


# Push, read-back and feed jobs retry through the engine's own backoff, never arq's tries. The
# in-process runner runs these three by their keys (coalescing), and the others by name.
TASKS = jobs.Tasks(jobs=(jobs.Job(sync_push, max_tries=1_000_000), jobs.Job(sync_verify, max_tries=1_000_000),
                         jobs.Job(sync_feed, max_tries=1_000_000)),
                   crons=(jobs.Cron(reconcile, every=lambda s: s.reconcile_seconds),))
