"""Workbooks built in memory, and a few database counts, for the import tests."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from service.db import unit_of_work
from service.imports.cleaning import CleanRow
from service.imports.service import import_workbook, read_rows
from service.models import EstablishmentRow, ImportRun, Revision

BASE_HEADERS = ["Code site", "Nom", "Adresse", "Code postal", "Ville", "Catégorie"]


def base_row(code: str = "CLI-001", **overrides: Any) -> list[Any]:
    values = {"Code site": code, "Nom": "Clinique du Parc", "Adresse": "12 rue Oberkampf", "Code postal": "75011",
              "Ville": "Paris", "Catégorie": "Clinique privée"}
    values.update(overrides)
    return [values[h] for h in BASE_HEADERS]


def xlsx(rows: list[list[Any]], *, title: str = "Sites", build: Any = None) -> bytes:
    """A one-sheet workbook with `rows` from A1; `build(wb)` may change it before saving."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if build is not None:
        build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sites(*rows: list[Any], headers: list[str] | None = None) -> bytes:
    return xlsx([headers or BASE_HEADERS, *rows])


def clean_one(extra: dict[str, Any], mapping: dict[str, str] | None = None) -> CleanRow:
    """Read a workbook of the base columns plus `extra` {header: value}; return its one row."""
    base = {h: v for h, v in extra.items() if h in BASE_HEADERS}
    added = {h: v for h, v in extra.items() if h not in BASE_HEADERS}
    headers = BASE_HEADERS + list(added)
    row = base_row(**base) + list(added.values())
    parsed = read_rows(xlsx([headers, row]), mapping, max_bytes=10**8)
    assert len(parsed.rows) == 1
    return parsed.rows[0]


def steps(row: CleanRow) -> dict[str, tuple[Any, Any]]:
    """{field: (from, to)} of a row's cleaning log."""
    return {s["field"]: (s["from"], s["to"]) for s in row.cleaning}


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells a computed value, as Excel would have saved it ({"B2": "PARIS"})."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = body.decode()
                for ref, value in values.items():
                    text = re.sub(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                                  rf'<c r="{ref}"\1 t="str"><f>\2</f><v>{value}</v>', text)
                body = text.encode()
            dst.writestr(info, body)
    return out.getvalue()


async def run_import(session_factory: Any, org_id: int, data: bytes, *, dry_run: bool = False,
                     allow_partial: bool = False, mapping: dict[str, str] | None = None,
                     filename: str = "sites.xlsx", default_category: str | None = None) -> dict[str, Any]:
    async with unit_of_work(session_factory) as session:
        report = await import_workbook(session, org_id, data, filename, dry_run=dry_run,
                                       allow_partial=allow_partial, mapping=mapping,
                                       default_category=default_category)
    return report.to_json()


async def counts(session_factory: Any) -> dict[str, int]:
    async with unit_of_work(session_factory) as session:
        result = {}
        for name, model in (("establishments", EstablishmentRow), ("revisions", Revision), ("imports", ImportRun)):
            result[name] = (await session.exec(select(func.count()).select_from(model))).one()
        return result


def row_of(report: dict[str, Any], number: int) -> dict[str, Any]:
    return next(r for r in report["rows"] if r["row"] == number)


def replace_text(data: bytes, needle: str, replacement: str) -> bytes:
    """Rewrite a string inside the workbook's XML (for cells no spreadsheet program would write)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith(".xml"):
                body = body.replace(needle.encode(), replacement.encode())
            dst.writestr(info, body)
    return out.getvalue()
