"""Recording what a platform call did: one short transaction that locks the target, writes its
new status and a `sync_attempt` row, and says what to schedule next (`Next`). The flows that
make the calls are in `engine`."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from connectors.base import ActionRequired, ConnectorError, ReadBack, Rejected, RetryableError
from connectors.registry import CONNECTORS
from schemas.sync import OnPlatforms
from service import events
from service import metrics
from service.db import unit_of_work
from service.models import SyncTarget, utcnow
from service.settings import Settings
from service.sync import channels, deletion
from service.sync import repository as repo
from service.sync.common import VERIFIED, Deps, Loaded, Next, attempt_row, backoff, throttled_message

log = logging.getLogger("vitrine.sync")


async def defer(deps: Deps, target_id: int, seconds: float, *, restore: str | None = None) -> None:
    """Try again in `seconds` (a quota slot too far out). `restore`: the status the target had
    before this push claimed it: nothing was sent, so it stays what it was (a first push stays
    `pending`, and its next try still knows no earlier push can have created the listing)."""
    async with unit_of_work(deps.sessionmaker) as session:
        target = await session.get(SyncTarget, target_id)
        if target is not None:
            target.next_attempt_at = utcnow() + timedelta(seconds=seconds)
            if restore is not None and target.status == "in_progress":
                target.status = restore


async def nothing_to_send(deps: Deps, loaded: Loaded, unsupported: dict[str, str]) -> Next:
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


async def record_push(deps: Deps, loaded: Loaded, outcome: Any, duration: int, changed: list[str],
                       payload: dict[str, Any], unsupported: dict[str, str] | None = None,
                       expected: timedelta | None = None) -> Next:
    settings = deps.settings
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, loaded.target_id)
        if target is None:
            return Next()
        now = utcnow()
        attempt = attempt_row(target.id, loaded.revision, "push", now, duration)
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


async def record_verify(deps: Deps, target_id: int, rb: ReadBack | ConnectorError, duration: int,
                         policy: str) -> Next:
    settings = deps.settings
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, target_id)
        if target is None or target.status not in VERIFIED:
            return Next()
        attempt = attempt_row(target_id, target.pushed_revision, "verify", utcnow(), duration)
        nxt = apply_verify(target, attempt, rb, policy, settings)
        await repo.add_attempt(session, **vars(attempt))
        metrics.SYNC_ATTEMPTS.labels(target.platform, "verify", attempt.outcome).inc()
        await channels.mirror_derived(session, target)  # type: ignore[arg-type]
        await events.target_status(session, target)
        await repo.save_target(session, target)
        return nxt


def apply_verify(target: repo.TargetRow, attempt: SimpleNamespace, rb: ReadBack | ConnectorError, policy: str,
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


async def record_remove(deps: Deps, loaded: Loaded, outcome: Any, duration: int) -> Next:
    """A removal's answer: gone (settled), refused (a person is asked), or an error to retry
    like a push's."""
    if isinstance(outcome, ConnectorError) and not isinstance(outcome, ActionRequired):
        return await record_push(deps, loaded, outcome, duration, [], {})
    async with unit_of_work(deps.sessionmaker) as session:
        target = await repo.lock_target(session, loaded.target_id)
        if target is None:
            return Next()
        attempt = attempt_row(target.id, loaded.revision, "remove", utcnow(), duration)
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
