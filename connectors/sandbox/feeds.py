"""HTTPS upload inbox for the feed partners that take files over HTTPS (Justacote, Wemap…).

``POST {sandbox}/feeds/{partner}/upload`` with a Bearer token (default ``sandbox-feed-token``)
and a multipart ``file`` field stores the bytes and answers 201 with a ``Location``. The partners'
real upload endpoints are UNVERIFIED (platforms.md): this emulates the shape the connector sends.
SFTP partners are served by ``sftp.SftpInbox`` instead. ``GET /_sandbox/feeds/locations`` lists
what arrived (name, size, sha256, partner).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow


class FeedsConfig(PlatformConfig):
    tokens: list[str] = Field(default_factory=lambda: ["sandbox-feed-token"])
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=60, window_seconds=60))
    max_bytes: int = Field(50 * 1024 * 1024, gt=0)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> PlatformError:
    return PlatformError(JSONResponse({"error": message}, status_code=status, headers=headers))


class FeedsEmulator(Emulator):
    name = "feeds"
    prefix = "/feeds"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        self.router.add_api_route("/{partner}/upload", self.upload, methods=["POST"])

    def reset(self) -> None:
        self.files: list[dict[str, Any]] = []
        self.window = SlidingWindow()

    def dump(self) -> Any:
        return [{k: v for k, v in f.items() if k != "content"} for f in self.files]

    def throttle_response(self, request: Request) -> Response:
        return JSONResponse({"error": "too many uploads"}, status_code=429, headers={"Retry-After": "60"})

    def server_error_response(self, request: Request, status: int) -> Response:
        return JSONResponse({"error": "upload failed"}, status_code=status)

    async def upload(self, request: Request, partner: str) -> Response:
        form = await request.form()
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token not in self.config.tokens:
            raise _error(401, "invalid token")
        if self.config.quota.enabled and not self.window.hit(token, self.now(), self.config.quota):
            raise self.throttled(self.throttle_response(request))
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise _error(400, "multipart field 'file' is required")
        content = await upload.read()
        if not content or len(content) > self.config.max_bytes:
            raise _error(413 if content else 400, "empty file" if not content else "file too large")
        entry = {"partner": partner, "name": upload.filename, "size": len(content),
                 "sha256": hashlib.sha256(content).hexdigest(), "content": content}
        self.files.append(entry)
        self.count_create("file", f"{partner}/{upload.filename}", True)
        location = f"/feeds/{partner}/files/{len(self.files)}"
        return JSONResponse({"name": upload.filename, "size": len(content)}, status_code=201,
                            headers={"Location": location})
