"""The connector protocol: how Vitrine talks to one directory.

Writing a connector for a new platform
--------------------------------------
A platform is a package `connectors/<key>/` with two modules:

* `mapping.py`: pure functions, no I/O. `render(record) -> Rendering` turns the canonical
  `schemas.Establishment` into the platform's payload, a dict whose top-level keys are the
  platform's own field names (Google `phoneNumbers`, Facebook `phone`, …). Each top-level key
  is the unit of change: the engine diffs the new rendering against the last one it pushed
  and asks the connector to send only the keys that differ. What the platform cannot take is
  listed in `Rendering.unsupported` with the reason: it appears in the sync status, it is
  never dropped silently.
* `connector.py`: a class implementing `Connector` below, doing HTTP through the one shared
  `httpx.AsyncClient` it is given. It never touches the database or Redis, never sleeps for
  rate limits (the engine's limiter does that before calling it), and signals trouble by
  raising exactly one of the three errors below. Anything else it raises is treated as a bug
  and retried like a `RetryableError`, with the traceback logged.

Then declare its `PlatformInfo` (honest capabilities, channel, quotas, typical delay) and add
the class to `connectors/registry.py`, and add an emulator to `connectors/sandbox/`. The
contract tests in `tests/connectors/test_contract.py` run over every registered connector.

Idempotency is the connector's job: a push may run twice (a worker killed after the platform
answered but before the database recorded it). Creates must not duplicate a listing: send a
stable request id (Google `requestId`) or look the listing up by our key first (Apple
`partnersLocationId`, Facebook `store_number`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import httpx

from schemas import Establishment


class Channel(StrEnum):
    api = "api"  # pushed through the platform's API, read back where it allows
    feed = "feed"  # delivered in a periodic file: `submitted`, never verifiable
    manual = "manual"  # a person edits it by hand; Vitrine lists what to change
    derived = "derived"  # fed by another platform (Waze from Google): its status mirrors that one


# Canonical fields a platform may accept, for `PlatformInfo.capabilities`.
FIELDS: tuple[str, ...] = (
    "name", "status", "address", "geo", "phones.primary", "phones.additional", "website", "email",
    "categories", "description", "hours.regular", "hours.special", "photos",
)


@dataclass(frozen=True)
class Quota:
    """`requests` per `per_seconds`, e.g. Quota(300, 60) for Google's 300 requests a minute."""

    requests: int
    per_seconds: float

    @property
    def interval(self) -> float:
        return self.per_seconds / self.requests


OptionType = Literal["str", "int", "number", "bool", "url", "host"]


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    name: str
    channel: Channel
    capabilities: frozenset[str]
    quota: Quota | None  # per set of credentials (a Google Cloud project, a Facebook app…)
    location_quota: Quota | None  # edits per listing, where the platform has such a limit
    typical_delay: timedelta  # from an accepted push to live, as the platform documents it
    verifiable: bool  # can Vitrine read the published listing back?
    default_base_url: str
    credentials: tuple[str, ...] = ()  # names of the secret fields a connection needs
    options: tuple[str, ...] = ()  # names of the non-secret settings (account id, page id…)
    # Type of each option not a plain string: "int", "number", "bool", or "url" / "host" for
    # a destination, which a connection may only name within the operator's allow-list
    # (VITRINE_PLATFORM_URL_ALLOWLIST); every platform also takes an optional "base_url" of type "url".
    option_types: Mapping[str, OptionType] = field(default_factory=dict, hash=False)
    # The sets of credentials that each suffice; None: all of `credentials` are needed.
    credential_sets: tuple[tuple[str, ...], ...] | None = None
    notes: str = ""
    follows: str | None = None  # Channel.derived: the platform whose status this one mirrors
    requires: frozenset[str] = frozenset()  # record fields without which no push is tried (REQUIREMENTS)
    # HTTP calls a push of a change to an existing listing costs, a first push (create or
    # link), and a read-back: the campaign ETAs and the fan-out count these against `quota`
    calls_per_push: int = 1
    calls_per_create: int = 1
    calls_per_read_back: int = 1
    quota_exempt: tuple[str, ...] = ()  # URL path suffixes the platform does not count (token endpoints)

    def missing_credentials(self, given: Mapping[str, Any]) -> list[str]:
        """The credentials still needed (those of the nearest complete set), or [] when enough."""
        present = {name for name, value in given.items() if str(value or "").strip()}
        sets = self.credential_sets or ((self.credentials,) if self.credentials else ())
        if not sets or any(set(s) <= present for s in sets):
            return []
        return min(([n for n in s if n not in present] for s in sets), key=len)


# What a platform may declare in `PlatformInfo.requires`, and what the person must do when the
# record lacks it: the sync engine marks the target `action_required` with this reason before
# any request (the record stays valid; only that platform waits for it).
REQUIREMENTS: dict[str, tuple[Any, str]] = {
    "categories": (lambda record: record.categories is not None, "add a primary category"),
}


def unmet_requirements(info: PlatformInfo, record: Establishment) -> str | None:
    """The reason a push of `record` to this platform cannot be tried, or None."""
    missing = [REQUIREMENTS[name][1] for name in sorted(info.requires) if not REQUIREMENTS[name][0](record)]
    return f"{info.name} needs more before it can publish this site: {'; '.join(missing)}" if missing else None


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str


class ConnectorError(Exception):
    def __init__(self, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status


class RetryableError(ConnectorError):
    """Try again later: throttling, 5xx, timeouts. `retry_after` in seconds when the platform
    says (Retry-After, Facebook's estimated_time_to_regain_access)."""

    def __init__(self, message: str, *, retry_after: float | None = None, http_status: int | None = None,
                 throttled: bool = False):
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after
        self.throttled = throttled


class ActionRequired(ConnectorError):
    """Only a person can unblock it: credentials expired, listing unverified, ownership…"""

    def __init__(self, reason: str, *, http_status: int | None = None):
        super().__init__(reason, http_status=http_status)
        self.reason = reason


class Rejected(ConnectorError):
    """The platform refuses this content for good; retrying the same data cannot help."""

    def __init__(self, message: str, field_errors: list[FieldError] | None = None, *,
                 http_status: int | None = None):
        super().__init__(message, http_status=http_status)
        self.field_errors = field_errors or []


@dataclass
class Rendering:
    payload: dict[str, Any]
    unsupported: dict[str, str] = field(default_factory=dict)  # canonical field -> why it was not sent


PushState = Literal["awaiting_review", "submitted", "live"]


@dataclass
class PushResult:
    remote_id: str
    state: PushState  # where the listing stands right after this push
    http_status: int | None = None
    remote_version: str | None = None  # etag / version for the next conditional update
    live_url: str | None = None
    created: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


ReadState = Literal["live", "awaiting_review", "action_required", "failed"]


@dataclass
class ReadBack:
    """What the platform shows now, compared by the connector with what was pushed."""

    state: ReadState
    mismatched: list[str] = field(default_factory=list)  # rendered keys whose live value differs
    pending: list[str] = field(default_factory=list)  # keys still under review
    third_party: list[str] = field(default_factory=list)  # keys the platform changed on its own
    live_url: str | None = None
    remote_version: str | None = None
    message: str | None = None
    http_status: int | None = None


@dataclass
class PushContext:
    """What the engine knows of this listing on this platform."""

    store_code: str
    remote_id: str | None
    remote_version: str | None
    previous: dict[str, Any] | None  # the payload last pushed, None before the first push
    changed: list[str]  # top-level payload keys that differ from `previous` (all on a create)
    request_id: str  # stable per establishment and platform: use it for idempotent creates
    # False on a listing's first push: no earlier push of it can have created it on the
    # platform. True when an earlier one failed or was cut short after it may have sent a
    # create: a connector must then look for that listing before creating one.
    may_exist: bool = True


@runtime_checkable
class Connector(Protocol):
    info: ClassVar[PlatformInfo]

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None: ...

    def render(self, record: Establishment) -> Rendering:
        """Pure: canonical record -> platform payload (usually `mapping.render`)."""

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        """Create the listing (no `ctx.remote_id`) or send the `ctx.changed` keys."""

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        """Read the published listing and compare it with `pushed` (the last payload sent)."""


@runtime_checkable
class Removable(Protocol):
    """Optional capability: the platform lets an API client remove a listing.

    The engine calls `remove` when a site is deleted with `on_platforms=remove` and this
    connector has pushed it (`remote_id`). Return a sentence saying what was done; raise one of
    the three errors otherwise. A listing already gone is a success (a delete may run twice).
    Platforms without it get `action_required`: a person removes the listing by hand."""

    async def remove(self, remote_id: str) -> str: ...


def expected_by(info: PlatformInfo, now: datetime) -> datetime:
    return now + info.typical_delay


@dataclass
class Delivery:
    """A feed file handed to a partner."""

    filename: str
    size: int
    sha256: str
    rows: int
    location: str  # remote path or URL


@runtime_checkable
class FeedConnector(Protocol):
    """A `Channel.feed` platform: no per-listing API; the engine renders one row per connected
    establishment (`render`), and delivers the whole feed at once (`deliver`). Deliveries cannot
    be read back: included sites are `submitted` with an expected-live date from `info`."""

    info: ClassVar[PlatformInfo]

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None: ...

    def render(self, record: Establishment) -> Rendering:
        """Pure: one feed row (column -> text) for this establishment."""

    async def deliver(self, rows: list[dict[str, Any]], org_slug: str) -> Delivery:
        """Render the whole file from `rows` and deliver it; raise one of the three errors."""
