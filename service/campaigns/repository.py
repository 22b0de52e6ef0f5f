"""Campaign queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import (Campaign, CampaignSite, EstablishmentLabel, EstablishmentRow, FeedDelivery, Revision,
                            SyncTarget, utcnow)

ACTIVE = ("pending", "in_progress")
CHUNK = 500


async def live_rows(session: AsyncSession, org_id: int, *, store_codes: Sequence[str] | None = None,
                    label: str | None = None) -> dict[str, EstablishmentRow]:
    """The organisation's sites that are not deleted, by store code."""
    query = select(EstablishmentRow).where(EstablishmentRow.organisation_id == org_id,
                                           col(EstablishmentRow.deleted_at).is_(None))
    if label is not None:
        query = query.join(EstablishmentLabel, EstablishmentLabel.establishment_id == EstablishmentRow.id).where(
            EstablishmentLabel.label == label)
    if store_codes is None:
        return {r.store_code: r for r in (await session.exec(query.order_by(EstablishmentRow.store_code))).all()}
    found: dict[str, EstablishmentRow] = {}
    codes = list(dict.fromkeys(store_codes))
    for start in range(0, len(codes), CHUNK):
        chunk = query.where(col(EstablishmentRow.store_code).in_(codes[start : start + CHUNK]))
        found.update({r.store_code: r for r in (await session.exec(chunk)).all()})
    return found


async def rows_by_id(session: AsyncSession, ids: Sequence[int], *, for_update: bool = False) -> dict[int, EstablishmentRow]:
    found: dict[int, EstablishmentRow] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(EstablishmentRow).where(col(EstablishmentRow.id).in_(ids[start : start + CHUNK]))
        if for_update:
            query = query.with_for_update()
        found.update({r.id: r for r in (await session.exec(query)).all()})  # type: ignore[misc]
    return found


async def insert_sites(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(CampaignSite), rows[start : start + CHUNK])


async def get(session: AsyncSession, org_id: int, campaign_id: str, *, for_update: bool = False) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id, Campaign.organisation_id == org_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def page(session: AsyncSession, org_id: int, *, before: tuple[datetime, str] | None, limit: int) -> list[Campaign]:
    query = select(Campaign).where(Campaign.organisation_id == org_id)
    if before is not None:
        created, ident = before
        query = query.where(or_(col(Campaign.created_at) < created,
                                (col(Campaign.created_at) == created) & (col(Campaign.id) < ident)))
    query = query.order_by(col(Campaign.created_at).desc(), col(Campaign.id).desc()).limit(limit)
    return list((await session.exec(query)).all())


async def sites(session: AsyncSession, campaign_id: str, *, outcome: str | None = None, after: str | None = None,
                limit: int | None = None) -> list[CampaignSite]:
    query = select(CampaignSite).where(CampaignSite.campaign_id == campaign_id)
    if outcome is not None:
        query = query.where(CampaignSite.outcome == outcome)
    if after is not None:
        query = query.where(CampaignSite.store_code > after)
    query = query.order_by(CampaignSite.store_code)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


async def update_sites(session: AsyncSession, campaign_id: str, rows: list[dict[str, Any]]) -> None:
    """`rows`: {"establishment_id", "outcome", "revision", "detail"} each."""
    for row in rows:
        await session.execute(update(CampaignSite).where(
            CampaignSite.campaign_id == campaign_id, CampaignSite.establishment_id == row["establishment_id"]
        ).values(outcome=row["outcome"], revision=row.get("revision"), detail=row.get("detail")))


async def outcome_counts(session: AsyncSession, campaign_id: str) -> dict[str, int]:
    query = select(CampaignSite.outcome, func.count()).where(CampaignSite.campaign_id == campaign_id).group_by(
        CampaignSite.outcome)
    return {outcome: count for outcome, count in (await session.exec(query)).all()}


async def claim(session: AsyncSession, campaign_id: str, now: datetime, stale_before: datetime) -> bool:
    """Move a due campaign (or one whose applier died) to `applying`, in one UPDATE: of two
    appliers, one wins."""
    result = await session.execute(update(Campaign).where(Campaign.id == campaign_id, or_(
        (col(Campaign.state) == "scheduled") & (col(Campaign.apply_at) <= now),
        (col(Campaign.state) == "applying") & (col(Campaign.started_at) < stale_before),
    )).values(state="applying", started_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def heartbeat(session: AsyncSession, campaign_id: str) -> None:
    await session.execute(update(Campaign).where(Campaign.id == campaign_id).values(started_at=utcnow()))


async def due(session: AsyncSession, now: datetime, stale_before: datetime) -> list[tuple[int, str]]:
    """(organisation, campaign) pairs to apply now: scheduled ones whose time has come, and
    applying ones whose applier stopped beating (a crash mid-apply)."""
    query = select(Campaign.organisation_id, Campaign.id).where(or_(
        (col(Campaign.state) == "scheduled") & (col(Campaign.apply_at) <= now),
        (col(Campaign.state) == "applying") & (col(Campaign.started_at) < stale_before),
    )).order_by(Campaign.apply_at)
    return [(org, ident) for org, ident in (await session.exec(query)).all()]


async def transitions_of(session: AsyncSession, parent_id: str) -> list[Campaign]:
    query = select(Campaign).where(Campaign.parent_id == parent_id, Campaign.kind == "transition_end")
    return list((await session.exec(query)).all())


async def queued(session: AsyncSession, org_id: int) -> dict[str, int]:
    """Targets of the organisation still waiting, per platform."""
    query = select(SyncTarget.platform, func.count()).where(
        SyncTarget.organisation_id == org_id, col(SyncTarget.status).in_(ACTIVE)).group_by(SyncTarget.platform)
    return {platform: count for platform, count in (await session.exec(query)).all()}


async def target_states(session: AsyncSession, campaign_id: str) -> list[tuple[str, str, int, int, str, str | None, dict[str, Any]]]:
    """(platform, status, pushed_revision, campaign revision, store code, last_error, detail) for
    every applied site of the campaign on every platform it is connected to."""
    query = (select(SyncTarget.platform, SyncTarget.status, SyncTarget.pushed_revision, CampaignSite.revision,
                    CampaignSite.store_code, SyncTarget.last_error, SyncTarget.detail)
             .join(CampaignSite, CampaignSite.establishment_id == SyncTarget.establishment_id)
             .where(CampaignSite.campaign_id == campaign_id, CampaignSite.outcome == "applied"))
    return [tuple(r) for r in (await session.exec(query)).all()]  # type: ignore[misc]


async def site_targets(session: AsyncSession, campaign_id: str, store_codes: Sequence[str]) -> list[SyncTarget]:
    query = (select(SyncTarget).join(CampaignSite, CampaignSite.establishment_id == SyncTarget.establishment_id)
             .where(CampaignSite.campaign_id == campaign_id, col(CampaignSite.store_code).in_(list(store_codes))))
    return list((await session.exec(query)).all())


async def changed_since(session: AsyncSession, establishment_id: int, revision: int) -> list[Revision]:
    query = select(Revision).where(Revision.establishment_id == establishment_id, Revision.number > revision
                                   ).order_by(Revision.number)
    return list((await session.exec(query)).all())


async def last_deliveries(session: AsyncSession, org_id: int) -> dict[str, datetime]:
    """When each feed partner last received a file from the organisation."""
    query = select(FeedDelivery.platform, func.max(FeedDelivery.created_at)).where(
        FeedDelivery.organisation_id == org_id, FeedDelivery.outcome == "delivered").group_by(FeedDelivery.platform)
    return {platform: when for platform, when in (await session.exec(query)).all()}
