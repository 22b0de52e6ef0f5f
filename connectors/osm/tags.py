"""Canonical category key -> OpenStreetMap tags.

Tags follow the OSM wiki's health-care scheme (`amenity=*` for the features renderers and
apps know, plus `healthcare=*` of the Healthcare 2.0 scheme, `healthcare:speciality=*` for
doctors' and hospitals' specialities) and the shop/office keys for retail and offices.

`None` means no OSM tagging of its own (or none we dare to assert): the nearest ancestor that
has tags is used instead (`schemas.categories.ancestry`) and the sync status says so. Every
root key has tags, so every key resolves.

Choices (UNVERIFIED against current OSM practice where noted, check the wiki before a real push):

* `private_clinic` -> the hospital tags: a French "clinique" admits in-patients, and the OSM
  wiki for France tags it `amenity=hospital`; `amenity=clinic` is for out-patient centres
  (`medical_center` here).
* `emergency_room` adds `emergency=yes` to the hospital tags: as an additional category of a
  hospital it is exactly the OSM way of saying "this hospital has an emergency department".
* `nursing_home`: `amenity=social_facility` + `social_facility=nursing_home` (the wiki's advice).
* `healthcare=dialysis`, `healthcare=hospice`, `healthcare=vaccination_centre`,
  `healthcare=blood_donation`, `healthcare:speciality=*` values: documented healthcare values,
  UNVERIFIED how widely data consumers use them.
"""

from __future__ import annotations

from schemas.categories import ADDED_KEYS, ancestry

_HOSPITAL = {"amenity": "hospital", "healthcare": "hospital"}
_CLINIC = {"amenity": "clinic", "healthcare": "clinic"}
_DOCTOR = {"amenity": "doctors", "healthcare": "doctor"}
_DENTIST = {"amenity": "dentist", "healthcare": "dentist"}
SPECIALITY = "healthcare:speciality"


def _speciality(base: dict[str, str], value: str) -> dict[str, str]:
    return {**base, SPECIALITY: value}


OSM_TAGS: dict[str, dict[str, str] | None] = {
    # Hospitals and clinics
    "hospital": _HOSPITAL,
    "general_hospital": None,  # -> hospital
    "university_hospital": None,  # -> hospital
    "private_clinic": None,  # -> hospital (see the module docstring)
    "psychiatric_hospital": _speciality(_HOSPITAL, "psychiatry"),
    "rehabilitation_center": _speciality(_HOSPITAL, "rehabilitation"),
    "maternity": _speciality(_HOSPITAL, "gynaecology;obstetrics"),
    "cancer_center": _speciality(_HOSPITAL, "oncology"),
    "emergency_room": {**_HOSPITAL, "emergency": "yes"},
    "day_surgery": _speciality(_CLINIC, "surgery"),
    "dialysis_center": {"healthcare": "dialysis"},
    "nursing_home": {"amenity": "social_facility", "social_facility": "nursing_home"},
    "palliative_care": {"healthcare": "hospice"},
    # Outpatient medicine
    "medical_center": _CLINIC,
    "health_center": None,  # -> medical_center
    "general_practitioner": _speciality(_DOCTOR, "general"),
    "specialist_doctor": _DOCTOR,
    "cardiologist": _speciality(_DOCTOR, "cardiology"),
    "dermatologist": _speciality(_DOCTOR, "dermatology"),
    "gynecologist": _speciality(_DOCTOR, "gynaecology"),
    "ophthalmologist": _speciality(_DOCTOR, "ophthalmology"),
    "pediatrician": _speciality(_DOCTOR, "paediatrics"),
    "psychiatrist": _speciality(_DOCTOR, "psychiatry"),
    "orthopedic_surgeon": _speciality(_DOCTOR, "orthopaedics"),
    "physiotherapist": {"healthcare": "physiotherapist"},
    "nurse": {"healthcare": "nurse"},
    "midwife": {"healthcare": "midwife"},
    "sleep_clinic": None,  # -> medical_center
    "vaccination_center": {"healthcare": "vaccination_centre"},
    "occupational_health": None,  # -> medical_center
    # Dental
    "dental_clinic": _DENTIST,
    "dentist": None,  # -> dental_clinic (same tags)
    "orthodontist": _speciality(_DENTIST, "orthodontics"),
    # Imaging
    "medical_imaging": _speciality(_CLINIC, "radiology"),
    "radiology": None,  # -> medical_imaging
    "mri_center": None,  # -> medical_imaging
    "nuclear_medicine": _speciality(_CLINIC, "nuclear_medicine"),
    # Laboratories
    "medical_laboratory": {"healthcare": "laboratory"},
    "blood_collection_center": None,  # -> medical_laboratory
    "blood_donation": {"healthcare": "blood_donation"},
    # Pharmacy and care products
    "pharmacy": {"amenity": "pharmacy", "healthcare": "pharmacy"},
    "optician": {"shop": "optician"},
    "hearing_aid_store": {"shop": "hearing_aids"},
    "medical_supply_store": {"shop": "medical_supply"},
    # Retail and services
    "store": {"shop": "yes"},
    "supermarket": {"shop": "supermarket"},
    "clothing_store": {"shop": "clothes"},
    "restaurant": {"amenity": "restaurant"},
    "cafe": {"amenity": "cafe"},
    "office": {"office": "yes"},
    "corporate_office": {"office": "company"},
    "parking": {"amenity": "parking"},
} | {key: None for key in ADDED_KEYS}  # keys added later: their parent's category until mapped

# Keys whose value says what the feature is: a permanently closed place keeps them behind the
# `disused:` lifecycle prefix, and the duplicate search matches on them.
FEATURE_KEYS = ("amenity", "healthcare", "shop", "office")
MULTI_VALUED = (SPECIALITY,)  # OSM joins several values with ";"
CATEGORY_KEYS: frozenset[str] = frozenset(k for tags in OSM_TAGS.values() if tags for k in tags)


def osm_tags(key: str) -> tuple[dict[str, str], str]:
    """The OSM tags for a canonical key and the key they were taken from (`key` itself or the
    nearest ancestor with tags)."""
    for candidate in ancestry(key):
        tags = OSM_TAGS.get(candidate)
        if tags:
            return dict(tags), candidate
    raise KeyError(f"no OSM tags for {key!r} nor any of its parents")  # a root lacks tags: fix the table
