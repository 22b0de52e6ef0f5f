"""Photos go out (issue 11, must show 3): a site's cover, logo and two more photos published on
each platform of the sandbox, read back live; a photo removed from the record removed there; a
photo the platform would refuse refused before sending, naming it. The sandbox serves the test
images itself (`/media/test/{w}x{h}.png`): no request leaves 127.0.0.1."""

import asyncio
import time

import httpx
import pytest

from service.sync import engine
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, sandbox_admin, wait_for
from tests.sync.test_embedded import all_live

pytestmark = pytest.mark.slow
PLATFORMS = ("google", "facebook", "apple")


async def _apple_checks(sandbox, rows, site, n):
    """Apple shows `n` of the site's photos as location assets, the cover as COVER_PHOTO."""
    async with httpx.AsyncClient(base_url=f"{sandbox.url}/apple/api/v1") as c:
        token = (await c.post("/oauth2/token", json={"client_id": "sandbox-apple-client",
                                                      "client_secret": "sandbox-apple-secret",
                                                      "grant_type": "client_credentials", "scope": "business"}))
        if token.status_code >= 300:
            token = await c.post("/oauth2/token", data={"client_id": "sandbox-apple-client",
                                                         "client_secret": "sandbox-apple-secret",
                                                         "grant_type": "client_credentials", "scope": "business_connect"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = await c.get(f"/orgs/horizon-sante/locations/{rows['apple']['remote_id']}/assets", headers=headers)
    assets = listed.json()["data"]
    assert sorted(a["assetDetails"]["photos"]["xxlarge"]["url"] for a in assets) == sorted(
        p["url"] for p in site["photos"][:n])
    assert [a["assetDetails"]["intent"] for a in assets].count("COVER_PHOTO") == 1


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_backoff_base": 0.2, "sync_backoff_max": 2.0,
                                       "rate_limits": {"facebook": "20/1"}})


def photos(url: str) -> list[dict]:
    return [{"url": f"{url}/media/test/1024x576.png", "kind": "cover"},
            {"url": f"{url}/media/test/400x400.png", "kind": "logo"},
            {"url": f"{url}/media/test/800x600.png", "kind": "exterior", "caption": "L'entrée"},
            {"url": f"{url}/media/test/640x480.png", "kind": "interior"}]


async def _google_media(sandbox) -> list[dict]:
    locations = await sandbox_admin(sandbox, "GET", "/_sandbox/google/locations")
    assert len(locations) == 1
    name = locations[0]["name"]
    async with __import__("httpx").AsyncClient(base_url=sandbox.url) as c:
        listed = await c.get(f"/google/v4/accounts/horizon-sante/{name}/media",
                             headers={"Authorization": "Bearer sandbox-google-token"})
    assert listed.status_code == 200, listed.text
    return listed.json().get("mediaItems", [])


async def _status(client, code: str) -> dict[str, dict]:
    return {r["platform"]: r for r in (await client.get(f"/api/v1/establishments/{code}/sync")).json()}


async def _until(client, code: str, predicate, timeout: float = 60.0) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while True:
        rows = await _status(client, code)
        if predicate(rows):
            return rows
        assert time.monotonic() < deadline, rows
        await asyncio.sleep(0.3)


async def _facebook(sandbox, page_id: str) -> tuple[dict, set[str]]:
    async with httpx.AsyncClient(base_url=f"{sandbox.url}/facebook/v25.0",
                                 headers={"Authorization": "Bearer sandbox-facebook-token"}) as c:
        page = (await c.get(f"/{page_id}", params={"fields": "cover,picture"})).json()
        uploaded = (await c.get(f"/{page_id}/photos", params={"type": "uploaded"})).json()["data"]
    return page, {p["id"] for p in uploaded}


async def _target(session_factory, code: str, platform: str):
    from sqlalchemy import select

    from service.db import unit_of_work
    from service.models import EstablishmentRow, SyncTarget

    async with unit_of_work(session_factory) as session:
        row = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.store_code == code))).one()[0]
        return (await session.exec(select(SyncTarget).where(SyncTarget.establishment_id == row.id,
                                                            SyncTarget.platform == platform))).one()[0]


async def test_cover_logo_and_two_more_go_live_and_a_removed_photo_is_removed(client, sandbox, session_factory,
                                                                               settings):
    await connect_all(client, sandbox.url, platforms=PLATFORMS)
    site = record("P-1", photos=photos(sandbox.url))
    assert (await client.post("/api/v1/establishments", json=site)).status_code == 201
    await wait_for(client, all_live(1, platforms=PLATFORMS))
    rows = await _status(client, "P-1")
    for platform in PLATFORMS:
        assert "photos" not in rows[platform]["detail"].get("unsupported", {}), platform
        assert rows[platform]["detail"]["push"]["photos_added"] == 4, platform
    shown = {(m["locationAssociation"]["category"], m["sourceUrl"]) for m in await _google_media(sandbox)}
    assert shown == {("COVER", site["photos"][0]["url"]), ("LOGO", site["photos"][1]["url"]),
                     ("EXTERIOR", site["photos"][2]["url"]), ("INTERIOR", site["photos"][3]["url"])}
    page, uploaded = await _facebook(sandbox, rows["facebook"]["remote_id"])
    assert page["picture"]["data"]["is_silhouette"] is False and page["cover"]["cover_id"] in uploaded
    assert len(uploaded) == 3  # the cover (unpublished) and the two others; the logo is the profile picture
    await _apple_checks(sandbox, rows, site, 4)

    kept = site["photos"][:3]
    assert (await client.patch("/api/v1/establishments/P-1", json={"photos": kept})).status_code == 200
    rows = await _until(client, "P-1", lambda r: all(r[p]["status"] == "live" and r[p]["pushed_revision"] == 2
                                                      for p in PLATFORMS))
    shown = {m["sourceUrl"] for m in await _google_media(sandbox)}
    assert shown == {p["url"] for p in kept}
    _, uploaded_after = await _facebook(sandbox, rows["facebook"]["remote_id"])
    assert len(uploaded_after) == 2 and uploaded_after < uploaded  # the interior photo deleted
    await _apple_checks(sandbox, rows, site, 3)

    # drift: a photo deleted on the platform behind Vitrine's back is reported at the next read-back
    gone = sorted(uploaded_after - {page["cover"]["cover_id"]})[0]
    async with httpx.AsyncClient(base_url=f"{sandbox.url}/facebook/v25.0",
                                 headers={"Authorization": "Bearer sandbox-facebook-token"}) as c:
        assert (await c.delete(f"/{gone}")).status_code == 200
    target = await _target(session_factory, "P-1", "facebook")
    async with httpx.AsyncClient() as http:
        await engine.verify(Deps(session_factory, http, LocalLimiter(), settings), target.establishment_id, "facebook")
    rows = await _status(client, "P-1")
    assert rows["facebook"]["status"] == "drifted" and rows["facebook"]["detail"]["drift"] == ["photos"]


async def test_a_photo_google_would_refuse_is_refused_before_sending_by_name(client, sandbox):
    await connect_all(client, sandbox.url, platforms=("google",))
    small = [*photos(sandbox.url)[:2], {"url": f"{sandbox.url}/media/test/200x200.png", "kind": "other"}]
    assert (await client.post("/api/v1/establishments", json=record("P-2", photos=small))).status_code == 201
    rows = await _until(client, "P-2", lambda r: r["google"]["status"] == "failed")
    assert "photos[2].url" in rows["google"]["last_error"] and "250×250" in rows["google"]["last_error"]
    assert all("200x200" not in m["sourceUrl"] for m in await _google_media(sandbox))
