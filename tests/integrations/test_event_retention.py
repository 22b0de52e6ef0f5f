"""The event outbox is pruned: settled events older than VITRINE_EVENT_RETENTION_DAYS go, with
their delivery log, in batches; an undispatched event or one with a delivery still pending
stays however old."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from service.db import unit_of_work
from service.models import Event, WebhookDelivery, WebhookEndpoint, utcnow
from service.tasks import all_tasks
from service.webhooks.retention import purge_events

DAY = timedelta(days=1)


async def _outbox(session_factory, org_id: int) -> None:
    """Events of every kind of fate, 40 days old unless named `recent…`."""
    now, old = utcnow(), utcnow() - 40 * DAY
    async with unit_of_work(session_factory) as session:
        endpoint = WebhookEndpoint(organisation_id=org_id, url="https://hooks.example/x", events=[], secret="s")
        session.add(endpoint)
        await session.flush()
        fates = {  # id: (created, dispatched, delivery statuses)
            "old-delivered": (old, old, ["delivered"]), "old-gave-up": (old, old, ["failed"]),
            "old-no-webhook": (old, old, []), "old-pending": (old, old, ["pending"]),
            "old-mixed": (old, old, ["delivered"]), "old-undispatched": (old, None, []),
            "recent-delivered": (now - DAY, now - DAY, ["delivered"]),
        }
        for ident, (created, dispatched, statuses) in fates.items():
            session.add(Event(id=ident, organisation_id=org_id, kind="listing.status_changed", payload={},
                              created_at=created, dispatched_at=dispatched))
            await session.flush()
            for status in statuses:
                session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=ident, kind="listing.status_changed",
                                            status=status))
        await session.flush()
        # a second endpoint still owes old-mixed a delivery
        other = WebhookEndpoint(organisation_id=org_id, url="https://hooks.example/y", events=[], secret="s",
                                enabled=False)
        session.add(other)
        await session.flush()
        session.add(WebhookDelivery(endpoint_id=other.id, event_id="old-mixed", kind="listing.status_changed"))


async def _left(session_factory) -> tuple[list[str], list[tuple[str, str]]]:
    async with unit_of_work(session_factory) as session:
        events = sorted((await session.exec(select(Event.id))).all())
        deliveries = sorted((d.event_id, d.status) for d in (await session.exec(select(WebhookDelivery))).all())
        return events, deliveries


async def test_settled_events_past_the_retention_go_in_batches_undelivered_ones_stay(
        session_factory, settings, org_id) -> None:
    await _outbox(session_factory, org_id)
    # batches of 1: three settled old events take three batches (and a fourth that finds none)
    assert await purge_events(session_factory, settings, batch=1) == 3
    events, deliveries = await _left(session_factory)
    assert events == ["old-mixed", "old-pending", "old-undispatched", "recent-delivered"]
    assert deliveries == [("old-mixed", "delivered"), ("old-mixed", "pending"), ("old-pending", "pending"),
                          ("recent-delivered", "delivered")]
    assert await purge_events(session_factory, settings) == 0  # nothing more to do


async def test_the_retention_is_a_setting_and_a_run_is_bounded(session_factory, settings, org_id) -> None:
    await _outbox(session_factory, org_id)
    assert await purge_events(session_factory, settings.model_copy(update={"event_retention_days": 60})) == 0
    assert await purge_events(session_factory, settings, batch=1, max_batches=2) == 2  # the next run carries on
    assert await purge_events(session_factory, settings.model_copy(update={"event_retention_days": 0.5})) == 2
    events, _ = await _left(session_factory)
    assert events == ["old-mixed", "old-pending", "old-undispatched"]


def test_the_purge_is_a_declared_cron() -> None:
    assert "events_purge" in {cron.name for cron in all_tasks().crons}
