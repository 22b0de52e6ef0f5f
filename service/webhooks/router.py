"""`/api/v1/webhooks`: endpoints, their deliveries, redelivery, test, secret rotation."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from schemas.integrations import DeliveryPublic, WebhookCreate, WebhookPublic
from service.deps import PrincipalDep, SessionDep
from service.errors import ErrorResponse
from service.webhooks import service

# a database id: larger values cannot name a row (and must not reach the database as an overflow)
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses={401: {"model": ErrorResponse}})
_404 = {404: {"model": ErrorResponse, "description": "no such webhook endpoint (or delivery)"}}


@router.post("", response_model=WebhookPublic, status_code=201, responses={422: {"model": ErrorResponse}})
async def create_webhook(body: WebhookCreate, request: Request, session: SessionDep, who: PrincipalDep) -> WebhookPublic:
    """Add an endpoint; the answer carries its signing secret (`whsec_…`), shown this once."""
    return await service.create(session, who.organisation_id, body, request.app.state.settings)


@router.get("", response_model=list[WebhookPublic])
async def list_webhooks(session: SessionDep, who: PrincipalDep) -> list[WebhookPublic]:
    return [service.to_public(e) for e in await service.endpoints(session, who.organisation_id)]


@router.post("/{endpoint_id}/rotate", response_model=WebhookPublic, responses=_404)
async def rotate_secret(endpoint_id: RowId, request: Request, session: SessionDep, who: PrincipalDep) -> WebhookPublic:
    """A new secret; the previous one keeps signing beside it for VITRINE_WEBHOOK_SECRET_GRACE_HOURS."""
    return await service.rotate(session, who.organisation_id, endpoint_id, request.app.state.settings)


@router.post("/{endpoint_id}/enable", response_model=WebhookPublic, responses=_404)
async def enable_webhook(endpoint_id: RowId, session: SessionDep, who: PrincipalDep) -> WebhookPublic:
    return await service.enable(session, who.organisation_id, endpoint_id)


@router.post("/{endpoint_id}/test", response_model=DeliveryPublic, status_code=202, responses=_404)
async def test_webhook(endpoint_id: RowId, session: SessionDep, who: PrincipalDep) -> DeliveryPublic:
    """Queue a `webhook.test` delivery to this endpoint."""
    return await service.send_test(session, who.organisation_id, endpoint_id)


@router.get("/{endpoint_id}/deliveries", response_model=list[DeliveryPublic], responses=_404)
async def list_deliveries(endpoint_id: RowId, session: SessionDep, who: PrincipalDep,
                          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[DeliveryPublic]:
    return await service.deliveries(session, who.organisation_id, endpoint_id, min(max(limit, 1), 500))


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryPublic, status_code=202, responses=_404)
async def redeliver(delivery_id: RowId, session: SessionDep, who: PrincipalDep) -> DeliveryPublic:
    return await service.redeliver(session, who.organisation_id, delivery_id)


@router.delete("/{endpoint_id}", status_code=204, responses=_404)
async def remove_webhook(endpoint_id: RowId, session: SessionDep, who: PrincipalDep) -> Response:
    await service.remove(session, who.organisation_id, endpoint_id)
    return Response(status_code=204)
