"""`/api/v1/imports`: upload a workbook, read stored reports, download the template."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from schemas.imports import ImportReport, ImportRunPublic, RowAction, RowReport
from service.deps import PrincipalDep, SessionDep
from service.errors import ApiError, ErrorDetail, ErrorResponse
from service.imports import repository as repo
from service.imports import service
from service.imports.template import build_template
from service.pagination import CursorParam, NewestFirst, Page, RowNumber, decode_cursor, encode_cursor
from service.settings import get_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
router = APIRouter(prefix="/imports", tags=["imports"],
                   responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})


def _mapping(text: str | None) -> dict[str, Any] | None:
    if text is None or not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict):
        raise ApiError(422, "invalid_mapping", 'mapping must be a JSON object such as {"Num. tel": "phones.primary"}',
                       field="mapping")
    return mapping


async def _read(file: UploadFile, limit: int) -> bytes:
    if file.size is not None and file.size > limit:
        raise ApiError(413, "file_too_large", f"the file has {file.size:,} bytes; the limit is {limit:,}", field="file")
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"the file is over the limit of {limit:,} bytes", field="file")
    return data


@router.post("", response_model=ImportReport, responses={413: {"model": ErrorResponse}})
async def create_import(
    session: SessionDep, who: PrincipalDep,
    file: Annotated[UploadFile, File(description="The .xlsx workbook")],
    dry_run: Annotated[bool, Form(description="Report what would happen; write nothing")] = False,
    allow_partial: Annotated[bool, Form(description="Import the valid rows even when others are rejected")] = False,
    mapping: Annotated[str | None, Form(description='JSON object {"Excel header": "field"} overriding '
                                                     "header recognition")] = None,
    default_category: Annotated[str | None, Form(description=(
        "Category key (or label) for the rows that have none, after inference from unambiguous names "
        "('Clinique…', 'Laboratoire…'); fills only records without a category"))] = None,
) -> Any:
    """Import a workbook of sites. 200 with the report, also when rows are rejected (then, unless
    `allow_partial`, nothing is written); 422 `invalid_file` when the file cannot be read."""
    data = await _read(file, get_settings().import_max_bytes)
    report = await service.import_workbook(session, who.organisation_id, data, file.filename or "upload.xlsx",
                                           dry_run=dry_run, allow_partial=allow_partial, mapping=_mapping(mapping),
                                           default_category=default_category or None)
    if report.error is not None:  # a JSONResponse, not a raise: the run stays recorded
        error = ApiError(422, "invalid_file", report.error.message, field="file",
                         errors=[ErrorDetail(field="file", message=report.error.message, code=report.error.code)])
        body = error.body()
        body["error"]["import_id"] = report.id
        return JSONResponse(body, status_code=422)
    return JSONResponse(report.to_json())  # already the response_model's JSON: skip re-serialising every row


@router.get("/template", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "The import template workbook"}})
async def download_template(_: PrincipalDep) -> Response:
    """The workbook to fill in: columns, an instructions sheet (French and English), example rows."""
    return Response(build_template(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="vitrine-import-template.xlsx"'})


@router.get("", response_model=Page[ImportRunPublic])
async def list_imports(session: SessionDep, who: PrincipalDep,
                       cursor: CursorParam = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Page[ImportRunPublic]:
    """The organisation's imports, newest first (summaries; GET /imports/{id} has the rows)."""
    before = decode_cursor(cursor, NewestFirst)
    runs = await repo.list_page(session, who.organisation_id, before=before, limit=limit + 1)
    more = len(runs) > limit
    runs = runs[:limit]
    next_cursor = encode_cursor([runs[-1].created_at.isoformat(), runs[-1].id]) if more else None
    return Page(items=[service.to_public(r) for r in runs], next_cursor=next_cursor)


@router.get("/{import_id}", response_model=ImportReport, responses={404: {"model": ErrorResponse}})
async def get_import(import_id: str, session: SessionDep, who: PrincipalDep) -> Any:
    """A stored import's report: every row, or for a file of over 10,000 rows its rejected rows
    (`rows_complete` false; `/rows` pages through all)."""
    return JSONResponse((await service.get_report(session, who.organisation_id, import_id)).to_json())


@router.get("/{import_id}/rows", response_model=Page[RowReport], responses={404: {"model": ErrorResponse}})
async def list_import_rows(import_id: str, session: SessionDep, who: PrincipalDep,
                           action: Annotated[RowAction | None, Query(description="Only rows of this action")] = None,
                           cursor: CursorParam = None,
                           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Page[RowReport]:
    """A stored import's report rows in file order, a page at a time."""
    after = decode_cursor(cursor, tuple[RowNumber])
    rows = await service.rows_page(session, who.organisation_id, import_id, action=action,
                                   after=after[0] if after else None, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor([rows[-1].row]) if more else None)
