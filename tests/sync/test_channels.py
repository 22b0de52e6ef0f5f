"""Platforms with no push of their own: Waze mirrors Google, Tripadvisor lists manual edits."""

import pytest

from tests.establishments.factories import record
from tests.sync.conftest import connect_all, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_debounce_seconds": 0.1})


async def test_waze_mirrors_google_and_tripadvisor_waits_for_a_person(client, sandbox):
    for platform in ("waze", "tripadvisor"):
        assert (await client.put(f"/api/v1/platforms/{platform}/connection", json={})).status_code == 200
    await client.post("/api/v1/establishments", json=record("M-1"))
    await wait_for(client, lambda s: s["platforms"].get("waze", {}).get("not_connected") == 1
                   and s["platforms"].get("tripadvisor", {}).get("action_required") == 1)
    rows = {r["platform"]: r for r in (await client.get("/api/v1/establishments/M-1/sync")).json()}
    assert "connect it first" in rows["waze"]["last_error"]
    manual = rows["tripadvisor"]
    fields = [e["field"] for e in manual["detail"]["manual"]]
    assert fields[:3] == ["Name", "Address", "Phone"] and "change on Tripadvisor by hand" in manual["last_error"]

    await connect_all(client, sandbox.url, platforms=("google",))
    await client.post("/api/v1/establishments/M-1/sync", json={"platform": "waze"})
    await wait_for(client, lambda s: s["platforms"].get("google", {}).get("live") == 1
                   and s["platforms"].get("waze", {}).get("live") == 1)
    waze = next(r for r in (await client.get("/api/v1/establishments/M-1/sync")).json() if r["platform"] == "waze")
    assert waze["detail"] == {"follows": "google"}

    done = await client.post("/api/v1/establishments/M-1/sync/tripadvisor/done")
    assert done.status_code == 200 and done.json()["status"] == "submitted" and done.json()["expected_by"]
    assert (await client.post("/api/v1/establishments/M-1/sync/google/done")).status_code == 409
    # a phone change lists only the phone for the person to change
    await client.patch("/api/v1/establishments/M-1", json={"phones": {"primary": "+33478000001"}})
    await wait_for(client, lambda s: s["platforms"]["tripadvisor"].get("action_required") == 1)
    trip = next(r for r in (await client.get("/api/v1/establishments/M-1/sync")).json() if r["platform"] == "tripadvisor")
    assert trip["detail"]["manual"] == [{"field": "Phone", "value": "+33478000001"}]
