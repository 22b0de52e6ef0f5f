"""Canonical record -> one Yelp Data Ingestion business (pure, no I/O).

Sources: Yelp's Data Ingestion reference (https://docs.developer.yelp.com/docs/data-ingestion-api,
.../reference/create_business_update_v1), the fields checked by the sandbox's contract
(`connectors/sandbox/contracts/yelp/ingest_create.schema.json`, which names them).

Top-level keys: `partner_business_id` (our store code), `matching_criteria` (always sent whole:
how Yelp finds the business) and one key per Yelp `update` field (`name`, `address1`, …): the
unit of change, since Yelp takes partial updates field by field.

* Address: `parse_lines` finds the street line: `address1` is the street only (Yelp's data
  guidelines), the complements (building, floor…) go to `address2`, `address3`; more are
  reported unsent. Characters outside Yelp's documented set (letters, digits, spaces and
  ``_-’/#&,.':``) are replaced by a space, at most 64 characters, reported when changed.
* `state`: the ISO 3166-2 subdivision code (≤ 3 characters: `IDF`, `BRU`, `GE`), from the region
  or the postal code (`connectors.common.subdivisions`); required in `matching_criteria`, so a
  record whose code cannot be told is refused before any call (`MISSING_STATE`).
* Phone: one `phone`, E.164: the primary (else the first additional); others reported unsent.
* `url`: the website. `categories`: at most 3 Yelp aliases (`YELP_CATEGORIES`, UNVERIFIED
  aliases). Yelp refuses category changes on a business that already has categories, so the
  connector sends them only when it asks Yelp to create a missing business (option
  `create_if_missing`), on the first push.
* Hours: `[{"day": "monday", "open": "08:00", "close": "12:00"}]`, one item per interval; `24:00`
  is written `00:00` (close before open runs past midnight; 00:00-00:00 is a whole day).
  Special dates: Yelp's items carry `date` and `action`, whose values are not in the public
  reference we could read: not sent, reported (`hours.special`).
* Status: `closed` (permanently), `temporarily_closed`, `opening_date` (opening soon, when known);
  value types not spelled out in what we could read (booleans and an ISO date here).
* Not sent: e-mail, description, photos (no such ingestion field).
"""

from __future__ import annotations

from typing import Any

import re

from connectors.base import Rendering
from connectors.common.address import parse_lines
from connectors.common.subdivisions import subdivision_code
from schemas import Establishment
from schemas.categories import ancestry
from schemas.establishment import Interval, Status

IDENTITY_KEYS = ("partner_business_id", "matching_criteria")  # sent with every call; not update fields
UPDATE_FIELDS = ("name", "address1", "address2", "address3", "city", "state", "postal_code", "country", "latitude",
                 "longitude", "phone", "url", "categories", "hours", "temporarily_closed", "closed", "opening_date")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_CATEGORIES = 3
MAX_LINE = 64
_LINE_CHARS = re.compile(r"[^\w \-’/#&,.':]")
MISSING_STATE = ("Yelp needs the ISO 3166-2 subdivision code (matching_criteria.state, at most 3 characters such as IDF): "
                 "set the address region to a code or a known region name")
UNSUPPORTED_SPECIAL = ("Yelp's special-date hours items (date + action) are not spelled out in its public reference: "
                       "not sent")

# Canonical key -> Yelp category alias. UNVERIFIED: aliases from memory of Yelp's public category
# list, not checked; None -> the nearest ancestor's alias. Every root has one.
YELP_CATEGORIES: dict[str, str | None] = {
    "hospital": "hospitals", "general_hospital": None, "university_hospital": None, "private_clinic": None,
    "psychiatric_hospital": None, "rehabilitation_center": "rehabilitation_center", "maternity": None,
    "cancer_center": "oncologist", "emergency_room": "emergencyrooms", "day_surgery": "surgicalcenters",
    "dialysis_center": "dialysisclinics", "nursing_home": "skillednursing", "palliative_care": "hospice",
    "medical_center": "medcenters", "health_center": None, "general_practitioner": "familydr",
    "specialist_doctor": "physicians", "cardiologist": "cardiology", "dermatologist": "dermatology",
    "gynecologist": "obgyn", "ophthalmologist": "opthamalogists", "pediatrician": "pediatricians",
    "psychiatrist": "psychiatrists", "orthopedic_surgeon": "orthopedists", "physiotherapist": "physicaltherapy",
    "nurse": None, "midwife": "midwives", "sleep_clinic": "sleepspecialists", "vaccination_center": None,
    "occupational_health": "occupationalmedicine", "dental_clinic": "dentists", "dentist": None,
    "orthodontist": "orthodontists", "medical_imaging": "diagnosticimaging", "radiology": "radiologists",
    "mri_center": None, "nuclear_medicine": None, "medical_laboratory": "laboratorytesting",
    "blood_collection_center": None, "blood_donation": "blooddonation", "pharmacy": "pharmacy",
    "optician": "eyewear", "hearing_aid_store": "hearingaidproviders", "medical_supply_store": "medicalsupplies",
    "store": "shopping", "supermarket": "grocery", "clothing_store": "fashion", "restaurant": "restaurants",
    "cafe": "cafes", "office": "professional", "corporate_office": None, "parking": "parking",
}

UNSUPPORTED_EMAIL = "Yelp's ingestion API has no e-mail field"
UNSUPPORTED_DESCRIPTION = "Yelp's ingestion API has no description field (Yelp writes its own 'about')"
UNSUPPORTED_PHOTOS = "Yelp's ingestion API takes no photos; the business owner adds them on Yelp for Business"


def yelp_category(key: str) -> tuple[str, str]:
    """The alias for a canonical key and the key it was taken from (itself or an ancestor)."""
    for candidate in ancestry(key):
        if alias := YELP_CATEGORIES.get(candidate):
            return alias, candidate
    raise KeyError(f"no Yelp category for {key!r} nor any of its parents")


def render(record: Establishment) -> Rendering:
    unsupported: dict[str, str] = {}
    address = record.address
    lines = parse_lines(address.lines)
    parts = ([lines.street_line] if lines.street_line else []) + list(lines.complements)
    fields: dict[str, Any] = {"name": record.name}
    for key, part in zip(("address1", "address2", "address3"), parts):
        fields[key] = _line(part, key, unsupported)
    if len(parts) > 3:
        unsupported["address.lines"] = "Yelp takes three address lines: " + ", ".join(map(repr, parts[3:])) + " left out"
    fields["city"] = address.locality
    if state := subdivision_code(address.country, address.region, address.postal_code):
        fields["state"] = state
    if address.postal_code:
        fields["postal_code"] = address.postal_code
    fields["country"] = address.country
    if record.geo is not None:
        fields["latitude"], fields["longitude"] = round(record.geo.lat, 7), round(record.geo.lng, 7)
    numbers = ([record.phones.primary] if record.phones.primary else []) + list(record.phones.additional)
    if numbers:
        fields["phone"] = numbers[0]
    if len(numbers) > 1:
        unsupported["phones.additional"] = f"Yelp takes one phone number: {', '.join(numbers[1:])} not sent"
    if record.website:
        fields["url"] = record.website
    fields["categories"] = _categories(record, unsupported)
    if hours := [_interval(day, iv) for day, (_, ivs) in zip(DAYS, record.hours.regular.days()) for iv in ivs]:
        fields["hours"] = hours
    if record.hours.special:
        unsupported["hours.special"] = UNSUPPORTED_SPECIAL
    fields["closed"] = record.status == Status.closed_permanently
    fields["temporarily_closed"] = record.status == Status.closed_temporarily
    if record.status == Status.opening_soon and record.opening_date:
        fields["opening_date"] = record.opening_date.isoformat()
    if record.email:
        unsupported["email"] = UNSUPPORTED_EMAIL
    if record.description:
        unsupported["description"] = UNSUPPORTED_DESCRIPTION
    if record.photos:
        unsupported["photos"] = UNSUPPORTED_PHOTOS
    criteria = {k: fields[k] for k in ("name", "address1", "city", "state", "postal_code", "country", "phone",
                                       "latitude", "longitude") if k in fields}
    payload = {"partner_business_id": record.store_code, "matching_criteria": criteria, **fields}
    return Rendering(payload=payload, unsupported=unsupported)


def _line(text: str, key: str, unsupported: dict[str, str]) -> str:
    clean = re.sub(r"\s+", " ", _LINE_CHARS.sub(" ", text)).strip()[:MAX_LINE]
    if clean != text:
        unsupported[f"address.{key}"] = f"{text!r} sent as {clean!r} (Yelp allows letters, digits, spaces and _-’/#&,.': in 64 characters)"
    return clean


def _categories(record: Establishment, unsupported: dict[str, str]) -> list[str]:
    aliases: list[str] = []
    approximated: list[str] = []
    for key in [record.categories.primary, *record.categories.additional]:
        alias, source = yelp_category(key)
        if source != key:
            approximated.append(f"{key} sent as {alias} (its parent {source})")
        if alias not in aliases:
            aliases.append(alias)
    notes = []
    if approximated:
        notes.append("no Yelp category of their own: " + "; ".join(approximated))
    if len(aliases) > MAX_CATEGORIES:
        notes.append(f"Yelp takes {MAX_CATEGORIES} categories: {', '.join(aliases[MAX_CATEGORIES:])} not sent")
    if notes:
        unsupported["categories"] = "; ".join(notes)
    return aliases[:MAX_CATEGORIES]


def hhmm(time: str) -> str:
    return "00:00" if time == "24:00" else time


def _interval(day: str, interval: Interval) -> dict[str, Any]:
    return {"day": day, "open": hhmm(interval.open), "close": hhmm(interval.close)}
