"""Canonical category key -> Google Business Profile category (`categories/gcid:...`).

Every key of `schemas.categories.CATEGORIES` is listed in `GCIDS`, with `None` where Google has
no category that means the same thing. Those fall back to the nearest ancestor that has one
(`schemas.categories.ancestry`), and the sync status says so. `office`, a root key, has no
Google equivalent ("Office" is not a Google category) and no parent: it uses Google's
"Corporate office", the nearest category Google offers (`SUBSTITUTES`).

The gcids below were checked one by one against a published dump of Google's `categories.list`
output (display names in English); that dump's date is UNVERIFIED, and Google retires or renames
categories from time to time: `GET {base}/categories:batchGet?names=...&regionCode=FR&languageCode=fr`
re-checks them. Two traps: the medical laboratory is `gcid:medical_lab` (there is no
`gcid:medical_laboratory`), and `gcid:gynecologist` displays as "Obstetrician-gynecologist"
(`gcid:gynecologist_only` is the narrower "Gynecologist"; French gynécologues usually practise both).
"""

from __future__ import annotations

from schemas.categories import CATEGORIES, ancestry

PREFIX = "categories/"

GCIDS: dict[str, str | None] = {
    # Hospitals and clinics
    "hospital": "gcid:hospital",
    "general_hospital": "gcid:general_hospital",
    "university_hospital": "gcid:university_hospital",
    "private_clinic": "gcid:private_hospital",  # a French "clinique privée" is a private hospital
    "psychiatric_hospital": "gcid:psychiatric_hospital",
    "rehabilitation_center": "gcid:rehabilitation_center",
    "maternity": "gcid:maternity_hospital",
    "cancer_center": "gcid:cancer_treatment_center",
    "emergency_room": "gcid:emergency_room",  # displayed "Emergency department"
    "day_surgery": "gcid:surgical_center",  # displayed "Surgical clinic" / "Surgical center"
    "dialysis_center": "gcid:dialysis_center",
    "nursing_home": "gcid:nursing_home",
    "palliative_care": "gcid:hospice",  # Google's French label: soins palliatifs
    # Outpatient medicine
    "medical_center": "gcid:medical_center",
    "health_center": None,  # maison de santé: no Google equivalent -> medical_center
    "general_practitioner": "gcid:general_practitioner",
    "specialist_doctor": "gcid:doctor",  # Google has no generic "medical specialist"
    "cardiologist": "gcid:cardiologist",
    "dermatologist": "gcid:dermatologist",
    "gynecologist": "gcid:gynecologist",
    "ophthalmologist": "gcid:ophthalmologist",
    "pediatrician": "gcid:pediatrician",
    "psychiatrist": "gcid:psychiatrist",
    "orthopedic_surgeon": "gcid:orthopedic_surgeon",
    "physiotherapist": "gcid:physiotherapist",
    "nurse": None,  # cabinet infirmier: "Nursing agency" is a staffing agency -> medical_center
    "midwife": "gcid:midwife",
    "sleep_clinic": "gcid:sleep_clinic",
    "vaccination_center": None,  # no Google category -> medical_center
    "occupational_health": "gcid:occupational_health_service",
    # Dental
    "dental_clinic": "gcid:dental_clinic",
    "dentist": "gcid:dentist",
    "orthodontist": "gcid:orthodontist",
    # Imaging
    "medical_imaging": "gcid:medical_diagnostic_imaging_center",
    "radiology": "gcid:radiologist",
    "mri_center": "gcid:mri_center",
    "nuclear_medicine": None,  # no Google category -> medical_imaging
    # Laboratories
    "medical_laboratory": "gcid:medical_lab",
    "blood_collection_center": "gcid:blood_testing_service",
    "blood_donation": "gcid:blood_donation_center",
    # Pharmacy and care products
    "pharmacy": "gcid:pharmacy",
    "optician": "gcid:optician",
    "hearing_aid_store": "gcid:hearing_aid_store",
    "medical_supply_store": "gcid:medical_supply_store",
    # Retail and services
    "store": "gcid:store",
    "supermarket": "gcid:supermarket",
    "clothing_store": "gcid:clothing_store",
    "restaurant": "gcid:restaurant",
    "cafe": "gcid:cafe",
    "office": None,  # no generic "Office" on Google -> SUBSTITUTES
    "corporate_office": "gcid:corporate_office",
    "parking": "gcid:parking_lot",
}

# Keys with no Google category and no ancestor that has one: the canonical key whose
# category stands in for them.
SUBSTITUTES: dict[str, str] = {"office": "corporate_office"}


def google_category(key: str) -> tuple[str, str | None]:
    """`(categories/gcid:..., fallback_used)`: `fallback_used` is the canonical key whose Google
    category was sent instead of `key` (an ancestor, or a documented substitute), None when
    `key` has its own. Raises KeyError for a key that is not canonical."""
    if key not in CATEGORIES:
        raise KeyError(f"unknown canonical category {key!r}")
    for candidate in ancestry(key):
        gcid = GCIDS.get(candidate)
        if gcid:
            return PREFIX + gcid, None if candidate == key else candidate
    substitute = SUBSTITUTES[ancestry(key)[-1]]
    return PREFIX + GCIDS[substitute], substitute  # type: ignore[operator]
