"""Feed delivery: one file per organisation and partner, carrying every connected site.

A change to a site wants a feed delivery, not a push: the push job of a feed target only asks
for `deliver_feed(org, platform)`, whose fixed job key (`feed:{org}:{platform}`) and batching
delay coalesce a whole import or campaign into one file. The delivery is recorded (file, size,
checksum, rows, where it went); each included site is then `submitted`, expected live after the
partner's typical delay. A failed delivery is retried like a push; a site changed after the file
was rendered goes out in the next one.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from datetime import timedelta
from typing import Any

from connectors.base import ActionRequired, ConnectorError, FeedConnector, Rejected, RetryableError
from schemas import Establishment
from service.db import unit_of_work
from service.models import FeedDelivery, Organisation, SyncAttempt, SyncTarget, utcnow
from service.platforms import repository as platforms_repo
from service.sync import repository as repo
from service.sync.deletion import closed_record
from service.sync.engine import Deps, Next, backoff
from service.sync.limiter import Limit, acquire
from service.sync.quotas import quotas_for

log = logging.getLogger("vitrine.sync")


def _slug(name: str) -> str:
    """'Horizon Santé (démo)' -> 'horizon-sante-demo', for file names."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "org"


async def deliver_feed(deps: Deps, org_id: int, platform: str) -> Next:
    async with unit_of_work(deps.sessionmaker) as session:
        connection = await platforms_repo.get_connection(session, org_id, platform)
        org = await session.get(Organisation, org_id)
        if connection is None or not connection.enabled or org is None:
            return Next()
        sites = await repo.feed_sites(session, org_id, platform)
        if not sites:
            return Next()
        attempts = max(t.attempts for t, _ in sites)
    connector: FeedConnector = deps.connector(connection)  # type: ignore[assignment]
    rows, included = [], []
    for target, row in sites:
        record = (closed_record(row) if row.deleted_at is not None else
                  Establishment.model_validate({"store_code": row.store_code, **row.data}))
        rendering = connector.render(record)
        rows.append(rendering.payload)
        included.append((target.id, row.revision, rendering.payload, rendering.unsupported))
    shared, _ = quotas_for(deps.settings, platform)
    slept = await acquire(deps.limiter, [Limit(f"{platform}:{connection.id}", shared)] if shared else [],
                          deps.settings.sync_max_wait)
    if slept is not None and slept < 0:
        return Next(feed_in=-slept)
    started = time.monotonic()
    try:
        outcome: Any = await connector.deliver(rows, _slug(org.name))
    except ConnectorError as exc:
        outcome = exc
    except Exception as exc:  # a bug in the partner's renderer or transport: logged, retried
        log.exception("sync.feed.crashed platform=%s organisation=%s", platform, org_id)
        outcome = RetryableError(f"internal error delivering the {platform} feed: {type(exc).__name__}: {exc}")
    return await _record(deps, org_id, platform, connector, included, outcome,
                         int((time.monotonic() - started) * 1000), attempts)


async def _record(deps: Deps, org_id: int, platform: str, connector: FeedConnector,
                  included: list[tuple[int, int, dict[str, Any], dict[str, str]]], outcome: Any, duration: int,
                  attempts: int) -> Next:
    settings = deps.settings
    now = utcnow()
    async with unit_of_work(deps.sessionmaker) as session:
        delivery = FeedDelivery(organisation_id=org_id, platform=platform, filename="", outcome="delivered")
        if isinstance(outcome, ConnectorError):
            delivery.error = outcome.message
            delivery.outcome = {RetryableError: "retry", ActionRequired: "action_required",
                                Rejected: "rejected"}[type(outcome)]
        else:
            delivery.filename, delivery.size, delivery.sha256 = outcome.filename, outcome.size, outcome.sha256
            delivery.rows, delivery.location = outcome.rows, outcome.location
        nxt = Next()
        retry_in = backoff(settings, attempts + 1, getattr(outcome, "retry_after", None))
        if isinstance(outcome, RetryableError) and attempts + 1 >= settings.sync_max_attempts:
            delivery.outcome = "gave_up"
        elif isinstance(outcome, RetryableError):
            nxt.feed_in = retry_in
        for target_id, revision, payload, unsupported in included:
            target = await session.get(SyncTarget, target_id, with_for_update=True)
            if target is None:
                continue
            session.add(SyncAttempt(target_id=target_id, revision=revision, kind="feed", started_at=now,
                                    duration_ms=duration, outcome=delivery.outcome, error=delivery.error,
                                    http_status=getattr(outcome, "http_status", None)))
            target.last_attempt_at, target.updated_at = now, now
            if isinstance(outcome, ConnectorError):
                target.last_error = outcome.message
                if target.status in ("pending", "in_progress"):
                    if delivery.outcome == "retry":
                        target.status, target.attempts = "in_progress", target.attempts + 1
                        target.next_attempt_at = now + timedelta(seconds=retry_in)
                    else:
                        target.status = {"action_required": "action_required"}.get(delivery.outcome, "failed")
                        target.next_attempt_at = None
                continue
            if revision > target.pushed_revision or target.status in ("pending", "in_progress"):
                target.expected_by = now + connector.info.typical_delay
            target.pushed_revision = max(target.pushed_revision, revision)
            target.pushed, target.status, target.attempts, target.last_error = payload, "submitted", 0, None
            target.next_attempt_at = None
            target.detail = {"unsupported": unsupported, "delivery": delivery.filename}
            if target.wanted_revision > target.pushed_revision:
                target.status = "pending"  # changed after the file was rendered: in the next one
                nxt.feed_in = settings.feed_batch_seconds
        session.add(delivery)
    log.info("sync.feed.%s platform=%s organisation=%s rows=%d", delivery.outcome, platform, org_id, len(included))
    return nxt
