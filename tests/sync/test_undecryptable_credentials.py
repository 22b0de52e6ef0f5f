"""Credentials saved under another VITRINE_SECRET_KEY stop the push with a clear reason."""

import httpx
import pytest
from pydantic import SecretStr

from service.sync import dispatch, engine
from service.sync.engine import Deps
from service.sync.limiter import LocalLimiter
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, google_target

pytestmark = pytest.mark.slow


async def test_credentials_that_cannot_be_decrypted_ask_a_person(client, sandbox, settings, session_factory):
    """A push whose connection was saved under another VITRINE_SECRET_KEY is `action_required`
    with the reason, not a crash (the outcome was once passed where the duration goes)."""
    await connect_all(client, sandbox.url, platforms=("google",))
    previous = dispatch.current()
    dispatch.install(None)
    try:
        assert (await client.post("/api/v1/establishments", json=record("CK-1"))).status_code == 201
        target = await google_target(session_factory, "CK-1")
        other_key = settings.model_copy(update={"secret_key": SecretStr("another-secret-key-another-secret-00")})
        async with httpx.AsyncClient() as http:
            await engine.push(Deps(session_factory, http, LocalLimiter(), other_key), target.establishment_id, "google")
        refused = await google_target(session_factory, "CK-1")
        assert refused.status == "action_required"
        assert "cannot be decrypted" in refused.last_error
    finally:
        dispatch.install(previous)
