"""Canonical record -> one Yelp Data Ingestion business (pure, no I/O).

Top-level keys: `partner_business_id` (our store code: Yelp's key for the business),
`matching_criteria` (always sent whole: how Yelp finds the business), and one key per Yelp
`update` field (`name`, `address1`, …): the unit of change, since Yelp takes partial updates
field by field. The connector sends `{partner_business_id, matching_criteria, update: {the
changed update fields}}`.

Choices (UNVERIFIED against Yelp: the ingestion field list is in the partner contract only):

* Address: `address1`, `address2` (second line), `city`, `state` (region), `postal_code`,
  `country` (ISO alpha-2); a third line and beyond are reported unsent.
* Phone: one `phone`, E.164: the primary (else the first additional); others reported unsent.
* `url`: the website. `categories`: Yelp category aliases from `YELP_CATEGORIES` (UNVERIFIED
  aliases), falling back to the nearest ancestor, reported when approximated.
* Hours: Yelp Fusion's shape `[{"day": 0..6 (Monday = 0), "start": "HHMM", "end": "HHMM",
  "is_overnight": bool}]`, one item per interval; `24:00` ends as `"0000"` overnight (Yelp's
  way of writing midnight); a closed day has no item.
* Special hours: `[{"date": "YYYY-MM-DD", "is_closed": bool, "start"?, "end"?, "is_overnight"?}]`,
  one item per date and interval (a period is expanded, at most 366 dates).
* Status: `is_closed` only. closed_permanently -> true. Temporary closure and "opening soon" are
  sent as `is_closed: true` too (never open), reported in `unsupported["status"]`.
* Not sent: e-mail, description, photos (no such ingestion field as far as we know).
"""

from __future__ import annotations

from typing import Any

from connectors.base import Rendering
from connectors.common.special_hours import period_dates
from connectors.common.status import closed_flag
from schemas import Establishment
from schemas.categories import ADDED_KEYS, ancestry
from schemas.establishment import Interval, SpecialHours

MAX_SPECIAL_DATES = 366
IDENTITY_KEYS = ("partner_business_id", "matching_criteria")  # sent with every call; not update fields
UPDATE_FIELDS = ("name", "address1", "address2", "city", "state", "postal_code", "country", "latitude", "longitude",
                 "phone", "url", "categories", "hours", "special_hours", "is_closed")

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
} | {key: None for key in ADDED_KEYS}  # keys added later: their parent's category until mapped

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
    fields: dict[str, Any] = {"name": record.name, "address1": address.lines[0]}
    if len(address.lines) > 1:
        fields["address2"] = address.lines[1]
    if len(address.lines) > 2:
        left_out = ", ".join(repr(line) for line in address.lines[2:])
        unsupported["address.lines"] = f"Yelp takes two address lines: {left_out} left out"
    fields["city"] = address.locality
    if address.region:
        fields["state"] = address.region
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
    if hours := [_interval({"day": i}, iv) for i, (_, ivs) in enumerate(record.hours.regular.days()) for iv in ivs]:
        fields["hours"] = hours
    if record.hours.special:
        fields["special_hours"] = [item for period in record.hours.special for item in _special(period, unsupported)]
    fields["is_closed"] = _is_closed(record, unsupported)
    if record.email:
        unsupported["email"] = UNSUPPORTED_EMAIL
    if record.description:
        unsupported["description"] = UNSUPPORTED_DESCRIPTION
    if record.photos:
        unsupported["photos"] = UNSUPPORTED_PHOTOS
    criteria = {k: fields[k] for k in ("name", "address1", "city", "postal_code", "country", "phone", "latitude",
                                       "longitude") if k in fields}
    payload = {"partner_business_id": record.store_code, "matching_criteria": criteria, **fields}
    return Rendering(payload=payload, unsupported=unsupported)


def _categories(record: Establishment, unsupported: dict[str, str]) -> list[str]:
    aliases: list[str] = []
    approximated: list[str] = []
    for key in record.category_keys():
        alias, source = yelp_category(key)
        if source != key:
            approximated.append(f"{key} sent as {alias} (its parent {source})")
        if alias not in aliases:
            aliases.append(alias)
    if approximated:
        unsupported["categories"] = "no Yelp category of their own: " + "; ".join(approximated)
    return aliases


def hhmm(time: str) -> str:
    return "0000" if time == "24:00" else time.replace(":", "")


def _interval(head: dict[str, Any], interval: Interval) -> dict[str, Any]:
    start, end = interval.span()
    return {**head, "start": hhmm(interval.open), "end": hhmm(interval.close), "is_overnight": end >= 24 * 60}


def _special(period: SpecialHours, unsupported: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for day in period_dates(period, MAX_SPECIAL_DATES, unsupported, "one Yelp item per date"):
        date = day.isoformat()
        if period.closed:
            out.append({"date": date, "is_closed": True})
        else:
            out += [_interval({"date": date, "is_closed": False}, iv) for iv in period.intervals]
    return out


def _is_closed(record: Establishment, unsupported: dict[str, str]) -> bool:
    return closed_flag(record, unsupported, "Yelp ingestion", "is_closed=true")
