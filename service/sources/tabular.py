"""A source's content as the workbook the import pipeline reads.

The import (service/imports) reads XLSX: header recognition, cleaning, validation and the
per-row report all start from a sheet. A CSV becomes a one-sheet workbook cell for cell; JSON
items become one column per mapped source path (the header is the path, the mapping sends it
to its canonical field), so a JSON source gets exactly the Excel import's rules.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook

from service.sources.fetch import SourceError, dig


def _workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sites")
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_to_xlsx(body: bytes, delimiter: str | None = None) -> bytes:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="strict") if _cp1252(body) else None  # type: ignore[assignment]
        if text is None:
            raise SourceError("unparseable", "the CSV file is neither UTF-8 nor Windows-1252 text") from None
    if not text.strip():
        raise SourceError("unparseable", "the CSV file is empty")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t|").delimiter
        except csv.Error:
            delimiter = ","
    return _workbook([list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)])


def _cp1252(body: bytes) -> bool:
    try:
        body.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(_cell(v)) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def json_to_xlsx(items: list[Any], mapping: dict[str, str]) -> bytes:
    """One row per item, one column per source path of `mapping` ({"id": "store_code", ...})."""
    if not mapping:
        raise SourceError("config", "a JSON source needs a mapping of source paths to fields, e.g. "
                                    '{"id": "store_code", "title": "name"}')
    if not items:
        raise SourceError("unparseable", "the source listed no items")
    paths = list(mapping)
    rows: list[list[Any]] = [paths]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise SourceError("unparseable", f"item {index + 1} is a {type(item).__name__}, not an object")
        rows.append([_cell(dig(item, path)) for path in paths])
    return _workbook(rows)
