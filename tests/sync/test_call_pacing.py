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


async def test_every_call_after_the_admission_takes_a_token_and_exempt_calls_none() -> None:
    limiter = CountingLimiter()
    pacer = CallPacer(limiter, Limit("apple:1", Quota(1000, 1)), exempt=("/oauth2/token",))
    token = PACER.set(pacer)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
            await request(client, "POST", "https://x/api/v1/oauth2/token")  # exempt
            await request(client, "GET", "https://x/api/v1/orgs/1/locations")  # the admission's slot
            await request(client, "POST", "https://x/api/v1/orgs/1/locations")  # a token of its own
            await request(client, "GET", "https://x/api/v1/orgs/1/locations/9")  # and another
    finally:
        PACER.reset(token)
    assert (pacer.calls, pacer.exempt_calls, limiter.reserved) == (3, 1, 2)


async def test_calls_beyond_the_quota_wait_for_the_slot_the_limiter_books() -> None:
    limiter = LocalLimiter()
    limit = Limit("facebook:1", Quota(20, 1))  # one call every 51 ms (at 98 %)
    pacer = CallPacer(limiter, limit, prepaid=0)
    token = PACER.set(pacer)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
            for _ in range(5):
                await request(client, "GET", "https://graph/v25.0/1")
    finally:
        PACER.reset(token)
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
        pacer = CallPacer(limiter, limit, prepaid=0)
        token = PACER.set(pacer)
        try:
            async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
                await request(client, "GET", "https://apple/api/v1/orgs/1/locations/9")
        finally:
            PACER.reset(token)
        sent.append(time.monotonic())

    tasks = [asyncio.ensure_future(call()) for _ in range(20)]
    await asyncio.sleep(0.02)  # every call has booked its slot and sleeps: 0, 0.1, ... 1.9 s
    time.sleep(1.5)  # the loop stalls past fifteen of them (a long synchronous step)
    await asyncio.gather(*tasks)
    sent.sort()
    # without rebooking, the fifteen calls due during the stall leave within a few ms of each
    # other, and Apple sees nineteen in one second; with it, only those woken within LATE of
    # their slot (LATE / interval of them) leave with the first one booked anew
    assert max(sum(1 for t in sent if s <= t < s + 0.05) for s in sent) <= 1 + LATE / limit.interval + 1, sent
    assert max(sum(1 for t in sent if s <= t < s + 1) for s in sent) <= 15, sent


async def test_an_admission_slot_gone_stale_is_not_used() -> None:
    """The admission's slot pays the first call only if that call comes within LATE of it."""
    limiter = CountingLimiter()
    pacer = CallPacer(limiter, Limit("apple:1", Quota(15, 1)), admitted=time.monotonic() - 2 * LATE)
    token = PACER.set(pacer)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(app)) as client:
            await request(client, "GET", "https://x/api/v1/orgs/1/locations")
    finally:
        PACER.reset(token)
    assert (pacer.calls, pacer.prepaid, limiter.reserved) == (1, 0, 1)
