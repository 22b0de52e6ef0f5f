"""`/api/v1/platforms`: what each directory takes, and this organisation's connections."""

from fastapi import APIRouter, Request, Response

from connectors.base import PlatformInfo
from connectors.registry import CONNECTORS, platforms
from schemas.sync import ConnectionCreate, PlatformPublic, QuotaPublic
from service.deps import PrincipalDep, SessionDep
from service.errors import ErrorResponse
from service.models import PlatformConnection
from service.platforms import repository as repo
from service.platforms import service
from service.platforms.options import option_types
from service.sync.quotas import quotas_for

router = APIRouter(prefix="/platforms", tags=["platforms"], responses={401: {"model": ErrorResponse}})


def describe(info: PlatformInfo, connection: PlatformConnection | None, settings) -> PlatformPublic:  # noqa: ANN001
    shared, location = quotas_for(settings, info.key)
    state = "not_connected" if connection is None else (
        "disabled" if not connection.enabled else connection.state)
    return PlatformPublic(
        key=info.key, name=info.name, channel=info.channel.value, capabilities=sorted(info.capabilities),
        quota=QuotaPublic(requests=shared.requests, per_seconds=shared.per_seconds) if shared else None,
        location_quota=QuotaPublic(requests=location.requests, per_seconds=location.per_seconds) if location else None,
        typical_delay_seconds=int(info.typical_delay.total_seconds()), verifiable=info.verifiable,
        connection=state, notes=info.notes, credentials=list(info.credentials), options=option_types(info))


@router.get("", response_model=list[PlatformPublic])
async def list_platforms(request: Request, session: SessionDep, who: PrincipalDep) -> list[PlatformPublic]:
    connected = await repo.connections(session, who.organisation_id)
    settings = request.app.state.settings
    return [describe(info, connected.get(info.key), settings) for info in platforms()]


@router.put("/{platform}/connection", response_model=PlatformPublic, responses={404: {"model": ErrorResponse}})
async def connect_platform(platform: str, body: ConnectionCreate, request: Request, session: SessionDep,
                           who: PrincipalDep) -> PlatformPublic:
    """Connect (or reconnect) a platform; every establishment is then queued for it."""
    settings = request.app.state.settings
    row = await service.connect(session, who.organisation_id, platform, body.credentials, body.options, settings)
    return describe(CONNECTORS[platform].info, row, settings)


@router.delete("/{platform}/connection", status_code=204, responses={404: {"model": ErrorResponse}})
async def disconnect_platform(platform: str, session: SessionDep, who: PrincipalDep) -> Response:
    await service.disconnect(session, who.organisation_id, platform)
    return Response(status_code=204)
