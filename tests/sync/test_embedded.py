"""End to end in embedded mode: API process, in-process jobs, sandbox over real HTTP."""

import httpx
import pytest

from tests.establishments.factories import record
from tests.sync.conftest import connect_all, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_backoff_base": 0.2, "sync_backoff_max": 2.0,
                                       "rate_limits": {"facebook": "20/1"}})


def all_live(n: int, platforms=("google", "facebook", "apple")):
    return lambda s: all(s["platforms"].get(p, {}).get("live", 0) == n for p in platforms)


async def sandbox_stats(sandbox) -> dict:
    async with httpx.AsyncClient(base_url=sandbox.url) as c:
        return (await c.get("/_sandbox/stats")).json()


async def test_sites_reach_live_on_three_platforms_with_one_create_each(client, sandbox):
    await connect_all(client, sandbox.url)
    items = [record(f"S-{i:02d}", name=f"Clinique {i}") for i in range(6)]
    assert (await client.post("/api/v1/establishments/bulk", json={"items": items})).status_code == 200
    summary = await wait_for(client, all_live(6))
    assert summary["totals"] == {"live": 18}
    rows = (await client.get("/api/v1/establishments/S-00/sync")).json()
    assert {r["platform"]: r["status"] for r in rows} == {"apple": "live", "facebook": "live", "google": "live"}
    google = next(r for r in rows if r["platform"] == "google")
    assert google["pushed_revision"] == google["wanted_revision"] == 1
    assert google["remote_id"].startswith("locations/")
    assert "email" in google["detail"]["unsupported"]
    stats = await sandbox_stats(sandbox)
    for platform in ("google", "facebook", "apple"):
        # creates: {kind of key (requestId, partnersLocationId…): {key: listings created with it}}
        creates = stats[platform]["creates"]
        assert creates, platform
        for kind, per_key in creates.items():
            assert len(per_key) == 6 and set(per_key.values()) == {1}, (platform, kind, per_key)


async def test_a_phone_change_sends_only_the_phone_to_google(client, sandbox):
    await connect_all(client, sandbox.url, platforms=("google",))
    await client.post("/api/v1/establishments", json=record("P-1"))
    await wait_for(client, all_live(1, ("google",)))
    patched = await client.patch("/api/v1/establishments/P-1", json={"phones": {"primary": "+33478000001"}})
    assert patched.status_code == 200
    await wait_for(client, lambda s: s["platforms"]["google"].get("live") == 1
                   and s["totals"].get("pending", 0) + s["totals"].get("in_progress", 0) == 0)
    rows = (await client.get("/api/v1/establishments/P-1/sync")).json()
    assert rows[0]["pushed_revision"] == 2
    assert rows[0]["detail"]["sent"] == ["phoneNumbers"]


async def test_ten_rapid_edits_coalesce(client, sandbox):
    await connect_all(client, sandbox.url, platforms=("facebook",))
    await client.post("/api/v1/establishments", json=record("R-1"))
    await wait_for(client, all_live(1, ("facebook",)))
    before = await sandbox_stats(sandbox)
    for i in range(10):
        r = await client.patch("/api/v1/establishments/R-1", json={"website": f"https://www.clinique-r{i}.fr/"})
        assert r.status_code == 200
    await wait_for(client, lambda s: s["platforms"]["facebook"].get("live") == 1
                   and not s["totals"].get("pending") and not s["totals"].get("in_progress"))
    after = await sandbox_stats(sandbox)
    rows = (await client.get("/api/v1/establishments/R-1/sync")).json()
    assert rows[0]["pushed_revision"] == 11
    writes = _page_writes(after) - _page_writes(before)
    assert 1 <= writes <= 2, writes


def _page_writes(stats: dict) -> int:
    return sum(n for route, n in stats["facebook"]["requests"].items()
               if route.startswith("POST") and route.endswith("{node_id}"))
