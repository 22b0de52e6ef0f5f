"""API bodies of the integrations: sources (scheduled pull), webhooks, e-mail recipients."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from schemas.text import Setting

EventKind = Literal["listing.status_changed", "campaign.completed", "import.completed", "source.failed"]


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.-]+$")
    kind: Literal["json", "csv", "xlsx", "sftp"]
    url: Setting = Field(max_length=1000, description="https://… (sftp://host:port/path for SFTP)")
    schedule: Setting = Field("every 1h", max_length=100, description="'every 30m', 'every 6h', or a cron expression")
    mapping: dict[Setting, Setting] = Field(default_factory=dict, max_length=200,
                                    description="JSON: source path -> field; CSV/XLSX: header -> field (optional)")
    items_path: Setting | None = Field(None, description="JSON: where the list of sites is, e.g. data.sites")
    next_path: Setting | None = Field(None, description="JSON: where the next page's link is, e.g. links.next")
    page_param: Setting | None = Field(None, description="JSON: the page-number query parameter, e.g. page")
    headers: dict[Setting, Setting] = Field(default_factory=dict, max_length=50,
                                           description="extra request headers (not secret)")
    known_hosts: Setting | None = Field(None, description="SFTP: the server's host key line (pinned)")
    secrets: dict[str, str] = Field(default_factory=dict, description=(
        "token, username, password, client_cert, client_key, private_key: encrypted at rest, never shown"))
    atomic: bool = Field(True, description="true: one rejected row rejects the run; false: valid rows go in")
    missing: Literal["report", "close", "remove", "leave"] = Field("report", description=(
        "a site the source no longer lists: report it in the run (default), or delete it with this choice on the "
        "platforms, as DELETE /establishments/{code}?on_platforms=…: close (permanently closed everywhere), "
        "remove, leave (stop managing it)"))
    enabled: bool = True


class SourceRunPublic(BaseModel):
    id: int
    trigger: str
    outcome: str
    import_id: str | None
    requests: int
    bytes: int
    counts: dict[str, Any]
    missing: list[str]
    error: str | None
    started_at: datetime
    finished_at: datetime | None


class SourcePublic(BaseModel):
    name: str
    kind: str
    url: str
    schedule: str
    options: dict[str, Any]
    secrets: list[str] = Field(description="the names of the stored secrets (values are never shown)")
    atomic: bool
    missing: str
    enabled: bool
    state: str
    last_error: str | None
    last_checked_at: datetime | None
    next_run_at: datetime | None
    created_at: datetime


class SourceRunResult(BaseModel):
    unchanged: bool = Field(description="the source answered 304 / same file: no run was created")
    run: SourceRunPublic | None


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Setting = Field(max_length=1000)
    events: list[EventKind] = Field(min_length=1)


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    secret: str | None = Field(None, description="shown once, when created or rotated")


class DeliveryPublic(BaseModel):
    id: int
    event_id: str
    kind: str
    status: str
    attempts: int
    response_code: int | None
    duration_ms: int | None
    last_error: str | None
    log: list[dict[str, Any]]
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


class RecipientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    language: Literal["fr", "en"] = "fr"
    immediate: bool = True
    digest: bool = True
