"""arq jobs: the only module that knows arq.

Job ids are fixed per target (`sync:{establishment}:{platform}`), so rapid edits coalesce into
one push of the latest state; arq refuses a second job with an id that is queued or running,
and the push re-checks the wanted revision after it finishes. Retries and read-backs are
arq jobs deferred by the engine's backoff (`_defer_by`), enqueued by `after_job` once the
running job has released its id; a read-back due at once (the push landed live) runs in the
push's own job. Enqueueing is one Lua call per batch of jobs, with arq's own keys and refusal
rules; a job with an organisation also enters the fair index the worker claims from
(`service/sync/fair.py`). The reconciler cron re-enqueues whatever the database says is due, so
a Redis that loses everything loses nothing.
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
from service.sync import engine, fair, feeds
from service.sync import repository as repo
from service.sync.engine import Deps, Next
from service.sync.fair import Scheduled

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
# A job with an organisation is also written to the fair index (`service/sync/fair.py`): a new
# one at its score, its organisation taking its turn no later than that; a taken one only when
# brought forward, or when the index lacks it. A finished job's entry goes (or follows arq's
# score, if arq kept the job to retry it), its organisation's turn comes no later than its next
# entry (or it leaves the set), and the jobs it asked for without an organisation take its
# organisation (a read-back after a push).
# KEYS: queue, orgs, owner, then (job key, result key) per job; ARGV: index prefix, the finished
# job's id or '', now (ms), then (job id, score, expiry in ms, serialized job, organisation or '') per job.
# Returns how many were queued or brought forward.
_ENQUEUE = """
local queue, orgs, owner, fair = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local inherited = false
if ARGV[2] ~= '' then
  inherited = redis.call('HGET', owner, ARGV[2])
  if inherited then
    local index, score = fair .. inherited, redis.call('ZSCORE', queue, ARGV[2])
    if score then
      redis.call('ZADD', index, score, ARGV[2])
    else
      redis.call('ZREM', index, ARGV[2])
      redis.call('HDEL', owner, ARGV[2])
    end
    local head = redis.call('ZRANGE', index, 0, 0, 'WITHSCORES')
    if #head == 0 then
      redis.call('ZREM', orgs, inherited)
    else
      redis.call('ZADD', orgs, 'LT', math.max(tonumber(head[2]), tonumber(ARGV[3])), inherited)
    end
  end
end
local queued = 0
for i = 0, (#KEYS - 3) / 2 - 1 do
  local job_key, result_key, a = KEYS[4 + 2 * i], KEYS[5 + 2 * i], 4 + 5 * i
  local id, score, org = ARGV[a], ARGV[a + 1], ARGV[a + 4]
  if org == '' then org = inherited end
  if redis.call('EXISTS', job_key, result_key) == 0 then
    redis.call('PSETEX', job_key, ARGV[a + 2], ARGV[a + 3])
    redis.call('ZADD', queue, score, id)
    queued = queued + 1
    if org then
      redis.call('ZADD', fair .. org, score, id)
      redis.call('HSET', owner, id, org)
      redis.call('ZADD', orgs, 'LT', score, org)
    end
  else
    local moved = redis.call('ZADD', queue, 'XX', 'LT', 'CH', score, id)
    queued = queued + moved
    local held = redis.call('ZSCORE', queue, id)
    if org and held then
      local how = moved == 1 and 'LT' or 'NX'
      redis.call('ZADD', fair .. org, how, held, id)
      redis.call('HSET', owner, id, org)
      redis.call('ZADD', orgs, how, held, org)
    end
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

    async def enqueue(self, jobs: Sequence[tuple[int, str]], organisation_id: int | None) -> None:
        await self.schedule_many([("push", establishment_id, platform, self.debounce, organisation_id)
                                  for establishment_id, platform in jobs])

    async def schedule_many(self, jobs: Sequence[Scheduled], *, finished: str | None = None) -> int:
        """Enqueue (kind, id, platform, delay, organisation) jobs with their fixed ids as
        `ArqRedis.enqueue_job` would, one by one (same keys, expiry and serialization), but
        `BATCH` per round trip: a bulk write of 1,000 sites on 10 platforms is 20 round trips,
        not 40,000. `finished`: the id of the job that asked for these (`after_job`)."""
        queued = 0
        for start in range(0, max(len(jobs), 1 if finished else 0), BATCH):  # a job asks for 3 at most: one batch
            keys: list[str] = [QUEUE, fair.ORGS, fair.OWNER]
            now_ms = timestamp_ms()
            args: list[Any] = [fair.INDEX, finished or "", now_ms]
            for kind, key, platform, delay, org in jobs[start:start + BATCH]:
                jid = job_id(kind, key, platform)
                defer_ms = round(delay * 1000) if delay else 0
                keys += [job_key_prefix + jid, result_key_prefix + jid]
                args += [jid, now_ms + defer_ms, defer_ms + self.pool.expires_extra_ms,
                         serialize_job(JOBS[kind][1], (key, platform), {}, None, now_ms,
                                       serializer=self.pool.job_serializer), "" if org is None else org]
            queued += int(await self._enqueue(keys=keys, args=args))
        return queued

    async def defer(self, job: str, args: tuple[Any, ...], *, job_id: str, when: datetime) -> None:
        await self.pool.enqueue_job(job, *args, _job_id=job_id, _defer_until=when, _queue_name=QUEUE)

    async def schedule(self, kind: str, establishment_id: int, platform: str, delay: float,
                       org: int | None = None) -> None:
        await self.schedule_many([(kind, establishment_id, platform, delay, org)])


def _follow(ctx: dict[str, Any], establishment_id: int, platform: str, nxt: Next) -> None:
    """Note what to run next; `after_job` enqueues it once arq has released this job's id
    (enqueueing the same id from inside the job would be refused while it runs)."""
    follow = ctx.setdefault("follow", [])
    if nxt.push_in is not None:
        follow.append(("push", establishment_id, platform, nxt.push_in, None))
    if nxt.verify_in is not None:
        follow.append(("verify", establishment_id, platform, nxt.verify_in, None))
    if nxt.feed_in is not None:  # a feed job's key is its organisation
        org = nxt.feed_org if nxt.feed_org is not None else establishment_id
        follow.append(("feed", org, platform, nxt.feed_in, org))


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
    """Enqueue what the job asked for; a sync job also settles its entry in the fair index (gone
    once arq finished it, at arq's new score if arq kept it to retry)."""
    follow = ctx.pop("follow", [])
    finished = str(ctx.get("job_id") or "")
    ours = finished.split(":", 1)[0] in {prefix for prefix, _ in JOBS.values()}
    if follow or ours:
        await ctx["dispatcher"].schedule_many(follow, finished=finished if ours else None)


async def reconcile(ctx: dict[str, Any]) -> int:
    """Enqueue every target the database says is due (ids already queued or running are refused)."""
    deps: Deps = ctx["deps"]
    async with unit_of_work(deps.sessionmaker) as session:
        due = await repo.due(session, utcnow())
    queued = await ctx["dispatcher"].schedule_many([(kind, e, p, 0.0, org) for e, p, kind, org in due])
    if queued:
        log.info("sync.reconcile.enqueued count=%d due=%d", queued, len(due))
    return len(due)


# Push, read-back and feed jobs retry through the engine's own backoff, never arq's tries. The
# in-process runner runs these three by their keys (coalescing), and the others by name.
TASKS = jobs.Tasks(jobs=(jobs.Job(sync_push, max_tries=1_000_000), jobs.Job(sync_verify, max_tries=1_000_000),
                         jobs.Job(sync_feed, max_tries=1_000_000)),
                   crons=(jobs.Cron(reconcile, every=lambda s: s.reconcile_seconds),))
