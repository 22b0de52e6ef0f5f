"""Canonical record -> the properties of a HERE Map Feedback point (pure, no I/O).

The payload's top-level keys are HERE's feedback properties (`name`, `roadname`, `number`,
`zipcode`, `city`, `isocc`, `phone`, `URL`, `openinghours`, `details`) plus `geometry`, the
point the connector sends as the layer object's `coordinates` (HERE locates the POI by it).
`v`, `appId` and `error` are per request and added by the connector. An absent canonical value
leaves its key out. Source: HERE's Map Feedback developer guide (properties table, place example).

Choices (UNVERIFIED unless platforms.md says so):

* Address: `parse_lines` finds the street line: `number` + `roadname`; the complements
  (building, floor) have no property and go into `details`, the free text HERE's reviewers read.
  The region has no property (reported). `isocc` is ISO 3166-1 alpha-3 ("FRA").
* Hours: HERE's own syntax from platforms.md, `Mo-Fr; 09:00-18:00 | Sa; 10:00-13:00`: runs of
  consecutive days with the same intervals, several intervals of a day joined by ", "
  (UNVERIFIED), `24:00` and overnight intervals (close < open) written as they are, closed
  days left out. No hours at all: no `openinghours`. Special hours: no such property.
* Status: no status property is documented; a closure is written in `details` (the guide: a
  "detailed description of the problem"), which HERE's reviewers read. When one reopens, the
  details say so (`REOPENED_COMMENT`).
* Phone: the primary number only, international with spaces as in the guide (`+33 1 23 45 67 89`).
  E-mail: `email` (documented in the place example). Categories, description, photos: no property.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
import phonenumbers

from connectors.common.address import parse_lines
from connectors.common.countries import alpha3
from connectors.common.opening_hours import day_runs
from schemas import Establishment
from schemas.establishment import RegularHours, Status

REOPENED_COMMENT = "The establishment is open again (no longer closed)."

# HERE feedback `error` codes (30..34 in platforms.md; their meaning is inferred from HERE's naming: UNVERIFIED).
ERROR_ADD_POI = 30
ERROR_NAME = 31
ERROR_ADDRESS = 32
ERROR_PHONE = 33
ERROR_OTHER = 34
ADDRESS_KEYS = frozenset({"roadname", "number", "zipcode", "city", "isocc", "geometry"})

NO_PROPERTY = "HERE's feedback properties have no {} field"


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    payload: dict[str, Any] = {}
    if record.geo is not None:
        payload["geometry"] = {"type": "Point", "coordinates": [round(record.geo.lng, 7), round(record.geo.lat, 7)]}
    payload["name"] = record.name
    address = record.address
    lines = parse_lines(address.lines)
    if lines.street:
        if lines.house_number:
            payload["number"] = lines.house_number
        payload["roadname"] = lines.street
    if address.postal_code:
        payload["zipcode"] = address.postal_code
    payload["city"] = address.locality
    payload["isocc"] = alpha3(address.country) or address.country
    if address.region:
        unsupported["address.region"] = NO_PROPERTY.format("region")
    if record.phones.primary:
        payload["phone"] = here_phone(record.phones.primary)
    if record.phones.additional:
        unsupported["phones.additional"] = "HERE takes one phone number: the additional ones are not sent"
    if record.website:
        payload["URL"] = record.website
    if hours := opening_hours(record.hours.regular):
        payload["openinghours"] = hours
    if record.hours.special:
        unsupported["hours.special"] = NO_PROPERTY.format("special-hours")
    if record.email:
        payload["email"] = record.email
    notes = [f"Address complement: {', '.join(lines.complements)}." if lines.complements else "",
             status_comment(record) or ""]
    if details := " ".join(n for n in notes if n):
        payload["details"] = details
    for name, present in (("categories", True), ("description", record.description), ("photos", record.photos)):
        if present:
            unsupported[name] = NO_PROPERTY.format(name)
    return Rendering(payload=payload, unsupported=unsupported)


def here_phone(e164: str) -> str:
    """'+33123456789' -> '+33 1 23 45 67 89', the guide's international pattern."""
    return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def opening_hours(regular: RegularHours) -> str | None:
    """'Mo-Fr; 09:00-18:00 | Sa; 10:00-13:00'; None when never open."""
    return " | ".join(f"{run.days()}; {run.times(', ')}" for run in day_runs(regular)) or None


def status_comment(record: Establishment) -> str | None:
    if record.status == Status.closed_permanently:
        return "Permanently closed."
    if record.status == Status.closed_temporarily:
        until = f" until {record.reopen_date.isoformat()}" if record.reopen_date else ""
        return f"Temporarily closed{until}."
    if record.status == Status.opening_soon:
        when = f" on {record.opening_date.isoformat()}" if record.opening_date else ""
        return f"Not open yet: opening{when}."
    return None


def error_code(changed: list[str], *, create: bool) -> int:
    """30 for a POI HERE does not have yet; else the one kind of error the changed keys make,
    31 name, 32 address (location included), 33 phone, 34 anything else or a mix."""
    if create:
        return ERROR_ADD_POI
    kinds = {ERROR_NAME if key == "name" else ERROR_ADDRESS if key in ADDRESS_KEYS else
             ERROR_PHONE if key == "phone" else ERROR_OTHER for key in changed}
    return kinds.pop() if len(kinds) == 1 else ERROR_OTHER
