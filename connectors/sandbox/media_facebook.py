"""Facebook Page photos, profile picture and cover (Graph API), from Meta's documents and SDK.

Sources: Meta's `facebook-business` SDK, `adobjects/page.py` (`Page.create_photo`: POST
/{page-id}/photos with `url`, `caption`, `published`, `no_story`, … ; `Page.get_photos`: GET
/{page-id}/photos with `type`; `Page.create_picture`: POST /{page-id}/picture with `picture` or
`photo`, …); the Graph API Page reference (update a Page's `cover` with the id of one of its
photos, `offset_x`/`offset_y`, `no_feed_story`; read `cover` {cover_id, id, source, offset_x,
offset_y} and `picture` {data: {url, is_silhouette, width, height}}); the Photo reference (a
photo is deleted with DELETE /{photo-id}; uploaded photos "should be less than 4 MB"; JPEG, PNG,
GIF, BMP, TIFF are accepted: this sandbox reads only JPEG and PNG and refuses the others).
Unknown or mistyped parameters answer Graph's (#100). UNVERIFIED: the exact body of POST
/{page-id}/picture (`{"success": true}` here) and of the image refusal ((#324) here).
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .core import json_response
from .extras import mount
from .facebook import VERSION
from .media_images import fetch

MAX_BYTES = 4 * 1024 * 1024
PHOTO_PARAMS = {"url": str, "caption": str, "published": bool, "no_story": bool, "temporary": bool,
                "message": str, "name": str, "backdated_time": str, "place": str, "tags": list,
                "scheduled_publish_time": int, "unpublished_content_type": str, "access_token": str}
PICTURE_PARAMS = {"picture": str, "photo": str, "caption": str, "height": int, "width": int, "x": int, "y": int,
                  "reuse": bool, "access_token": str}
COVER_PARAMS = {"cover": str, "offset_x": int, "offset_y": int, "no_feed_story": bool, "access_token": str}
PHOTO_TYPES = {"profile", "tagged", "uploaded"}


def mount_facebook_media(emulator: Any) -> None:
    photos: dict[str, dict[str, Any]] = {}  # photo id -> {page, url, published, width, height}
    pictures: dict[str, dict[str, Any]] = {}  # page id -> the profile picture
    covers: dict[str, dict[str, Any]] = {}  # page id -> {cover_id, offset_x, offset_y}
    ids = itertools.count(900_000_000_000_001)
    reset = emulator.reset

    def reset_all() -> None:
        reset()
        photos.clear(), pictures.clear(), covers.clear()

    emulator.reset = reset_all

    def checked(params: dict[str, Any], allowed: dict[str, type]) -> dict[str, Any]:
        for name, value in params.items():
            kind = allowed.get(name)
            if kind is None:
                raise emulator.error(f"(#100) Param {name} is not a valid parameter for this call", 100)
            if kind is bool and isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                params[name] = value.lower() in ("true", "1")
            elif kind is int and isinstance(value, str) and value.isdigit():
                params[name] = int(value)
            elif kind is not list and not isinstance(params[name], kind):
                raise emulator.error(f"(#100) Param {name} must be a {kind.__name__}", 100)
        return params

    async def image(url: str) -> dict[str, Any]:
        seen = await fetch(url, MAX_BYTES)
        if seen.error or seen.kind is None:
            raise emulator.error(f"(#324) Missing or invalid image file{': ' + seen.error if seen.error else ''}", 324)
        if seen.size > MAX_BYTES:
            raise emulator.error("(#100) The photo is over 4 MB", 100)
        return {"url": url, "width": seen.width, "height": seen.height}

    async def page_call(request: Request, page_id: str, allowed: dict[str, type]) -> tuple[Any, dict, dict]:
        params = await emulator.params(request)
        emulator.authorize(request, params)
        page = emulator.page(page_id, "post" if request.method == "POST" else "get")
        headers = emulator.count_call(page)
        return page, checked(params, allowed) if request.method == "POST" else params, headers

    async def create_photo(request: Request, page_id: str) -> Response:
        page, params, headers = await page_call(request, page_id, PHOTO_PARAMS)
        if not params.get("url"):
            raise emulator.error("(#324) Requires upload file", 324)
        photo_id = str(next(ids))
        published = params.get("published", True)
        photos[photo_id] = {"page": page.id, **await image(params["url"]), "published": published,
                            "caption": params.get("caption")}
        body = {"id": photo_id, **({"post_id": f"{page.id}_{photo_id}"} if published else {})}
        return json_response(body, headers=headers)

    async def list_photos(request: Request, page_id: str) -> Response:
        page, params, headers = await page_call(request, page_id, {})
        kind = params.get("type", "profile")
        if kind not in PHOTO_TYPES:
            raise emulator.error(f"(#100) type must be one of the following values: {', '.join(sorted(PHOTO_TYPES))}", 100)
        mine = [{"id": i, "created_time": "2026-01-01T00:00:00+0000"} for i, p in photos.items() if p["page"] == page.id]
        if kind == "profile":
            mine = [{"id": pictures[page.id]["id"]}] if page.id in pictures else []
        return json_response({"data": mine if kind != "tagged" else []}, headers=headers)

    async def create_picture(request: Request, page_id: str) -> Response:
        page, params, headers = await page_call(request, page_id, PICTURE_PARAMS)
        if params.get("photo"):
            if photos.get(params["photo"], {}).get("page") != page.id:
                raise emulator.error("(#100) Invalid photo id", 100)
            pictures[page.id] = {**photos[params["photo"]], "id": params["photo"]}
        elif params.get("picture"):
            pictures[page.id] = {**await image(params["picture"]), "id": str(next(ids))}
        else:
            raise emulator.error("(#100) picture or photo is required", 100)
        return json_response({"success": True}, headers=headers)

    async def post_node(request: Request, node_id: str) -> Response:
        params = await emulator.params(request)
        if "cover" not in params:
            return await emulator.post_node(request, node_id)
        page, params, headers = await page_call(request, node_id, COVER_PARAMS)
        if photos.get(str(params["cover"]), {}).get("page") != page.id:
            raise emulator.error("(#100) Invalid cover photo id", 100)
        covers[page.id] = {"cover_id": str(params["cover"]), "offset_x": params.get("offset_x", 0),
                           "offset_y": params.get("offset_y", 0)}
        return json_response({"success": True}, headers=headers)

    async def get_node(request: Request, node_id: str) -> Response:
        fields = {f.strip() for f in str(request.query_params.get("fields", "")).split(",") if f.strip()}
        if not fields & {"cover", "picture"} or not fields <= {"id", "cover", "picture"}:
            return await emulator.get_node(request, node_id)
        page, _, headers = await page_call(request, node_id, {})
        body: dict[str, Any] = {"id": page.id}
        if "cover" in fields and page.id in covers:
            cover = covers[page.id]
            body["cover"] = {**cover, "id": cover["cover_id"], "source": f"https://scontent.xx.fbcdn.net/{cover['cover_id']}.jpg"}
        if "picture" in fields:
            picture = pictures.get(page.id)
            body["picture"] = {"data": {"is_silhouette": picture is None, "width": 50, "height": 50,
                                        "url": f"https://scontent.xx.fbcdn.net/p/{picture['id'] if picture else 'silhouette'}.jpg"}}
        return json_response(body, headers=headers)

    async def delete_node(request: Request, node_id: str) -> Response:
        params = await emulator.params(request)
        emulator.authorize(request, params)
        photo = photos.get(node_id)
        if photo is None:
            emulator.page(node_id, "delete")  # Graph's (#100) for an unknown or undeletable object
            raise emulator.error("(#100) This object cannot be deleted", 100)
        headers = emulator.count_call(emulator.page(photo["page"], "post"))
        del photos[node_id]
        if covers.get(photo["page"], {}).get("cover_id") == node_id:
            del covers[photo["page"]]
        return json_response({"success": True}, headers=headers)

    router = APIRouter()
    base = f"/{VERSION}"
    router.add_api_route(base + "/{page_id}/photos", create_photo, methods=["POST"])
    router.add_api_route(base + "/{page_id}/photos", list_photos, methods=["GET"])
    router.add_api_route(base + "/{page_id}/picture", create_picture, methods=["POST"])
    router.add_api_route(base + "/{node_id}", post_node, methods=["POST"])
    router.add_api_route(base + "/{node_id}", get_node, methods=["GET"])
    router.add_api_route(base + "/{node_id}", delete_node, methods=["DELETE"])
    mount(emulator, router)
