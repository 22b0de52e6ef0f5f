"""`/api/v1/notifications/recipients`: who receives the e-mails of an organisation."""

from fastapi import APIRouter, Response
from pydantic import BaseModel

from schemas.integrations import RecipientCreate
from service.deps import PrincipalDep, SessionDep
from service.errors import ErrorResponse
from service.notifications import service

router = APIRouter(prefix="/notifications", tags=["notifications"], responses={401: {"model": ErrorResponse}})


class RecipientPublic(RecipientCreate):
    pass


@router.post("/recipients", response_model=RecipientPublic, status_code=201,
             responses={409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
async def add_recipient(body: RecipientCreate, session: SessionDep, who: PrincipalDep) -> BaseModel:
    found = await service.add_recipient(session, who.organisation_id, body)
    return RecipientPublic.model_validate(found, from_attributes=True)


@router.get("/recipients", response_model=list[RecipientPublic])
async def list_recipients(session: SessionDep, who: PrincipalDep) -> list[BaseModel]:
    return [RecipientPublic.model_validate(r, from_attributes=True)
            for r in await service.recipients(session, who.organisation_id)]


@router.delete("/recipients/{email}", status_code=204, responses={404: {"model": ErrorResponse}})
async def remove_recipient(email: str, session: SessionDep, who: PrincipalDep) -> Response:
    await service.remove_recipient(session, who.organisation_id, email)
    return Response(status_code=204)
