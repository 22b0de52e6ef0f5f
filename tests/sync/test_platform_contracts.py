"""Issue 11: the realistic workload, through the API and an arq worker, against the strict sandbox
(Google checked against its discovery document, Facebook against Meta's Business SDK, Apple
against the schema written from its pages), with the platforms' own quotas on both sides. It
must end with every listing live, 0 requests refused and 0 answered 429 on each platform.

The workload: the bundled sample workbook imported (114 sites) and one site with a cover, a logo
and two more photos, a phone migration campaign over every site, a holiday closure campaign,
then REST edits of every field (a building line before the street, a move, phones, website,
e-mail, description, categories, hours, special hours, each status), one photo removed, and a
site deleted with each choice (`close`, `remove`, `leave`). The photos are read back from each
platform's API, the deletions from the sandbox's listings. Quotas: Apple's own 15 requests a second (an Apple create used to cost two calls
for one token); Google's and Facebook's scaled to 50 a second on both sides (their real minute
and day windows would make the run last an hour): what is tested is that Vitrine's pacing never
exceeds what the platform allows, at whatever figure both sides agree on. The sandbox runs in a
process of its own, as the platforms do (`SandboxProcess`): its windows count requests when
they arrive, not when a busy test process gets round to them.

The capture (requests per platform, refused, 429) is printed for the record (`-s`)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.establishments.factories import record
from tests.sync.conftest import SandboxProcess, connect_all, wait_for
from tests.sync.platform_views import assert_no_refusal_and_no_429, listings, photos, shown_photos, sync_rows
from tests.sync.test_worker import PLATFORMS, settings, settled, worker  # noqa: F401  (fixtures)

# what is checked is the requests each platform receives, not the database: run on PostgreSQL,
# the production one, only (each run takes one to two minutes)
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]


@pytest.fixture
def sandbox(sandbox_config, tmp_path):  # noqa: F811
    with SandboxProcess(sandbox_config, tmp_path) as server:
        yield server


@pytest.fixture
def sandbox_config(sandbox_config):  # noqa: F811
    sandbox_config.google.project_quota.count, sandbox_config.google.project_quota.window_seconds = 50, 1
    sandbox_config.facebook.page_quota.count, sandbox_config.facebook.page_quota.window_seconds = 50, 1
    assert (sandbox_config.apple.quota.count, sandbox_config.apple.quota.window_seconds) == (15, 1)  # Apple's own
    return sandbox_config


EDITS = [  # REST edits of every field, one PATCH each, on the first site
    {"address": {"lines": ["Bâtiment B", "12 bis rue Oberkampf"], "postal_code": "75011", "locality": "Paris",
                 "country": "FR"}, "geo": {"lat": 48.8656, "lng": 2.3781}},
    {"name": "Clinique du Parc — Oberkampf"},
    {"phones": {"primary": "01 40 00 00 01", "additional": ["06 12 34 56 78"]}},
    {"website": "https://www.example.fr/oberkampf"},
    {"email": "accueil@example.fr"},
    {"description": "Consultations et imagerie, sur rendez-vous."},
    {"categories": {"primary": "medical_center", "additional": ["medical_laboratory"]}},
    {"hours": {"regular": {"monday": [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}],
                           "tuesday": [{"open": "08:00", "close": "19:00"}]},
               "special": [{"start_date": "2027-05-01", "closed": True},
                           {"start_date": "2027-05-08", "intervals": [{"open": "09:00", "close": "12:00"}]}]}},
    {"status": "closed_temporarily"},
    {"status": "opening_soon", "opening_date": (dt.date.today() + dt.timedelta(days=40)).isoformat()},
    {"status": "closed_permanently", "opening_date": None},
    {"status": "open"},
]


PHOTO_SITE = "PHOTO-001"
CHOICES = ("close", "remove", "leave")


async def test_the_realistic_workload_gets_no_refusal_and_no_429(client, sandbox, worker):  # noqa: F811
    from service.imports.sample import build_sample

    rates = {"google": "50/1", "facebook": "50/1", "apple": "15/1"}
    worker.ctx["deps"].settings = worker.ctx["deps"].settings.model_copy(update={"rate_limits": rates})
    await connect_all(client, sandbox.url)

    imported = await client.post("/api/v1/imports", data={"allow_partial": "true"},
                                 files={"file": ("sample.xlsx", build_sample(), "application/octet-stream")})
    assert imported.status_code == 200, imported.text
    pictured = record(PHOTO_SITE, name="Centre d'imagerie du Parc", photos=photos(sandbox.url))
    assert (await client.post("/api/v1/establishments", json=pictured)).status_code == 201
    sites = imported.json()["summary"]["create"] + 1
    await wait_for(client, settled(sites), timeout=300)
    await _photos_shown(client, sandbox, pictured["photos"])
    codes = [e["store_code"] for e in (await client.get("/api/v1/establishments", params={"limit": 500})).json()["items"]
             if e["store_code"] != PHOTO_SITE]

    migration = await client.post("/api/v1/campaigns/phone-migration", json={"dry_run": False, "mapping": [
        {"store_code": code, "new_phone": f"+3314{i:07d}"} for i, code in enumerate([*codes, PHOTO_SITE])]})
    assert migration.status_code == 201, migration.text
    closure = await client.post("/api/v1/campaigns/holiday-closure", json={"start_date": "2026-12-25", "dry_run": False})
    assert closure.status_code == 201, closure.text
    for edit in EDITS:
        response = await client.patch(f"/api/v1/establishments/{codes[0]}", json=edit)
        assert response.status_code == 200, (edit, response.text)
    kept = pictured["photos"][:3]  # the interior photo removed
    assert (await client.patch(f"/api/v1/establishments/{PHOTO_SITE}", json={"photos": kept})).status_code == 200
    deleted = dict(zip(CHOICES, codes[1:4], strict=True))
    for choice, code in deleted.items():
        response = await client.delete(f"/api/v1/establishments/{code}", params={"on_platforms": choice})
        assert response.status_code == 204, response.text
    assert set(await sync_rows(client, deleted["close"])) == set(PLATFORMS)  # deleted, still in view

    left = sites - len(CHOICES)
    # remove: Google deletes through its API; Facebook and Apple ask a person, in view until done
    await wait_for(client, lambda s: s["totals"] == {"live": left * len(PLATFORMS), "not_connected": 1,
                                                     "action_required": 2}, timeout=600)
    removing = await sync_rows(client, deleted["remove"])
    assert {p: r["status"] for p, r in removing.items()} == {
        "google": "not_connected", "facebook": "action_required", "apple": "action_required"}
    for platform in ("facebook", "apple"):
        assert "remove the listing" in removing[platform]["last_error"]
        assert (await client.post(f"/api/v1/establishments/{deleted['remove']}/sync/{platform}/done")).status_code == 200
    summary = (await client.get("/api/v1/sync/summary")).json()
    assert summary["totals"] == {"live": left * len(PLATFORMS)}  # every deleted site settled, out of view
    await _photos_shown(client, sandbox, kept)
    await _deletions_carried_out(sandbox, deleted)

    await assert_no_refusal_and_no_429(sandbox, PLATFORMS, sites * 3)  # import, migration, closure at least


async def _photos_shown(client, sandbox, expected: list[dict]) -> None:
    """The photo site is live (its photos read back) on the three, and each platform's API lists
    exactly the record's photos: Facebook's logo is the profile picture, the others uploaded."""
    rows = await sync_rows(client, PHOTO_SITE)
    assert {p: r["status"] for p, r in rows.items()} == dict.fromkeys(PLATFORMS, "live")
    shown = await shown_photos(sandbox, {p: r["remote_id"] for p, r in rows.items()})
    categories = {"cover": "COVER", "logo": "LOGO", "exterior": "EXTERIOR", "interior": "INTERIOR"}
    assert shown["google"] == {(categories[p["kind"]], p["url"]) for p in expected}
    assert {url for _, url in shown["apple"]} == {p["url"] for p in expected}
    assert [intent for intent, _ in shown["apple"]].count("COVER_PHOTO") == 1
    page = shown["facebook"]["page"]
    assert page["picture"]["data"]["is_silhouette"] is False and page["cover"]["cover_id"] in shown["facebook"]["uploaded"]
    assert len(shown["facebook"]["uploaded"]) == len(expected) - 1  # all but the logo


async def _deletions_carried_out(sandbox, deleted: dict[str, str]) -> None:
    """close: the same listing, permanently closed everywhere; remove: gone from Google (Facebook
    and Apple removed by a person, who said so); leave: untouched, still open."""
    shown = await listings(sandbox)
    closed = deleted["close"]
    assert shown["google"][closed]["openInfo"]["status"] == "CLOSED_PERMANENTLY"
    assert shown["facebook"][closed]["is_permanently_closed"] is True
    assert shown["apple"][closed]["locationStatus"]["status"] == "CLOSED"
    assert deleted["remove"] not in shown["google"]
    assert shown["google"][deleted["leave"]]["openInfo"]["status"] == "OPEN"
    assert shown["apple"][deleted["leave"]]["locationStatus"]["status"] == "OPEN"
