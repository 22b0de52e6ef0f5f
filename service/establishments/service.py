"""The one write path for establishments.

Every source (REST call, Excel import, CLI, campaign) ends here: the record is compared with
the stored one, and only a real change writes a new revision with its field-level diff and
its source. Bulk paths plan in memory first (one query for the existing rows), then write
with executemany statements, so a 10,000-row import costs a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas import Establishment, EstablishmentPublic
from schemas.api import BulkItemResult, BulkResponse, BulkSummary, FieldError
from schemas.diff import FieldChange, diff_records
from schemas.sync import OnPlatforms
from service.errors import ApiError, NotFound, validation_details
from service.establishments import repository as repo
from service.models import EstablishmentRow, Revision, utcnow
from service.sync import outbox

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class Source:
    kind: str  # api | import | cli | campaign
    ref: str | None = None


@dataclass
class Outcome:
    store_code: str
    action: Action
    planned_changes: list[FieldChange] | None  # None for a create: computed on demand (see `changes`)
    record: Establishment
    existing: EstablishmentRow | None = None
    revision: int = 0
    establishment_id: int | None = field(default=None)
    content: dict[str, Any] = field(default_factory=dict)  # record.content(), computed once

    @property
    def changes(self) -> list[FieldChange]:
        """Field changes against the stored record. A create's are every field of its record:
        built only when asked for (a 100,000-row import never needs them as models)."""
        if self.planned_changes is None:
            self.planned_changes = diff_records(None, self.content)
        return self.planned_changes

    def change_dicts(self) -> list[dict[str, Any]]:
        """`changes`, JSON-ready, as a revision stores them; a create's without building models
        (`diff_records(None, content)` gives one change per non-null top-level field, sorted)."""
        if self.planned_changes is None:
            return [{"field": key, "before": None, "after": value} for key, value in sorted(self.content.items())
                    if value is not None]
        return [{"field": c.field, "before": c.before, "after": c.after} for c in self.planned_changes]


def to_public(row: EstablishmentRow) -> EstablishmentPublic:
    return EstablishmentPublic.model_validate(
        {"store_code": row.store_code, **row.data, "revision": row.revision, "updated_at": row.updated_at}
    )


def plan(records: Sequence[Establishment], existing: dict[str, EstablishmentRow]) -> list[Outcome]:
    """What saving `records` would do, without writing anything."""
    return [_plan_one(record.store_code, record.content(), record, existing) for record in records]


def plan_contents(items: Sequence[tuple[str, dict[str, Any]]], existing: dict[str, EstablishmentRow]) -> list[Outcome]:
    """`plan` for records already reduced to (store code, `Establishment.content()`): a big
    import keeps those and not the models (`Outcome.record` is then None; `apply` needs only
    the content)."""
    return [_plan_one(code, content, None, existing) for code, content in items]


def _plan_one(store_code: str, content: dict[str, Any], record: Establishment | None,
              existing: dict[str, EstablishmentRow]) -> Outcome:
    row = existing.get(store_code)
    if row is None or row.deleted_at is not None:  # changes against nothing: no diff to run
        return Outcome(store_code, "create", None, record, row,  # type: ignore[arg-type]
                       revision=(row.revision + 1) if row else 1, content=content)
    changes = diff_records(row.data, content)
    action: Action = "update" if changes else "unchanged"
    return Outcome(store_code, action, changes, record, row,  # type: ignore[arg-type]
                   revision=row.revision + 1 if changes else row.revision, establishment_id=row.id, content=content)


def _columns(record: Establishment | None, content: dict[str, Any]) -> dict[str, Any]:
    """The indexed columns, read from the content (the same values as the record's)."""
    address = content.get("address") or {}
    return {
        "name": content["name"],
        "status": content["status"],
        "locality": address.get("locality"),
        "postal_code": address.get("postal_code"),
        "data": content,
    }


def _batches(outcomes: list[Outcome]) -> Iterable[list[Outcome]]:
    for start in range(0, len(outcomes), repo.CHUNK):
        yield outcomes[start : start + repo.CHUNK]


async def apply(session: AsyncSession, org_id: int, outcomes: list[Outcome], source: Source) -> None:
    """Write planned outcomes: rows, revisions, labels, and the sync outbox, in the caller's
    transaction."""
    now = utcnow()
    new = [o for o in outcomes if o.action == "create" and o.existing is None]
    revived = [o for o in outcomes if o.action == "create" and o.existing is not None]
    changed = [o for o in outcomes if o.action == "update"] + revived
    # statement parameters are built one batch at a time: a big import never holds them all
    for batch in _batches(new):
        ids = await repo.insert_rows(session, [
            {"organisation_id": org_id, "store_code": o.store_code, "revision": 1,
             "created_at": now, "updated_at": now, **_columns(o.record, o.content)} for o in batch
        ])
        for o in batch:
            o.establishment_id = ids[o.store_code]
    for batch in _batches(changed):
        await repo.update_rows(session, [
            {"id": o.existing.id, "revision": o.revision, "updated_at": now, "deleted_at": None,  # type: ignore[union-attr]
             **_columns(o.record, o.content)} for o in batch
        ])
    for o in revived:
        o.establishment_id = o.existing.id  # type: ignore[union-attr]
    written = new + changed
    if not written:
        return
    for batch in _batches(written):
        await repo.insert_revisions(session, [
            {"establishment_id": o.establishment_id, "number": o.revision, "action": o.action,
             "changes": o.change_dicts(),
             "snapshot": o.content,
             "source": source.kind, "source_ref": source.ref, "created_at": now} for o in batch
        ])
    label_changes = {o.establishment_id: list(o.content.get("labels") or ()) for o in written
                     if o.action == "create" or any(c.field == "labels" for c in o.changes)}
    if label_changes:
        await repo.replace_labels(session, label_changes)  # type: ignore[arg-type]
    await outbox.record_revisions(session, org_id, [(o.establishment_id, o.revision) for o in written])  # type: ignore[misc]


async def save_many(session: AsyncSession, org_id: int, records: Sequence[Establishment],
                    source: Source) -> list[Outcome]:
    existing = await repo.get_many(session, org_id, [r.store_code for r in records], for_update=True)
    outcomes = plan(records, existing)
    await apply(session, org_id, outcomes, source)
    return outcomes


async def bulk_upsert(session: AsyncSession, org_id: int, items: list[dict[str, Any]], source: Source) -> BulkResponse:
    """Each item validated on its own; the valid ones saved together, one result per item in order."""
    results: dict[int, BulkItemResult] = {}
    valid: list[tuple[int, Establishment]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        code = item.get("store_code") if isinstance(item, dict) else None
        code = code if isinstance(code, str) else None
        try:
            record = Establishment.model_validate(item)
        except ValidationError as exc:
            errors = [FieldError(field=d.field, message=d.message) for d in validation_details(exc.errors())]
            results[index] = BulkItemResult(index=index, store_code=code, result="rejected", errors=errors)
            continue
        if record.store_code in seen:
            results[index] = BulkItemResult(index=index, store_code=code, result="rejected", errors=[FieldError(
                field="store_code", message=f"same store_code as item {seen[record.store_code]}")])
            continue
        seen[record.store_code] = index
        valid.append((index, record))
    outcomes = await save_many(session, org_id, [r for _, r in valid], source)
    for (index, _), outcome in zip(valid, outcomes):
        result = {"create": "created", "update": "updated", "unchanged": "unchanged"}[outcome.action]
        results[index] = BulkItemResult(index=index, store_code=outcome.store_code, result=result,  # type: ignore[arg-type]
                                        revision=outcome.revision, changes=outcome.changes)
    ordered = [results[i] for i in range(len(items))]
    summary = BulkSummary()
    for r in ordered:
        setattr(summary, r.result, getattr(summary, r.result) + 1)
    return BulkResponse(summary=summary, results=ordered)


def validate_record(data: dict[str, Any]) -> Establishment:
    try:
        return Establishment.model_validate(data)
    except ValidationError as exc:
        errors = validation_details(exc.errors())
        raise ApiError(422, "validation_error", f"{len(errors)} invalid field(s)",
                       field=errors[0].field, errors=errors) from None


async def get_or_404(session: AsyncSession, org_id: int, store_code: str) -> EstablishmentRow:
    row = await repo.get(session, org_id, store_code)
    if row is None:
        raise NotFound("establishment", store_code)
    return row


async def create(session: AsyncSession, org_id: int, record: Establishment, source: Source) -> Outcome:
    existing = await repo.get_many(session, org_id, [record.store_code], for_update=True)
    row = existing.get(record.store_code)
    if row is not None and row.deleted_at is None:
        raise ApiError(409, "conflict", f"establishment {record.store_code!r} already exists; "
                       "use PUT or PATCH to change it", field="store_code")
    outcome = plan([record], existing)[0]
    await apply(session, org_id, [outcome], source)
    return outcome


def _check_if_match(row: EstablishmentRow, if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    wanted = if_match.strip().removeprefix("W/").strip('"')
    if wanted != str(row.revision):
        raise ApiError(412, "precondition_failed",
                       f"{row.store_code} is at revision {row.revision}, not {wanted}: "
                       "reload it and apply your change again", headers={"ETag": f'"{row.revision}"'})


async def update(session: AsyncSession, org_id: int, row: EstablishmentRow, record: Establishment,
                 source: Source, if_match: str | None) -> Outcome:
    """Replace a stored record by `record`; a no-op when nothing changed."""
    _check_if_match(row, if_match)
    outcome = plan([record], {row.store_code: row})[0]
    if outcome.action == "unchanged":
        return outcome
    now = utcnow()
    if not await repo.update_if_revision(session, row.id, row.revision,  # type: ignore[arg-type]
                                         {"revision": outcome.revision, "updated_at": now,
                                          **_columns(record, outcome.content)}):
        raise ApiError(412, "precondition_failed", f"{row.store_code} changed while this update ran; retry")
    await _log_single(session, org_id, row.id, outcome, source)  # type: ignore[arg-type]
    row.revision, row.updated_at, row.data = outcome.revision, now, outcome.content
    return outcome


async def _log_single(session: AsyncSession, org_id: int, establishment_id: int, outcome: Outcome,
                      source: Source) -> None:
    outcome.establishment_id = establishment_id
    session.add(Revision(establishment_id=establishment_id, number=outcome.revision, action=outcome.action,
                         changes=outcome.change_dicts(),
                         snapshot=outcome.content, source=source.kind, source_ref=source.ref))
    if any(c.field == "labels" for c in outcome.changes):
        await repo.replace_labels(session, {establishment_id: outcome.record.labels})
    await outbox.record_revisions(session, org_id, [(establishment_id, outcome.revision)])


async def patch(session: AsyncSession, org_id: int, store_code: str, changes: dict[str, Any],
                source: Source, if_match: str | None) -> tuple[EstablishmentRow, Outcome]:
    row = await get_or_404(session, org_id, store_code)
    merged = {"store_code": row.store_code, **row.data, **changes}
    record = validate_record(merged)
    return row, await update(session, org_id, row, record, source, if_match)


async def delete(session: AsyncSession, org_id: int, store_code: str, source: Source,
                 if_match: str | None, on_platforms: OnPlatforms = OnPlatforms.leave) -> None:
    """Delete a site, and queue what `on_platforms` says for every connected platform (the sync
    engine carries it out; the site stays in the status views until every platform is settled)."""
    row = await get_or_404(session, org_id, store_code)
    _check_if_match(row, if_match)
    now = utcnow()
    if not await repo.update_if_revision(session, row.id, row.revision,  # type: ignore[arg-type]
                                         {"revision": row.revision + 1, "deleted_at": now, "updated_at": now,
                                          "on_delete": OnPlatforms(on_platforms).value}):
        raise ApiError(412, "precondition_failed", f"{row.store_code} changed while this delete ran; retry")
    session.add(Revision(establishment_id=row.id, number=row.revision + 1, action="delete",  # type: ignore[arg-type]
                         changes=[{"field": "on_platforms", "before": None, "after": OnPlatforms(on_platforms).value}],
                         snapshot=None, source=source.kind, source_ref=source.ref))
    await outbox.record_revisions(session, org_id, [(row.id, row.revision + 1)])  # type: ignore[list-item]
