"""Webhook jobs: hand the event outbox to its consumers (webhooks, e-mail notifications), then
send the due deliveries, every `events_seconds`; and, hourly, delete the settled events older
than `event_retention_days` (`retention.py`)."""

from __future__ import annotations

from typing import Any

from service import events, jobs
from service.notifications import service as notifications
from service.webhooks import retention, service

CONSUMERS = [service.fan_out, notifications.collect]


async def webhooks_dispatch_and_deliver(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    await events.dispatch(deps.sessionmaker, CONSUMERS)
    return await service.deliver_due(deps.sessionmaker, deps.settings, deps.client)


async def events_purge(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    return await retention.purge_events(deps.sessionmaker, deps.settings)


TASKS = jobs.Tasks(crons=(jobs.Cron(webhooks_dispatch_and_deliver, every=lambda s: float(s.events_seconds)),
                          jobs.Cron(events_purge, every=lambda s: 3600.0)))
