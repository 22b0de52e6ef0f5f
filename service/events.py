"""A neutral event outbox: what happened, written in the transaction that made it happen.

A domain calls `await events.record(session, org_id, kind, payload)`; the row commits or rolls
back with the change it describes. Consumers (webhooks, e-mail notifications) read the outbox
afterwards in their own jobs (`webhooks.tasks.dispatch_events`), so a slow or dead webhook
endpoint never delays the sync that produced the event. No domain imports a consumer.

Kinds (payloads in docs/integrations.md): `listing.status_changed`, `campaign.completed`,
`import.completed`, `source.failed`, and `webhook.disabled` (e-mail only).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, update
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import Event, utcnow

KINDS = ("listing.status_changed", "campaign.completed", "import.completed", "source.failed")
LISTING_STATES = frozenset({"live", "failed", "action_required", "drifted"})  # a status change worth telling


def new_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


async def record(session: AsyncSession, organisation_id: int, kind: str, payload: dict[str, Any]) -> str:
    """Write one event in the caller's transaction; returns its id (the deliveries' `webhook-id`)."""
    event_id = new_id()
    await session.execute(insert(Event.__table__), {  # type: ignore[attr-defined]
        "id": event_id, "organisation_id": organisation_id, "kind": kind, "payload": payload,
        "created_at": utcnow(), "dispatched_at": None})
    return event_id


async def target_status(session: AsyncSession, target: Any) -> None:
    """For the sync engine: a `listing.status_changed` event when `target` (a `TargetRow`, whose
    `_read` holds the row as it was read) moved into live, failed, action_required or drifted."""
    before = getattr(target, "_read", {}).get("status")
    if target.status == before or target.status not in LISTING_STATES:
        return
    await record(session, target.organisation_id, "listing.status_changed", {
        "establishment_id": target.establishment_id, "platform": target.platform, "status": target.status,
        "previous_status": before, "reason": target.last_error, "live_url": target.live_url})


async def dispatch(sessionmaker: Any, consumers: list[Any], limit: int = 500) -> int:
    """Hand the undispatched events, oldest first, to each consumer (`await consumer(session,
    events)`, in one transaction with marking them dispatched): a consumer that fails leaves
    them for the next pass. Returns how many were handed over."""
    from sqlmodel import col, select

    from service.db import unit_of_work

    async with unit_of_work(sessionmaker) as session:
        query = (select(Event).where(col(Event.dispatched_at).is_(None)).order_by(Event.created_at)  # type: ignore[arg-type]
                 .limit(limit).with_for_update(skip_locked=True))
        now = utcnow()
        found = []
        for event in (await session.exec(query)).all():  # claimed one by one: two passes never share one
            claimed = await session.execute(update(Event).where(Event.id == event.id,  # type: ignore[arg-type]
                                                                col(Event.dispatched_at).is_(None))
                                            .values(dispatched_at=now))
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                found.append(event)
        for consumer in consumers:
            await consumer(session, found)
        return len(found)
