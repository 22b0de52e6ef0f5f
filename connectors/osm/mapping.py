"""Canonical record -> OpenStreetMap tags (pure, no I/O).

The payload is the flat dict of the tags Vitrine manages on the node, `{"name": …,
"addr:street": …, "amenity": "hospital", …}`: each tag is a top-level key, so the engine's diff
is per tag. The connector writes these tags onto the node and leaves every other tag (`wheelchair`,
`wikidata`, `operator`, `building`…) exactly as mappers left it. An absent canonical value
leaves its tag out; a tag pushed before and now absent is deleted from the node (only ours:
see `managed`).

Choices (OSM conventions from the wiki; UNVERIFIED where said):

* Address: `connectors.common.address.parse_lines` finds the street line wherever it is, split
  into `addr:housenumber` + `addr:street` ("Bâtiment B", "12 bis rue Oberkampf" gives
  `addr:street=rue Oberkampf`, never the building). The first complement (building, residence)
  goes to `addr:housename`; with no street at all (a lieu-dit) the first complement is
  `addr:place`. Further complements, the region and the country are not sent (reported):
  `addr:country` is redundant with the country boundaries (left to mappers).
* Geo: not a tag. It places a new node and drives the duplicate search before a create; an
  existing node is never moved (mappers often place it on the entrance or building better than
  a geocoder): reported in `unsupported["geo"]`.
* Phones: `phone` in the international format with spaces (`+33 1 23 45 67 89`, the wiki's
  recommendation), several numbers joined by `;` (primary first). `email` (not `contact:email`,
  to match `phone` and `website`; UNVERIFIED which a given area prefers).
* Categories: `tags.py`; the primary's tags win, additional categories add the tags whose key
  is still free (`emergency=yes` from `emergency_room`), `healthcare:speciality` values are
  joined with `;`; a conflicting value (a pharmacy that is also a clinic) is reported unsent.
* Hours: `opening_hours.py`. No regular hours: no tag (special hours alone would say "closed
  every other day"). A value over 255 characters (OSM's limit) drops the special hours first,
  then the tag.
* Status: open -> as is. closed_temporarily -> `opening_hours=off` (OSM has no reopening-date
  tag; reported). opening_soon -> `opening_hours=off` + `opening_date=YYYY-MM-DD` when known
  (reported). closed_permanently -> the feature keys (`amenity`, `healthcare`, `shop`, `office`)
  take the `disused:` lifecycle prefix (`disused:amenity=hospital`) and `opening_hours` is
  dropped: the node stays, as the wiki advises for a closed place whose premises remain, and
  maps stop showing it as a hospital. A permanently closed establishment is never created.
* Description: OSM's `description` is for neutral mapper notes, not a group's text: not sent.
  Photos: OSM hosts none: not sent.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers

from connectors.base import Rendering
from connectors.common.address import parse_lines
from connectors.osm.opening_hours import CLOSED, format_hours
from connectors.osm.tags import CATEGORY_KEYS, FEATURE_KEYS, MULTI_VALUED, osm_tags
from schemas import Establishment
from schemas.establishment import Status

MAX_VALUE = 255  # OSM's limit on a tag value, in characters
DISUSED = "disused:"
FIELD_KEYS = ("name", "addr:housenumber", "addr:street", "addr:housename", "addr:place", "addr:postcode", "addr:city", "phone", "email", "website",
              "opening_hours", "opening_date")

UNSUPPORTED_GEO = ("used to place a new node and to find an existing one; an existing node is never moved "
                   "(mappers' placement is kept)")
UNSUPPORTED_DESCRIPTION = "OSM's description tag is for neutral notes by mappers, not an establishment's own text"
UNSUPPORTED_PHOTOS = "OpenStreetMap hosts no photos"

_LIEU_DIT = re.compile(r"^(?:lieu[- ]?dit|ld)\s*:?\s+", re.IGNORECASE)


def managed(key: str) -> bool:
    """Is `key` a tag Vitrine may set or delete? Every other tag belongs to mappers."""
    return key in FIELD_KEYS or key in CATEGORY_KEYS or (key.startswith(DISUSED) and key[len(DISUSED):] in FEATURE_KEYS)


def osm_phone(e164: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    tags: dict[str, str] = {"name": record.name}
    _address(record, tags, unsupported)
    numbers = ([record.phones.primary] if record.phones.primary else []) + list(record.phones.additional)
    if numbers:
        tags["phone"] = ";".join(osm_phone(n) for n in numbers)
    if record.email:
        tags["email"] = str(record.email)
    if record.website:
        tags["website"] = record.website
    tags.update(_categories(record, unsupported))
    _hours_and_status(record, tags, unsupported)
    if record.geo is not None:
        unsupported["geo"] = UNSUPPORTED_GEO
    if record.description:
        unsupported["description"] = UNSUPPORTED_DESCRIPTION
    if record.photos:
        unsupported["photos"] = UNSUPPORTED_PHOTOS
    for key, value in list(tags.items()):
        if len(value) > MAX_VALUE:
            del tags[key]
            unsupported[_field_of(key)] = f"{key} is longer than OSM's {MAX_VALUE} characters: not sent"
    return Rendering(payload=tags, unsupported=unsupported)


def _field_of(key: str) -> str:
    return {"name": "name", "phone": "phones", "email": "email", "website": "website"}.get(key, "address" if key.startswith("addr:") else key)


def _address(record: Establishment, tags: dict[str, str], unsupported: dict[str, str]) -> None:
    address = record.address
    lines = parse_lines(address.lines)
    complements = list(lines.complements)
    if lines.street:
        if lines.house_number:
            tags["addr:housenumber"] = lines.house_number
        tags["addr:street"] = lines.street
    elif complements:  # no street (a lieu-dit, a hamlet): OSM's addr:place
        tags["addr:place"] = _LIEU_DIT.sub("", complements.pop(0))
    if complements:  # the building or residence: OSM's addr:housename
        tags["addr:housename"] = complements.pop(0)
    if address.postal_code:
        tags["addr:postcode"] = address.postal_code
    tags["addr:city"] = address.locality
    if complements:
        left_out = ", ".join(repr(part) for part in complements)
        unsupported["address.lines"] = f"OSM has one tag for a building name (addr:housename): {left_out} left out"


def _categories(record: Establishment, unsupported: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    notes: list[str] = []
    for key in [record.categories.primary, *record.categories.additional]:
        tags, source = osm_tags(key)
        if source != key:
            notes.append(f"{key} sent as its parent {source}")
        for tag, value in tags.items():
            if tag not in out:
                out[tag] = value
            elif tag in MULTI_VALUED:
                values = out[tag].split(";")
                out[tag] = ";".join(values + [v for v in value.split(";") if v not in values])
            elif out[tag] != value:
                notes.append(f"{key} would need {tag}={value} but the node is {tag}={out[tag]}")
    if notes:
        unsupported["categories"] = "; ".join(notes)
    return out


def _hours_and_status(record: Establishment, tags: dict[str, str], unsupported: dict[str, str]) -> None:
    status = record.status
    if status == Status.closed_permanently:
        for key in FEATURE_KEYS:
            if key in tags:
                tags[DISUSED + key] = tags.pop(key)
        return
    if status == Status.closed_temporarily:
        tags["opening_hours"] = CLOSED
        when = f" (reopening on {record.reopen_date.isoformat()})" if record.reopen_date else ""
        unsupported["status"] = f"OSM has no temporary-closure tag: sent as opening_hours=off{when}; hours return on reopening"
        return
    if status == Status.opening_soon:
        tags["opening_hours"] = CLOSED
        if record.opening_date:
            tags["opening_date"] = record.opening_date.isoformat()
        unsupported["status"] = "OSM has no 'opening soon' status: sent as opening_hours=off" + (
            " with opening_date" if record.opening_date else "")
        return
    hours = record.hours
    if not any(intervals for _, intervals in hours.regular.days()):
        if hours.special:
            unsupported["hours.special"] = "special hours without regular hours would read as closed on every other day: not sent"
        return
    value = format_hours(hours)
    if value is not None and len(value) > MAX_VALUE:
        value = format_hours(hours, special=False)
        unsupported["hours.special"] = f"opening_hours with the special hours exceeds OSM's {MAX_VALUE} characters: not sent"
    if value is not None and len(value) <= MAX_VALUE:
        tags["opening_hours"] = value
    elif value is not None:
        unsupported["hours.regular"] = f"opening_hours exceeds OSM's {MAX_VALUE} characters: not sent"


# ---------------------------------------------------------------- read-back comparison

def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _digits(phone: str) -> list[str]:
    return [re.sub(r"\D", "", p) for p in phone.split(";")]


def same_value(key: str, pushed: Any, live: str | None) -> bool:
    """Does OSM show `pushed` for `key`? Lenient only on formatting mappers change without
    changing the content: phone spacing, whitespace in opening_hours."""
    if live is None:
        return False
    if key == "phone":
        return _digits(str(pushed)) == _digits(live)
    if key == "opening_hours":
        return "".join(str(pushed).split()) == "".join(live.split())
    return str(pushed) == live


def differing_keys(pushed: dict[str, Any], live: dict[str, str]) -> list[str]:
    return sorted(key for key, value in pushed.items() if not same_value(key, value, live.get(key)))
