"""Database tables. One module: they are few, and migrations read them all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always read back aware, in UTC: SQLite keeps no time zone, and a
    naive datetime from one backend must never meet an aware one from the other."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _ts(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    drift_policy: str = Field(default="report", max_length=16)
    created_at: datetime = _ts()


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=128)
    created_at: datetime = _ts()
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # a key made by a user acts with that user's role and limits (and never more)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_only: bool = False
    labels: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    store_codes: list[str] | None = Field(default=None, sa_column=Column(JSONType))


class User(SQLModel, table=True):
    """A person who signs in to the dashboard. `labels`/`store_codes`: when either is set, the
    user sees and edits only the sites carrying one of those labels or codes."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=256)
    role: str = Field(max_length=16)  # admin | editor | viewer
    labels: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    store_codes: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "user_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ip: str | None = Field(default=None, max_length=64)


class EstablishmentRow(SQLModel, table=True):
    """An establishment's current state. `data` is the canonical record without store_code;
    the columns beside it are copies kept for filtering."""

    __tablename__ = "establishment"
    __table_args__ = (
        UniqueConstraint("organisation_id", "store_code"),
        Index("ix_establishment_org_locality", "organisation_id", "locality"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    store_code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    status: str = Field(max_length=32)
    locality: str = Field(max_length=100)
    postal_code: str | None = Field(default=None, max_length=16)
    data: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    revision: int = 1
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # what deleting it does on the platforms (close | remove | leave); set with deleted_at
    on_delete: str | None = Field(default=None, max_length=16)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EstablishmentLabel(SQLModel, table=True):
    __tablename__ = "establishment_label"
    __table_args__ = (Index("ix_establishment_label_label", "label"),)

    establishment_id: int = Field(foreign_key="establishment.id", primary_key=True, ondelete="CASCADE")
    label: str = Field(max_length=100, primary_key=True)


class Revision(SQLModel, table=True):
    """One change of one establishment: who, when, from where, and the field-level diff."""

    __table_args__ = (UniqueConstraint("establishment_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    establishment_id: int = Field(foreign_key="establishment.id", index=True, ondelete="CASCADE")
    number: int
    action: str = Field(max_length=16)  # create | update | delete | restore
    changes: list[dict[str, Any]] = Field(sa_column=Column(JSONType, nullable=False))
    snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    source: str = Field(max_length=16)  # api | import | cli | campaign
    source_ref: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"

    id: str = Field(primary_key=True, max_length=36)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    filename: str = Field(max_length=255)
    size: int
    sha256: str = Field(max_length=64)
    dry_run: bool
    allow_partial: bool
    outcome: str = Field(max_length=16)  # applied | dry_run | rejected | invalid_file
    summary: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    report: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    created_at: datetime = _ts()


class ImportRow(SQLModel, table=True):
    """One row of an import's report (`RowReport` JSON in `data`), stored apart from the run so
    that a 100,000-row report is written and read a page at a time."""

    __tablename__ = "import_row"

    import_id: str = Field(foreign_key="import_run.id", primary_key=True, max_length=36, ondelete="CASCADE")
    row: int = Field(primary_key=True)
    action: str = Field(max_length=16)  # create | update | unchanged | rejected
    data: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))


class PlatformConnection(SQLModel, table=True):
    """An organisation's link to one platform: its credentials (encrypted at rest) and options."""

    __tablename__ = "platform_connection"
    __table_args__ = (UniqueConstraint("organisation_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    platform: str = Field(max_length=32)
    enabled: bool = True
    credentials: str | None = Field(default=None)  # Fernet token of a JSON object
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    state: str = Field(default="connected", max_length=32)  # connected | action_required
    state_detail: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class SyncTarget(SQLModel, table=True):
    """One establishment on one platform: what it wants, what was pushed, where it stands."""

    __tablename__ = "sync_target"
    __table_args__ = (
        UniqueConstraint("establishment_id", "platform"),
        Index("ix_sync_target_org_platform_status", "organisation_id", "platform", "status"),
        Index("ix_sync_target_behind", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    establishment_id: int = Field(foreign_key="establishment.id", ondelete="CASCADE")
    platform: str = Field(max_length=32)
    status: str = Field(default="pending", max_length=32)
    wanted_revision: int = 0
    pushed_revision: int = 0
    remote_id: str | None = Field(default=None, max_length=200)
    remote_version: str | None = Field(default=None, max_length=200)  # etag, OSM version…
    pushed: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    attempts: int = 0
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expected_by: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    live_url: str | None = Field(default=None, max_length=500)
    last_error: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    updated_at: datetime = _ts()


class SyncAttempt(SQLModel, table=True):
    __tablename__ = "sync_attempt"

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="sync_target.id", index=True, ondelete="CASCADE")
    revision: int
    kind: str = Field(max_length=16)  # push | verify
    started_at: datetime = _ts()
    duration_ms: int = 0
    http_status: int | None = None
    outcome: str = Field(max_length=32)
    error: str | None = None
    field_errors: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONType))


class FeedDelivery(SQLModel, table=True):
    """One file delivered to a feed partner: what went out, where, and whether it arrived."""

    __tablename__ = "feed_delivery"
    __table_args__ = (Index("ix_feed_delivery_org_platform", "organisation_id", "platform", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    platform: str = Field(max_length=32)
    filename: str = Field(max_length=255)
    size: int = 0
    sha256: str = Field(default="", max_length=64)
    rows: int = 0
    location: str | None = Field(default=None, max_length=500)
    outcome: str = Field(max_length=32)  # delivered | retry | action_required | rejected | gave_up
    error: str | None = None
    created_at: datetime = _ts()


class Campaign(SQLModel, table=True):
    """A bulk change (phone migration, holiday closure…) over many sites: planned, scheduled,
    applied in batches, watched per platform, and undoable by a rollback campaign."""

    __table_args__ = (Index("ix_campaign_org_created", "organisation_id", "created_at"),
                      Index("ix_campaign_state_apply_at", "state", "apply_at"))

    id: str = Field(primary_key=True, max_length=36)
    organisation_id: int = Field(foreign_key="organisation.id")
    kind: str = Field(max_length=32)  # phone_migration | holiday_closure | rollback | transition_end
    state: str = Field(max_length=16)  # draft | scheduled | applying | applied | cancelled
    request: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    parent_id: str | None = Field(default=None, max_length=36)  # the campaign a rollback undoes
    apply_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    transition_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


class CampaignSite(SQLModel, table=True):
    """One site in a campaign: the fields before and after, the revision the plan was made
    against, and the revision the campaign wrote (or why it did not)."""

    __tablename__ = "campaign_site"

    campaign_id: str = Field(foreign_key="campaign.id", primary_key=True, max_length=36, ondelete="CASCADE")
    establishment_id: int = Field(foreign_key="establishment.id", primary_key=True, index=True,
                                  ondelete="CASCADE")
    store_code: str = Field(max_length=64)
    before: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    after: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    base_revision: int
    revision: int | None = None  # written by the campaign
    outcome: str = Field(default="planned", max_length=16)  # planned | applied | unchanged | conflict
    detail: str | None = None


# Integrations (issue 14): scheduled pulls, the neutral event outbox, webhooks, e-mail.


class Source(SQLModel, table=True):
    """An internal system Vitrine pulls sites from on a schedule (docs/integrations.md)."""

    __table_args__ = (UniqueConstraint("organisation_id", "name"), Index("ix_source_next_run", "enabled", "next_run_at"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    name: str = Field(max_length=100)
    kind: str = Field(max_length=8)  # json | csv | xlsx | sftp
    url: str = Field(max_length=1000)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    secrets: str | None = None  # Fernet token of a JSON object (token, password, client_cert…)
    schedule: str = Field(max_length=100)  # "every 30m", "every 6h", or a cron expression
    atomic: bool = True
    missing: str = Field(default="report", max_length=16)  # report | close | remove | leave
    enabled: bool = True
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    state: str = Field(default="new", max_length=16)  # new | ok | failed
    last_error: str | None = None
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    running_since: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the overlap lock
    created_at: datetime = _ts()


class SourceRun(SQLModel, table=True):
    """One pull that found new content (or failed): its import run, counts and report."""

    __tablename__ = "source_run"
    __table_args__ = (Index("ix_source_run_source_started", "source_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", ondelete="CASCADE")
    trigger: str = Field(max_length=16)  # schedule | manual
    outcome: str = Field(max_length=16)  # applied | rejected | failed
    import_id: str | None = Field(default=None, max_length=36)
    requests: int = 0
    bytes: int = 0
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    error: str | None = None
    started_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Event(SQLModel, table=True):
    """The neutral event outbox (`service/events.py`): written in the transaction of what
    happened, read by webhooks and notifications afterwards."""

    __table_args__ = (Index("ix_event_dispatched", "dispatched_at", "created_at"),)

    id: str = Field(primary_key=True, max_length=40)  # msg_<hex>: the webhook-id of its deliveries
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    created_at: datetime = _ts()
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    url: str = Field(max_length=1000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    secret: str  # Fernet token of {"secret": "whsec_..."}
    previous_secret: str | None = None  # still signed with until previous_expires_at
    previous_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    enabled: bool = True
    disabled_reason: str | None = None
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: delivered at least once, retried with backoff; `log` holds
    each attempt (at, status code, duration, error)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id"), Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
                      Index("ix_webhook_delivery_event", "event_id"))  # the outbox retention deletes by event

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE")
    event_id: str = Field(foreign_key="event.id", max_length=40)
    kind: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed (gave up)
    attempts: int = 0
    response_code: int | None = None
    duration_ms: int | None = None
    last_error: str | None = None
    log: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationRecipient(SQLModel, table=True):
    """Who receives e-mail: an organisation address now; `user_id` for per-user recipients
    once user accounts exist (then their digest covers their sites only)."""

    __tablename__ = "notification_recipient"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    email: str = Field(max_length=254)
    language: str = Field(default="fr", max_length=2)  # fr | en
    user_id: int | None = None
    immediate: bool = True
    digest: bool = True
    created_at: datetime = _ts()


class Notification(SQLModel, table=True):
    """Something a person must see, waiting to go out in the next grouped e-mail."""

    __table_args__ = (Index("ix_notification_unsent", "sent_at", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    created_at: datetime = _ts()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
