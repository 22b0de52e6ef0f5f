"""Where committed sync work goes.

The process installs one dispatcher at start-up (`service.jobs.install`): the arq queue
(`VITRINE_REDIS_URL` set) or the in-process runner (embedded mode). A process with none installed
(a one-off CLI import) just leaves its targets `pending`: the outbox rows are the truth, and the
reconciler of whichever worker runs next enqueues them. Nothing is lost either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from service.jobs import current, install

log = logging.getLogger(__name__)

__all__ = ["current", "enqueue", "install"]


async def enqueue(jobs: Sequence[tuple[int, str]], organisation_id: int) -> None:
    """Queue a push of each (establishment_id, platform) of the organisation's sites."""
    dispatcher = current()
    if dispatcher is None:
        log.debug("sync.enqueue.deferred count=%d (no dispatcher: the reconciler will pick them up)", len(jobs))
        return
    await dispatcher.enqueue(jobs, organisation_id)
