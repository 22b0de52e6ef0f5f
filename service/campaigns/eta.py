"""When a bulk change should be done on each platform, from its quota and its queue.

The model is the one the sync engine follows: every changed site costs a push per API platform
and a read-back where Vitrine reads listings back, each of as many HTTP calls as the platform's
`PlatformInfo` declares (`calls_per_push`, `calls_per_read_back`: a Facebook read-back is two),
every call taking a token of the same shared quota, sent at the pace of that quota (the limiter runs at 98% of it) behind
whatever the organisation already has waiting there; then the platform's own typical delay to
publish. Review polls of listings still under review come on top and are not counted. Feed partners get the change in the next file (after the batching
window), then publish on their own delay. A derived platform follows the one it mirrors; a
manual one waits for a person, so it has no date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.base import Channel
from connectors.registry import CONNECTORS
from service.settings import Settings
from service.sync.limiter import Limit
from service.sync.quotas import quotas_for

UNLIMITED_SECONDS_PER_REQUEST = 0.5  # an assumed round trip when a platform sets no quota


@dataclass(frozen=True)
class Eta:
    requests: int
    quota: str | None
    sent_by: datetime | None
    done_by: datetime | None
    done_state: str  # live | submitted | manual
    note: str | None = None


def quota_text(settings: Settings, platform: str) -> str | None:
    shared, location = quotas_for(settings, platform)
    if shared is None:
        return None
    text = f"{shared.requests}/{shared.per_seconds:g}s"
    return text + (f", {location.requests}/{location.per_seconds:g}s per site" if location else "")


def estimate(settings: Settings, platform: str, sites: int, queued: int, start: datetime,
             others: dict[str, Eta] | None = None, last_delivery: datetime | None = None) -> Eta:
    """`sites` still to publish, `queued` other targets ahead of them, from `start`; for a feed,
    `last_delivery` is when the partner last got a file (its quota counts files)."""
    info = CONNECTORS[platform].info
    start = start + timedelta(seconds=settings.sync_debounce_seconds)
    if info.channel == Channel.manual:
        return Eta(0, None, None, None, "manual",
                   f"no write API: {sites} site(s) listed for a person to edit on the owner portal")
    if info.channel == Channel.derived:
        followed = (others or {}).get(info.follows or "")
        if followed is None or followed.done_by is None:
            return Eta(0, None, None, None, "live", f"follows {info.follows}, which is not connected")
        return Eta(0, None, followed.sent_by, followed.done_by + info.typical_delay, "live",
                   f"follows {info.follows}: no request of its own")
    if info.channel == Channel.feed:
        sent = start + timedelta(seconds=settings.feed_batch_seconds) if sites else start
        shared, _ = quotas_for(settings, platform)
        if sites and shared is not None and last_delivery is not None:
            sent = max(sent, last_delivery + timedelta(seconds=shared.interval))  # the partner's files-per-period
        return Eta(1 if sites else 0, quota_text(settings, platform), sent, sent, "submitted",
                   f"one file for every site; the partner publishes about {_human(info.typical_delay)} later")
    per_site = info.calls_per_push + (info.calls_per_read_back if info.verifiable else 0)  # HTTP calls
    requests = (sites + queued) * per_site
    shared, _ = quotas_for(settings, platform)
    if shared is None:
        seconds = requests * UNLIMITED_SECONDS_PER_REQUEST / max(1, settings.sync_concurrency)
        note = "no quota: estimated at an assumed 0.5 s per request"
    else:
        seconds = requests * Limit(platform, shared).interval  # the limiter's own pace
        note = None
    sent = start + timedelta(seconds=seconds)
    done = sent + info.typical_delay
    if info.typical_delay:
        delay = f"then about {_human(info.typical_delay)} for the platform to publish"
        note = f"{note}; {delay}" if note else delay
    return Eta(sites * per_site, quota_text(settings, platform), sent, done, "live", note)


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 2 * 3600:
        return f"{seconds // 3600} hours"
    if seconds >= 120:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"
