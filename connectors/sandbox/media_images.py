"""Images for the media emulators: test images served by the sandbox itself, and what a platform
learns from the bytes it fetches (format, dimensions, size).

`GET /media/test/{w}x{h}.png` answers a real PNG of that size (seeded noise, so it does not
compress below what its size suggests: a 300x300 image weighs about 270 KB). Tests and the demo
point photo URLs at it, so no request leaves 127.0.0.1. `?tiny=1` answers a 1-colour PNG of the
same size (a few hundred bytes: under Google's 10 KB floor).
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass

import httpx
from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

MAX_SIDE = 4000


def png(width: int, height: int, *, noise: bool = True, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    row = (lambda: bytes([0]) + rng.randbytes(width * 3)) if noise else (lambda: bytes([0]) + b"\x80" * (width * 3))
    raw = b"".join(row() for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def test_images_router() -> APIRouter:
    router = APIRouter(tags=["sandbox test media"])

    @router.get("/media/test/{width}x{height}.png")
    async def test_image(width: int, height: int, tiny: bool = False) -> Response:
        if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
            raise HTTPException(404, f"sides from 1 to {MAX_SIDE} px")
        return Response(png(width, height, noise=not tiny), media_type="image/png")

    return router


@dataclass
class Fetched:
    size: int
    kind: str | None  # "JPEG" | "PNG" | None (anything else)
    width: int = 0
    height: int = 0
    error: str | None = None


async def fetch(url: str, limit: int) -> Fetched:
    """What a platform sees when it fetches `url`: at most `limit + 1` bytes are read."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                return Fetched(0, None, error=f"fetching the URL answered HTTP {response.status_code}")
            body = bytearray()
            async for part in response.aiter_bytes():
                body += part
                if len(body) > limit:
                    break
    except httpx.HTTPError as exc:
        return Fetched(0, None, error=f"the URL could not be fetched ({type(exc).__name__})")
    return _inspect(bytes(body))


def _inspect(body: bytes) -> Fetched:
    if body.startswith(b"\x89PNG") and body[12:16] == b"IHDR":
        return Fetched(len(body), "PNG", int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big"))
    if not body.startswith(b"\xff\xd8"):
        return Fetched(len(body), None)
    pos = 2
    while pos + 4 <= len(body) and body[pos] == 0xFF:
        marker, seg = body[pos + 1], int.from_bytes(body[pos + 2:pos + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return Fetched(len(body), "JPEG", int.from_bytes(body[pos + 7:pos + 9], "big"),
                           int.from_bytes(body[pos + 5:pos + 7], "big"))
        pos += 2 + seg
    return Fetched(len(body), None)
