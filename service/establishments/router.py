"""`/api/v1/establishments`: thin HTTP layer over the establishments service."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response, status

from schemas import Establishment, EstablishmentPublic
from schemas.establishment import STORE_CODE_PATTERN, Status
from schemas.text import QueryText
from schemas.api import BulkRequest, BulkResponse, RevisionPublic
from schemas.sync import OnPlatforms
from service.deps import PrincipalDep, SessionDep
from service.errors import ApiError, ErrorResponse
from service.establishments import repository as repo
from service.establishments import service
from service.establishments.public import json_response, public_dict, record_response
from service.establishments.service import Source
from service.pagination import CursorParam
from service.pagination import Page, PositiveId, StoreCodeKey, decode_cursor, encode_cursor
from service.settings import get_settings

router = APIRouter(prefix="/establishments", tags=["establishments"],
                   responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag you read: 412 if it is stale.")]
StoreCode = Annotated[str, Path(pattern=STORE_CODE_PATTERN, description="The site's store code")]
_404 = {404: {"model": ErrorResponse}}
_412 = {412: {"model": ErrorResponse, "description": "If-Match names an older revision"}}


@router.post("", status_code=201, response_model=EstablishmentPublic, responses={409: {"model": ErrorResponse}})
async def create_establishment(body: Establishment, session: SessionDep, who: PrincipalDep) -> Response:
    await service.create(session, who.organisation_id, body, Source("api", who.source_ref))
    row = await service.get_or_404(session, who.organisation_id, body.store_code)
    return record_response(row, 201, {"Location": f"/api/v1/establishments/{row.store_code}"})


@router.get("", response_model=Page[EstablishmentPublic])
async def list_establishments(
    session: SessionDep, who: PrincipalDep,
    label: Annotated[QueryText | None, Query(description="Only sites with this label")] = None,
    locality: Annotated[QueryText | None, Query(description="Exact locality, case-insensitive")] = None,
    status: Annotated[Status | None, Query(description="Only sites with this status")] = None,
    q: Annotated[QueryText | None, Query(description="Search in name, store code and locality "
                                                     "(`%` and `_` are plain characters)")] = None,
    cursor: CursorParam = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    rows = await repo.list_page(session, who.organisation_id, label=label, locality=locality, status=status,
                                q=q, after=decode_cursor(cursor, StoreCodeKey), limit=limit + 1, scope=who.scope)
    more = len(rows) > limit
    rows = rows[:limit]
    return json_response({"items": [public_dict(r) for r in rows],
                          "next_cursor": encode_cursor(rows[-1].store_code) if more else None})


@router.post("/bulk", response_model=BulkResponse)
async def bulk_upsert(body: BulkRequest, session: SessionDep, who: PrincipalDep) -> BulkResponse:
    """Create or update up to 1,000 records; each item gets its own result, and valid items are
    saved even when others are rejected."""
    limit = get_settings().bulk_max_items
    if len(body.items) > limit:
        raise ApiError(413, "too_many_items", f"at most {limit} items per call, got {len(body.items)}", field="items")
    return await service.bulk_upsert(session, who.organisation_id, body.items, Source("api", who.source_ref))


@router.get("/{store_code}", response_model=EstablishmentPublic, responses=_404)
async def get_establishment(store_code: StoreCode, session: SessionDep, who: PrincipalDep) -> Response:
    return record_response(await service.get_or_404(session, who.organisation_id, store_code))


@router.put("/{store_code}", response_model=EstablishmentPublic, responses={**_404, **_412, 201: {"model": EstablishmentPublic}})
async def replace_establishment(store_code: StoreCode, body: Establishment, session: SessionDep, who: PrincipalDep,
                                response: Response, if_match: IfMatch = None) -> Response:
    """Replace the whole record (creates it when the store code is new: 201)."""
    if body.store_code != store_code:
        raise ApiError(422, "store_code_mismatch", f"body store_code {body.store_code!r} differs from the URL's "
                       f"{store_code!r}; rename by creating the new code and deleting the old", field="store_code")
    source = Source("api", who.source_ref)
    row = await repo.get(session, who.organisation_id, store_code)
    if row is None and if_match in (None, "*"):  # created here, or by a request that ran meanwhile: replaced
        outcome = await service.create(session, who.organisation_id, body, source, on_conflict="update")
        if outcome.action == "create":
            response.status_code = status.HTTP_201_CREATED
    else:
        await service.update(session, who.organisation_id, store_code, lambda _: body, source, if_match)
    row = await service.get_or_404(session, who.organisation_id, store_code)
    return record_response(row, response.status_code or 200)


_MERGE_PATCH_EXAMPLES = {
    "additional_phones": {"summary": "Add phone numbers; the primary phone stays",
                          "value": {"phones": {"additional": ["+33612345678"]}}},
    "monday": {"summary": "Change Monday's hours; the other days stay",
               "value": {"hours": {"regular": {"monday": [{"open": "08:00", "close": "12:00"},
                                                          {"open": "14:00", "close": "19:00"}]}}}},
    "remove": {"summary": "null removes: clear the coordinates and one platform id",
               "value": {"geo": None, "platform_ids": {"facebook": None}}},
}
_MERGE_PATCH_BODY = {"schema": {"$ref": "#/components/schemas/Establishment"}, "examples": _MERGE_PATCH_EXAMPLES}


@router.patch("/{store_code}", response_model=EstablishmentPublic, responses={**_404, **_412},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/merge-patch+json": _MERGE_PATCH_BODY, "application/json": _MERGE_PATCH_BODY}}})
async def patch_establishment(store_code: StoreCode, body: Annotated[dict[str, Any], Body()], session: SessionDep,
                              who: PrincipalDep, if_match: IfMatch = None) -> Response:
    """Change part of a record: a JSON Merge Patch (RFC 7396), sent as `application/merge-patch+json`
    or `application/json`. Any subset of the `Establishment` fields, at any depth: nested objects
    merge (`{"phones": {"additional": [...]}}` keeps `phones.primary`; `hours.regular` merges day by
    day), `null` removes a value (a required one cannot be removed: 422), arrays (lines, labels,
    photos, a day's intervals, special hours) replace the stored array. A field not sent is never
    changed. The merged record is validated as a whole; errors name the field path."""
    row, _ = await service.patch(session, who.organisation_id, store_code, body,
                                 Source("api", who.source_ref), if_match)
    return record_response(row)


@router.delete("/{store_code}", status_code=204, responses={**_404, **_412})
async def delete_establishment(store_code: StoreCode, session: SessionDep, who: PrincipalDep,
                               if_match: IfMatch = None,
                               on_platforms: Annotated[OnPlatforms, Query(description=(
                                   "`close`: mark the listing permanently closed on every platform; `remove`: "
                                   "remove it where the platform allows, a person is asked elsewhere; `leave` "
                                   "(default, the safest: a wrong delete wipes nothing): stop managing it."))]
                               = OnPlatforms.leave) -> Response:
    """Remove a site from Vitrine (its history is kept; creating the code again revives it). The
    site stays in `GET /sync` until every platform has carried out `on_platforms`."""
    await service.delete(session, who.organisation_id, store_code, Source("api", who.source_ref), if_match,
                         on_platforms)
    return Response(status_code=204)


@router.get("/{store_code}/revisions", response_model=Page[RevisionPublic], responses=_404)
async def list_revisions(store_code: StoreCode, session: SessionDep, who: PrincipalDep,
                         cursor: CursorParam = None, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Page[RevisionPublic]:
    before = decode_cursor(cursor, PositiveId)  # before any query: a bad cursor is a 400, not a 404
    row = await service.get_or_404(session, who.organisation_id, store_code)
    revs = await repo.revisions(session, row.id, before=before, limit=limit + 1)  # type: ignore[arg-type]
    more = len(revs) > limit
    revs = revs[:limit]
    items = [RevisionPublic.model_validate(r, from_attributes=True) for r in revs]
    return Page(items=items, next_cursor=encode_cursor(revs[-1].number) if more else None)
