import pytest
from redis.asyncio import Redis

from connectors.base import Quota
from service.sync.limiter import JITTER, SAFETY, Limit, LocalLimiter, RedisLimiter


@pytest.fixture
async def redis(redis_url):
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.mark.parametrize("kind", ["local", "redis"])
async def test_reservations_are_paced_at_the_quota(kind, redis):
    limiter = LocalLimiter() if kind == "local" else RedisLimiter(redis)
    limit = Limit("google:1", Quota(300, 60))  # one every 0.2 s, run at 98 %
    waits = [await limiter.reserve(limit, max_wait=10) for _ in range(6)]
    interval = 0.2 / SAFETY
    assert waits[0] == pytest.approx(0, abs=0.01)
    for i, wait in enumerate(waits):
        # each booking is one interval after the previous one (minus the time the calls took)
        assert wait == pytest.approx(i * interval, abs=0.03)


@pytest.mark.parametrize("kind", ["local", "redis"])
async def test_a_slot_too_far_out_is_not_booked(kind, redis):
    limiter = LocalLimiter() if kind == "local" else RedisLimiter(redis)
    limit = Limit("google:loc:1", Quota(10, 60))  # one every ~6.1 s
    assert await limiter.reserve(limit, max_wait=5) == pytest.approx(0, abs=0.01)
    assert await limiter.reserve(limit, max_wait=5) is None  # would wait ~6 s: refused
    second = await limiter.reserve(limit, max_wait=10)  # the refusal booked nothing
    assert second == pytest.approx(6 / SAFETY, abs=0.05)


async def test_redis_limiter_is_shared_between_instances(redis):
    a, b = RedisLimiter(redis), RedisLimiter(redis)
    limit = Limit("apple:1", Quota(15, 1))
    first = await a.reserve(limit, 5)
    second = await b.reserve(limit, 5)
    assert first == pytest.approx(0, abs=0.01)
    assert second == pytest.approx(limit.interval, abs=0.02)


def test_a_short_window_leaves_room_for_a_late_request() -> None:
    """At 98 % of 15 a second, a request 20 ms late makes 16 in Apple's one-second window; the
    pace leaves JITTER seconds of room in the window. Long windows keep the 98 %."""
    assert Limit("apple:1", Quota(15, 1)).interval == pytest.approx((1 + JITTER) / 15)
    # slots booked in a window stretched by a late request: still at most Apple's 15
    assert (1 + JITTER) / Limit("apple:1", Quota(15, 1)).interval <= 15 + 1e-9
    assert Limit("google:1", Quota(300, 60)).interval == pytest.approx(0.2 / SAFETY)
