"""Transactional outbox: the write that creates a revision marks, in the same transaction,
every connected platform's sync_target as wanting it; jobs are enqueued only after commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, update
from sqlmodel.ext.asyncio.session import AsyncSession

from service.db import after_commit
from service.models import SyncTarget, utcnow
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
    now = utcnow()
    ids = [est_id for est_id, _ in saved]
    wanted = dict(saved)
    existing = await repo.target_ids(session, ids, list(platforms))
    new_rows, updates = [], []
    for est_id in ids:
        for platform in platforms:
            target_id = existing.get((est_id, platform))
            values = {"wanted_revision": wanted[est_id], "status": "pending", "attempts": 0,
                      "next_attempt_at": None, "last_error": None, "updated_at": now}
            if force:
                values["pushed"] = None
            if target_id is None:
                new_rows.append({"organisation_id": org_id, "establishment_id": est_id, "platform": platform,
                                 "pushed_revision": 0, "detail": {}, **values})
            else:
                updates.append({"id": target_id, **values})
    for start in range(0, len(new_rows), 500):
        await session.execute(insert(SyncTarget), new_rows[start : start + 500])
    for start in range(0, len(updates), 500):
        await session.execute(update(SyncTarget), updates[start : start + 500])
    jobs = [(est_id, platform) for est_id in ids for platform in platforms]
    after_commit(session, lambda: dispatch.enqueue(jobs))
