"""`PushContext.may_exist`: a listing's first push tells its connector that nothing of it can
exist yet (Facebook then skips paging through the parent's pages); a push after a failure, or
after a push that died mid-way, says it may (the connector must look before creating)."""

import httpx
import pytest
from sqlalchemy import select

from connectors.base import RetryableError
from connectors.google.connector import GoogleConnector
from service.db import unit_of_work
from service.models import EstablishmentRow, SyncTarget
from service.sync import dispatch, engine
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter
from tests.establishments.factories import record
from tests.sync.conftest import connect_all

pytestmark = pytest.mark.slow


async def _target(session_factory, store_code: str) -> SyncTarget:
    async with unit_of_work(session_factory) as session:
        row = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.store_code == store_code))).one()
        return (await session.exec(select(SyncTarget).where(SyncTarget.establishment_id == row[0].id,
                                                            SyncTarget.platform == "google"))).one()[0]


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
            first = await _target(session_factory, "M-1")
            await engine.push(deps, first.establishment_id, "google")  # first try: fails
            await engine.push(deps, first.establishment_id, "google")  # the retry
            died = await _target(session_factory, "M-2")
            async with unit_of_work(session_factory) as session:  # a worker killed mid-push left it so
                target = await session.get(SyncTarget, died.id)
                target.status = "in_progress"
            await engine.push(deps, died.establishment_id, "google")
        assert seen == [False, True, True]
        assert (await _target(session_factory, "M-1")).status in ("live", "awaiting_review")
    finally:
        dispatch.install(previous)
