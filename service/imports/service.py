"""The Excel import: read, clean, validate, plan against the stored records, then write
through the establishments write path (unless dry run, or atomic with rejected rows).

Reading, cleaning and validating are CPU work with no I/O: they run in a worker thread in
one pass over the rows, which go to a temporary file (`_Spill`). Then, a chunk of rows at a
time, one query fetches the chunk's existing records, `apply` writes them and their report
rows are stored: memory stays flat whatever the file's size (the whole import is still one
transaction). Every import, even an unreadable file, is stored as an `ImportRun`; its rows
are in `import_row`.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.imports import FileError, IgnoredColumn, ImportReport, ImportRunPublic, ImportSummary, RowReport
from service import metrics
from service.errors import NotFound
from service.establishments import repository as est_repo
from service.establishments.service import Outcome, Source, apply
from service.establishments.service import plan_contents as plan  # named `plan` here, as the bench times it
from service.imports import headers, reader
from service.imports import repository as repo
from service.imports.cleaning import CleanRow, RowCleaner
from service.models import ImportRun
from service.settings import get_settings

Progress = Callable[..., None]  # (done, total) while reading; (done, total, "writing") while writing
PROGRESS_EVERY = 250
CHUNK_ROWS = 1_000  # rows planned, written and reported together
INLINE_ROWS = 10_000  # past this many rows, a returned report carries its rejected rows only


@dataclass
class Parsed:
    sheet: str
    header_row: int
    columns: dict[str, str]
    ignored: list[tuple[str, str]]
    notes: list[str]
    rows: list[CleanRow] = field(default_factory=list)
    count: int = 0  # rows kept (in `rows`, or handed to the sink)
    store_code_column: headers.Column | None = None


_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] = gc.get_threshold()


_gc_was_enabled = True


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """No cyclic-GC passes while thousands of rows stay alive: each pass walks them all, which
    cost a 10,000-row import a third of its time, and an import's rows hold no cycles (they
    are freed by reference counting).
    Process-wide, restored after the last import running in this process ends."""
    global _gc_users, _gc_saved, _gc_was_enabled
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved, _gc_was_enabled = gc.get_threshold(), gc.isenabled()
            gc.disable()
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)
                if _gc_was_enabled:
                    gc.enable()


def read_rows(data: bytes, mapping: dict[str, str] | None, *, max_bytes: int,
              progress: Progress | None = None, compact: bool = False,
              sink: Callable[[CleanRow], None] | None = None) -> Parsed:
    """Read, clean and validate every row; raises reader.ImportFileError for a bad file.
    `compact`: a valid row keeps `content` (its record as JSON-ready dicts, what is written
    and reported) instead of the `Establishment` model, which would double its memory.
    `sink`: each row goes there instead of `Parsed.rows`, and duplicate store codes are left
    for the caller to reject (it holds the rows)."""
    if sink is not None:  # the rows do not stay alive here: nothing for the cyclic GC to walk
        return _read_rows(data, mapping, max_bytes=max_bytes, progress=progress, compact=compact, sink=sink)
    with _bulk_allocation():
        return _read_rows(data, mapping, max_bytes=max_bytes, progress=progress, compact=compact, sink=sink)


def _read_rows(data: bytes, mapping: dict[str, str] | None, *, max_bytes: int,
               progress: Progress | None = None, compact: bool = False,
               sink: Callable[[CleanRow], None] | None = None) -> Parsed:
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
        parsed = Parsed(sheet.title, sheet.header_row, columns, sheet.headers.ignored, sheet.notes,
                        store_code_column=next(c for c in sheet.headers.columns if c.field == "store_code"))
        keep = sink if sink is not None else parsed.rows.append
        skipped: list[int] = []
        shared_hours: dict[int, tuple[Any, Any]] = {}
        shared_steps: dict[tuple[Any, ...], dict[str, Any]] = {}
        done = reported = 0
        for number, cells in reader.data_rows(sheet):
            row = cleaner.clean(number, cells)
            if row is None:
                skipped.append(number)
            else:
                cleaner.validate(row)
                if compact:
                    if row.record is not None:
                        row.content, row.record = _content(row.record, shared_hours), None
                    row.cleaning = _shared_steps(row.cleaning, shared_steps)
                keep(row)
                parsed.count += 1
            done = number - sheet.header_row
            if progress is not None and done - reported >= PROGRESS_EVERY:
                reported = done
                progress(done, sheet.total if sheet.total and sheet.total >= done else None)
    finally:
        wb.close()
    if progress is not None:
        progress(done, done)
    if not parsed.count:
        raise reader.ImportFileError("no_rows", f"sheet '{sheet.title}' has a header row ({sheet.header_row}) but "
                                                "no site below it")
    if skipped:
        parsed.notes.append(f"{len(skipped)} row(s) with values only in ignored columns were skipped: "
                            f"{_numbers(skipped)}")
    if sink is None:
        _reject_duplicates(parsed.rows, parsed.store_code_column)  # type: ignore[arg-type]
    return parsed


def _content(record: Any, shared_hours: dict[int, tuple[Any, Any]]) -> dict[str, Any]:
    """`record.content()`, its hours dict shared with earlier rows that have the same `Hours`
    model (the cleaner validates each distinct schedule once): a sheet's sites share a few
    dozen schedules, and a row's hours are half its content. Nothing mutates contents."""
    content: dict[str, Any] = record.content()
    hours = record.hours
    if hours is not None and content.get("hours") is not None:
        kept = shared_hours.get(id(hours))
        if kept is not None and kept[0] is hours:  # the model is kept alive, so its id is not reused
            content["hours"] = kept[1]
        elif len(shared_hours) < 10_000:
            shared_hours[id(hours)] = (hours, content["hours"])
    return content


def _shared_steps(steps: list[dict[str, Any]], shared: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    """The row's cleaning steps, each equal step one dict shared by every row that has it (the
    same hours text, locality or category cleaned the same way on thousands of rows). Keyed
    with the values' types too, so that 1 and True stay apart. Nothing mutates the steps."""
    out = []
    for step in steps:
        if len(step) != 4:
            out.append(step)
            continue
        column, field_, before, after = step.get("column"), step.get("field"), step.get("from"), step.get("to")
        key = (column, field_, type(before), before, type(after), after)
        try:
            kept = shared.get(key)
        except TypeError:  # an unhashable value: kept as it is
            out.append(step)
            continue
        if kept is None:
            if len(shared) < 200_000:
                shared[key] = step
            kept = step
        out.append(kept)
    return out


def _numbers(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


class _StoreCodes:
    """Which rows share a store code, from rows seen one at a time: each code's first row, and
    the rows of the codes seen more than once (all a big file's codes, but one int each)."""

    def __init__(self) -> None:
        self.first_row: dict[str, int] = {}
        self.duplicates: dict[str, list[int]] = {}

    def add(self, row: CleanRow) -> None:
        if row.store_code is not None:
            first = self.first_row.setdefault(row.store_code, row.row)
            if first != row.row:
                self.duplicates.setdefault(row.store_code, [first]).append(row.row)


def _reject_duplicates(rows: list[CleanRow], column: headers.Column) -> None:
    codes = _StoreCodes()
    for row in rows:
        codes.add(row)
    for row in rows:
        _reject_duplicate(row, codes.duplicates, column)


def _reject_duplicate(row: CleanRow, rows_by_code: dict[str, list[int]], column: headers.Column) -> None:
    """Reject `row` if its store code is on other rows too (`rows_by_code`: code -> row numbers)."""
    group = rows_by_code.get(row.store_code) if row.store_code is not None else None
    if group is None or len(group) < 2:
        return
    others = [str(n) for n in group if n != row.row]
    row.fail(column, "store_code", f"store code {row.store_code!r} is also on row {', '.join(others)}: "
                                   "each site needs its own code")
    if row.record is not None:
        row.candidate, row.record = row.record.model_dump(mode="json"), None
    elif row.content is not None:
        row.candidate, row.content = {"store_code": row.store_code, **row.content}, None


class _Spill:
    """The rows read, cleaned and validated, kept in a temporary file (one JSON line each)
    until they are planned, written and reported a chunk at a time: however big the file,
    the import holds one chunk of rows in memory. It also keeps what rejecting duplicate
    store codes needs, since the first of two rows with one code is read long before the
    second (`_StoreCodes`)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.codes = _StoreCodes()
        self.invalid: set[int] = set()

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def add(self, row: CleanRow) -> None:
        """Called in the reading thread for every row kept."""
        if row.content is None:
            self.invalid.add(row.row)
        self.codes.add(row)
        self.file.write(json.dumps([row.row, row.store_code, row.content, row.candidate, row.cleaning, row.errors],
                                   ensure_ascii=False, separators=(",", ":")).encode())
        self.file.write(b"\n")

    def rejected(self) -> int:
        """Rows rejected once duplicates are: the invalid ones and every valid one sharing a code."""
        return len(self.invalid) + sum(1 for rows in self.codes.duplicates.values() for n in rows
                                       if n not in self.invalid)

    def chunks(self, size: int) -> Iterator[list[CleanRow]]:
        self.file.seek(0)
        chunk: list[CleanRow] = []
        for line in self.file:
            number, code, content, candidate, cleaning, errors = json.loads(line)
            chunk.append(CleanRow(row=number, store_code=code, content=content, candidate=candidate,
                                  cleaning=cleaning, errors=errors))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


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
                          progress: Progress | None = None) -> ImportReport:
    """Import one workbook for `org_id` in the caller's transaction and return its report
    (stored as an ImportRun and its rows). An unreadable file gives `outcome: invalid_file`
    and `error`. A report of more than `INLINE_ROWS` rows returns its rejected rows only
    (`rows_complete` false); `rows_page` pages through all of them."""
    with _bulk_allocation(), _Spill() as spill:
        report = await _import(session, org_id, data, filename, spill, dry_run=dry_run, allow_partial=allow_partial,
                               mapping=mapping, progress=progress)
    metrics.IMPORTS.labels(report.outcome).inc()
    return report


async def _import(session: AsyncSession, org_id: int, data: bytes, filename: str, spill: _Spill, *, dry_run: bool,
                  allow_partial: bool, mapping: dict[str, str] | None, progress: Progress | None) -> ImportReport:
    import_id = str(uuid.uuid4())
    summary = ImportSummary(dry_run=dry_run, allow_partial=allow_partial, filename=filename)
    try:
        parsed = await asyncio.to_thread(read_rows, data, mapping, max_bytes=get_settings().import_max_bytes,
                                         progress=progress, compact=True, sink=spill.add)
    except reader.ImportFileError as exc:
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
        for row in rows:
            _reject_duplicate(row, spill.codes.duplicates, parsed.store_code_column)  # type: ignore[arg-type]
        valid = [row for row in rows if row.content is not None]
        existing = await est_repo.get_many(session, org_id, [r.store_code for r in valid],  # type: ignore[misc]
                                           for_update=not dry_run)
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
    summary.written = outcome == "applied" and counts["create"] + counts["update"] > 0
    body = {"id": import_id, "outcome": outcome, "summary": summary.model_dump(mode="json"), "error": None}
    await repo.finish(session, run, summary=body["summary"], report=body)
    return _report_of({**body, "rows": inline, "rows_complete": complete}, summary)


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
