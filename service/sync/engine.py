"""Push and verify one establishment on one platform.

Both functions take ids, reload everything, and are safe to run twice: a target already at
its wanted revision is a no-op, and creates are idempotent in the connectors. No database
transaction is held open across an HTTP call: load (short transaction), call the platform,
record (short transaction). What to do next comes back as a `Next` for the job layer (arq or
the in-process runner) to schedule.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import (
    ActionRequired,
    Channel,
    Connector,
    ConnectorError,
    PushContext,
    ReadBack,
    Rejected,
    Removable,
    RetryableError,
    unmet_requirements,
)
from connectors.registry import CONNECTORS
from schemas import Establishment
from schemas.sync import OnPlatforms
from service import events
from service import metrics
from service.db import unit_of_work
from service.models import EstablishmentRow, PlatformConnection, SyncTarget, utcnow
from service.platforms.credentials import CredentialsError, decrypt
from service.platforms.endpoints import base_url, connector_options
from service.settings import Settings
from connectors.http import PACER
from service.sync.limiter import CallPacer, Limit, Limiter, acquire
from service.sync import channels, deletion
from service.sync import repository as repo
from service.sync.quotas import quotas_for

log = logging.getLogger("vitrine.sync")
ACTIVE = ("pending", "in_progress")
VERIFIED = ("awaiting_review", "live", "drifted")


@dataclass
class Next:
    """What the job layer should schedule after this run."""

    push_in: float | None = None  # run the push job again after this many seconds
    verify_in: float | None = None  # read the listing back after this many seconds
    feed_in: float | None = None  # deliver the organisation's feed to this platform after this many seconds
    feed_org: int | None = None
    # the read-back due now, with what it needs (target id, remote id, pushed payload, connection,
    # drift policy): the push job runs it at once without loading them again
    read_back: tuple[int, str, dict[str, Any], PlatformConnection, str] | None = field(
        default=None, repr=False, compare=False)


@dataclass
class Deps:
    sessionmaker: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient
    limiter: Limiter
    settings: Settings
    _connectors: dict[tuple[int, Any], Connector] = field(default_factory=dict)

    def connector(self, connection: PlatformConnection) -> Connector:
        """One connector per connection version, so token caches live across jobs."""
        key = (connection.id, connection.updated_at)  # type: ignore[assignment]
        if key not in self._connectors:
            cls = CONNECTORS[connection.platform]
            url = base_url(self.settings, connection)
            metrics.register_base_url(url, connection.platform)
            self._connectors[key] = cls(self.client, url, decrypt(connection.credentials, self.settings),
                                        connector_options(self.settings, connection))
        return self._connectors[key]


def request_id(org_id: int, store_code: str, platform: str) -> str:
    """Stable per establishment and platform, ≤ 50 characters (Google's requestId limit)."""
    return "vitrine-" + hashlib.sha256(f"{org_id}:{store_code}:{platform}".encode()).hexdigest()[:40]


def changed_keys(previous: dict[str, Any] | None, payload: dict[str, Any]) -> list[str]:
    """Top-level keys that differ; keys starting with `_` are a connector's bookkeeping (photo
    ids: `connectors.common.photos`), stored with the pushed payload and never diffed."""
    if previous is None:
        return sorted(k for k in payload if not k.startswith("_"))
    return sorted(k for k in payload.keys() | previous.keys() if not k.startswith("_")
                  and previous.get(k) != payload.get(k))


def backoff(settings: Settings, attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter, or the platform's own wait when longer, capped by
    `sync_max_platform_wait` (a Facebook 80001 once parked sites for 24 h): the next attempt
    probes the platform again and gets a fresh wait if it is still throttled."""
    delay = min(settings.sync_backoff_max, settings.sync_backoff_base * 2 ** max(0, attempt - 1))
    delay = delay * (0.5 + random.random() / 2)  # jitter: spreads a thundering herd
    return max(delay, min(retry_after or 0.0, settings.sync_max_platform_wait))


def throttled_message(platform: str, message: str, until: datetime) -> str:
    """What the status says while a throttled push waits: `throttled by Facebook until …Z: …`."""
    name = CONNECTORS[platform].info.name if platform in CONNECTORS else platform
    return f"throttled by {name} until {until.astimezone(UTC).isoformat(timespec='seconds')}: {message}"


@dataclass
class _Loaded:
    target_id: int
    org_id: int
    revision: int
    record: Establishment
    connection: PlatformConnection
    remote_id: str | None
    remote_version: str | None
    pushed: dict[str, Any] | None
    attempts: int
    policy: str  # the organisation's drift policy
    status_before: str = "pending"  # the status this push claimed the target from
    deleted: OnPlatforms | None = None  # the site was deleted: carry out this choice (close | remove)

    @property
    def may_exist(self) -> bool:
        """Whether an earlier push may have created the listing (`PushContext.may_exist`): one
        failed, or died mid-way (claimed, `in_progress`, with no failure recorded)."""
        return self.attempts > 0 or self.status_before == "in_progress" or self.remote_id is not None


async def _load_for_push(deps: Deps, establishment_id: int, platform: str) -> _Loaded | None:
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
            loaded = _Loaded(target.id, target.organisation_id, row.revision, record, connection,
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
        await _record_push(deps, loaded, None, ActionRequired(str(exc)), 0, [], {})
        return Next()
    rendering = connector.render(loaded.record)
    changed = changed_keys(loaded.pushed, rendering.payload)
    if loaded.deleted == OnPlatforms.remove:
        return await _remove(deps, loaded, connector)  # type: ignore[arg-type]
    if loaded.remote_id and loaded.pushed is not None and not changed:
        return await _nothing_to_send(deps, loaded, rendering.unsupported)
    info = connector.info
    limits = [Limit(f"{platform}:{loaded.connection.id}:loc:{loaded.remote_id}", q)
              for q in [quotas_for(deps.settings, platform)[1]] if q and loaded.remote_id]
    shared = _shared_limit(deps, platform, loaded.connection)
    limits += [shared] if shared else []
    slept = await acquire(deps.limiter, limits, deps.settings.sync_max_wait)
    if slept is not None and slept < 0:
        await _defer(deps, loaded.target_id, -slept, restore=loaded.status_before)
        return Next(push_in=-slept)
    ctx = PushContext(loaded.record.store_code, loaded.remote_id, loaded.remote_version, loaded.pushed,
                      changed, request_id(loaded.org_id, loaded.record.store_code, platform), loaded.may_exist)
    started = time.monotonic()
    outcome: Any
    pacer = CallPacer(deps.limiter, shared, exempt=info.quota_exempt)
    paced = PACER.set(pacer)  # one quota token per HTTP call (the admission above pays the first)
    try:
        outcome = await connector.push(loaded.record, rendering, ctx)
    except ConnectorError as exc:
        outcome = exc
    except Exception as exc:  # a connector bug: logged with its traceback, retried like a transient error
        log.exception("sync.push.crashed platform=%s establishment=%s", platform, establishment_id)
        outcome = RetryableError(f"internal error in the {platform} connector: {type(exc).__name__}: {exc}")
    finally:
        PACER.reset(paced)
    log.debug("sync.push.calls platform=%s calls=%d exempt=%d", platform, pacer.calls, pacer.exempt_calls)
    duration = int((time.monotonic() - started) * 1000)
    return await _record_push(deps, loaded, outcome, duration, changed, rendering.payload,
                              unsupported=rendering.unsupported, expected=info.typical_delay)


async def _remove(deps: Deps, loaded: _Loaded, connector: Removable) -> Next:
    """A deleted site with `on_platforms=remove`, on a platform whose API removes listings."""
    shared = quotas_for(deps.settings, loaded.connection.platform)[0]
    if shared:
        slept = await acquire(deps.limiter, [Limit(f"{loaded.connection.platform}:{loaded.connection.id}", shared)],
                              deps.settings.sync_max_wait)
        if slept is not None and slept < 0:
            await _defer(deps, loaded.target_id, -slept, restore=loaded.status_before)
            return Next(push_in=-slept)
    started = time.monotonic()
    try:
        outcome: Any = await connector.remove(loaded.remote_id)  # type: ignore[arg-type]
    except ConnectorError as exc:
        outcome = exc
    except Exception as exc:
        log.exception("sync.remove.crashed platform=%s", loaded.connection.platform)
        outcome = RetryableError(f"internal error in the {loaded.connection.platform} connector: {exc}")
    if isinstance(outcome, ConnectorError) and not isinstance(outcome, ActionRequired):
        return await _record_push(deps, loaded, outcome, int((time.monotonic() - started) * 1000), [], {})
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, loaded.target_id)
        if target is None:
            return Next()
        attempt = _attempt(target.id, loaded.revision, "remove", utcnow(), int((time.monotonic() - started) * 1000))
        if isinstance(outcome, ActionRequired):  # the platform refuses to remove this one: a person must
            attempt.outcome, attempt.error = "action_required", outcome.message
            deletion.ask_person(target, loaded.record.store_code, outcome.message)
        else:  # gone: a revived site creates a new listing rather than update a removed one
            deletion.settle(target, OnPlatforms.remove, outcome)
            target.remote_id, target.pushed, target.remote_version = None, None, None
        await repo.add_attempt(session, **vars(attempt))
        await channels.mirror_derived(session, target)  # type: ignore[arg-type]
        await repo.save_target(session, target)
    return Next()


def _shared_limit(deps: Deps, platform: str, connection: PlatformConnection) -> Limit | None:
    """The platform's shared quota for this connection's credentials: every HTTP call takes a token."""
    shared = quotas_for(deps.settings, platform)[0]
    return Limit(f"{platform}:{connection.id}", shared) if shared else None


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


async def _defer(deps: Deps, target_id: int, seconds: float, *, restore: str | None = None) -> None:
    """Try again in `seconds` (a quota slot too far out). `restore`: the status the target had
    before this push claimed it: nothing was sent, so it stays what it was (a first push stays
    `pending`, and its next try still knows no earlier push can have created the listing)."""
    async with unit_of_work(deps.sessionmaker) as session:
        target = await session.get(SyncTarget, target_id)
        if target is not None:
            target.next_attempt_at = utcnow() + timedelta(seconds=seconds)
            if restore is not None and target.status == "in_progress":
                target.status = restore


async def _nothing_to_send(deps: Deps, loaded: _Loaded, unsupported: dict[str, str]) -> Next:
    """The new revision changes nothing this platform shows (say, an email for Google)."""
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, loaded.target_id)
        if target is None:
            return Next()
        target.pushed_revision = max(target.pushed_revision, loaded.revision)
        target.status = target.detail.get("last_state", "live") if target.wanted_revision <= loaded.revision else "pending"
        target.detail = {**target.detail, "unsupported": unsupported, "sent": []}
        target.updated_at = utcnow()
        await repo.save_target(session, target)
        return Next(push_in=0) if target.status == "pending" else Next()


async def _record_push(deps: Deps, loaded: _Loaded, outcome: Any, duration: int, changed: list[str],
                       payload: dict[str, Any], unsupported: dict[str, str] | None = None,
                       expected: timedelta | None = None) -> Next:
    settings = deps.settings
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, loaded.target_id)
        if target is None:
            return Next()
        now = utcnow()
        attempt = _attempt(target.id, loaded.revision, "push", now, duration)
        target.last_attempt_at, target.updated_at = now, now
        nxt = Next()
        if isinstance(outcome, ConnectorError):
            attempt.http_status, attempt.error = outcome.http_status, outcome.message
            target.last_error = outcome.message
            if isinstance(outcome, RetryableError):
                target.attempts += 1
                attempt.outcome = "throttled" if outcome.throttled else "retry"
                if target.attempts >= settings.sync_max_attempts:
                    target.status, attempt.outcome = "failed", "gave_up"
                    target.last_error = f"gave up after {target.attempts} attempts: {outcome.message}"
                    target.next_attempt_at = None
                else:
                    delay = backoff(settings, target.attempts, outcome.retry_after)
                    target.status, target.next_attempt_at = "in_progress", now + timedelta(seconds=delay)
                    if outcome.throttled:
                        target.last_error = throttled_message(target.platform, outcome.message, target.next_attempt_at)
                    nxt.push_in = delay
            elif isinstance(outcome, ActionRequired):
                target.status, attempt.outcome, target.next_attempt_at = "action_required", "action_required", None
                target.pushed_revision = loaded.revision
            elif isinstance(outcome, Rejected):
                target.status, attempt.outcome, target.next_attempt_at = "failed", "rejected", None
                attempt.field_errors = [{"field": e.field, "message": e.message} for e in outcome.field_errors]
                if outcome.field_errors:
                    target.last_error = outcome.message + ": " + "; ".join(
                        f"{e.field}: {e.message}" if e.field else e.message for e in outcome.field_errors)
                target.detail = {**target.detail, "field_errors": attempt.field_errors}
                target.pushed_revision = loaded.revision
        else:
            result = outcome
            attempt.http_status = result.http_status
            attempt.outcome = "created" if result.created else "sent"
            target.remote_id = result.remote_id
            target.remote_version = result.remote_version or target.remote_version
            target.pushed = payload
            target.pushed_revision = loaded.revision
            target.attempts, target.last_error = 0, None
            target.status = result.state
            target.live_url = result.live_url or target.live_url
            target.expected_by = now + expected if expected and result.state != "live" else None
            target.detail = {"unsupported": unsupported or {}, "sent": changed, "last_state": result.state,
                             **({"push": result.detail} if result.detail else {})}
            if loaded.deleted is not None:
                target.detail["deletion"] = deletion.note(loaded.deleted, "marked permanently closed")
            verifiable = CONNECTORS[target.platform].info.verifiable
            if verifiable:
                delay = settings.verify_poll_seconds if result.state == "awaiting_review" else 0.0
                target.next_attempt_at = now + timedelta(seconds=delay)
                nxt.verify_in = delay
            else:
                target.next_attempt_at = None
        await repo.add_attempt(session, **vars(attempt))
        metrics.SYNC_ATTEMPTS.labels(target.platform, "push", attempt.outcome).inc()
        if target.wanted_revision > target.pushed_revision and target.status not in ("in_progress",):
            target.status = "pending"  # edited while we pushed: go again with the newest state
            nxt.push_in = 0.0
        inline = nxt.verify_in == 0 and nxt.push_in is None and target.status in VERIFIED and target.remote_id \
            and target.pushed is not None
        if inline:
            # the read-back runs in this job (`push_and_read_back`): not due for the reconciler
            # meanwhile, which would queue a second read-back of its own (a wasted request on the
            # platform's quota); one killed before recording it is due again after the job timeout
            target.next_attempt_at = now + timedelta(seconds=settings.sync_job_timeout)
        await channels.mirror_derived(session, target)  # type: ignore[arg-type]
        await events.target_status(session, target)
        await repo.save_target(session, target)
        if inline:
            nxt.read_back = (target.id, target.remote_id, target.pushed, loaded.connection,  # type: ignore[assignment]
                             loaded.policy)
        log.info("sync.push.%s platform=%s store_code=%s revision=%s status=%s", attempt.outcome,
                 target.platform, loaded.record.store_code, loaded.revision, target.status)
        return nxt


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
    shared = _shared_limit(deps, platform, connection)
    if shared:
        slept = await acquire(deps.limiter, [shared], deps.settings.sync_max_wait)
        if slept is not None and slept < 0:
            await _defer(deps, target_id, -slept)
            return Next(verify_in=-slept)
    started = time.monotonic()
    paced = PACER.set(CallPacer(deps.limiter, shared, exempt=CONNECTORS[platform].info.quota_exempt))
    try:
        readback: ReadBack | ConnectorError = await deps.connector(connection).read_back(remote_id, pushed)
    except ConnectorError as exc:
        readback = exc
    except Exception as exc:
        log.exception("sync.verify.crashed platform=%s establishment=%s", platform, establishment_id)
        readback = RetryableError(f"internal error in the {platform} connector: {exc}")
    finally:
        PACER.reset(paced)
    duration = int((time.monotonic() - started) * 1000)
    return await _record_verify(deps, target_id, readback, duration, policy)


async def _record_verify(deps: Deps, target_id: int, rb: ReadBack | ConnectorError, duration: int,
                         policy: str) -> Next:
    settings = deps.settings
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, target_id)
        if target is None or target.status not in VERIFIED:
            return Next()
        attempt = _attempt(target_id, target.pushed_revision, "verify", utcnow(), duration)
        nxt = _apply_verify(target, attempt, rb, policy, settings)
        await repo.add_attempt(session, **vars(attempt))
        metrics.SYNC_ATTEMPTS.labels(target.platform, "verify", attempt.outcome).inc()
        await channels.mirror_derived(session, target)  # type: ignore[arg-type]
        await events.target_status(session, target)
        await repo.save_target(session, target)
        return nxt


def _attempt(target_id: int, revision: int, kind: str, now: Any, duration: int) -> SimpleNamespace:
    """A sync_attempt row to fill in, then insert (`repo.add_attempt`)."""
    return SimpleNamespace(target_id=target_id, revision=revision, kind=kind, started_at=now, duration_ms=duration,
                           outcome="ok", http_status=None, error=None, field_errors=None)


def _apply_verify(target: repo.TargetRow, attempt: SimpleNamespace, rb: ReadBack | ConnectorError, policy: str,
                  settings: Settings) -> Next:
    now = attempt.started_at
    target.updated_at = now
    poll, drift_check = settings.verify_poll_seconds, settings.drift_check_seconds
    if isinstance(rb, ConnectorError):
        attempt.outcome, attempt.error, attempt.http_status = "error", rb.message, rb.http_status
        if isinstance(rb, ActionRequired):
            target.status, target.last_error, target.next_attempt_at = "action_required", rb.message, None
            return Next()
        target.next_attempt_at = now + timedelta(seconds=poll)
        return Next(verify_in=poll)
    attempt.http_status = rb.http_status
    target.live_url = rb.live_url or target.live_url
    target.remote_version = rb.remote_version or target.remote_version
    drift = sorted(set(rb.mismatched) - set(rb.pending) | set(rb.third_party))
    detail = {k: v for k, v in target.detail.items() if k not in ("drift", "pending")}
    if rb.state in ("action_required", "failed"):
        target.status, target.last_error, target.next_attempt_at = rb.state, rb.message, None
        attempt.outcome = rb.state
        target.detail = detail
        return Next()
    if drift:
        attempt.outcome = "drifted"
        target.detail = {**detail, "drift": drift}
        if policy == "repair":
            target.status = "pending"
            target.pushed = {k: v for k, v in target.pushed.items() if k not in drift}  # type: ignore[union-attr]
            target.last_error = f"drift repaired: {', '.join(drift)} re-sent"
            return Next(push_in=0.0)
        target.status, target.last_error = "drifted", f"the platform shows other values for {', '.join(drift)}"
        target.next_attempt_at = now + timedelta(seconds=drift_check)
        return Next(verify_in=drift_check)
    if rb.state == "awaiting_review" or rb.pending:
        attempt.outcome = "pending"
        target.status, target.detail = "awaiting_review", {**detail, "pending": sorted(rb.pending)}
        target.next_attempt_at = now + timedelta(seconds=poll)
        return Next(verify_in=poll)
    attempt.outcome = "live"
    target.status, target.verified_at, target.last_error, target.expected_by = "live", now, None, None
    target.detail = {**detail, "last_state": "live"}
    target.next_attempt_at = now + timedelta(seconds=drift_check)
    return Next(verify_in=drift_check)
