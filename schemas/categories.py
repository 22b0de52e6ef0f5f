"""Canonical category keys.

Vitrine's own taxonomy, small on purpose: what hospital, clinic, medical, dental, imaging,
laboratory, pharmacy and retail groups publish. Each key has an English and a French label
and, where it is a specialisation, a parent key: a platform that cannot express a key falls
back to its parent (then the parent's parent), and the sync status says so. Keys are stable:
rename a label freely, never a key. The list is rendered in docs/categories.md.
"""

from typing import NamedTuple


class Category(NamedTuple):
    label_en: str
    label_fr: str
    parent: str | None


CATEGORIES: dict[str, Category] = {
    # Hospitals and clinics
    "hospital": Category("Hospital", "Hôpital", None),
    "general_hospital": Category("General hospital", "Centre hospitalier", "hospital"),
    "university_hospital": Category("University hospital", "CHU", "hospital"),
    "private_clinic": Category("Private clinic", "Clinique privée", "hospital"),
    "psychiatric_hospital": Category("Psychiatric hospital", "Hôpital psychiatrique", "hospital"),
    "rehabilitation_center": Category("Rehabilitation center", "Centre de rééducation (SSR)", "hospital"),
    "maternity": Category("Maternity clinic", "Maternité", "hospital"),
    "cancer_center": Category("Cancer treatment center", "Centre de lutte contre le cancer", "hospital"),
    "emergency_room": Category("Emergency room", "Service des urgences", "hospital"),
    "day_surgery": Category("Day surgery center", "Chirurgie ambulatoire", "hospital"),
    "dialysis_center": Category("Dialysis center", "Centre de dialyse", "medical_center"),
    "nursing_home": Category("Nursing home", "EHPAD", None),
    "palliative_care": Category("Palliative care", "Soins palliatifs", "hospital"),
    # Outpatient medicine
    "medical_center": Category("Medical center", "Centre médical", None),
    "health_center": Category("Health center", "Maison de santé", "medical_center"),
    "general_practitioner": Category("General practitioner", "Médecin généraliste", "medical_center"),
    "specialist_doctor": Category("Medical specialist", "Médecin spécialiste", "medical_center"),
    "cardiologist": Category("Cardiologist", "Cardiologue", "specialist_doctor"),
    "dermatologist": Category("Dermatologist", "Dermatologue", "specialist_doctor"),
    "gynecologist": Category("Gynecologist", "Gynécologue", "specialist_doctor"),
    "ophthalmologist": Category("Ophthalmologist", "Ophtalmologiste", "specialist_doctor"),
    "pediatrician": Category("Pediatrician", "Pédiatre", "specialist_doctor"),
    "psychiatrist": Category("Psychiatrist", "Psychiatre", "specialist_doctor"),
    "orthopedic_surgeon": Category("Orthopedic surgeon", "Chirurgien orthopédiste", "specialist_doctor"),
    "physiotherapist": Category("Physiotherapist", "Kinésithérapeute", "medical_center"),
    "nurse": Category("Nursing service", "Cabinet infirmier", "medical_center"),
    "midwife": Category("Midwife", "Sage-femme", "medical_center"),
    "sleep_clinic": Category("Sleep clinic", "Centre du sommeil", "medical_center"),
    "vaccination_center": Category("Vaccination center", "Centre de vaccination", "medical_center"),
    "occupational_health": Category("Occupational health service", "Médecine du travail", "medical_center"),
    # Dental
    "dental_clinic": Category("Dental clinic", "Centre dentaire", None),
    "dentist": Category("Dentist", "Chirurgien-dentiste", "dental_clinic"),
    "orthodontist": Category("Orthodontist", "Orthodontiste", "dental_clinic"),
    # Imaging
    "medical_imaging": Category("Medical imaging center", "Centre d'imagerie médicale", "medical_center"),
    "radiology": Category("Radiology center", "Cabinet de radiologie", "medical_imaging"),
    "mri_center": Category("MRI center", "Centre IRM", "medical_imaging"),
    "nuclear_medicine": Category("Nuclear medicine", "Médecine nucléaire", "medical_imaging"),
    # Laboratories
    "medical_laboratory": Category("Medical laboratory", "Laboratoire d'analyses médicales", "medical_center"),
    "blood_collection_center": Category("Blood sampling center", "Centre de prélèvement", "medical_laboratory"),
    "blood_donation": Category("Blood donation center", "Centre de don du sang", "medical_center"),
    # Pharmacy and care products
    "pharmacy": Category("Pharmacy", "Pharmacie", None),
    "optician": Category("Optician", "Opticien", "store"),
    "hearing_aid_store": Category("Hearing aid store", "Audioprothésiste", "store"),
    "medical_supply_store": Category("Medical supply store", "Matériel médical", "store"),
    # Retail and services
    "store": Category("Store", "Magasin", None),
    "supermarket": Category("Supermarket", "Supermarché", "store"),
    "clothing_store": Category("Clothing store", "Magasin de vêtements", "store"),
    "restaurant": Category("Restaurant", "Restaurant", None),
    "cafe": Category("Café", "Café", "restaurant"),
    "office": Category("Office", "Bureau", None),
    "corporate_office": Category("Corporate office", "Siège social", "office"),
    "parking": Category("Parking", "Parking", None),
}


def ancestry(key: str) -> list[str]:
    """The key followed by its parents, nearest first."""
    chain = [key]
    while (parent := CATEGORIES[chain[-1]].parent) is not None:
        chain.append(parent)
    return chain
