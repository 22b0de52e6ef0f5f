"""Every import_run and import_row query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import ImportRow, ImportRun


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


async def finish(session: AsyncSession, run: ImportRun, *, summary: dict[str, Any], report: dict[str, Any]) -> None:
    run.summary, run.report = summary, report
    await session.flush()


async def add_rows(session: AsyncSession, import_id: str, rows: list[dict[str, Any]]) -> None:
    """Store report rows (`RowReport` JSON), one statement for the lot."""
    if rows:
        await session.execute(insert(ImportRow.__table__), [  # type: ignore[attr-defined]
            {"import_id": import_id, "row": r["row"], "action": r["action"], "data": r} for r in rows])


async def rows(session: AsyncSession, import_id: str, *, action: str | None, limit: int,
               after: int | None = None) -> list[dict[str, Any]]:
    """Report rows in file order, after row number `after`, of one action or all."""
    query = select(ImportRow.data).where(ImportRow.import_id == import_id)
    if action is not None:
        query = query.where(ImportRow.action == action)
    if after is not None:
        query = query.where(col(ImportRow.row) > after)
    return list((await session.exec(query.order_by(col(ImportRow.row)).limit(limit))).all())
