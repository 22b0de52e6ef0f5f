"""What the sandbox's Google, Facebook and Apple show of a site, read the way a person (or the
platform's own API) would: its photos and its listing. The workload tests compare these with
what Vitrine says, so a test never trusts Vitrine's own account of a push."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.sync.conftest import sandbox_admin

APPLE_CLIENT = {"client_id": "sandbox-apple-client", "client_secret": "sandbox-apple-secret",
                "grant_type": "client_credentials", "scope": "business"}


def photos(url: str) -> list[dict[str, str]]:
    """A cover, a logo and two more, served by the sandbox itself (no request leaves 127.0.0.1)."""
    return [{"url": f"{url}/media/test/1024x576.png", "kind": "cover"},
            {"url": f"{url}/media/test/400x400.png", "kind": "logo"},
            {"url": f"{url}/media/test/800x600.png", "kind": "exterior", "caption": "L'entrée"},
            {"url": f"{url}/media/test/640x480.png", "kind": "interior"}]


async def sync_rows(client: httpx.AsyncClient, code: str) -> dict[str, dict[str, Any]]:
    """The site's rows in `GET /sync` (empty once a deleted site is settled everywhere)."""
    rows: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {"limit": 500}
    while True:
        page = (await client.get("/api/v1/sync", params=params)).json()
        rows.update((r["platform"], r) for r in page["items"] if r["store_code"] == code)
        if not page["next_cursor"]:
            return rows
        params["cursor"] = page["next_cursor"]


async def shown_photos(sandbox: Any, remote_ids: dict[str, str]) -> dict[str, Any]:
    """Per platform, what its API lists for the location: Google's media (category, sourceUrl),
    Facebook's profile picture, cover and uploaded photos, Apple's location assets."""
    async with httpx.AsyncClient(base_url=sandbox.url) as c:
        google = await c.get(f"/google/v4/accounts/horizon-sante/{remote_ids['google']}/media",
                             headers={"Authorization": "Bearer sandbox-google-token"})
        facebook_auth = {"Authorization": "Bearer sandbox-facebook-token"}
        page = await c.get(f"/facebook/v25.0/{remote_ids['facebook']}", params={"fields": "cover,picture"},
                           headers=facebook_auth)
        uploaded = await c.get(f"/facebook/v25.0/{remote_ids['facebook']}/photos", params={"type": "uploaded"},
                               headers=facebook_auth)
        token = (await c.post("/apple/api/v1/oauth2/token", json=APPLE_CLIENT)).json()["access_token"]
        assets = await c.get(f"/apple/api/v1/orgs/horizon-sante/locations/{remote_ids['apple']}/assets",
                             headers={"Authorization": f"Bearer {token}"})
    for response in (google, page, uploaded, assets):
        assert response.status_code == 200, response.text
    return {
        "google": {(m["locationAssociation"]["category"], m["sourceUrl"]) for m in google.json().get("mediaItems", [])},
        "facebook": {"page": page.json(), "uploaded": {p["id"] for p in uploaded.json()["data"]}},
        "apple": {(a["assetDetails"]["intent"], a["assetDetails"]["photos"]["xxlarge"]["url"])
                  for a in assets.json()["data"]},
    }


async def listings(sandbox: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Per platform, store code -> the listing the sandbox holds (Google's live fields, the
    Facebook page's fields, Apple's locationDetails)."""
    google = await sandbox_admin(sandbox, "GET", "/_sandbox/google/locations")
    facebook = await sandbox_admin(sandbox, "GET", "/_sandbox/facebook/locations")
    apple = await sandbox_admin(sandbox, "GET", "/_sandbox/apple/locations")
    return {
        "google": {loc["live"]["storeCode"]: loc["live"] for loc in google},
        "facebook": {p["store_code"] or p["store_number"]: p["fields"] for p in facebook if p["parent_id"]},
        "apple": {loc["locationDetails"]["partnersLocationId"]: loc["locationDetails"] for loc in apple},
    }


async def assert_no_refusal_and_no_429(sandbox, platforms, at_least: int) -> dict:
    """The sandbox's capture for `platforms`, printed for the record (`-s`): each platform got
    more than `at_least` requests, refused none and answered none with 429."""
    stats = await sandbox_admin(sandbox, "GET", "/_sandbox/stats")
    capture = {p: {"requests": stats[p]["requests_total"], "refused": stats[p]["refused"],
                   "answered_429": stats[p]["answered_429"], "quota_peak": stats[p]["quota_peak"]} for p in platforms}
    print("\ncapture:", json.dumps(capture))
    for platform in platforms:
        assert stats[platform]["refused"] == 0, (platform, stats[platform]["refusals"])
        assert stats[platform]["answered_429"] == 0, (platform, stats[platform]["by_status"])
        assert stats[platform]["requests_total"] > at_least, (platform, stats[platform]["requests_total"])
    return capture
