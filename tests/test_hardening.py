"""Every answer carries a request id and the security headers; errors are JSON; bodies are
bounded; a saturated process sheds with 503 + Retry-After (issue 12, items 1, 7 and 8)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from service.platforms import repository as platforms_repo
from tests.imports.helpers import counts

SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer",
            "content-security-policy": "frame-ancestors 'none'"}


def assert_hardened(response: httpx.Response) -> None:
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(("method", "path", "authed", "status"), [
    ("GET", "/healthz", False, 200), ("GET", "/api/v1/establishments", False, 401),
    ("GET", "/api/v1/establishments", True, 200), ("GET", "/api/v1/establishments/NOPE", True, 404),
    ("GET", "/docs", False, 200), ("GET", "/nowhere", False, 404),
])
async def test_every_answer_has_the_security_headers(anon_client, auth, method, path, authed, status) -> None:
    response = await anon_client.request(method, path, headers=auth if authed else {})
    assert response.status_code == status
    assert_hardened(response)
    assert (response.headers.get("cache-control") == "no-store") is authed


async def test_a_callers_request_id_is_kept_and_a_forged_one_replaced(anon_client) -> None:
    assert (await anon_client.get("/healthz", headers={"X-Request-ID": "abc-123"})).headers["x-request-id"] == \
        "abc-123"
    forged = await anon_client.get("/healthz", headers={"X-Request-ID": "a b\tc" * 30})
    assert forged.headers["x-request-id"] != "a b\tc" * 30


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PUT", "/healthz", "GET"),
    ("GET", "/api/v1/platforms/here/connection", "DELETE, PUT"),
    ("DELETE", "/api/v1/establishments", "GET, POST"),
])
async def test_a_405_says_what_is_allowed(client, method, path, allow) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert_hardened(response)


async def test_an_unexpected_error_is_json_with_the_request_id_that_is_logged(
        client, monkeypatch, caplog) -> None:
    async def broken(*_a, **_k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(platforms_repo, "connections", broken)
    with caplog.at_level(logging.ERROR, logger="service.api"):
        response = await client.get("/api/v1/platforms", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error" and error["request_id"] == "req-42"
    assert response.headers["x-request-id"] == "req-42"
    assert_hardened(response)
    assert any("req-42" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"request_max_bytes": 4096, "import_max_bytes": 8192,
                                       "api_max_concurrency": 1, "api_queue_seconds": 0.05})


async def test_an_oversized_json_body_is_a_413_before_parsing(client, session_factory) -> None:
    before = await counts(session_factory)
    body = b'{"items": [' + b'{"store_code": "X"},' * 400 + b'{}]}'
    response = await client.post("/api/v1/establishments/bulk", content=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    assert_hardened(response)

    async def chunks():  # no Content-Length: counted while it streams
        for _ in range(10):
            yield b" " * 1000

    streamed = await client.post("/api/v1/establishments/bulk", content=chunks(),
                                 headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "body_too_large"
    assert await counts(session_factory) == before


async def test_an_upload_may_be_larger_than_a_json_body_but_is_bounded(client) -> None:
    small = await client.post("/api/v1/imports", files={"file": ("a.xlsx", b"x" * 6000)})
    assert small.status_code == 422  # past the body limit of JSON; refused for what it is, not its size
    big = await client.post("/api/v1/imports", files={"file": ("a.xlsx", b"x" * (8192 + (1 << 20)))})
    assert big.status_code == 413


async def test_a_saturated_process_sheds_with_503_and_retry_after(app, auth, monkeypatch) -> None:
    hold = asyncio.Event()
    entered = asyncio.Event()
    real = platforms_repo.connections

    async def slow(*args, **kwargs):
        entered.set()
        await hold.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(platforms_repo, "connections", slow)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vitrine", headers=auth) as c:
        first = asyncio.create_task(c.get("/api/v1/platforms"))
        await entered.wait()
        shed = await c.get("/api/v1/establishments")
        health = await c.get("/healthz")
        hold.set()
        assert (await first).status_code == 200
    assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
    assert shed.json()["error"]["code"] == "overloaded"
    assert health.status_code == 200


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has no server connection to lose
async def test_a_connection_the_database_dropped_is_a_503_then_the_pool_recovers(
        backend, settings, database_url, auth, request) -> None:
    """The API's pool does not ping before each checkout (`api_pool`): after a database restart
    the request that meets a dead connection answers 503 `database_unavailable` with
    Retry-After, not a 500, and the next request gets a fresh connection."""
    from sqlalchemy import text

    from service.api import api_pool, create_app
    from service.db import make_engine
    from tests.conftest import _schema_args

    args = _schema_args(request.getfixturevalue("pg_schema"))
    name = f"vitrine-drop-{id(args)}"
    args["connect_args"]["server_settings"]["application_name"] = name
    engine = make_engine(database_url, **api_pool(settings), **args)
    application = create_app(settings, engine=engine)
    try:
        async with application.router.lifespan_context(application), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://vitrine", headers=auth) as c:
            assert (await c.get("/api/v1/establishments")).status_code == 200
            killer = make_engine(database_url)  # every pooled connection's backend goes, as in a restart
            async with killer.connect() as conn:
                killed = (await conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                                  "WHERE application_name = :n"), {"n": name})).scalar_one()
            await killer.dispose()
            assert killed >= 1
            lost = await c.get("/api/v1/establishments")
            again = await c.get("/api/v1/establishments")
    finally:
        await engine.dispose()
    assert lost.status_code == 503 and lost.headers["retry-after"] == "1", lost.text
    assert lost.json()["error"]["code"] == "database_unavailable"
    assert again.status_code == 200


async def test_with_the_waiting_room_full_a_request_is_shed_at_once(settings) -> None:
    """`api_max_waiting`: one request runs, one waits (for up to 30 s), the next is shed without
    waiting at all; the waiting one is served once the slot frees."""
    from service.middleware import Hardening

    release, entered = asyncio.Event(), asyncio.Event()

    async def app(scope, receive, send):
        entered.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    hardened = Hardening(app, settings.model_copy(update={
        "api_max_concurrency": 1, "api_queue_seconds": 30.0, "api_max_waiting": 1}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hardened), base_url="http://vitrine") as c:
        running = asyncio.create_task(c.get("/api/v1/establishments"))
        await entered.wait()
        waiting = asyncio.create_task(c.get("/api/v1/establishments"))
        while hardened.waiting == 0:
            await asyncio.sleep(0)
        shed = await c.get("/api/v1/establishments")  # answered while the other still waits
        assert not waiting.done()
        release.set()
        assert (await running).status_code == 200 and (await waiting).status_code == 200
    assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
    assert shed.json()["error"]["code"] == "overloaded"
