"""Mixed-traffic benchmark (issue 12, item 7): does the API hold 200 requests a second with a p99
of 100 ms, and past its capacity does it shed (fast 503 + Retry-After) instead of collapsing?

Against the same real server as `bench/api.py` (`vitrine serve`'s uvicorn, here with one process
per core, `API_WORKERS`, as docs/operations.md advises, on 127.0.0.1, Redis configured so the
API runs no sync jobs) on a PostgreSQL database of its own with `SITES` sites, each connected to `PLATFORMS` platforms (a PATCH marks that many targets in
the outbox and enqueues their pushes). Open loop: a request every 1/rate s at fixed times
whatever the answers, latency from the scheduled time, so a stall counts fully. The mix:

- 40 % `GET /api/v1/establishments/{code}`, random codes;
- 20 % `GET /api/v1/establishments?limit=50` (a list page);
- 20 % `PATCH /api/v1/establishments/{code}` of the description, no precondition;
- 20 % the same PATCH with `If-Match` of the site's current ETag (each site patched once so).

Before measuring, the mix runs `COLD_SECONDS` at the target rate on the cold server (each pooled
connection prepares each statement once): its p99 is reported apart, the figure is the steady state.
Baseline: `GET /healthz` of the same server, open loop at the same rate, in the same run.
Then a step ladder of rates (`LADDER`), a few seconds each: the answers delivered per second,
p99 of the 2xx, and how many were shed (503). The shedding point is the first rate where the
server sheds; past it, a 503 must come back quickly (p99 of the 503s reported).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from dataclasses import dataclass, field
from typing import Any

from bench.api import HttpClient, Server, at_rate, on_seeded_server, pct, say
from bench.report import Figure

SITES = 5_000
API_WORKERS = min(2, os.cpu_count() or 1)  # `vitrine serve --workers N`: one API process per core
PLATFORMS = 1  # "with a platform connected": each PATCH marks and enqueues a push
RATE = 200.0
P99_MS = 100.0
COLD_SECONDS = 10.0
LADDER = (200.0, 300.0, 400.0, 600.0, 900.0)


@dataclass
class Run:
    rate: float
    seconds: float
    latencies_ms: dict[int, list[float]] = field(default_factory=dict)  # status -> ms
    failures: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def ok_ms(self) -> list[float]:
        return [ms for status, values in self.latencies_ms.items() if status < 300 for ms in values]

    def count(self, status: int) -> int:
        return len(self.latencies_ms.get(status, []))

    def summary(self) -> dict[str, Any]:
        ok = self.ok_ms()
        shed = self.latencies_ms.get(503, [])
        return {"offered_per_s": self.rate, "sent": self.sent, "ok": len(ok),
                "ok_per_s": round(len(ok) / self.seconds, 1), "shed_503": len(shed),
                "p50_ms": round(pct(ok, 50), 1) if ok else None, "p99_ms": round(pct(ok, 99), 1) if ok else None,
                "shed_p99_ms": round(pct(shed, 99), 1) if shed else None,
                "other": {str(k): len(v) for k, v in self.latencies_ms.items() if k >= 300 and k != 503},
                "failures": self.failures}


class Mix:
    """The next request of the mix, deterministic for a seed."""

    def __init__(self, codes: list[str], seed_value: int = 12):
        self.rnd = random.Random(seed_value)
        self.codes = codes
        self.guarded = codes[len(codes) // 2:]  # If-Match targets: only this stream patches them
        self.etag = {code: '"1"' for code in self.guarded}  # the ETag each last answered (seeded: 1)
        self.n = 0

    def next(self) -> tuple[str, str, bytes, dict[str, str]]:
        self.n += 1
        pick = self.rnd.random()
        code = self.rnd.choice(self.codes[: len(self.codes) // 2])
        body = json.dumps({"description": f"Mixed traffic {self.n}"}).encode()
        if pick < 0.4:
            return "GET", f"/api/v1/establishments/{code}", b"", {}
        if pick < 0.6:
            return "GET", "/api/v1/establishments?limit=50", b"", {}
        if pick < 0.8:
            return "PATCH", f"/api/v1/establishments/{code}", body, {}
        code = self.guarded[self.n % len(self.guarded)]  # round the half: a site's last answer is back by then
        return "PATCH", f"/api/v1/establishments/{code}", body, {"If-Match": self.etag[code]}

    def answered(self, path: str, status: int, headers: dict[str, str]) -> None:
        """Keeps each guarded site's ETag from its PATCH answer, as a client would."""
        code = path.rsplit("/", 1)[-1]
        if status == 200 and code in self.etag and "etag" in headers:
            self.etag[code] = headers["etag"]


async def open_loop(client: HttpClient, rate: float, seconds: float, make: Any, answered: Any = None) -> Run:
    """The requests `make()` picks, open loop (`bench.api.at_rate`), counted by status; the PATCH
    answers go to `answered(path, status, headers)`."""
    loop = asyncio.get_running_loop()
    run = Run(rate, seconds)

    async def one(at: float, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            status, _, answer_headers = await asyncio.wait_for(
                client.request(method, path, body, headers, with_headers=True), 60)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            run.failures[type(exc).__name__] = run.failures.get(type(exc).__name__, 0) + 1
            return
        if answered is not None and method == "PATCH":
            answered(path, status, answer_headers)
        run.latencies_ms.setdefault(status, []).append((loop.time() - at) * 1000)

    run.sent = await at_rate(rate, seconds, lambda at, _: one(at, *make()))
    return run


async def run(quick: bool) -> list[Figure]:
    seconds, step = (10.0, 4.0) if quick else (30.0, 8.0)
    return await on_seeded_server("mixed: ", SITES, PLATFORMS,
                                  lambda _db, server, seeded: _measure(seeded, server, seconds, step), API_WORKERS)


async def _measure(seeded: dict[str, Any], server: Server, seconds: float, step: float) -> list[Figure]:
    client = HttpClient("127.0.0.1", server.port, {"Authorization": f"Bearer {seeded['key']}"}, max_connections=1024)
    mix = Mix(seeded["codes"])
    for _ in range(40):  # warm-up: connections, caches
        await client.request(*_warm(mix))
    # the figure is the steady state: a cold server first prepares each statement on each pooled
    # connection and fills SQLAlchemy's caches under the traffic; that start is measured apart
    say(f"mixed: a cold start, the mix at {RATE:.0f}/s for {COLD_SECONDS:.0f} s (reported apart)")
    cold = await open_loop(client, RATE, COLD_SECONDS, mix.next, mix.answered)
    say(f"mixed: baseline /healthz then the mix, {RATE:.0f}/s for {seconds:.0f} s each")
    health = await open_loop(client, RATE, seconds, lambda: ("GET", "/healthz", b"", {}))
    mixed = await open_loop(client, RATE, seconds, mix.next, mix.answered)
    ladder = []
    for rate in LADDER:
        say(f"mixed: ladder {rate:.0f}/s for {step:.0f} s")
        ladder.append((await open_loop(client, rate, step, mix.next, mix.answered)).summary())
        await asyncio.sleep(1.0)  # let the server drain before the next step
    await client.close()
    ok, base = mixed.ok_ms(), health.ok_ms()
    value, baseline = pct(ok, 99), pct(base, 99)
    bad = mixed.sent - len(ok)
    delivered = len(ok) / seconds
    held = value <= P99_MS and delivered >= RATE * 0.98 and not bad
    shed_at = next((s["offered_per_s"] for s in ladder if s["shed_503"]), None)
    shedding = f"sheds from {shed_at:.0f}/s offered" if shed_at else f"no shedding up to {LADDER[-1]:.0f}/s"
    note = (f"{mixed.sent:,} requests at {RATE:.0f}/s over {seconds:.0f} s (40% GET, 20% list, 20% PATCH, 20% "
            f"PATCH If-Match), {delivered:.0f} answered 2xx per s; baseline: GET /healthz at the same rate; "
            f"{shedding}; the first {COLD_SECONDS:.0f} s of a cold server, apart: p99 "
            f"{cold.summary()['p99_ms']} ms, {len(cold.ok_ms())} of {cold.sent} 2xx")
    if not held:
        note += f"; NOT HELD: p99 {value:.1f} ms (target {P99_MS:.0f}), {bad} not 2xx"
    extra = {"cold_start": cold.summary(), "mixed": mixed.summary(), "healthz": health.summary(), "ladder": ladder, "shedding_from": shed_at,
             "cpus": os.cpu_count(), "api_workers": API_WORKERS, "load_avg": os.getloadavg()[0]}
    return [Figure(name="api.mixed.p99", value=round(value, 2), baseline=round(baseline, 2), unit="ms",
                   target=f"<= {P99_MS:.0f} ms at {RATE:.0f}/s, every request 2xx", held=held,
                   ratio=round(value / baseline, 2) if baseline else None, note=note, extra=extra)]


def _warm(mix: Mix) -> tuple[str, str, bytes, dict[str, str]]:
    method, path, body, headers = mix.next()
    return ("GET", path, b"", {}) if method == "PATCH" and headers else (method, path, body, headers)


if __name__ == "__main__":
    import sys

    for figure in asyncio.run(run("--quick" in sys.argv)):
        print(json.dumps(figure.as_json(), indent=1))
