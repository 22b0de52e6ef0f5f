"""Source jobs: the scheduler's pass every `source_poll_seconds` (arq cron; the in-process runner
when embedded)."""

from __future__ import annotations

from typing import Any

from service import jobs
from service.sources import service


async def sources_run_due(ctx: dict[str, Any]) -> int:
    deps = ctx["deps"]
    return await service.run_due(deps.sessionmaker, deps.settings)


TASKS = jobs.Tasks(crons=(jobs.Cron(sources_run_due, every=lambda s: s.source_poll_seconds),))
