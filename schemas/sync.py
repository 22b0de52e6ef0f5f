"""Propagation status bodies (per establishment × platform)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class OnPlatforms(StrEnum):
    """What deleting a site does on the platforms. `leave` is the default: a record deleted by
    mistake must not close or wipe a hospital's listings; `close` and `remove` must be asked for."""

    close = "close"  # mark the listing permanently closed everywhere (a site that shut)
    remove = "remove"  # remove the listing where the platform allows it; elsewhere a person must
    leave = "leave"  # stop managing it: listings stay as they are


# Statuses after which a deleted site needs nothing more on that platform: it leaves the status views.
SETTLED_AFTER_DELETE = ("live", "submitted", "not_connected")


class SyncStatus(StrEnum):
    not_connected = "not_connected"
    pending = "pending"
    in_progress = "in_progress"
    awaiting_review = "awaiting_review"
    submitted = "submitted"
    live = "live"
    drifted = "drifted"
    action_required = "action_required"
    failed = "failed"


class SyncTargetPublic(BaseModel):
    store_code: str
    platform: str
    status: SyncStatus
    wanted_revision: int
    pushed_revision: int
    attempts: int
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    expected_by: datetime | None
    live_url: str | None
    last_error: str | None
    remote_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, description=(
        "`unsupported`: canonical fields this platform cannot take, with why; `drift`: fields the platform "
        "shows differently; `pending`: fields under review; `field_errors`: the platform's own messages; "
        "`deletion`: for a deleted site, the choice (`on_platforms`) and what was done or is awaited."))


class SyncSummary(BaseModel):
    platforms: dict[str, dict[str, int]] = Field(description="platform -> status -> count")
    totals: dict[str, int]


class SyncAttemptPublic(BaseModel):
    id: int
    revision: int
    kind: str
    started_at: datetime
    duration_ms: int
    http_status: int | None
    outcome: str
    error: str | None
    field_errors: list[dict[str, Any]] | None


class QuotaPublic(BaseModel):
    requests: int
    per_seconds: float


class PlatformPublic(BaseModel):
    key: str
    name: str
    channel: str
    capabilities: list[str]
    quota: QuotaPublic | None
    location_quota: QuotaPublic | None
    typical_delay_seconds: int
    verifiable: bool
    connection: str = Field(description="not_connected | connected | disabled | action_required")
    notes: str = ""
    credentials: list[str] = Field(default_factory=list, description="Names of the secret fields it takes")
    options: dict[str, str] = Field(default_factory=dict, description=(
        "Option name -> type (str, int, number, bool; url or host: a destination, only within the "
        "operator's allow-list)"))


class ConnectionCreate(BaseModel):
    credentials: dict[str, str] = Field(default_factory=dict, description="Secret values; stored encrypted, never returned.")
    options: dict[str, Any] = Field(default_factory=dict, description=(
        "The platform's own options (GET /api/v1/platforms lists them): account, page or org ids. A "
        "destination (`base_url`, `upload_url`, an SFTP `host`) only within the operator's allow-list."))


class SyncRequest(BaseModel):
    platform: str | None = None
