"""The Excel import: read, clean, validate, plan against the stored records, then write
through the establishments write path (unless dry run, or atomic with rejected rows).

Reading, cleaning and validating are CPU work with no I/O: they run in a worker thread in
one pass over the rows, then one query fetches every existing record and `apply` writes in
bulk. Every import, even an unreadable file, is stored as an `ImportRun` with its report.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.imports import FileError, IgnoredColumn, ImportReport, ImportRunPublic, ImportSummary
from service.errors import NotFound
from service.establishments import repository as est_repo
from service.establishments.service import Outcome, Source, apply, plan
from service.imports import headers, reader
from service.imports import repository as repo
from service.imports.cleaning import CleanRow, RowCleaner
from service.models import ImportRun
from service.settings import get_settings

Progress = Callable[[int, int | None], None]
PROGRESS_EVERY = 250


@dataclass
class Parsed:
    sheet: str
    header_row: int
    columns: dict[str, str]
    ignored: list[tuple[str, str]]
    notes: list[str]
    rows: list[CleanRow] = field(default_factory=list)


_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Fewer cyclic-GC passes while thousands of rows stay alive: each full pass walks them
    all, which cost a 10,000-row import a third of its time. Process-wide, restored after the
    last import running in this process ends."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], 50_000), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


def read_rows(data: bytes, mapping: dict[str, str] | None, *, max_bytes: int,
              progress: Progress | None = None) -> Parsed:
    """Read, clean and validate every row; raises reader.ImportFileError for a bad file."""
    with _bulk_allocation():
        return _read_rows(data, mapping, max_bytes=max_bytes, progress=progress)


def _read_rows(data: bytes, mapping: dict[str, str] | None, *, max_bytes: int,
               progress: Progress | None = None) -> Parsed:
    try:
        checked = headers.check_mapping(mapping)
    except headers.MappingError as exc:
        raise reader.ImportFileError("invalid_mapping", str(exc)) from None
    wb = reader.open_workbook(data, max_bytes=max_bytes)
    try:
        sheet = reader.find_sheet(wb, checked)
        cleaner = RowCleaner(sheet.headers.columns, sheet.merges, sheet.formulas)
        columns: dict[str, str] = {}
        for column in sheet.headers.columns:  # two 'Téléphone' columns stay two entries
            columns[column.header if column.header not in columns else f"{column.header} ({column.letter})"] = \
                column.field
        parsed = Parsed(sheet.title, sheet.header_row, columns, sheet.headers.ignored, sheet.notes)
        skipped: list[int] = []
        done = reported = 0
        for number, cells in reader.data_rows(sheet):
            row = cleaner.clean(number, cells)
            if row is None:
                skipped.append(number)
            else:
                cleaner.validate(row)
                parsed.rows.append(row)
            done = number - sheet.header_row
            if progress is not None and done - reported >= PROGRESS_EVERY:
                reported = done
                progress(done, sheet.total if sheet.total and sheet.total >= done else None)
    finally:
        wb.close()
    if progress is not None:
        progress(done, done)
    if not parsed.rows:
        raise reader.ImportFileError("no_rows", f"sheet '{sheet.title}' has a header row ({sheet.header_row}) but "
                                                "no site below it")
    if skipped:
        parsed.notes.append(f"{len(skipped)} row(s) with values only in ignored columns were skipped: "
                            f"{_numbers(skipped)}")
    _reject_duplicates(parsed.rows, sheet.headers.columns)
    return parsed


def _numbers(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _reject_duplicates(rows: list[CleanRow], columns: list[headers.Column]) -> None:
    by_code: dict[str, list[CleanRow]] = {}
    for row in rows:
        if row.store_code is not None:
            by_code.setdefault(row.store_code, []).append(row)
    column = next(c for c in columns if c.field == "store_code")
    for code, group in by_code.items():
        if len(group) < 2:
            continue
        for row in group:
            others = [str(o.row) for o in group if o is not row]
            row.fail(column, "store_code", f"store code {code!r} is also on row {', '.join(others)}: "
                                           "each site needs its own code")
            if row.record is not None:
                row.candidate, row.record = row.record.model_dump(mode="json"), None


def _row_json(row: CleanRow, outcome: Outcome | None) -> dict[str, Any]:
    """One row of the report, JSON-ready (the cleaning log and errors already are)."""
    if outcome is None:
        return {"row": row.row, "store_code": row.store_code, "action": "rejected", "record": row.candidate,
                "cleaning": row.cleaning, "changes": [], "errors": row.errors}
    changes = [c.model_dump(mode="json") for c in outcome.changes] if outcome.action == "update" else []
    return {"row": row.row, "store_code": outcome.store_code, "action": outcome.action,
            "record": {"store_code": outcome.store_code, **outcome.record.content()},
            "cleaning": row.cleaning, "changes": changes, "errors": []}


async def import_workbook(session: AsyncSession, org_id: int, data: bytes, filename: str, *, dry_run: bool,
                          allow_partial: bool, mapping: dict[str, str] | None = None,
                          progress: Progress | None = None) -> ImportReport:
    """Import one workbook for `org_id` in the caller's transaction and return its report
    (stored as an ImportRun). An unreadable file gives `outcome: invalid_file` and `error`."""
    with _bulk_allocation():
        return await _import(session, org_id, data, filename, dry_run=dry_run, allow_partial=allow_partial,
                             mapping=mapping, progress=progress)


async def _import(session: AsyncSession, org_id: int, data: bytes, filename: str, *, dry_run: bool,
                  allow_partial: bool, mapping: dict[str, str] | None, progress: Progress | None) -> ImportReport:
    import_id = str(uuid.uuid4())
    summary = ImportSummary(dry_run=dry_run, allow_partial=allow_partial, filename=filename)
    try:
        parsed = await asyncio.to_thread(read_rows, data, mapping, max_bytes=get_settings().import_max_bytes,
                                         progress=progress)
    except reader.ImportFileError as exc:
        report = ImportReport(id=import_id, outcome="invalid_file", summary=summary,
                              error=FileError(code=exc.code, message=exc.message))
        await _store(session, org_id, report.to_json(), data)
        return report
    summary.sheet, summary.header_row, summary.columns = parsed.sheet, parsed.header_row, parsed.columns
    summary.ignored_columns = [IgnoredColumn(column=c, reason=r) for c, r in parsed.ignored]
    summary.notes = parsed.notes
    valid = [row for row in parsed.rows if row.record is not None]
    existing = await est_repo.get_many(session, org_id, [r.store_code for r in valid],  # type: ignore[misc]
                                       for_update=not dry_run)
    outcomes = plan([row.record for row in valid], existing)  # type: ignore[misc]
    by_row = {id(row): outcome for row, outcome in zip(valid, outcomes)}
    rejected = len(parsed.rows) - len(valid)
    if dry_run:
        outcome = "dry_run"
    elif not valid or (rejected and not allow_partial):
        outcome = "rejected"
    else:
        outcome = "applied"
        await apply(session, org_id, outcomes, Source("import", import_id))
    rows = [_row_json(row, by_row.get(id(row))) for row in parsed.rows]
    counts = {"create": 0, "update": 0, "unchanged": 0, "rejected": 0}
    for row in rows:
        counts[row["action"]] += 1
    summary.rows = len(rows)
    summary.create, summary.update = counts["create"], counts["update"]
    summary.unchanged, summary.rejected = counts["unchanged"], counts["rejected"]
    summary.written = outcome == "applied" and counts["create"] + counts["update"] > 0
    body = {"id": import_id, "outcome": outcome, "summary": summary.model_dump(mode="json"), "rows": rows,
            "error": None}
    report = ImportReport.from_json(body)
    await _store(session, org_id, body, data)
    return report


async def _store(session: AsyncSession, org_id: int, body: dict[str, Any], data: bytes) -> None:
    summary = body["summary"]
    await repo.add(session, ImportRun(
        id=body["id"], organisation_id=org_id, filename=summary["filename"][:255], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), dry_run=summary["dry_run"], allow_partial=summary["allow_partial"],
        outcome=body["outcome"], summary=summary, report=body,
    ))


async def get_report(session: AsyncSession, org_id: int, import_id: str) -> ImportReport:
    run = await repo.get(session, org_id, import_id)
    if run is None:
        raise NotFound("import", import_id)
    return ImportReport.from_json(run.report)


def to_public(run: ImportRun) -> ImportRunPublic:
    return ImportRunPublic(id=run.id, filename=run.filename, size=run.size, sha256=run.sha256,
                           outcome=run.outcome, dry_run=run.dry_run, allow_partial=run.allow_partial,  # type: ignore[arg-type]
                           summary=run.summary, created_at=run.created_at)


def parse_mapping_text(pairs: list[str]) -> dict[str, Any]:
    """CLI `--map "Excel header=field"` options -> a mapping dict."""
    mapping: dict[str, Any] = {}
    for pair in pairs:
        header, sep, target = pair.rpartition("=")
        if not sep or not header.strip():
            raise ValueError(f"--map {pair!r}: write 'Excel header=field', e.g. 'Num. tel=phones.primary'")
        mapping[header.strip()] = target.strip()
    return mapping
