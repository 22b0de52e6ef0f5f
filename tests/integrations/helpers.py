"""Bring sites to `action_required` on the real sandbox: live first, then Google's token revoked
(the sandbox answers 401 UNAUTHENTICATED, which the connector reports as ActionRequired)."""

from __future__ import annotations

from service import events
from service.webhooks.tasks import CONSUMERS
from tests.establishments.factories import record
from tests.sync.conftest import connect_all, sandbox_admin, wait_for


def google(status: str, n: int):
    return lambda s: s["platforms"].get("google", {}).get(status) == n and \
        s["totals"].get("pending", 0) + s["totals"].get("in_progress", 0) == 0


async def live_sites(client, sandbox, app, codes: list[str], **overrides) -> None:
    await connect_all(client, sandbox.url, platforms=("google",))
    items = [record(code, **overrides) for code in codes]
    assert (await client.post("/api/v1/establishments/bulk", json={"items": items})).status_code == 200
    await wait_for(client, google("live", len(codes)))
    await events.dispatch(app.state.sessionmaker, CONSUMERS)  # the "live" events, before any endpoint exists


async def revoke_and_edit(client, sandbox, codes: list[str]) -> None:
    await sandbox_admin(sandbox, "POST", "/_sandbox/google/tokens/revoke", json={"token": "sandbox-google-token"})
    for code in codes:
        patched = await client.patch(f"/api/v1/establishments/{code}", json={"phones": {"primary": "+33478000001"}})
        assert patched.status_code == 200, patched.text
    await wait_for(client, google("action_required", len(codes)))
