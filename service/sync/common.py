"""What the sync flows share: the job's dependencies (`Deps`), what to schedule next (`Next`),
the target a push has claimed (`Loaded`), and small helpers with no database or HTTP of their
own. Split from `engine` (the flows) and `outcomes` (recording what a call did)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import Connector
from connectors.registry import CONNECTORS
from schemas import Establishment
from schemas.sync import OnPlatforms
from service import metrics
from service.models import PlatformConnection
from service.platforms.credentials import decrypt
from service.platforms.endpoints import base_url, connector_options
from service.settings import Settings
from service.sync.limiter import Limit, Limiter
from service.sync.quotas import quotas_for

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
    """What every job needs, made once per process (the worker, the in-process runner)."""

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
class Loaded:
    """A target claimed for a push (`in_progress`), with all the push needs, read in one transaction."""

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


def shared_limit(deps: Deps, platform: str, connection: PlatformConnection) -> Limit | None:
    """The platform's shared quota for this connection's credentials: every HTTP call takes a token."""
    shared = quotas_for(deps.settings, platform)[0]
    return Limit(f"{platform}:{connection.id}", shared) if shared else None


def attempt_row(target_id: int, revision: int, kind: str, now: Any, duration: int) -> SimpleNamespace:
    """A sync_attempt row to fill in, then insert (`repo.add_attempt`)."""
    return SimpleNamespace(target_id=target_id, revision=revision, kind=kind, started_at=now, duration_ms=duration,
                           outcome="ok", http_status=None, error=None, field_errors=None)

