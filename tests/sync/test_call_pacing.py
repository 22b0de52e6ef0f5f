"""One quota token per HTTP call: `connectors.http.request` awaits the engine's `CallPacer`."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.base import Quota
from connectors.http import PACER, request
from service.sync.limiter import CallPacer, Limit, LocalLimiter


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
