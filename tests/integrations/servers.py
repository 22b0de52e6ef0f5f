"""Real servers for the integration tests: an internal system over HTTP (starlette on
uvicorn, 127.0.0.1, free port), an SMTP server (aiosmtpd) and a webhook receiver that checks
signatures with the official `standardwebhooks` package (not Vitrine's signing code)."""

from __future__ import annotations

import asyncio
import email
import hashlib
import io
import json
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from openpyxl import Workbook
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class ThreadServer:
    def __init__(self, app: Any, port: int = 0):
        self.app, self.port = app, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._sock = sock
        server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "test server did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)  # type: ignore[union-attr]
            self._sock.close()
            self._server = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class InternalSystem:
    """A facilities database's API: `/sites?page=N` (JSON, `links.next`, ETag), `/sites.csv`,
    `/sites.xlsx`; `mode` switches every answer to a failure (500, 401, malformed, slow, huge)."""

    def __init__(self, sites: list[dict[str, Any]], per_page: int = 2):
        self.sites, self.per_page, self.mode = sites, per_page, "ok"
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadServer(Starlette(routes=[Route("/sites", self._json), Route("/sites.csv", self._csv),
                                                     Route("/sites.xlsx", self._xlsx)]))

    def etag(self) -> str:
        return '"' + hashlib.sha256(json.dumps(self.sites, sort_keys=True).encode()).hexdigest()[:16] + '"'

    async def _failure(self, request: Request) -> Response | None:
        self.requests.append({"path": request.url.path, "query": str(request.url.query),
                              "if_none_match": request.headers.get("if-none-match"),
                              "authorization": request.headers.get("authorization")})
        if self.mode == "500":
            return Response("boom", status_code=500)
        if self.mode == "401":
            return JSONResponse({"error": "bad token"}, status_code=401)
        if self.mode == "malformed":
            return Response('{"data": {"sites": [', media_type="application/json")
        if self.mode == "slow":
            await asyncio.sleep(3)
        if self.mode == "huge":
            return Response(b"x" * 200_000, media_type="application/json")
        return None

    async def _json(self, request: Request) -> Response:
        failed = await self._failure(request)
        if failed is not None:
            return failed
        if request.headers.get("if-none-match") == self.etag():
            return Response(status_code=304, headers={"ETag": self.etag()})
        page = int(request.query_params.get("page", "1"))
        chunk = self.sites[(page - 1) * self.per_page: page * self.per_page]
        more = page * self.per_page < len(self.sites)
        body = {"data": {"sites": chunk}, "links": {"next": f"/sites?page={page + 1}" if more else None}}
        return JSONResponse(body, headers={"ETag": self.etag()})

    def _rows(self) -> list[list[Any]]:
        return [["Code site", "Nom", "Adresse", "Code postal", "Ville", "Téléphone", "Catégorie"]] + [
            [s["id"], s["title"], s["street"], s["zip"], s["city"], s["phone"], s["category"]] for s in self.sites]

    async def _csv(self, request: Request) -> Response:
        failed = await self._failure(request)
        if failed is not None:
            return failed
        text = "\n".join(";".join(str(c) for c in row) for row in self._rows())
        return Response(text.encode(), media_type="text/csv", headers={"Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"})

    async def _xlsx(self, request: Request) -> Response:
        failed = await self._failure(request)
        if failed is not None:
            return failed
        return Response(xlsx_bytes(self._rows()), media_type="application/vnd.ms-excel")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class Mailbox:
    """An aiosmtpd server on a free port; `messages` are parsed with the stdlib email package."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))  # type: ignore[arg-type]
        return "250 OK"

    @property
    def port(self) -> int:
        return self.controller.port


class Receiver:
    """A webhook receiver that verifies each request with `standardwebhooks.Webhook`."""

    def __init__(self, secret: str = "", port: int = 0):
        self.secret = secret
        self.verified: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.server = ThreadServer(Starlette(routes=[Route("/hook", self._hook, methods=["POST"])]), port)

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except Exception as exc:  # the library's WebhookVerificationError
            self.rejected.append(str(exc))
            return Response("bad signature", status_code=400)
        self.verified.append({"id": request.headers["webhook-id"], "payload": payload})
        return Response(status_code=204)
