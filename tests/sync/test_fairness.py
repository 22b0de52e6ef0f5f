"""Fair scheduling across organisations (issue 12): the arq worker's claim on a real Redis, and
the embedded runner's queue. Which ids are claimed, in which order; no clocks."""

import asyncio
from types import SimpleNamespace

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix, job_key_prefix
from arq.utils import timestamp_ms

from service.jobs import Tasks
from service.sync import engine, fair
from service.sync.engine import Next
from service.sync.runner import LocalRunner
from service.sync.tasks import QUEUE, ArqDispatcher, job_id

LEASE = 130_000
A, B, C = 1, 2, 3


@pytest.fixture
async def pool(redis_url):
    client = await create_pool(RedisSettings.from_dsn(redis_url))
    yield client
    await client.aclose()


@pytest.fixture
def dispatcher(pool):
    return ArqDispatcher(pool, debounce=0.0)


def site(org: int, n: int) -> int:
    """Establishment ids by organisation: 100,000 x org + n, so a job id tells its organisation."""
    return org * 100_000 + n


def org_of(jid: str) -> int:
    return int(jid.split(":")[1]) // 100_000


async def enqueue(dispatcher: ArqDispatcher, org: int, count: int, start: int = 0) -> None:
    await dispatcher.enqueue([(site(org, n), "google") for n in range(start, start + count)], org)


async def claim(pool, free: int, *, now: int | None = None, read: list | None = None) -> list[str]:
    """One poll of a worker with `free` slots: arq's read (its default limit), then the claim."""
    now = now if now is not None else timestamp_ms() + 1
    if read is None:
        read = await pool.zrangebyscore(QUEUE, min=float("-inf"), max=now, start=0, num=max(free * 5, 100))
    claimed = await fair.claim(pool.register_script(fair.CLAIM), QUEUE, now_ms=now, lease_ms=LEASE, free=free,
                               running_prefix=in_progress_key_prefix, read=read)
    return [jid for jid, _ in claimed]


async def finish(pool, jid: str) -> None:
    """What arq does when a job ends for good: out of the queue, its keys gone."""
    await pool.zrem(QUEUE, jid)
    await pool.delete(job_key_prefix + jid, in_progress_key_prefix + jid)


async def test_one_change_is_claimed_in_the_first_round_behind_a_backlog_of_a_thousand(pool, dispatcher):
    await enqueue(dispatcher, A, 1000)
    await enqueue(dispatcher, B, 1)
    change = job_id("push", site(B, 0), "google")
    read = await pool.zrangebyscore(QUEUE, min=float("-inf"), max=timestamp_ms() + 1, start=0, num=100)
    assert change.encode() not in read  # arq alone would claim the thousand first
    claimed = await claim(pool, 16, read=read)
    assert len(claimed) == 16
    assert change in claimed[:2]
    assert [org_of(j) for j in claimed].count(A) == 15
    # A's jobs still come in A's own order
    assert [j for j in claimed if org_of(j) == A] == [job_id("push", site(A, n), "google") for n in range(15)]


async def test_three_organisations_take_turns_and_the_rotation_carries_over_polls(pool, dispatcher):
    for org in (A, B, C):
        await enqueue(dispatcher, org, 10)
    now = timestamp_ms() + 1
    assert [org_of(j) for j in await claim(pool, 4, now=now)] == [A, B, C, A]
    # the next poll (any worker: the turns are in Redis) starts with the least recently served
    assert [org_of(j) for j in await claim(pool, 5, now=now + 50)] == [B, C, A, B, C]
    assert [org_of(j) for j in await claim(pool, 3, now=now + 100)] == [A, B, C]


async def test_a_job_no_organisation_owns_takes_a_turn_too(pool, dispatcher):
    await enqueue(dispatcher, A, 50)
    await pool.enqueue_job("campaign_apply", 1, "c", _job_id="campaign:1:c", _queue_name=QUEUE)
    read = await pool.zrangebyscore(QUEUE, min=float("-inf"), max=timestamp_ms() + 1, start=0, num=100)
    assert read[-1] == b"campaign:1:c"  # arq reads it last, behind the backlog
    assert "campaign:1:c" in (await claim(pool, 3, read=read))[:2]


async def test_finished_jobs_leave_the_index_and_idle_organisations_leave_the_set(pool, dispatcher):
    await enqueue(dispatcher, A, 1)
    await enqueue(dispatcher, B, 2)
    a0, b0, b1 = job_id("push", site(A, 0), "google"), job_id("push", site(B, 0), "google"), \
        job_id("push", site(B, 1), "google")
    await finish(pool, a0)  # gone from arq's queue without the worker's after-job (a lost Redis reply)
    assert await claim(pool, 1) == [b0]
    assert await pool.zrange(fair.INDEX + str(A), 0, -1) == []
    assert await pool.hget(fair.OWNER, a0) is None
    assert float(A) not in [float(o) for o in await pool.zrange(fair.ORGS, 0, -1)]
    # a job that ends through the worker settles its entry at once (`after_job`)
    await finish(pool, b0)
    await dispatcher.schedule_many([], finished=b0)
    assert await pool.zrange(fair.INDEX + str(B), 0, -1) == [b1.encode()]
    await finish(pool, b1)
    await dispatcher.schedule_many([], finished=b1)
    assert await pool.exists(fair.INDEX + str(B)) == 0
    assert await pool.zcard(fair.ORGS) == 0
    assert await pool.hlen(fair.OWNER) == 0


async def test_a_running_job_ended_without_cleanup_is_dropped_when_its_lease_ends(pool, dispatcher):
    await enqueue(dispatcher, A, 1)
    a0 = job_id("push", site(A, 0), "google")
    now = timestamp_ms() + 1
    assert await claim(pool, 2, now=now) == [a0]
    assert await claim(pool, 2, now=now + 10) == []  # running: parked, not claimed twice
    await finish(pool, a0)
    assert await claim(pool, 2, now=now + LEASE + 1, read=[]) == []
    assert await pool.zcard(fair.ORGS) == 0 and await pool.hlen(fair.OWNER) == 0


async def test_a_job_arq_retries_stays_claimable_at_arqs_new_score(pool, dispatcher):
    await enqueue(dispatcher, A, 1)
    a0 = job_id("push", site(A, 0), "google")
    now = timestamp_ms() + 1
    assert await claim(pool, 1, now=now) == [a0]
    # arq's retry (Retry(defer=5 s), or a cancelled job): the job stays queued, re-scored, not running
    await pool.zincrby(QUEUE, 5000, a0)
    await pool.delete(in_progress_key_prefix + a0)
    await dispatcher.schedule_many([], finished=a0)
    assert await pool.zscore(fair.INDEX + str(A), a0) == await pool.zscore(QUEUE, a0)
    assert await claim(pool, 1, now=now + 100, read=[]) == []  # not due yet
    assert await claim(pool, 1, now=now + 6000, read=[]) == [a0]  # by the fair pass alone


async def test_a_worker_killed_mid_job_leaves_its_job_claimable(pool, dispatcher):
    await enqueue(dispatcher, A, 1)
    a0 = job_id("push", site(A, 0), "google")
    now = timestamp_ms() + 1
    assert await claim(pool, 1, now=now) == [a0]
    await pool.delete(in_progress_key_prefix + a0)  # the lease ran out: arq would run it again
    assert await claim(pool, 1, now=now + LEASE + 1, read=[]) == [a0]


async def test_follow_up_jobs_take_the_organisation_of_the_job_that_asked(pool, dispatcher):
    await enqueue(dispatcher, B, 1)
    b0 = job_id("push", site(B, 0), "google")
    assert await claim(pool, 1) == [b0]
    await finish(pool, b0)
    await dispatcher.schedule_many([("verify", site(B, 0), "google", 0.0, None)], finished=b0)
    verify = job_id("verify", site(B, 0), "google")
    assert await pool.hget(fair.OWNER, verify) == str(B).encode()
    assert await pool.zrange(fair.INDEX + str(B), 0, -1) == [verify.encode()]


async def test_the_reconciler_re_enqueueing_a_backlog_does_not_move_its_turn(pool, dispatcher):
    await enqueue(dispatcher, A, 5)
    await enqueue(dispatcher, B, 5)
    now = timestamp_ms() + 1
    assert [org_of(j) for j in await claim(pool, 1, now=now)] == [A]
    # the reconciler finds A's and B's targets still due: the ids are taken, so nothing moves
    queued = await dispatcher.schedule_many([("push", site(org, n), "google", 0.0, org)
                                             for org in (A, B) for n in range(5)])
    assert queued == 0
    assert [org_of(j) for j in await claim(pool, 2, now=now + 50)] == [B, A]


async def test_the_reconciler_indexes_a_job_queued_without_its_organisation(pool, dispatcher):
    """A job queued before the index existed (or by a path that did not know the organisation)
    is claimable as work no organisation owns; the reconciler's re-enqueue gives it its turn."""
    await dispatcher.schedule_many([("push", site(A, 0), "google", 0.0, None)])
    a0 = job_id("push", site(A, 0), "google")
    assert await pool.hget(fair.OWNER, a0) is None and await pool.zcard(fair.ORGS) == 0
    assert await dispatcher.schedule_many([("push", site(A, 0), "google", 0.0, A)]) == 0  # the id is taken
    assert await pool.hget(fair.OWNER, a0) == str(A).encode()
    assert await pool.zscore(fair.INDEX + str(A), a0) == await pool.zscore(QUEUE, a0)
    assert await claim(pool, 1, read=[]) == [a0]  # found by the fair pass alone


# --- the embedded runner -------------------------------------------------------------------


async def run_order(monkeypatch, batches: list[tuple[int, int]]) -> list[int]:
    """Push jobs enqueued batch by batch (organisation, count) before a one-slot runner starts:
    the organisations of the pushes in the order the runner ran them."""
    order: list[int] = []
    total = sum(count for _, count in batches)
    done = asyncio.Event()

    async def push(deps, establishment_id, platform):
        order.append(establishment_id // 100_000)
        if len(order) == total:
            done.set()
        return Next()

    monkeypatch.setattr(engine, "push_and_read_back", push)
    runner = LocalRunner(SimpleNamespace(settings=None), Tasks(), concurrency=1)
    for org, count in batches:
        await runner.enqueue([(site(org, n), "google") for n in range(count)], org)
    await runner.start()
    try:
        await asyncio.wait_for(done.wait(), 30)
    finally:
        await runner.stop()
    return order


async def test_the_embedded_runner_runs_one_change_in_the_first_round_behind_a_backlog(monkeypatch):
    order = await run_order(monkeypatch, [(A, 1000), (B, 1)])
    assert order.index(B) <= 1
    assert len(order) == 1001


async def test_the_embedded_runner_serves_organisations_in_turn(monkeypatch):
    order = await run_order(monkeypatch, [(A, 3), (B, 3), (C, 3)])
    assert order == [A, B, C] * 3


async def test_a_real_worker_starts_the_change_at_its_first_free_slot(pool, dispatcher, redis_url):
    """arq's own poll loop around the claim: A's 300 pushes queued first, B's one after, a worker
    with 4 slots. B's push is among the first jobs started; every job runs once."""
    from arq.worker import func

    from service.sync.tasks import after_job
    from service.worker import VitrineWorker

    started: list[int] = []
    done = asyncio.Event()

    async def sync_push(ctx, establishment_id, platform):
        started.append(establishment_id)
        if len(started) == 301:
            done.set()
        await asyncio.sleep(0.01)

    await enqueue(dispatcher, A, 300)
    await enqueue(dispatcher, B, 1)
    worker = VitrineWorker(functions=[func(sync_push, name="sync_push", keep_result=0)], queue_name=QUEUE,
                           redis_pool=pool, max_jobs=4, poll_delay=0.01, keep_result=0, handle_signals=False,
                           after_job_end=after_job, ctx={"dispatcher": dispatcher})
    task = asyncio.create_task(worker.async_run())
    try:
        await asyncio.wait_for(done.wait(), 60)
        for _ in range(500):  # the last jobs' after_job
            if not await pool.zcard(QUEUE) and not await pool.hlen(fair.OWNER):
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert site(B, 0) in started[:5]
    assert sorted(started) == sorted([site(A, n) for n in range(300)] + [site(B, 0)])
    # every job finished through after_job: nothing is left in the index or the rotation
    assert await pool.hlen(fair.OWNER) == 0 and await pool.zcard(fair.ORGS) == 0
