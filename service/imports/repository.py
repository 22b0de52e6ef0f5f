"""Every import_run query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import ImportRun


async def add(session: AsyncSession, run: ImportRun) -> None:
    session.add(run)
    await session.flush()


async def get(session: AsyncSession, org_id: int, import_id: str) -> ImportRun | None:
    query = select(ImportRun).where(ImportRun.organisation_id == org_id, ImportRun.id == import_id)
    return (await session.exec(query)).first()


async def list_page(session: AsyncSession, org_id: int, *, before: tuple[datetime, str] | None,
                    limit: int) -> list[ImportRun]:
    """Newest first; `before` is the (created_at, id) of the previous page's last run."""
    query = select(ImportRun).where(ImportRun.organisation_id == org_id)
    if before is not None:
        created, run_id = before
        query = query.where(or_(col(ImportRun.created_at) < created,
                                and_(col(ImportRun.created_at) == created, col(ImportRun.id) < run_id)))
    query = query.order_by(col(ImportRun.created_at).desc(), col(ImportRun.id).desc()).limit(limit)
    return list((await session.exec(query)).all())
