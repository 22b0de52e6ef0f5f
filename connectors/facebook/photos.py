"""Facebook photos: a location Page's profile picture, cover and photos (Graph API).

From Meta's `facebook-business` SDK (`Page.create_picture`, `Page.create_photo`,
`Page.get_photos`, `Page.api_update`) and the Graph API Page and Photo references:
* the first `logo` (else `profile`) photo becomes the profile picture: POST /{page}/picture
  `picture=<url>`. A profile picture cannot be deleted through the API: a logo removed from the
  record stays until another one is set;
* the `cover` photo is uploaded unpublished (POST /{page}/photos `url`, `published=false`), then
  set as the cover: POST /{page} `cover=<photo id>`;
* every other photo is a Page photo: POST /{page}/photos `url` (+ `caption`); removed with
  DELETE /{photo-id}.
Facebook rehosts images, so what it shows cannot be matched by URL: the ids it answered are kept
in the pushed payload's `_media` (photo key -> id, `picture` for the profile picture) and read
back from GET /{page}?fields=cover,picture and GET /{page}/photos?type=uploaded.
Rules checked before sending: under 4 MB (Photo reference), JPEG or PNG (Meta also takes GIF,
BMP, TIFF: Vitrine does not read those, so it refuses them rather than guess).
"""

from __future__ import annotations

from typing import Any

from connectors.base import PushContext, ReadBack, Rendering
from connectors.common.photos import BOOKKEEPING, PhotoRules, check, key

CATEGORY = {"cover": "cover", "logo": "logo", "profile": "profile", "exterior": "photo", "interior": "photo",
            "team": "photo", "other": "photo"}
RULES = PhotoRules("Facebook", max_bytes=4 * 1024 * 1024, source="Graph API Photo reference")


def _picture(photos: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((p for p in photos if p["category"] == "logo"), None) or next(
        (p for p in photos if p["category"] == "profile"), None)


async def sync(conn: Any, page_id: str, rendering: Rendering, ctx: PushContext) -> dict[str, Any]:
    """Publish the rendered photos; keep their ids in `rendering.payload['_media']`."""
    media: dict[str, str] = dict((ctx.previous or {}).get(BOOKKEEPING) or {})
    if "photos" not in ctx.changed:
        if media:
            rendering.payload[BOOKKEEPING] = media
        return {}
    wanted = rendering.payload.get("photos", [])
    picture = _picture(wanted)
    # the profile picture is one slot: only the chosen logo/profile photo is sent
    sendable = [p for p in wanted if p["category"] not in ("logo", "profile") or p is picture]
    new = [p for p in sendable if key(p) not in media]
    await check(conn.client, rendering, new, RULES)
    added = removed = 0
    for photo in new:
        if photo is picture:
            await conn._call("POST", f"/{page_id}/picture", data={"picture": photo["url"]})
            media = {k: v for k, v in media.items() if v != "picture"}
            media[key(photo)] = "picture"
        else:
            params = {"url": photo["url"], **({"caption": photo["caption"]} if photo.get("caption") else {})}
            if photo["category"] == "cover":
                params["published"] = "false"
            answer = (await conn._call("POST", f"/{page_id}/photos", data=params)).json()
            media[key(photo)] = str(answer["id"])
            if photo["category"] == "cover":
                await conn._call("POST", f"/{page_id}", data={"cover": str(answer["id"])})
        added += 1
        rendering.payload[BOOKKEEPING] = media
    keep = {key(p) for p in sendable}
    for photo_key, photo_id in sorted(media.items()):
        if photo_key in keep or photo_id == "picture":
            continue
        await conn._call("DELETE", f"/{photo_id}")
        del media[photo_key]
        removed += 1
    rendering.payload[BOOKKEEPING] = media
    return {"photos_added": added, "photos_removed": removed}


async def compare(conn: Any, page_id: str, pushed: dict[str, Any], readback: ReadBack) -> None:
    """`photos` drifted when a photo Vitrine published is gone, or the cover or picture changed."""
    media: dict[str, str] = pushed.get(BOOKKEEPING) or {}
    if not pushed.get("photos") or not media:
        return
    shown = (await conn._call("GET", f"/{page_id}", params={"fields": "cover,picture"})).json()
    uploaded = (await conn._call("GET", f"/{page_id}/photos", params={"type": "uploaded", "fields": "id"})).json()
    ids = {str(p.get("id")) for p in uploaded.get("data") or []}
    cover_key = next((key(p) for p in pushed["photos"] if p["category"] == "cover"), None)
    drifted = any(i not in ids for k, i in media.items() if i != "picture")
    drifted |= bool(cover_key and media.get(cover_key) and (shown.get("cover") or {}).get("cover_id") != media[cover_key])
    drifted |= "picture" in media.values() and ((shown.get("picture") or {}).get("data") or {}).get("is_silhouette", True)
    if drifted:
        readback.mismatched.append("photos")
