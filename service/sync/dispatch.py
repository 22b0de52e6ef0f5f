"""Where committed sync work goes.

The process installs one dispatcher at start-up: the arq queue (`VITRINE_REDIS_URL` set) or the
in-process runner (embedded mode). A process with none installed (a one-off CLI import) just
leaves its targets `pending`: the outbox rows are the truth, and the reconciler of whichever
worker runs next enqueues them. Nothing is lost either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    async def enqueue(self, jobs: Sequence[tuple[int, str]]) -> None:
        """Schedule a push for each (establishment_id, platform)."""

    async def schedule_campaign(self, organisation_id: int, campaign_id: str, when: datetime) -> None:
        """Apply a scheduled campaign at `when` (the reconciler is the safety net)."""


_current: Dispatcher | None = None


def install(dispatcher: Dispatcher | None) -> None:
    global _current
    _current = dispatcher


def current() -> Dispatcher | None:
    return _current


async def enqueue(jobs: Sequence[tuple[int, str]]) -> None:
    if _current is None:
        log.debug("sync.enqueue.deferred count=%d (no dispatcher: the reconciler will pick them up)", len(jobs))
        return
    await _current.enqueue(jobs)


async def schedule_campaign(organisation_id: int, campaign_id: str, when: datetime) -> None:
    if _current is None:
        log.debug("campaign.schedule.deferred id=%s (no dispatcher: the reconciler will apply it)", campaign_id)
        return
    await _current.schedule_campaign(organisation_id, campaign_id, when)
