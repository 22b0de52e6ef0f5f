"""Canonical category key -> Apple Business Connect category id.

UNVERIFIED: every id below. Apple publishes its category list inside Business Connect only; the
ids follow the `<domain>.<name>` shape seen in Apple's API examples (`health.dietitians`,
`food.desserts`), but none of these was checked against that list, not even whether Apple uses
singular or plural names. Check them all before the first real push and fix them here: this
table is the only place an Apple category id is written.

`None` means Apple has no category of its own for the key (or we chose not to guess one): the
connector then sends the id of the nearest ancestor that has one (`schemas.categories.ancestry`)
and the sync status says so. Every root key has an id, so every key resolves.
"""

from schemas.categories import ADDED_KEYS, ancestry

APPLE_CATEGORIES: dict[str, str | None] = {
    # Hospitals and clinics
    "hospital": "health.hospital",
    "general_hospital": None,  # -> hospital
    "university_hospital": None,  # -> hospital
    "private_clinic": "health.clinic",
    "psychiatric_hospital": "health.psychiatric_hospital",
    "rehabilitation_center": "health.rehabilitation_center",
    "maternity": None,  # -> hospital
    "cancer_center": "health.cancer_treatment_center",
    "emergency_room": "health.emergency_room",
    "day_surgery": "health.surgery_center",
    "dialysis_center": "health.dialysis_clinic",
    "nursing_home": "health.nursing_home",
    "palliative_care": "health.hospice",
    # Outpatient medicine
    "medical_center": "health.medical_center",
    "health_center": None,  # -> medical_center
    "general_practitioner": "health.general_practitioner",
    "specialist_doctor": "health.doctor",
    "cardiologist": "health.cardiologist",
    "dermatologist": "health.dermatologist",
    "gynecologist": "health.obstetrician_gynecologist",
    "ophthalmologist": "health.ophthalmologist",
    "pediatrician": "health.pediatrician",
    "psychiatrist": "health.psychiatrist",
    "orthopedic_surgeon": "health.orthopedist",
    "physiotherapist": "health.physical_therapist",
    "nurse": None,  # -> medical_center
    "midwife": "health.midwife",
    "sleep_clinic": "health.sleep_clinic",
    "vaccination_center": None,  # -> medical_center
    "occupational_health": "health.occupational_medicine",
    # Dental
    "dental_clinic": "health.dentist",
    "dentist": None,  # -> dental_clinic (same Apple id)
    "orthodontist": "health.orthodontist",
    # Imaging
    "medical_imaging": "health.diagnostic_imaging",
    "radiology": "health.radiologist",
    "mri_center": None,  # -> medical_imaging
    "nuclear_medicine": None,  # -> medical_imaging
    # Laboratories
    "medical_laboratory": "health.medical_laboratory",
    "blood_collection_center": None,  # -> medical_laboratory
    "blood_donation": "health.blood_bank",
    # Pharmacy and care products
    "pharmacy": "health.pharmacy",
    "optician": "shopping.optician",
    "hearing_aid_store": "health.hearing_aid_provider",
    "medical_supply_store": "shopping.medical_supplies",
    # Retail and services
    "store": "shopping.store",
    "supermarket": "shopping.supermarket",
    "clothing_store": "shopping.clothing_store",
    "restaurant": "food.restaurant",
    "cafe": "food.cafe",
    "office": "business.office",
    "corporate_office": None,  # -> office
    "parking": "travel.parking",
} | {key: None for key in ADDED_KEYS}  # keys added later: their parent's category until mapped


def apple_category(key: str) -> tuple[str, str]:
    """The Apple id for a canonical key and the key it was taken from (`key` itself, or the
    nearest ancestor with an Apple id)."""
    for candidate in ancestry(key):
        apple_id = APPLE_CATEGORIES.get(candidate)
        if apple_id:
            return apple_id, candidate
    raise KeyError(f"no Apple category for {key!r} nor any of its parents")  # a root lacks an id: fix the table
