"""FastAPI dependencies: the request's unit of work, its caller, and what the caller may do."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.service import Principal, authenticate, ensure_visible
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
        raise ApiError(401, "unauthenticated", "this API key is unknown, revoked or expired",
                       headers={"WWW-Authenticate": "Bearer"})
    logs.bind(organisation=principal.organisation_id)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]

_READ = frozenset({"GET", "HEAD", "OPTIONS"})


def guard(write: str, *, create: str | None = None, read: str = "read"
          ) -> Callable[[Request, AsyncSession, Principal], Awaitable[None]]:
    """A router-wide check of service/auth/access.py's rule: reads need `read`, other methods
    `write`; a POST without a store code in its path (a new site, a bulk call) needs `create`.
    A `{store_code}` outside the caller's limits answers 404."""

    async def check(request: Request, session: SessionDep, who: PrincipalDep) -> None:
        store_code = request.path_params.get("store_code")
        if request.method in _READ:
            action = read
        elif create and store_code is None:
            action = create
        else:
            action = write
        who.require(action)
        if store_code is not None:
            await ensure_visible(session, who, store_code)

    return check
