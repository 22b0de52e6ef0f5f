"""`/api/v1/sources`: internal systems pulled on a schedule (docs/integrations.md)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from schemas.integrations import SourceCreate, SourcePublic, SourceRunPublic, SourceRunResult
from service.deps import PrincipalDep, SessionDep
from service.errors import ErrorResponse
from service.sources import service

router = APIRouter(prefix="/sources", tags=["sources"], responses={401: {"model": ErrorResponse}})
_404 = {404: {"model": ErrorResponse, "description": "no source of that name"}}


@router.post("", response_model=SourcePublic, status_code=201,
             responses={409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
async def create_source(body: SourceCreate, request: Request, session: SessionDep, who: PrincipalDep) -> SourcePublic:
    """Add a source. Its secrets are encrypted at rest and never shown again."""
    settings = request.app.state.settings
    return service.to_public(await service.create(session, who.organisation_id, body, settings), settings)


@router.get("", response_model=list[SourcePublic])
async def list_sources(request: Request, session: SessionDep, who: PrincipalDep) -> list[SourcePublic]:
    settings = request.app.state.settings
    return [service.to_public(s, settings) for s in await service.all_of(session, who.organisation_id)]


@router.get("/{name}", response_model=SourcePublic, responses=_404)
async def get_source(name: str, request: Request, session: SessionDep, who: PrincipalDep) -> SourcePublic:
    return service.to_public(await service.get(session, who.organisation_id, name), request.app.state.settings)


@router.get("/{name}/runs", response_model=list[SourceRunPublic], responses=_404)
async def source_runs(name: str, session: SessionDep, who: PrincipalDep, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[SourceRunPublic]:
    """The run history, newest first: counts, the import run (its report at /api/v1/imports/{id}), errors."""
    return await service.runs(session, who.organisation_id, name, min(max(limit, 1), 200))


@router.post("/{name}/run", response_model=SourceRunResult,
             responses={**_404, 409: {"model": ErrorResponse, "description": "a run of this source is under way"}})
async def run_source(name: str, request: Request, who: PrincipalDep) -> SourceRunResult:
    """Run the source now (a conditional request first: an unchanged source creates no run)."""
    return await service.run_now(request.app.state.sessionmaker, request.app.state.settings, who.organisation_id, name)


@router.delete("/{name}", status_code=204, responses=_404)
async def remove_source(name: str, session: SessionDep, who: PrincipalDep) -> Response:
    await service.remove(session, who.organisation_id, name)
    return Response(status_code=204)
