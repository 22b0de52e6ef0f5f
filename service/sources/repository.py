"""Source queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import EstablishmentRow, ImportRow, Source, SourceRun


async def get(session: AsyncSession, org_id: int, name: str) -> Source | None:
    return (await session.exec(select(Source).where(Source.organisation_id == org_id, Source.name == name))).first()


async def by_id(session: AsyncSession, source_id: int) -> Source | None:
    return await session.get(Source, source_id)


async def all_of(session: AsyncSession, org_id: int) -> list[Source]:
    return list((await session.exec(select(Source).where(Source.organisation_id == org_id)
                                    .order_by(Source.name))).all())


async def claim(session: AsyncSession, source_id: int, now: datetime, stale_before: datetime) -> bool:
    """Take the source's run lock in one UPDATE: two runs of one source never overlap."""
    result = await session.execute(
        update(Source).where(Source.id == source_id,  # type: ignore[arg-type]
                             or_(col(Source.running_since).is_(None), col(Source.running_since) < stale_before))
        .values(running_since=now))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def due(session: AsyncSession, now: datetime, stale_before: datetime) -> list[int]:
    query = select(Source.id).where(Source.enabled == True, col(Source.next_run_at) <= now,  # noqa: E712
                                    or_(col(Source.running_since).is_(None), col(Source.running_since) < stale_before))
    return list((await session.exec(query)).all())  # type: ignore[arg-type]


async def runs(session: AsyncSession, source_id: int, limit: int = 20) -> list[SourceRun]:
    return list((await session.exec(select(SourceRun).where(SourceRun.source_id == source_id)
                                    .order_by(col(SourceRun.id).desc()).limit(limit))).all())


async def imported_codes(session: AsyncSession, import_id: str) -> set[str]:
    query = select(ImportRow.data).where(ImportRow.import_id == import_id)
    return {data.get("store_code") for data in (await session.exec(query)).all() if data.get("store_code")}


async def current_codes(session: AsyncSession, org_id: int) -> set[str]:
    query = select(EstablishmentRow.store_code).where(and_(EstablishmentRow.organisation_id == org_id,
                                                           col(EstablishmentRow.deleted_at).is_(None)))
    return set((await session.exec(query)).all())
