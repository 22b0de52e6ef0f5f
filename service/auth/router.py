"""`/api/v1/organisation`, `/api/v1/keys`, `/api/v1/users`: the caller's organisation, API keys
and accounts. What each role may call is decided by the guards in service/api.py."""

from fastapi import APIRouter, Response

from schemas.access import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, UserCreate, UserPublic
from schemas.organisation import OrganisationPublic, OrganisationUpdate
from service.auth import presenters
from service.auth import service as auth
from service.deps import PrincipalDep, SessionDep
from service.errors import ErrorResponse
from service.models import Organisation
from service.users import service as users

router = APIRouter(prefix="/organisation", tags=["organisation"], responses={401: {"model": ErrorResponse}})
keys_router = APIRouter(prefix="/keys", tags=["access"], responses={401: {"model": ErrorResponse}})
users_router = APIRouter(prefix="/users", tags=["access"], responses={401: {"model": ErrorResponse}})


@router.get("", response_model=OrganisationPublic)
async def get_organisation(session: SessionDep, who: PrincipalDep) -> OrganisationPublic:
    org = await session.get(Organisation, who.organisation_id)
    return OrganisationPublic.model_validate(org, from_attributes=True)


@router.patch("", response_model=OrganisationPublic)
async def update_organisation(body: OrganisationUpdate, session: SessionDep, who: PrincipalDep) -> OrganisationPublic:
    org = await session.get(Organisation, who.organisation_id)
    org.drift_policy = body.drift_policy  # type: ignore[union-attr]
    return OrganisationPublic.model_validate(org, from_attributes=True)


@keys_router.get("", response_model=list[ApiKeyPublic])
async def list_keys(session: SessionDep, who: PrincipalDep) -> list[ApiKeyPublic]:
    """An admin sees every key of the organisation; anyone else their own."""
    return [presenters.key_public(k, owner) for k, owner in await auth.list_api_keys(session, who)]


@keys_router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyCreate, session: SessionDep, who: PrincipalDep) -> ApiKeyCreated:
    """A key acting for the caller's user (never with more rights or sites than the caller)."""
    key, full = await presenters.create_key_for(session, who, body)
    return ApiKeyCreated(**presenters.key_public(key, who.user_email).model_dump(), key=full)


@keys_router.delete("/{prefix}", status_code=204, responses={404: {"model": ErrorResponse}})
async def revoke_key(prefix: str, session: SessionDep, who: PrincipalDep) -> Response:
    """Revoked keys are refused from their next request on."""
    await auth.revoke_api_key(session, who, who.organisation_id, prefix)
    return Response(status_code=204)


@users_router.get("", response_model=list[UserPublic])
async def list_users(session: SessionDep, who: PrincipalDep) -> list[UserPublic]:
    return [presenters.user_public(u) for u in await users.list_users(session, who.organisation_id)]


@users_router.post("", status_code=201, response_model=UserPublic)
async def create_user(body: UserCreate, session: SessionDep, who: PrincipalDep) -> UserPublic:
    org = await session.get(Organisation, who.organisation_id)
    user = await users.create_user(session, org, body.email, body.password, body.role,  # type: ignore[arg-type]
                                   labels=body.labels, store_codes=body.store_codes)
    return presenters.user_public(user)
