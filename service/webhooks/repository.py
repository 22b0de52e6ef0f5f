"""Webhook queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import Event, WebhookDelivery, WebhookEndpoint


async def endpoint(session: AsyncSession, org_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    found = await session.get(WebhookEndpoint, endpoint_id)
    return found if found is not None and found.organisation_id == org_id else None


async def endpoints(session: AsyncSession, org_id: int, enabled_only: bool = False) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == org_id)
    if enabled_only:
        query = query.where(WebhookEndpoint.enabled == True)  # noqa: E712
    return list((await session.exec(query.order_by(WebhookEndpoint.id))).all())


async def deliveries(session: AsyncSession, endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    return list((await session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                    .order_by(col(WebhookDelivery.id).desc()).limit(limit))).all())


async def delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery | None:
    return await session.get(WebhookDelivery, delivery_id)


async def due(session: AsyncSession, now: datetime, limit: int = 100
              ) -> list[tuple[WebhookDelivery, WebhookEndpoint, Event]]:
    query = (select(WebhookDelivery, WebhookEndpoint, Event)
             .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)  # type: ignore[arg-type]
             .join(Event, Event.id == WebhookDelivery.event_id)  # type: ignore[arg-type]
             .where(WebhookDelivery.status == "pending", col(WebhookDelivery.next_attempt_at) <= now,
                    WebhookEndpoint.enabled == True)  # noqa: E712
             .order_by(WebhookDelivery.next_attempt_at).limit(limit)
             .with_for_update(of=WebhookDelivery, skip_locked=True))  # type: ignore[arg-type]
    return [tuple(r) for r in (await session.exec(query)).all()]  # type: ignore[misc]


def _settled_before(cutoff: datetime):  # type: ignore[no-untyped-def]
    """Events dispatched, created before `cutoff`, with no delivery still pending."""
    pending = exists().where(and_(WebhookDelivery.event_id == Event.id,  # type: ignore[arg-type]
                                  WebhookDelivery.status == "pending"))
    return and_(col(Event.dispatched_at).is_not(None), col(Event.created_at) < cutoff, ~pending)


async def purge_settled_events(session: AsyncSession, cutoff: datetime, size: int) -> int:
    """Delete up to `size` settled events created before `cutoff`, oldest first, with their
    deliveries (`retention.py`); returns how many events went."""
    ids = list((await session.execute(select(Event.id).where(_settled_before(cutoff))  # type: ignore[call-overload]
                                      .order_by(Event.created_at).limit(size))).scalars())
    if not ids:
        return 0
    await session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.event_id).in_(ids),
                                                        WebhookDelivery.status != "pending"))
    # the condition again: a delivery redelivered since the SELECT keeps its event
    done = await session.execute(delete(Event).where(col(Event.id).in_(ids), _settled_before(cutoff)))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
