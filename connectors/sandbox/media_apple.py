"""Apple Business Connect location assets: create, list, get, delete.

From Apple's reference pages (business.apple.com/docs/api/v1): "Create Location Asset Resource"
(POST /api/v1/orgs/{orgId}/locations/{locationId}/assets → 201 with orgId, locationId, id,
createdDate, updatedDate, state, etag, assetDetails), "Location asset details" (required:
`partnersAssetId`, `dateAdded` (dateTime), `intent`, one of `imageId` or `photos`; recommended
`captions[]`, `source`; optional `capturedBy`, `classifications[]`, `coordinates`), "Get Location
Asset Resource by ID" ("soft" deleted assets are not returned), "Media overview" (files SHOULD NOT
exceed 15 MB; JPEG or PNG). The sandbox fetches `photos.*.url` and checks the format, the size
and that the declared pixelWidth/pixelHeight are the image's.
UNVERIFIED: intents beyond the documented samples (GALLERY, COVER_PHOTO) are refused; the DELETE
method and the list's envelope (`{"data": [...]}` here); error codes (Apple's `[{"code",
"message"}]` shape with VALIDATION_ERROR).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apple import apple_error
from .core import json_response
from .extras import mount
from .media_images import fetch

INTENTS = {"GALLERY", "COVER_PHOTO"}
REQUIRED = ("partnersAssetId", "dateAdded", "intent")
KNOWN = {*REQUIRED, "imageId", "photos", "captions", "source", "capturedBy", "classifications", "coordinates"}
MAX_BYTES = 15 * 1024 * 1024


def _invalid(field: str, message: str) -> Exception:
    return apple_error(400, "VALIDATION_ERROR", message, field=field)


def mount_apple_media(emulator: Any) -> None:
    assets: dict[str, dict[str, Any]] = {}  # asset id -> resource
    ids = itertools.count(9_467_895_078_742_700_001)
    reset = emulator.reset

    def reset_all() -> None:
        reset()
        assets.clear()

    emulator.reset = reset_all

    async def validated(body: Any) -> dict[str, Any]:
        details = body.get("assetDetails") if isinstance(body, dict) else None
        if not isinstance(details, dict):
            raise _invalid("assetDetails", "assetDetails is required")
        for name in REQUIRED:
            if not details.get(name):
                raise _invalid(f"assetDetails.{name}", f"{name} is required")
        unknown = sorted(set(details) - KNOWN)
        if unknown:
            raise _invalid(f"assetDetails.{unknown[0]}", f"unknown property {unknown[0]}")
        try:
            dt.datetime.fromisoformat(str(details["dateAdded"]).replace("Z", "+00:00"))
        except ValueError:
            raise _invalid("assetDetails.dateAdded", "dateAdded must be a dateTime") from None
        if details["intent"] not in INTENTS:
            raise _invalid("assetDetails.intent", f"unknown intent {details['intent']!r}")
        if ("imageId" in details) == ("photos" in details):
            raise _invalid("assetDetails.photos", "exactly one of imageId or photos is required")
        if "imageId" in details:
            raise _invalid("assetDetails.imageId", "unknown imageId (this sandbox imports no images)")
        for size, photo in (details["photos"] or {}).items():
            where = f"assetDetails.photos.{size}"
            if not isinstance(photo, dict) or not photo.get("url"):
                raise _invalid(where, "url, pixelHeight and pixelWidth are required")
            seen = await fetch(str(photo["url"]), MAX_BYTES)
            if seen.error or seen.kind not in ("JPEG", "PNG"):
                raise _invalid(where + ".url", seen.error or "the file is not a JPEG or PNG image")
            if seen.size > MAX_BYTES:
                raise _invalid(where + ".url", "the file exceeds 15 MB")
            if (photo.get("pixelWidth"), photo.get("pixelHeight")) != (seen.width, seen.height):
                raise _invalid(where, f"pixelWidth/pixelHeight do not match the image ({seen.width}x{seen.height})")
        return details

    async def create(request: Request, org_id: str, location_id: str) -> Response:
        emulator.authorize(request)
        emulator.location(org_id, location_id)
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise _invalid("", "the body is not JSON") from None
        details = await validated(body)
        if any(a["locationId"] == location_id and a["assetDetails"]["partnersAssetId"] == details["partnersAssetId"]
               and a["state"] != "DELETED" for a in assets.values()):
            raise apple_error(409, "ASSET_ALREADY_EXISTS", "an asset with this partnersAssetId exists")
        asset_id = str(next(ids))
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.00Z")
        assets[asset_id] = {"orgId": org_id, "locationId": location_id, "id": asset_id, "createdDate": now,
                            "updatedDate": now, "state": "SUBMITTED", "etag": f"asset-{asset_id}", "assetDetails": details}
        return json_response(assets[asset_id], 201)

    def visible(org_id: str, location_id: str) -> list[dict[str, Any]]:
        return [a for a in assets.values() if a["orgId"] == org_id and a["locationId"] == location_id
                and a["state"] != "DELETED"]

    async def list_assets(request: Request, org_id: str, location_id: str) -> Response:
        emulator.authorize(request)
        emulator.location(org_id, location_id)
        return json_response({"data": visible(org_id, location_id)})

    async def delete(request: Request, org_id: str, location_id: str, asset_id: str) -> Response:
        emulator.authorize(request)
        emulator.location(org_id, location_id)
        asset = assets.get(asset_id)
        if asset is None or asset not in visible(org_id, location_id):
            raise apple_error(404, "NOT_FOUND", f"Asset {asset_id} not found.")
        asset["state"] = "DELETED"  # soft-deleted: no longer returned
        return Response(status_code=204)

    router = APIRouter()
    base = "/api/v1/orgs/{org_id}/locations/{location_id}/assets"
    router.add_api_route(base, create, methods=["POST"])
    router.add_api_route(base, list_assets, methods=["GET"])
    router.add_api_route(base + "/{asset_id}", delete, methods=["DELETE"])
    mount(emulator, router)
