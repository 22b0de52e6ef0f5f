"""Sync status queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import EstablishmentLabel, EstablishmentRow, SyncAttempt, SyncTarget


async def target_ids(session: AsyncSession, establishment_ids: list[int],
                     platforms: list[str]) -> dict[tuple[int, str], int]:
    """(establishment_id, platform) -> sync_target id, for the pairs that exist."""
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(establishment_ids), 500):
        query = select(SyncTarget.id, SyncTarget.establishment_id, SyncTarget.platform).where(
            col(SyncTarget.establishment_id).in_(establishment_ids[start : start + 500]),
            col(SyncTarget.platform).in_(platforms))
        for target_id, est_id, platform in (await session.exec(query)).all():
            found[(est_id, platform)] = target_id  # type: ignore[index]
    return found


async def targets_of(session: AsyncSession, establishment_id: int, platforms: list[str]) -> list[SyncTarget]:
    query = select(SyncTarget).where(SyncTarget.establishment_id == establishment_id,
                                     col(SyncTarget.platform).in_(platforms))
    return list((await session.exec(query)).all())


async def target_for_update(session: AsyncSession, establishment_id: int, platform: str) -> SyncTarget | None:
    query = select(SyncTarget).where(SyncTarget.establishment_id == establishment_id,
                                     SyncTarget.platform == platform).with_for_update()
    return (await session.exec(query)).first()


async def feed_sites(session: AsyncSession, org_id: int, platform: str) -> list[tuple[SyncTarget, EstablishmentRow]]:
    """Every live establishment of the organisation connected to a feed platform: a feed is whole."""
    query = (select(SyncTarget, EstablishmentRow)
             .join(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)
             .where(SyncTarget.organisation_id == org_id, SyncTarget.platform == platform,
                    col(EstablishmentRow.deleted_at).is_(None))
             .order_by(EstablishmentRow.store_code))
    return [(t, e) for t, e in (await session.exec(query)).all()]


async def due(session: AsyncSession, now: datetime, limit: int = 5000) -> list[tuple[int, str, str]]:
    """(establishment_id, platform, 'push'|'verify') for every target whose work is due."""
    pushes = select(SyncTarget.establishment_id, SyncTarget.platform, SyncTarget.status).where(
        or_(
            and_(col(SyncTarget.status).in_(("pending", "in_progress")),
                 or_(col(SyncTarget.next_attempt_at).is_(None), col(SyncTarget.next_attempt_at) <= now)),
            and_(col(SyncTarget.status).in_(("awaiting_review", "live", "drifted")),
                 col(SyncTarget.next_attempt_at) <= now),
        )
    ).limit(limit)
    rows = (await session.exec(pushes)).all()
    return [(e, p, "push" if s in ("pending", "in_progress") else "verify") for e, p, s in rows]


def _filtered(org_id: int, platform: str | None, status: str | None, label: str | None) -> Any:
    query = (select(SyncTarget, EstablishmentRow.store_code)
             .join(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)
             .where(SyncTarget.organisation_id == org_id, col(EstablishmentRow.deleted_at).is_(None)))
    if platform:
        query = query.where(SyncTarget.platform == platform)
    if status:
        query = query.where(SyncTarget.status == status)
    if label:
        labelled = select(EstablishmentLabel.establishment_id).where(EstablishmentLabel.label == label)
        query = query.where(col(SyncTarget.establishment_id).in_(labelled))
    return query


async def page(session: AsyncSession, org_id: int, *, platform: str | None = None, status: str | None = None,
               label: str | None = None, store_code: str | None = None, after: tuple[str, str] | None = None,
               limit: int = 100) -> list[tuple[SyncTarget, str]]:
    query = _filtered(org_id, platform, status, label)
    if store_code:
        query = query.where(EstablishmentRow.store_code == store_code)
    if after:
        code, plat = after
        query = query.where(or_(EstablishmentRow.store_code > code,
                                and_(EstablishmentRow.store_code == code, SyncTarget.platform > plat)))
    query = query.order_by(EstablishmentRow.store_code, SyncTarget.platform).limit(limit)
    return [(t, code) for t, code in (await session.exec(query)).all()]


async def summary(session: AsyncSession, org_id: int, label: str | None = None) -> list[tuple[str, str, int]]:
    query = select(SyncTarget.platform, SyncTarget.status, func.count()).where(SyncTarget.organisation_id == org_id)
    if label:
        labelled = select(EstablishmentLabel.establishment_id).where(EstablishmentLabel.label == label)
        query = query.where(col(SyncTarget.establishment_id).in_(labelled))
    query = query.group_by(SyncTarget.platform, SyncTarget.status)
    return [(p, s, n) for p, s, n in (await session.exec(query)).all()]


async def attempts(session: AsyncSession, target_id: int, before: int | None, limit: int) -> list[SyncAttempt]:
    query = select(SyncAttempt).where(SyncAttempt.target_id == target_id)
    if before:
        query = query.where(col(SyncAttempt.id) < before)
    return list((await session.exec(query.order_by(col(SyncAttempt.id).desc()).limit(limit))).all())
