"""Notification queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import (EstablishmentRow, Notification, NotificationRecipient, Organisation, Revision,
                            SyncTarget)


async def recipients(session: AsyncSession, org_id: int) -> list[NotificationRecipient]:
    return list((await session.exec(select(NotificationRecipient).where(
        NotificationRecipient.organisation_id == org_id).order_by(NotificationRecipient.email))).all())


async def recipient(session: AsyncSession, org_id: int, email: str) -> NotificationRecipient | None:
    return (await session.exec(select(NotificationRecipient).where(
        NotificationRecipient.organisation_id == org_id, NotificationRecipient.email == email))).first()


async def unsent_orgs(session: AsyncSession, older_than: datetime) -> list[int]:
    """Organisations whose oldest unsent notification waited past the batching window."""
    query = (select(Notification.organisation_id).where(col(Notification.sent_at).is_(None))
             .group_by(Notification.organisation_id).having(func.min(Notification.created_at) <= older_than))
    return list((await session.exec(query)).all())


async def unsent(session: AsyncSession, org_id: int) -> list[Notification]:
    return list((await session.exec(select(Notification).where(
        Notification.organisation_id == org_id, col(Notification.sent_at).is_(None))
        .order_by(Notification.id).with_for_update(skip_locked=True))).all())


async def organisations_with_digest(session: AsyncSession) -> list[int]:
    query = select(NotificationRecipient.organisation_id).where(NotificationRecipient.digest == True).distinct()  # noqa: E712
    return list((await session.exec(query)).all())


async def org_name(session: AsyncSession, org_id: int) -> str:
    org = await session.get(Organisation, org_id)
    return org.name if org else str(org_id)


async def changed_since(session: AsyncSession, org_id: int, since: datetime, limit: int = 200
                        ) -> list[tuple[str, str, str, list[dict]]]:
    """(store code, name, action, changes) of the revisions written since `since`, newest first."""
    query = (select(EstablishmentRow.store_code, EstablishmentRow.name, Revision.action, Revision.changes)
             .join(Revision, Revision.establishment_id == EstablishmentRow.id)  # type: ignore[arg-type]
             .where(EstablishmentRow.organisation_id == org_id, Revision.created_at >= since)
             .order_by(col(Revision.created_at).desc()).limit(limit))
    return [tuple(r) for r in (await session.exec(query)).all()]  # type: ignore[misc]


async def live_counts(session: AsyncSession, org_id: int) -> tuple[int, int]:
    query = select(func.count(), func.count(func.distinct(SyncTarget.platform))).where(
        SyncTarget.organisation_id == org_id, SyncTarget.status == "live")
    found = (await session.exec(query)).one()
    return int(found[0]), int(found[1])


async def waiting(session: AsyncSession, org_id: int, limit: int = 200) -> list[tuple[str, str, str, str, str | None]]:
    """(store code, name, platform, status, reason) of the listings that wait on a person."""
    query = (select(EstablishmentRow.store_code, EstablishmentRow.name, SyncTarget.platform, SyncTarget.status,
                    SyncTarget.last_error)
             .join(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)  # type: ignore[arg-type]
             .where(SyncTarget.organisation_id == org_id,
                    col(SyncTarget.status).in_(("action_required", "failed")))
             .order_by(EstablishmentRow.store_code).limit(limit))
    return [tuple(r) for r in (await session.exec(query)).all()]  # type: ignore[misc]
