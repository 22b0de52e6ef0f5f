"""The canonical establishment record.

`Establishment` is what a group keeps for one site; every import, API call and campaign is
validated against it. Its JSON shape is Vitrine's public shape (API bodies and `--json`).
Validation is strict and names the field path of every error; light, unambiguous cleaning
happens here too so that the API and the Excel import agree (a French phone written
`01 23 45 67 89` becomes `+33123456789` using the address's country as default region).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from enum import StrEnum
from typing import Annotated, Any, Literal

import phonenumbers
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DOT_ATOM_TEXT
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.networks import validate_email

from schemas.categories import CATEGORIES
from schemas.text import (AddressLine, Caption, Description, Label, Locality, Name, PlatformIds, PostalCode,
                          Region)

DAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
STORE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
_STORE_CODE = re.compile(STORE_CODE_PATTERN)


def possible_store_code(value: str) -> bool:
    """Whether a store code of this shape can exist: a path parameter that cannot is a 404
    before any query (and a NUL never reaches the database)."""
    return _STORE_CODE.fullmatch(value) is not None
_HTTP_URL = TypeAdapter(HttpUrl)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _check_url(value: str) -> str:
    url = _HTTP_URL.validate_python(value)
    if not url.host or "." not in url.host:
        raise ValueError("the URL needs a host name with a domain, e.g. https://www.example.fr/")
    return str(url)


WebUrl = Annotated[str, AfterValidator(_check_url)]


class Status(StrEnum):
    open = "open"
    closed_temporarily = "closed_temporarily"
    closed_permanently = "closed_permanently"
    opening_soon = "opening_soon"


class Interval(Model):
    """One opening interval. `24:00` ends a day; close < open runs past midnight."""

    open: str = Field(examples=["08:00"])
    close: str = Field(examples=["19:00"])

    @field_validator("open", "close")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"time must be HH:MM between 00:00 and 24:00, got {value!r}")
        return value

    @model_validator(mode="after")
    def _order(self) -> Interval:
        if self.open == "24:00":
            raise ValueError("24:00 can only close an interval")
        if self.open == self.close:
            raise ValueError(f"interval {self.open}-{self.close} is empty")
        return self

    def span(self) -> tuple[int, int]:
        """Minutes from the day's start; an overnight close is past 1440."""
        start, end = _minutes(self.open), _minutes(self.close)
        return start, end if end > start else end + 24 * 60


def _check_day(intervals: list[Interval]) -> list[Interval]:
    ordered = sorted(intervals, key=lambda i: i.span())
    for before, after in zip(ordered, ordered[1:]):
        if after.span()[0] < before.span()[1]:
            raise ValueError(
                f"intervals {before.open}-{before.close} and {after.open}-{after.close} overlap"
            )
    return ordered


DayIntervals = Annotated[list[Interval], AfterValidator(_check_day)]


class RegularHours(Model):
    """All seven days; an empty list is a closed day."""

    monday: DayIntervals = Field(default_factory=list)
    tuesday: DayIntervals = Field(default_factory=list)
    wednesday: DayIntervals = Field(default_factory=list)
    thursday: DayIntervals = Field(default_factory=list)
    friday: DayIntervals = Field(default_factory=list)
    saturday: DayIntervals = Field(default_factory=list)
    sunday: DayIntervals = Field(default_factory=list)

    def days(self) -> list[tuple[str, list[Interval]]]:
        return [(day, getattr(self, day)) for day in DAYS]

    def is_always_open(self) -> bool:
        return all(
            len(ivs) == 1 and ivs[0].open == "00:00" and ivs[0].close == "24:00"
            for _, ivs in self.days()
        )


class SpecialHours(Model):
    """Holiday or exceptional hours for a date range (inclusive)."""

    start_date: date
    end_date: date | None = None
    closed: bool = False
    intervals: DayIntervals = Field(default_factory=list)

    @model_validator(mode="after")
    def _coherent(self) -> SpecialHours:
        if self.end_date is None:
            self.end_date = self.start_date
        if self.end_date < self.start_date:
            raise ValueError("end_date: is before start_date")
        if self.closed and self.intervals:
            raise ValueError("a closed period has no intervals")
        if not self.closed and not self.intervals:
            raise ValueError("an open special period needs intervals (or closed: true)")
        return self


class Hours(Model):
    regular: RegularHours = Field(default_factory=RegularHours)
    special: list[SpecialHours] = Field(default_factory=list)

    @field_validator("special")
    @classmethod
    def _no_overlap(cls, periods: list[SpecialHours]) -> list[SpecialHours]:
        ordered = sorted(periods, key=lambda p: p.start_date)
        for before, after in zip(ordered, ordered[1:]):
            if after.start_date <= before.end_date:  # type: ignore[operator]
                raise ValueError(f"special periods starting {before.start_date} and {after.start_date} overlap")
        return ordered


class Address(Model):
    lines: list[AddressLine] = Field(min_length=1, max_length=5)
    postal_code: PostalCode | None = None
    sub_locality: Locality | None = Field(default=None, description="District or neighbourhood "
                                          "(Google's `sublocality`), e.g. Les Abymes' Raizet")
    locality: Locality
    region: Region | None = None
    country: str = Field(default="FR", description="ISO 3166-1 alpha-2 country code")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown ISO 3166-1 alpha-2 country code {value!r}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _numeric_postal_code(cls, data: Any) -> Any:
        # a spreadsheet cell typed as a number loses the leading zero: 1000 is 01000 in France
        if isinstance(data, dict) and isinstance(data.get("postal_code"), int | float):
            code = data["postal_code"]
            if isinstance(code, bool) or code != int(code):
                return data
            country = str(data.get("country") or "FR").strip().upper()
            text = str(int(code))
            data = {**data, "postal_code": text.zfill(5) if country == "FR" else text}
        return data

    @model_validator(mode="after")
    def _postal_code(self) -> Address:
        if self.country == "FR" and self.postal_code is not None:
            if not re.fullmatch(r"\d{5}", self.postal_code):
                raise ValueError(f"postal_code: a French postal code has five digits, got {self.postal_code!r}")
        return self


class Geo(Model):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


@lru_cache(maxsize=65536)  # pure; an import parses the number normalize_phone just produced
def _e164(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{value!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_KNOWN_E164: set[str] = set()  # numbers _normalize_phone formatted from a valid parse: E.164 already


def _e164_checked(value: str) -> str:
    return value if value in _KNOWN_E164 else _e164(value)


E164 = Annotated[str, AfterValidator(_e164_checked)]


class Phones(Model):
    primary: E164 | None = Field(default=None, examples=["+33123456789"])
    additional: list[E164] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _distinct(self) -> Phones:
        seen = [self.primary, *self.additional] if self.primary else list(self.additional)
        if len(set(seen)) != len(seen):
            raise ValueError("the same number is listed twice")
        return self


class Categories(Model):
    primary: str = Field(examples=["hospital"])
    additional: list[str] = Field(default_factory=list, max_length=9)

    @field_validator("primary")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r} (see docs/categories.md)")
        return value

    @field_validator("additional")
    @classmethod
    def _known_list(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown categories {unknown} (see docs/categories.md)")
        if len(set(values)) != len(values):
            raise ValueError("a category is listed twice")
        return values

    @model_validator(mode="after")
    def _primary_not_repeated(self) -> Categories:
        if self.primary in self.additional:
            raise ValueError(f"additional: {self.primary!r} is already the primary category")
        return self


PhotoKind = Literal["cover", "logo", "profile", "exterior", "interior", "team", "other"]


class Photo(Model):
    url: WebUrl
    kind: PhotoKind = "other"
    caption: Caption | None = None


# Overseas France: each territory has its own numbering plan (ITU region), known by the first
# three digits of its postal code. A national number of a site in Guadeloupe (0590…) is +590,
# not a metropolitan +33 number. Source: ARCEP numbering plan and La Poste's postal codes
# (971 Guadeloupe, 972 Martinique, 973 Guyane, 974 La Réunion, 975 Saint-Pierre-et-Miquelon,
# 976 Mayotte, 977 Saint-Barthélemy, 978 Saint-Martin, 986 Wallis-et-Futuna, 987 Polynésie
# française, 988 Nouvelle-Calédonie).
OVERSEAS_POSTAL_PREFIXES: dict[str, str] = {
    "971": "GP", "972": "MQ", "973": "GF", "974": "RE", "975": "PM", "976": "YT", "977": "BL", "978": "MF",
    "986": "WF", "987": "PF", "988": "NC",
}


def phone_region(country: str, postal_code: Any) -> str:
    """The numbering plan national numbers of a site are read in: the overseas territory its
    French postal code names (9710x is Guadeloupe even with country FR), else its country."""
    if country in ("FR", *OVERSEAS_POSTAL_PREFIXES.values()) and postal_code is not None:
        code = str(postal_code).replace(" ", "")
        territory = OVERSEAS_POSTAL_PREFIXES.get(code[:3]) if len(code) == 5 else None
        if territory:
            return territory
    return country


def normalize_phone(value: Any, region: str) -> Any:
    """E.164 for anything phonenumbers can read with `region` as default; else unchanged
    (the strict validator then names the field and the reason)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return value
    return _normalize_phone(value, region)


@lru_cache(maxsize=65536)
def _normalize_phone(value: str | int, region: str) -> Any:
    text = str(value).strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(_KNOWN_E164) >= 65536:
        _KNOWN_E164.clear()
    _KNOWN_E164.add(e164)  # the field validator need not parse it a second time
    return e164


# Email: pydantic's EmailStr check (email-validator) costs ~100 µs, mostly on the domain
# (IDNA tables, character by character). Domains repeat across a group's sites, so a domain
# the full check accepted unchanged is remembered; an address on it whose local part is plain
# dot-atom ASCII (which email-validator accepts as is) skips the full check. Anything else
# (uppercase mailbox names it lowercases, quoting, Unicode, display names) takes the full one.
_EMAIL_DOMAINS: set[str] = set()


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if (at and domain in _EMAIL_DOMAINS and len(value) <= 254 and len(local) <= 64 and DOT_ATOM_TEXT.match(local)
            and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES):
        return value
    normalized = validate_email(value)[1]
    if normalized == value and len(_EMAIL_DOMAINS) < 4096:
        _EMAIL_DOMAINS.add(domain)
    return normalized


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]


class EstablishmentFields(Model):
    """Content fields of a record, without its key and bookkeeping."""

    name: Name
    status: Status = Status.open
    reopen_date: date | None = None
    opening_date: date | None = Field(default=None, description=(
        "The date the business opened (Google's `openInfo.openingDate`), or will open when the status "
        "is opening_soon"))
    address: Address
    geo: Geo | None = None
    phones: Phones = Field(default_factory=Phones)
    website: WebUrl | None = None
    email: Email | None = None
    categories: Categories | None = Field(
        default=None, description="Optional: platforms that need a category (Google, Apple) show the site "
                                  "`action_required` until one is given; the others publish without it.")
    description: Description | None = None
    hours: Hours = Field(default_factory=Hours)
    photos: list[Photo] = Field(default_factory=list, max_length=50)
    labels: list[Label] = Field(default_factory=list, max_length=50)
    platform_ids: PlatformIds = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _regional_phones(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("phones"), dict):
            return data
        address = data.get("address")
        region = "FR"
        if isinstance(address, dict) and isinstance(address.get("country"), str):
            region = phone_region(address["country"].strip().upper() or "FR", address.get("postal_code"))
        elif isinstance(address, dict):
            region = phone_region("FR", address.get("postal_code"))
        elif isinstance(address, Address):
            region = phone_region(address.country, address.postal_code)
        phones = dict(data["phones"])
        if "primary" in phones:
            phones["primary"] = normalize_phone(phones["primary"], region)
        if isinstance(phones.get("additional"), list):
            phones["additional"] = [normalize_phone(p, region) for p in phones["additional"]]
        return {**data, "phones": phones}

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: list[str]) -> list[str]:
        return list(dict.fromkeys(labels))

    @model_validator(mode="after")
    def _status_dates(self) -> EstablishmentFields:
        if self.reopen_date and self.status != Status.closed_temporarily:
            raise ValueError("reopen_date only applies to status closed_temporarily")
        return self  # opening_date: the date the business opened, or will (opening_soon); kept either way


class _Keyed(Model):
    store_code: str = Field(pattern=STORE_CODE_PATTERN, examples=["CLI-075-001"])


class Establishment(EstablishmentFields, _Keyed):
    """The canonical record: what `POST /establishments` takes and every import produces."""

    def content(self) -> dict[str, Any]:
        """JSON-ready dict of everything but the key: what revisions store and diff."""
        return self.model_dump(mode="json", exclude={"store_code"})

    def category_keys(self) -> list[str]:
        """Primary first, then the additional ones; empty when the record has no category."""
        return [self.categories.primary, *self.categories.additional] if self.categories else []


class EstablishmentPublic(Establishment):
    """A stored record: the canonical fields plus its revision."""

    revision: int
    updated_at: datetime

