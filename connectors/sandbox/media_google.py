"""Google Business Profile v4 media of a location: `accounts.locations.media` create, list, delete.

Written from Google's documents, not from the connector:
* developers.google.com/my-business/reference/rest/v4/accounts.locations.media (MediaItem: name
  `accounts/{a}/locations/{l}/media/{key}`; `mediaFormat` PHOTO | VIDEO, required on create;
  `locationAssociation` required to create a photo, a `category` or a `priceListItemId`; the
  union `sourceUrl` | `dataRef`, exactly one; `description` "can be set when creating a new
  media item that is not a cover photo"; googleUrl, thumbnailUrl, createTime, dimensions,
  insights, attribution are output only);
* Category enum: COVER, PROFILE, LOGO, EXTERIOR, INTERIOR, PRODUCT, AT_WORK, FOOD_AND_DRINK,
  MENU, COMMON_AREA, ROOMS, TEAMS, ADDITIONAL (CATEGORY_UNSPECIFIED refused);
* photo guidelines: JPG or PNG, 10 KB to 5 MB, at least 250 x 250 px.
The sandbox fetches `sourceUrl` itself (point it at `/media/test/{w}x{h}.png`) and refuses an
image Google would. UNVERIFIED: the wording of refusals (Google's are generic INVALID_ARGUMENT
with field violations here), output-only fields in a create body (refused as unknown here).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import google_rules as rules
from .core import json_response
from .extras import mount
from .media_images import fetch

CATEGORIES = {"COVER", "PROFILE", "LOGO", "EXTERIOR", "INTERIOR", "PRODUCT", "AT_WORK", "FOOD_AND_DRINK", "MENU",
              "COMMON_AREA", "ROOMS", "TEAMS", "ADDITIONAL"}
WRITABLE = {"mediaFormat", "locationAssociation", "sourceUrl", "dataRef", "description"}
MIN_BYTES, MAX_BYTES, MIN_SIDE = 10 * 1024, 5 * 1024 * 1024, 250


def _bad(field: str, description: str) -> Exception:
    return rules.invalid([{"field": field, "description": description}])


def mount_google_media(emulator: Any) -> None:
    media: dict[str, dict[str, dict[str, Any]]] = {}  # location id -> media key -> MediaItem
    keys = itertools.count(1)
    reset = emulator.reset

    def reset_all() -> None:
        reset()
        media.clear()

    emulator.reset = reset_all
    emulator.media = media  # for dump()-style inspection in tests

    def location(request: Request, account_id: str, location_id: str) -> str:
        emulator.authorize(request)
        loc = emulator.location(location_id)
        if loc.account != account_id:
            raise rules.google_error("NOT_FOUND", "Requested entity was not found.")
        return location_id

    async def create(request: Request, account_id: str, location_id: str) -> Response:
        location(request, account_id, location_id)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise _bad("", "Invalid JSON payload received.") from None
        unknown = sorted(set(body) - WRITABLE) if isinstance(body, dict) else ["(body)"]
        if unknown:
            raise _bad(unknown[0], f'Invalid JSON payload received. Unknown name "{unknown[0]}": Cannot find field.')
        if body.get("mediaFormat") not in ("PHOTO", "VIDEO"):
            raise _bad("media_format", "mediaFormat must be PHOTO or VIDEO.")
        association = body.get("locationAssociation")
        if body["mediaFormat"] == "PHOTO" and not isinstance(association, dict):
            raise _bad("location_association", "locationAssociation is required to create a photo.")
        category = (association or {}).get("category")
        if association and not association.get("priceListItemId") and category not in CATEGORIES:
            raise _bad("location_association.category", f"Invalid category {category!r}.")
        if ("sourceUrl" in body) == ("dataRef" in body):
            raise _bad("source_url", "Exactly one of sourceUrl or dataRef must be set.")
        if body.get("description") and category == "COVER":
            raise _bad("description", "A cover photo cannot have a description.")
        if "dataRef" in body:
            raise _bad("data_ref", "Unknown dataRef (this sandbox has no upload sessions).")
        seen = await fetch(str(body["sourceUrl"]), MAX_BYTES)
        if seen.error:
            raise _bad("source_url", f"Could not fetch the media: {seen.error}.")
        if body["mediaFormat"] == "PHOTO":
            if seen.kind not in ("JPEG", "PNG"):
                raise _bad("source_url", "The photo must be a JPG or PNG image.")
            if not MIN_BYTES <= seen.size <= MAX_BYTES:
                raise _bad("source_url", "The photo must be between 10 KB and 5 MB.")
            if seen.width < MIN_SIDE or seen.height < MIN_SIDE:
                raise _bad("source_url", f"The photo is {seen.width}x{seen.height}; the minimum is 250x250 pixels.")
        key = f"AF1Qip{next(keys):08d}"
        item = {"name": f"accounts/{account_id}/locations/{location_id}/media/{key}", **body,
                "googleUrl": f"https://lh3.googleusercontent.com/p/{key}", "createTime": "2026-01-01T00:00:00Z",
                "dimensions": {"widthPixels": seen.width, "heightPixels": seen.height}}
        media.setdefault(location_id, {})[key] = item
        return json_response(item)

    async def list_media(request: Request, account_id: str, location_id: str) -> Response:
        location(request, account_id, location_id)
        items = list(media.get(location_id, {}).values())
        try:
            size = int(request.query_params.get("pageSize") or 100)
            start = int(request.query_params.get("pageToken") or 0)
        except ValueError:
            raise _bad("page_token", "Invalid page token or page size.") from None
        if not 1 <= size <= 2500:
            raise _bad("page_size", "page_size must be between 1 and 2500.")
        body: dict[str, Any] = {"mediaItems": items[start:start + size], "totalMediaItemCount": len(items)}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return json_response(rules.drop_defaults(body))

    async def delete(request: Request, account_id: str, location_id: str, key: str) -> Response:
        location(request, account_id, location_id)
        if media.get(location_id, {}).pop(key, None) is None:
            raise rules.google_error("NOT_FOUND", "Requested entity was not found.")
        return json_response({})

    router = APIRouter()
    base = "/v4/accounts/{account_id}/locations/{location_id}/media"
    router.add_api_route(base, create, methods=["POST"])
    router.add_api_route(base, list_media, methods=["GET"])
    router.add_api_route(base + "/{key}", delete, methods=["DELETE"])
    mount(emulator, router)
