"""Shared machinery of the emulators: clock, quotas, fault injection, stats, the emulator base.

Concurrency: all state lives on the server's event loop. Handlers await only while reading
the request (body, form) and in the fault guard's sleeps, never between reading and writing
state, so every mutation is atomic with respect to other requests without a lock. Touch state
from another thread only through the HTTP admin API.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .config import SandboxConfig


TIMEOUT_MARGIN_SECONDS = 1.0


# ---------------------------------------------------------------- clock

class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told: review delays and quota windows without sleeping."""

    def __init__(self, start: float = 1_767_225_600.0):  # 2026-01-01T00:00:00Z
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds
        return self._now


# ---------------------------------------------------------------- config building blocks

class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class QuotaConfig(StrictModel):
    enabled: bool = True
    count: int = Field(ge=1, description="requests allowed per window")
    window_seconds: float = Field(gt=0, description="sliding window length, in clock seconds")


class FaultConfig(StrictModel):
    error_rate: float = Field(0.0, ge=0, le=1, description="fraction answered with a 5xx in the platform's shape")
    error_statuses: list[int] = Field(default_factory=lambda: [500, 502, 503], min_length=1)
    timeout_rate: float = Field(0.0, ge=0, le=1, description="fraction stalled longer than `timeout_seconds` before answering")
    timeout_seconds: float = Field(30.0, ge=0, description="the client timeout to outlast: such a request stalls this + 1 real seconds, then is handled normally")
    latency_ms: float = Field(0.0, ge=0, description="real milliseconds added to every call")
    latency_jitter_ms: float = Field(0.0, ge=0, description="uniform extra 0..jitter ms")
    burst_429: int = Field(0, ge=0, description="trigger: the next N requests of the platform (of every platform when set in the "
                           "global faults) get its throttling answer; reads back 0 once armed, see stats burst_429_remaining")


class PlatformConfig(StrictModel):
    faults: FaultConfig | None = Field(None, description="overrides SandboxConfig.faults for this platform")


# ---------------------------------------------------------------- quotas

class SlidingWindow:
    """Sliding-window log: at most ``count`` hits per ``window_seconds`` per key."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self.peak = 0  # the most hits one key had in a window (reported in /_sandbox/stats)

    def _trim(self, key: str, now: float, window: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - window:
            hits.popleft()
        return hits

    def usage(self, key: str, now: float, quota: QuotaConfig) -> int:
        return len(self._trim(key, now, quota.window_seconds))

    def hit(self, key: str, now: float, quota: QuotaConfig) -> bool:
        """Record a call; False (and nothing recorded) when the quota is exhausted."""
        if not quota.enabled:
            return True
        hits = self._trim(key, now, quota.window_seconds)
        if len(hits) >= quota.count:
            return False
        hits.append(now)
        self.peak = max(self.peak, len(hits))
        return True

    def retry_after(self, key: str, now: float, quota: QuotaConfig) -> float:
        hits = self._trim(key, now, quota.window_seconds)
        if len(hits) < quota.count:
            return 0.0
        return max(0.0, hits[0] + quota.window_seconds - now)


# ---------------------------------------------------------------- stats

REFUSAL_SAMPLES = 20


class PlatformStats:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.creates: dict[str, Counter[str]] = defaultdict(Counter)
        self.create_requests: dict[str, Counter[str]] = defaultdict(Counter)
        self.throttled = 0
        self.server_errors = 0
        self.timeouts_injected = 0
        self.user_agents: Counter[str] = Counter()  # every request's User-Agent ("(none)" when absent)
        self.refused = 0  # requests refused for breaking the platform's contract (shape, params, types)
        self.refusals: list[dict[str, Any]] = []  # the last REFUSAL_SAMPLES of them: route and errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "requests_total": sum(self.requests.values()),
            "by_status": dict(self.by_status),
            "creates": {k: dict(v) for k, v in self.creates.items()},
            "create_requests": {k: dict(v) for k, v in self.create_requests.items()},
            "throttled": self.throttled,
            "server_errors": self.server_errors,
            "timeouts_injected": self.timeouts_injected,
            "user_agents": dict(self.user_agents),
            "refused": self.refused,
            "refusals": list(self.refusals),
            "answered_429": self.by_status.get("429", 0),
        }


# ---------------------------------------------------------------- errors and the emulator base

class PlatformError(Exception):
    """Raised anywhere in a platform handler to answer with a ready-made response."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


async def platform_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlatformError)
    return exc.response


class Emulator:
    """One platform. Subclass it in a module of its own and add it to ``app.EMULATORS``.

    A subclass sets ``name`` (also the SandboxConfig field holding its ``PlatformConfig``) and
    ``prefix``, fills ``router`` with its API routes (every route is guarded by fault injection
    and counted in stats), optionally ``admin`` with routes mounted under ``/_sandbox/{name}``,
    and implements ``reset``, ``dump``, ``throttle_response`` and ``server_error_response`` in
    the platform's own error shape.
    """

    name: ClassVar[str]
    prefix: ClassVar[str]
    credentials_field: ClassVar[str | None] = None  # the config list of accepted keys/tokens, for revoke_token

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.router = APIRouter()
        self.admin = APIRouter()
        self.reset()

    @property
    def config(self) -> Any:
        return getattr(self.sandbox.config, self.name)

    @property
    def stats(self) -> PlatformStats:
        return self.sandbox.stats[self.name]

    def now(self) -> float:
        return self.sandbox.clock.now()

    def revoke_token(self, token: str) -> bool:
        """Calls with this key or token answer 401 from now on (admin `tokens/revoke`). Subclasses
        keep a `revoked` set and name their accepted credentials in `credentials_field`."""
        known = getattr(self.config, self.credentials_field, ()) if self.credentials_field else ()
        if token in known and token not in self.revoked:  # type: ignore[attr-defined]
            self.revoked.add(token)  # type: ignore[attr-defined]
            return True
        return False

    def count_create(self, kind: str, key: str | None, created: bool) -> None:
        key = key or "(none)"
        self.stats.create_requests[kind][key] += 1
        if created:
            self.stats.creates[kind][key] += 1

    def refuse(self, request: Request, errors: Any) -> None:
        """Keep a sample of why a request was refused (stats ``refusals``); ``refused`` counts every
        400 answer, whichever rule gave it."""
        self.stats.refusals = [*self.stats.refusals, {"route": f"{request.method} {request.url.path}",
                                                      "errors": errors}][-REFUSAL_SAMPLES:]

    def throttled(self, response: Response) -> PlatformError:
        self.stats.throttled += 1
        return PlatformError(response)

    # -- to implement
    def reset(self) -> None:
        raise NotImplementedError

    def dump(self) -> Any:
        raise NotImplementedError

    def throttle_response(self, request: Request) -> Response:
        raise NotImplementedError

    def server_error_response(self, request: Request, status: int) -> Response:
        raise NotImplementedError


class Sandbox:
    """Runtime of one sandbox app: config, clock, seeded randomness, stats and the emulators."""

    def __init__(self, config: SandboxConfig, clock: Clock, emulators: dict[str, type[Emulator]]):
        self.clock = clock
        self.sleep: Callable[[float], Any] = asyncio.sleep
        self.config = config
        self.rng = random.Random(config.seed)
        self.burst: Counter[str] = Counter()
        self.stats: dict[str, PlatformStats] = {name: PlatformStats() for name in emulators}
        self.emulators: dict[str, Emulator] = {name: cls(self) for name, cls in emulators.items()}
        self.apply_config(config, reseed=True)

    def faults(self, platform: str) -> FaultConfig:
        own = getattr(self.config, platform).faults
        return own if own is not None else self.config.faults

    def apply_config(self, config: SandboxConfig, reseed: bool) -> None:
        """Install a config; arm the ``burst_429`` triggers it carries and zero them."""
        self.config = config
        if reseed:
            self.rng = random.Random(config.seed)
        for name in self.emulators:
            own = getattr(config, name).faults
            if own is not None and own.burst_429:
                self.burst[name] = own.burst_429
                own.burst_429 = 0
            elif config.faults.burst_429:
                self.burst[name] = config.faults.burst_429
        config.faults.burst_429 = 0

    def reset(self) -> None:
        self.rng = random.Random(self.config.seed)
        self.burst.clear()
        for name, emulator in self.emulators.items():
            self.stats[name] = PlatformStats()
            emulator.reset()

    def guard(self, emulator: Emulator) -> Callable[..., Any]:
        """Router dependency: latency, timeouts, throttling bursts and 5xx, seeded and in that order."""

        async def guard(request: Request) -> None:
            faults = self.faults(emulator.name)
            stats = self.stats[emulator.name]
            roll_timeout, roll_error, roll_jitter, roll_status = (self.rng.random() for _ in range(4))
            delay = faults.latency_ms / 1000 + roll_jitter * faults.latency_jitter_ms / 1000
            if delay > 0:
                await self.sleep(delay)
            if roll_timeout < faults.timeout_rate:
                stats.timeouts_injected += 1
                await self.sleep(faults.timeout_seconds + TIMEOUT_MARGIN_SECONDS)
            if self.burst[emulator.name] > 0:
                self.burst[emulator.name] -= 1
                raise emulator.throttled(emulator.throttle_response(request))
            if roll_error < faults.error_rate:
                status = faults.error_statuses[int(roll_status * len(faults.error_statuses))]
                raise PlatformError(emulator.server_error_response(request, status))

        return guard

    def include(self, app: Any) -> None:
        for emulator in self.emulators.values():
            app.include_router(emulator.router, prefix=emulator.prefix, dependencies=[Depends(self.guard(emulator))])


class StatsMiddleware:
    """Pure ASGI middleware counting platform requests by method + route template and status."""

    def __init__(self, app: Any, sandbox: Sandbox):
        self.app = app
        self.sandbox = sandbox
        self.prefixes = [(e.prefix + "/", e.name) for e in sandbox.emulators.values()]
        self.prefix_of = {e.name: e.prefix for e in sandbox.emulators.values()}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        platform = None
        if scope["type"] == "http":
            platform = next((name for prefix, name in self.prefixes if scope["path"].startswith(prefix)), None)
        if platform is None:
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            stats = self.sandbox.stats[platform]
            template = getattr(scope.get("route"), "path", None) or scope["path"]
            prefix = self.prefix_of[platform]
            if not template.startswith(prefix + "/"):  # FastAPI versions differ on prefixed route paths
                template = prefix + template
            stats.requests[f"{scope['method']} {template}"] += 1
            stats.by_status[str(status["code"])] += 1
            agent = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"user-agent"), "(none)")
            stats.user_agents[agent] += 1
            if status["code"] == 400:  # every platform answers a request that breaks its contract with 400
                stats.refused += 1
            if status["code"] >= 500:
                stats.server_errors += 1


# ---------------------------------------------------------------- small shared helpers

class _Missing:
    """Marks an absent value (a masked field the body leaves out is cleared); survives deepcopy."""

    def __copy__(self) -> _Missing:
        return self

    def __deepcopy__(self, memo: Any) -> _Missing:
        return self

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is MISSING:
        node.pop(parts[-1], None)
        _prune(data, parts[:-1])
    else:
        node[parts[-1]] = value


def _prune(data: dict[str, Any], parents: list[str]) -> None:
    for depth in range(len(parents), 0, -1):
        node = get_path(data, ".".join(parents[:depth]))
        if isinstance(node, dict) and not node:
            set_path(data, ".".join(parents[:depth]), MISSING)


_PHONE = re.compile(r"^\+?[0-9 ().\-]+$")


def phone_ok(value: Any) -> bool:
    """A valid-looking E.164 (+33 1 23 45 67 89) or national (01 23 45 67 89) number."""
    if not isinstance(value, str) or not _PHONE.match(value.strip()):
        return False
    digits = re.sub(r"\D", "", value)
    return 6 <= len(digits) <= 15 and (value.strip().startswith("+") or "+" not in value)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)
