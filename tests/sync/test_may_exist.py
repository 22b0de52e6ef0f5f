"""`PushContext.may_exist`: a listing's first push tells its connector that nothing of it can
exist yet (Facebook then skips paging through the parent's pages); a push after a failure, or
after a push that died mid-way, says it may (the connector must look before creating)."""

import httpx
import pytest

from connectors.base import RetryableError
from connectors.google.connector import GoogleConnector
from service.db import unit_of_work
from service.models import SyncTarget
from service.sync import dispatch, engine
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, google_target

pytestmark = pytest.mark.slow



async def test_only_a_first_push_says_the_listing_cannot_exist(client, sandbox, settings, session_factory,
                                                                monkeypatch):
    await connect_all(client, sandbox.url, platforms=("google",))
    seen: list[bool] = []
    real_push = GoogleConnector.push

    async def push(self, record_, rendering, ctx):
        seen.append(ctx.may_exist)
        if len(seen) == 1:
            raise RetryableError("the answer was lost")  # maybe after Google made the listing
        return await real_push(self, record_, rendering, ctx)

    monkeypatch.setattr(GoogleConnector, "push", push)
    previous = dispatch.current()
    dispatch.install(None)  # pushed by hand, step by step
    try:
        assert (await client.post("/api/v1/establishments", json=record("M-1"))).status_code == 201
        assert (await client.post("/api/v1/establishments", json=record("M-2"))).status_code == 201
        async with httpx.AsyncClient() as http:
            deps = Deps(session_factory, http, LocalLimiter(), settings)
            first = await google_target(session_factory, "M-1")
            await engine.push(deps, first.establishment_id, "google")  # first try: fails
            await engine.push(deps, first.establishment_id, "google")  # the retry
            died = await google_target(session_factory, "M-2")
            async with unit_of_work(session_factory) as session:  # a worker killed mid-push left it so
                target = await session.get(SyncTarget, died.id)
                target.status = "in_progress"
            await engine.push(deps, died.establishment_id, "google")
        assert seen == [False, True, True]
        assert (await google_target(session_factory, "M-1")).status in ("live", "awaiting_review")
    finally:
        dispatch.install(previous)


async def test_a_push_deferred_for_quota_is_still_a_first_push(client, sandbox, settings, session_factory,
                                                               monkeypatch):
    """A push whose quota slot is too far out sends nothing: the target goes back to `pending`
    and its next try is still a first push (under a tight quota, every deferral would
    otherwise cost Facebook a full lookup)."""
    await connect_all(client, sandbox.url, platforms=("google",))
    seen: list[tuple[str, bool]] = []
    real_push = GoogleConnector.push

    async def push(self, record_, rendering, ctx):
        seen.append((ctx.store_code, ctx.may_exist))
        return await real_push(self, record_, rendering, ctx)

    monkeypatch.setattr(GoogleConnector, "push", push)
    tight = settings.model_copy(update={"rate_limits": {"google": "1/3600"}, "sync_max_wait": 0.5})
    previous = dispatch.current()
    dispatch.install(None)
    try:
        for code in ("Q-1", "Q-2"):
            assert (await client.post("/api/v1/establishments", json=record(code))).status_code == 201
        first, second = [await google_target(session_factory, c) for c in ("Q-1", "Q-2")]
        async with httpx.AsyncClient() as http:
            deps = Deps(session_factory, http, LocalLimiter(), tight)
            await engine.push(deps, first.establishment_id, "google")  # takes the hour's only slot
            deferred = await engine.push(deps, second.establishment_id, "google")
            assert deferred.push_in is not None and deferred.push_in > 0
            assert (await google_target(session_factory, "Q-2")).status == "pending"
            await engine.push(Deps(session_factory, http, LocalLimiter(), settings), second.establishment_id, "google")
        assert seen == [("Q-1", False), ("Q-2", False)]
    finally:
        dispatch.install(previous)
