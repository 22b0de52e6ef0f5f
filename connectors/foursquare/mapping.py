"""Canonical record -> Foursquare Places suggested-edit parameters (pure, no I/O).

Source: the Places API reference, version 2025-06-17 (`connectors/sandbox/contracts/foursquare/
places-feedback.2025-06-17.json` transcribes the parameters used here and names its pages).
Top-level keys are the API's query parameters (`name`, `address`, `locality`, `region`,
`postcode`, `country_code`, `latitude`, `longitude`, `tel`, `website`, `email`, `hours`,
`description`), plus `categories` (a list; the connector sends it as `categories` for a new
place and as `add_fsq_category_ids` / `remove_fsq_category_ids` / `primary_fsq_category_id` on
an edit) and `closed` (the connector files `suggest/remove?reason=CLOSED`).

* Address: `parse_lines` finds the street line (`address`); complements have no parameter
  (there is no `address_extended` parameter): reported.
* Hours: `day,HHMM,HHMM;…` with Monday = 1, a close past midnight written `+HHMM` (`24:00` is
  `+0000`). No hours at all: no key. Special hours: no parameter.
* Description: at most 300 characters on an edit (cut at a word, reported).
* Status: a permanent closure is `closed` (-> remove with reason CLOSED); temporary closure and
  opening soon have no parameter (reported).
* Categories: Foursquare's 24-hex category ids (`categories.py`), primary first, at most 3.
* Photos, additional phones: unsent.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
from connectors.common.address import parse_lines
from connectors.common.categories import category_ids
from connectors.foursquare.categories import FOURSQUARE_CATEGORIES
from schemas import Establishment
from schemas.establishment import RegularHours, Status

MAX_CATEGORIES = 3  # UNVERIFIED: what Foursquare's older venue APIs took (ids, the first primary), not checked
MAX_DESCRIPTION = 300  # the edit endpoint's limit


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    address = record.address
    lines = parse_lines(address.lines)
    payload: dict[str, Any] = {"name": record.name}
    if lines.street_line:
        payload["address"] = lines.street_line
    if lines.complements:
        unsupported["address.lines"] = ("Foursquare has no parameter for an address complement: "
                                        + ", ".join(map(repr, lines.complements)) + " not sent")
    payload["locality"] = address.locality
    if address.region:
        payload["region"] = address.region
    if address.postal_code:
        payload["postcode"] = address.postal_code
    payload["country_code"] = address.country
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
    categories, note = category_ids([record.categories.primary, *record.categories.additional], FOURSQUARE_CATEGORIES,
                                    platform="Foursquare", limit=MAX_CATEGORIES)
    if categories:
        payload["categories"] = categories
    if note:
        unsupported["categories"] = note
    if hours := weekly_hours(record.hours.regular):
        payload["hours"] = hours
    if record.hours.special:
        unsupported["hours.special"] = "Foursquare's suggested edits have no special-hours field"
    if record.description:
        text = record.description
        if len(text) > MAX_DESCRIPTION:
            text = text[:MAX_DESCRIPTION].rsplit(" ", 1)[0].rstrip(" ,.;:") or text[:MAX_DESCRIPTION]
            unsupported["description"] = f"Foursquare takes {MAX_DESCRIPTION} characters: cut to {len(text)}"
        payload["description"] = text
    payload["closed"] = record.status == Status.closed_permanently
    if record.status in (Status.closed_temporarily, Status.opening_soon):
        unsupported["status"] = (f"Foursquare has no '{record.status.value}' status: the place is not marked "
                                 "closed (only permanent closures are sent)")
    if record.photos:
        unsupported["photos"] = "photos are not sent through suggested edits"
    return Rendering(payload=payload, unsupported=unsupported)


def weekly_hours(regular: RegularHours) -> str | None:
    """'1,0800,1200;1,1400,1900;5,2200,+0200' (Monday = 1; past midnight: +HHMM); None when never open."""
    segments = []
    for number, (_day, intervals) in enumerate(regular.days(), start=1):
        for interval in intervals:
            start, end = interval.span()
            close = interval.close.replace(":", "")
            if end >= 24 * 60:
                close = "+" + ("0000" if interval.close == "24:00" else close)
            segments.append(f"{number},{interval.open.replace(':', '')},{close}")
    return ";".join(segments) or None
