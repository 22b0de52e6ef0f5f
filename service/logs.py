"""Logging for every Vitrine process.

`VITRINE_LOG_FORMAT=json`: one JSON object per line (time, level, event, logger, and the context
bound for the request or job: request_id, job, organisation, platform, site), for log shippers.
Otherwise human lines, with the same context appended as key=value.

The CLI logs warnings only unless given -v; servers and workers log at `VITRINE_LOG_LEVEL`.
httpx logs each request's full URL at INFO; some platform APIs take their key in the URL, so
httpx and httpcore stay at WARNING whatever the configured level: secrets never reach logs.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pythonjsonlogger.json import JsonFormatter

QUIET = ("httpx", "httpcore", "aiosqlite", "asyncio", "alembic.runtime.migration")
CONTEXT_KEYS = ("request_id", "job", "organisation", "platform", "site")
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("vitrine_log_context", default={})


def bind(**values: Any) -> None:
    """Add to the current request's or job's log context (it ends with the request or task)."""
    _context.set({**_context.get(), **{k: v for k, v in values.items() if v is not None}})


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    token = _context.set({**_context.get(), **{k: v for k, v in values.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def context() -> dict[str, Any]:
    return dict(_context.get())


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get()
        for key in CONTEXT_KEYS:
            setattr(record, key, ctx.get(key))
        return True


class _HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_KEYS if getattr(record, k, None) is not None)
        return f"{line} [{extra}]" if extra else line


class _Json(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # no empty context keys, and not uvicorn's terminal-colour copy of the message
        return {k: v for k, v in log_data.items() if v is not None and k != "color_message"}


def _json_formatter() -> logging.Formatter:
    return _Json("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={
        "asctime": "time", "levelname": "level", "name": "logger", "message": "event"},
        datefmt="%Y-%m-%dT%H:%M:%S%z", json_ensure_ascii=False)


def configure(level: str = "INFO", fmt: str | None = None) -> None:
    """Set up the root logger once per call: `fmt` is "json" or "text" (default: the setting)."""
    if fmt is None:
        from service.settings import get_settings

        fmt = get_settings().log_format
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(_json_formatter() if fmt == "json" else
                         _HumanFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_vitrine", False):
            root.removeHandler(old)
    handler._vitrine = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


class RequestContext:
    """ASGI middleware: every request gets an id (the caller's `X-Request-ID` when it is a sane
    token, else a new one), bound to its log lines and returned in the `X-Request-ID` header."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given and len(given) <= 64 and given.replace("-", "").isalnum() else uuid.uuid4().hex
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        token = _context.set({"request_id": request_id})
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _context.reset(token)
