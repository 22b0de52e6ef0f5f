"""Campaigns: one bulk change over many sites, planned, scheduled, applied, watched, undone.

A campaign is created from a request (a phone mapping or rule, a holiday closure…). The
planner computes each site's `before`/`after`; any invalid line rejects the campaign whole.
The sites are stored with the revision the plan was made against. Applying writes the new
revisions through the one establishments write path, in batches of `BATCH` sites, each batch
one transaction, so the outbox marks every platform in the same transaction. A site whose
revision moved since the plan is a conflict: reported with what changed, never overwritten.
Applying is resumable: only sites still `planned` are taken, and an applier that dies stops
beating its lease, so the scheduler resumes the campaign.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import Channel
from connectors.registry import CONNECTORS, render
from schemas import Establishment
from schemas.campaigns import (CampaignPlanResponse, CampaignProgress, CampaignPublic, HolidayClosureRequest,
                               PhoneMigrationRequest, PlatformPlan, PlatformProgress, PlatformSend, SitePlan)
from service import events
from service.campaigns import planner
from service.campaigns import repository as repo
from service.campaigns.eta import Eta, estimate
from service.db import after_commit, unit_of_work
from service.errors import ApiError, ErrorDetail, NotFound
from service.establishments import service as establishments
from service.establishments.service import Source
from service import jobs
from service.models import Campaign, CampaignSite, EstablishmentRow, utcnow
from service.platforms import repository as platforms_repo
from service.settings import Settings
from service.sync.engine import changed_keys

log = logging.getLogger("vitrine.campaigns")
BATCH = 100
LEASE = timedelta(seconds=120)  # an applier that has not beaten for this long is presumed dead
DONE = ("live", "submitted")
SENDS_LIMIT = 2000  # sites whose per-platform payload a dry run lists in full
Sessionmaker = async_sessionmaker[AsyncSession]


def public(campaign: Campaign) -> CampaignPublic:
    return CampaignPublic.model_validate({**campaign.model_dump(), "name": campaign.summary.get("name")})


# ---------------------------------------------------------------------------------- create


APPLY_AT_GRACE = timedelta(minutes=1)  # clocks differ: a time this little past means "now"


def check_apply_at(apply_at: datetime | None) -> datetime | None:
    """A cut-over time, checked before anything is written: with a time zone, and not in the
    past (a minute's grace for clocks; then it is applied at once, like "now")."""
    if apply_at is None:
        return None
    if apply_at.tzinfo is None:
        raise ApiError(422, "validation_error", "apply_at needs a time zone, e.g. 2026-12-01T06:00:00+01:00",
                       field="apply_at")
    if apply_at < utcnow() - APPLY_AT_GRACE:
        raise ApiError(422, "apply_at_in_past", f"apply_at {apply_at.isoformat()} is in the past: give a future "
                       "time, or leave it empty to apply now", field="apply_at")
    return apply_at


async def phone_migration(sessionmaker: Sessionmaker, settings: Settings, org_id: int,
                          request: PhoneMigrationRequest, *, where: Sequence[str] | None = None,
                          source_ref: str | None = None) -> CampaignPlanResponse:
    """`where[i]` names mapping line i in errors ("row 7" when it came from a workbook)."""
    check_apply_at(request.apply_at)
    async with unit_of_work(sessionmaker) as session:
        selection = request.sites
        rows = await repo.live_rows(session, org_id, store_codes=selection.store_codes if selection else None,
                                    label=selection.label if selection else None)
        plan = planner.phone_migration(rows, request, where)
        _reject_if_invalid(plan, "phone migration")
        # the new primary number is the change; an old one kept as additional is a courtesy that
        # platforms taking one number (HERE, TomTom, Yelp) skip, and says so in their status
        response = await _create(session, settings, org_id, "phone_migration", request, plan, "phones.primary",
                                 source_ref=source_ref, transition_ends_at=request.keep_old_until)
    return await _finish(sessionmaker, org_id, response, not request.dry_run and request.apply_at is None)


async def holiday_closure(sessionmaker: Sessionmaker, settings: Settings, org_id: int,
                          request: HolidayClosureRequest, *, source_ref: str | None = None) -> CampaignPlanResponse:
    check_apply_at(request.apply_at)
    async with unit_of_work(sessionmaker) as session:
        selection = request.sites
        rows = await repo.live_rows(session, org_id, store_codes=selection.store_codes if selection else None,
                                    label=selection.label if selection else None)
        if selection and selection.store_codes:
            unknown = sorted(set(selection.store_codes) - rows.keys())
            if unknown:
                raise ApiError(422, "invalid_campaign", f"{len(unknown)} unknown store code(s): nothing was planned",
                               field="sites.store_codes",
                               errors=[ErrorDetail(field="sites.store_codes", message=f"unknown store code {c!r}",
                                                           code="unknown_store_code") for c in unknown])
        plan = planner.holiday_closure(rows.values(), request)
        _reject_if_invalid(plan, "holiday closure")
        response = await _create(session, settings, org_id, "holiday_closure", request, plan, "hours.special",
                                 source_ref=source_ref)
    return await _finish(sessionmaker, org_id, response, not request.dry_run and request.apply_at is None)


async def rollback(sessionmaker: Sessionmaker, settings: Settings, org_id: int, campaign_id: str, *,
                   dry_run: bool = False, apply_at: datetime | None = None,
                   source_ref: str | None = None) -> CampaignPlanResponse:
    """A new campaign putting back what `campaign_id` replaced, on every site that still holds
    what it wrote; the others are conflicts."""
    check_apply_at(apply_at)
    async with unit_of_work(sessionmaker) as session:
        parent = await _get(session, org_id, campaign_id)
        if parent.state != "applied":
            raise ApiError(409, "not_applied", f"campaign {campaign_id} is {parent.state}: only an applied "
                           "campaign can be rolled back" + (" (cancel it instead)" if parent.state in
                                                             ("draft", "scheduled") else ""))
        written = {s.establishment_id: s for s in await repo.sites(session, parent.id, outcome="applied")}
        expected = {i: s.after for i, s in written.items()}
        for child in await repo.transitions_of(session, parent.id):
            if child.state == "applied":  # the transition already dropped the old numbers
                for site in await repo.sites(session, child.id, outcome="applied"):
                    expected[site.establishment_id] = site.after
            elif child.state in ("draft", "scheduled"):
                child.state = "cancelled"  # nothing left to end once the numbers go back
        rows = await repo.rows_by_id(session, list(written))
        plan = planner.reverse((rows[i], expected[i], written[i].before) for i in written
                               if i in rows and rows[i].deleted_at is None)
        request = {"rollback_of": parent.id, "dry_run": dry_run,
                   "apply_at": apply_at.isoformat() if apply_at else None}
        if not plan.changes:
            raise ApiError(409, "nothing_to_roll_back", f"no site of campaign {campaign_id} still holds what it "
                           f"wrote ({len(plan.conflicts)} changed since): nothing to roll back")
        response = await _create(session, settings, org_id, "rollback", request, plan,
                                 parent.summary.get("capability", "phones.primary"), parent_id=parent.id,
                                 dry_run=dry_run, apply_at=apply_at, source_ref=source_ref,
                                 name=f"rollback of {parent.summary.get('name') or parent.id}")
    return await _finish(sessionmaker, org_id, response, not dry_run and apply_at is None)


def _reject_if_invalid(plan: planner.Plan, what: str) -> None:
    if plan.errors:
        raise ApiError(422, "invalid_campaign", f"{len(plan.errors)} error(s) in the {what}: nothing was planned "
                       "or changed; fix every line listed and send it again", field=plan.errors[0].field,
                       errors=plan.errors)
    if not plan.changes:
        raise ApiError(422, "nothing_to_change", f"the {what} changes nothing: {len(plan.unchanged)} selected "
                       "site(s) already have it")


async def _create(session: AsyncSession, settings: Settings, org_id: int, kind: str, request: Any,
                  plan: planner.Plan, capability: str, *, parent_id: str | None = None,
                  dry_run: bool | None = None, apply_at: datetime | None = None,
                  transition_ends_at: datetime | None = None, source_ref: str | None = None,
                  name: str | None = None) -> CampaignPlanResponse:
    body = request if isinstance(request, dict) else request.model_dump(mode="json", exclude_none=True)
    dry_run = body.get("dry_run", False) if dry_run is None else dry_run
    apply_at = apply_at or getattr(request, "apply_at", None)
    now = utcnow()
    state = "draft" if dry_run else "scheduled"
    campaign = Campaign(
        id=str(uuid.uuid4()), organisation_id=org_id, kind=kind, state=state, request=body, parent_id=parent_id,
        apply_at=None if dry_run else (apply_at or now), transition_ends_at=transition_ends_at, created_at=now,
        summary={"name": name or body.get("name"), "capability": capability, "sites": len(plan.changes),
                 "unchanged": len(plan.unchanged), "conflicts": len(plan.conflicts), "source_ref": source_ref},
    )
    session.add(campaign)
    await session.flush()
    await repo.insert_sites(session, [
        *({"campaign_id": campaign.id, "establishment_id": c.row.id, "store_code": c.row.store_code,
           "before": c.before, "after": c.after, "base_revision": c.row.revision, "outcome": "planned"}
          for c in plan.changes),
        *({"campaign_id": campaign.id, "establishment_id": row.id, "store_code": row.store_code,
           "before": current, "after": current, "base_revision": row.revision, "outcome": "conflict",
           "detail": why} for row, current, why in plan.conflicts),
    ])
    platforms = await _platform_plans(session, settings, org_id, plan.changes, capability,
                                      start=campaign.apply_at or now, with_sends=bool(dry_run))
    campaign.summary = {**campaign.summary, "eta": {p.platform: _iso(p.done_by) for p in platforms}}
    if not dry_run and apply_at is not None:
        _schedule_after_commit(session, campaign)
    sites = [SitePlan(store_code=c.row.store_code, before=c.before, after=c.after, base_revision=c.row.revision,
                      outcome="planned") for c in plan.changes]
    sites += [SitePlan(store_code=row.store_code, before=current, after=current, base_revision=row.revision,
                       outcome="conflict", detail=why) for row, current, why in plan.conflicts]
    log.info("campaign.created id=%s kind=%s state=%s sites=%d conflicts=%d", campaign.id, kind, state,
             len(plan.changes), len(plan.conflicts))
    return CampaignPlanResponse(**public(campaign).model_dump(), sites=sites, platforms=platforms)


async def _finish(sessionmaker: Sessionmaker, org_id: int, response: CampaignPlanResponse,
                  immediate: bool) -> CampaignPlanResponse:
    """A campaign with neither dry_run nor apply_at is applied before the call returns."""
    if not immediate:
        return response
    campaign = await apply(sessionmaker, org_id, response.id)
    if campaign is None:  # the reconciler claimed it first: it is being applied
        return response
    async with unit_of_work(sessionmaker) as session:
        written = {s.store_code: s for s in await repo.sites(session, campaign.id)}
    sites = [site.model_copy(update={"outcome": written[site.store_code].outcome,
                                     "revision": written[site.store_code].revision,
                                     "detail": written[site.store_code].detail}) for site in response.sites]
    return response.model_copy(update={**public(campaign).model_dump(), "sites": sites})


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _schedule_after_commit(session: AsyncSession, campaign: Campaign) -> None:
    when = campaign.apply_at or utcnow()
    after_commit(session, lambda: jobs.defer("campaign_apply", campaign.organisation_id, campaign.id,
                                             job_id=f"campaign:{campaign.id}", when=when))


async def _platform_plans(session: AsyncSession, settings: Settings, org_id: int,
                          changes: Sequence[planner.SiteChange], capability: str, *, start: datetime,
                          with_sends: bool) -> list[PlatformPlan]:
    platforms = await platforms_repo.connected_platforms(session, org_id)
    queued = await repo.queued(session, org_id)
    delivered = await repo.last_deliveries(session, org_id)
    etas: dict[str, Eta] = {}
    plans: dict[str, PlatformPlan] = {}
    for platform in sorted(platforms, key=lambda p: CONNECTORS[p].info.channel == Channel.derived):
        info = CONNECTORS[platform].info
        reachable, note = _reachable(platform, capability, changes[0] if changes else None, etas)
        eta = estimate(settings, platform, len(changes), queued.get(platform, 0), start, etas,
                       delivered.get(platform))
        etas[platform] = eta
        plans[platform] = PlatformPlan(  # a platform that cannot take the change is sent nothing
            platform=platform, channel=info.channel.value, sites=len(changes),
            requests=eta.requests if reachable else 0, queued_ahead=queued.get(platform, 0), quota=eta.quota,
            sent_by=eta.sent_by if reachable else None, done_by=eta.done_by if reachable else None,
            done_state=eta.done_state, reachable=reachable, note=(eta.note if reachable else note) or None,
            sends=_sends(platform, changes[:SENDS_LIMIT]) if with_sends and info.channel != Channel.derived else [],
        )
    return [plans[p] for p in platforms]


def _record(row: EstablishmentRow, fields: dict[str, Any]) -> Establishment:
    return Establishment.model_validate({"store_code": row.store_code, **row.data, **fields})


def _sends(platform: str, changes: Sequence[planner.SiteChange]) -> list[PlatformSend]:
    """Per site, the platform fields the change alters, with what will be sent."""
    sends = []
    for change in changes:
        before = render(platform, _record(change.row, change.before)).payload
        after = render(platform, _record(change.row, change.after)).payload
        keys = changed_keys(before, after)
        sends.append(PlatformSend(store_code=change.row.store_code, fields={k: after.get(k) for k in keys}))
    return sends


def _reachable(platform: str, capability: str, sample: planner.SiteChange | None,
               others: dict[str, Eta]) -> tuple[bool, str | None]:
    info = CONNECTORS[platform].info
    if info.channel == Channel.manual:
        return False, "no write API: a person makes the listed edits on the owner portal, then confirms them"
    if info.channel == Channel.derived:
        followed = others.get(info.follows or "")
        return (followed is not None and followed.done_by is not None), None
    if capability in info.capabilities:
        return True, None
    reason = None
    if sample is not None:
        reason = render(platform, _record(sample.row, sample.after)).unsupported.get(capability)
    return False, f"{info.name} does not take {capability}" + (f": {reason}" if reason else "")


# ---------------------------------------------------------------------------------- apply


async def apply(sessionmaker: Sessionmaker, org_id: int, campaign_id: str) -> Campaign | None:
    """Apply a due campaign now (or resume a stalled one); None if another applier holds it or
    it is not due. The claim is one UPDATE, so two appliers never both win."""
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        if not await repo.claim(session, campaign_id, now, now - LEASE):
            return None
        campaign = await _get(session, org_id, campaign_id)
        if campaign.kind == "transition_end" and not await repo.sites(session, campaign.id, limit=1):
            await _plan_transition(session, campaign)
    log.info("campaign.apply.start id=%s kind=%s", campaign_id, campaign.kind)
    while await _apply_batch(sessionmaker, org_id, campaign_id):
        pass
    async with unit_of_work(sessionmaker) as session:
        campaign = await _get(session, org_id, campaign_id, for_update=True)
        counts = await repo.outcome_counts(session, campaign_id)
        campaign.state, campaign.applied_at = "applied", utcnow()
        campaign.summary = {**campaign.summary, "outcomes": counts}
        await events.record(session, org_id, "campaign.completed", {
            "campaign_id": campaign.id, "kind": campaign.kind, "name": campaign.summary.get("name"), "outcomes": counts})
        if campaign.kind == "phone_migration" and campaign.transition_ends_at is not None:
            child = Campaign(id=str(uuid.uuid4()), organisation_id=org_id, kind="transition_end", state="scheduled",
                             request={"transition_of": campaign.id}, parent_id=campaign.id,
                             apply_at=campaign.transition_ends_at,
                             summary={"name": f"end of the transition of {campaign.summary.get('name') or campaign.id}",
                                      "capability": "phones.additional"})
            session.add(child)
            _schedule_after_commit(session, child)
    log.info("campaign.apply.done id=%s outcomes=%s", campaign_id, counts)
    return campaign


async def _plan_transition(session: AsyncSession, campaign: Campaign) -> None:
    """At the end of a transition, drop the old numbers the parent campaign kept."""
    parent_sites = await repo.sites(session, campaign.parent_id or "", outcome="applied")
    rows = await repo.rows_by_id(session, [s.establishment_id for s in parent_sites])
    olds = []
    for site in parent_sites:
        row = rows.get(site.establishment_id)
        before, after = site.before.get("phones", {}), site.after.get("phones", {})
        old = [n for n in (before.get("primary"), *before.get("additional", [])) if n and n != after.get("primary")
               and n in after.get("additional", [])]
        if row is not None and row.deleted_at is None and old:
            olds.append((row, old))
    plan = planner.transition_end(olds)
    await repo.insert_sites(session, [
        {"campaign_id": campaign.id, "establishment_id": c.row.id, "store_code": c.row.store_code,
         "before": c.before, "after": c.after, "base_revision": c.row.revision, "outcome": "planned"}
        for c in plan.changes])
    campaign.summary = {**campaign.summary, "sites": len(plan.changes), "unchanged": len(plan.unchanged)}


async def _apply_batch(sessionmaker: Sessionmaker, org_id: int, campaign_id: str) -> bool:
    """One transaction: up to BATCH planned sites written (or marked conflicting). False when
    none was left."""
    async with unit_of_work(sessionmaker) as session:
        batch = await repo.sites(session, campaign_id, outcome="planned", limit=BATCH)
        if not batch:
            return False
        rows = await repo.rows_by_id(session, [s.establishment_id for s in batch], for_update=True)
        updates: list[dict[str, Any]] = []
        ready: list[tuple[CampaignSite, EstablishmentRow, Establishment]] = []
        for site in batch:
            row = rows.get(site.establishment_id)
            if row is None or row.deleted_at is not None:
                updates.append({"establishment_id": site.establishment_id, "outcome": "conflict",
                                "detail": "deleted since the campaign was planned"})
            elif row.revision != site.base_revision:
                updates.append({"establishment_id": site.establishment_id, "outcome": "conflict",
                                "detail": await _conflict(session, row, site.base_revision)})
            else:
                try:
                    ready.append((site, row, _record(row, site.after)))
                except ValidationError as exc:
                    updates.append({"establishment_id": site.establishment_id, "outcome": "invalid",
                                    "detail": str(exc).splitlines()[0]})
        outcomes = establishments.plan([r for _, _, r in ready], {row.store_code: row for _, row, _ in ready})
        await establishments.apply(session, org_id, outcomes, Source("campaign", campaign_id))
        for (site, _, _), outcome in zip(ready, outcomes):
            updates.append({"establishment_id": site.establishment_id, "revision": outcome.revision,
                            "outcome": "applied" if outcome.action != "unchanged" else "unchanged"})
        await repo.update_sites(session, campaign_id, updates)
        await repo.heartbeat(session, campaign_id)
        return True


async def _conflict(session: AsyncSession, row: EstablishmentRow, base: int) -> str:
    revisions = await repo.changed_since(session, row.id, base)  # type: ignore[arg-type]
    fields = sorted({c.get("field", "?") for r in revisions for c in r.changes})
    sources = sorted({r.source + (f" ({r.source_ref})" if r.source_ref else "") for r in revisions})
    return (f"changed since the plan (revision {base} → {row.revision}) by {', '.join(sources) or 'another write'}: "
            f"{', '.join(fields) or 'deleted or restored'}; not overwritten — plan it again to include it")


async def due(session: AsyncSession) -> list[tuple[int, str]]:
    """Campaigns whose time has come, and stalled ones: the reconciler's safety net behind
    the job scheduled for the exact time."""
    now = utcnow()
    return await repo.due(session, now, now - LEASE)


async def apply_when_due(sessionmaker: Sessionmaker, org_id: int, campaign_id: str) -> Campaign | None:
    """The scheduled job: a timer that fires a little early (clocks differ between hosts) waits
    for the exact time rather than letting the cut-over start before it."""
    async with unit_of_work(sessionmaker) as session:
        campaign = await repo.get(session, org_id, campaign_id)
    if campaign is None or campaign.state not in ("scheduled", "applying"):
        return None
    if campaign.state == "scheduled" and campaign.apply_at is not None:
        early = (campaign.apply_at - utcnow()).total_seconds()
        if early > 0:
            await asyncio.sleep(early)
    return await apply(sessionmaker, org_id, campaign_id)


async def schedule(sessionmaker: Sessionmaker, org_id: int, campaign_id: str, apply_at: datetime | None) -> Campaign:
    """Apply a draft (a dry run) now or at `apply_at`."""
    check_apply_at(apply_at)
    async with unit_of_work(sessionmaker) as session:
        campaign = await _get(session, org_id, campaign_id, for_update=True)
        if campaign.state not in ("draft", "scheduled"):
            raise ApiError(409, "not_schedulable", f"campaign {campaign_id} is {campaign.state}: only a draft or a "
                           "scheduled campaign can be applied")
        if apply_at is not None and apply_at.tzinfo is None:
            raise ApiError(422, "validation_error", "apply_at needs a time zone", field="apply_at")
        campaign.state, campaign.apply_at = "scheduled", apply_at or utcnow()
        if apply_at is not None:
            _schedule_after_commit(session, campaign)
    if apply_at is None:
        return await apply(sessionmaker, org_id, campaign_id) or campaign
    return campaign


async def cancel(sessionmaker: Sessionmaker, org_id: int, campaign_id: str) -> Campaign:
    async with unit_of_work(sessionmaker) as session:
        campaign = await _get(session, org_id, campaign_id, for_update=True)
        if campaign.state not in ("draft", "scheduled"):
            raise ApiError(409, "not_cancellable", f"campaign {campaign_id} is {campaign.state}: roll it back instead"
                           if campaign.state == "applied" else f"campaign {campaign_id} is {campaign.state}")
        campaign.state = "cancelled"
    return campaign


async def _get(session: AsyncSession, org_id: int, campaign_id: str, *, for_update: bool = False) -> Campaign:
    campaign = await repo.get(session, org_id, campaign_id, for_update=for_update)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return campaign


# ---------------------------------------------------------------------------------- watch


async def progress(session: AsyncSession, settings: Settings, org_id: int, campaign_id: str,
                   failures_limit: int = 50) -> CampaignProgress:
    """Per platform: counts per status, done (live or submitted at the campaign's revision or
    later), percent, ETA for what is left, failures with their reasons."""
    campaign = await _get(session, org_id, campaign_id)
    capability = campaign.summary.get("capability", "phones.primary")
    states = await repo.target_states(session, campaign_id)
    queued = await repo.queued(session, org_id)
    delivered = await repo.last_deliveries(session, org_id)
    by_platform: dict[str, list[Any]] = defaultdict(list)
    for state in states:
        by_platform[state[0]].append(state)
    platforms: list[PlatformProgress] = []
    etas: dict[str, Eta] = {}
    total_done = total_reachable = 0
    now = utcnow()
    ordered = sorted(by_platform, key=lambda p: (CONNECTORS[p].info.channel == Channel.derived, p))
    for platform in ordered:
        rows = by_platform[platform]
        counts = Counter(status for _, status, *_ in rows)
        done = sum(1 for _, status, pushed, wanted, *_ in rows if status in DONE and pushed >= (wanted or 0))
        left = len(rows) - done
        reachable, note = _reachable(platform, capability, None, etas)
        if not reachable and note is None:
            note = f"follows {CONNECTORS[platform].info.follows}, which does not take this change"
        reasons = sorted({(detail or {}).get("unsupported", {}).get(capability) for *_, detail in rows} - {None})
        if reasons and not reachable and note and ": " not in note:
            note = f"{note}: {reasons[0]}"
        eta = estimate(settings, platform, left, max(0, queued.get(platform, 0) - left), now, etas,
                       delivered.get(platform))
        etas[platform] = eta if left else Eta(0, eta.quota, now, now, eta.done_state)
        failures = [{"store_code": code, "status": status, "reason": error}
                    for _, status, _, _, code, error, _ in rows if status in ("failed", "action_required")]
        platforms.append(PlatformProgress(
            platform=platform, channel=CONNECTORS[platform].info.channel.value, reachable=reachable, total=len(rows),
            done=done, percent=round(100.0 * done / len(rows), 1) if rows else 100.0, counts=dict(counts),
            eta=(eta.done_by if left else None) if reachable else None, note=note,
            failures=failures[:failures_limit]))
        if reachable:
            total_done += done
            total_reachable += len(rows)
    percent = round(100.0 * total_done / total_reachable, 1) if total_reachable else (
        100.0 if campaign.state == "applied" else 0.0)
    return CampaignProgress(**public(campaign).model_dump(), percent=percent, platforms=platforms)


async def site_rows(session: AsyncSession, org_id: int, campaign_id: str, *, after: str | None,
                    limit: int) -> tuple[list[CampaignSite], dict[str, dict[str, dict[str, Any]]]]:
    """A page of the campaign's sites, with each site's status per platform."""
    await _get(session, org_id, campaign_id)
    sites = await repo.sites(session, campaign_id, after=after, limit=limit)
    targets = await repo.site_targets(session, campaign_id, [s.store_code for s in sites])
    by_site: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for t in targets:
        by_site[t.establishment_id][t.platform] = {
            "status": t.status, "pushed_revision": t.pushed_revision, "expected_by": _iso(t.expected_by),
            "live_url": t.live_url, "error": t.last_error}
    return sites, {s.store_code: by_site.get(s.establishment_id, {}) for s in sites}


async def all_site_rows(session: AsyncSession, org_id: int, campaign_id: str
                        ) -> tuple[Campaign, list[CampaignSite], dict[str, dict[str, dict[str, Any]]]]:
    campaign = await _get(session, org_id, campaign_id)
    sites: list[CampaignSite] = []
    statuses: dict[str, dict[str, dict[str, Any]]] = {}
    after = None
    while True:
        page, by_site = await site_rows(session, org_id, campaign_id, after=after, limit=500)
        sites += page
        statuses.update(by_site)
        if len(page) < 500:
            return campaign, sites, statuses
        after = page[-1].store_code


async def list_page(session: AsyncSession, org_id: int, before: tuple[datetime, str] | None, limit: int) -> list[Campaign]:
    return await repo.page(session, org_id, before=before, limit=limit)


async def report(session: AsyncSession, settings: Settings, org_id: int, campaign_id: str) -> bytes:
    from service.campaigns.report import build_report

    summary = await progress(session, settings, org_id, campaign_id)
    _, sites, statuses = await all_site_rows(session, org_id, campaign_id)
    rows = await repo.rows_by_id(session, [s.establishment_id for s in sites])
    names = {row.store_code: row.name for row in rows.values()}
    return build_report(summary, sites, names, statuses)
