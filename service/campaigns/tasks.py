"""Jobs of the campaigns domain: apply a scheduled campaign at its time, and the sweep that
applies any campaign whose time has come but whose job was lost (Redis emptied, no dispatcher
when it was scheduled)."""

from __future__ import annotations

from typing import Any

from service import jobs
from service.campaigns import service
from service.db import unit_of_work
from service.models import utcnow


async def campaign_apply(ctx: dict[str, Any], organisation_id: int, campaign_id: str) -> None:
    await service.apply_when_due(ctx["deps"].sessionmaker, organisation_id, campaign_id)


async def campaign_sweep(ctx: dict[str, Any]) -> int:
    async with unit_of_work(ctx["deps"].sessionmaker) as session:
        due = await service.due(session)
    for organisation_id, campaign_id in due:
        await ctx["dispatcher"].defer("campaign_apply", (organisation_id, campaign_id),
                                      job_id=f"campaign:{campaign_id}", when=utcnow())
    return len(due)


# An apply cut short resumes from its last committed batch, so a few tries are enough.
TASKS = jobs.Tasks(jobs=(jobs.Job(campaign_apply, max_tries=3),),
                   crons=(jobs.Cron(campaign_sweep, every=lambda s: s.reconcile_seconds),))
