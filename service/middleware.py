"""What every answer goes through (issue 12): a request id, security headers, a JSON 500, a
bounded body, and shedding when the process is saturated. Pure ASGI, no per-request objects
beyond what each needs: these run on every call of the hot paths `bench/api.py` measures.

* `X-Request-ID` on every answer (the caller's, when it is a short token, else a new one); an
  unexpected error answers `{"error": {"code": "internal_error", "message", "request_id"}}` and
  logs the traceback with the same id.
* `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
  and `Content-Security-Policy: frame-ancestors 'none'` on every answer (no script or style
  rule: the Swagger page and the dashboard load their own assets); `Cache-Control: no-store`
  on answers to a request that carried credentials.
* A body over `request_max_bytes` (uploads: `import_max_bytes` + 1 MiB for the form) is a 413
  `body_too_large` before the application reads it: from `Content-Length` when given,
  counted while it streams otherwise.
* At most `api_max_concurrency` requests run at once; one that waits over `api_queue_seconds`
  for a slot is answered 503 `overloaded` with `Retry-After`, instead of queueing on the
  database pool for minutes (issue 12, overload collapsed to 22 answers/s at 100 offered);
  with `api_max_waiting` requests already waiting, a new one is shed at once.
  `/healthz` is never queued.
* A database connection found dead (the API pool does not ping before each checkout) answers
  503 `database_unavailable` with `Retry-After`; SQLAlchemy renews the pool for the next request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

log = logging.getLogger("service.api")

Scope = dict[str, Any]
_TOKEN = re.compile(rb"[A-Za-z0-9._-]{1,64}")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]
NO_STORE = (b"cache-control", b"no-store")
UPLOAD_SLACK = 1 << 20


class BodyTooLarge(HTTPException):
    """Raised by the counting `receive`: an HTTPException, so FastAPI's body reading passes it
    on as is (it turns other errors into a 400)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is over the limit of {limit:,} bytes")


def error_body(status: int, code: str, message: str, **extra: Any) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "field": None, "errors": [], **extra}}).encode()


async def send_json(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class Hardening:
    """The one middleware; `settings` gives the limits (see the module's docstring)."""

    def __init__(self, app: Any, settings: Any):
        self.app = app
        self.max_body = settings.request_max_bytes
        self.max_upload = settings.import_max_bytes + UPLOAD_SLACK
        self.queue_seconds = settings.api_queue_seconds
        self.slots = asyncio.Semaphore(settings.api_max_concurrency)
        self.max_waiting = settings.api_max_waiting
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"")
        request_id = given.decode() if _TOKEN.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        extra = [*SECURITY_HEADERS, (b"x-request-id", request_id.encode())]
        if b"authorization" in headers:
            extra.append(NO_STORE)
        started = False

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        limit = self.max_upload if headers.get(b"content-type", b"").startswith(b"multipart/") else self.max_body
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await send_json(send_with_headers, 413, error_body(413, "body_too_large", (
                f"the request body is over the limit of {limit:,} bytes"), request_id=request_id), [])
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
            return message

        queued = scope["path"] != "/healthz"
        if queued:
            try:
                await self._admit()
            except TimeoutError:
                await send_json(send_with_headers, 503, error_body(503, "overloaded", (
                    "the server is at capacity; retry in a moment"), request_id=request_id), [(b"retry-after", b"1")])
                return
        try:
            await self.app(scope, counted, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await send_json(send_with_headers, 413, error_body(413, "body_too_large", exc.detail,
                                                                   request_id=request_id), [])
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                await _unexpected(send_with_headers, started, request_id, scope)
            else:  # the database restarted or dropped this connection: SQLAlchemy renews the pool
                log.warning("api.request.database_unavailable request_id=%s path=%s", request_id, scope.get("path"))
                if not started:
                    await send_json(send_with_headers, 503, error_body(503, "database_unavailable", (
                        "the database connection was lost; retry in a moment"), request_id=request_id),
                        [(b"retry-after", b"1")])
        except Exception:  # noqa: BLE001 - the one place an unexpected error becomes an answer
            await _unexpected(send_with_headers, started, request_id, scope)
        finally:
            if queued:
                self.slots.release()


    async def _admit(self) -> None:
        """A slot, or TimeoutError: at once when the queue is already long (a deep overload sheds
        in microseconds, not after `api_queue_seconds` each), else after waiting that long."""
        if self.slots.locked() and self.waiting >= self.max_waiting:
            raise TimeoutError
        self.waiting += 1
        try:
            await asyncio.wait_for(self.slots.acquire(), self.queue_seconds)
        finally:
            self.waiting -= 1


async def _unexpected(send: Any, started: bool, request_id: str, scope: Scope) -> None:
    """Any other error: logged with its traceback and the request id, answered 500 in the JSON shape."""
    log.exception("api.request.error request_id=%s method=%s path=%s", request_id, scope.get("method"),
                  scope.get("path"))
    if not started:
        await send_json(send, 500, error_body(500, "internal_error", (
            f"an unexpected error occurred; quote request id {request_id} when reporting it"),
            request_id=request_id), [])
