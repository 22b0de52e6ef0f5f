"""Transactional outbox: the write that creates a revision marks, in the same transaction,
every connected platform's sync_target as wanting it; jobs are enqueued only after commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from service.db import after_commit
from service.models import utcnow
from service.platforms import repository as platforms_repo
from service.sync import repository as repo
from service.sync import dispatch


async def record_revisions(session: AsyncSession, org_id: int, saved: Sequence[tuple[int, int]]) -> None:
    """Mark (establishment_id, revision) as wanted on every connected platform."""
    platforms = await platforms_repo.connected_platforms(session, org_id)
    if not saved or not platforms:
        return
    await mark_wanted(session, org_id, saved, platforms)


async def mark_wanted(session: AsyncSession, org_id: int, saved: Sequence[tuple[int, int]],
                      platforms: Sequence[str], *, force: bool = False) -> None:
    """`force` also forgets what was last pushed, so the whole rendering is sent again."""
    ids = [est_id for est_id, _ in saved]
    platforms = list(platforms)
    await repo.want(session, org_id, list(saved), platforms, utcnow(), force=force)
    # the (site, platform) jobs are built once committed, not held through the rest of the
    # transaction (an import of 100,000 sites on 20 platforms: 2,000,000 tuples)
    after_commit(session, lambda: dispatch.enqueue([(est_id, platform) for est_id in ids for platform in platforms],
                                                   org_id))
