"""`apply_at` is checked before anything is written, and a change that committed is never
answered 500 because its scheduling failed afterwards (issue 12, item 5)."""

from datetime import timedelta

import pytest

from service.models import utcnow
from service import jobs
from tests.campaigns.conftest import seed

PAST = (utcnow() - timedelta(hours=2)).isoformat()


async def campaign_count(client) -> int:
    return len((await client.get("/api/v1/campaigns")).json()["items"])


def assert_past_refused(response) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "apply_at_in_past" and error["field"] == "apply_at"


async def test_a_past_apply_at_is_refused_before_anything_is_written(client) -> None:
    await seed(client, 3)
    before = (await client.get("/api/v1/establishments")).json()
    assert_past_refused(await client.post("/api/v1/campaigns/holiday-closure",
                                          json={"start_date": "2026-12-25", "apply_at": PAST}))
    assert_past_refused(await client.post("/api/v1/campaigns/phone-migration", json={
        "mapping": [{"store_code": "H-000", "new_phone": "04 78 12 34 56"}], "apply_at": PAST}))
    assert await campaign_count(client) == 0
    draft = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25", "dry_run": True})
    assert draft.status_code == 201
    assert_past_refused(await client.post(f"/api/v1/campaigns/{draft.json()['id']}/apply", json={"apply_at": PAST}))
    assert (await client.get(f"/api/v1/campaigns/{draft.json()['id']}")).json()["state"] == "draft"
    applied = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-26"})
    assert applied.status_code == 201 and applied.json()["state"] == "applied"
    assert_past_refused(await client.post(f"/api/v1/campaigns/{applied.json()['id']}/rollback",
                                          json={"apply_at": PAST}))
    assert await campaign_count(client) == 2
    after = (await client.get("/api/v1/establishments")).json()
    assert [e["revision"] for e in after["items"]] == [e["revision"] + 1 for e in before["items"]]


async def test_a_scheduling_failure_after_commit_is_logged_not_a_500(client, monkeypatch, caplog) -> None:
    await seed(client, 2)

    async def broken(*_args, **_kwargs):
        raise ConnectionError("redis went away")

    monkeypatch.setattr(jobs, "defer", broken)
    soon = (utcnow() + timedelta(hours=1)).isoformat()
    response = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25",
                                                                            "apply_at": soon})
    assert response.status_code == 201, response.text
    stored = (await client.get(f"/api/v1/campaigns/{response.json()['id']}")).json()
    assert stored["state"] == "scheduled"  # the reconciler applies it when due
    assert any("db.after_commit.failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("naive", ["2030-01-01T06:00:00"])
async def test_an_apply_at_without_a_time_zone_is_refused(client, naive: str) -> None:
    await seed(client, 1)
    draft = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25", "dry_run": True})
    response = await client.post(f"/api/v1/campaigns/{draft.json()['id']}/apply", json={"apply_at": naive})
    assert response.status_code == 422 and response.json()["error"]["field"] == "apply_at"
