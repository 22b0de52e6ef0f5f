"""Feed partners end to end (embedded mode): one file per partner over real SFTP, sites submitted."""

import pytest

from connectors.feeds import PARTNERS, render_feed
from connectors.sandbox.sftp import SftpInbox
from tests.establishments.factories import record
from tests.sync.conftest import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"feed_batch_seconds": 0.3, "sync_debounce_seconds": 0.1,
                                       "reconcile_seconds": 1,
                                       "rate_limits": {"pagesjaunes": "10/1"}})  # one file a minute in real life


async def test_a_feed_goes_out_whole_and_marks_every_site_submitted(client, tmp_path):
    async with SftpInbox(tmp_path / "sftp") as inbox:
        connected = await client.put("/api/v1/platforms/pagesjaunes/connection", json={
            "credentials": inbox.credentials, "options": inbox.options("pagesjaunes")})
        assert connected.status_code == 200 and connected.json()["channel"] == "feed"
        items = [record(f"F-{i}", name=f"Clinique {i}") for i in range(4)]
        await client.post("/api/v1/establishments/bulk", json={"items": items})
        await wait_for(client, lambda s: s["platforms"].get("pagesjaunes", {}).get("submitted") == 4)
        files = sorted((tmp_path / "sftp" / "pagesjaunes").iterdir())
        assert len(files) == 1 and not files[0].name.endswith(".part")  # four changes, one file
        rows = [r for r in (await client.get("/api/v1/sync", params={"platform": "pagesjaunes"})).json()["items"]]
        assert all(r["expected_by"] and r["pushed_revision"] == 1 for r in rows)
        assert all(r["detail"]["delivery"] == files[0].name for r in rows)
        # the file is exactly the partner's rendering of the four sites, byte for byte
        from schemas import Establishment
        from connectors.feeds import render_row

        partner = PARTNERS["pagesjaunes"]
        expected = render_feed(partner, [render_row(partner, Establishment.model_validate(i)).payload for i in items])
        assert files[0].read_bytes() == expected
        # a change to one site sends the whole feed again, with the new value
        await client.patch("/api/v1/establishments/F-2", json={"website": "https://www.nouveau.fr/"})
        await wait_for(client, lambda s: s["platforms"]["pagesjaunes"].get("submitted") == 4
                       and len(list((tmp_path / "sftp" / "pagesjaunes").iterdir())) >= 2, timeout=30)
        newest = max((tmp_path / "sftp" / "pagesjaunes").iterdir(), key=lambda p: p.stat().st_mtime)
        assert b"https://www.nouveau.fr/" in newest.read_bytes() and newest.read_bytes().count(b"\r\n") == 5
