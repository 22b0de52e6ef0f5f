"""What a person does about one site on one platform, for the API and the dashboard alike."""

from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.sync import SyncTargetPublic
from service.errors import ApiError
from service.sync import channels, deletion, outbox
from service.sync import repository as repo
from service.sync.service import public_row


async def _target(session: AsyncSession, org_id: int, store_code: str, platform: str):  # noqa: ANN202
    rows = await repo.page(session, org_id, store_code=store_code, platform=platform, limit=1)
    if not rows:
        raise ApiError(404, "not_found", f"no sync target for {store_code!r} on {platform!r}")
    return rows[0]


async def mark_done(session: AsyncSession, org_id: int, store_code: str, platform: str) -> SyncTargetPublic:
    """A manual platform (Tripadvisor): the listed edits are made; the site is `submitted`. A
    deleted site whose listing a person had to remove by hand: they did; it is settled."""
    target, code = await _target(session, org_id, store_code, platform)
    if deletion.confirm_removed(target):
        return public_row(target, code)
    try:
        channels.confirm_manual(target)
    except ValueError as exc:
        raise ApiError(409, "not_manual", str(exc), field="platform") from None
    return public_row(target, code)


async def repair_drift(session: AsyncSession, org_id: int, store_code: str, platform: str) -> SyncTargetPublic:
    """Send the canonical values of the drifted fields again (what the `repair` drift policy
    does by itself). Only a `drifted` target can be repaired."""
    target, code = await _target(session, org_id, store_code, platform)
    if target.status != "drifted":
        raise ApiError(409, "not_drifted", f"{store_code} is {target.status} on {platform}, not drifted",
                       field="platform")
    await outbox.mark_wanted(session, org_id, [(target.establishment_id, target.wanted_revision)], [platform],
                             force=True)
    await session.refresh(target)
    return public_row(target, code)
