"""E-mail jobs: the grouped immediate e-mails (each minute) and the weekly digest (an hourly
check that sends in the configured weekday and hour, once per ISO week in a process)."""

from __future__ import annotations

from typing import Any

from service import jobs
from service.models import utcnow
from service.notifications import service


async def notifications_flush(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    return await service.flush(deps.sessionmaker, deps.settings)


_last_digest: tuple[int, int] | None = None


async def notifications_digest(ctx: dict[str, Any]) -> int:
    global _last_digest
    deps, now = ctx["deps"], utcnow()
    week = now.isocalendar()[:2]
    if now.weekday() != deps.settings.digest_weekday or now.hour != deps.settings.digest_hour or _last_digest == week:
        return 0
    _last_digest = week
    return await service.send_digests(deps.sessionmaker, deps.settings, now)


TASKS = jobs.Tasks(crons=(jobs.Cron(notifications_flush, every=lambda s: 60.0),
                          jobs.Cron(notifications_digest, every=lambda s: 3600.0)))
