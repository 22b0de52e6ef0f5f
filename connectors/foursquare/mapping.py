"""Canonical record -> Foursquare place fields for a suggested edit (pure, no I/O).

Top-level keys are the Places API's field names (UNVERIFIED for the suggest endpoints, which
platforms.md only names): `name`, `address`, `address_extended`, `locality`, `region`,
`postcode`, `country` (ISO alpha-2), `latitude`, `longitude`, `tel`, `website`, `email`,
`hours`, `description`, `closed`. An absent canonical value leaves its key out.

* Hours: platforms.md's shape `{"Mon": [["09:00", "18:00"]]}`; closed days are left out;
  `24:00` and overnight intervals (close < open, kept on the opening day) sent as they are
  (UNVERIFIED). No hours at all: no `hours` key. Special hours: no such field.
* Status: `closed` is true for a permanently closed place (UNVERIFIED field), false otherwise;
  Foursquare has no temporary closure or "opening soon": those are reported unsent.
* Address: the first line is `address`, the others `address_extended`.
* Categories (Foursquare's own taxonomy, no mapping yet), photos, additional phones: unsent.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
from schemas import Establishment
from schemas.establishment import RegularHours, Status

DAY_KEYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    address = record.address
    payload: dict[str, Any] = {"name": record.name, "address": address.lines[0]}
    if len(address.lines) > 1:
        payload["address_extended"] = ", ".join(address.lines[1:])
    payload["locality"] = address.locality
    if address.region:
        payload["region"] = address.region
    if address.postal_code:
        payload["postcode"] = address.postal_code
    payload["country"] = address.country
    if record.geo is not None:
        payload["latitude"], payload["longitude"] = round(record.geo.lat, 7), round(record.geo.lng, 7)
    if record.phones.primary:
        payload["tel"] = record.phones.primary
    if record.phones.additional:
        unsupported["phones.additional"] = "Foursquare takes one phone number: the additional ones are not sent"
    if record.website:
        payload["website"] = record.website
    if record.email:
        payload["email"] = record.email
    if hours := weekly_hours(record.hours.regular):
        payload["hours"] = hours
    if record.hours.special:
        unsupported["hours.special"] = "Foursquare's suggested edits have no special-hours field"
    if record.description:
        payload["description"] = record.description
    payload["closed"] = record.status == Status.closed_permanently
    if record.status in (Status.closed_temporarily, Status.opening_soon):
        unsupported["status"] = (f"Foursquare has no '{record.status.value}' status: the place is not marked "
                                 "closed (only permanent closures are sent)")
    unsupported["categories"] = "Foursquare categories (its own taxonomy) are not mapped yet"
    if record.photos:
        unsupported["photos"] = "photos are not sent through suggested edits"
    return Rendering(payload=payload, unsupported=unsupported)


def weekly_hours(regular: RegularHours) -> dict[str, list[list[str]]] | None:
    out = {DAY_KEYS[i]: [[iv.open, iv.close] for iv in ivs] for i, (_d, ivs) in enumerate(regular.days()) if ivs}
    return out or None
