"""Platforms without a push of their own: manual (Tripadvisor) and derived (Waze follows Google)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import Channel
from connectors.registry import CONNECTORS, render
from schemas import Establishment
from service.models import SyncTarget, utcnow
from service.sync import repository as repo

MIRRORED = ("status", "expected_by", "last_error", "pushed_revision")


def followers(platform: str) -> list[str]:
    return [key for key, cls in CONNECTORS.items() if cls.info.follows == platform]


async def mirror_derived(session: AsyncSession, source: SyncTarget) -> None:
    """Copy `source`'s state onto every platform that follows it, for the same establishment."""
    keys = followers(source.platform)
    if not keys:
        return
    for target in await repo.targets_of(session, source.establishment_id, keys):
        apply_mirror(target, source)


def apply_mirror(target: SyncTarget, source: SyncTarget | None) -> None:
    info = CONNECTORS[target.platform].info
    target.updated_at = utcnow()
    if source is None:
        target.status, target.last_error = "not_connected", f"{info.name} follows {info.follows}: connect it first"
        target.pushed_revision = target.wanted_revision
        return
    target.status = source.status
    target.last_error = source.last_error
    target.pushed_revision = min(target.wanted_revision, source.pushed_revision) or target.wanted_revision
    target.expected_by = source.expected_by + info.typical_delay if source.expected_by else None
    target.detail = {"follows": source.platform}


async def derived_push(session: AsyncSession, target: SyncTarget) -> None:
    """A derived target's 'push': take the followed platform's state now."""
    followed = CONNECTORS[target.platform].info.follows
    # Write first, read after: the flush takes SQLite's write lock (its SELECTs lock nothing), so
    # the followed target cannot change between our read and our commit; otherwise a job
    # finishing meanwhile could mirror a newer state that this write would then undo.
    target.updated_at = utcnow()
    await session.flush()
    found = await repo.targets_of(session, target.establishment_id, [followed], fresh=True)  # type: ignore[list-item]
    apply_mirror(target, found[0] if found else None)


def manual_push(target: SyncTarget, record: Establishment, revision: int) -> None:
    """List what a person must change on the platform's own site; wait for them to confirm."""
    connector = CONNECTORS[target.platform]
    rendering = render(target.platform, record)
    previous = target.pushed or {}
    edits = [{"field": key, "value": value} for key, value in rendering.payload.items()
             if previous.get(key) != value]
    target.pushed_revision, target.updated_at = revision, utcnow()
    if not edits and target.status == "submitted":
        return
    target.pushed = rendering.payload
    target.status = "action_required"
    target.last_error = (f"change on {connector.info.name} by hand: " + ", ".join(e["field"] for e in edits)
                         if edits else f"confirm the listing on {connector.info.name}")
    target.detail = {"manual": edits, "unsupported": rendering.unsupported}
    target.expected_by = None


def confirm_manual(target: SyncTarget) -> None:
    """A person says the listed edits are made: `submitted`, expected live after the platform's delay."""
    info = CONNECTORS[target.platform].info
    if info.channel != Channel.manual:
        raise ValueError(f"{info.name} is not a manual platform")
    now = utcnow()
    target.status, target.last_error, target.updated_at = "submitted", None, now
    target.expected_by = now + (info.typical_delay or timedelta())
    target.detail = {**target.detail, "manual": [], "confirmed_at": now.isoformat()}
