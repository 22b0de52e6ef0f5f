"""FastAPI dependencies: the request's unit of work and its caller."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.service import Principal, authenticate
from service.db import unit_of_work
from service import logs
from service.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="An API key: `vitrine apikey create --org NAME` prints one.")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_principal(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthenticated", "send an API key as `Authorization: Bearer <key>`",
                       headers={"WWW-Authenticate": "Bearer"})
    principal = await authenticate(session, credentials.credentials)
    if principal is None:
        raise ApiError(401, "unauthenticated", "this API key is unknown or revoked",
                       headers={"WWW-Authenticate": "Bearer"})
    logs.bind(organisation=principal.organisation_id)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
