"""Bulk changes over many sites: what a caller asks for, and what Vitrine answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CampaignKind = Literal["phone_migration", "holiday_closure", "rollback", "transition_end"]
CampaignState = Literal["draft", "scheduled", "applying", "applied", "cancelled"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MappingItem(_Body):
    store_code: str = Field(min_length=1, max_length=64)
    new_phone: str = Field(min_length=1, max_length=40, examples=["04 78 12 34 56"])
    old_phone: str | None = Field(default=None, max_length=40,
                                  description="A guard: the site must have this number today.")


class ReplaceRule(_Body):
    """Replace one number by another wherever it appears, as primary or additional."""

    old: str = Field(min_length=1, max_length=40, examples=["0 892 68 01 23"])
    new: str = Field(min_length=1, max_length=40, examples=["04 78 00 00 00"])


class PrefixRule(_Body):
    """Move every number starting with `from_prefix` to `to_prefix`, keeping the rest."""

    from_prefix: str = Field(min_length=2, max_length=20, examples=["+33892"])
    to_prefix: str = Field(min_length=2, max_length=20, examples=["+33478"])


class Selection(_Body):
    """Which sites: the listed store codes, or the sites with a label; all of them when empty."""

    store_codes: list[str] | None = Field(default=None, max_length=100_000)
    label: str | None = Field(default=None, max_length=100)


class Schedule(_Body):
    dry_run: bool = Field(default=False, description="Plan and estimate only: nothing is written. "
                          "The campaign is kept as a draft you can apply later.")
    apply_at: datetime | None = Field(default=None, description="Scheduled cut-over (with a time zone).")
    name: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _aware(self) -> Schedule:
        if self.apply_at is not None and self.apply_at.tzinfo is None:
            raise ValueError("apply_at needs a time zone, e.g. 2026-12-01T06:00:00+01:00")
        return self


class PhoneMigrationRequest(Schedule):
    mapping: list[MappingItem] | None = Field(default=None, max_length=100_000)
    replace: ReplaceRule | None = None
    prefix: PrefixRule | None = None
    sites: Selection | None = Field(default=None, description="Limits `replace` and `prefix` to these sites.")
    keep_old_as_additional: bool = Field(
        default=False, description="Keep the old number as an additional one until `keep_old_until`.")
    keep_old_until: datetime | None = None

    @model_validator(mode="after")
    def _one_way(self) -> PhoneMigrationRequest:
        given = [k for k in ("mapping", "replace", "prefix") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of mapping, replace or prefix")
        if self.mapping is not None and self.sites is not None:
            raise ValueError("sites selects sites for replace or prefix; a mapping names its own")
        if self.keep_old_as_additional and self.keep_old_until is None:
            raise ValueError("keep_old_as_additional needs keep_old_until: when the old number goes")
        if self.keep_old_until is not None:
            if not self.keep_old_as_additional:
                raise ValueError("keep_old_until only applies with keep_old_as_additional")
            if self.keep_old_until.tzinfo is None:
                raise ValueError("keep_old_until needs a time zone")
            if self.apply_at is not None and self.keep_old_until <= self.apply_at:
                raise ValueError("keep_old_until must come after apply_at")
        return self


class HolidayClosureRequest(Schedule):
    """Close every selected site (or open it with `intervals`) from `start_date` to `end_date`."""

    start_date: date
    end_date: date | None = None
    closed: bool = True
    intervals: list[dict[str, str]] = Field(default_factory=list, examples=[[{"open": "09:00", "close": "12:00"}]])
    sites: Selection | None = None


class RollbackRequest(_Body):
    dry_run: bool = False
    apply_at: datetime | None = None


class ApplyRequest(_Body):
    apply_at: datetime | None = Field(default=None, description="Leave empty to apply now.")


class SitePlan(BaseModel):
    store_code: str
    before: dict[str, Any]
    after: dict[str, Any]
    base_revision: int
    outcome: str
    revision: int | None = None
    detail: str | None = None


class CampaignSiteStatus(SitePlan):
    """A site of a campaign, with its status on every platform."""

    platforms: dict[str, dict[str, Any]]


class PlatformSend(BaseModel):
    store_code: str
    fields: dict[str, Any] = Field(description="The platform fields this change sends, with their new values.")


class PlatformPlan(BaseModel):
    platform: str
    channel: str
    sites: int = Field(description="Sites whose change this platform will receive.")
    requests: int = Field(description="Rate-limited requests Vitrine will make: a push per site, and a "
                          "read-back where Vitrine reads listings back (one file for a feed).")
    queued_ahead: int = Field(description="Targets of this organisation already waiting on the platform.")
    quota: str | None
    sent_by: datetime | None = Field(description="When the last site should be pushed (or delivered in a file).")
    done_by: datetime | None = Field(description="When every site should be live (or submitted, for feeds).")
    done_state: str = Field(description="What `done_by` means: live, submitted or manual.")
    reachable: bool
    note: str | None = None
    sends: list[PlatformSend] = Field(default_factory=list)


class PlatformProgress(BaseModel):
    platform: str
    channel: str
    reachable: bool
    total: int
    done: int
    percent: float
    counts: dict[str, int]
    eta: datetime | None
    note: str | None = None
    failures: list[dict[str, Any]] = Field(default_factory=list)


class CampaignPublic(BaseModel):
    id: str
    kind: CampaignKind
    state: CampaignState
    name: str | None
    parent_id: str | None
    apply_at: datetime | None
    transition_ends_at: datetime | None
    started_at: datetime | None
    applied_at: datetime | None
    created_at: datetime
    summary: dict[str, Any]


class CampaignPlanResponse(CampaignPublic):
    """A campaign just created: its sites and, per platform, what will be sent and when."""

    sites: list[SitePlan]
    platforms: list[PlatformPlan]


class CampaignProgress(CampaignPublic):
    percent: float = Field(description="Share of (site, reachable platform) pairs done.")
    platforms: list[PlatformProgress]
