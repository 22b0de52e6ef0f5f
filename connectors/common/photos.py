"""Photos: rendered beside a platform's payload, checked before anything is sent.

Each API connector that publishes photos adds a `photos` key to its rendering (`attach`): the
record's photos with the platform's own category for each kind. The engine diffs it like any
key; the connector's `push` takes it out of the listing's own call (`split`) and publishes it
through the platform's media API. Keys starting with `_` (here `_media`: photo -> the platform's
id for it) are a connector's bookkeeping, stored with the pushed payload and never diffed.

Pre-send checks. Platforms refuse images by size, format and dimensions; a refusal after the
upload comes back late and per listing. So the connector fetches each *new* photo (one GET
through the shared HTTP client, read up to `max_bytes + 1` bytes, never more) and checks it
against the platform's published rules (`PhotoRules`), naming the photo: `photos[2].url: the
image is 180×120 px; Google needs at least 250×250 px`. The record holds no declared size, and
a declared size can lie: the bytes are the truth. Photos already published are not fetched again.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import Any

import httpx

from connectors.base import FieldError, PushContext, Rejected, Rendering
from schemas import Establishment

BOOKKEEPING = "_media"


@dataclass(frozen=True)
class PhotoRules:
    platform: str
    min_bytes: int = 0
    max_bytes: int = 5 * 1024 * 1024
    min_width: int = 0
    min_height: int = 0
    formats: tuple[str, ...] = ("jpeg", "png")
    source: str = ""  # where the platform documents these rules


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a PNG or JPEG from its header; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return "jpeg", width, height
        at += 2 + length
    return None


def wanted(record: Establishment, category_of: dict[str, str]) -> list[dict[str, Any]]:
    return [{"url": str(p.url), "category": category_of[p.kind], **({"caption": p.caption} if p.caption else {})}
            for p in record.photos]


def attach(rendering: Rendering, record: Establishment, category_of: dict[str, str]) -> Rendering:
    """`rendering` with the record's photos under `photos` (absent when there are none)."""
    rendering.unsupported.pop("photos", None)
    if record.photos:
        rendering.payload["photos"] = wanted(record, category_of)
    return rendering


def split(rendering: Rendering, ctx: PushContext) -> tuple[Rendering, PushContext]:
    """The listing's own rendering and context, without the photos and their bookkeeping."""
    drop = ("photos", BOOKKEEPING)
    payload = {k: v for k, v in rendering.payload.items() if k not in drop}
    previous = None if ctx.previous is None else {k: v for k, v in ctx.previous.items() if k not in drop}
    return (Rendering(payload, rendering.unsupported),
            replace(ctx, previous=previous, changed=[k for k in ctx.changed if k not in drop]))


def key(photo: dict[str, Any]) -> str:
    """One photo on a platform: its category and its URL (a new category is a new upload)."""
    return f"{photo['category']} {photo['url']}"


def index_of(rendering: Rendering, photo: dict[str, Any]) -> int:
    return rendering.payload.get("photos", []).index(photo)


async def check(client: httpx.AsyncClient, rendering: Rendering, photos: list[dict[str, Any]],
                rules: PhotoRules) -> dict[str, tuple[int, int]]:
    """Fetch each photo and raise `Rejected` naming every one the platform would refuse; else
    each photo's URL -> (width, height) in pixels."""
    errors, sizes = [], {}
    for photo in photos:
        problem = await _problem(client, photo["url"], rules)
        if isinstance(problem, str):
            errors.append(FieldError(f"photos[{index_of(rendering, photo)}].url", problem))
        else:
            sizes[photo["url"]] = problem
    if errors:
        raise Rejected(f"{len(errors)} photo(s) {rules.platform} would refuse; nothing was sent for them", errors)
    return sizes


async def _problem(client: httpx.AsyncClient, url: str, rules: PhotoRules) -> str | tuple[int, int]:
    limit = rules.max_bytes + 1
    try:
        async with client.stream("GET", url, timeout=20.0) as response:
            if response.status_code >= 300:
                return f"could not fetch the image: HTTP {response.status_code}"
            data = b""
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) >= limit:
                    break
    except httpx.HTTPError as exc:
        return f"could not fetch the image: {type(exc).__name__}"
    rule = f"{rules.platform} takes {_size(rules.min_bytes)} to {_size(rules.max_bytes)}"
    if len(data) > rules.max_bytes:
        return f"the image is over {_size(rules.max_bytes)}; {rule}"
    if len(data) < rules.min_bytes:
        return f"the image is {_size(len(data))}; {rule}"
    info = image_info(data)
    if info is None or info[0] not in rules.formats:
        return f"not a {' or '.join(f.upper() for f in rules.formats)} image; {rules.platform} takes only those"
    _, width, height = info
    if width < rules.min_width or height < rules.min_height:
        return (f"the image is {width}×{height} px; {rules.platform} needs at least "
                f"{rules.min_width}×{rules.min_height} px")
    return width, height


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"
