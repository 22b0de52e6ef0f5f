"""The one write path for establishments.

Every source (REST call, Excel import, CLI, campaign) ends here: the record is compared with
the stored one, and only a real change writes a new revision with its field-level diff and
its source. Bulk paths plan in memory first (one query for the existing rows), then write
with executemany statements, so a 10,000-row import costs a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas import Establishment, EstablishmentPublic
from schemas.api import BulkItemResult, BulkResponse, BulkSummary, FieldError
from schemas.diff import FieldChange, diff_records
from schemas.establishment import possible_store_code
from schemas.sync import OnPlatforms
from schemas.text import printable
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


def _replan(outcome: Outcome, row: EstablishmentRow) -> None:
    """Plan `outcome` again, in place, against `row` (created by someone else meanwhile)."""
    fresh = _plan_one(outcome.store_code, outcome.content, outcome.record, {outcome.store_code: row})
    outcome.action, outcome.planned_changes, outcome.existing = fresh.action, fresh.planned_changes, fresh.existing
    outcome.revision, outcome.establishment_id = fresh.revision, fresh.establishment_id


async def _insert_new(session: AsyncSession, org_id: int, new: list[Outcome], now: Any,
                      on_conflict: Literal["update", "reject"]) -> None:
    """Insert the planned creates, in store-code order (two writers inserting overlapping
    codes wait for each other in the same order: no deadlock). A code another transaction
    created since the plan was made is planned again against that row (an upsert), or is a
    409 naming it (`reject`, a create)."""
    conflicts: list[Outcome] = []
    # statement parameters are built one batch at a time: a big import never holds them all
    for batch in _batches(sorted(new, key=lambda o: o.store_code)):
        ids = await repo.insert_rows(session, [
            {"organisation_id": org_id, "store_code": o.store_code, "revision": 1,
             "created_at": now, "updated_at": now, **_columns(o.record, o.content)} for o in batch
        ])
        for o in batch:
            o.establishment_id = ids.get(o.store_code)
            if o.establishment_id is None:
                conflicts.append(o)
    if not conflicts:
        return
    if on_conflict == "reject":
        raise _already_exists(conflicts[0].store_code)
    rows = await repo.get_many(session, org_id, [o.store_code for o in conflicts], for_update=True, fresh=True)
    for o in conflicts:
        _replan(o, rows[o.store_code])


def _already_exists(store_code: str) -> ApiError:
    return ApiError(409, "conflict", f"establishment {store_code!r} already exists; use PUT or PATCH to change it",
                    field="store_code")


async def apply(session: AsyncSession, org_id: int, outcomes: list[Outcome], source: Source,
                on_conflict: Literal["update", "reject"] = "update") -> None:
    """Write planned outcomes: rows, revisions, labels, and the sync outbox, in the caller's
    transaction."""
    now = utcnow()
    new = [o for o in outcomes if o.action == "create" and o.existing is None]
    await _insert_new(session, org_id, new, now, on_conflict)
    new = [o for o in new if o.action == "create" and o.existing is None]
    revived = [o for o in outcomes if o.action == "create" and o.existing is not None]
    changed = [o for o in outcomes if o.action == "update"] + revived
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
    """Upsert `records`: each one created, updated or unchanged, whatever writes overlap."""
    await repo.lock_writes(session, org_id)
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
        code = printable(code) if isinstance(code, str) else None
        try:
            record = Establishment.model_validate(item)
        except ValidationError as exc:
            errors = [FieldError(**d.model_dump()) for d in validation_details(exc.errors())]
            results[index] = BulkItemResult(index=index, store_code=code, result="rejected", errors=errors)
            continue
        if record.store_code in seen:
            results[index] = BulkItemResult(index=index, store_code=code, result="rejected", errors=[FieldError(
                field="store_code", message=f"same store_code as item {seen[record.store_code]}",
                code="duplicate_store_code")])
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
    if not possible_store_code(store_code):
        raise NotFound("establishment", printable(store_code))
    row = await repo.get(session, org_id, store_code)
    if row is None:
        raise NotFound("establishment", store_code)
    return row


async def create(session: AsyncSession, org_id: int, record: Establishment, source: Source,
                 on_conflict: Literal["update", "reject"] = "reject") -> Outcome:
    """Create `record`; when its store code exists (even created by a request running at the
    same moment): a 409 naming it (`reject`), or a replacement of the stored record (`update`, PUT)."""
    existing = await repo.get_many(session, org_id, [record.store_code], for_update=True)
    row = existing.get(record.store_code)
    if row is not None and row.deleted_at is None:
        if on_conflict == "reject":
            raise _already_exists(record.store_code)
        return (await update(session, org_id, record.store_code, lambda _: record, source, None))[1]
    outcome = plan([record], existing)[0]
    if outcome.action == "create" and outcome.existing is not None:  # a revival: the row is updated in place
        if not await repo.update_if_revision(session, row.id, row.revision, {"deleted_at": None}):  # type: ignore[union-attr, arg-type]
            raise _already_exists(record.store_code)  # another request revived it first (SQLite)
    await apply(session, org_id, [outcome], source, on_conflict)
    return outcome


def _check_if_match(row: EstablishmentRow, if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    wanted = if_match.strip().removeprefix("W/").strip('"')
    if wanted != str(row.revision):
        raise ApiError(412, "precondition_failed",
                       f"{row.store_code} is at revision {row.revision}, not {wanted}: "
                       "reload it and apply your change again", headers={"ETag": f'"{row.revision}"'})


_ATTEMPTS = 5


async def update(session: AsyncSession, org_id: int, store_code: str,
                 record_for: Callable[[EstablishmentRow], Establishment], source: Source,
                 if_match: str | None) -> tuple[EstablishmentRow, Outcome]:
    """Replace the stored record by `record_for(stored row)`; a no-op when nothing changed.

    The row is read locked (PostgreSQL: concurrent writers queue behind each other and each
    builds its change on the latest revision). With `If-Match`, a stale revision is a 412.
    Without it, the change is applied on whatever revision is latest: if the row moved between
    the read and the write (SQLite, which has no row locks), it is read again and the change
    built again, never answered with a 412 the client did not ask for."""
    for attempt in range(_ATTEMPTS):
        row = await repo.get(session, org_id, store_code, for_update=True, fresh=attempt > 0)
        if row is None:
            raise NotFound("establishment", store_code)
        _check_if_match(row, if_match)
        record = record_for(row)
        outcome = plan([record], {row.store_code: row})[0]
        if outcome.action == "unchanged":
            return row, outcome
        now = utcnow()
        if await repo.update_if_revision(session, row.id, row.revision,  # type: ignore[arg-type]
                                         {"revision": outcome.revision, "updated_at": now,
                                          **_columns(record, outcome.content)}):
            await _log_single(session, org_id, row.id, outcome, source)  # type: ignore[arg-type]
            row.revision, row.updated_at, row.data = outcome.revision, now, outcome.content
            return row, outcome
    raise ApiError(409, "conflict", f"{store_code} kept changing while this update ran; retry",
                   field="store_code")


async def _log_single(session: AsyncSession, org_id: int, establishment_id: int, outcome: Outcome,
                      source: Source) -> None:
    outcome.establishment_id = establishment_id
    session.add(Revision(establishment_id=establishment_id, number=outcome.revision, action=outcome.action,
                         changes=outcome.change_dicts(),
                         snapshot=outcome.content, source=source.kind, source_ref=source.ref))
    if any(c.field == "labels" for c in outcome.changes):
        await repo.replace_labels(session, {establishment_id: outcome.record.labels})
    await outbox.record_revisions(session, org_id, [(establishment_id, outcome.revision)])


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON Merge Patch (RFC 7396, section 2): an object merges key by key into the target,
    `null` removes the key, anything else (arrays included) replaces the target's value."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


async def patch(session: AsyncSession, org_id: int, store_code: str, changes: dict[str, Any],
                source: Source, if_match: str | None) -> tuple[EstablishmentRow, Outcome]:
    """Apply a merge patch to the stored record: a field not in `changes` is never changed."""
    if "store_code" in changes and changes["store_code"] != store_code:
        raise ApiError(422, "store_code_mismatch", f"store_code {changes['store_code']!r} differs from the URL's "
                       f"{store_code!r}; rename by creating the new code and deleting the old", field="store_code")
    return await update(session, org_id, store_code,
                        lambda row: validate_record(merge_patch({**row.data, "store_code": row.store_code}, changes)),
                        source, if_match)


async def delete(session: AsyncSession, org_id: int, store_code: str, source: Source,
                 if_match: str | None, on_platforms: OnPlatforms = OnPlatforms.leave) -> None:
    """Remove a site; like `update`, on the latest revision unless `If-Match` names another. What
    `on_platforms` says is queued for every connected platform (the sync engine carries it out;
    the site stays in the status views until every platform is settled)."""
    choice = OnPlatforms(on_platforms).value
    await get_or_404(session, org_id, store_code)
    for attempt in range(_ATTEMPTS):
        row = await repo.get(session, org_id, store_code, for_update=True, fresh=attempt > 0)
        if row is None:  # deleted by a request that ran meanwhile
            raise NotFound("establishment", store_code)
        _check_if_match(row, if_match)
        now = utcnow()
        if await repo.update_if_revision(session, row.id, row.revision,  # type: ignore[arg-type]
                                         {"revision": row.revision + 1, "deleted_at": now, "updated_at": now,
                                          "on_delete": choice}):
            session.add(Revision(establishment_id=row.id, number=row.revision + 1, action="delete",  # type: ignore[arg-type]
                                 changes=[{"field": "on_platforms", "before": None, "after": choice}],
                                 snapshot=None, source=source.kind, source_ref=source.ref))
            await outbox.record_revisions(session, org_id, [(row.id, row.revision + 1)])  # type: ignore[list-item]
            return
    raise ApiError(409, "conflict", f"{store_code} kept changing while this delete ran; retry", field="store_code")
