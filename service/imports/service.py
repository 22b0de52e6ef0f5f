"""The Excel import: read, clean, validate, plan against the stored records, then write
through the establishments write path (unless dry run, or atomic with rejected rows).

Reading, cleaning and validating are CPU work with no I/O (`reading.read_rows`): they run in
a worker thread in one pass over the rows, which go to a temporary file (`_Spill`). Then, a chunk of rows at a
time, one query fetches the chunk's existing records, `apply` writes them and their report
rows are stored: memory stays flat whatever the file's size (the whole import is still one
transaction). Every import, even an unreadable file, is stored as an `ImportRun`; its rows
are in `import_row`.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.imports import FileError, IgnoredColumn, ImportReport, ImportRunPublic, ImportSummary, RowReport
from service import events
from service import metrics
from service.errors import NotFound
from service.establishments import repository as est_repo
from service.establishments.service import Outcome, Source, apply
from service.establishments.service import plan_contents as plan  # named `plan` here, as the bench times it
from service.imports import guards, reader
from service.imports import repository as repo
from service.imports.cleaning import CleanRow
from service.imports.managed import resolve
from service.imports.reading import Parsed, Progress, _bulk_allocation, read_rows  # read_rows: imported from here too
from service.imports.spill import Spill as _Spill
from service.imports.spill import reject_duplicate as _reject_duplicate
from service.models import ImportRun
from service.settings import get_settings

CHUNK_ROWS = 1_000  # rows planned, written and reported together
INLINE_ROWS = 10_000  # past this many rows, a returned report carries its rejected rows only


class _Rows(Sequence[RowReport]):
    """A report's rows as models, each validated when read: validating 100,000 rows up front
    doubled the import's memory for callers that only want the JSON (`to_json`)."""

    def __init__(self, rows: list[dict[str, Any]]):
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [RowReport.model_validate(r) for r in self._rows[index]]
        return RowReport.model_validate(self._rows[index])

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, _Rows)) else NotImplemented

    def __repr__(self) -> str:
        return f"<{len(self._rows)} rows>"


class _LazyReport(ImportReport):
    """An `ImportReport` whose rows are validated when read (see `_Rows`); dumping it
    validates them all first, so it dumps exactly as the plain model."""

    def _materialise(self) -> None:
        if isinstance(self.rows, _Rows):
            self.rows = list(self.rows)

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._materialise()
        return super().model_dump(*args, **kwargs)

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        self._materialise()
        return super().model_dump_json(*args, **kwargs)


def _report_of(body: dict[str, Any], summary: ImportSummary) -> ImportReport:
    """The report model over `body` (kept as its JSON), without validating every row."""
    report = _LazyReport.model_construct(id=body["id"], outcome=body["outcome"], summary=summary,
                                         rows=_Rows(body["rows"]), rows_complete=body["rows_complete"],
                                         error=None)  # type: ignore[arg-type]
    report._json = body
    return report


def _row_json(row: CleanRow, outcome: Outcome | None) -> dict[str, Any]:
    """One row of the report, JSON-ready (the cleaning log and errors already are)."""
    if outcome is None:
        return {"row": row.row, "store_code": row.store_code, "action": "rejected", "record": row.candidate,
                "cleaning": row.cleaning, "changes": [], "errors": row.errors}
    changes = [c.model_dump(mode="json") for c in outcome.changes] if outcome.action == "update" else []
    return {"row": row.row, "store_code": outcome.store_code, "action": outcome.action,
            "record": {"store_code": outcome.store_code, **outcome.content},
            "cleaning": row.cleaning, "changes": changes, "errors": []}


async def import_workbook(session: AsyncSession, org_id: int, data: bytes, filename: str, *, dry_run: bool,
                          allow_partial: bool, mapping: dict[str, str] | None = None,
                          progress: Progress | None = None, default_category: str | None = None) -> ImportReport:
    """Import one workbook for `org_id` in the caller's transaction and return its report
    (stored as an ImportRun and its rows). An unreadable file gives `outcome: invalid_file`
    and `error`. A report of more than `INLINE_ROWS` rows returns its rejected rows only
    (`rows_complete` false); `rows_page` pages through all of them."""
    with _bulk_allocation(), _Spill() as spill:
        report = await _import(session, org_id, data, filename, spill, dry_run=dry_run, allow_partial=allow_partial,
                               mapping=mapping, progress=progress, default_category=default_category)
    if not dry_run:
        await events.record(session, org_id, "import.completed", {
            "import_id": report.id, "filename": filename, "outcome": report.outcome,
            "summary": report.summary.model_dump(mode="json", include={"rows", "create", "update", "unchanged",
                                                                        "rejected"})})
    metrics.IMPORTS.labels(report.outcome).inc()
    return report


async def _import(session: AsyncSession, org_id: int, data: bytes, filename: str, spill: _Spill, *, dry_run: bool,
                  allow_partial: bool, mapping: dict[str, str] | None, progress: Progress | None,
                  default_category: str | None) -> ImportReport:
    import_id = str(uuid.uuid4())
    summary = ImportSummary(dry_run=dry_run, allow_partial=allow_partial, filename=filename)
    try:
        parsed = await asyncio.to_thread(read_rows, data, mapping, max_bytes=get_settings().import_max_bytes,
                                         progress=progress, compact=True, sink=spill.add,
                                         default_category=default_category)
    except (reader.ImportFileError, guards.LimitExceeded) as exc:
        report = ImportReport(id=import_id, outcome="invalid_file", summary=summary,
                              error=FileError(code=exc.code, message=exc.message))
        await _store(session, org_id, report.to_json(), data)
        return report
    summary.sheet, summary.header_row, summary.columns = parsed.sheet, parsed.header_row, parsed.columns
    summary.ignored_columns = [IgnoredColumn(column=c, reason=r) for c, r in parsed.ignored]
    summary.notes = parsed.notes
    rejected = spill.rejected()
    if dry_run:
        outcome = "dry_run"
    elif rejected == parsed.count or (rejected and not allow_partial):
        outcome = "rejected"
    elif not allow_partial and await _rejected_when_resolved(session, org_id, spill, parsed):
        outcome = "rejected"  # a row only the stored records can judge (a create without a name…)
    else:
        outcome = "applied"
    complete = parsed.count <= INLINE_ROWS
    if not complete:
        summary.notes.append(f"{parsed.count:,} rows: this report lists the rejected ones; "
                             f"GET /api/v1/imports/{import_id}/rows pages through every row")
    run = await _store(session, org_id, {"id": import_id, "outcome": outcome,
                                         "summary": summary.model_dump(mode="json"), "error": None}, data)
    counts = {"create": 0, "update": 0, "unchanged": 0, "rejected": 0}
    inline: list[dict[str, Any]] = []
    source = Source("import", import_id)
    written = 0
    for rows in spill.chunks(CHUNK_ROWS):
        valid, existing = await _resolved(session, org_id, rows, spill, parsed, lock=not dry_run)
        outcomes = plan([(row.store_code, row.content) for row in valid], existing)  # type: ignore[misc]
        if outcome == "applied":
            await apply(session, org_id, outcomes, source)
        by_row = {id(row): planned for row, planned in zip(valid, outcomes)}
        reported = [_row_json(row, by_row.get(id(row))) for row in rows]
        for row_json in reported:
            counts[row_json["action"]] += 1
        await repo.add_rows(session, import_id, reported)
        if complete:
            inline += reported
        elif len(inline) < INLINE_ROWS:
            inline += [r for r in reported if r["action"] == "rejected"][:INLINE_ROWS - len(inline)]
        written += len(rows)
        if progress is not None:
            progress(written, parsed.count, "writing")
        del rows, valid, existing, outcomes, by_row, reported
        gc.collect(1)  # the chunk's cycles (statements, results): the young generations only, cheap
    summary.rows = parsed.count
    summary.create, summary.update = counts["create"], counts["update"]
    summary.unchanged, summary.rejected = counts["unchanged"], counts["rejected"]
    if outcome == "applied" and counts["rejected"] == parsed.count:
        outcome = run.outcome = "rejected"
    summary.written = outcome == "applied" and counts["create"] + counts["update"] > 0
    body = {"id": import_id, "outcome": outcome, "summary": summary.model_dump(mode="json"), "error": None}
    await repo.finish(session, run, summary=body["summary"], report=body)
    return _report_of({**body, "rows": inline, "rows_complete": complete}, summary)


async def _resolved(session: AsyncSession, org_id: int, rows: list[CleanRow], spill: _Spill, parsed: Parsed, *,
                    lock: bool) -> tuple[list[CleanRow], dict[str, Any]]:
    """A chunk's valid rows made what is written (managed.resolve), and their stored records."""
    for row in rows:
        _reject_duplicate(row, spill.codes.duplicates, parsed.store_code_column)  # type: ignore[arg-type]
    valid = [row for row in rows if row.content is not None]
    existing = await est_repo.get_many(session, org_id, [r.store_code for r in valid],  # type: ignore[misc]
                                       for_update=lock)
    for row in valid:  # absent columns keep the stored values; a create needs a name and an address
        resolve(row, existing.get(row.store_code), parsed.paths)  # type: ignore[arg-type]
    return [row for row in valid if row.content is not None], existing


async def _rejected_when_resolved(session: AsyncSession, org_id: int, spill: _Spill, parsed: Parsed) -> bool:
    """Whether a row valid on its own is rejected against the stored records: an atomic import
    must know before it writes anything."""
    for rows in spill.chunks(CHUNK_ROWS):
        valid = sum(1 for row in rows if row.content is not None)
        if len((await _resolved(session, org_id, rows, spill, parsed, lock=False))[0]) < valid:
            return True
    return False


async def _store(session: AsyncSession, org_id: int, body: dict[str, Any], data: bytes) -> ImportRun:
    summary = body["summary"]
    run = ImportRun(
        id=body["id"], organisation_id=org_id, filename=summary["filename"][:255], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), dry_run=summary["dry_run"], allow_partial=summary["allow_partial"],
        outcome=body["outcome"], summary=summary, report=body,
    )
    await repo.add(session, run)
    return run


async def get_report(session: AsyncSession, org_id: int, import_id: str) -> ImportReport:
    """The stored report: its rows, or past `INLINE_ROWS` rows its rejected ones."""
    run = await repo.get(session, org_id, import_id)
    if run is None:
        raise NotFound("import", import_id)
    body = run.report
    if "rows" not in body:  # the rows are in import_row (reports of files; an invalid file has none)
        complete = body["summary"]["rows"] <= INLINE_ROWS
        rows = await repo.rows(session, import_id, action=None if complete else "rejected", limit=INLINE_ROWS)
        body = {**body, "rows": rows, "rows_complete": complete}
    return ImportReport.from_json(body)


async def rows_page(session: AsyncSession, org_id: int, import_id: str, *, action: str | None, after: int | None,
                    limit: int) -> list[RowReport]:
    """A stored import's rows in file order, after row number `after`, of one `action` or all."""
    run = await repo.get(session, org_id, import_id)
    if run is None:
        raise NotFound("import", import_id)
    if "rows" in run.report:  # a report with no file rows (invalid file)
        found = [r for r in run.report["rows"] if (action is None or r["action"] == action)
                 and (after is None or r["row"] > after)][:limit]
    else:
        found = await repo.rows(session, import_id, action=action, after=after, limit=limit)
    return [RowReport.model_validate(r) for r in found]


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
