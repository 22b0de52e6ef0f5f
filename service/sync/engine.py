"""Push and verify one establishment on one platform.

Both functions take ids, reload everything, and are safe to run twice: a target already at
its wanted revision is a no-op, and creates are idempotent in the connectors. No database
transaction is held open across an HTTP call: load (short transaction), call the platform,
record (short transaction, `outcomes`). What to do next comes back as a `Next` for the job
layer (arq or the in-process runner) to schedule.

Every platform call (push, read-back, removal) goes through `_admit` then `_paced`: the first
HTTP call's quota slot is booked up front (or the job deferred), every further call takes a
token of its own (`service.sync.limiter.CallPacer`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from connectors.base import (
    ActionRequired,
    Channel,
    ConnectorError,
    PushContext,
    Removable,
    RetryableError,
    unmet_requirements,
)
from connectors.http import PACER
from connectors.registry import CONNECTORS
from schemas import Establishment
from schemas.sync import OnPlatforms
from service.db import unit_of_work
from service.models import EstablishmentRow, PlatformConnection, utcnow
from service.platforms.credentials import CredentialsError
from service.sync import channels, deletion
from service.sync import repository as repo
from service.sync.common import (
    ACTIVE,
    VERIFIED,
    Deps,
    Loaded,
    Next,
    backoff,
    changed_keys,
    request_id,
    shared_limit,
    throttled_message,
)
from service.sync.limiter import CallPacer, Limit, acquire
from service.sync.outcomes import defer, nothing_to_send, record_push, record_remove, record_verify
from service.sync.quotas import quotas_for

# callers import these from here (the worker, the runner, feeds, campaigns, tests)
__all__ = ["Deps", "Next", "backoff", "changed_keys", "push", "push_and_read_back", "request_id",
           "throttled_message", "verify"]

log = logging.getLogger("vitrine.sync")


async def _load_for_push(deps: Deps, establishment_id: int, platform: str) -> Loaded | None:
    async with unit_of_work(deps.sessionmaker) as session:
        found = await repo.target_for_push(session, establishment_id, platform)  # one query, target locked
        if found is None:
            return None
        target, row, connection, policy = found
        if target.status not in ACTIVE and target.wanted_revision <= target.pushed_revision:
            return None  # already done: a duplicate or late job
        now = utcnow()
        loaded = None
        if connection is None or not connection.enabled:
            target.status, target.last_error, target.updated_at = "not_connected", None, now
        elif row is None:
            deletion.settle(target, OnPlatforms.leave, "the site is gone from Vitrine; the listing was left as it is")
        elif row.deleted_at is not None and deletion.without_push(
                target, row, target.remote_id or row.data.get("platform_ids", {}).get(platform), row.store_code):
            pass  # settled, or a person is asked: nothing to send
        else:
            deleted = deletion.choice(row) if row.deleted_at is not None else None
            record = (deletion.closed_record(row) if deleted is not None else
                      Establishment.model_validate({"store_code": row.store_code, **row.data}))
            status_before = target.status
            if (reason := unmet_requirements(CONNECTORS[platform].info, record)) is not None:
                target.status, target.last_error, target.updated_at = "action_required", reason, now
                target.pushed_revision, target.next_attempt_at = target.wanted_revision, None
                await repo.save_target(session, target)
                return None  # a new revision (the category added) wants a push again
            target.status, target.updated_at = "in_progress", now
            remote_id = target.remote_id or record.platform_ids.get(platform)
            loaded = Loaded(target.id, target.organisation_id, row.revision, record, connection,
                             remote_id, target.remote_version, target.pushed if target.remote_id else None,
                             target.attempts, policy or "report", status_before, deleted)
        await repo.save_target(session, target)
        return loaded


async def push(deps: Deps, establishment_id: int, platform: str) -> Next:
    channel = CONNECTORS[platform].info.channel
    if channel == Channel.feed:
        return await _want_feed(deps, establishment_id, platform)
    if channel in (Channel.manual, Channel.derived):
        return await _without_push(deps, establishment_id, platform, channel)
    loaded = await _load_for_push(deps, establishment_id, platform)
    if loaded is None:
        return Next()
    try:
        connector = deps.connector(loaded.connection)
    except CredentialsError as exc:
        await record_push(deps, loaded, ActionRequired(str(exc)), 0, [], {})
        return Next()
    rendering = connector.render(loaded.record)
    changed = changed_keys(loaded.pushed, rendering.payload)
    if loaded.deleted == OnPlatforms.remove:
        return await _remove(deps, loaded, connector, establishment_id)  # type: ignore[arg-type]
    if loaded.remote_id and loaded.pushed is not None and not changed:
        return await nothing_to_send(deps, loaded, rendering.unsupported)
    info = connector.info
    limits = [Limit(f"{platform}:{loaded.connection.id}:loc:{loaded.remote_id}", q)
              for q in [quotas_for(deps.settings, platform)[1]] if q and loaded.remote_id]
    shared = shared_limit(deps, platform, loaded.connection)
    limits += [shared] if shared else []
    deferred = await _admit(deps, loaded.target_id, limits, restore=loaded.status_before)
    if deferred is not None:
        return Next(push_in=deferred)
    ctx = PushContext(loaded.record.store_code, loaded.remote_id, loaded.remote_version, loaded.pushed,
                      changed, request_id(loaded.org_id, loaded.record.store_code, platform), loaded.may_exist)
    outcome, duration = await _paced(deps, platform, shared, lambda: connector.push(loaded.record, rendering, ctx),
                                     "push", establishment_id)
    return await record_push(deps, loaded, outcome, duration, changed, rendering.payload,
                             unsupported=rendering.unsupported, expected=info.typical_delay)


async def _remove(deps: Deps, loaded: Loaded, connector: Removable, establishment_id: int) -> Next:
    """A deleted site with `on_platforms=remove`, on a platform whose API removes listings: paced
    like a push, one quota token per HTTP call (a retried DELETE takes two)."""
    platform = loaded.connection.platform
    shared = shared_limit(deps, platform, loaded.connection)
    deferred = await _admit(deps, loaded.target_id, [shared] if shared else [], restore=loaded.status_before)
    if deferred is not None:
        return Next(push_in=deferred)
    remote_id: str = loaded.remote_id  # type: ignore[assignment]  # set: deletion.without_push settles the rest
    outcome, duration = await _paced(deps, platform, shared, lambda: connector.remove(remote_id), "remove",
                                     establishment_id)
    return await record_remove(deps, loaded, outcome, duration)


async def _admit(deps: Deps, target_id: int, limits: list[Limit], *, restore: str | None = None) -> float | None:
    """Book the first HTTP call's slot on every limit (the admission). None when booked (after
    sleeping until it is due); else the seconds the job was deferred by, nothing sent."""
    slept = await acquire(deps.limiter, limits, deps.settings.sync_max_wait)
    if slept is not None and slept < 0:
        await defer(deps, target_id, -slept, restore=restore)
        return -slept
    return None


async def _paced(deps: Deps, platform: str, shared: Limit | None, call: Callable[[], Awaitable[Any]], kind: str,
                 establishment_id: int) -> tuple[Any, int]:
    """Run one connector operation with a `CallPacer` set: one quota token per HTTP call, the
    admission paying the first. Returns its answer (or the `ConnectorError` it raised) and its
    duration in ms. A connector bug is logged with its traceback and retried like a transient error."""
    started = time.monotonic()
    pacer = CallPacer(deps.limiter, shared, exempt=CONNECTORS[platform].info.quota_exempt)
    token = PACER.set(pacer)
    outcome: Any
    try:
        outcome = await call()
    except ConnectorError as exc:
        outcome = exc
    except Exception as exc:
        log.exception("sync.%s.crashed platform=%s establishment=%s", kind, platform, establishment_id)
        outcome = RetryableError(f"internal error in the {platform} connector: {type(exc).__name__}: {exc}")
    finally:
        PACER.reset(token)
    log.debug("sync.%s.calls platform=%s calls=%d exempt=%d", kind, platform, pacer.calls, pacer.exempt_calls)
    return outcome, int((time.monotonic() - started) * 1000)


async def _without_push(deps: Deps, establishment_id: int, platform: str, channel: Channel) -> Next:
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.target_for_update(session, establishment_id, platform)
        if target is None or (target.status not in ACTIVE and target.wanted_revision <= target.pushed_revision):
            return Next()
        if channel == Channel.derived:
            await channels.derived_push(session, target)
            return Next()
        row = await session.get(EstablishmentRow, establishment_id)
        if row is None:
            deletion.settle(target, OnPlatforms.leave, "the site is gone from Vitrine; the listing was left as it is")
            return Next()
        if row.deleted_at is not None:
            if deletion.without_push(target, row, target.remote_id or "by hand", row.store_code):
                return Next()
            record = deletion.closed_record(row)  # close: a person marks it closed, like any manual edit
            channels.manual_push(target, record, row.revision)
            target.detail = {**target.detail, "deletion": deletion.note(OnPlatforms.close, "a person marks it closed")}
            return Next()
        record = Establishment.model_validate({"store_code": row.store_code, **row.data})
        channels.manual_push(target, record, row.revision)
        return Next()


async def _want_feed(deps: Deps, establishment_id: int, platform: str) -> Next:
    """Feed platforms take whole files: a changed site asks for its organisation's next delivery."""
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.target_for_update(session, establishment_id, platform)
        if target is None or (target.status not in ACTIVE and target.wanted_revision <= target.pushed_revision):
            return Next()
        row = await session.get(EstablishmentRow, establishment_id)
        if row is not None and row.deleted_at is not None and deletion.choice(row) != OnPlatforms.close:
            # a feed is whole: the site is left out of the next file (`feed_sites`)
            deletion.settle(target, deletion.choice(row), "left out of the partner's file from the next delivery")
            return Next(feed_in=deps.settings.feed_batch_seconds, feed_org=target.organisation_id)
        return Next(feed_in=deps.settings.feed_batch_seconds, feed_org=target.organisation_id)


async def push_and_read_back(deps: Deps, establishment_id: int, platform: str) -> Next:
    """A push job: the push, then, when it landed live (read-back due now), the read-back in the
    same job rather than a job of its own (one queue round trip and one job less per listing)."""
    nxt = await push(deps, establishment_id, platform)
    if nxt.verify_in != 0:
        return nxt
    if nxt.read_back is not None:
        after = await _read_back(deps, establishment_id, platform, *nxt.read_back)
    else:
        after = await verify(deps, establishment_id, platform)
    return Next(push_in=nxt.push_in if nxt.push_in is not None else after.push_in, verify_in=after.verify_in,
                feed_in=nxt.feed_in, feed_org=nxt.feed_org)


async def verify(deps: Deps, establishment_id: int, platform: str) -> Next:
    """Read the listing back: `live` when it matches what was pushed, `drifted` when not."""
    if not CONNECTORS[platform].info.verifiable:
        return Next()
    async with unit_of_work(deps.sessionmaker) as session:
        # a plain read: the record step locks the row and checks again that the read-back still applies
        found = await repo.target_for_verify(session, establishment_id, platform)
        if found is None:
            return Next()
        target_id, status, remote_id, pushed, connection, policy = found
        if status not in VERIFIED or not remote_id or pushed is None or connection is None:
            return Next()
    return await _read_back(deps, establishment_id, platform, target_id, remote_id, pushed, connection,
                            policy or "report")


async def _read_back(deps: Deps, establishment_id: int, platform: str, target_id: int, remote_id: str,
                     pushed: dict[str, Any], connection: PlatformConnection, policy: str) -> Next:
    # a read counts against the platform's shared quota like a write (Google counts every call of
    # a project), not against the per-listing one, which counts edits
    shared = shared_limit(deps, platform, connection)
    deferred = await _admit(deps, target_id, [shared] if shared else [])
    if deferred is not None:
        return Next(verify_in=deferred)
    outcome, duration = await _paced(deps, platform, shared,
                                     lambda: deps.connector(connection).read_back(remote_id, pushed),
                                     "verify", establishment_id)
    return await record_verify(deps, target_id, outcome, duration, policy)
