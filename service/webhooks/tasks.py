"""Webhook jobs: hand the event outbox to its consumers (webhooks, e-mail notifications), then
send the due deliveries. A cron every `events_seconds`; the embedded runner calls `tick`."""

from __future__ import annotations

from typing import Any

from arq import cron

from service import events
from service.notifications import service as notifications
from service.settings import Settings
from service.webhooks import service

CONSUMERS = [service.fan_out, notifications.collect]


async def webhooks_dispatch_and_deliver(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    await events.dispatch(deps.sessionmaker, CONSUMERS)
    return await service.deliver_due(deps.sessionmaker, deps.settings, deps.client)



def crons(settings: Settings) -> list[Any]:
    step = max(1, min(60, settings.events_seconds))
    return [cron(webhooks_dispatch_and_deliver, second=set(range(0, 60, step)), unique=True, keep_result=0)]


async def tick(deps: Any) -> None:
    await events.dispatch(deps.sessionmaker, CONSUMERS)
    await service.deliver_due(deps.sessionmaker, deps.settings)
