"""Deleting a site is a decision, carried out on every platform (issue 11, must show 4): `close`,
`remove` and `leave` against the sandbox, the site in `GET /sync`, the summary and `vitrine
status` until every platform is settled."""

import asyncio
import time
from types import SimpleNamespace

import pytest

from service.cli.sync import detail_text, status_rows
from service.db import unit_of_work
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, sandbox_admin, wait_for
from tests.sync.test_embedded import all_live

pytestmark = pytest.mark.slow

PLATFORMS = ("google", "facebook", "apple")


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_backoff_base": 0.2, "sync_backoff_max": 2.0,
                                       "rate_limits": {"facebook": "20/1"}})


async def _rows(client, code: str) -> dict[str, dict]:
    items = (await client.get("/api/v1/sync", params={"limit": 500})).json()["items"]
    return {r["platform"]: r for r in items if r["store_code"] == code}


async def _cli_rows(session_factory, org_id: int, code: str) -> dict[str, dict]:
    ctx = SimpleNamespace(session=lambda: unit_of_work(session_factory))
    return {r["platform"]: r for r in await status_rows(ctx, org_id, None, None, None)  # type: ignore[arg-type]
            if r["store_code"] == code}


async def _until_settled(client, code: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while await _rows(client, code):
        assert time.monotonic() < deadline, await _rows(client, code)
        await asyncio.sleep(0.3)


async def _google(sandbox) -> dict[str, dict]:
    return {loc["live"]["storeCode"]: loc for loc in await sandbox_admin(sandbox, "GET", "/_sandbox/google/locations")}


async def test_each_choice_is_carried_out_and_shown_until_settled(client, sandbox, session_factory, org_id):
    await connect_all(client, sandbox.url)
    for code in ("D-CLOSE", "D-REMOVE", "D-LEAVE"):
        assert (await client.post("/api/v1/establishments", json=record(code, name=f"Clinique {code}"))).status_code == 201
    await wait_for(client, all_live(3))
    names = {code: loc["name"] for code, loc in (await _google(sandbox)).items()}

    refused = await client.delete("/api/v1/establishments/D-LEAVE", params={"on_platforms": "wipe"})
    assert refused.status_code == 422  # an unknown choice is refused, nothing deleted
    for code, choice in (("D-CLOSE", "close"), ("D-REMOVE", "remove")):
        assert (await client.delete(f"/api/v1/establishments/{code}", params={"on_platforms": choice})).status_code == 204
    assert (await client.delete("/api/v1/establishments/D-LEAVE")).status_code == 204  # the default: leave

    # deleted, yet still in view until settled: GET /sync and vitrine status list them all
    assert set(await _rows(client, "D-CLOSE")) == set(PLATFORMS)
    assert set(await _cli_rows(session_factory, org_id, "D-CLOSE")) == set(PLATFORMS)
    assert (await client.get("/api/v1/establishments/D-CLOSE")).status_code == 404

    # remove: Google deletes through its API; Facebook and Apple ask a person, and say so
    await wait_for(client, lambda s: s["platforms"].get("facebook", {}).get("action_required") == 1
                   and s["platforms"].get("apple", {}).get("action_required") == 1, timeout=60)
    deadline = time.monotonic() + 60
    while (await _rows(client, "D-REMOVE"))["google"]["status"] != "not_connected":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.3)
    removing = await _cli_rows(session_factory, org_id, "D-REMOVE")
    assert set(removing) == set(PLATFORMS)  # the whole site stays in view while one platform is unsettled
    assert removing["google"]["status"] == "not_connected"
    assert "deleted from Google" in removing["google"]["detail"]["deletion"]["done"]
    assert detail_text(removing["google"]).startswith("deleted (remove): locations/")  # the status table's column
    assert detail_text(removing["apple"]).startswith("deleted (remove): deleted in Vitrine with on_platforms=remove")
    for platform in ("facebook", "apple"):
        assert removing[platform]["status"] == "action_required"
        assert "remove the listing" in removing[platform]["last_error"]
        assert f"/establishments/D-REMOVE/sync/{platform}/done" in removing[platform]["last_error"]
    google = await _google(sandbox)
    assert "D-REMOVE" not in google  # gone from Google
    # close: every platform shows it permanently closed, read back live, then it leaves the view
    await _until_settled(client, "D-CLOSE")
    google = await _google(sandbox)
    assert google["D-CLOSE"]["live"]["openInfo"]["status"] == "CLOSED_PERMANENTLY"
    assert google["D-CLOSE"]["name"] == names["D-CLOSE"]  # the same listing, closed, not a new one
    facebook = [p for p in await sandbox_admin(sandbox, "GET", "/_sandbox/facebook/locations") if p["parent_id"]]
    apple = await sandbox_admin(sandbox, "GET", "/_sandbox/apple/locations")
    assert len(facebook) == 3 and len(apple) == 3  # nothing removed there without a person
    # leave: nothing was sent; the listing is as it was
    assert google["D-LEAVE"]["live"]["openInfo"]["status"] == "OPEN"
    assert await _rows(client, "D-LEAVE") == {}

    # a person removes the Facebook and Apple listings and says so: settled, out of every view
    for platform in ("facebook", "apple"):
        done = await client.post(f"/api/v1/establishments/D-REMOVE/sync/{platform}/done")
        assert done.status_code == 200 and done.json()["status"] == "not_connected"
        assert "removed by hand" in done.json()["detail"]["deletion"]["done"]
    assert await _rows(client, "D-REMOVE") == {}
    assert await _cli_rows(session_factory, org_id, "D-REMOVE") == {}
    summary = (await client.get("/api/v1/sync/summary")).json()
    assert summary["totals"] == {}  # every deleted site settled: nothing counted

    # the removed site created again: a new Google listing, not an update of the deleted one
    assert (await client.post("/api/v1/establishments", json=record("D-REMOVE", name="Clinique D-REMOVE"))).status_code == 201
    await wait_for(client, lambda s: s["platforms"].get("google", {}).get("live") == 1)
    revived = (await _google(sandbox))["D-REMOVE"]
    assert revived["name"] != names["D-REMOVE"]
