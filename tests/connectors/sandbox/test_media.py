"""The sandbox's media endpoints refuse what the platforms' documents refuse (written from the
documents, not from the connectors: these requests are built by hand). A real server: the
sandbox fetches the photo URLs it is given, from its own `/media/test/…` images."""

import httpx
import pytest

from connectors.sandbox import SandboxConfig, SandboxServer
from connectors.sandbox.media_images import _inspect, png

GOOGLE = {"Authorization": "Bearer sandbox-google-token"}


@pytest.fixture
def server():
    running = SandboxServer(SandboxConfig()).start()
    yield running
    running.stop()


async def _google_location(c: httpx.AsyncClient) -> str:
    body = {"title": "Clinique", "storeCode": "M-1", "languageCode": "fr",
            "categories": {"primaryCategory": {"name": "categories/gcid:hospital"}},
            "storefrontAddress": {"regionCode": "FR", "postalCode": "75011", "locality": "Paris",
                                  "addressLines": ["12 rue Oberkampf"]}}
    created = await c.post("/google/v1/accounts/a1/locations", params={"requestId": "r-1"}, json=body, headers=GOOGLE)
    assert created.status_code == 200, created.text
    return created.json()["name"]


def test_test_images_are_real_pngs_of_the_asked_size():
    seen = _inspect(png(300, 200))
    assert (seen.kind, seen.width, seen.height) == ("PNG", 300, 200) and seen.size > 10 * 1024
    assert len(png(300, 200, noise=False)) < 10 * 1024


async def test_google_media_refuses_what_google_documents_it_refuses(server):
    async with httpx.AsyncClient(base_url=server.url) as c:
        name = await _google_location(c)
        media = f"/google/v4/accounts/a1/{name}/media"
        good = {"mediaFormat": "PHOTO", "locationAssociation": {"category": "EXTERIOR"},
                "sourceUrl": f"{server.url}/media/test/300x300.png"}
        refused = {
            "under 250 px": {**good, "sourceUrl": f"{server.url}/media/test/249x400.png"},
            "under 10 KB": {**good, "sourceUrl": f"{server.url}/media/test/300x300.png?tiny=1"},
            "unknown category": {**good, "locationAssociation": {"category": "LOBBY"}},
            "no association": {k: v for k, v in good.items() if k != "locationAssociation"},
            "no format": {k: v for k, v in good.items() if k != "mediaFormat"},
            "cover with a description": {**good, "locationAssociation": {"category": "COVER"}, "description": "x"},
            "not an image": {**good, "sourceUrl": f"{server.url}/_sandbox"},
            "both sources": {**good, "dataRef": {"resourceName": "x"}},
            "output-only field": {**good, "googleUrl": "https://example.org/x.png"},
        }
        for why, body in refused.items():
            answer = await c.post(media, json=body, headers=GOOGLE)
            assert answer.status_code == 400, (why, answer.text)
            assert answer.json()["error"]["status"] == "INVALID_ARGUMENT", why
        created = await c.post(media, json=good, headers=GOOGLE)
        assert created.status_code == 200, created.text
        item = created.json()
        assert item["dimensions"] == {"widthPixels": 300, "heightPixels": 300}
        assert item["name"].startswith(f"accounts/a1/{name}/media/")
        listed = (await c.get(media, headers=GOOGLE)).json()
        assert [m["name"] for m in listed["mediaItems"]] == [item["name"]] and listed["totalMediaItemCount"] == 1
        assert (await c.delete(f"/google/v4/{item['name']}", headers=GOOGLE)).status_code == 200
        assert (await c.delete(f"/google/v4/{item['name']}", headers=GOOGLE)).status_code == 404
        assert (await c.get(f"/google/v4/accounts/other/{name}/media", headers=GOOGLE)).status_code == 404


async def test_facebook_media_refuses_what_graph_refuses(server):
    page = "100000000000001"  # the sandbox's parent page
    async with httpx.AsyncClient(base_url=f"{server.url}/facebook/v25.0",
                                 headers={"Authorization": "Bearer sandbox-facebook-token"}) as c:
        image = f"{server.url}/media/test/300x300.png"
        unknown = await c.post(f"/{page}/photos", data={"url": image, "source_url": image})
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100
        not_image = await c.post(f"/{page}/photos", data={"url": f"{server.url}/_sandbox"})
        assert not_image.status_code == 400 and not_image.json()["error"]["code"] == 324
        assert (await c.post(f"/{page}/photos", data={})).json()["error"]["code"] == 324
        foreign = await c.post(f"/{page}", data={"cover": "123"})
        assert foreign.status_code == 400 and foreign.json()["error"]["code"] == 100
        assert (await c.post(f"/{page}/picture", data={"picture": image, "frame": "x"})).json()["error"]["code"] == 100

        photo = (await c.post(f"/{page}/photos", data={"url": image, "published": "false"})).json()
        assert "post_id" not in photo  # unpublished: no feed story
        assert (await c.post(f"/{page}", data={"cover": photo["id"]})).json() == {"success": True}
        assert (await c.post(f"/{page}/picture", data={"picture": image})).json() == {"success": True}
        shown = (await c.get(f"/{page}", params={"fields": "cover,picture"})).json()
        assert shown["cover"]["cover_id"] == photo["id"] and shown["picture"]["data"]["is_silhouette"] is False
        assert (await c.delete(f"/{photo['id']}")).json() == {"success": True}
        assert "cover" not in (await c.get(f"/{page}", params={"fields": "cover"})).json()
        assert (await c.get(f"/{page}/photos", params={"type": "uploaded"})).json() == {"data": []}


async def test_apple_assets_refuse_what_apple_documents_it_refuses(server):
    from connectors.sandbox.apple import ALocation

    apple = server.sandbox.emulators["apple"]
    # a bare location, set up while the server is idle: creating one through the API needs a full record
    apple.locations["L1"] = ALocation(id="L1", org_id="o1", details={}, etag="e", created=0, updated=0, submitted_at=0)
    async with httpx.AsyncClient(base_url=f"{server.url}/apple/api/v1") as c:
        token = (await c.post("/oauth2/token", json={"client_id": "sandbox-apple-client", "grant_type": "client_credentials",
                                                      "client_secret": "sandbox-apple-secret", "scope": "business"}))
        if token.status_code >= 300:  # the form-encoded request, as the sandbox took it before issue 11
            token = await c.post("/oauth2/token", data={"client_id": "sandbox-apple-client", "scope": "business_connect",
                                                         "client_secret": "sandbox-apple-secret",
                                                         "grant_type": "client_credentials"})
        c.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        image = f"{server.url}/media/test/300x200.png"
        good = {"partnersAssetId": "a-1", "dateAdded": "2026-12-02T10:00:00Z", "intent": "GALLERY",
                "photos": {"xxlarge": {"url": image, "pixelWidth": 300, "pixelHeight": 200}}}
        refused = {
            "no partnersAssetId": {k: v for k, v in good.items() if k != "partnersAssetId"},
            "no dateAdded": {k: v for k, v in good.items() if k != "dateAdded"},
            "bad dateAdded": {**good, "dateAdded": "yesterday"},
            "unknown intent": {**good, "intent": "LOBBY"},
            "no image": {k: v for k, v in good.items() if k != "photos"},
            "wrong pixel size": {**good, "photos": {"xxlarge": {"url": image, "pixelWidth": 200, "pixelHeight": 200}}},
            "not an image": {**good, "photos": {"xxlarge": {"url": f"{server.url}/_sandbox", "pixelWidth": 1,
                                                            "pixelHeight": 1}}},
            "unknown property": {**good, "mood": "sunny"},
        }
        for why, details in refused.items():
            answer = await c.post("/orgs/o1/locations/L1/assets", json={"assetDetails": details})
            assert answer.status_code == 400, (why, answer.text)
            assert answer.json()[0]["code"] == "VALIDATION_ERROR", why
        created = await c.post("/orgs/o1/locations/L1/assets", json={"assetDetails": good})
        assert created.status_code == 201 and created.json()["state"] == "SUBMITTED"
        again = await c.post("/orgs/o1/locations/L1/assets", json={"assetDetails": good})
        assert again.status_code == 409  # one asset per partnersAssetId
        asset = created.json()["id"]
        assert (await c.delete(f"/orgs/o1/locations/L1/assets/{asset}")).status_code == 204
        assert (await c.get("/orgs/o1/locations/L1/assets")).json() == {"data": []}  # soft-deleted: not returned
        assert (await c.get("/orgs/o2/locations/L1/assets")).status_code == 404
