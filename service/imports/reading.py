"""Reading an uploaded workbook: open it within the guards, find the sheet and its header row,
then clean and validate every row in one pass.

CPU work with no I/O and no database: `service.imports.service` runs `read_rows` in a worker
thread and writes what it returns (or hands it, row by row, to a spill file). Also the entry
point of the benches that time or bound the reading alone (bench/api.py, bench/bombs.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from service.imports import guards, headers, reader, values
from service.imports.cleaning import CleanRow, RowCleaner
from service.imports.managed import Paths
from service.imports.spill import reject_duplicates as _reject_duplicates
from service.settings import get_settings

Progress = Callable[..., None]  # (done, total) while reading; (done, total, "writing") while writing
PROGRESS_EVERY = 250


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
    paths: Paths | None = None  # the record paths the sheet's columns manage


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
              sink: Callable[[CleanRow], None] | None = None, default_category: str | None = None) -> Parsed:
    """Read, clean and validate every row; raises reader.ImportFileError for a bad file.
    `compact`: a valid row keeps `content` (its record as JSON-ready dicts, what is written
    and reported) instead of the `Establishment` model, which would double its memory.
    `sink`: each row goes there instead of `Parsed.rows`, and duplicate store codes are left
    for the caller to reject (it holds the rows)."""
    if sink is not None:  # the rows do not stay alive here: nothing for the cyclic GC to walk
        return _read_rows(data, mapping, max_bytes=max_bytes, progress=progress, compact=compact, sink=sink,
                          default_category=default_category)
    with _bulk_allocation():
        return _read_rows(data, mapping, max_bytes=max_bytes, progress=progress, compact=compact, sink=sink,
                          default_category=default_category)


def _read_rows(data: bytes, mapping: dict[str, str] | None, *, max_bytes: int,
               progress: Progress | None = None, compact: bool = False,
               sink: Callable[[CleanRow], None] | None = None, default_category: str | None = None) -> Parsed:
    try:
        checked = headers.check_mapping(mapping)
    except headers.MappingError as exc:
        raise reader.ImportFileError("invalid_mapping", str(exc)) from None
    if default_category is not None:
        try:
            default_category = values.category(default_category)
        except values.CellError as exc:
            raise reader.ImportFileError("invalid_default_category", f"default category: {exc}") from None
    deadline = guards.Deadline(get_settings().import_max_seconds)
    wb = reader.open_workbook(data, max_bytes=max_bytes, deadline=deadline)
    try:
        sheet = reader.find_sheet(wb, checked)
        cleaner = RowCleaner(sheet.headers.columns, sheet.merges, sheet.formulas, default_category)
        columns: dict[str, str] = {}
        for column in sheet.headers.columns:  # two 'Téléphone' columns stay two entries
            columns[column.header if column.header not in columns else f"{column.header} ({column.letter})"] = \
                column.field
        parsed = Parsed(sheet.title, sheet.header_row, columns, sheet.headers.ignored, sheet.notes,
                        store_code_column=next(c for c in sheet.headers.columns if c.field == "store_code"),
                        paths=cleaner.managed)
        keep = sink if sink is not None else parsed.rows.append
        skipped: list[int] = []
        shared_hours: dict[int, tuple[Any, Any]] = {}
        shared_steps: dict[tuple[Any, ...], dict[str, Any]] = {}
        done = reported = 0
        for number, cells in guards.bounded(reader.data_rows(sheet), deadline):
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
