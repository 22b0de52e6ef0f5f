"""Google photos: the v4 media API of a location (`accounts.locations.media`).

Sources (developers.google.com/my-business):
* reference/rest/v4/accounts.locations.media: `MediaItem` {name, mediaFormat (PHOTO | VIDEO,
  set on create only), locationAssociation {category} (required to create a photo), sourceUrl
  | dataRef, googleUrl, dimensions, description (not on a cover photo)}; methods create (POST
  v4/{parent}/media), list (GET, `mediaItems`, `totalMediaItemCount`, `nextPageToken`), delete.
* content/upload-photos: `{"mediaFormat": "PHOTO", "locationAssociation": {"category": "COVER"},
  "sourceUrl": ...}`.
* Photo rules: JPG or PNG, 10 KB to 5 MB, at least 250 px a side (Business Profile photo
  guidelines; the v3 reference said "a minimum of 250px on the short edge, with a file size of
  at least 10240 bytes").

The media API names the location under its account (`accounts/1/locations/2`), where the
Business Information API says `locations/2`. The list is the truth for what Google shows: a
photo is matched by category and `sourceUrl`, so a retried push after a half-finished one never
uploads twice, and a read-back compares the same way. UNVERIFIED: that Google keeps returning
`sourceUrl` on media it has ingested (the reference lists it as a MediaItem field, not input-only).
"""

from __future__ import annotations

from typing import Any

from connectors.base import PushContext, ReadBack, Rendering
from connectors.common.photos import PhotoRules, check, key

MEDIA_BASE_URL = "https://mybusiness.googleapis.com/v4"
CATEGORY = {"cover": "COVER", "logo": "LOGO", "profile": "PROFILE", "exterior": "EXTERIOR",
            "interior": "INTERIOR", "team": "TEAMS", "other": "ADDITIONAL"}
RULES = PhotoRules("Google", min_bytes=10 * 1024, max_bytes=5 * 1024 * 1024, min_width=250, min_height=250,
                   source="Google Business Profile photo guidelines")


def parent(account: str | None, location: str) -> str:
    if location.startswith("accounts/"):
        return location
    if not account:
        raise ValueError("Google photos need the connection's account (accounts/123...)")
    return f"{account}/{location}"


async def listed(conn: Any, name: str) -> dict[str, str]:
    """photo key (category + URL) -> media item name, for every photo Google shows."""
    found: dict[str, str] = {}
    token = None
    while True:
        params = {"pageSize": "100", **({"pageToken": token} if token else {})}
        response = await conn._call("GET", f"{conn.media_base_url}/{name}/media", params=params)
        if response.status_code >= 300:
            from connectors.google.connector import classify
            raise classify(response, action="read")
        body = response.json()
        for item in body.get("mediaItems") or []:
            category = (item.get("locationAssociation") or {}).get("category")
            if item.get("mediaFormat", "PHOTO") == "PHOTO" and category and item.get("sourceUrl"):
                found[key({"category": category, "url": item["sourceUrl"]})] = item["name"]
        token = body.get("nextPageToken")
        if not token:
            return found


async def sync(conn: Any, location: str, rendering: Rendering, ctx: PushContext) -> dict[str, Any]:
    """Make Google show the rendered photos: add the missing ones, delete those Vitrine sent
    before and the record no longer has (photos added by others on Google are left alone)."""
    if "photos" not in ctx.changed:
        return {}
    from connectors.google.connector import classify

    name = parent(conn.account, location)
    wanted = rendering.payload.get("photos", [])
    shown = await listed(conn, name)
    to_add = [p for p in wanted if key(p) not in shown]
    await check(conn.client, rendering, to_add, RULES)
    for photo in to_add:
        body: dict[str, Any] = {"mediaFormat": "PHOTO", "locationAssociation": {"category": photo["category"]},
                                "sourceUrl": photo["url"]}
        if photo.get("caption") and photo["category"] != "COVER":  # Google takes no description on a cover
            body["description"] = photo["caption"]
        response = await conn._call("POST", f"{conn.media_base_url}/{name}/media", json=body)
        if response.status_code >= 300:
            raise classify(response, action="create")
    keep = {key(p) for p in wanted}
    sent_before = {key(p) for p in (ctx.previous or {}).get("photos", [])}
    removed = [item for k, item in shown.items() if k in sent_before and k not in keep]
    for item in removed:
        response = await conn._call("DELETE", f"{conn.media_base_url}/{item}")
        if response.status_code >= 300 and response.status_code != 404:
            raise classify(response, action="delete")
    return {"photos_added": len(to_add), "photos_removed": len(removed)}


async def compare(conn: Any, location: str, pushed: dict[str, Any], readback: ReadBack) -> None:
    """Mark `photos` mismatched when Google no longer shows a pushed photo."""
    if not pushed.get("photos"):
        return
    shown = set(await listed(conn, parent(conn.account, location)))
    if {key(p) for p in pushed["photos"]} - shown:
        readback.mismatched.append("photos")
