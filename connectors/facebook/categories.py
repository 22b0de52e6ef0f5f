"""Canonical category key -> Facebook Page category (Graph API `category_list`, numeric ids).

Sources, and what they prove:
* Every id and name below was taken from a published dump of Graph API v2.6's Page category
  ("place topic") list, `GET /search?type=placetopic&topic_filter=all&fields=id,name,parent_ids`,
  English names, June 2016 (github.com/franciscomaestre/text_analisys,
  nlp/classifier/trainer/data/facebook/categories_en_US.py). No id was guessed.
* Meta's own Page Upcoming Changes guide shows a category proposal whose values are these ids
  (273819889375819 Restaurant, 152142351517013 Corporate Office, 161516070564222 Financial
  Services): the ids of that dump are the ids Pages carry.
* Ids also found in a later, independent list of Facebook Page categories (Vietnamese labels):
  Hospital, Medical & Health, Doctor, Family Doctor, Dermatologist, OBGYN, Medical Supplies,
  Occupational Safety ("occupational health and safety service"), Clothing Store, Restaurant,
  Parking, and Supermarket (1153901557995608, absent from the 2016 dump; also seen with the
  English name "Supermarket" in a page's `category_list` returned by the Graph API).

UNVERIFIED: that every id is still current (Meta renames, merges and adds categories: check
them with `GET /fb_page_categories` before the first real push); in particular the later names
of Dentist ("Dentist & Dental Office"?) and Eyewear ("Sunglasses & Eyewear Store",
1708896199364202 in the later list?), kept here with their 2016 ids. Short ids such as 2214
("Health/Beauty") are product and brand categories, not places: none is used.

`None`: Facebook has no category meaning the same (or we chose not to assert one); the
nearest ancestor's category is sent and the sync status says so. Every root has a category,
so every key resolves. Choices:
* `private_clinic` -> Hospital: a French "clinique privée" admits in-patients; Facebook's
  "Clinic" (137847742955715) is the out-patient kind.
* `midwife` -> "Pregnancy & Childbirth Service" (under Women's Health): Facebook has no
  "Midwife". `hearing_aid_store` -> "Audiologist" (an audioprothésiste fits hearing aids).
* `nurse` -> "Nursing" (a nursing service, under Medical & Health).
* Specialists with no category of their own (cardiologist, psychiatrist, orthopedic surgeon)
  -> "Doctor"; "Psychologist" and "Counseling & Mental Health" are not psychiatrists.
"""

from __future__ import annotations

from connectors.common.categories import PlatformCategory as C
from schemas.categories import ADDED_KEYS

FACEBOOK_CATEGORIES: dict[str, C | None] = {
    # Hospitals and clinics
    "hospital": C("133152263416981", "Hospital"),
    "general_hospital": None,  # -> hospital
    "university_hospital": None,  # -> hospital
    "private_clinic": None,  # -> hospital (see above)
    "psychiatric_hospital": None,  # -> hospital
    "rehabilitation_center": None,  # -> hospital ("Drug & Alcohol Rehab" is not an SSR)
    "maternity": None,  # -> hospital
    "cancer_center": None,  # -> hospital ("Oncologist" is a doctor, not a centre)
    "emergency_room": None,  # -> hospital
    "day_surgery": None,  # -> hospital
    "dialysis_center": None,  # -> medical_center
    "nursing_home": C("183037088401331", "Nursing Home"),
    "palliative_care": None,  # -> hospital
    # Outpatient medicine
    "medical_center": C("228143393877753", "Medical Center"),
    "health_center": None,  # -> medical_center
    "general_practitioner": C("113914582020990", "Family Doctor"),
    "specialist_doctor": C("188234584533149", "Doctor"),
    "cardiologist": None,  # -> specialist_doctor
    "dermatologist": C("196021933757044", "Dermatologist"),
    "gynecologist": C("127772663958428", "OBGYN"),
    "ophthalmologist": C("200279126653253", "Ophthalmologist"),
    "pediatrician": C("132003726865268", "Pediatrics"),
    "psychiatrist": None,  # -> specialist_doctor
    "orthopedic_surgeon": None,  # -> specialist_doctor
    "physiotherapist": C("181885068517499", "Physical Therapist"),
    "nurse": C("182360455136767", "Nursing"),
    "midwife": C("166443590070313", "Pregnancy & Childbirth Service"),
    "sleep_clinic": None,  # -> medical_center
    "vaccination_center": None,  # -> medical_center
    "occupational_health": C("199383530078300", "Occupational Safety"),
    # Dental
    "dental_clinic": C("174187662626299", "Dentist"),
    "dentist": None,  # -> dental_clinic (the same category)
    "orthodontist": None,  # -> dental_clinic
    # Imaging
    "medical_imaging": None,  # -> medical_center
    "radiology": None,  # -> medical_imaging -> medical_center
    "mri_center": None,  # -> medical_imaging -> medical_center
    "nuclear_medicine": None,  # -> medical_imaging -> medical_center
    # Laboratories
    "medical_laboratory": C("186546178044573", "Medical Lab"),
    "blood_collection_center": None,  # -> medical_laboratory
    "blood_donation": C("186236611410712", "Blood Bank"),
    # Pharmacy and care products
    "pharmacy": C("134381433294944", "Pharmacy"),
    "optician": C("133472970051251", "Eyewear"),
    "hearing_aid_store": C("199024153446160", "Audiologist"),
    "medical_supply_store": C("124907487582838", "Medical Supplies"),
    # Retail and services
    "store": C("200600219953504", "Shopping & Retail"),
    "supermarket": C("1153901557995608", "Supermarket"),
    "clothing_store": C("186230924744328", "Clothing Store"),
    "restaurant": C("273819889375819", "Restaurant"),
    "cafe": C("197871390225897", "Cafe"),
    "office": C("177721448951559", "Workplace & Office"),
    "corporate_office": C("152142351517013", "Corporate Office"),
    "parking": C("200027430011994", "Parking"),
} | {key: None for key in ADDED_KEYS}  # keys added later: their parent's category until mapped
