"""A holiday closure campaign: every platform that takes special hours gets it; the others say why not."""

import pytest

from tests.campaigns.conftest import API, FEED, connect, quiet, seed, settled, wait_campaign

pytestmark = pytest.mark.slow
TAKES_SPECIAL_HOURS = ("google", "apple", "bing", "waze", FEED)
DOES_NOT = ("facebook", "here", "foursquare", "tomtom", "yelp")  # Yelp: special-date items not public


async def test_a_holiday_closure_reaches_every_platform_that_accepts_special_hours(client, sandbox):
    platforms = await connect(client, sandbox.url, platforms=API)
    await seed(client, 10)
    await quiet(client)
    dry = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25", "dry_run": True})
    assert dry.status_code == 201, dry.text
    plan = {p["platform"]: p for p in dry.json()["platforms"]}
    assert plan["google"]["reachable"] and plan["google"]["sends"][0]["fields"].keys() == {"specialHours"}
    for platform in DOES_NOT:
        assert not plan[platform]["reachable"], platform
        assert "does not take hours.special" in plan[platform]["note"], plan[platform]["note"]
        assert plan[platform]["done_by"] is None and plan[platform]["requests"] == 0  # nothing is sent there

    created = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25",
                                                                           "name": "Noël"})
    assert created.status_code == 201 and created.json()["state"] == "applied"
    campaign = created.json()
    body = await wait_campaign(client, campaign["id"], settled, timeout=90)
    progress = {p["platform"]: p for p in body["platforms"]}
    assert set(progress) == set(platforms) and body["percent"] == 100.0
    for platform in TAKES_SPECIAL_HOURS:
        assert progress[platform]["reachable"] and progress[platform]["done"] == 10, progress[platform]
    for platform in DOES_NOT:
        p = progress[platform]
        assert not p["reachable"] and "does not take hours.special" in p["note"], p
        assert p["counts"] == {"live": 10}  # nothing to send there: the listing stays as it was
    assert "owner portal" in progress["tripadvisor"]["note"]
    site = (await client.get("/api/v1/establishments/H-003")).json()
    assert site["hours"]["special"] == [{"start_date": "2026-12-25", "end_date": "2026-12-25", "closed": True,
                                         "intervals": []}]
    google = next(r for r in (await client.get("/api/v1/establishments/H-003/sync")).json() if r["platform"] == "google")
    assert google["detail"]["sent"] == ["specialHours"]
    facebook = next(r for r in (await client.get("/api/v1/establishments/H-003/sync")).json()
                    if r["platform"] == "facebook")
    assert "hours.special" in facebook["detail"]["unsupported"]

    back = await client.post(f"/api/v1/campaigns/{campaign['id']}/rollback")
    assert back.status_code == 201, back.text
    await wait_campaign(client, back.json()["id"], settled, timeout=90)
    assert (await client.get("/api/v1/establishments/H-003")).json()["hours"]["special"] == []


async def test_a_closure_for_unknown_sites_is_rejected_with_each_one_named(client, sandbox):
    await connect(client, sandbox.url, platforms=("google",), waze=False, tripadvisor=False, feed=False)
    await seed(client, 2)
    response = await client.post("/api/v1/campaigns/holiday-closure", json={
        "start_date": "2026-12-25", "sites": {"store_codes": ["H-000", "X-1", "X-2"]}})
    assert response.status_code == 422
    assert [e["message"] for e in response.json()["error"]["errors"]] == ["unknown store code 'X-1'",
                                                                         "unknown store code 'X-2'"]
