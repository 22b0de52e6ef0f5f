"""A removal (`on_platforms=remove`) is paced like a push: one token of the platform's shared
quota per HTTP call, so a DELETE retried in the call (a 503, then the answer) takes two tokens,
and a plain one takes one. Rate limits count HTTP calls, not jobs."""

import httpx
import pytest

from service.sync import dispatch, engine
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, google_target
from tests.sync.test_call_pacing import CountingLimiter

pytestmark = pytest.mark.slow


class FailingDeletes(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox, except the first `failures` DELETEs, answered 503 here."""

    def __init__(self, failures: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.failures = failures
        self.deletes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            self.deletes += 1
            if self.deletes <= self.failures:
                return httpx.Response(503, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("failures", [0, 1])
async def test_a_removal_takes_one_token_per_http_call(client, sandbox, settings, session_factory, failures):
    await connect_all(client, sandbox.url, platforms=("google",))
    previous = dispatch.current()
    dispatch.install(None)  # pushed by hand, step by step
    try:
        assert (await client.post("/api/v1/establishments", json=record("RM-1"))).status_code == 201
        target = await google_target(session_factory, "RM-1")
        async with httpx.AsyncClient() as http:
            await engine.push(Deps(session_factory, http, LocalLimiter(), settings), target.establishment_id, "google")
        assert (await google_target(session_factory, "RM-1")).remote_id is not None
        deleted = await client.delete("/api/v1/establishments/RM-1", params={"on_platforms": "remove"})
        assert deleted.status_code == 204

        transport, limiter = FailingDeletes(failures), CountingLimiter()
        async with httpx.AsyncClient(transport=transport) as http:
            await engine.push(Deps(session_factory, http, limiter, settings), target.establishment_id, "google")
        assert transport.deletes == 1 + failures  # the connector's call, retried once past a 503
        assert limiter.reserved == 1 + failures  # the admission's token, then one per further call
        removed = await google_target(session_factory, "RM-1")
        assert removed.status == "not_connected" and removed.remote_id is None
        assert "deleted from Google" in removed.detail["deletion"]["done"]
    finally:
        dispatch.install(previous)
