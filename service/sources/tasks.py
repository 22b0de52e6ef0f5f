"""Source jobs: the scheduler's pass (arq cron each minute; the embedded runner's loop)."""

from __future__ import annotations

from typing import Any

from arq import cron

from service.settings import Settings
from service.sources import service


async def sources_run_due(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    return await service.run_due(deps.sessionmaker, deps.settings)



def crons(settings: Settings) -> list[Any]:
    return [cron(sources_run_due, second=0, unique=True, keep_result=0, run_at_startup=True)]


async def tick(deps: Any) -> None:
    """Embedded mode: the same pass, from the in-process runner's loop."""
    await service.run_due(deps.sessionmaker, deps.settings)
