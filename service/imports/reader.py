"""Reading an uploaded workbook, streaming, with a clear error for every way a file goes wrong.

openpyxl reads in read-only mode with cached formula values (`data_only=True`). Before the
rows, one cheap pass over the sheet's raw XML (compressed bytes streamed through zlib, byte
searches only) finds merged ranges, whether any formula exists, and hidden rows or columns.
Only when a formula exists is the XML parsed a second time to list the formula cells, so a
row can say "F12 is a formula; its computed value was used" or reject the row when the file
holds no computed value (files written by programs that never ran Excel).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from service.imports import guards
from service.imports import headers as hdr
from service.settings import get_settings

MAX_CELL_CHARS = 10_000
HEADER_SCAN_ROWS = 10
MAX_UNCOMPRESSED = 2 << 30
_FORMULA_NEEDLES = (b"<f>", b"<f ", b":f>", b":f ")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")
_HIDDEN = (b'hidden="1"', b'hidden="true"')
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError, ValueError, TypeError,
               OSError, IndexError, AttributeError)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `code` is stable, `message` says what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Merge:
    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int


@dataclass
class Sheet:
    ws: Any
    title: str
    header_row: int
    headers: hdr.HeaderMap
    total: int | None  # data rows, when the sheet declares its size
    notes: list[str] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)  # those touching data rows
    formulas: dict[int, dict[int, str]] = field(default_factory=dict)  # row -> {0-based col: formula}


def _sniff(data: bytes) -> str:
    head = data[:2048]
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an Excel 97-2003 workbook (.xls) or a password-protected file"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html", b"<table")):
        return "an HTML page (some tools save HTML with an .xls name)"
    if head.lstrip().startswith(b"<?xml"):
        return "an XML file (perhaps Excel 2003 XML)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    if text and printable / len(text) > 0.95:
        return "a CSV or text file" if any(sep in text for sep in ";,\t") else "a text file"
    return "not an Excel workbook"


def open_workbook(data: bytes, *, max_bytes: int, deadline: guards.Deadline | None = None) -> Any:
    """The workbook, read-only; raises ImportFileError for anything that is not a sound .xlsx,
    or one over the limits of `guards` (checked before openpyxl parses anything)."""
    if not data:
        raise ImportFileError("not_xlsx", "the file is empty (0 bytes)")
    if len(data) > max_bytes:
        raise ImportFileError("file_too_large", f"the file has {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data.startswith(b"PK"):
        raise ImportFileError("not_xlsx", f"this file is {_sniff(data)}, not an Excel workbook: "
                                          "open it in Excel or LibreOffice and save it as .xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError("corrupt_file", f"the file is damaged or incomplete (not a readable .xlsx "
                                              f"archive: {exc}); export it again from Excel") from None
    if "xl/workbook.xml" not in names:
        kind = "a zip archive"
        if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
            kind = "an OpenDocument spreadsheet (.ods)"
        elif "word/document.xml" in names:
            kind = "a Word document"
        raise ImportFileError("not_xlsx", f"this file is {kind}, not an Excel workbook: save it as .xlsx")
    if unpacked > MAX_UNCOMPRESSED:
        raise ImportFileError("file_too_large", f"the workbook unpacks to {unpacked:,} bytes; split it")
    try:
        guards.check_archive(archive, guards.Limits.from_settings(get_settings()), deadline)
    except guards.LimitExceeded as exc:
        raise ImportFileError(exc.code, exc.message) from None
    except READ_ERRORS as exc:
        raise _corrupt(exc) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except READ_ERRORS as exc:
        raise _corrupt(exc) from None


def _corrupt(exc: BaseException) -> ImportFileError:
    return ImportFileError("corrupt_file", f"the workbook cannot be read ({type(exc).__name__}: "
                                           f"{str(exc)[:200]}); open it in Excel, save it again, retry")


def _head(ws: Any) -> list[tuple[Any, ...]]:
    try:
        return list(ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True))
    except READ_ERRORS as exc:
        raise _corrupt(exc) from None


def _best_row(rows: list[tuple[Any, ...]], mapping: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """(1-based row, score) of the row that reads most like a header (mapped headers count)."""
    best = (0, 0)
    for number, cells in enumerate(rows, start=1):
        points = hdr.score(cells)
        if mapping:
            points += sum(1 for c in cells if c is not None and hdr.normalize(c) in mapping and not
                          (isinstance(c, str) and hdr.recognize(c)))
        if points > best[1]:
            best = (number, points)
    return best


def _has_data(rows: list[tuple[Any, ...]]) -> bool:
    return any(v is not None and str(v).strip() for row in rows for v in row)


def _preview(rows: list[tuple[Any, ...]]) -> str:
    cells = [str(v).strip()[:40] for row in rows for v in row if v is not None and str(v).strip()]
    return ", ".join(f"'{c}'" for c in cells[:6]) or "nothing"


def find_sheet(wb: Any, mapping: dict[str, tuple[str, str]]) -> Sheet:
    """The first visible worksheet whose first rows hold a recognisable header."""
    notes = [f"hidden sheet '{ws.title}' was not read" for ws in wb.worksheets if ws.sheet_state != "visible"]
    visible_with_data: list[tuple[Any, list[tuple[Any, ...]]]] = []
    hidden_with_header: list[str] = []
    hidden_with_data = False
    for ws in wb.worksheets:
        declared_rows = ws.max_row
        ws.reset_dimensions()  # some writers declare a wrong size; read what is there
        rows = _head(ws)
        row, points = _best_row(rows, mapping)
        if ws.sheet_state != "visible":
            hidden_with_data = hidden_with_data or _has_data(rows)
            if points >= 2:
                hidden_with_header.append(ws.title)
            continue
        if not _has_data(rows):
            continue
        if points < 2:
            visible_with_data.append((ws, rows))
            continue
        for skipped, _ in visible_with_data:
            notes.append(f"sheet '{skipped.title}' was not read: no header row in its first {HEADER_SCAN_ROWS} rows")
        total = declared_rows - row if declared_rows and declared_rows > row else None
        return _prepare(ws, row, rows[row - 1], mapping, total, notes)
    if visible_with_data:
        ws, rows = visible_with_data[0]
        raise ImportFileError("no_header", f"no header row found in the first {HEADER_SCAN_ROWS} rows of sheet "
                                           f"'{ws.title}' (it starts with {_preview(rows)}): the header row "
                                           "names the columns, e.g. Code établissement, Nom, Adresse, Code postal, "
                                           "Ville, Catégorie; download the template (GET /api/v1/imports/template)")
    if hidden_with_header:
        raise ImportFileError("hidden_sheet", f"the sites are on hidden sheet '{hidden_with_header[0]}': unhide it "
                                              "in Excel (right-click a sheet tab > Unhide) and import again")
    if hidden_with_data:
        raise ImportFileError("hidden_sheet", "the only data is on hidden sheets, and without a header row: "
                                              "unhide the sites sheet and give it a header row")
    raise ImportFileError("empty_workbook", "the workbook has no data: fill in the template's sheet and import again")


def _prepare(ws: Any, header_row: int, cells: tuple[Any, ...], mapping: dict[str, tuple[str, str]],
             total: int | None, notes: list[str]) -> Sheet:
    try:
        headers = hdr.resolve(cells, mapping)
    except hdr.MappingError as exc:
        raise ImportFileError("invalid_mapping", str(exc)) from None
    sheet = Sheet(ws, ws.title, header_row, headers, total, notes + headers.notes)
    try:
        _scan(sheet)  # first: a merged header explains missing columns better than their absence
    except READ_ERRORS as exc:
        raise _corrupt(exc) from None
    missing = headers.missing()
    if missing:
        found = ", ".join(f"'{c.header}'" for c in headers.columns) or "none"
        raise ImportFileError("missing_columns", f"sheet '{ws.title}', header row {header_row}: no column for "
                                                 f"{', '.join(missing)} (recognised: {found}); rename the "
                                                 "column or give a mapping")
    return sheet


def _source(ws: Any) -> Any:
    return ws.parent._archive.open(ws._worksheet_path)


def _scan(sheet: Sheet) -> None:
    """Merged ranges, formula cells and hidden rows, from the sheet's raw XML."""
    refs: set[bytes] = set()
    formulas = hidden = False
    tail = b""
    with _source(sheet.ws) as src:
        while chunk := src.read(1 << 20):
            buf = tail + chunk
            formulas = formulas or any(needle in buf for needle in _FORMULA_NEEDLES)
            hidden = hidden or any(needle in buf for needle in _HIDDEN)
            if b"mergeCell" in buf:
                refs.update(_MERGE.findall(buf))
            tail = buf[-128:]
    if hidden:
        sheet.notes.append("the sheet has hidden rows or columns: hidden rows are imported like the others")
    for ref in sorted(r.decode() for r in refs):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        merge = Merge(ref, min_col, min_row, max_col, max_row)  # type: ignore[arg-type]
        if max_row < sheet.header_row:  # a title banner above the header
            continue
        if min_row <= sheet.header_row:
            raise ImportFileError("merged_cells", f"sheet '{sheet.title}': the header row {sheet.header_row} has "
                                                  f"merged cells {ref}: unmerge them so that each column has "
                                                  "its own header cell")
        sheet.merges.append(merge)
    if formulas:
        sheet.formulas = _formula_cells(sheet)


def _formula_cells(sheet: Sheet) -> dict[int, dict[int, str]]:
    found: dict[int, dict[int, str]] = {}
    wanted = {c.index for c in sheet.headers.columns}
    with _source(sheet.ws) as src:
        for _, element in iterparse(src, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "c":
                formula = next((child for child in element if child.tag.rsplit("}", 1)[-1] == "f"), None)
                ref = element.get("r")
                if formula is not None and ref and (match := _CELL_REF.fullmatch(ref)):
                    row, col = int(match.group(2)), range_boundaries(f"{match.group(1)}1")[0] - 1  # type: ignore[operator]
                    if row > sheet.header_row and col in wanted:
                        found.setdefault(row, {})[col] = "=" + (formula.text or "(shared formula)")
                element.clear()
            elif tag == "row":
                element.clear()
    return found


def data_rows(sheet: Sheet) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, values) for each row below the header with at least one value."""
    number = sheet.header_row
    rows = sheet.ws.iter_rows(min_row=sheet.header_row + 1, values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except READ_ERRORS as exc:
            raise _corrupt(exc) from None
        number += 1
        for value in values:
            if value is not None and (value.__class__ is not str or value.strip()):
                yield number, values
                break


def cell_ref(column_index: int, row: int) -> str:
    return f"{get_column_letter(column_index + 1)}{row}"
