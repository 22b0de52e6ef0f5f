"""Canonical record -> Apple Business Connect `locationDetails` (pure, no I/O).

The payload's top-level keys are the fields of `locationDetails` themselves (`displayNames`,
`mainAddress`, …), not one `locationDetails` key: the engine diffs top-level keys to tell what
changed. The connector wraps the payload as `{"locationDetails": payload}` when it sends it,
and always sends all of it, because Apple's PUT replaces the whole location (an omitted field
is deleted). An absent canonical value leaves its key out (never an empty list).

Choices (UNVERIFIED against Apple unless platforms.md says so):

* Name locale: the record has no language; the name is taken to be in the main language of
  the address's country (`fr-FR` for France, `fr-BE` for Belgium, `de-DE`…, `en-XX` otherwise).
* Address: the first line is the street line (`fullThoroughfare`); when it starts with a
  number ("12 rue Oberkampf", "12 bis rue…", "12-14 rue…") it is also split into
  `subThoroughfare` + `thoroughfare`; otherwise only `fullThoroughfare` is sent. Further lines
  (building, PO box) have no place in Apple's structured address and are reported unsent.
* Geo: `displayPoint` only when the record has coordinates (as strings, Apple's shape);
  without them Apple places the pin from the address, so nothing is reported unsupported.
* Phones: the primary number is `primary: true` (the first additional one when there is no
  primary); `type` is MOBILE for mobile numbers, LANDLINE for everything else.
* Hours: a day without intervals is left out (closed). `24:00` is sent as `24:00`
  (`END_OF_DAY`); an overnight interval (close < open) stays on the day it opens, with
  `endTime` < `startTime`, as Google takes it.
* Special hours: `{startDate, endDate, closed}`; an open period adds `hoursByDay` with its
  intervals for every weekday the period covers.
* Status: open -> OPEN; closed_temporarily -> TEMPORARILY_CLOSED (+ reopenDate);
  closed_permanently -> CLOSED; opening_soon has no Apple status: TEMPORARILY_CLOSED with
  `reopenDate` = opening date (never OPEN, which would send patients to a closed door),
  reported in `unsupported["status"]`.
* Description: `locationDescriptions[{type: ABOUT, descriptions[{text, locale}]}]`, the shape
  of Apple's API examples (not in platforms.md).
* E-mail: Apple locations have no e-mail field. Photos: Apple takes them as separate,
  separately reviewed assets (image import + location asset), not part of `locationDetails`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import phonenumbers

from connectors.apple.categories import apple_category
from connectors.base import Rendering
from schemas import Establishment
from schemas.establishment import DAYS, Interval, SpecialHours, Status

END_OF_DAY = "24:00"  # UNVERIFIED: Apple may want "23:59"; change it here only

_LANGUAGE = {
    "FR": "fr", "BE": "fr", "CH": "fr", "LU": "fr", "MC": "fr", "RE": "fr", "GP": "fr", "MQ": "fr", "GF": "fr",
    "YT": "fr", "PM": "fr", "NC": "fr", "PF": "fr", "WF": "fr", "BL": "fr", "MF": "fr",
    "DE": "de", "AT": "de", "ES": "es", "IT": "it", "PT": "pt", "NL": "nl",
}

_NUMBER = r"\d+(?:\s*(?:bis|ter|quater)\b|[a-z]\b)?"
_STREET = re.compile(rf"^({_NUMBER}(?:\s*[-/]\s*{_NUMBER})?)\s*,?\s+(\S.*)$", re.IGNORECASE)

UNSUPPORTED_EMAIL = "Apple Business Connect locations have no e-mail field"
UNSUPPORTED_PHOTOS = ("Apple takes photos as separately reviewed assets (image import + location asset); "
                      "this connector does not publish them")


def locale_for(country: str) -> str:
    return f"{_LANGUAGE.get(country, 'en')}-{country}"


def split_street(line: str) -> tuple[str, str] | None:
    """'12 bis rue Oberkampf' -> ('12 bis', 'rue Oberkampf'); None when it does not start with a number."""
    match = _STREET.match(line.strip())
    return (match.group(1), match.group(2)) if match else None


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    locale = locale_for(record.address.country)
    payload: dict[str, Any] = {
        "partnersLocationId": record.store_code,
        "displayNames": [{"name": record.name, "locale": locale, "primary": True}],
        "mainAddress": {"structuredAddress": _address(record, unsupported)},
    }
    if record.geo is not None:
        payload["displayPoint"] = {"coordinates": {"latitude": _coordinate(record.geo.lat),
                                                   "longitude": _coordinate(record.geo.lng)}}
    if phones := _phones(record):
        payload["phoneNumbers"] = phones
    if record.website:
        payload["urls"] = [{"url": record.website, "type": "HOMEPAGE"}]
    payload["categories"] = _categories(record, unsupported)
    if hours := [day for day in (_day(name, ivs) for name, ivs in record.hours.regular.days()) if day]:
        payload["openingHoursByDay"] = hours
    if record.hours.special:
        payload["specialHours"] = [_special(period) for period in record.hours.special]
    payload["locationStatus"] = _status(record, unsupported)
    if record.description:
        payload["locationDescriptions"] = [{"type": "ABOUT", "descriptions": [{"text": record.description, "locale": locale}]}]
    if record.email:
        unsupported["email"] = UNSUPPORTED_EMAIL
    if record.photos:
        unsupported["photos"] = UNSUPPORTED_PHOTOS
    return Rendering(payload=payload, unsupported=unsupported)


def _coordinate(value: float) -> str:
    """Plain decimal notation, at most 7 decimals (~1 cm): never `1e-05`."""
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _address(record: Establishment, unsupported: dict[str, str]) -> dict[str, Any]:
    address = record.address
    street = address.lines[0].strip()
    out: dict[str, Any] = {"fullThoroughfare": street}
    if split := split_street(street):
        out["subThoroughfare"], out["thoroughfare"] = split
    out["locality"] = address.locality
    if address.postal_code:
        out["postCode"] = address.postal_code
    if address.region:
        out["administrativeArea"] = address.region
    out["countryCode"] = address.country
    if len(address.lines) > 1:
        left_out = ", ".join(repr(line) for line in address.lines[1:])
        unsupported["address.lines"] = f"only the first address line is sent (Apple has one street line): {left_out} left out"
    return out


def _phones(record: Establishment) -> list[dict[str, Any]]:
    numbers = [record.phones.primary] if record.phones.primary else []
    numbers += record.phones.additional
    return [{"phoneNumber": number, "type": _phone_type(number), "primary": i == 0} for i, number in enumerate(numbers)]


def _phone_type(e164: str) -> str:
    kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    return "MOBILE" if kind == phonenumbers.PhoneNumberType.MOBILE else "LANDLINE"


def _categories(record: Establishment, unsupported: dict[str, str]) -> list[str]:
    ids: list[str] = []
    approximated: list[str] = []
    for key in [record.categories.primary, *record.categories.additional]:
        apple_id, source = apple_category(key)
        if source != key:
            approximated.append(f"{key} sent as {apple_id} (its parent {source})")
        if apple_id not in ids:
            ids.append(apple_id)
    if approximated:
        unsupported["categories"] = "no Apple category of their own: " + "; ".join(approximated)
    return ids


def _times(intervals: list[Interval]) -> list[dict[str, str]]:
    return [{"startTime": i.open, "endTime": END_OF_DAY if i.close == "24:00" else i.close} for i in intervals]


def _day(day: str, intervals: list[Interval]) -> dict[str, Any] | None:
    return {"day": day.upper(), "times": _times(intervals)} if intervals else None


def _special(period: SpecialHours) -> dict[str, Any]:
    end = period.end_date or period.start_date
    out: dict[str, Any] = {"startDate": period.start_date.isoformat(), "endDate": end.isoformat(), "closed": period.closed}
    if not period.closed:
        covered = {(period.start_date + timedelta(days=n)).weekday() for n in range(min((end - period.start_date).days + 1, 7))}
        out["hoursByDay"] = [{"day": DAYS[d].upper(), "times": _times(period.intervals)} for d in sorted(covered)]
    return out


def _status(record: Establishment, unsupported: dict[str, str]) -> dict[str, Any]:
    if record.status == Status.open:
        return {"status": "OPEN"}
    if record.status == Status.closed_permanently:
        return {"status": "CLOSED"}
    reopen: date | None = record.reopen_date
    if record.status == Status.opening_soon:
        reopen = record.opening_date
        when = f" reopening on {reopen.isoformat()}" if reopen else ""
        unsupported["status"] = f"Apple has no 'opening soon' status: sent as TEMPORARILY_CLOSED{when}"
    out: dict[str, Any] = {"status": "TEMPORARILY_CLOSED"}
    if reopen:
        out["reopenDate"] = reopen.isoformat()
    return out


# ---------------------------------------------------------------- read-back comparison

_DAY_ORDER = {day.upper(): i for i, day in enumerate(DAYS)}
_COORDINATES = ("latitude", "longitude")


def differing_keys(pushed: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Top-level keys of `pushed` whose value Apple does not show (as pushed) in `live`.

    Lenient where Apple's representation may differ without the content differing:
    coordinates compare as numbers (6 decimals), lists compare in any order, and keys Apple
    adds inside an object (`displayPoint.source`, `mainAddress.locale`…) are ignored."""
    return [key for key, value in pushed.items() if key not in live or not _covers(value, live[key])]


def _covers(pushed: Any, live: Any) -> bool:
    if isinstance(pushed, dict):
        if not isinstance(live, dict):
            return False
        return all(_same_coordinate(v, live.get(k)) if k in _COORDINATES else (k in live and _covers(v, live[k]))
                   for k, v in pushed.items())
    if isinstance(pushed, list):
        if not isinstance(live, list) or len(pushed) != len(live):
            return False
        return all(_covers(p, q) for p, q in zip(sorted(pushed, key=_order), sorted(live, key=_order)))
    return pushed == live


def _same_coordinate(pushed: Any, live: Any) -> bool:
    try:
        return round(float(pushed), 6) == round(float(live), 6)
    except (TypeError, ValueError):
        return False


def _order(item: Any) -> tuple[Any, ...]:
    if not isinstance(item, dict):
        return (str(item),)
    return (_DAY_ORDER.get(item.get("day"), 9), *(str(item.get(k, "")) for k in
            ("startDate", "startTime", "phoneNumber", "url", "locale", "name", "type")))
