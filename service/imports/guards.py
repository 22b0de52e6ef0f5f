"""Bounds on the work an uploaded workbook may cause, checked before a parser builds anything.

Why a pre-check: openpyxl's read-only worksheet parser (`WorkSheetParser.parse`, 3.1) runs
`xml.etree.ElementTree.iterparse` over the sheet and calls `element.clear()` on each `<row>`.
`clear()` empties the element but leaves it attached to its parent `<sheetData>`, so every
row, even an empty `<row/>` of 6 bytes, leaves one Element object (~80 bytes) in the tree
until the sheet is finished. Real rows cost little next to their own data; empty ones
compress ~1000:1, so a 2.9 MB file of 1.99 GB of `<row/>` asked for ~330 million Elements
(23.8 GB before the kernel killed the API). What the parser keeps is proportional to the
number of `<row>` elements, so that number is what is bounded, together with:

* the declared unpacked size of each zip part and its compression ratio (from the zip's
  directory: no decompression needed);
* the rows, row numbers and cells of each worksheet and the shared strings (which openpyxl
  loads whole), counted by streaming the part's bytes through zlib, byte searches only, and
  stopping at the first limit crossed: refusing a bomb reads a few megabytes of it;
* time: the pre-check and the rows' iteration share one deadline (`Limits.seconds`).

A zip member never yields more than its declared size (`zipfile.ZipExtFile` stops there), so
the declared sizes checked first also bound what the streaming count can read.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

EXCEL_MAX_ROWS = 1_048_576  # Excel's own sheet size (Excel specifications and limits)
_CHUNK = 1 << 20
RATIO_FLOOR = 16 << 20  # smaller parts may be anything (a long repeated cell packs 1000:1)
_TAIL = 16
_ROW_NEEDLES = (b"<row", b":row")  # `<x:row` in files with a namespace prefix
_CELL_NEEDLES = (b"<c ", b"<c>", b"<c/", b":c ", b":c>")
_STRING_NEEDLES = (b"<si>", b"<si ", b":si>", b":si ")
_ROW_NUMBER = re.compile(rb"<(?:\w{1,10}:)?row\b[^>]*?\sr=\"(\d{7,})")  # 7+ digits: only big numbers
T = TypeVar("T")


class LimitExceeded(Exception):
    """A workbook over one of the limits; `code` is stable (`file_too_large`, `too_many_rows`…)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Limits:
    rows: int = EXCEL_MAX_ROWS  # <row> elements per sheet, empty ones included
    cells: int = 30_000_000  # <c> elements per sheet, and shared strings
    part_bytes: int = 1 << 30  # unpacked size of one zip part
    ratio: float = 200.0  # unpacked / packed size of one part over 16 MiB (real sheets: 5 to 30)
    seconds: float = 300.0  # the whole read: this check and the rows' iteration

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(rows=settings.import_max_rows, cells=settings.import_max_cells,
                   part_bytes=settings.import_max_part_bytes, ratio=settings.import_max_ratio,
                   seconds=settings.import_max_seconds)


class Deadline:
    def __init__(self, seconds: float):
        self.seconds, self.at = seconds, time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise LimitExceeded("import_timeout", f"reading the workbook took over {self.seconds:g} s; "
                                                  "split it into smaller files")


def check_archive(archive: zipfile.ZipFile, limits: Limits, deadline: Deadline | None = None) -> Deadline:
    """Raise LimitExceeded for the first limit the archive crosses; returns the deadline, which
    the rows' iteration goes on checking (`bounded`)."""
    deadline = deadline or Deadline(limits.seconds)
    infos = archive.infolist()
    for info in infos:
        if info.file_size > limits.part_bytes:
            raise LimitExceeded("file_too_large", f"part {info.filename} unpacks to {info.file_size:,} bytes; "
                                                  f"the limit is {limits.part_bytes:,}: split the workbook")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise LimitExceeded("compression_ratio", f"part {info.filename} unpacks {ratio:,.0f} times its packed "
                                                     f"size (limit {limits.ratio:g}): not a workbook as Excel "
                                                     "writes one; save it again from Excel")
    for info in infos:
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            _count_sheet(archive, info, limits, deadline)
        elif name == "xl/sharedStrings.xml":
            strings = _count(archive, info, _STRING_NEEDLES, limits.cells, deadline)
            if strings > limits.cells:
                raise LimitExceeded("too_many_cells", f"the workbook holds over {limits.cells:,} shared strings; "
                                                      "split it")
    return deadline


def _buffers(archive: zipfile.ZipFile, info: zipfile.ZipInfo, deadline: Deadline) -> Iterator[tuple[bytes, bytes]]:
    """(buffer, tail) per 1 MiB of the part: the buffer starts with the previous one's tail, so
    a needle split across two reads is found; `count(buffer) - count(tail)` counts it once."""
    tail = b""
    with archive.open(info) as src:
        while chunk := src.read(_CHUNK):
            deadline.check()
            buf = tail + chunk
            yield buf, tail
            tail = buf[-_TAIL:]


def _count_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, deadline: Deadline) -> None:
    rows = cells = 0
    for buf, tail in _buffers(archive, info, deadline):
        rows += sum(buf.count(n) - tail.count(n) for n in _ROW_NEEDLES)
        cells += sum(buf.count(n) - tail.count(n) for n in _CELL_NEEDLES)
        if rows > limits.rows:
            raise LimitExceeded("too_many_rows", f"{info.filename} has over {limits.rows:,} rows (empty rows "
                                                 "count): split the workbook or delete the empty rows")
        if cells > limits.cells:
            raise LimitExceeded("too_many_cells", f"{info.filename} has over {limits.cells:,} cells: split "
                                                  "the workbook")
        for number in _ROW_NUMBER.findall(buf):
            if int(number) > limits.rows:
                raise LimitExceeded("too_many_rows", f"{info.filename} has a row numbered {int(number):,}; "
                                                     f"the limit is {limits.rows:,}")


def _count(archive: zipfile.ZipFile, info: zipfile.ZipInfo, needles: tuple[bytes, ...], limit: int,
           deadline: Deadline) -> int:
    total = 0
    for buf, tail in _buffers(archive, info, deadline):
        total += sum(buf.count(n) - tail.count(n) for n in needles)
        if total > limit:
            break
    return total


def bounded(rows: Iterator[T], deadline: Deadline, every: int = 1000) -> Iterator[T]:
    """`rows`, checking the deadline every `every` items (a sheet of sparse row numbers or very
    wide rows costs time, not memory)."""
    for n, row in enumerate(rows):
        if n % every == 0:
            deadline.check()
        yield row
