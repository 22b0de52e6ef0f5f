"""Quota adherence: a phone-number campaign over every site, with the sandbox enforcing Google's
quotas, against the shortest time those quotas allow.

Google Business Profile allows 300 requests a minute per project and 10 edits a minute per
location (platforms.md, `GoogleConnector.info`). Scaled 6x in time so a run is short: 300
requests per 10 s and 10 edits per 10 s per location, in the sandbox (sliding windows) and in
Vitrine (`VITRINE_RATE_LIMITS`) alike.

1. Seed: the sites are written and pushed to Google with every quota off, until each is live
   and read back. The workers stop; the quotas come on (their windows start empty).
2. Two fresh `vitrine worker` processes with the scaled quotas. The change: one campaign,
   `POST /api/v1/campaigns/phone-migration` with a mapping giving every site a new number
   (`drive_change`; `POST /api/v1/establishments/bulk` when the campaign API is missing).
3. Clock: from the call until every site's new number is pushed *and* read back live. Google
   counts read-backs against the same project quota (so does the sandbox): requests needed =
   one PATCH + one getGoogleUpdated per site = 2N. A request sent beyond those (a read-back
   sent twice, a retried call) is Vitrine's own waste: counted (`requests_sent`), never added
   to the minimum.

Theoretical minimum: Vitrine paces requests evenly (a GCRA with a burst of one), so the fastest
schedule the quota allows it is the first request at once and one every 10/300 s after:
(2N - 1) x 10/300 s. The sandbox's sliding window would also accept 300 requests at once, then
300 more every 10 s (floor((2N - 1)/300) x 10 s), a bound that only a client mirroring that
window exactly could reach; both are reported, the target is against the first. Throttled
responses are counted twice: the sandbox's 429 counter and the `throttled` attempts recorded.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.pipeline import (
    WORKERS,
    SandboxProcess,
    cpu_delta,
    cpu_seconds,
    profiled,
    pyspy_dir,
    sandbox_config,
    site,
    stack,
    wait_until,
)
from bench.report import Figure
from connectors.registry import CONNECTORS

TARGET = 1.10
QUOTA, WINDOW, PER_LOCATION = 300, 10.0, 10  # Google's 300/60 s and 10 edits/60 s per location, x6 faster
CAMPAIGN_API = os.path.exists(os.path.join(os.path.dirname(__file__), "..", "service", "campaigns", "router.py"))


def say(text: str) -> None:
    print(f"  quota: {text}", file=sys.stderr, flush=True)


def new_phone(i: int) -> str:
    return f"+3315{i:07d}"


async def drive_change(client: httpx.AsyncClient, sites: int) -> dict[str, Any]:
    """Give every site a new phone number: one phone-migration campaign (the bulk API when the
    campaign API is not there). Returns what Vitrine answered (the campaign's plan, with its ETA)."""
    if CAMPAIGN_API:
        mapping = [{"store_code": site(i)["store_code"], "new_phone": new_phone(i)} for i in range(sites)]
        response = await client.post("/api/v1/campaigns/phone-migration",
                                      json={"mapping": mapping, "dry_run": False, "name": "bench: new numbers"})
        response.raise_for_status()
        return response.json()
    items = [site(i, phones={"primary": new_phone(i), "additional": []}) for i in range(sites)]
    for start in range(0, sites, 1000):
        response = await client.post("/api/v1/establishments/bulk", json={"items": items[start:start + 1000]})
        response.raise_for_status()
    return {}


async def run(quick: bool) -> list[Figure]:
    sites = 400 if quick else 1000
    off = {"enabled": False, "count": QUOTA, "window_seconds": WINDOW}
    config = sandbox_config(quotas=False, instant=True, google={"project_quota": off, "location_edit_quota": {
        "enabled": False, "count": PER_LOCATION, "window_seconds": WINDOW}})
    limits = {"google": f"{QUOTA}/{WINDOW:g}", "google:location": f"{PER_LOCATION}/{WINDOW:g}"}
    async with stack(rate_limits=limits) as run_, SandboxProcess(config, logdir=run_.home) as sandbox:
        await run_.connect(sandbox.url, ["google"])

        async def google(where: str) -> int:
            return int(await run_.scalar(f"SELECT count(*) FROM sync_target WHERE platform = 'google' AND {where}"))

        # 1. seed: every site live on Google, quotas off
        await run_.start_workers(WORKERS, rate_limits=json.dumps({"google": "off", "google:location": "off"}),
                                 verify_poll_seconds="0.2")
        await run_.bulk([site(i) for i in range(sites)])
        await wait_until(lambda: _equals(google("status = 'live' AND verified_at IS NOT NULL"), sites), 600)
        run_.stop_workers()
        say(f"{sites} sites live on Google; quotas on: {QUOTA} requests / {WINDOW:g} s, "
            f"{PER_LOCATION} edits / {WINDOW:g} s per location")

        # 2. the quotas on, fresh workers, the change
        await sandbox.patch_config({"google": {
            "project_quota": {"enabled": True, "count": QUOTA, "window_seconds": WINDOW},
            "location_edit_quota": {"enabled": True, "count": PER_LOCATION, "window_seconds": WINDOW}}})
        await run_.start_workers(WORKERS, rate_limits=json.dumps(limits), verify_poll_seconds="0.2")
        before = (await sandbox.stats())["google"]
        marks: dict[str, float] = {}
        changed_at = datetime.now(UTC)

        async def settled() -> bool:
            pushed = await google("pushed_revision >= wanted_revision AND wanted_revision > 1 "
                                  "AND status NOT IN ('pending', 'in_progress')")
            if pushed == sites and "pushed" not in marks:
                marks["pushed"] = time.perf_counter()
            verified = await google(f"status = 'live' AND pushed_revision = wanted_revision AND wanted_revision > 1 "
                                    f"AND verified_at >= '{changed_at.isoformat()}'")
            return verified == sites

        groups = {"workers": run_.pids, "sandbox": [sandbox.pid], "bench": [os.getpid()]}
        async with profiled([*run_.pids, sandbox.pid], pyspy_dir("quota")):
            cpu_before = cpu_seconds(groups)
            started = time.perf_counter()
            plan = await drive_change(run_.client, sites)
            marks["written"] = time.perf_counter()
            done = await wait_until(settled, timeout=3600, interval=0.1)
            cpu = cpu_delta(cpu_before, cpu_seconds(groups))
        run_.stop_workers()
        after = (await sandbox.stats())["google"]
        throttled_attempts = int(await run_.scalar(
            "SELECT count(*) FROM sync_attempt a JOIN sync_target t ON t.id = a.target_id "
            "WHERE t.platform = 'google' AND (a.outcome = 'throttled' OR a.http_status = 429) AND a.started_at >= :at",
            at=changed_at))  # a throttled read-back is recorded as an error with its 429
        # when the Google calls were answered (an attempt is stamped once its call returns), from the change
        answered = sorted((at - changed_at).total_seconds() for (at,) in await run_.rows(
            "SELECT a.started_at FROM sync_attempt a JOIN sync_target t ON t.id = a.target_id "
            "WHERE t.platform = 'google' AND a.started_at >= :at", at=changed_at))
        outcomes = {f"{k}:{o}": n for k, o, n in await run_.rows(
            "SELECT a.kind, a.outcome, count(*) FROM sync_attempt a WHERE a.started_at >= :at GROUP BY 1, 2",
            at=changed_at)}

    requests = {route: n - before["requests"].get(route, 0) for route, n in after["requests"].items()
                if n - before["requests"].get(route, 0)}
    sent = sum(requests.values())
    info = CONNECTORS["google"].info  # HTTP calls a change costs, as the connector declares them
    needed = sites * (info.calls_per_push + info.calls_per_read_back)  # a request more is Vitrine's own waste
    throttled = after["throttled"] - before["throttled"]
    completion = done - started
    paced = (needed - 1) * WINDOW / QUOTA  # one request at once, then one per quota interval
    windowed = math.floor((needed - 1) / QUOTA) * WINDOW  # a full window's worth at once, every window
    ratio = completion / paced
    held = ratio <= TARGET and throttled == 0 and throttled_attempts == 0
    google_plan = next((p for p in plan.get("platforms", []) if p.get("platform") == "google"), None)
    eta = None  # the campaign's own estimate of when the last site is sent to Google, from its creation
    if google_plan and google_plan.get("sent_by") and plan.get("created_at"):
        eta = (datetime.fromisoformat(google_plan["sent_by"]) - datetime.fromisoformat(plan["created_at"])).total_seconds()
    say(f"{sent} Google requests ({needed} needed) in {completion:.1f} s "
        f"(all pushed at {marks.get('pushed', done) - started:.1f} s); "
        f"paced minimum {paced:.1f} s, ratio {ratio:.3f}; {throttled} throttled (sandbox), "
        f"{throttled_attempts} throttled attempts")
    note = (f"{sites} sites, one phone-number {'campaign' if CAMPAIGN_API else 'bulk write'}; Google's quotas x6 in "
            f"time ({QUOTA}/{WINDOW:g} s, {PER_LOCATION} edits/{WINDOW:g} s per location); done = new number pushed "
            f"and read back live; {needed} requests needed (PATCH + read-back, both on the project quota), {sent} "
            f"sent; baseline = (needed - 1) x {WINDOW:g}/{QUOTA} s")
    if windowed:
        note += (f"; against the sliding window's own bound ({windowed:.0f} s: {QUOTA} at once, every "
                 f"{WINDOW:g} s) the ratio is {completion / windowed:.3f}")
    if quick:
        note += "; quick run"
    return [Figure(
        name="quota.google", value=round(completion, 2), baseline=round(paced, 2), unit="s",
        target=f"ratio <= {TARGET}, 0 throttled", held=held, ratio=round(ratio, 3), note=note,
        extra={"sites": sites, "workers": WORKERS, "quota": f"{QUOTA}/{WINDOW:g}s",
               "location_quota": f"{PER_LOCATION}/{WINDOW:g}s", "requests_needed": needed, "requests_sent": sent,
               "requests_by_route": requests,
               "throttled_sandbox": throttled, "throttled_attempts": throttled_attempts,
               "answered_429": after["by_status"].get("429", 0) - before["by_status"].get("429", 0),
               "refused": after.get("refused", 0) - before.get("refused", 0),
               "written_seconds": round(marks["written"] - started, 2),
               "all_pushed_seconds": round(marks.get("pushed", done) - started, 2),
               "completion_seconds": round(completion, 2), "paced_minimum_seconds": round(paced, 2),
               "window_minimum_seconds": windowed, "ratio_vs_window_minimum": round(completion / windowed, 3)
               if windowed else None,
               "campaign_api": CAMPAIGN_API, "campaign_plan_google": google_plan and {
                   k: google_plan.get(k) for k in ("requests", "quota", "sent_by", "done_by")},
               "campaign_sent_by_seconds": eta and round(eta, 1),
               "first_answer_seconds": round(answered[0], 2) if answered else None,
               "last_answer_seconds": round(answered[-1], 2) if answered else None,
               "largest_gap_seconds": round(max((y - x for x, y in zip(answered, answered[1:])), default=0.0), 3),
               "attempts": outcomes, "cpu_seconds": cpu, "quick": quick},
    )]


async def _equals(count: Any, expected: int) -> bool:
    return await count == expected


if __name__ == "__main__":
    figures = asyncio.run(run("--quick" in sys.argv))
    print(json.dumps([f.as_json() for f in figures], indent=2))
