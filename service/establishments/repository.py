"""Every establishment query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.text import like_pattern
from service.auth.access import Scope
from service.models import EstablishmentLabel, EstablishmentRow, Revision, SyncTarget

CHUNK = 500  # keeps IN (...) lists and executemany batches well under driver limits


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _get_query(deleted: bool, for_update: bool) -> Any:
    query = select(EstablishmentRow).where(EstablishmentRow.organisation_id == bindparam("org_id"),
                                           EstablishmentRow.store_code == bindparam("store_code"))
    if not deleted:
        query = query.where(col(EstablishmentRow.deleted_at).is_(None))
    return query.with_for_update() if for_update else query


# built once: building a statement costs more than the query on a hot read (GET one site)
_GET = {(deleted, for_update): _get_query(deleted, for_update) for deleted in (False, True)
        for for_update in (False, True)}


async def get(session: AsyncSession, org_id: int, store_code: str, *, deleted: bool = False,
              for_update: bool = False, fresh: bool = False) -> EstablishmentRow | None:
    """`for_update` locks the row until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway); `fresh` re-reads a row this session already holds."""
    query = _GET[(deleted, for_update)]
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.exec(query, params={"org_id": org_id, "store_code": store_code})).first()


async def get_many(session: AsyncSession, org_id: int, store_codes: Sequence[str],
                   *, for_update: bool = False, fresh: bool = False) -> dict[str, EstablishmentRow]:
    """Rows by store code, deleted ones included (a create revives them). Locked rows are
    locked in store-code order, so two writers of overlapping sets cannot deadlock."""
    found: dict[str, EstablishmentRow] = {}
    for chunk in _chunks(sorted(set(store_codes))):
        query = select(EstablishmentRow).where(
            EstablishmentRow.organisation_id == org_id, col(EstablishmentRow.store_code).in_(chunk)
        )
        if for_update:
            query = query.order_by(EstablishmentRow.store_code).with_for_update()
        if fresh:
            query = query.execution_options(populate_existing=True)
        for row in (await session.exec(query)).all():
            found[row.store_code] = row
    return found


async def lock_writes(session: AsyncSession, org_id: int) -> None:
    """Serialise the organisation's multi-row writes (bulk upserts) for this transaction:
    a PostgreSQL advisory lock, so overlapping bulks take their row locks one after the other
    instead of deadlocking; on SQLite, the database's write lock taken now (an empty write),
    so what is read next is not stale by the time it is written."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:space, :org)"), {"space": _LOCK_SPACE, "org": org_id})
    else:
        await session.execute(text("UPDATE establishment SET revision = revision WHERE 0 = 1"))


_LOCK_SPACE = 0x5E7A  # advisory lock key space of establishment writes (two-int form: space, organisation)


async def current_revisions(session: AsyncSession, org_id: int) -> list[tuple[int, int]]:
    """(id, revision) of every live establishment of the organisation."""
    query = select(EstablishmentRow.id, EstablishmentRow.revision).where(
        EstablishmentRow.organisation_id == org_id, col(EstablishmentRow.deleted_at).is_(None))
    return [(i, r) for i, r in (await session.exec(query)).all()]  # type: ignore[misc]


async def list_page(session: AsyncSession, org_id: int, *, label: str | None, locality: str | None,
                    status: str | None, q: str | None, after: str | None, limit: int,
                    scope: Scope | None = None, on_platform: tuple[str, str] | None = None
                    ) -> list[EstablishmentRow]:
    """`on_platform`: (platform, sync status), e.g. ("google", "failed"); platform None: any."""
    query = select(EstablishmentRow).where(
        EstablishmentRow.organisation_id == org_id, col(EstablishmentRow.deleted_at).is_(None)
    )
    if scope is not None:
        query = query.where(scope.clause(col(EstablishmentRow.id)))
    if on_platform is not None:
        targets = select(SyncTarget.establishment_id).where(SyncTarget.status == on_platform[1])
        if on_platform[0]:
            targets = targets.where(SyncTarget.platform == on_platform[0])
        query = query.where(col(EstablishmentRow.id).in_(targets))
    if label:
        labelled = select(EstablishmentLabel.establishment_id).where(EstablishmentLabel.label == label)
        query = query.where(col(EstablishmentRow.id).in_(labelled))
    if locality:
        query = query.where(func.lower(EstablishmentRow.locality) == locality.lower())
    if status:
        query = query.where(EstablishmentRow.status == status)
    if q and q.strip():
        pattern = like_pattern(q.strip())  # `q=%` looks for a percent sign, not for everything
        query = query.where(or_(col(EstablishmentRow.name).ilike(pattern, escape="\\"),
                                col(EstablishmentRow.store_code).ilike(pattern, escape="\\"),
                                col(EstablishmentRow.locality).ilike(pattern, escape="\\")))
    if after:
        query = query.where(EstablishmentRow.store_code > after)
    query = query.order_by(EstablishmentRow.store_code).limit(limit)
    return list((await session.exec(query)).all())


def _insert_skipping_conflicts(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return statement.on_conflict_do_nothing(index_elements=["organisation_id", "store_code"])


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert establishments, return their ids by store code. A store code another
    transaction created meanwhile is skipped, not an error (its code is missing from the
    answer): the caller decides whether that is a 409 or an update."""
    ids: dict[str, int] = {}
    table = EstablishmentRow.__table__  # Core, not ORM bulk: half the Python work per row, same rows
    statement = _insert_skipping_conflicts(session, table).returning(table.c.id, table.c.store_code)  # type: ignore[attr-defined]
    for chunk in _chunks(rows):
        result = await session.execute(statement, list(chunk))
        ids.update({code: id_ for id_, code in result.all()})
    return ids


async def update_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Bulk update by primary key; each dict has `id` and the columns to set."""
    for chunk in _chunks(rows):
        await session.execute(update(EstablishmentRow), list(chunk))


async def update_if_revision(session: AsyncSession, row_id: int, revision: int, values: dict[str, Any]) -> bool:
    """Optimistic concurrency: only writes when the stored revision is still `revision`."""
    result = await session.execute(
        update(EstablishmentRow)
        .where(col(EstablishmentRow.id) == row_id, col(EstablishmentRow.revision) == revision)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def insert_revisions(session: AsyncSession, revisions: list[dict[str, Any]]) -> None:
    for chunk in _chunks(revisions):
        await session.execute(insert(Revision.__table__), list(chunk))  # type: ignore[attr-defined]


async def replace_labels(session: AsyncSession, labels: dict[int, list[str]]) -> None:
    ids = list(labels)
    for chunk in _chunks(ids):
        await session.execute(delete(EstablishmentLabel).where(col(EstablishmentLabel.establishment_id).in_(chunk)))
    rows = [{"establishment_id": i, "label": label} for i, names in labels.items() for label in names]
    for chunk in _chunks(rows):
        await session.execute(insert(EstablishmentLabel.__table__), list(chunk))  # type: ignore[attr-defined]


async def revisions(session: AsyncSession, establishment_id: int, *, before: int | None,
                    limit: int) -> list[Revision]:
    query = select(Revision).where(Revision.establishment_id == establishment_id)
    if before is not None:
        query = query.where(Revision.number < before)
    query = query.order_by(col(Revision.number).desc()).limit(limit)
    return list((await session.exec(query)).all())


async def code_and_name(session: AsyncSession, establishment_id: int) -> tuple[str, str] | None:
    """(store code, name) of one establishment, for messages that name a site."""
    row = await session.get(EstablishmentRow, establishment_id)
    return None if row is None else (row.store_code, row.name)
