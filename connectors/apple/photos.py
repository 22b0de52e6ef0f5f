"""Apple Business Connect photos: location assets (`/orgs/{orgId}/locations/{locationId}/assets`).

From Apple's reference (business.apple.com/docs/api/v1): "Create Location Asset Resource" (POST
…/assets, body `assetDetails`), "Location asset details" (`partnersAssetId`, `dateAdded`,
`intent` required; `imageId` or `photos` required; `captions[]` {title, altText, locale}
recommended; `photos` sizes {url, pixelHeight, pixelWidth}), "Get Location Asset Resource by ID"
(soft-deleted assets are not returned), "Media overview" (files SHOULD NOT exceed 15 MB;
"Import": JPEG or PNG). A photo is sent by URL in `photos.xxlarge` with its pixel size (read from
the image itself by the pre-send check), so no asynchronous image import is needed.
`partnersAssetId` is a stable hash of the photo's category and URL: a retried push finds the
asset it already created in the list and does not create it twice.
UNVERIFIED (not found in the pages read): intents other than `GALLERY` and `COVER_PHOTO` (the
logo and profile photos are sent as `GALLERY` with a classification, a brand's logo being a
brand asset, not a location one); DELETE …/assets/{assetId} (implied by "soft deleted"); the
list endpoint's paging (one page read here).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from connectors.base import PushContext, ReadBack, Rendering
from connectors.common.photos import PhotoRules, check, key

CATEGORY = {"cover": "COVER_PHOTO", "logo": "GALLERY:logo", "profile": "GALLERY:profile", "exterior": "GALLERY:exterior",
            "interior": "GALLERY:interior", "team": "GALLERY:team", "other": "GALLERY"}
RULES = PhotoRules("Apple", max_bytes=15 * 1024 * 1024, source="Apple Business Connect media overview")
GONE = ("DELETED", "REJECTED")


def partners_asset_id(photo: dict[str, Any]) -> str:
    return "vitrine-" + hashlib.sha256(key(photo).encode()).hexdigest()[:24]


def details(photo: dict[str, Any], size: tuple[int, int]) -> dict[str, Any]:
    intent, _, classification = photo["category"].partition(":")
    body: dict[str, Any] = {"partnersAssetId": partners_asset_id(photo), "intent": intent, "source": "BUSINESS",
                            "dateAdded": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "photos": {"xxlarge": {"url": photo["url"], "pixelWidth": size[0], "pixelHeight": size[1]}}}
    if classification:
        body["classifications"] = [classification]
    if photo.get("caption"):
        body["captions"] = [{"title": photo["caption"][:100], "altText": photo["caption"], "locale": "fr-FR"}]
    return body


async def listed(conn: Any, location_id: str) -> dict[str, str]:
    """partnersAssetId -> asset id, for the location's assets Apple has not deleted or rejected."""
    response = await conn._api("GET", f"{conn._location_url(location_id)}/assets")
    if not response.is_success:
        from connectors.apple.connector import classify
        raise classify(response)
    body = response.json()
    items = body.get("data", body) if isinstance(body, dict) else body
    return {a["assetDetails"]["partnersAssetId"]: str(a["id"]) for a in items or []
            if a.get("state") not in GONE and (a.get("assetDetails") or {}).get("partnersAssetId")}


async def sync(conn: Any, location_id: str, rendering: Rendering, ctx: PushContext) -> dict[str, Any]:
    if "photos" not in ctx.changed:
        return {}
    from connectors.apple.connector import classify

    wanted = rendering.payload.get("photos", [])
    shown = await listed(conn, location_id)
    new = [p for p in wanted if partners_asset_id(p) not in shown]
    sizes = await check(conn.client, rendering, new, RULES)
    for photo in new:
        response = await conn._api("POST", f"{conn._location_url(location_id)}/assets",
                                   json={"assetDetails": details(photo, sizes[photo["url"]])})
        if not response.is_success:
            raise classify(response)
    keep = {partners_asset_id(p) for p in wanted}
    sent_before = {partners_asset_id(p) for p in (ctx.previous or {}).get("photos", [])}
    removed = [asset for pid, asset in shown.items() if pid in sent_before and pid not in keep]
    for asset in removed:
        response = await conn._api("DELETE", f"{conn._location_url(location_id)}/assets/{asset}")
        if not response.is_success and response.status_code != 404:
            raise classify(response)
    return {"photos_added": len(new), "photos_removed": len(removed)}


async def compare(conn: Any, location_id: str, pushed: dict[str, Any], readback: ReadBack) -> None:
    if not pushed.get("photos"):
        return
    shown = set(await listed(conn, location_id))
    if {partners_asset_id(p) for p in pushed["photos"]} - shown:
        readback.mismatched.append("photos")
