"""Dashboard pages for group IT: imports (upload, dry-run report, confirm) and campaigns (phone
migration, holiday closure: dry run with the per-platform ETA, apply now or at, live progress,
report, rollback). Thin: the imports and campaigns services do the work, as for the API."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from schemas.campaigns import HolidayClosureRequest, PhoneMigrationRequest, PrefixRule, ReplaceRule
from service.campaigns import service as campaigns
from service.campaigns.mapping import read_mapping
from service.deps import SessionDep
from service.errors import ApiError, validation_details
from service.imports import repository as imports_repo
from service.imports import service as imports
from service.web.core import WebPrincipal, WebRoute, redirect, render, state

router = APIRouter(route_class=WebRoute, include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload_dir(request: Request) -> Path:
    """Where a dry-run's workbook waits for its confirmation (the import run keeps only a hash)."""
    path = Path(request.app.state.settings.home) / "web-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


@router.get("/imports")
async def imports_page(request: Request, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("read_all")
    runs = await imports_repo.list_page(session, who.organisation_id, before=None, limit=50)
    return render(request, "imports.html", runs=[imports.to_public(r) for r in runs], can_run=who.may("bulk"))


@router.post("/imports")
async def upload(request: Request, session: SessionDep, who: WebPrincipal,
                 file: Annotated[UploadFile, File()]) -> Response:
    who.require("bulk")
    limit = request.app.state.settings.import_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the file is larger than {limit} bytes")
    report = await imports.import_workbook(session, who.organisation_id, data, file.filename or "upload.xlsx",
                                           dry_run=True, allow_partial=False)
    (_upload_dir(request) / f"{report.id}.xlsx").write_bytes(data)
    return redirect(request, f"/imports/{report.id}")


@router.get("/imports/{import_id}")
async def import_report(request: Request, import_id: str, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("read_all")
    report = await imports.get_report(session, who.organisation_id, import_id)
    columns = list(report.summary.columns)
    rows = [{"row": r.row, "store_code": r.store_code, "action": r.action,
             "cells": {c.column: c.message for c in r.errors if c.column},
             "other_errors": [c.message for c in r.errors if not c.column],
             "values": _cell_values(r.record, report.summary.columns)} for r in report.rows]
    pending = (_upload_dir(request) / f"{import_id}.xlsx").exists() and report.outcome == "dry_run"
    return render(request, "import.html", report=report, columns=columns, rows=rows,
                  can_confirm=pending and who.may("bulk") and report.summary.rejected == 0)


def _cell_values(record: dict[str, Any] | None, columns: dict[str, str]) -> dict[str, str]:
    values = {}
    for header, path in columns.items():
        value: Any = record or {}
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        values[header] = "" if value is None else str(value)
    return values


@router.post("/imports/{import_id}/confirm")
async def confirm_import(request: Request, import_id: str, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("bulk")
    run = await imports.get_report(session, who.organisation_id, import_id)  # 404 for another organisation's
    path = _upload_dir(request) / f"{import_id}.xlsx"
    if not path.exists() or run.outcome != "dry_run":
        raise ApiError(409, "not_pending", "this dry run was already confirmed or its file is gone: upload it again")
    report = await imports.import_workbook(session, who.organisation_id, path.read_bytes(), run.summary.filename,
                                           dry_run=False, allow_partial=False)
    path.unlink()
    return redirect(request, f"/imports/{report.id}")


@router.get("/campaigns")
async def campaigns_page(request: Request, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("read_all")
    rows = await campaigns.list_page(session, who.organisation_id, None, 50)
    return render(request, "campaigns.html", campaigns=rows, can_run=who.may("bulk"))


def _invalid(exc: ValidationError) -> ApiError:
    errors = validation_details(exc.errors())
    return ApiError(422, "validation_error", "; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


@router.post("/campaigns/phone-migration")
async def phone_migration(request: Request, who: WebPrincipal, name: Annotated[str, Form()] = "",
                          old: Annotated[str, Form()] = "", new: Annotated[str, Form()] = "",
                          from_prefix: Annotated[str, Form()] = "", to_prefix: Annotated[str, Form()] = "",
                          file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Always a dry run first: the campaign page shows the plan and its ETA, then Apply."""
    who.require("bulk")
    sessionmaker, settings = state(request)
    where = None
    try:
        if file is not None and file.filename:
            items, where = read_mapping(await file.read(), max_bytes=settings.import_max_bytes)
            body = PhoneMigrationRequest(mapping=items, dry_run=True, name=name or file.filename)
        elif from_prefix or to_prefix:
            body = PhoneMigrationRequest(prefix=PrefixRule(from_prefix=from_prefix, to_prefix=to_prefix),
                                         dry_run=True, name=name or None)
        else:
            body = PhoneMigrationRequest(replace=ReplaceRule(old=old, new=new), dry_run=True, name=name or None)
    except ValidationError as exc:
        raise _invalid(exc) from None
    plan = await campaigns.phone_migration(sessionmaker, settings, who.organisation_id, body, where=where,
                                           source_ref=who.source_ref)
    return redirect(request, f"/campaigns/{plan.id}")


@router.post("/campaigns/holiday-closure")
async def holiday_closure(request: Request, who: WebPrincipal, start_date: Annotated[date, Form()],
                          end_date: Annotated[date | None, Form()] = None, name: Annotated[str, Form()] = "") -> Response:
    who.require("bulk")
    sessionmaker, settings = state(request)
    try:
        body = HolidayClosureRequest(start_date=start_date, end_date=end_date, dry_run=True, name=name or None)
    except ValidationError as exc:
        raise _invalid(exc) from None
    plan = await campaigns.holiday_closure(sessionmaker, settings, who.organisation_id, body,
                                           source_ref=who.source_ref)
    return redirect(request, f"/campaigns/{plan.id}")


async def _progress(request: Request, session: Any, who: Any, campaign_id: str) -> dict[str, Any]:
    who.require("read_all")
    progress = await campaigns.progress(session, request.app.state.settings, who.organisation_id, campaign_id)
    return {"c": progress, "can_run": who.may("bulk"), "live": progress.state in ("scheduled", "applying")
            or (progress.state == "applied" and progress.percent < 100)}


@router.get("/campaigns/{campaign_id}")
async def campaign(request: Request, campaign_id: str, session: SessionDep, who: WebPrincipal) -> Response:
    return render(request, "campaign.html", **await _progress(request, session, who, campaign_id))


@router.get("/campaigns/{campaign_id}/progress")
async def campaign_progress(request: Request, campaign_id: str, session: SessionDep, who: WebPrincipal) -> Response:
    """The progress block alone, polled by htmx while the campaign runs."""
    return render(request, "campaign_progress.html", **await _progress(request, session, who, campaign_id))


@router.post("/campaigns/{campaign_id}/apply")
async def apply(request: Request, campaign_id: str, who: WebPrincipal,
                apply_at: Annotated[str, Form()] = "") -> Response:
    who.require("bulk")
    when = None
    if apply_at:
        try:
            when = datetime.fromisoformat(apply_at).astimezone()
        except ValueError:
            raise ApiError(422, "invalid_date", f"{apply_at!r} is not a date and time", field="apply_at") from None
    await campaigns.schedule(request.app.state.sessionmaker, who.organisation_id, campaign_id, when)
    return redirect(request, f"/campaigns/{campaign_id}")


@router.post("/campaigns/{campaign_id}/rollback")
async def rollback(request: Request, campaign_id: str, who: WebPrincipal) -> Response:
    who.require("bulk")
    sessionmaker, settings = state(request)
    plan = await campaigns.rollback(sessionmaker, settings, who.organisation_id, campaign_id, dry_run=True,
                                    apply_at=None, source_ref=who.source_ref)
    return redirect(request, f"/campaigns/{plan.id}")


@router.get("/campaigns/{campaign_id}/report.xlsx")
async def report(request: Request, campaign_id: str, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("read_all")
    data = await campaigns.report(session, request.app.state.settings, who.organisation_id, campaign_id)
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id[:8]}.xlsx"'})
