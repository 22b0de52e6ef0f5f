"""`/api/v1/campaigns`: bulk changes, planned, scheduled, watched, rolled back, reported."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import ValidationError

from schemas.campaigns import (ApplyRequest, CampaignPlanResponse, CampaignProgress, CampaignPublic,
                               CampaignSiteStatus, HolidayClosureRequest, PhoneMigrationRequest, RollbackRequest)
from service.campaigns import service
from service.campaigns.mapping import read_mapping
from service.deps import PrincipalDep, SessionDep
from service.errors import ApiError, ErrorResponse, validation_details
from service.pagination import CursorParam, NewestFirst, Page, StoreCodeKey, decode_cursor, encode_cursor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
router = APIRouter(prefix="/campaigns", tags=["campaigns"],
                   responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse},
                              422: {"model": ErrorResponse}})


def _state(request: Request) -> tuple[Any, Any]:
    return request.app.state.sessionmaker, request.app.state.settings


@router.post("/phone-migration", status_code=201, response_model=CampaignPlanResponse)
async def phone_migration(body: PhoneMigrationRequest, request: Request, who: PrincipalDep) -> CampaignPlanResponse:
    """Move sites to new numbers, from a mapping (`store_code → new number`, old number as a
    guard) or a rule (`replace` one number everywhere, or move a `prefix`). `dry_run` plans and
    estimates only; `apply_at` schedules the cut-over; otherwise it is applied now, in batches."""
    sessionmaker, settings = _state(request)
    return await service.phone_migration(sessionmaker, settings, who.organisation_id, body, source_ref=who.source_ref)


@router.post("/phone-migration/upload", status_code=201, response_model=CampaignPlanResponse)
async def phone_migration_upload(
    request: Request, who: PrincipalDep,
    file: Annotated[UploadFile, File(description="An .xlsx with `store_code`, `new_phone` and optional `old_phone`.")],
    dry_run: Annotated[bool, Form()] = False,
    apply_at: Annotated[datetime | None, Form()] = None,
    keep_old_as_additional: Annotated[bool, Form()] = False,
    keep_old_until: Annotated[datetime | None, Form()] = None,
    name: Annotated[str | None, Form()] = None,
) -> CampaignPlanResponse:
    sessionmaker, settings = _state(request)
    items, where = read_mapping(await file.read(), max_bytes=settings.import_max_bytes)
    try:
        body = PhoneMigrationRequest(mapping=items, dry_run=dry_run, apply_at=apply_at, name=name or file.filename,
                                     keep_old_as_additional=keep_old_as_additional, keep_old_until=keep_old_until)
    except ValidationError as exc:
        errors = validation_details(exc.errors())
        raise ApiError(422, "validation_error", errors[0].message, field=errors[0].field, errors=errors) from None
    return await service.phone_migration(sessionmaker, settings, who.organisation_id, body, where=where,
                                         source_ref=who.source_ref)


@router.post("/holiday-closure", status_code=201, response_model=CampaignPlanResponse)
async def holiday_closure(body: HolidayClosureRequest, request: Request, who: PrincipalDep) -> CampaignPlanResponse:
    """Close every selected site (all by default) on a date or a range, as special hours."""
    sessionmaker, settings = _state(request)
    return await service.holiday_closure(sessionmaker, settings, who.organisation_id, body, source_ref=who.source_ref)


@router.get("", response_model=Page[CampaignPublic])
async def list_campaigns(session: SessionDep, who: PrincipalDep,
                         cursor: CursorParam = None,
                         limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Page[CampaignPublic]:
    rows = await service.list_page(session, who.organisation_id, decode_cursor(cursor, NewestFirst), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[service.public(c) for c in rows],
                next_cursor=encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id]) if more else None)


@router.get("/{campaign_id}", response_model=CampaignProgress)
async def get_campaign(campaign_id: str, session: SessionDep, who: PrincipalDep, request: Request) -> CampaignProgress:
    """Progress per platform: counts per status, done, %, ETA, failures with their reasons."""
    return await service.progress(session, request.app.state.settings, who.organisation_id, campaign_id)


@router.get("/{campaign_id}/sites", response_model=Page[CampaignSiteStatus])
async def campaign_sites(campaign_id: str, session: SessionDep, who: PrincipalDep,
                         cursor: CursorParam = None,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Page[CampaignSiteStatus]:
    """Each site: before → after, what the campaign did, and its status on every platform."""
    sites, statuses = await service.site_rows(session, who.organisation_id, campaign_id,
                                              after=decode_cursor(cursor, StoreCodeKey), limit=limit + 1)
    more = len(sites) > limit
    sites = sites[:limit]
    return Page(items=[CampaignSiteStatus(store_code=s.store_code, before=s.before, after=s.after,
                                          base_revision=s.base_revision, outcome=s.outcome, revision=s.revision,
                                          detail=s.detail, platforms=statuses.get(s.store_code, {})) for s in sites],
                next_cursor=encode_cursor(sites[-1].store_code) if more else None)


@router.post("/{campaign_id}/apply", response_model=CampaignPublic)
async def apply_campaign(campaign_id: str, request: Request, who: PrincipalDep,
                         body: ApplyRequest | None = None) -> CampaignPublic:
    """Apply a draft (a dry run): now, or at `apply_at`. Sites changed since the dry run are
    reported as conflicts, not overwritten."""
    campaign = await service.schedule(request.app.state.sessionmaker, who.organisation_id, campaign_id,
                                      body.apply_at if body else None)
    return service.public(campaign)


@router.post("/{campaign_id}/cancel", response_model=CampaignPublic, responses={409: {"model": ErrorResponse}})
async def cancel_campaign(campaign_id: str, request: Request, who: PrincipalDep) -> CampaignPublic:
    return service.public(await service.cancel(request.app.state.sessionmaker, who.organisation_id, campaign_id))


@router.post("/{campaign_id}/rollback", status_code=201, response_model=CampaignPlanResponse,
             responses={409: {"model": ErrorResponse}})
async def rollback_campaign(campaign_id: str, request: Request, who: PrincipalDep,
                            body: RollbackRequest | None = None) -> CampaignPlanResponse:
    """A new campaign restoring what this one replaced, on every site still holding what it wrote."""
    sessionmaker, settings = _state(request)
    body = body or RollbackRequest()
    return await service.rollback(sessionmaker, settings, who.organisation_id, campaign_id, dry_run=body.dry_run,
                                  apply_at=body.apply_at, source_ref=who.source_ref)


@router.get("/{campaign_id}/report.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "One row per site and platform."}})
async def campaign_report(campaign_id: str, session: SessionDep, who: PrincipalDep, request: Request) -> Response:
    data = await service.report(session, request.app.state.settings, who.organisation_id, campaign_id)
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id[:8]}.xlsx"'})
