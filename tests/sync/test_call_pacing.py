"""One quota token per HTTP call: `connectors.http.request` awaits the engine's `CallPacer`."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from connectors.base import Quota
from connectors.http import PACER, request
from service.sync.limiter import LATE, CallPacer, Limit, LocalLimiter


class CountingLimiter(LocalLimiter):
    def __init__(self) -> None:
        super().__init__()
        self.reserved = 0

    async def reserve(self, limit: Limit, max_wait: float) -> float | None:
        self.reserved += 1
        return await super().reserve(limit, max_wait)


def app(request_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


async def send(pacer: CallPacer, *calls: tuple[str, str]) -> None:
    """Send each (method, url) through `connectors.http.request` with `pacer` set, as the engine does."""
    token = PACER.set(pacer)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
            for method, url in calls:
                await request(client, method, url)
    finally:
        PACER.reset(token)


async def test_every_call_after_the_admission_takes_a_token_and_exempt_calls_none() -> None:
    limiter = CountingLimiter()
    pacer = CallPacer(limiter, Limit("apple:1", Quota(1000, 1)), exempt=("/oauth2/token",))
    await send(pacer, ("POST", "https://x/api/v1/oauth2/token"),  # exempt
               ("GET", "https://x/api/v1/orgs/1/locations"),  # the admission's slot
               ("POST", "https://x/api/v1/orgs/1/locations"),  # a token of its own
               ("GET", "https://x/api/v1/orgs/1/locations/9"))  # and another
    assert (pacer.calls, pacer.exempt_calls, limiter.reserved) == (3, 1, 2)


async def test_calls_beyond_the_quota_wait_for_the_slot_the_limiter_books() -> None:
    limiter = LocalLimiter()
    limit = Limit("facebook:1", Quota(20, 1))  # one call every 51 ms (at 98 %)
    pacer = CallPacer(limiter, limit, prepaid=0)
    await send(pacer, *[("GET", "https://graph/v25.0/1")] * 5)
    # five slots booked back to back: the next free one is five intervals after the first
    next_free = limiter._tat[limit.key]
    assert pacer.calls == 5 and pacer.slept > 3 * limit.interval
    assert await limiter.reserve(limit, 10.0) == pytest.approx(next_free - time.monotonic(), abs=0.02)


async def test_no_pacer_outside_the_engine() -> None:
    assert PACER.get() is None
    async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
        assert (await request(client, "GET", "https://x/")).status_code == 200


async def test_calls_released_together_by_a_stalled_loop_leave_spaced() -> None:
    """Calls due while the event loop was blocked do not all leave when it unblocks: each woken
    more than LATE after its slot books another, so they go out about one interval apart."""
    limiter = LocalLimiter()
    limit = Limit("apple:1", Quota(15, 1))  # one call every 0.1 s
    sent: list[float] = []

    async def call() -> None:
        await send(CallPacer(limiter, limit, prepaid=0), ("GET", "https://apple/api/v1/orgs/1/locations/9"))
        sent.append(time.monotonic())

    tasks = [asyncio.ensure_future(call()) for _ in range(20)]
    await asyncio.sleep(0.02)  # every call has booked its slot and sleeps: 0, 0.1, ... 1.9 s
    time.sleep(1.5)  # the loop stalls past fifteen of them (a long synchronous step)
    await asyncio.gather(*tasks)
    sent.sort()
    # without rebooking, the fifteen calls due during the stall leave within a few ms of each
    # other, and Apple sees nineteen in one second; with it, only the first one booked anew and
    # those woken within LATE of their slot leave together (3 here, 6 allowed for a busy machine
    # that stamps late)
    assert LATE / limit.interval < 3
    assert max(sum(1 for t in sent if s <= t < s + 0.05) for s in sent) <= 6, sent
    assert max(sum(1 for t in sent if s <= t < s + 1) for s in sent) <= 15, sent


async def test_an_admission_slot_gone_stale_is_not_used() -> None:
    """The admission's slot pays the first call only if that call comes within LATE of it."""
    limiter = CountingLimiter()
    pacer = CallPacer(limiter, Limit("apple:1", Quota(15, 1)), admitted=time.monotonic() - 2 * LATE)
    await send(pacer, ("GET", "https://x/api/v1/orgs/1/locations"))
    assert (pacer.calls, pacer.prepaid, limiter.reserved) == (1, 0, 1)
