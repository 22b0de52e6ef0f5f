"""Canonical record -> Foursquare place fields for a suggested edit (pure, no I/O).

Top-level keys are the Places API's field names (UNVERIFIED for the suggest endpoints, which
platforms.md only names): `name`, `address`, `address_extended`, `locality`, `region`,
`postcode`, `country` (ISO alpha-2), `latitude`, `longitude`, `tel`, `website`, `email`,
`fsq_category_ids`, `hours`, `description`, `closed`. An absent canonical value leaves its key out.

* Hours: platforms.md's shape `{"Mon": [["09:00", "18:00"]]}`; closed days are left out;
  `24:00` and overnight intervals (close < open, kept on the opening day) sent as they are
  (UNVERIFIED). No hours at all: no `hours` key. Special hours: no such field.
* Status: `closed` is true for a permanently closed place (UNVERIFIED field), false otherwise;
  Foursquare has no temporary closure or "opening soon": those are reported unsent.
* Address: the first line is `address`, the others `address_extended`.
* Categories: `fsq_category_ids`, Foursquare's 24-hex category ids from `categories.py`,
  primary first, at most `MAX_CATEGORIES` (UNVERIFIED: field name, list shape and limit for the
  suggest endpoints). A key with no Foursquare category is sent as its nearest parent's, and
  `unsupported["categories"]` says so.
* Photos, additional phones: unsent.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
from connectors.common.categories import category_ids
from connectors.foursquare.categories import FOURSQUARE_CATEGORIES
from schemas import Establishment
from schemas.establishment import RegularHours, Status

DAY_KEYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_CATEGORIES = 3  # UNVERIFIED: what Foursquare's older venue APIs took (ids, the first primary), not checked


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
    categories, note = category_ids(record.category_keys(), FOURSQUARE_CATEGORIES,
                                    platform="Foursquare", limit=MAX_CATEGORIES)
    if categories:
        payload["fsq_category_ids"] = categories
    if note:
        unsupported["categories"] = note
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
    if record.photos:
        unsupported["photos"] = "photos are not sent through suggested edits"
    return Rendering(payload=payload, unsupported=unsupported)


def weekly_hours(regular: RegularHours) -> dict[str, list[list[str]]] | None:
    out = {DAY_KEYS[i]: [[iv.open, iv.close] for iv in ivs] for i, (_d, ivs) in enumerate(regular.days()) if ivs}
    return out or None
