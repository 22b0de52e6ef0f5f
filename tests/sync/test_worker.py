"""Production mode: the API enqueues to Redis, an arq worker pushes to the sandbox over HTTP."""

import asyncio
import contextlib

import pytest
from service.worker import VitrineWorker, worker_options
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, sandbox_admin, wait_for

pytestmark = pytest.mark.slow
PLATFORMS = ("google", "facebook", "apple")


@pytest.fixture
def settings(settings, redis_url):
    return settings.model_copy(update={
        "redis_url": redis_url, "verify_poll_seconds": 0.5, "reconcile_seconds": 1, "sync_debounce_seconds": 0.2,
        "sync_backoff_base": 0.2, "sync_backoff_max": 1.0, "sync_max_attempts": 10, "http_timeout_seconds": 1.5,
        "drift_check_seconds": 1.0, "rate_limits": {"facebook": "50/1"},
    })


@pytest.fixture
async def worker(settings, engine, app):
    options = worker_options(settings)
    options["ctx"] = {"settings": settings, "engine": engine}
    options["handle_signals"] = False
    options["poll_delay"] = 0.05
    w = VitrineWorker(**options)
    task = asyncio.create_task(w.async_run())
    # the tests reach into the worker's context (its settings, its Redis pool): wait for its startup
    deadline = asyncio.get_running_loop().time() + 15
    while "deps" not in w.ctx:
        if task.done():
            task.result()  # the worker died starting: show why
        assert asyncio.get_running_loop().time() < deadline, "the arq worker did not start in 15 s"
        await asyncio.sleep(0.02)
    yield w
    # stopping a worker cancels its poll mid-read; that noise is not what these tests are about
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    with contextlib.suppress(BaseException):
        await w.close()


def settled(n: int, platforms=PLATFORMS, status: str = "live"):
    return lambda s: all(s["platforms"].get(p, {}).get(status, 0) == n for p in platforms)


async def test_sites_reach_live_through_redis_and_an_arq_worker(client, sandbox, worker):
    await connect_all(client, sandbox.url)
    items = [record(f"W-{i:02d}", name=f"Centre {i}") for i in range(8)]
    assert (await client.post("/api/v1/establishments/bulk", json={"items": items})).status_code == 200
    summary = await wait_for(client, settled(8))
    assert summary["totals"] == {"live": 24}
    stats = await sandbox_admin(sandbox, "GET", "/_sandbox/stats")
    for platform in PLATFORMS:
        for per_key in stats[platform]["creates"].values():
            assert len(per_key) == 8 and set(per_key.values()) == {1}


async def test_faults_converge_within_the_attempt_bound(client, sandbox, worker, settings):
    # a throttled Facebook page regains access when its quota window moves on: 5 s here, not 24 h
    await sandbox_admin(sandbox, "PATCH", "/_sandbox/config", json={
        "seed": 7, "faults": {"error_rate": 0.2, "timeout_rate": 0.05, "timeout_seconds": 2.0, "burst_429": 6},
        "facebook": {"page_quota": {"count": 4800, "window_seconds": 5}}})
    await connect_all(client, sandbox.url)
    items = [record(f"F-{i:02d}") for i in range(10)]
    await client.post("/api/v1/establishments/bulk", json={"items": items})
    summary = await wait_for(client, settled(10), timeout=120)
    assert summary["totals"] == {"live": 30}
    stats = await sandbox_admin(sandbox, "GET", "/_sandbox/stats")
    assert sum(stats[p]["server_errors"] for p in PLATFORMS) > 0  # the faults really happened
    assert sum(stats[p]["throttled"] for p in PLATFORMS) >= 6
    for code in ("F-00", "F-05", "F-09"):
        for platform in PLATFORMS:
            attempts = (await client.get(f"/api/v1/establishments/{code}/sync/{platform}/attempts",
                                         params={"limit": 500})).json()["items"]
            pushes = [a for a in attempts if a["kind"] == "push"]
            assert 1 <= len(pushes) <= settings.sync_max_attempts
            assert pushes[0]["outcome"] in ("sent", "created")  # newest first: the last push got through
    for platform in PLATFORMS:  # and no duplicate listing despite retried creates
        for per_key in stats[platform]["creates"].values():
            assert set(per_key.values()) == {1}


async def test_a_permanent_400_fails_with_the_platform_message_and_a_401_needs_action(client, sandbox, worker):
    await connect_all(client, sandbox.url, platforms=("google", "facebook"))
    long_name = "Centre hospitalier " + "très " * 30  # over Google's 100-character title limit
    await client.post("/api/v1/establishments", json=record("E-400", name=long_name.strip()))
    await client.post("/api/v1/establishments", json=record("E-401"))
    await wait_for(client, lambda s: s["platforms"].get("google", {}).get("failed") == 1
                   and s["platforms"].get("facebook", {}).get("live") == 2)
    rows = {r["platform"]: r for r in (await client.get("/api/v1/establishments/E-400/sync")).json()}
    google = rows["google"]
    assert google["status"] == "failed" and google["attempts"] == 0
    assert any("title" in (e["field"] or "") for e in google["detail"]["field_errors"]), google
    assert "100" in google["last_error"] or "title" in google["last_error"].lower()
    await sandbox_admin(sandbox, "POST", "/_sandbox/facebook/tokens/revoke", json={"token": "sandbox-facebook-token"})
    await client.patch("/api/v1/establishments/E-401", json={"website": "https://www.nouveau-site.fr/"})
    # the revoked token blocks every Facebook listing of the organisation, not only the edited one
    await wait_for(client, lambda s: s["platforms"]["facebook"].get("action_required", 0) >= 1)
    for _ in range(50):
        facebook = next(r for r in (await client.get("/api/v1/establishments/E-401/sync")).json()
                        if r["platform"] == "facebook")
        if facebook["status"] == "action_required":
            break
        await asyncio.sleep(0.2)
    assert facebook["status"] == "action_required"
    assert "token" in facebook["last_error"].lower()
    assert "sandbox-facebook-token" not in facebook["last_error"]  # secrets never shown


async def test_google_updated_field_drifts_then_repair_restores_it(client, sandbox, worker):
    await connect_all(client, sandbox.url, platforms=("google",))
    await client.post("/api/v1/establishments", json=record("D-1"))
    await wait_for(client, settled(1, ("google",)))
    target = (await client.get("/api/v1/establishments/D-1/sync")).json()[0]
    location_id = target["remote_id"].split("/")[-1]
    await sandbox_admin(sandbox, "POST", f"/_sandbox/google/locations/{location_id}/google-updated",
                        json={"field": "websiteUri", "value": "https://www.autre-site.fr/"})
    await wait_for(client, settled(1, ("google",), "drifted"))
    drifted = (await client.get("/api/v1/establishments/D-1/sync")).json()[0]
    assert drifted["detail"]["drift"] == ["websiteUri"]
    assert (await client.patch("/api/v1/organisation", json={"drift_policy": "repair"})).json()["drift_policy"] == "repair"
    await wait_for(client, settled(1, ("google",)), timeout=30)
    locations = await sandbox_admin(sandbox, "GET", "/_sandbox/google/locations")
    text = str(locations)
    assert "https://www.clinique-du-parc.fr/" in text


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_the_sample_workbook_reaches_live_through_arq(client, sandbox, worker, backend):
    """The bundled sample (114 valid sites) imported through the API, then synchronised by the
    worker. Quotas are not the subject here: the sandbox's and Vitrine's are raised alike.
    PostgreSQL only: arq workers are the production setup; with SQLite sixteen concurrent jobs
    queue on its single write lock (the embedded demo syncs the same sample on SQLite)."""
    from service.imports.sample import build_sample

    await sandbox_admin(sandbox, "PATCH", "/_sandbox/config", json={
        "google": {"project_quota": {"count": 3000, "window_seconds": 60}},
        "apple": {"quota": {"count": 150, "window_seconds": 1}}})
    settings_rates = {"google": "3000/60", "apple": "150/1"}
    worker.ctx["deps"].settings = worker.ctx["deps"].settings.model_copy(
        update={"rate_limits": {**worker.ctx["deps"].settings.rate_limits, **settings_rates}})
    await connect_all(client, sandbox.url)
    imported = await client.post("/api/v1/imports", data={"allow_partial": "true"},
                                 files={"file": ("sample.xlsx", build_sample(), "application/octet-stream")})
    assert imported.status_code == 200, imported.text
    assert imported.json()["summary"]["create"] == 114
    summary = await wait_for(client, settled(114), timeout=120)
    assert summary["totals"] == {"live": 342}


async def test_a_scheduled_campaign_is_queued_for_its_time_and_applied_by_the_worker(client, sandbox, worker):
    from datetime import UTC, datetime, timedelta

    await connect_all(client, sandbox.url, platforms=("google",))
    items = [record(f"C-{i:02d}") for i in range(3)]
    await client.post("/api/v1/establishments/bulk", json={"items": items})
    await wait_for(client, settled(3, ("google",)))
    at = datetime.now(UTC) + timedelta(seconds=2)
    campaign = (await client.post("/api/v1/campaigns/phone-migration", json={"apply_at": at.isoformat(), "mapping": [
        {"store_code": f"C-{i:02d}", "new_phone": f"04 78 00 00 0{i}"} for i in range(3)]})).json()
    assert campaign["state"] == "scheduled"
    job = await worker.pool.get(f"arq:job:campaign:{campaign['id']}".encode())
    assert job is not None  # queued in Redis for its time, not left to the reconciler's next pass
    await asyncio.sleep(1.0)
    assert (await client.get(f"/api/v1/campaigns/{campaign['id']}")).json()["state"] == "scheduled"
    deadline = asyncio.get_running_loop().time() + 30
    while (body := (await client.get(f"/api/v1/campaigns/{campaign['id']}")).json())["percent"] < 100:
        assert asyncio.get_running_loop().time() < deadline, body
        await asyncio.sleep(0.2)
    assert body["state"] == "applied" and datetime.fromisoformat(body["started_at"]) >= at
    assert (await client.get("/api/v1/establishments/C-02")).json()["phones"]["primary"] == "+33478000002"


async def test_a_poll_claims_only_due_jobs_that_no_worker_runs(redis_url):
    """VitrineWorker's one-round-trip claim keeps arq's rules: a job is started only if it is
    still queued, due, and has no in-progress key; it gets arq's in-progress key; no more jobs
    are claimed than the worker has free slots."""
    from arq.constants import in_progress_key_prefix
    from arq.utils import timestamp_ms
    from redis.asyncio import Redis

    from service.sync import fair

    redis = Redis.from_url(redis_url)
    script = redis.register_script(fair.CLAIM)
    now = timestamp_ms()
    await redis.zadd("q", {"due": now - 10, "running": now - 20, "later": now + 60_000, "also-due": now - 5})
    await redis.set(in_progress_key_prefix + "running", b"1")
    ids = ["running", "later", "due", "finished-meanwhile", "also-due"]

    async def claim(free: int) -> list[tuple[str, int]]:
        return await fair.claim(script, "q", now_ms=now, lease_ms=5_000, free=free,
                                running_prefix=in_progress_key_prefix, read=ids)

    assert await claim(1) == [("due", now - 10)]
    assert 0 < await redis.pttl(in_progress_key_prefix + "due") <= 5_000
    assert await claim(10) == [("also-due", now - 5)]
    assert not await redis.exists(in_progress_key_prefix + "later")
    assert await claim(10) == []
    await redis.aclose()
