"""Fairness across organisations (issue 12): one organisation's single change, while another's
backlog of N pushes waits, against the same change with no backlog, measured in the same run.

1. Two organisations on Google (the sandbox, every quota off, reviews instant), two `vitrine
   worker` processes. Organisation B has a few sites, pushed and live.
2. Baseline: B gives one site a new phone number (`PATCH`); the clock runs until that site's
   Google target has the new revision pushed and read back live. Once per B site; the median.
3. Backlog: the workers stop; organisation A writes N new sites (the bulk API), so N pushes wait
   in the queue. The workers start again and at once B changes its sites as in 2, one after the
   other, timed the same way, while A's backlog drains. Also recorded: how many of A's pushes
   were still waiting when each B change went live (B did not wait behind them), and how long
   A's whole backlog took (what a first-come queue would have made B's change wait, about).

Figure: B's median latency with the backlog against the baseline median; the ratio is printed.
The backlog's pushes load the same two workers, the database and the machine, so a ratio above
one is the cost of that load, not of waiting in line: the target allows it, and asks that every
change went live while most of A's backlog was still waiting.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

from bench.pipeline import WORKERS, SandboxProcess, Stack, sandbox_config, site, stack, wait_until
from bench.report import Figure

TARGET = 10.0  # latency with the backlog / without, at most
CONCURRENCY = 16  # VITRINE_SYNC_CONCURRENCY's default
B_SITES = 3
B_OFFSET = 90_000  # B's sites are BENCH-90000..: distinct store codes and phone numbers from A's


def say(text: str) -> None:
    print(f"  fairness: {text}", file=sys.stderr, flush=True)


async def _target(run: Stack, code: str) -> tuple[str, int, int]:
    rows = await run.rows("SELECT t.status, t.pushed_revision, t.wanted_revision FROM sync_target t"
                          " JOIN establishment e ON e.id = t.establishment_id"
                          " WHERE e.store_code = :code AND t.platform = 'google'", code=code)
    return rows[0] if rows else ("missing", 0, 0)


async def _a_waiting(run: Stack, org: str) -> int:
    """A's Google targets not yet pushed and read back."""
    return int(await run.scalar(
        "SELECT count(*) FROM sync_target t JOIN organisation o ON o.id = t.organisation_id"
        " WHERE o.name = :org AND NOT (t.status = 'live' AND t.pushed_revision >= t.wanted_revision)", org=org))


async def change(run: Stack, b: Stack, i: int, phone: str) -> float:
    """B's site `i` gets a new phone number: seconds from the PATCH until it is pushed and live."""
    code = site(B_OFFSET + i)["store_code"]
    started = time.perf_counter()
    response = await b.client.patch(f"/api/v1/establishments/{code}", json={"phones": {"primary": phone}})
    response.raise_for_status()
    _, _, wanted = await _target(run, code)

    async def live() -> bool:
        status, pushed, _ = await _target(run, code)
        return status == "live" and pushed >= wanted

    return await wait_until(live, timeout=600, interval=0.02) - started


async def run(quick: bool) -> list[Figure]:
    backlog = 2000 if quick else 10_000
    config = sandbox_config(quotas=False, instant=True)
    limits = json.dumps({"google": "off", "google:location": "off"})
    workers = {"rate_limits": limits, "verify_poll_seconds": "0.2", "sync_concurrency": str(CONCURRENCY)}
    async with stack() as run_, run_.organisation("Bench B") as b, \
            SandboxProcess(config, logdir=run_.home) as sandbox:
        await run_.connect(sandbox.url, ["google"])
        await b.connect(sandbox.url, ["google"])
        await run_.start_workers(WORKERS, **workers)
        await b.bulk([site(B_OFFSET + i) for i in range(B_SITES)])
        await wait_until(lambda: _b_live(run_), timeout=120)

        baseline = [await change(run_, b, i, f"+3316{i:07d}") for i in range(B_SITES)]
        say(f"baseline: B's change live in {', '.join(f'{s:.2f}' for s in baseline)} s (no backlog)")

        run_.stop_workers()
        await run_.bulk([site(i) for i in range(backlog)])
        await run_.start_workers(WORKERS, **workers)
        started = time.perf_counter()
        loaded, waiting = [], []
        for i in range(B_SITES):
            loaded.append(await change(run_, b, i, f"+3317{i:07d}"))
            waiting.append(await _a_waiting(run_, "Bench Santé"))
        say(f"with A's backlog of {backlog}: B's change live in {', '.join(f'{s:.2f}' for s in loaded)} s; "
            f"A's pushes still waiting then: {waiting}")
        drained = await wait_until(lambda: _none_waiting(run_), timeout=1800, interval=0.25) - started
        run_.stop_workers()
    base, with_backlog = statistics.median(baseline), statistics.median(loaded)
    ratio = with_backlog / base
    held = ratio <= TARGET and min(waiting) > backlog // 2
    say(f"median {with_backlog:.2f} s with the backlog vs {base:.2f} s without: ratio {ratio:.2f}; "
        f"A's backlog drained in {drained:.1f} s after the workers started")
    note = (f"org B's phone change to Google pushed and read back live, with org A's {backlog} pushes queued "
            f"ahead of it vs none; {WORKERS} workers x {CONCURRENCY}; A's backlog drained in {drained:.1f} s; "
            f"shared machine")
    if quick:
        note += "; quick run"
    return [Figure(
        name="fairness.google", value=round(with_backlog, 3), baseline=round(base, 3), unit="s",
        target=f"ratio <= {TARGET:g}, live with most of the backlog still waiting", held=held,
        ratio=round(ratio, 2), note=note,
        extra={"backlog": backlog, "b_changes": B_SITES, "baseline_seconds": [round(s, 3) for s in baseline],
               "with_backlog_seconds": [round(s, 3) for s in loaded], "a_waiting_when_live": waiting,
               "backlog_drained_seconds": round(drained, 1), "workers": WORKERS, "concurrency": CONCURRENCY,
               "quick": quick},
    )]


async def _b_live(run: Stack) -> bool:
    states = [await _target(run, site(B_OFFSET + i)["store_code"]) for i in range(B_SITES)]
    return all(status == "live" and pushed >= wanted > 0 for status, pushed, wanted in states)


async def _none_waiting(run: Stack) -> bool:
    return await _a_waiting(run, "Bench Santé") == 0


if __name__ == "__main__":
    figures = asyncio.run(run("--quick" in sys.argv))
    print(json.dumps([f.as_json() for f in figures], indent=2))
