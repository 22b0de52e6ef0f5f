"""`/api/v1/sync` and `/api/v1/establishments/{code}/sync`: where every change stands."""

from typing import Annotated

from fastapi import APIRouter, Query

from schemas.sync import SyncAttemptPublic, SyncRequest, SyncStatus, SyncSummary, SyncTargetPublic
from schemas.establishment import possible_store_code
from schemas.text import PlatformKey, QueryText, printable
from service.deps import PrincipalDep, SessionDep
from service.errors import ApiError, ErrorResponse, NotFound
from service.pagination import CursorParam, Key, Page, PositiveId, StoreCodeKey, decode_cursor, encode_cursor
from service.platforms import repository as platforms_repo
from service.sync import actions, outbox
from service.sync import repository as repo
from service.sync.service import public_row, summarise

router = APIRouter(tags=["sync"], responses={401: {"model": ErrorResponse}})


async def _establishment_id(session: SessionDep, org_id: int, store_code: str) -> tuple[int, int]:
    if not possible_store_code(store_code):
        raise NotFound("establishment", printable(store_code))
    found = await repo.establishment(session, org_id, store_code)
    if found is None:
        raise NotFound("establishment", store_code)
    return found


@router.get("/sync", response_model=Page[SyncTargetPublic])
async def list_sync(session: SessionDep, who: PrincipalDep, platform: PlatformKey | None = None,
                    status: SyncStatus | None = None, label: QueryText | None = None,
                    cursor: CursorParam = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Page[SyncTargetPublic]:
    after = decode_cursor(cursor, tuple[StoreCodeKey, Key])
    rows = await repo.page(session, who.organisation_id, platform=platform, status=status, label=label,
                           after=after, limit=limit + 1, scope=who.scope)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[public_row(t, code) for t, code in rows],
                next_cursor=encode_cursor([rows[-1][1], rows[-1][0].platform]) if more else None)


@router.get("/sync/summary", response_model=SyncSummary)
async def sync_summary(session: SessionDep, who: PrincipalDep, label: QueryText | None = None) -> SyncSummary:
    return summarise(await repo.summary(session, who.organisation_id, label, who.scope))


@router.get("/establishments/{store_code}/sync", response_model=list[SyncTargetPublic],
            responses={404: {"model": ErrorResponse}})
async def establishment_sync(store_code: str, session: SessionDep, who: PrincipalDep) -> list[SyncTargetPublic]:
    await _establishment_id(session, who.organisation_id, store_code)
    rows = await repo.page(session, who.organisation_id, store_code=store_code, limit=100)
    return [public_row(t, code) for t, code in rows]


@router.post("/establishments/{store_code}/sync", response_model=list[SyncTargetPublic], status_code=202,
             responses={404: {"model": ErrorResponse}})
async def force_sync(store_code: str, session: SessionDep, who: PrincipalDep,
                     body: SyncRequest | None = None) -> list[SyncTargetPublic]:
    """Push the current record again (to every connected platform, or one)."""
    establishment_id, revision = await _establishment_id(session, who.organisation_id, store_code)
    platforms = await platforms_repo.connected_platforms(session, who.organisation_id)
    if body and body.platform:
        if body.platform not in platforms:
            raise ApiError(404, "not_connected", f"{body.platform!r} is not connected for this organisation",
                           field="platform")
        platforms = [body.platform]
    await outbox.mark_wanted(session, who.organisation_id, [(establishment_id, revision)], platforms, force=True)  # type: ignore[list-item]
    rows = await repo.page(session, who.organisation_id, store_code=store_code, limit=100)
    return [public_row(t, code) for t, code in rows]


@router.post("/establishments/{store_code}/sync/{platform}/done", response_model=SyncTargetPublic,
             responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}})
async def confirm_manual_edit(store_code: str, platform: str, session: SessionDep,
                              who: PrincipalDep) -> SyncTargetPublic:
    """For a manual platform (Tripadvisor): a person made the listed edits; the site is `submitted`.
    For a deleted site whose listing a person had to remove by hand: they did; it is settled."""
    return await actions.mark_done(session, who.organisation_id, store_code, platform)


@router.post("/establishments/{store_code}/sync/{platform}/repair", response_model=SyncTargetPublic,
             responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}})
async def repair_drift(store_code: str, platform: str, session: SessionDep, who: PrincipalDep) -> SyncTargetPublic:
    """A drifted site: send the canonical values to the platform again."""
    return await actions.repair_drift(session, who.organisation_id, store_code, platform)


@router.get("/establishments/{store_code}/sync/{platform}/attempts", response_model=Page[SyncAttemptPublic],
            responses={404: {"model": ErrorResponse}})
async def list_attempts(store_code: str, platform: str, session: SessionDep, who: PrincipalDep,
                        cursor: CursorParam = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Page[SyncAttemptPublic]:
    before = decode_cursor(cursor, PositiveId)  # before any query: a bad cursor is a 400, not a 404
    rows = await repo.page(session, who.organisation_id, store_code=store_code, platform=platform, limit=1)
    if not rows:
        raise ApiError(404, "not_found", f"no sync target for {store_code!r} on {platform!r}")
    found = await repo.attempts(session, rows[0][0].id, before, limit + 1)  # type: ignore[arg-type]
    more = len(found) > limit
    found = found[:limit]
    return Page(items=[SyncAttemptPublic.model_validate(a, from_attributes=True) for a in found],
                next_cursor=encode_cursor(found[-1].id) if more else None)
