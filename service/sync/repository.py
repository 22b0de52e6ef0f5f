"""Sync status queries."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import DateTime, and_, bindparam, func, or_, text
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.sync import SETTLED_AFTER_DELETE
from service.auth.access import Scope
from service.models import (EstablishmentLabel, EstablishmentRow, Organisation, PlatformConnection, SyncAttempt,
                            SyncTarget)


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


_WANT_SET = ("wanted_revision = excluded.wanted_revision, status = 'pending', attempts = 0, "
             "next_attempt_at = NULL, last_error = NULL, updated_at = excluded.updated_at")
_WANT_COLUMNS = ("INSERT INTO sync_target (organisation_id, establishment_id, platform, status, wanted_revision, "
                 "pushed_revision, attempts, detail, updated_at) ")
_WANT = {
    "postgresql": _WANT_COLUMNS + """SELECT :org, s.id, p.platform, 'pending', s.rev, 0, 0, '{}'::jsonb, :now
        FROM unnest(CAST(:ids AS integer[]), CAST(:revs AS integer[])) AS s(id, rev)
        CROSS JOIN unnest(CAST(:platforms AS varchar[])) AS p(platform)
        ON CONFLICT (establishment_id, platform) DO UPDATE SET """,
    "sqlite": _WANT_COLUMNS + """SELECT :org, json_extract(s.value, '$[0]'), p.value, 'pending',
               json_extract(s.value, '$[1]'), 0, 0, '{}', :now
        FROM json_each(:pairs) AS s, json_each(:platforms) AS p WHERE true
        ON CONFLICT (establishment_id, platform) DO UPDATE SET """,
}
WANT_CHUNK = 5000  # establishments per statement (x platforms rows)


async def want(session: AsyncSession, org_id: int, saved: list[tuple[int, int]], platforms: list[str],
               now: datetime, *, force: bool = False) -> None:
    """Each (establishment_id, revision) wanted on each platform: one upsert per chunk, the
    establishment x platform product built by the database (an import of 10,000 sites on 20
    platforms writes 200,000 rows without shipping them one by one). `force` also forgets
    what was last pushed."""
    saved = list(dict(saved).items())  # one row per establishment: an upsert cannot touch a row twice
    dialect = session.get_bind().dialect.name
    sql = _WANT[dialect] + _WANT_SET + (", pushed = NULL" if force else "")
    statement = text(sql).bindparams(bindparam("now", type_=DateTime(timezone=True)))
    for start in range(0, len(saved), WANT_CHUNK):
        chunk = saved[start : start + WANT_CHUNK]
        if dialect == "sqlite":
            params: dict[str, Any] = {"pairs": json.dumps(chunk), "platforms": json.dumps(platforms)}
        else:
            params = {"ids": [i for i, _ in chunk], "revs": [r for _, r in chunk], "platforms": platforms}
        await session.execute(statement, {"org": org_id, "now": now, **params})


async def targets_of(session: AsyncSession, establishment_id: int, platforms: list[str], *,
                     fresh: bool = False) -> list[SyncTarget]:
    """`fresh`: reload rows this session already holds, rather than trust its copies."""
    query = select(SyncTarget).where(SyncTarget.establishment_id == establishment_id,
                                     col(SyncTarget.platform).in_(platforms))
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list((await session.exec(query)).all())


class TargetRow:
    """A sync_target row as plain attributes, without an ORM instance: the push and read-back
    records set what changes and `save_target` writes just those columns, where the ORM's unit
    of work cost more than the rest of a push's bookkeeping together."""

    def __init__(self, values: Any):
        read = dict(values)
        self.__dict__.update(read)
        self.__dict__["_read"] = read

    def changes(self) -> dict[str, Any]:
        read = self._read
        return {k: v for k, v in self.__dict__.items() if k != "_read" and v is not read[k] and v != read[k]}


# The queries of every push and read-back, built once: a statement object reused keeps its
# compiled form's cache key, where one built per call is rebuilt and hashed each time.
_TARGETS = SyncTarget.__table__  # type: ignore[attr-defined]
_CONNECTION = and_(PlatformConnection.organisation_id == SyncTarget.organisation_id,
                   PlatformConnection.platform == SyncTarget.platform)
_THIS_TARGET = (SyncTarget.establishment_id == bindparam("establishment_id"),
                SyncTarget.platform == bindparam("platform"))
_FOR_PUSH = (sa_select(*_TARGETS.c, EstablishmentRow.store_code, EstablishmentRow.revision, EstablishmentRow.data,
                       EstablishmentRow.deleted_at, EstablishmentRow.on_delete, PlatformConnection,
                       Organisation.drift_policy)
             .outerjoin(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)
             .outerjoin(PlatformConnection, _CONNECTION)
             .outerjoin(Organisation, Organisation.id == SyncTarget.organisation_id)
             .where(*_THIS_TARGET)
             .with_for_update(of=_TARGETS))
_FOR_VERIFY = (select(SyncTarget.id, SyncTarget.status, SyncTarget.remote_id, SyncTarget.pushed, PlatformConnection,
                      Organisation.drift_policy)
               .outerjoin(PlatformConnection, _CONNECTION)
               .outerjoin(Organisation, Organisation.id == SyncTarget.organisation_id)
               .where(*_THIS_TARGET))
_LOCK = sa_select(_TARGETS).where(_TARGETS.c.id == bindparam("target_id")).with_for_update()
_SAVE = sa_update(_TARGETS).where(_TARGETS.c.id == bindparam("target_id"))  # SET: the parameters given
_ATTEMPT = sa_insert(SyncAttempt.__table__)  # type: ignore[attr-defined]


async def target_for_push(session: AsyncSession, establishment_id: int, platform: str
                          ) -> tuple[TargetRow, Any, PlatformConnection | None, str | None] | None:
    """The target (locked), its establishment (store_code, revision, data, deleted_at, on_delete;
    None when the row is gone), the organisation's connection and drift policy, in one query."""
    found = (await session.execute(_FOR_PUSH, {"establishment_id": establishment_id, "platform": platform})).first()
    if found is None:
        return None
    width = len(_TARGETS.c)
    store_code, revision, data, deleted_at, on_delete, connection, policy = found[width:]
    establishment = None if store_code is None else SimpleNamespace(
        store_code=store_code, revision=revision, data=data, deleted_at=deleted_at, on_delete=on_delete)
    return TargetRow(zip(_TARGETS.c.keys(), found[:width])), establishment, connection, policy


async def lock_target(session: AsyncSession, target_id: int) -> TargetRow | None:
    found = (await session.execute(_LOCK, {"target_id": target_id})).mappings().first()
    return None if found is None else TargetRow(found)


async def save_target(session: AsyncSession, target: TargetRow) -> None:
    changes = target.changes()
    if changes:
        await session.execute(_SAVE, {"target_id": target.id, **changes})


async def add_attempt(session: AsyncSession, **values: Any) -> None:
    await session.execute(_ATTEMPT, values)


async def target_for_verify(session: AsyncSession, establishment_id: int, platform: str
                            ) -> tuple[int, str, str | None, dict[str, Any] | None, PlatformConnection | None,
                                       str | None] | None:
    """(target id, status, remote id, pushed payload, connection, the organisation's drift policy),
    in one query and without a lock."""
    found = (await session.exec(_FOR_VERIFY, params={"establishment_id": establishment_id,  # type: ignore[call-overload]
                                                     "platform": platform})).first()
    return None if found is None else tuple(found)  # type: ignore[return-value]


async def target_for_update(session: AsyncSession, establishment_id: int, platform: str) -> SyncTarget | None:
    query = select(SyncTarget).where(SyncTarget.establishment_id == establishment_id,
                                     SyncTarget.platform == platform).with_for_update()
    return (await session.exec(query)).first()


async def feed_sites(session: AsyncSession, org_id: int, platform: str) -> list[tuple[SyncTarget, EstablishmentRow]]:
    """Every live establishment of the organisation connected to a feed platform (a feed is whole),
    and the deleted ones to show closed (`on_delete == 'close'`)."""
    query = (select(SyncTarget, EstablishmentRow)
             .join(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)
             .where(SyncTarget.organisation_id == org_id, SyncTarget.platform == platform,
                    or_(col(EstablishmentRow.deleted_at).is_(None), EstablishmentRow.on_delete == "close"))
             .order_by(EstablishmentRow.store_code))
    return [(t, e) for t, e in (await session.exec(query)).all()]


async def due(session: AsyncSession, now: datetime, limit: int = 5000) -> list[tuple[int, str, str, int]]:
    """(establishment_id, platform, 'push'|'verify', organisation_id) for every target whose work
    is due (the organisation: its turn in the fair queue)."""
    pushes = select(SyncTarget.establishment_id, SyncTarget.platform, SyncTarget.status,
                    SyncTarget.organisation_id).where(
        or_(
            and_(col(SyncTarget.status).in_(("pending", "in_progress")),
                 or_(col(SyncTarget.next_attempt_at).is_(None), col(SyncTarget.next_attempt_at) <= now)),
            and_(col(SyncTarget.status).in_(("awaiting_review", "live", "drifted")),
                 col(SyncTarget.next_attempt_at) <= now),
        )
    ).limit(limit)
    rows = (await session.exec(pushes)).all()
    return [(e, p, "push" if s in ("pending", "in_progress") else "verify", org) for e, p, s, org in rows]


def _shown() -> Any:
    """A site is shown while it is not deleted, and after its deletion until every platform
    has settled it (`SETTLED_AFTER_DELETE`): what was done, or what a person must do, stays in view."""
    other = aliased(SyncTarget)
    unsettled = (select(other.id).where(other.establishment_id == EstablishmentRow.id,
                                        col(other.status).not_in(SETTLED_AFTER_DELETE))
                 .correlate(EstablishmentRow).exists())
    return or_(col(EstablishmentRow.deleted_at).is_(None), unsettled)


def _filtered(org_id: int, platform: str | None, status: str | None, label: str | None,
              scope: Scope | None = None) -> Any:
    query = (select(SyncTarget, EstablishmentRow.store_code)
             .join(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)
             .where(SyncTarget.organisation_id == org_id, _shown()))
    if scope is not None:
        query = query.where(scope.clause(col(SyncTarget.establishment_id)))
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
               limit: int = 100, scope: Scope | None = None) -> list[tuple[SyncTarget, str]]:
    query = _filtered(org_id, platform, status, label, scope)
    if store_code:
        query = query.where(EstablishmentRow.store_code == store_code)
    if after:
        code, plat = after
        query = query.where(or_(EstablishmentRow.store_code > code,
                                and_(EstablishmentRow.store_code == code, SyncTarget.platform > plat)))
    query = query.order_by(EstablishmentRow.store_code, SyncTarget.platform).limit(limit)
    return [(t, code) for t, code in (await session.exec(query)).all()]


async def summary(session: AsyncSession, org_id: int, label: str | None = None,
                  scope: Scope | None = None) -> list[tuple[str, str, int]]:
    query = (select(SyncTarget.platform, SyncTarget.status, func.count())
             .join(EstablishmentRow, EstablishmentRow.id == SyncTarget.establishment_id)
             .where(SyncTarget.organisation_id == org_id, _shown()))
    if scope is not None:
        query = query.where(scope.clause(col(SyncTarget.establishment_id)))
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


async def statuses_by_site(session: AsyncSession, establishment_ids: list[int]) -> dict[int, dict[str, str]]:
    """establishment id -> platform -> status, for a page of sites (one query)."""
    if not establishment_ids:
        return {}
    query = select(SyncTarget.establishment_id, SyncTarget.platform, SyncTarget.status).where(
        col(SyncTarget.establishment_id).in_(establishment_ids))
    found: dict[int, dict[str, str]] = {}
    for est_id, platform, status in (await session.exec(query)).all():
        found.setdefault(est_id, {})[platform] = status
    return found


async def establishment(session: AsyncSession, org_id: int, store_code: str) -> tuple[int, int] | None:
    """(id, revision) of a live establishment, by its store code."""
    query = select(EstablishmentRow.id, EstablishmentRow.revision).where(
        EstablishmentRow.organisation_id == org_id, EstablishmentRow.store_code == store_code,
        col(EstablishmentRow.deleted_at).is_(None))
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found else None  # type: ignore[return-value]


async def status_counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(platform, status, count) over every organisation: the metrics' gauge."""
    query = sa_select(SyncTarget.platform, SyncTarget.status, func.count()).group_by(
        SyncTarget.platform, SyncTarget.status)
    return [(p, s, n) for p, s, n in (await session.execute(query)).all()]


async def oldest_due_since(session: AsyncSession, now: datetime) -> datetime | None:
    """Since when the longest-waiting due target has waited (its due time), or None if none is due.
    A push due with no time set has waited since its last change."""
    pushes = sa_select(func.min(func.coalesce(SyncTarget.next_attempt_at, SyncTarget.updated_at))).where(
        col(SyncTarget.status).in_(("pending", "in_progress")),
        or_(col(SyncTarget.next_attempt_at).is_(None), col(SyncTarget.next_attempt_at) <= now))
    verifies = sa_select(func.min(SyncTarget.next_attempt_at)).where(
        col(SyncTarget.status).in_(("awaiting_review", "live", "drifted")), col(SyncTarget.next_attempt_at) <= now)
    found = [v for v in ((await session.execute(pushes)).scalar(), (await session.execute(verifies)).scalar()) if v]
    if not found:
        return None
    return min(v if v.tzinfo else v.replace(tzinfo=now.tzinfo) for v in found)
