"""An N-row workbook as messy as the bundled sample, for the import benchmark.

It reuses the sample's own row generator (`service.imports.sample`): French free-text and
per-day hours, phones in every French format, postal codes that lost their zero, websites
without scheme, a title banner above the header, a blank line, a total line and a hidden
lookup sheet. Every block of 120 rows gets the sample's fixed special cases, so about one
row in twenty is rejected (bad phone, missing name, unknown category, impossible hours, a
duplicated store code), as in the sample. Deterministic for a given (rows, seed).

Written with openpyxl's write-only mode (a 100,000-row file needs no 1 GB of cell objects),
then made to look like what Excel saves: text cells moved to a shared-string table (openpyxl
writes inline strings, which it reads through a much slower path) and the used range declared
(without it openpyxl scans each sheet once more to size it). Either left as written would slow
the raw baseline down and flatter every ratio. Cached under `$XDG_CACHE_HOME/vitrine-bench/`: generating is
not what is measured.
"""

from __future__ import annotations

import io
import os
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from service.imports import sample

VERSION = 3  # bump when the generator changes, so cached files are rewritten
BLOCK = sample.SITES  # 120 rows: the sample's special cases repeat once per block


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "vitrine-bench"


def rows(n: int, seed: int = sample.SEED) -> list[list[object]]:
    rnd = random.Random(seed)
    counters: dict[str, int] = {}
    out = [sample._site(rnd, i, counters) for i in range(n)]
    for start in range(0, n - BLOCK + 1, BLOCK):
        sample._messy(out[start : start + BLOCK])  # the slice shares the row lists: edits land in `out`
    return out


def build(n: int, seed: int = sample.SEED) -> bytes:
    """The workbook's bytes: header on row 4 like the sample, `n` site rows below it."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sites")
    title = WriteOnlyCell(ws, value=f"{sample.GROUP} : annuaire des établissements")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.merged_cells.add("A1:F1")
    ws.append(["Export du 05/01/2027, document interne"])
    ws.append([])
    bold = Font(bold=True)
    header = []
    for name in sample.HEADERS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for number, row in enumerate(rows(n, seed)):
        if number == n // 2:
            ws.append([])  # a blank line in the middle
        ws.append(row)
    ws.append([None] * sample.COL["Commentaire interne"] + [f"Total : {n} établissements"])
    lists = wb.create_sheet("Listes")
    for pole in sorted({p[5] for p in sample.PLACES}):
        lists.append([pole])
    lists.sheet_state = "hidden"
    fixed = datetime(2027, 1, 5, 9, 0, 0)
    wb.properties.creator, wb.properties.created, wb.properties.modified = sample.GROUP, fixed, fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return sample._repack(shared_strings(buffer.getvalue()), fixed)  # fixed timestamps: stable bytes


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t(?: xml:space="preserve")?>'
                     rb'(.*?)</t></is></c>', re.S)
_SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             b'officedocument.spreadsheetml.sharedStrings+xml"/>')
_SST_REL = (b'<Relationship Id="rIdVitrineSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml"/>')


_ROW = re.compile(rb'<row r="([0-9]+)"')
_COLUMN = re.compile(rb'<c r="([A-Z]+)[0-9]+"')


def _with_dimension(body: bytes) -> bytes:
    """Declare the used range as Excel does (`<dimension ref="A1:AB10006"/>`); openpyxl's
    write-only mode leaves it out, and a reader then scans the whole sheet once more for it."""
    if b"<dimension " in body:
        return body
    rows = [int(n) for n in _ROW.findall(body)] or [1]
    columns = {c for c in _COLUMN.findall(body)} or {b"A"}
    last = max(columns, key=lambda c: (len(c), c))
    ref = b'<dimension ref="A1:%s%d" />' % (last, max(rows))
    return body.replace(b"</sheetPr>", b"</sheetPr>" + ref, 1) if b"</sheetPr>" in body else \
        body.replace(b"<sheetData>", ref + b"<sheetData>", 1)


def shared_strings(data: bytes) -> bytes:
    """The same workbook with every inline string cell turned into a shared-string reference
    (the text is already XML-escaped in both places, so it is moved byte for byte)."""
    table: dict[bytes, int] = {}
    count = 0

    def to_shared(match: re.Match[bytes]) -> bytes:
        index = table.setdefault(match.group(3), len(table))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), index)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body, replaced = _INLINE.subn(to_shared, body)
                count += replaced
                body = _with_dimension(body)
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", _SST_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", _SST_REL + b"</Relationships>")
            dst.writestr(info, body)
        items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in table)
        dst.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
                     b'uniqueCount="%d">%s</sst>' % (count, len(table), items))
    return out.getvalue()


def path_for(n: int, seed: int = sample.SEED, directory: Path | None = None) -> Path:
    """The workbook's path, generated on first use (written atomically)."""
    directory = directory or cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"sites-{n}-s{seed}-v{VERSION}.xlsx"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(build(n, seed))
        tmp.replace(path)
    return path


def expected_rejections(n: int) -> int:
    """Rows the import must reject: six per complete block of 120, as in the sample."""
    return 6 * (n // BLOCK)


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(path_for(count))
