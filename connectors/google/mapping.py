"""Canonical record -> Google Business Information API v1 `Location` body (pure, no I/O).

Every top-level key of the payload is a `Location` field and a valid `updateMask` path
(`FIELDS`). A canonical value that is absent renders as an absent key, never as a null: the
engine's diff then lists the key as changed, the connector puts it in `updateMask` with no
value in the body, and Google clears the field (field-mask semantics). `storeCode`, `title`,
`storefrontAddress`, `categories` and `openInfo` are always present.

Choices, by field:

* `storefrontAddress`: `languageCode` only for countries with one language (`fr` for FR and the
  French overseas territories).
* `phoneNumbers`: E.164. Google takes two additional phones: the others are listed in
  `unsupported`. A record with additional phones but no primary one promotes the first.
* `categories`: `categories.google_category`; a fallback to a parent category, and a category
  that collapses into another after fallback, are reported in `unsupported["categories"]`.
* `profile.description`: Google rejects more than 750 characters. Truncating would publish a
  sentence the customer never wrote, so a longer description is not sent (and, once pushed,
  cleared) and listed in `unsupported`.
* `regularHours`: one period per interval; `24:00` closes `{hours: 24}` on the same day; an
  interval past midnight closes on the next day; `00:00-24:00` is an all-day period. A week with
  no interval at all means "hours unknown", not "closed all week": no `regularHours`.
* `specialHours`: Google's periods last one day (`endDate` is at most the day after
  `startDate`, for a period past midnight), so a canonical date range becomes one period per date
  and interval, or one `closed` period per date. Google refuses special hours on a location
  without regular hours: then they are not sent and are listed in `unsupported`.
* `openInfo`: `opening_soon` is `OPEN` with a future `openingDate` (Google: at most a year
  ahead), the way Google shows "opening soon"; `reopen_date` has no Google field.
* Times follow proto3 JSON: zero hours or minutes are left out (`08:00` is `{hours: 8}`,
  `00:00` is `{}`), as Google returns them.

`same()` compares a pushed value with what Google shows, ignoring what Google may present
differently without changing the meaning (see its docstring).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import phonenumbers

from connectors.base import Rendering
from connectors.google.categories import google_category
from schemas import DAYS, Establishment, Interval, Status

FIELDS: tuple[str, ...] = (
    "storeCode", "title", "storefrontAddress", "latlng", "phoneNumbers", "websiteUri", "categories",
    "profile", "regularHours", "specialHours", "openInfo",
)
CREATE_ONLY: tuple[str, ...] = ("latlng",)  # discovery: "can only be updated by approved clients"
LATLNG_REASON = ("sent on create only: Google lets only approved clients update latlng (discovery document, "
                 "Location.latlng); a moved site's pin follows its address")
GOOGLE_DAYS: tuple[str, ...] = tuple(day.upper() for day in DAYS)
DESCRIPTION_MAX = 750
ADDITIONAL_PHONES_MAX = 2
ADDITIONAL_CATEGORIES_MAX = 9
ADDRESS_LANGUAGES: dict[str, str] = {
    **dict.fromkeys(("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"), "fr"),
    "DE": "de", "AT": "de", "ES": "es", "IT": "it", "PT": "pt", "NL": "nl",
    **dict.fromkeys(("GB", "IE", "US", "AU", "NZ"), "en"),
}
_STATUS = {
    Status.open: "OPEN", Status.opening_soon: "OPEN",
    Status.closed_temporarily: "CLOSED_TEMPORARILY", Status.closed_permanently: "CLOSED_PERMANENTLY",
}
_WEEK = 7 * 1440


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    payload: dict[str, Any] = {"storeCode": record.store_code, "title": record.name,
                               "storefrontAddress": _address(record)}
    if record.geo is not None:
        payload["latlng"] = {"latitude": record.geo.lat, "longitude": record.geo.lng}
        unsupported["geo.update"] = LATLNG_REASON
    if (phones := _phones(record, unsupported)) is not None:
        payload["phoneNumbers"] = phones
    if record.website:
        payload["websiteUri"] = record.website
    payload["categories"] = _categories(record, unsupported)
    if record.description:
        if len(record.description) > DESCRIPTION_MAX:
            unsupported["description"] = (f"longer than Google's {DESCRIPTION_MAX} characters "
                                          f"({len(record.description)}): not sent, shorten it")
        else:
            payload["profile"] = {"description": record.description}
    periods = [period for day, intervals in record.hours.regular.days()
               for interval in intervals for period in [_regular_period(day, interval)]]
    if periods:
        payload["regularHours"] = {"periods": periods}
    if record.hours.special:
        if periods:
            payload["specialHours"] = {"specialHourPeriods": _special_periods(record)}
        else:
            unsupported["hours.special"] = "Google refuses special hours on a listing without regular hours"
    payload["openInfo"] = _open_info(record, unsupported)
    if record.email:
        unsupported["email"] = "Google Business Profile has no e-mail field"
    if record.photos:
        unsupported["photos"] = "Google photo upload not implemented yet (v4 media API, outside the Location)"
    return Rendering(payload=payload, unsupported=unsupported)


# ---------------------------------------------------------------- fields

def _address(record: Establishment) -> dict[str, Any]:
    address = record.address
    out: dict[str, Any] = {"regionCode": address.country}
    if (language := ADDRESS_LANGUAGES.get(address.country)) is not None:
        out["languageCode"] = language
    if address.postal_code:
        out["postalCode"] = address.postal_code
    if address.region:
        out["administrativeArea"] = address.region
    out["locality"] = address.locality
    out["addressLines"] = list(address.lines)
    return out


def _phones(record: Establishment, unsupported: dict[str, str]) -> dict[str, Any] | None:
    numbers = [record.phones.primary] if record.phones.primary else []
    numbers += record.phones.additional
    if not numbers:
        return None
    out: dict[str, Any] = {"primaryPhone": numbers[0]}
    additional = numbers[1:]
    if len(additional) > ADDITIONAL_PHONES_MAX:
        dropped = additional[ADDITIONAL_PHONES_MAX:]
        unsupported["phones.additional"] = (f"Google takes {ADDITIONAL_PHONES_MAX} additional phones: "
                                            f"{', '.join(dropped)} not sent")
        additional = additional[:ADDITIONAL_PHONES_MAX]
    if additional:
        out["additionalPhones"] = additional
    return out


def _categories(record: Establishment, unsupported: dict[str, str]) -> dict[str, Any]:
    notes: list[str] = []
    names: list[str] = []
    for key in [record.categories.primary, *record.categories.additional]:
        name, fallback = google_category(key)
        if fallback is not None:
            notes.append(f"{key} sent as {fallback} ({name})")
        if name in names:
            notes.append(f"{key} not sent: same Google category as another one ({name})")
            continue
        names.append(name)
    out: dict[str, Any] = {"primaryCategory": {"name": names[0]}}
    if extra := names[1:1 + ADDITIONAL_CATEGORIES_MAX]:
        out["additionalCategories"] = [{"name": name} for name in extra]
    if notes:
        unsupported["categories"] = "no exact Google category: " + "; ".join(notes)
    return out


def _open_info(record: Establishment, unsupported: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"status": _STATUS[record.status]}
    if record.status == Status.opening_soon:
        if record.opening_date:
            out["openingDate"] = _date(record.opening_date)
        else:
            unsupported["status"] = ("opening_soon without opening_date: Google shows the listing as open; "
                                     "give an opening date (at most a year ahead)")
    if record.reopen_date:
        unsupported["reopen_date"] = "Google has no reopening date: the listing stays temporarily closed until changed"
    return out


# ---------------------------------------------------------------- hours

def time_of_day(minutes: int) -> dict[str, int]:
    """Minutes since the day's start (0..1440) -> proto3 JSON TimeOfDay (zero fields left out)."""
    hours, rest = divmod(minutes, 60)
    out = {}
    if hours:
        out["hours"] = hours
    if rest:
        out["minutes"] = rest
    return out


def _date(value: date) -> dict[str, int]:
    return {"year": value.year, "month": value.month, "day": value.day}


def _regular_period(day: str, interval: Interval) -> dict[str, Any]:
    index = DAYS.index(day)
    start, end = interval.span()
    next_day = end > 1440
    return {"openDay": GOOGLE_DAYS[index], "openTime": time_of_day(start),
            "closeDay": GOOGLE_DAYS[(index + 1) % 7 if next_day else index],
            "closeTime": time_of_day(end - 1440 if next_day else end)}


def _special_periods(record: Establishment) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for special in record.hours.special:
        day, last = special.start_date, special.end_date or special.start_date
        while day <= last:
            if special.closed:
                out.append({"startDate": _date(day), "closed": True})
            for interval in special.intervals:
                start, end = interval.span()
                period: dict[str, Any] = {"startDate": _date(day), "openTime": time_of_day(start)}
                if end > 1440:
                    period["endDate"] = _date(day + timedelta(days=1))
                period["closeTime"] = time_of_day(end - 1440 if end > 1440 else end)
                out.append(period)
            day += timedelta(days=1)
    return out


# ---------------------------------------------------------------- comparison with what Google shows

MISSING: Any = object()


def same(key: str, pushed: Any, live: Any, *, region: str | None = None, today: date | None = None) -> bool:
    """Does Google show `pushed` for top-level field `key`? Equivalent forms count as equal:
    proto3 defaults left out (`{hours: 8, minutes: 0}` is `{hours: 8}`, `closed: false`),
    output-only fields (category `displayName`, `openInfo.canReopen`), `24:00` vs the next day's
    `00:00`, the order of periods, additional phones and additional categories (Google shows
    them as a set), phone formatting (`01 23 45 67 89` is `+33123456789` in FR), a trailing
    slash and the case of a URL's host, address fields Google fills in that were not sent,
    latitude/longitude within 1e-5°. Google only returns `latlng` when it kept the one sent,
    so a missing `latlng` is not a difference. Special-hour periods that ended before `today`
    are ignored (Google may drop past dates; UNVERIFIED)."""
    if live is MISSING or live is None:
        return key == "latlng" or _prune(pushed) in (None, {}, [])
    if key == "latlng":
        return all(abs(float(pushed.get(k, 0)) - float(live.get(k, 0))) <= 1e-5 for k in ("latitude", "longitude"))
    if key == "phoneNumbers":
        return _phones_key(pushed, region) == _phones_key(live, region)
    if key == "categories":
        return _categories_key(pushed) == _categories_key(live)
    if key == "websiteUri":
        return _url_key(pushed) == _url_key(live)
    if key == "storefrontAddress":
        live_address = _prune(live) or {}
        return all(_text(live_address.get(k)) == _text(v) for k, v in (_prune(pushed) or {}).items()
                   if k != "languageCode")
    if key == "regularHours":
        return _periods_key(pushed) == _periods_key(live)
    if key == "specialHours":
        return _special_key(pushed, today) == _special_key(live, today)
    if key == "openInfo":
        return _prune({k: v for k, v in pushed.items() if k != "canReopen"}) == \
            _prune({k: v for k, v in live.items() if k != "canReopen"})
    return _prune(pushed) == _prune(live)


def _prune(value: Any) -> Any:
    """proto3 JSON defaults removed: false, 0, "", empty lists and objects (None when nothing is left)."""
    if isinstance(value, dict):
        return {k: p for k, v in value.items() if (p := _prune(v)) is not None and p != {} and p != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    if value is False or value == "" or (isinstance(value, int | float) and not isinstance(value, bool) and value == 0):
        return None
    return value


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def _e164(number: Any, region: str | None) -> str:
    text = str(number)
    try:
        parsed = phonenumbers.parse(text, region)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return re.sub(r"[^\d+]", "", text)


def _phones_key(value: Any, region: str | None) -> tuple[str | None, frozenset[str]]:
    value = value or {}
    primary = value.get("primaryPhone")
    return (_e164(primary, region) if primary else None,
            frozenset(_e164(p, region) for p in value.get("additionalPhones") or []))


def _categories_key(value: Any) -> tuple[str | None, frozenset[str]]:
    value = value or {}
    return ((value.get("primaryCategory") or {}).get("name"),
            frozenset(c.get("name") for c in value.get("additionalCategories") or []))


def _url_key(value: Any) -> str:
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://([^/?#]*)(.*)$", str(value).strip())
    if not match:
        return str(value).strip()
    scheme, host, rest = match.groups()
    rest = rest[:-1] if rest.endswith("/") else rest
    return f"{scheme.lower()}://{host.lower()}{rest}"


def _minutes(time: Any) -> int:
    time = time or {}
    return int(time.get("hours", 0)) * 60 + int(time.get("minutes", 0))


def _periods_key(value: Any) -> list[tuple[int, int]]:
    out = []
    for period in (value or {}).get("periods") or []:
        try:
            opens = GOOGLE_DAYS.index(period.get("openDay")) * 1440 + _minutes(period.get("openTime"))
            closes = GOOGLE_DAYS.index(period.get("closeDay")) * 1440 + _minutes(period.get("closeTime"))
        except ValueError:
            out.append((-1, -1))
            continue
        out.append((opens % _WEEK, (closes - opens) % _WEEK or _WEEK))
    return sorted(out)


def _day(value: Any) -> date | None:
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def _special_key(value: Any, today: date | None) -> list[tuple[Any, ...]]:
    out = []
    for period in (value or {}).get("specialHourPeriods") or []:
        start = _day(period.get("startDate"))
        if period.get("closed"):
            if start is None or today is None or start >= today:
                out.append((start, "closed"))
            continue
        end = _day(period.get("endDate")) or start
        if today is not None and end is not None and end < today:
            continue
        offset = (end - start).days * 1440 if start and end else 0
        out.append((start, _minutes(period.get("openTime")), offset + _minutes(period.get("closeTime"))))
    return sorted(out, key=repr)
