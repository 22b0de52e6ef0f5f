"""Retention of the event outbox: without it the `event` table (and the webhook delivery log
hanging off it) grows by every status change, forever.

An event is *settled* once it was handed to the consumers (`dispatched_at` set) and none of its
webhook deliveries is still `pending`: each was delivered or finally given up (`failed`). A
settled event older than `VITRINE_EVENT_RETENTION_DAYS` is deleted with its deliveries. An
event not yet dispatched, or with a delivery still to send (a disabled endpoint's included, so
re-enabling it still sends them), is never deleted, however old.

Deletion goes in batches of `BATCH` events, one short transaction each, so a large backlog never
holds long locks on the outbox the sync engine writes to; a run stops after `MAX_BATCHES` and
the next run carries on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from service.db import unit_of_work
from service.models import utcnow
from service.settings import Settings
from service.webhooks import repository as repo

log = logging.getLogger("vitrine.webhooks")
BATCH = 1000
MAX_BATCHES = 100


async def purge_events(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                       now: datetime | None = None, *, batch: int = BATCH, max_batches: int = MAX_BATCHES) -> int:
    """Delete the settled events older than the retention, in batches; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=settings.event_retention_days)
    total = 0
    for _ in range(max_batches):
        async with unit_of_work(sessionmaker) as session:
            deleted = await repo.purge_settled_events(session, cutoff, batch)
        total += deleted
        if deleted < batch:
            break
    if total:
        log.info("events.purged count=%d older_than=%s", total, cutoff.isoformat())
    return total
