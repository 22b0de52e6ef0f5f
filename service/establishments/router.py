"""`/api/v1/establishments`: thin HTTP layer over the establishments service."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from schemas import Establishment, EstablishmentPatch, EstablishmentPublic
from schemas.api import BulkRequest, BulkResponse, RevisionPublic
from service.deps import PrincipalDep, SessionDep
from service.errors import ApiError, ErrorResponse
from service.establishments import repository as repo
from service.establishments import service
from service.establishments.service import Source
from service.pagination import Page, decode_cursor, encode_cursor
from service.settings import get_settings

router = APIRouter(prefix="/establishments", tags=["establishments"],
                   responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag you read: 412 if it is stale.")]
_404 = {404: {"model": ErrorResponse}}
_412 = {412: {"model": ErrorResponse, "description": "If-Match names an older revision"}}


def _etag(response: Response, revision: int) -> None:
    response.headers["ETag"] = f'"{revision}"'


@router.post("", status_code=201, response_model=EstablishmentPublic, responses={409: {"model": ErrorResponse}})
async def create_establishment(body: Establishment, session: SessionDep, who: PrincipalDep,
                               response: Response) -> EstablishmentPublic:
    await service.create(session, who.organisation_id, body, Source("api", who.source_ref))
    row = await service.get_or_404(session, who.organisation_id, body.store_code)
    _etag(response, row.revision)
    response.headers["Location"] = f"/api/v1/establishments/{row.store_code}"
    return service.to_public(row)


@router.get("", response_model=Page[EstablishmentPublic])
async def list_establishments(
    session: SessionDep, who: PrincipalDep,
    label: Annotated[str | None, Query(description="Only sites with this label")] = None,
    locality: Annotated[str | None, Query(description="Exact locality, case-insensitive")] = None,
    status: Annotated[str | None, Query(description="open, closed_temporarily, …")] = None,
    q: Annotated[str | None, Query(description="Search in name, store code and locality")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[EstablishmentPublic]:
    rows = await repo.list_page(session, who.organisation_id, label=label, locality=locality, status=status,
                                q=q, after=decode_cursor(cursor), limit=limit + 1, scope=who.scope)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[service.to_public(r) for r in rows],
                next_cursor=encode_cursor(rows[-1].store_code) if more else None)


@router.post("/bulk", response_model=BulkResponse)
async def bulk_upsert(body: BulkRequest, session: SessionDep, who: PrincipalDep) -> BulkResponse:
    """Create or update up to 1,000 records; each item gets its own result, and valid items are
    saved even when others are rejected."""
    limit = get_settings().bulk_max_items
    if len(body.items) > limit:
        raise ApiError(413, "too_many_items", f"at most {limit} items per call, got {len(body.items)}", field="items")
    return await service.bulk_upsert(session, who.organisation_id, body.items, Source("api", who.source_ref))


@router.get("/{store_code}", response_model=EstablishmentPublic, responses=_404)
async def get_establishment(store_code: str, session: SessionDep, who: PrincipalDep,
                            response: Response) -> EstablishmentPublic:
    row = await service.get_or_404(session, who.organisation_id, store_code)
    _etag(response, row.revision)
    return service.to_public(row)


@router.put("/{store_code}", response_model=EstablishmentPublic, responses={**_404, **_412, 201: {"model": EstablishmentPublic}})
async def replace_establishment(store_code: str, body: Establishment, session: SessionDep, who: PrincipalDep,
                                response: Response, if_match: IfMatch = None) -> EstablishmentPublic:
    """Replace the whole record (creates it when the store code is new: 201)."""
    if body.store_code != store_code:
        raise ApiError(422, "store_code_mismatch", f"body store_code {body.store_code!r} differs from the URL's "
                       f"{store_code!r}; rename by creating the new code and deleting the old", field="store_code")
    source = Source("api", who.source_ref)
    row = await repo.get(session, who.organisation_id, store_code)
    if row is None:
        await service.create(session, who.organisation_id, body, source)
        response.status_code = status.HTTP_201_CREATED
    else:
        await service.update(session, who.organisation_id, row, body, source, if_match)
    row = await service.get_or_404(session, who.organisation_id, store_code)
    _etag(response, row.revision)
    return service.to_public(row)


@router.patch("/{store_code}", response_model=EstablishmentPublic, responses={**_404, **_412})
async def patch_establishment(store_code: str, body: EstablishmentPatch, session: SessionDep, who: PrincipalDep,
                              response: Response, if_match: IfMatch = None) -> EstablishmentPublic:
    """Change some top-level fields; the others keep their stored value."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    row, _ = await service.patch(session, who.organisation_id, store_code, changes,
                                 Source("api", who.source_ref), if_match)
    _etag(response, row.revision)
    return service.to_public(row)


@router.delete("/{store_code}", status_code=204, responses={**_404, **_412})
async def delete_establishment(store_code: str, session: SessionDep, who: PrincipalDep,
                               if_match: IfMatch = None) -> Response:
    """Remove a site from Vitrine (its history is kept; creating the code again revives it)."""
    await service.delete(session, who.organisation_id, store_code, Source("api", who.source_ref), if_match)
    return Response(status_code=204)


@router.get("/{store_code}/revisions", response_model=Page[RevisionPublic], responses=_404)
async def list_revisions(store_code: str, session: SessionDep, who: PrincipalDep,
                         cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Page[RevisionPublic]:
    row = await service.get_or_404(session, who.organisation_id, store_code)
    revs = await repo.revisions(session, row.id, before=decode_cursor(cursor), limit=limit + 1)  # type: ignore[arg-type]
    more = len(revs) > limit
    revs = revs[:limit]
    items = [RevisionPublic.model_validate(r, from_attributes=True) for r in revs]
    return Page(items=items, next_cursor=encode_cursor(revs[-1].number) if more else None)
