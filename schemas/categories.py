"""Canonical category keys.

Vitrine's own taxonomy: what hospital, clinic, medical, dental, imaging, laboratory, pharmacy
and retail groups publish. Each key has an English and a French label and, where it is a
specialisation, a parent key: a platform that cannot express a key falls back to its parent
(then the parent's parent), and the sync status says so. Keys are stable: rename a label
freely, never a key. The list is rendered in docs/categories.md.

Google: each key names the Google Business Profile category it stands for (`gcid`, sent as
`categories/gcid:...`) and that category's display names in English and French, so a file
written with Google's own names (`Medical clinic`, `Radiologist`, `Physical therapist`…) lands
on a key. Source: Google's category list as the Business Information API returns it
(`GET https://mybusinessbusinessinformation.googleapis.com/v1/categories?regionCode=FR&languageCode=fr|en&view=BASIC`,
the `categories.list` method of the discovery document in contracts/google), read through
published dumps of that call; the gcids of the first 52 keys were checked one by one against
such a dump (see connectors/google/categories.py), those of the keys added with the Google
bulk-sheet work (from `medical_clinic` on) and the French display names are UNVERIFIED
against a live call: `categories:batchGet?names=...&languageCode=fr` re-checks them.

`aliases` are other names people write for the same thing (French administrative acronyms,
English variants, the specialty for the specialist): accepted on import, and used with the
labels to suggest a key for an unknown value by meaning (`schemas.category_match`).
"""

from typing import NamedTuple


class Category(NamedTuple):
    label_en: str
    label_fr: str
    parent: str | None
    gcid: str | None = None  # Google's category id, without `categories/`; None: no Google equivalent
    google_en: str | None = None  # Google's display name, where it differs from label_en
    google_fr: str | None = None  # Google's French display name, where it differs from label_fr
    aliases: tuple[str, ...] = ()


C = Category

CATEGORIES: dict[str, Category] = {
    # Hospitals and clinics
    "hospital": C("Hospital", "Hôpital", None, "gcid:hospital", aliases=(
        "HAD", "Hôpital public", "Hospitalisation")),
    "general_hospital": C("General hospital", "Centre hospitalier", "hospital", "gcid:general_hospital",
                          google_fr="Hôpital général", aliases=("CH", "CHG", "Centre hospitalier général")),
    "university_hospital": C("University hospital", "CHU", "hospital", "gcid:university_hospital",
                             google_fr="Centre hospitalier universitaire", aliases=("CHRU", "Teaching hospital")),
    "private_clinic": C("Private clinic", "Clinique privée", "hospital", "gcid:private_hospital",
                        google_en="Private hospital", google_fr="Hôpital privé",
                        aliases=("Clinique", "Polyclinique", "Clinique MCO", "Clinic")),
    "psychiatric_hospital": C("Psychiatric hospital", "Hôpital psychiatrique", "hospital", "gcid:psychiatric_hospital",
                              aliases=("Psychiatrie", "Clinique psychiatrique", "Mental hospital")),
    "rehabilitation_center": C("Rehabilitation center", "Centre de rééducation (SSR)", "hospital",
                               "gcid:rehabilitation_center", google_fr="Centre de rééducation", aliases=(
                                   "SSR", "SMR", "Soins de suite", "Soins de suite et de réadaptation", "Rehab",
                                   "Réadaptation", "Rééducation fonctionnelle")),
    "maternity": C("Maternity clinic", "Maternité", "hospital", "gcid:maternity_hospital",
                   google_en="Maternity hospital", aliases=("Maternity ward", "Obstétrique", "Obstetrics",
                                                            "Birth center", "Maison de naissance")),
    "cancer_center": C("Cancer treatment center", "Centre de lutte contre le cancer", "hospital",
                       "gcid:cancer_treatment_center", google_fr="Centre de traitement du cancer",
                       aliases=("CLCC", "Oncologie", "Cancérologie", "Radiothérapie", "Chimiothérapie", "Oncology")),
    "emergency_room": C("Emergency room", "Service des urgences", "hospital", "gcid:emergency_room",
                        google_en="Emergency department", aliases=("Urgences", "A&E", "Emergency")),
    "day_surgery": C("Day surgery center", "Chirurgie ambulatoire", "hospital", "gcid:surgical_center",
                     google_en="Surgical center", google_fr="Centre de chirurgie",
                     aliases=("Ambulatoire", "Outpatient surgery", "Surgical clinic")),
    "dialysis_center": C("Dialysis center", "Centre de dialyse", "medical_center", "gcid:dialysis_center",
                         aliases=("Dialyse", "Hémodialyse", "Néphrologie", "Kidney dialysis")),
    "nursing_home": C("Nursing home", "EHPAD", None, "gcid:nursing_home", google_fr="Maison de retraite médicalisée",
                      aliases=("Maison de retraite", "Care home", "Elderly care", "Personnes âgées",
                               "Long-term care", "USLD")),
    "palliative_care": C("Palliative care", "Soins palliatifs", "hospital", "gcid:hospice", google_en="Hospice",
                         aliases=("Fin de vie", "End of life care", "USP")),
    # Outpatient medicine
    "medical_center": C("Medical center", "Centre médical", None, "gcid:medical_center",
                        aliases=("Pôle médical", "Pôle santé")),
    "health_center": C("Health center", "Maison de santé", "medical_center", None, aliases=(
        "Centre de santé", "MSP", "Maison de santé pluriprofessionnelle", "Community health center")),
    "general_practitioner": C("General practitioner", "Médecin généraliste", "medical_center",
                              "gcid:general_practitioner", aliases=("Médecin traitant", "Family doctor", "GP",
                                                                    "Médecine générale")),
    "specialist_doctor": C("Medical specialist", "Médecin spécialiste", "medical_center", "gcid:doctor",
                           google_en="Doctor", google_fr="Médecin", aliases=("Spécialiste", "Physician")),
    "cardiologist": C("Cardiologist", "Cardiologue", "specialist_doctor", "gcid:cardiologist",
                      aliases=("Cardiologie", "Cardiology", "Heart doctor")),
    "dermatologist": C("Dermatologist", "Dermatologue", "specialist_doctor", "gcid:dermatologist",
                       aliases=("Dermatologie", "Dermatology", "Skin doctor")),
    "gynecologist": C("Gynecologist", "Gynécologue", "specialist_doctor", "gcid:gynecologist",
                      google_en="Obstetrician-gynecologist", google_fr="Gynécologue obstétricien",
                      aliases=("Gynécologie", "Obstetrician", "OB-GYN", "Gynecology")),
    "ophthalmologist": C("Ophthalmologist", "Ophtalmologiste", "specialist_doctor", "gcid:ophthalmologist",
                         aliases=("Ophtalmologie", "Ophtalmo", "Eye doctor")),
    "pediatrician": C("Pediatrician", "Pédiatre", "specialist_doctor", "gcid:pediatrician",
                      aliases=("Pédiatrie", "Pediatrics", "Children's doctor")),
    "psychiatrist": C("Psychiatrist", "Psychiatre", "specialist_doctor", "gcid:psychiatrist", aliases=("Psychiatry",)),
    "orthopedic_surgeon": C("Orthopedic surgeon", "Chirurgien orthopédiste", "specialist_doctor",
                            "gcid:orthopedic_surgeon", aliases=("Orthopédie", "Orthopedics", "Orthopaedic surgeon")),
    "physiotherapist": C("Physiotherapist", "Kinésithérapeute", "medical_center", "gcid:physiotherapist",
                         aliases=("Physical therapist", "Physiotherapy", "Physical therapy", "Kinésithérapie",
                                  "Kiné", "Masseur-kinésithérapeute")),
    "nurse": C("Nursing service", "Cabinet infirmier", "medical_center", None,
               aliases=("Infirmier", "Infirmière", "Soins infirmiers", "Nurse")),
    "midwife": C("Midwife", "Sage-femme", "medical_center", "gcid:midwife", aliases=("Maïeuticien", "Midwifery")),
    "sleep_clinic": C("Sleep clinic", "Centre du sommeil", "medical_center", "gcid:sleep_clinic",
                      aliases=("Sommeil", "Sleep center", "Sleep medicine")),
    "vaccination_center": C("Vaccination center", "Centre de vaccination", "medical_center", None,
                            aliases=("Vaccination", "Vaccins", "Immunization")),
    "occupational_health": C("Occupational health service", "Médecine du travail", "medical_center",
                             "gcid:occupational_health_service", aliases=("Santé au travail", "SST",
                                                                         "Service de santé au travail")),
    # Dental
    "dental_clinic": C("Dental clinic", "Centre dentaire", None, "gcid:dental_clinic", google_fr="Clinique dentaire",
                       aliases=("Cabinet dentaire", "Dental care", "Soins dentaires")),
    "dentist": C("Dentist", "Chirurgien-dentiste", "dental_clinic", "gcid:dentist", google_fr="Dentiste"),
    "orthodontist": C("Orthodontist", "Orthodontiste", "dental_clinic", "gcid:orthodontist", aliases=("Orthodontie",)),
    # Imaging
    "medical_imaging": C("Medical imaging center", "Centre d'imagerie médicale", "medical_center",
                         "gcid:medical_diagnostic_imaging_center", google_en="Medical diagnostic imaging center",
                         aliases=("Imagerie", "Imagerie médicale", "Centre d'imagerie", "Diagnostic imaging",
                                  "Imaging center")),
    "radiology": C("Radiology center", "Cabinet de radiologie", "medical_imaging", "gcid:radiologist",
                   google_en="Radiologist", google_fr="Radiologue", aliases=(
                       "Radiologie", "X-ray", "Radiographie", "Échographie", "Ultrasound", "Scanner", "CT scan")),
    "mri_center": C("MRI center", "Centre IRM", "medical_imaging", "gcid:mri_center", google_fr="Centre d'IRM",
                    aliases=("IRM", "MRI", "Magnetic resonance imaging")),
    "nuclear_medicine": C("Nuclear medicine", "Médecine nucléaire", "medical_imaging", None,
                          aliases=("Scintigraphie", "PET scan", "TEP")),
    # Laboratories
    "medical_laboratory": C("Medical laboratory", "Laboratoire d'analyses médicales", "medical_center",
                            "gcid:medical_lab", aliases=("Laboratoire", "LBM", "Laboratoire de biologie médicale",
                                                         "Biologie médicale", "Medical lab", "Analyses médicales")),
    "blood_collection_center": C("Blood sampling center", "Centre de prélèvement", "medical_laboratory",
                                 "gcid:blood_testing_service", google_en="Blood testing service",
                                 google_fr="Service d'analyses de sang", aliases=("Prélèvement", "Prise de sang",
                                                                                  "Blood test", "Blood draw")),
    "blood_donation": C("Blood donation center", "Centre de don du sang", "medical_center", "gcid:blood_donation_center",
                        aliases=("EFS", "Don du sang")),
    # Pharmacy and care products
    "pharmacy": C("Pharmacy", "Pharmacie", None, "gcid:pharmacy",
                  aliases=("Officine", "Drugstore", "Chemist", "Parapharmacie")),
    "optician": C("Optician", "Opticien", "store", "gcid:optician", aliases=("Optique", "Lunettes", "Eyewear")),
    "hearing_aid_store": C("Hearing aid store", "Audioprothésiste", "store", "gcid:hearing_aid_store",
                           google_fr="Magasin d'appareils auditifs", aliases=("Audioprothèse", "Hearing aids")),
    "medical_supply_store": C("Medical supply store", "Matériel médical", "store", "gcid:medical_supply_store",
                              google_fr="Magasin de matériel médical", aliases=("Orthopédie (magasin)",
                                                                                "Home medical equipment")),
    # Retail and services
    "store": C("Store", "Magasin", None, "gcid:store", aliases=("Boutique", "Shop", "Point de vente", "Retail")),
    "supermarket": C("Supermarket", "Supermarché", "store", "gcid:supermarket",
                     aliases=("Hypermarché", "Grocery", "Alimentation")),
    "clothing_store": C("Clothing store", "Magasin de vêtements", "store", "gcid:clothing_store",
                        aliases=("Vêtements", "Prêt-à-porter", "Fashion", "Apparel")),
    "restaurant": C("Restaurant", "Restaurant", None, "gcid:restaurant", aliases=("Restauration", "Brasserie",
                                                                                  "Bistrot", "Dining")),
    "cafe": C("Café", "Café", "restaurant", "gcid:cafe", google_en="Cafe",
              aliases=("Coffee shop", "Salon de thé", "Cafétéria", "Cafeteria")),
    "office": C("Office", "Bureau", None, None, aliases=("Agence", "Bureaux", "Administration")),
    "corporate_office": C("Corporate office", "Siège social", "office", "gcid:corporate_office",
                          aliases=("Siège", "Headquarters", "HQ", "Head office", "Direction générale")),
    "parking": C("Parking", "Parking", None, "gcid:parking_lot", google_en="Parking lot",
                 aliases=("Car park", "Stationnement")),
    # Google categories a healthcare or retail group uses (added with the Google bulk sheet)
    "medical_clinic": C("Medical clinic", "Clinique médicale", "medical_center", "gcid:medical_clinic",
                        aliases=("Health clinic", "Cabinet médical", "Medical practice", "Cabinet de groupe")),
    "urgent_care": C("Urgent care center", "Centre de soins non programmés", "medical_center",
                     "gcid:urgent_care_center", aliases=("Soins non programmés", "Walk-in clinic", "Urgent care",
                                                         "Maison médicale de garde")),
    "mental_health_clinic": C("Mental health clinic", "Centre de santé mentale", "medical_center",
                              "gcid:mental_health_clinic", aliases=("CMP", "Centre médico-psychologique",
                                                                    "Santé mentale", "Mental health")),
    "psychologist": C("Psychologist", "Psychologue", "medical_center", "gcid:psychologist",
                      aliases=("Psychothérapeute", "Psychotherapist")),
    "home_health_care": C("Home health care service", "Service de soins à domicile", "medical_center",
                          "gcid:home_health_care_service", aliases=("SSIAD", "Soins à domicile", "Home care")),
    "physical_therapy_clinic": C("Physical therapy clinic", "Centre de kinésithérapie", "physiotherapist",
                                 "gcid:physical_therapy_clinic", aliases=("Cabinet de kinésithérapie",
                                                                          "Physiotherapy center")),
    "speech_therapist": C("Speech pathologist", "Orthophoniste", "medical_center", "gcid:speech_pathologist",
                          aliases=("Orthophonie", "Speech therapy", "Speech therapist")),
    "podiatrist": C("Podiatrist", "Podologue", "medical_center", "gcid:podiatrist",
                    aliases=("Pédicure-podologue", "Podologie", "Chiropodist")),
    "optometrist": C("Optometrist", "Optométriste", "medical_center", "gcid:optometrist",
                     aliases=("Orthoptiste", "Optométrie", "Eye exam")),
    "neurologist": C("Neurologist", "Neurologue", "specialist_doctor", "gcid:neurologist",
                     aliases=("Neurologie", "Neurology")),
    "gastroenterologist": C("Gastroenterologist", "Gastro-entérologue", "specialist_doctor", "gcid:gastroenterologist",
                            aliases=("Gastro-entérologie", "Gastroenterology", "Hépato-gastro-entérologie")),
    "urologist": C("Urologist", "Urologue", "specialist_doctor", "gcid:urologist", aliases=("Urologie", "Urology")),
    "oncologist": C("Oncologist", "Oncologue", "specialist_doctor", "gcid:oncologist", aliases=("Cancérologue",)),
    "ent_specialist": C("Otolaryngologist", "Oto-rhino-laryngologiste", "specialist_doctor", "gcid:otolaryngologist",
                        aliases=("ORL", "ENT", "Ear nose and throat", "Oto-rhino")),
    "anesthesiologist": C("Anesthesiologist", "Anesthésiste", "specialist_doctor", "gcid:anesthesiologist",
                          aliases=("Anesthésie", "Anesthésiste-réanimateur")),
    "plastic_surgeon": C("Plastic surgeon", "Chirurgien plasticien", "specialist_doctor", "gcid:plastic_surgeon",
                         aliases=("Chirurgie esthétique", "Chirurgie plastique", "Cosmetic surgery")),
    "retirement_home": C("Retirement home", "Résidence seniors", "nursing_home", "gcid:retirement_home",
                         aliases=("Résidence autonomie", "Résidence services seniors", "Senior living")),
    "hearing_center": C("Audiologist", "Audiologiste", "hearing_aid_store", "gcid:audiologist",
                        aliases=("Centre auditif", "Audiologie", "Hearing test")),
    "department_store": C("Department store", "Grand magasin", "store", "gcid:department_store",
                          aliases=("Grands magasins",)),
    "grocery_store": C("Grocery store", "Épicerie", "supermarket", "gcid:grocery_store",
                       aliases=("Épicerie fine", "Primeur", "Food store")),
    "convenience_store": C("Convenience store", "Supérette", "supermarket", "gcid:convenience_store",
                           aliases=("Magasin de proximité", "Corner shop")),
    "shoe_store": C("Shoe store", "Magasin de chaussures", "store", "gcid:shoe_store",
                    aliases=("Chaussures", "Chausseur", "Footwear")),
    "electronics_store": C("Electronics store", "Magasin d'électronique", "store", "gcid:electronics_store",
                           aliases=("Électroménager", "High-tech", "Informatique", "Electronics")),
    "furniture_store": C("Furniture store", "Magasin de meubles", "store", "gcid:furniture_store",
                         aliases=("Meubles", "Ameublement", "Furniture")),
    "home_goods_store": C("Home goods store", "Magasin d'articles pour la maison", "store", "gcid:home_goods_store",
                          aliases=("Décoration", "Arts de la table", "Home decor")),
    "hardware_store": C("Hardware store", "Quincaillerie", "store", "gcid:hardware_store",
                        aliases=("Bricolage", "DIY", "Home improvement")),
    "cosmetics_store": C("Cosmetics store", "Magasin de cosmétiques", "store", "gcid:cosmetics_store",
                         aliases=("Parfumerie", "Beauté", "Cosmétiques", "Beauty")),
    "sporting_goods_store": C("Sporting goods store", "Magasin d'articles de sport", "store",
                              "gcid:sporting_goods_store", aliases=("Articles de sport", "Sports shop")),
    "jewelry_store": C("Jewelry store", "Bijouterie", "store", "gcid:jewelry_store",
                       aliases=("Bijoux", "Horlogerie", "Joaillerie", "Jeweller")),
    "book_store": C("Book store", "Librairie", "store", "gcid:book_store", aliases=("Livres", "Books", "Bookshop")),
    "toy_store": C("Toy store", "Magasin de jouets", "store", "gcid:toy_store", aliases=("Jouets", "Toys")),
    "pet_store": C("Pet store", "Animalerie", "store", "gcid:pet_store", aliases=("Pet supplies",)),
    "bakery": C("Bakery", "Boulangerie", "store", "gcid:bakery", aliases=("Boulangerie-pâtisserie", "Pâtisserie")),
    "garden_center": C("Garden center", "Jardinerie", "store", "gcid:garden_center", aliases=("Garden",)),
    "cell_phone_store": C("Cell phone store", "Magasin de téléphonie mobile", "store", "gcid:cell_phone_store",
                          aliases=("Téléphonie", "Mobile phones")),
}
ADDED_KEYS = tuple(CATEGORIES)[list(CATEGORIES).index("medical_clinic"):]  # no table of a platform lists them yet


def ancestry(key: str) -> list[str]:
    """The key followed by its parents, nearest first."""
    chain = [key]
    while (parent := CATEGORIES[chain[-1]].parent) is not None:
        chain.append(parent)
    return chain


def names(key: str) -> tuple[str, ...]:
    """Every name a file may use for `key`: the key, its labels, Google's display names, aliases."""
    c = CATEGORIES[key]
    return tuple(n for n in (key, c.label_en, c.label_fr, c.google_en, c.google_fr, *c.aliases) if n)
