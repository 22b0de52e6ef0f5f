"""Issue 11, item 6: the realistic workload on the six other API platforms (Bing, Foursquare,
HERE, TomTom, OpenStreetMap, Yelp), through the API and an arq worker, against their emulators
rebuilt from their documents: 0 requests refused, 0 answered 429 on each.

Smaller than Google/Facebook/Apple's run (`test_platform_contracts`): six sites, since HERE and
TomTom pace at one request a second and OSM at one every four. The workload: the sites created,
a phone migration over all, a holiday closure, REST edits of every field on one (the same edits),
a site deleted with each choice. Quotas: Bing's, Yelp's and Foursquare's own; HERE's, TomTom's
and OSM's scaled to 10 a second on both sides (what is tested is that Vitrine's pacing never
exceeds what the platform allows). Reviews last a second instead of days. The capture is
printed (`-s`)."""

from __future__ import annotations


import pytest

from tests.establishments.factories import record
from tests.sync.conftest import SandboxProcess, connect_all, wait_for
from tests.sync.platform_views import assert_no_refusal_and_no_429, sync_rows
from tests.sync.test_platform_contracts import EDITS
from tests.sync.test_worker import settings, worker  # noqa: F401  (fixtures)

# what is checked is the requests each platform receives, not the database: run on PostgreSQL,
# the production one, only (each run takes one to two minutes)
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]
SIX = ("bing", "foursquare", "here", "tomtom", "osm", "yelp")
SCALED = ("here", "tomtom", "osm")
CHOICES = ("close", "remove", "leave")


@pytest.fixture
def sandbox(sandbox_config, tmp_path):  # noqa: F811
    with SandboxProcess(sandbox_config, tmp_path) as server:
        yield server


@pytest.fixture
def sandbox_config(sandbox_config):  # noqa: F811
    for name in SCALED:
        getattr(sandbox_config, name).quota.count, getattr(sandbox_config, name).quota.window_seconds = 10, 1
    for name in SIX:
        platform = getattr(sandbox_config, name)
        for field in ("review_seconds", "open_seconds", "received_seconds", "release_seconds", "processing_seconds"):
            if hasattr(platform, field):
                setattr(platform, field, 0.5)
    return sandbox_config


def _sites() -> list[dict]:
    places = [("Lyon", "69002", "3 place Bellecour", 45.7578, 4.832), ("Paris", "75011", "12 rue Oberkampf", 48.8656, 2.3781),
              ("Lille", "59000", "1 place du Marché", 50.6292, 3.0573), ("Nantes", "44000", "5 quai de la Fosse", 47.2098, -1.5601),
              ("Rennes", "35000", "9 rue de Nantes", 48.1045, -1.6860), ("Metz", "57000", "2 rue Serpenoise", 49.1167, 6.1727)]
    return [record(f"SIX-{i:03d}", name=f"Centre médical de {city}",
                   address={"lines": [street], "postal_code": postal, "locality": city, "country": "FR"},
                   geo={"lat": lat, "lng": lng}) for i, (city, postal, street, lat, lng) in enumerate(places)]


async def test_the_workload_on_the_six_other_api_platforms_gets_no_refusal_and_no_429(client, sandbox, worker):  # noqa: F811
    rates = {name: "10/1" for name in SCALED}
    worker.ctx["deps"].settings = worker.ctx["deps"].settings.model_copy(update={"rate_limits": rates})
    await connect_all(client, sandbox.url, platforms=SIX)
    sites = _sites()
    assert (await client.post("/api/v1/establishments/bulk", json={"items": sites})).status_code == 200
    await wait_for(client, lambda s: s["totals"] == {"live": len(sites) * len(SIX)}, timeout=120)
    codes = [site["store_code"] for site in sites]

    migration = await client.post("/api/v1/campaigns/phone-migration", json={"dry_run": False, "mapping": [
        {"store_code": code, "new_phone": f"+3314{i:07d}"} for i, code in enumerate(codes)]})
    assert migration.status_code == 201, migration.text
    closure = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25", "dry_run": False})
    assert closure.status_code == 201, closure.text
    for edit in EDITS:
        response = await client.patch(f"/api/v1/establishments/{codes[0]}", json=edit)
        assert response.status_code == 200, (edit, response.text)
    deleted = dict(zip(CHOICES, codes[1:4], strict=True))
    for choice, code in deleted.items():
        assert (await client.delete(f"/api/v1/establishments/{code}", params={"on_platforms": choice})).status_code == 204

    left = len(sites) - len(CHOICES)
    # none of the six removes a listing through its API: `remove` asks a person on each
    await wait_for(client, lambda s: s["totals"] == {"live": left * len(SIX), "action_required": len(SIX)}, timeout=240)
    removing = await sync_rows(client, deleted["remove"])
    assert {r["status"] for r in removing.values()} == {"action_required"}
    for platform in SIX:
        assert (await client.post(f"/api/v1/establishments/{deleted['remove']}/sync/{platform}/done")).status_code == 200
    assert (await client.get("/api/v1/sync/summary")).json()["totals"] == {"live": left * len(SIX)}

    await assert_no_refusal_and_no_429(sandbox, SIX, len(sites) * 2)  # the creates and the migration at least
