"""Rate limiting shared by every worker: GCRA (generic cell rate algorithm).

Each limit is one key holding a theoretical arrival time (TAT). `reserve()` books the next free
slot atomically and returns how long to wait for it; callers sleep that long, then send. With
a burst of one slot this paces requests evenly at the platform's rate, which keeps any window
the platform counts in (fixed or sliding) under its quota: throttled answers stay the exception.

A reservation further away than `max_wait` is not booked: the caller defers the whole job
instead of holding a worker slot (a site edited ten times a minute on Google, say).

Per HTTP call: the engine books one slot before a push, a read-back or a removal (the admission,
which may defer the job), then sets a `CallPacer` as `connectors.http.PACER` for the connector's calls:
the first call uses the admission slot, every further call (an Apple lookup before its create,
a Facebook read-back's second request, a retry) books its own slot on the platform's shared
limit and waits for it. Calls the platform does not count (`PlatformInfo.quota_exempt`, e.g. a
token endpoint outside the quota) take none.

A booked slot is a promise about when the call leaves. A caller woken later than `LATE` after
its slot (an event loop that stalled: a long synchronous step, a starved CPU) books a new slot
instead of sending: otherwise every call due during the stall would leave at once when it ends,
and the platform would see a burst its window counts in full. The same holds for the admission
slot when the connector's first counted call comes more than `LATE` after it.

`RedisLimiter` keeps the state in Redis (a Lua script using Redis's own clock, so workers on
several machines agree); `LocalLimiter` is the same algorithm in-process for embedded mode.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from redis.asyncio import Redis

from connectors.base import Quota
from service.metrics import LIMITER_REBOOKED, LIMITER_WAIT

SAFETY = 0.98  # run at 98 % of the documented rate: clocks and windows are never exact
# a request may reach the platform this much later than its slot (event-loop lag, a connection
# being set up): the pace leaves room for it in the platform's window, which matters for short
# windows (Apple's 15 a second: 10 a second, not 14.7, else a few late requests make 16 in a second;
# 0.25 s of room still let 2 of 476 Apple calls be answered 429 on a loaded CI machine)
JITTER = 0.5
# a call woken this much after its slot books another one (half the room above, the other half
# for sending); a loop stalled for good gives up rebooking after REBOOKS tries and sends
LATE = JITTER / 2
REBOOKS = 3


@dataclass(frozen=True)
class Limit:
    key: str
    quota: Quota
    burst: int = 1

    @property
    def interval(self) -> float:
        return max(self.quota.interval / SAFETY, (self.quota.per_seconds + JITTER) / self.quota.requests)


class Limiter(Protocol):
    async def reserve(self, limit: Limit, max_wait: float) -> float | None:
        """Seconds to wait for a booked slot, or None (nothing booked) if it is over `max_wait`."""


_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return tostring(-wait) end
local new_tat = tat + interval
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
return tostring(wait)
"""


class RedisLimiter:
    def __init__(self, redis: Redis, prefix: str = "vitrine:rl:"):
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_GCRA)

    async def reserve(self, limit: Limit, max_wait: float) -> float | None:
        raw = await self._script(keys=[self.prefix + limit.key],
                                 args=[repr(limit.interval), limit.burst, repr(max_wait)])
        wait = float(raw)
        return None if wait < 0 else wait


class LocalLimiter:
    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def reserve(self, limit: Limit, max_wait: float) -> float | None:
        async with self._lock:
            now = time.monotonic()
            tat = max(self._tat.get(limit.key, 0.0), now)
            wait = max(0.0, tat - limit.interval * (limit.burst - 1) - now)
            if wait > max_wait:
                return None
            self._tat[limit.key] = tat + limit.interval
            return wait


async def take(limiter: Limiter, limit: Limit, max_wait: float) -> float | None:
    """Book a slot on `limit` and sleep until it is due, booking again when woken more than
    `LATE` after it (see the module docstring). The seconds slept, or None (nothing booked) when
    the slot is more than `max_wait` away."""
    slept = 0.0
    for attempt in range(REBOOKS + 1):
        wait = await limiter.reserve(limit, max_wait)
        if wait is None:
            return None
        LIMITER_WAIT.labels(limit.key.split(":", 1)[0]).observe(wait)
        due = time.monotonic() + wait
        if wait > 0:
            await asyncio.sleep(wait)
            slept += wait
        late = time.monotonic() - due
        if late <= LATE:
            return slept
        if attempt < REBOOKS:
            LIMITER_REBOOKED.labels(limit.key.split(":", 1)[0]).inc()
    return slept


async def acquire(limiter: Limiter, limits: list[Limit], max_wait: float) -> float | None:
    """Book a slot on every limit in turn and sleep until they are all due.

    Returns the seconds slept, or the (negative of the) delay to defer by when a limit is too
    far out; the most constraining (per-listing) limit should come first so a deferral books
    nothing on the shared one."""
    slept = 0.0
    for limit in limits:
        waited = await take(limiter, limit, max_wait)
        if waited is None:
            return -max(limit.interval, max_wait)
        slept += waited
    return slept


ADMISSION_WAIT = 3600.0  # a call inside a push waits for its slot rather than break the push in two


@dataclass
class CallPacer:
    """One token of `limit` per HTTP call of one push or read-back (see the module docstring).

    `prepaid`: slots already booked for this job (the admission); `exempt`: URL path suffixes
    the platform does not count. `calls` counts the calls that took a token, `exempt_calls`
    the others. `admitted`: when the admission slot was due; a first counted call more than
    `LATE` after it books a slot of its own."""

    limiter: Limiter
    limit: Limit | None
    prepaid: int = 1
    exempt: tuple[str, ...] = ()
    calls: int = 0
    exempt_calls: int = 0
    slept: float = field(default=0.0)
    admitted: float = field(default_factory=time.monotonic)

    async def __call__(self, method: str, url: str) -> None:
        if any(urlsplit(url).path.endswith(suffix) for suffix in self.exempt):
            self.exempt_calls += 1
            return
        self.calls += 1
        if self.prepaid > 0:
            self.prepaid -= 1
            if time.monotonic() - self.admitted <= LATE:
                return
        if self.limit is None:
            return
        self.slept += await take(self.limiter, self.limit, ADMISSION_WAIT) or 0.0
