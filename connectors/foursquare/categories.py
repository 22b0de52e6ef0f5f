"""Canonical category key -> Foursquare category (`fsq_category_id`, 24 hexadecimal digits).

Which ids. This connector talks to the current Places API (`places-api.foursquare.com`,
`X-Places-Api-Version: 2025-06-17`), whose places carry `fsq_category_ids`: the 24-hex ids of
Foursquare's taxonomy (the same ids as the FSQ OS Places `categories_os` table). The 5-digit
numbers (15000 "Health and Medicine", 15014 "Hospital", 15016 "Medical Center") are the
*category codes* of the legacy Places API and flat files; Foursquare's release notes (April
2024) say codes and ids are interchangeable as input to Place Search, not to the suggest
endpoints, so ids are sent.

Sources: every id and label below was read in a third-party copy of the current taxonomy (a
public repository's table of every Health and Medicine, Retail and Travel label with its id),
and all but Dentist, Medical Lab, Physical Therapy Clinic, Pharmacy, Supermarket, Clothing
Store and Parking again in a second, independent one (a 2026 measurement of FSQ OS Places
rows; its rule file says Hospital, Medical Center, Retail, Office, Restaurant and Cafe were
"verified against the live 1,279-row places.datasets.categories_os taxonomy on 2026-09-01").
No id was guessed.

UNVERIFIED: those ids against Foursquare's own category endpoint; that the suggest endpoints
take them under `fsq_category_ids`, as a list, primary first, at most 3 (see
`mapping.MAX_CATEGORIES`).

`None`: Foursquare has no category meaning the same (or we chose not to assert one); the
nearest ancestor's category is sent and the sync status says so. Every root has one. Choices:
* `private_clinic`, `psychiatric_hospital`, `rehabilitation_center` -> Hospital: in-patient
  establishments; Foursquare's "Mental Health Clinic" is out-patient and its "Rehabilitation
  Center" sits under Community and Government (social rehabilitation, not an SSR).
* `health_center` (maison de santé) -> "Healthcare Clinic"; `radiology` -> "Physician >
  Radiologist" (a cabinet de radiologie is radiologists' practice).
"""

from __future__ import annotations

from connectors.common.categories import PlatformCategory as C
from schemas.categories import ADDED_KEYS

FOURSQUARE_CATEGORIES: dict[str, C | None] = {
    # Hospitals and clinics
    "hospital": C("4bf58dd8d48988d196941735", "Health and Medicine > Hospital"),
    "general_hospital": None,  # -> hospital
    "university_hospital": None,  # -> hospital
    "private_clinic": None,  # -> hospital
    "psychiatric_hospital": None,  # -> hospital
    "rehabilitation_center": None,  # -> hospital
    "maternity": C("56aa371be4b08b9a8d5734ff", "Health and Medicine > Maternity Clinic"),
    "cancer_center": None,  # -> hospital ("Physician > Oncologist" is a doctor)
    "emergency_room": C("4bf58dd8d48988d194941735", "Health and Medicine > Emergency Service > Emergency Room"),
    "day_surgery": None,  # -> hospital
    "dialysis_center": None,  # -> medical_center
    "nursing_home": C("63be6904847c3692a84b9bc4", "Health and Medicine > Nursing Home"),
    "palliative_care": C("5f2c5b8b5b4c177b9a6ddf0b", "Health and Medicine > Hospice"),
    # Outpatient medicine
    "medical_center": C("4bf58dd8d48988d104941735", "Health and Medicine > Medical Center"),
    "health_center": C("63be6904847c3692a84b9bbe", "Health and Medicine > Healthcare Clinic"),
    "general_practitioner": C("63be6904847c3692a84b9bcb", "Health and Medicine > Physician > Family Medicine Doctor"),
    "specialist_doctor": C("63be6904847c3692a84b9bc6", "Health and Medicine > Physician"),
    "cardiologist": C("63be6904847c3692a84b9bc8", "Health and Medicine > Physician > Cardiologist"),
    "dermatologist": C("63be6904847c3692a84b9bc9", "Health and Medicine > Physician > Dermatologist"),
    "gynecologist": C("63be6904847c3692a84b9bd1", "Health and Medicine > Physician > Obstetrician Gynecologist (Ob-gyn)"),
    "ophthalmologist": C("63be6904847c3692a84b9bd3", "Health and Medicine > Physician > Ophthalmologist"),
    "pediatrician": C("63be6904847c3692a84b9bd7", "Health and Medicine > Physician > Pediatrician"),
    "psychiatrist": C("63be6904847c3692a84b9bd9", "Health and Medicine > Physician > Psychiatrist"),
    "orthopedic_surgeon": C("63be6904847c3692a84b9bd5", "Health and Medicine > Physician > Orthopedic Surgeon"),
    "physiotherapist": C("5744ccdfe4b0c0459246b4af", "Health and Medicine > Physical Therapy Clinic"),
    "nurse": C("63be6904847c3692a84b9bc3", "Health and Medicine > Nurse"),
    "midwife": None,  # -> medical_center
    "sleep_clinic": None,  # -> medical_center
    "vaccination_center": None,  # -> medical_center
    "occupational_health": None,  # -> medical_center
    # Dental
    "dental_clinic": C("4bf58dd8d48988d178941735", "Health and Medicine > Dentist"),
    "dentist": None,  # -> dental_clinic (the same category)
    "orthodontist": None,  # -> dental_clinic
    # Imaging
    "medical_imaging": None,  # -> medical_center
    "radiology": C("63be6904847c3692a84b9bda", "Health and Medicine > Physician > Radiologist"),
    "mri_center": None,  # -> medical_imaging -> medical_center
    "nuclear_medicine": None,  # -> medical_imaging -> medical_center
    # Laboratories
    "medical_laboratory": C("4f4531b14b9074f6e4fb0103", "Health and Medicine > Medical Lab"),
    "blood_collection_center": None,  # -> medical_laboratory
    "blood_donation": C("5f2c43a65b4c177b9a6dcc62", "Health and Medicine > Blood Bank"),
    # Pharmacy and care products
    "pharmacy": C("4bf58dd8d48988d10f951735", "Retail > Pharmacy"),
    "optician": C("4d954afda243a5684865b473", "Retail > Eyecare Store"),
    "hearing_aid_store": None,  # -> store
    "medical_supply_store": C("58daa1558bbb0b01f18ec206", "Retail > Medical Supply Store"),
    # Retail and services
    "store": C("4d4b7105d754a06378d81259", "Retail"),
    "supermarket": C("52f2ab2ebcbc57f1066b8b46", "Retail > Food and Beverage Retail > Supermarket"),
    "clothing_store": C("4bf58dd8d48988d103951735", "Retail > Fashion Retail > Clothing Store"),
    "restaurant": C("4d4b7105d754a06374d81259", "Dining and Drinking > Restaurant"),
    "cafe": C("63be6904847c3692a84b9bb6", "Dining and Drinking > Cafe, Coffee, and Tea House"),
    "office": C("4bf58dd8d48988d124941735", "Business and Professional Services > Office"),
    "corporate_office": None,  # -> office
    "parking": C("4c38df4de52ce0d596b336e1", "Travel and Transportation > Parking"),
} | {key: None for key in ADDED_KEYS}  # keys added later: their parent's category until mapped
