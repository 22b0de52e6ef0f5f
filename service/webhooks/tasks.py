"""Webhook jobs: hand the event outbox to its consumers (webhooks, e-mail notifications), then
send the due deliveries; every `events_seconds`."""

from __future__ import annotations

from typing import Any

from service import events, jobs
from service.notifications import service as notifications
from service.webhooks import service

CONSUMERS = [service.fan_out, notifications.collect]


async def webhooks_dispatch_and_deliver(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    await events.dispatch(deps.sessionmaker, CONSUMERS)
    return await service.deliver_due(deps.sessionmaker, deps.settings, deps.client)


TASKS = jobs.Tasks(crons=(jobs.Cron(webhooks_dispatch_and_deliver, every=lambda s: float(s.events_seconds)),))
