"""Canonical record -> Apple Business Connect `locationDetails` (pure, no I/O).

The payload's top-level keys are the fields of `locationDetails` themselves (`displayNames`,
`mainAddress`, …), not one `locationDetails` key: the engine diffs top-level keys to tell what
changed. The connector wraps the payload as `{"locationDetails": payload}` when it sends it,
and always sends all of it, because Apple's PUT replaces the whole location (an omitted field
is deleted). An absent canonical value leaves its key out (never an empty list).

Choices (UNVERIFIED against Apple unless platforms.md says so):

* Name locale: the record has no language; the name is taken to be in the main language of
  the address's country (`fr-FR` for France, `fr-BE` for Belgium, `de-DE`…, `en-XX` otherwise).
* Address: the street line is the first line that starts with a house number and names a
  street (rue, avenue…), else one that does either, else the first line, wherever it stands ("Bâtiment B" then
  "12 bis rue Oberkampf" sends the second). It goes to `fullThoroughfare`, split into
  `subThoroughfare` + `thoroughfare` when it starts with a number. A complement naming a floor
  goes to `floor` (Apple's create example); other complements have no field in Apple's
  structured address and are reported unsent (the record keeps them).
* Geo: `displayPoint` only when the record has coordinates, as strings with exactly 7 decimals
  (Apple's coordinates guidance: at least 5, at most 7).
* Phones: the primary number is `primary: true` (the first additional one when there is no
  primary); `type` is MOBILE for mobile numbers, VOICE for everything else (Apple's phone
  numbers guidance keeps LANDLINE for partners moving from bulk ingestion).
* Hours: a day without intervals is left out (closed). `24:00` is sent as `24:00`
  (`END_OF_DAY`); an overnight interval (close < open) stays on the day it opens, with
  `endTime` < `startTime`, as Google takes it.
* Special hours: `{startDate, endDate, closed}`; an open period adds its intervals as `times`
  on the entry itself (Apple's hours guidance: `specialHours[].times[]`).
* Status (Apple's location status guidance): open -> OPEN; closed_temporarily ->
  TEMPORARILY_CLOSED with `reopenDate` (six months ahead when the record has none, Apple's
  recommendation, reported in `unsupported`); closed_permanently -> CLOSED with `closedDate`
  (the day the record is rendered closed; the connector keeps the first one it sent);
  opening_soon -> OPENING_SOON with `openingDate` (Apple takes at most 180 days ahead; without
  a date or beyond, TEMPORARILY_CLOSED with the opening date or six months as `reopenDate`).
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
_STREET_WORD = re.compile(r"\b(rue|avenue|av\.?|boulevard|bd|chemin|place|all[ée]e|impasse|route|quai|cours|square|"
                          r"voie|passage|esplanade|faubourg|rond-point|street|road|strasse|straße|via|calle)\b",
                          re.IGNORECASE)
_FLOOR = re.compile(r"\b([ée]tage|floor|rdc|rez-de-chauss[ée]e)\b", re.IGNORECASE)
UNKNOWN_REOPEN = timedelta(days=182)  # Apple: "when reopenDate is uncertain, set date six (6) months into the future"
OPENING_MAX = timedelta(days=180)  # Apple: openingDate MUST NOT be more than 180 days into the future
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


def street_line(lines: list[str]) -> tuple[str, list[str]]:
    """The street line of an address and the other lines (complements), in their order."""
    stripped = [line.strip() for line in lines if line.strip()]
    candidates = [line for line in stripped if not _FLOOR.search(line)] or stripped
    pick = next((line for line in candidates if split_street(line) and _STREET_WORD.search(line)), None) \
        or next((line for line in candidates if split_street(line) or _STREET_WORD.search(line)), candidates[0])
    rest = list(stripped)
    rest.remove(pick)
    return pick, rest


def render(record: Establishment, today: date | None = None) -> Rendering:
    today = today or date.today()
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
    payload["locationStatus"] = _status(record, today, unsupported)
    if record.description:
        payload["locationDescriptions"] = [{"type": "ABOUT", "descriptions": [{"text": record.description, "locale": locale}]}]
    if record.email:
        unsupported["email"] = UNSUPPORTED_EMAIL
    if record.photos:
        unsupported["photos"] = UNSUPPORTED_PHOTOS
    return Rendering(payload=payload, unsupported=unsupported)


def _coordinate(value: float) -> str:
    """Plain decimal notation with 7 decimals (Apple: 5 to 7), never `1e-05` nor `45.7426`."""
    text = f"{value:.7f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _address(record: Establishment, unsupported: dict[str, str]) -> dict[str, Any]:
    address = record.address
    street, complements = street_line(address.lines)
    out: dict[str, Any] = {"fullThoroughfare": street}
    if split := split_street(street):
        out["subThoroughfare"], out["thoroughfare"] = split
    floors = [line for line in complements if _FLOOR.search(line)]
    if floors:
        out["floor"] = ", ".join(floors)
    out["locality"] = address.locality
    if address.postal_code:
        out["postCode"] = address.postal_code
    if address.region:
        out["administrativeArea"] = address.region
    out["countryCode"] = address.country
    if left := [line for line in complements if line not in floors]:
        unsupported["address.lines"] = ("Apple's structured address has no place for "
                                        + ", ".join(repr(line) for line in left) + ": not sent")
    return out


def _phones(record: Establishment) -> list[dict[str, Any]]:
    numbers = [record.phones.primary] if record.phones.primary else []
    numbers += record.phones.additional
    return [{"phoneNumber": number, "type": _phone_type(number), "primary": i == 0} for i, number in enumerate(numbers)]


def _phone_type(e164: str) -> str:
    kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    return "MOBILE" if kind == phonenumbers.PhoneNumberType.MOBILE else "VOICE"


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
        out["times"] = _times(period.intervals)
    return out


def _status(record: Establishment, today: date, unsupported: dict[str, str]) -> dict[str, Any]:
    if record.status == Status.open:
        return {"status": "OPEN"}
    if record.status == Status.closed_permanently:
        return {"status": "CLOSED", "closedDate": today.isoformat()}
    if record.status == Status.opening_soon:
        opening = record.opening_date
        if opening and today < opening <= today + OPENING_MAX:
            return {"status": "OPENING_SOON", "openingDate": opening.isoformat()}
        reopen = opening if opening and opening > today else today + UNKNOWN_REOPEN
        unsupported["status"] = (f"Apple takes an opening date at most {OPENING_MAX.days} days ahead: sent as "
                                 f"TEMPORARILY_CLOSED until {reopen.isoformat()}")
        return {"status": "TEMPORARILY_CLOSED", "reopenDate": reopen.isoformat()}
    reopen = record.reopen_date
    if reopen is None or reopen <= today:
        reopen = today + UNKNOWN_REOPEN
        unsupported["status.reopen_date"] = (f"no reopening date in the record: Apple requires one, sent six months "
                                             f"ahead ({reopen.isoformat()}) as Apple recommends")
    return {"status": "TEMPORARILY_CLOSED", "reopenDate": reopen.isoformat()}


def keep_status_dates(details: dict[str, Any], previous: dict[str, Any] | None) -> None:
    """Keep the `closedDate` (or the made-up `reopenDate`) sent before for the same status, so
    a location closed on Monday still says Monday when Wednesday's edit goes out."""
    before = (previous or {}).get("locationStatus") or {}
    now = details.get("locationStatus") or {}
    if before.get("status") == now.get("status") == "CLOSED" and before.get("closedDate"):
        now["closedDate"] = before["closedDate"]


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
