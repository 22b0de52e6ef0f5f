"""A push that lands live is read back in its own job: the reconciler must not queue a second
read-back of the same listing meanwhile (a wasted request on the platform's quota)."""

import httpx
import pytest

from service.db import unit_of_work
from service.models import utcnow
from service.sync import dispatch, engine
from service.sync import repository as repo
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, google_target, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox_config(sandbox_config):
    return sandbox_config.model_copy(update={"google": sandbox_config.google.model_copy(
        update={"review_delay_seconds": 0.0})})



async def _due(session_factory) -> list[tuple[int, str, str]]:
    async with unit_of_work(session_factory) as session:
        return [(e, p, kind) for e, p, kind, _ in await repo.due(session, utcnow())]


async def test_a_read_back_run_by_the_push_job_is_not_due_for_the_reconciler(client, sandbox, settings,
                                                                              session_factory):
    await connect_all(client, sandbox.url, platforms=("google",))
    assert (await client.post("/api/v1/establishments", json=record("R-1"))).status_code == 201
    await wait_for(client, lambda s: s["platforms"].get("google", {}).get("live") == 1)
    previous = dispatch.current()
    dispatch.install(None)  # the change below is pushed by hand, step by step
    try:
        patched = await client.patch("/api/v1/establishments/R-1", json={"phones": {"primary": "+33478000001"}})
        assert patched.status_code == 200
        target = await google_target(session_factory, "R-1")
        async with httpx.AsyncClient() as http:
            deps = Deps(session_factory, http, LocalLimiter(), settings)
            nxt = await engine.push(deps, target.establishment_id, "google")
            assert nxt.verify_in == 0 and nxt.read_back is not None  # landed live: read back in this job
            assert (target.establishment_id, "google", "verify") not in await _due(session_factory)
            after = await engine.verify(deps, target.establishment_id, "google")
        assert after.verify_in == settings.drift_check_seconds
        target = await google_target(session_factory, "R-1")
        assert target.status == "live" and target.pushed_revision == 2
        assert target.next_attempt_at > utcnow()  # the drift check, hours away
    finally:
        dispatch.install(previous)
