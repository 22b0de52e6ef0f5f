"""Shaping sync rows for the API and the CLI."""

from schemas.sync import SyncSummary, SyncTargetPublic
from service.models import SyncTarget


def public_row(target: SyncTarget, store_code: str) -> SyncTargetPublic:
    detail = {k: v for k, v in target.detail.items() if k != "last_state" and v}
    return SyncTargetPublic(store_code=store_code, platform=target.platform, status=target.status,  # type: ignore[arg-type]
                            wanted_revision=target.wanted_revision, pushed_revision=target.pushed_revision,
                            attempts=target.attempts, last_attempt_at=target.last_attempt_at,
                            next_attempt_at=target.next_attempt_at, expected_by=target.expected_by,
                            live_url=target.live_url, last_error=target.last_error, remote_id=target.remote_id,
                            detail=detail)


def summarise(counts: list[tuple[str, str, int]]) -> SyncSummary:
    platforms: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for platform, status, count in counts:
        platforms.setdefault(platform, {})[status] = count
        totals[status] = totals.get(status, 0) + count
    return SyncSummary(platforms=platforms, totals=totals)
