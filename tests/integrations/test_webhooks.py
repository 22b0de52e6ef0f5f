"""Webhooks end to end: a real sandbox target fails, the delivery is signed, a receiver that
verifies with the official `standardwebhooks` package accepts it once it is back up."""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager

from sqlmodel import select
from typer.testing import CliRunner

from service import events
from service.cli import app as cli_app
from service.context import Context
from service.db import make_engine, make_sessionmaker, unit_of_work
from service.models import WebhookDelivery, WebhookEndpoint
from service.webhooks import service as webhooks
from service.webhooks.tasks import CONSUMERS
from tests.conftest import _schema_args
from tests.integrations.helpers import live_sites, revoke_and_edit
from tests.integrations.servers import Receiver, free_port


async def deliveries(session_factory) -> list[WebhookDelivery]:
    async with unit_of_work(session_factory) as session:
        return list((await session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


async def test_failed_target_one_signed_delivery_after_the_receiver_recovers_and_cli_redelivery(
        client, app, sandbox, settings, session_factory, engine, monkeypatch, backend, request):
    await live_sites(client, sandbox, app, ["WH-1"])
    port = free_port()  # nothing listens there yet: the receiver is down
    created = await client.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/hook",
                                                          "events": ["listing.status_changed", "source.failed"]})
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert (await client.get("/api/v1/webhooks")).json()[0]["secret"] is None  # shown once only

    await revoke_and_edit(client, sandbox, ["WH-1"])
    await events.dispatch(app.state.sessionmaker, CONSUMERS)
    found = await deliveries(session_factory)
    assert [(d.kind, d.status) for d in found] == [("listing.status_changed", "pending")]

    for _ in range(2):  # down: refused, retried later with backoff
        await webhooks.deliver_due(app.state.sessionmaker, settings)
        await asyncio.sleep(settings.webhook_backoff_base * 2 + 0.1)
    down = (await deliveries(session_factory))[0]
    assert down.status == "pending" and down.attempts == 2 and down.response_code is None
    assert "ConnectError" in (down.last_error or "")

    receiver = Receiver(endpoint["secret"], port)
    receiver.server.start()
    try:
        await asyncio.sleep(settings.webhook_backoff_base * 4)
        assert await webhooks.deliver_due(app.state.sessionmaker, settings) == 1
        assert receiver.rejected == [] and len(receiver.verified) == 1
        payload = receiver.verified[0]["payload"]
        assert payload["type"] == "listing.status_changed"
        data = payload["data"]
        assert (data["store_code"], data["platform"], data["status"]) == ("WH-1", "google", "action_required")
        assert data["reason"]
        log = (await client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries")).json()
        assert log[0]["status"] == "delivered" and log[0]["response_code"] == 204 and log[0]["attempts"] == 3
        assert [a["status_code"] for a in log[0]["log"]] == [None, None, 204]

        schema = request.getfixturevalue("pg_schema") if backend == "postgresql" else None

        @asynccontextmanager
        async def same_database(_settings):  # the CLI on this test's database, in its own event loop
            cli_engine = make_engine(engine.url.render_as_string(hide_password=False), **_schema_args(schema))
            yield Context(settings, cli_engine, make_sessionmaker(cli_engine))
            await cli_engine.dispose()

        monkeypatch.setattr(sys.modules["service.cli.app"], "open_context", same_database)
        cli = CliRunner()
        result = await asyncio.to_thread(cli.invoke, cli_app, ["webhook", "redeliver", str(log[0]["id"])])
        assert result.exit_code == 0, result.output
        await webhooks.deliver_due(app.state.sessionmaker, settings)
        assert len(receiver.verified) == 2
        assert receiver.verified[1]["id"] == receiver.verified[0]["id"]  # same webhook-id: receivers deduplicate
        shown = await asyncio.to_thread(cli.invoke, cli_app, ["webhook", "deliveries", str(endpoint["id"]), "--json"])
        assert '"attempts": 4' in shown.output
    finally:
        receiver.server.stop()


async def test_rotated_secret_both_valid_during_grace_and_a_wrong_secret_is_refused(client, app, settings):
    receiver_old, receiver_new, receiver_wrong = Receiver(), Receiver(), Receiver("whsec_" + "A" * 44)
    for r in (receiver_old, receiver_new, receiver_wrong):
        r.server.start()
    try:
        endpoint = (await client.post("/api/v1/webhooks", json={"url": receiver_old.server.url + "/hook",
                                                                "events": ["import.completed"]})).json()
        receiver_old.secret = endpoint["secret"]
        rotated = (await client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate")).json()
        receiver_new.secret = rotated["secret"]
        assert rotated["secret"] != endpoint["secret"]
        for receiver in (receiver_old, receiver_new, receiver_wrong):
            async with unit_of_work(app.state.sessionmaker) as session:
                row = await session.get(WebhookEndpoint, endpoint["id"])
                row.url = receiver.server.url + "/hook"
                session.add(row)
            assert (await client.post(f"/api/v1/webhooks/{endpoint['id']}/test")).status_code == 202
            await webhooks.deliver_due(app.state.sessionmaker, settings)
        assert len(receiver_old.verified) == 1 and len(receiver_new.verified) == 1
        assert receiver_wrong.verified == [] and receiver_wrong.rejected
    finally:
        for r in (receiver_old, receiver_new, receiver_wrong):
            r.server.stop()


async def test_an_endpoint_failing_too_long_is_disabled_with_a_notice(client, app, settings, mailbox):
    await client.post("/api/v1/notifications/recipients", json={"email": "ops@example.org", "language": "en"})
    endpoint = (await client.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:{free_port()}/hook",
                                                            "events": ["import.completed"]})).json()
    quick = settings.model_copy(update={"webhook_disable_after_hours": 0.0})
    await client.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    await webhooks.deliver_due(app.state.sessionmaker, quick)
    shown = (await client.get("/api/v1/webhooks")).json()[0]
    assert shown["enabled"] is False and "disabled on" in shown["disabled_reason"]
    await events.dispatch(app.state.sessionmaker, CONSUMERS)
    from service.notifications import service as notifications
    assert await notifications.flush(app.state.sessionmaker, settings) == 1
    body = mailbox.messages[0].get_body(("plain",)).get_content()
    assert "was disabled" in body and endpoint["url"] in body
