"""E-mail jobs: the grouped immediate e-mails (each minute) and the weekly digest."""

from __future__ import annotations

from typing import Any

from arq import cron

from service.models import utcnow
from service.notifications import service
from service.settings import Settings


async def notifications_flush(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    return await service.flush(deps.sessionmaker, deps.settings)


async def notifications_digest(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    return await service.send_digests(deps.sessionmaker, deps.settings)



def crons(settings: Settings) -> list[Any]:
    return [cron(notifications_flush, second=30, unique=True, keep_result=0),
            cron(notifications_digest, weekday=settings.digest_weekday, hour=settings.digest_hour, minute=0,
                 second=0, unique=True, keep_result=0)]


_last_digest: tuple[int, int] | None = None  # embedded mode: the ISO week last sent in this process


async def tick(deps: Any) -> None:
    global _last_digest
    await service.flush(deps.sessionmaker, deps.settings)
    now, settings = utcnow(), deps.settings
    week = now.isocalendar()[:2]
    if now.weekday() == settings.digest_weekday and now.hour == settings.digest_hour and _last_digest != week:
        _last_digest = week
        await service.send_digests(deps.sessionmaker, settings, now)
