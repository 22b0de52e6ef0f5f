"""Canonical record -> Vitrine's place document, sent base64 in a TomTom feedback's `data` (pure, no I/O).

TomTom's `data` follows a `kind` schema agreed per customer (not public): this document is
Vitrine's own, sent only once the connection names the agreed kind (see the connector). Top-level keys: `name`, `address` {streetName, houseNumber,
postalCode, municipality, countryCode (alpha-2), countryCodeISO3}, `position` {lat, lon},
`phone`, `url`, `openingHours` (OpenStreetMap syntax, the lingua franca of map data: no
TomTom format is documented), `status` OPEN|TEMPORARILY_CLOSED|PERMANENTLY_CLOSED.

* Opening soon has no status of its own: sent as TEMPORARILY_CLOSED (never OPEN) and reported.
* Categories, description, e-mail, photos, special hours, additional phones, further address
  lines and the region: no field in this design, reported unsent.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
from connectors.common.address import parse_lines
from connectors.common.countries import alpha3
from connectors.common.opening_hours import osm_text
from schemas import Establishment
from schemas.establishment import Status

NO_FIELD = "the TomTom feedback report (as designed here) has no {} field"
STATUSES = {Status.open: "OPEN", Status.closed_temporarily: "TEMPORARILY_CLOSED",
            Status.closed_permanently: "PERMANENTLY_CLOSED", Status.opening_soon: "TEMPORARILY_CLOSED"}


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    address = record.address
    street: dict[str, Any] = {}
    lines = parse_lines(address.lines)
    if lines.house_number:
        street["houseNumber"] = lines.house_number
    if lines.street:
        street["streetName"] = lines.street
    if lines.complements:
        street["complements"] = list(lines.complements)
    if address.postal_code:
        street["postalCode"] = address.postal_code
    street["municipality"] = address.locality
    street["countryCode"] = address.country
    street["countryCodeISO3"] = alpha3(address.country) or address.country
    payload: dict[str, Any] = {"name": record.name, "address": street}
    if address.region:
        unsupported["address.region"] = NO_FIELD.format("region")
    if record.geo is not None:
        payload["position"] = {"lat": round(record.geo.lat, 7), "lon": round(record.geo.lng, 7)}
    if record.phones.primary:
        payload["phone"] = record.phones.primary
    if record.phones.additional:
        unsupported["phones.additional"] = "one phone number is sent: the additional ones are not"
    if record.website:
        payload["url"] = record.website
    if hours := osm_text(record.hours.regular):
        payload["openingHours"] = hours
    payload["status"] = STATUSES[record.status]
    if record.status == Status.opening_soon:
        unsupported["status"] = "TomTom has no 'opening soon' status: sent as TEMPORARILY_CLOSED"
    if record.hours.special:
        unsupported["hours.special"] = NO_FIELD.format("special-hours")
    for name, present in (("categories", True), ("description", record.description), ("email", record.email),
                          ("photos", record.photos)):
        if present:
            unsupported[name] = NO_FIELD.format(name)
    return Rendering(payload=payload, unsupported=unsupported)
