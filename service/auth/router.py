"""`/api/v1/organisation`: the calling key's organisation."""

from fastapi import APIRouter

from schemas.organisation import OrganisationPublic, OrganisationUpdate
from service.deps import PrincipalDep, SessionDep
from service.errors import ErrorResponse
from service.models import Organisation

router = APIRouter(prefix="/organisation", tags=["organisation"], responses={401: {"model": ErrorResponse}})


@router.get("", response_model=OrganisationPublic)
async def get_organisation(session: SessionDep, who: PrincipalDep) -> OrganisationPublic:
    org = await session.get(Organisation, who.organisation_id)
    return OrganisationPublic.model_validate(org, from_attributes=True)


@router.patch("", response_model=OrganisationPublic)
async def update_organisation(body: OrganisationUpdate, session: SessionDep, who: PrincipalDep) -> OrganisationPublic:
    org = await session.get(Organisation, who.organisation_id)
    org.drift_policy = body.drift_policy  # type: ignore[union-attr]
    return OrganisationPublic.model_validate(org, from_attributes=True)
