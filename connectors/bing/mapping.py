"""Canonical record -> one Bing Places `Business` object (pure, no I/O).

The payload's top-level keys are the fields of the partner API's `Business` object itself
(`BusinessName`, `AddressLine1`, …); the connector wraps it as `Businesses: [payload]` and,
because Bing takes full records only, always sends all of it. An absent optional value leaves
its key out.

Choices (UNVERIFIED against Bing: the partner PDF only lists the field names):

* `StoreId` is our store code: the key that makes creates idempotent.
* Address: `AddressLine1` is the first line, `AddressLine2` the second; further lines have no
  place and are reported unsent. `Country` is the ISO 3166-1 alpha-2 code.
* Phone: `PhoneNumber` takes one number, in E.164: the primary one (else the first additional
  one); every other number is reported unsent.
* Categories: `{CategoryName}` with our English label; `BPCategoryId` only where
  `BING_CATEGORY_IDS` knows one. That table is empty: no id of Bing's list has been checked, and
  a wrong id is worse than a name Bing matches itself.
* Hours: one `OperatingHours` string per interval, `"Mon 08:00 AM-12:00 PM"`; a closed day has
  none. `24:00` is written `11:59 PM` (`END_OF_DAY`); an overnight interval stays on the day it
  opens (`"Fri 10:00 PM-02:00 AM"`).
* Special hours: one `HolidayHours` entry per date of the period (ISO `YYYY-MM-DD`) and per
  interval; a closed period gives `{Date, IsClosed: true}` per date.
* Status: `IsClosed` only. closed_permanently -> true. Bing has no temporary closure nor
  "opening soon": both are sent as `IsClosed: true` (never open: that would send patients to a
  closed door), reported in `unsupported["status"]`; the push after reopening sets it back.
* Not sent (no such field in the partner API as we know it): e-mail, description, photos.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
from connectors.common.address import parse_lines
from connectors.common.special_hours import period_dates
from connectors.common.status import closed_flag
from schemas import Establishment
from schemas.categories import CATEGORIES
from schemas.establishment import DAYS, Interval, SpecialHours

END_OF_DAY = "11:59 PM"  # UNVERIFIED: how Bing writes a day that ends at midnight; change it here only
DAY_NAMES = {day: day[:3].capitalize() for day in DAYS}  # monday -> Mon
MAX_HOLIDAY_DATES = 366  # a longer special period is cut here (and reported)

# Canonical category key -> Bing BPCategoryId. UNVERIFIED: empty until checked against Bing's list.
BING_CATEGORY_IDS: dict[str, str] = {}

UNSUPPORTED_EMAIL = "Bing Places' partner API has no e-mail field"
UNSUPPORTED_DESCRIPTION = "Bing Places' partner API has no description field"
UNSUPPORTED_PHOTOS = "Bing Places' partner API takes no photos; add them in the Bing Places dashboard"


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    address = record.address
    lines = parse_lines(address.lines)
    parts = ([lines.street_line] if lines.street_line else []) + list(lines.complements)
    payload: dict[str, Any] = {"StoreId": record.store_code, "BusinessName": record.name, "AddressLine1": parts[0]}
    if len(parts) > 1:
        payload["AddressLine2"] = ", ".join(parts[1:])  # the complements: building, floor…
    payload["City"] = address.locality
    if address.region:
        payload["StateOrProvince"] = address.region
    if address.postal_code:
        payload["ZipCode"] = address.postal_code
    payload["Country"] = address.country
    numbers = ([record.phones.primary] if record.phones.primary else []) + list(record.phones.additional)
    if numbers:
        payload["PhoneNumber"] = numbers[0]
    if len(numbers) > 1:
        unsupported["phones.additional"] = f"Bing takes one phone number: {', '.join(numbers[1:])} not sent"
    payload["Categories"] = [_category(key) for key in [record.categories.primary, *record.categories.additional]]
    if record.geo is not None:
        payload["Latitude"] = round(record.geo.lat, 7)
        payload["Longitude"] = round(record.geo.lng, 7)
    if record.website:
        payload["MainWebSite"] = record.website
    if hours := [f"{DAY_NAMES[day]} {_span(iv)}" for day, ivs in record.hours.regular.days() for iv in ivs]:
        payload["OperatingHours"] = hours
    if record.hours.special:
        payload["HolidayHours"] = [entry for period in record.hours.special for entry in _holiday(period, unsupported)]
    payload["IsClosed"] = _is_closed(record, unsupported)
    if record.email:
        unsupported["email"] = UNSUPPORTED_EMAIL
    if record.description:
        unsupported["description"] = UNSUPPORTED_DESCRIPTION
    if record.photos:
        unsupported["photos"] = UNSUPPORTED_PHOTOS
    return Rendering(payload=payload, unsupported=unsupported)


def _category(key: str) -> dict[str, str]:
    out = {"CategoryName": CATEGORIES[key].label_en}
    if key in BING_CATEGORY_IDS:
        out["BPCategoryId"] = BING_CATEGORY_IDS[key]
    return out


def clock_time(hhmm: str) -> str:
    """'08:00' -> '08:00 AM', '14:30' -> '02:30 PM', '00:00' -> '12:00 AM', '24:00' -> END_OF_DAY."""
    if hhmm == "24:00":
        return END_OF_DAY
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return f"{(hours % 12) or 12:02d}:{minutes:02d} {'AM' if hours < 12 else 'PM'}"


def _span(interval: Interval) -> str:
    return f"{clock_time(interval.open)}-{clock_time(interval.close)}"


def _holiday(period: SpecialHours, unsupported: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for day in period_dates(period, MAX_HOLIDAY_DATES, unsupported, "one Bing entry per date"):
        date = day.isoformat()
        if period.closed:
            out.append({"Date": date, "IsClosed": True})
        else:
            out += [{"Date": date, "OpenTime": clock_time(iv.open), "CloseTime": clock_time(iv.close), "IsClosed": False}
                    for iv in period.intervals]
    return out


def _is_closed(record: Establishment, unsupported: dict[str, str]) -> bool:
    return closed_flag(record, unsupported, "Bing", "IsClosed=true")


# ---------------------------------------------------------------- read-back comparison

def differing_keys(pushed: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Top-level keys of `pushed` Bing does not show as pushed. Coordinates compare to 6
    decimals; lists compare in any order; keys Bing adds inside objects are ignored."""
    return [key for key, value in pushed.items() if key not in live or not _same(key, value, live[key])]


def _same(key: str, pushed: Any, live: Any) -> bool:
    if key in ("Latitude", "Longitude"):
        try:
            return round(float(pushed), 6) == round(float(live), 6)
        except (TypeError, ValueError):
            return False
    return _covers(pushed, live)


def _covers(pushed: Any, live: Any) -> bool:
    if isinstance(pushed, dict):
        return isinstance(live, dict) and all(k in live and _covers(v, live[k]) for k, v in pushed.items())
    if isinstance(pushed, list):
        if not isinstance(live, list) or len(pushed) != len(live):
            return False
        remaining = list(live)
        for item in pushed:  # any order: each pushed item matches a distinct live one
            match = next((i for i, candidate in enumerate(remaining) if _covers(item, candidate)), None)
            if match is None:
                return False
            remaining.pop(match)
        return True
    return pushed == live
