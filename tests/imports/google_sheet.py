"""A workbook in Google Business Profile's bulk-upload layout, filled as Google documents it.

The 33 columns and their conventions come from Google's bulk upload help ("Upload multiple
locations using a spreadsheet", support.google.com/business/answer/3370250 and the template
it links): `x` is a closed day, an empty day cell gives no hours, special hours are
`YYYY-MM-DD: HH:MM-HH:MM` entries separated by commas, lists (additional phones, categories,
photos, labels) are comma-separated. Each row comes with the canonical record it must give.
"""

from __future__ import annotations

from typing import Any

from tests.imports.helpers import xlsx

COLUMNS = [
    "Store code", "Business name", "Address line 1", "Address line 2", "Address line 3", "Address line 4",
    "Address line 5", "Sub-locality", "Locality", "Administrative area", "Country / Region", "Postal code",
    "Latitude", "Longitude", "Primary phone", "Additional phones", "Website", "Primary category",
    "Additional categories", "Sunday hours", "Monday hours", "Tuesday hours", "Wednesday hours", "Thursday hours",
    "Friday hours", "Saturday hours", "Special hours", "From the business", "Opening date", "Logo photo",
    "Cover photo", "Other photos", "Labels",
]
DAYS_ORDER = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
WEEKDAY = "09:00-12:00,14:00-19:00"
IV = [{"open": "09:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}]


def _record(code: str, name: str, address: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Every field of a record, explicitly: what the test compares the imported one with."""
    base_address = {"lines": [], "sub_locality": None, "locality": None, "region": None, "postal_code": None,
                    "country": "FR"}
    record = {"store_code": code, "name": name, "status": "open", "reopen_date": None, "opening_date": None,
              "address": {**base_address, **address}, "geo": None, "phones": {"primary": None, "additional": []},
              "website": None, "email": None, "categories": None, "description": None,
              "hours": {"regular": {d: [] for d in DAYS_ORDER[1:] + DAYS_ORDER[:1]}, "special": []},
              "photos": [], "labels": [], "platform_ids": {}}
    record.update(fields)
    return record


def _hours(**days: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {d: days.get(d, []) for d in DAYS_ORDER[1:] + DAYS_ORDER[:1]}


def _row(code: str, name: str, **cells: Any) -> list[Any]:
    values = {"Store code": code, "Business name": name, **cells}
    return [values.get(c) for c in COLUMNS]


def _week(mon_sat: str | None = WEEKDAY, sunday: str | None = "x", saturday: str | None = None) -> dict[str, Any]:
    cells = {f"{d.capitalize()} hours": mon_sat for d in DAYS_ORDER[1:6]}
    cells["Saturday hours"] = saturday if saturday is not None else mon_sat
    cells["Sunday hours"] = sunday
    return cells


WEEK_IV = {d: IV for d in DAYS_ORDER[1:7]}

ROWS: list[tuple[list[Any], dict[str, Any]]] = [
    (_row("PAR-001", "Clinique du Parc", **{
        "Address line 1": "12 rue Oberkampf", "Locality": "Paris", "Administrative area": "Île-de-France",
        "Country / Region": "FR", "Postal code": "75011", "Latitude": 48.8647, "Longitude": 2.3752,
        "Primary phone": "01 42 34 56 78", "Additional phones": "06 12 34 56 78, 01 42 34 56 79",
        "Website": "www.clinique-du-parc.fr", "Primary category": "Medical clinic",
        "Additional categories": "Radiologist, Physical therapist", **_week(),
        "Special hours": "2026-12-25: x, 2026-12-31: 09:00-12:00",
        "From the business": "Clinique de chirurgie ambulatoire au cœur du 11e.", "Opening date": "1998-03-02",
        "Logo photo": "https://cdn.example.fr/parc/logo.png", "Cover photo": "https://cdn.example.fr/parc/cover.jpg",
        "Other photos": "https://cdn.example.fr/parc/1.jpg, https://cdn.example.fr/parc/2.jpg",
        "Labels": "Île-de-France, MCO"}),
     _record("PAR-001", "Clinique du Parc", {"lines": ["12 rue Oberkampf"], "locality": "Paris",
                                             "region": "Île-de-France", "postal_code": "75011"},
             geo={"lat": 48.8647, "lng": 2.3752},
             phones={"primary": "+33142345678", "additional": ["+33612345678", "+33142345679"]},
             website="https://www.clinique-du-parc.fr/",
             categories={"primary": "medical_clinic", "additional": ["radiology", "physiotherapist"]},
             hours={"regular": _hours(**WEEK_IV), "special": [
                 {"start_date": "2026-12-25", "end_date": "2026-12-25", "closed": True, "intervals": []},
                 {"start_date": "2026-12-31", "end_date": "2026-12-31", "closed": False,
                  "intervals": [{"open": "09:00", "close": "12:00"}]}]},
             description="Clinique de chirurgie ambulatoire au cœur du 11e.", opening_date="1998-03-02",
             photos=[{"url": "https://cdn.example.fr/parc/logo.png", "kind": "logo", "caption": None},
                     {"url": "https://cdn.example.fr/parc/cover.jpg", "kind": "cover", "caption": None},
                     {"url": "https://cdn.example.fr/parc/1.jpg", "kind": "other", "caption": None},
                     {"url": "https://cdn.example.fr/parc/2.jpg", "kind": "other", "caption": None}],
             labels=["Île-de-France", "MCO"])),
    (_row("LYO-002", "Cabinet de radiologie Bellecour", **{
        "Address line 1": "Centre commercial Bellecour", "Address line 2": "Bâtiment C", "Address line 3": "3e étage",
        "Address line 4": "Porte 12", "Address line 5": "2 place Bellecour", "Sub-locality": "Presqu'île",
        "Locality": "Lyon", "Country / Region": "France", "Postal code": "69002", "Primary phone": "+33 4 78 12 34 56",
        "Primary category": "Radiologist", **_week("08:00-18:00", sunday="x", saturday="08:00-12:00")}),
     _record("LYO-002", "Cabinet de radiologie Bellecour",
             {"lines": ["Centre commercial Bellecour", "Bâtiment C", "3e étage", "Porte 12", "2 place Bellecour"],
              "sub_locality": "Presqu'île", "locality": "Lyon", "postal_code": "69002"},
             phones={"primary": "+33478123456", "additional": []}, categories={"primary": "radiology", "additional": []},
             hours={"regular": _hours(**{d: [{"open": "08:00", "close": "18:00"}] for d in DAYS_ORDER[1:6]},
                                      saturday=[{"open": "08:00", "close": "12:00"}]), "special": []})),
    (_row("MAR-003", "Maternité Sainte-Anne", **{
        "Address line 1": "4 boulevard Baille", "Locality": "Marseille", "Postal code": 13006,
        "Primary phone": "04 91 12 34 56", "Primary category": "Maternity hospital", **_week("00:00-24:00", sunday=None)}),
     _record("MAR-003", "Maternité Sainte-Anne", {"lines": ["4 boulevard Baille"], "locality": "Marseille",
                                                  "postal_code": "13006"},
             phones={"primary": "+33491123456", "additional": []}, categories={"primary": "maternity", "additional": []},
             hours={"regular": _hours(**{d: [{"open": "00:00", "close": "24:00"}] for d in DAYS_ORDER[1:7]}),
                    "special": []})),
    (_row("NAN-004", "Centre d'imagerie de l'Erdre", **{
        "Address line 1": "1 quai de Versailles", "Locality": "Nantes", "Postal code": "44000",
        "Latitude": "47.2234", "Longitude": "-1.5512", "Primary category": "Medical diagnostic imaging center",
        "Additional categories": "MRI center", **_week("07:30-20:00", sunday="x", saturday="x")}),
     _record("NAN-004", "Centre d'imagerie de l'Erdre", {"lines": ["1 quai de Versailles"], "locality": "Nantes",
                                                         "postal_code": "44000"},
             geo={"lat": 47.2234, "lng": -1.5512},
             categories={"primary": "medical_imaging", "additional": ["mri_center"]},
             hours={"regular": _hours(**{d: [{"open": "07:30", "close": "20:00"}] for d in DAYS_ORDER[1:6]}),
                    "special": []})),
    (_row("GPE-005", "Clinique des Eaux Claires", **{
        "Address line 1": "Rue des Palétuviers", "Sub-locality": "Raizet", "Locality": "Les Abymes",
        "Country / Region": "GP", "Postal code": "97139", "Primary phone": "0590 82 12 34",
        "Primary category": "Hospital", **_week()}),
     _record("GPE-005", "Clinique des Eaux Claires", {"lines": ["Rue des Palétuviers"], "sub_locality": "Raizet",
                                                      "locality": "Les Abymes", "postal_code": "97139",
                                                      "country": "GP"},
             phones={"primary": "+590590821234", "additional": []}, categories={"primary": "hospital", "additional": []},
             hours={"regular": _hours(**WEEK_IV), "special": []})),
    (_row("MTQ-006", "Laboratoire du Lamentin", **{
        "Address line 1": "Zone de Manhity", "Locality": "Le Lamentin", "Country / Region": "Martinique",
        "Postal code": "97232", "Primary phone": "0596 51 12 34", "Additional phones": "0696 12 34 56",
        **_week("07:00-13:00", sunday=None, saturday="07:00-11:00")}),
     _record("MTQ-006", "Laboratoire du Lamentin", {"lines": ["Zone de Manhity"], "locality": "Le Lamentin",
                                                     "postal_code": "97232", "country": "MQ"},
             phones={"primary": "+596596511234", "additional": ["+596696123456"]},
             categories={"primary": "medical_laboratory", "additional": []},  # inferred from the name
             hours={"regular": _hours(**{d: [{"open": "07:00", "close": "13:00"}] for d in DAYS_ORDER[1:6]},
                                      saturday=[{"open": "07:00", "close": "11:00"}]), "special": []})),
    (_row("REU-007", "Pharmacie du Barachois", **{
        "Address line 1": "2 rue de Paris", "Locality": "Saint-Denis", "Country / Region": "FR",
        "Postal code": "97400", "Primary phone": "0262 40 12 34", "Primary category": "Pharmacie",
        **_week("08:00-19:30", sunday="08:30-12:00")}),
     _record("REU-007", "Pharmacie du Barachois", {"lines": ["2 rue de Paris"], "locality": "Saint-Denis",
                                                   "postal_code": "97400"},
             phones={"primary": "+262262401234", "additional": []}, categories={"primary": "pharmacy", "additional": []},
             hours={"regular": _hours(**{d: [{"open": "08:00", "close": "19:30"}] for d in DAYS_ORDER[1:7]},
                                      sunday=[{"open": "08:30", "close": "12:00"}]), "special": []})),
    (_row("BDX-008", "Cabinet de kinésithérapie Chartrons", **{
        "Address line 1": "40 cours Portal", "Locality": "Bordeaux", "Postal code": "33000",
        "Primary category": "Physical therapist", **_week("9:00 AM-7:00 PM", sunday="x", saturday="x")}),
     _record("BDX-008", "Cabinet de kinésithérapie Chartrons", {"lines": ["40 cours Portal"], "locality": "Bordeaux",
                                                                "postal_code": "33000"},
             categories={"primary": "physiotherapist", "additional": []},
             hours={"regular": _hours(**{d: [{"open": "09:00", "close": "19:00"}] for d in DAYS_ORDER[1:6]}),
                    "special": []})),
    (_row("LIL-009", "Centre Horizon Lille", **{
        "Address line 1": "5 rue Nationale", "Locality": "Lille", "Postal code": "59000",
        "Website": "https://horizon-sante.fr/lille", "Labels": "Hauts-de-France"}),
     _record("LIL-009", "Centre Horizon Lille", {"lines": ["5 rue Nationale"], "locality": "Lille",
                                                 "postal_code": "59000"},
             website="https://horizon-sante.fr/lille", labels=["Hauts-de-France"])),  # no category: none invented
    (_row("TLS-010", "Hôpital privé de Toulouse", **{
        "Address line 1": "2 allée Jacques Chaban-Delmas", "Locality": "Toulouse", "Postal code": "31500",
        "Primary category": "Private hospital", "Additional categories": "Emergency room, Maternity hospital",
        "Opening date": "2027-09-01", **_week("00:00-24:00", sunday="00:00-24:00"),
        "Special hours": "2027-01-01: 10:00-12:00, 2027-01-01: 14:00-16:00"}),
     _record("TLS-010", "Hôpital privé de Toulouse", {"lines": ["2 allée Jacques Chaban-Delmas"],
                                                      "locality": "Toulouse", "postal_code": "31500"},
             categories={"primary": "private_clinic", "additional": ["emergency_room", "maternity"]},
             opening_date="2027-09-01",
             hours={"regular": _hours(**{d: [{"open": "00:00", "close": "24:00"}] for d in DAYS_ORDER}), "special": [
                 {"start_date": "2027-01-01", "end_date": "2027-01-01", "closed": False,
                  "intervals": [{"open": "10:00", "close": "12:00"}, {"open": "14:00", "close": "16:00"}]}]})),
    (_row("GUY-011", "Centre médical de Kourou", **{
        "Address line 1": "Avenue des Roches", "Locality": "Kourou", "Country / Region": "Guyane",
        "Postal code": "97310", "Primary phone": "0594 29 12 34", "Primary category": "Medical center",
        **_week("08:00-17:00", sunday="x", saturday="x")}),
     _record("GUY-011", "Centre médical de Kourou", {"lines": ["Avenue des Roches"], "locality": "Kourou",
                                                     "postal_code": "97310", "country": "GF"},
             phones={"primary": "+594594291234", "additional": []},
             categories={"primary": "medical_center", "additional": []},
             hours={"regular": _hours(**{d: [{"open": "08:00", "close": "17:00"}] for d in DAYS_ORDER[1:6]}),
                    "special": []})),
    (_row("MAY-012", "EHPAD Les Badamiers", **{
        "Address line 1": "Rue du Commerce", "Locality": "Mamoudzou", "Postal code": "97600",
        "Primary phone": "0269 61 12 34", "From the business": "Établissement pour personnes âgées.\nVisites 14h-18h."}),
     _record("MAY-012", "EHPAD Les Badamiers", {"lines": ["Rue du Commerce"], "locality": "Mamoudzou",
                                                "postal_code": "97600"},
             phones={"primary": "+262269611234", "additional": []},
             categories={"primary": "nursing_home", "additional": []},  # inferred from the name
             description="Établissement pour personnes âgées.\nVisites 14h-18h.")),
    (_row("STR-013", "Dental clinic Kléber", **{
        "Address line 1": "1 place Kléber", "Locality": "Strasbourg", "Postal code": "67000",
        "Primary phone": "03 88 12 34 56", "Primary category": "Dentist", "Additional categories": "Orthodontist",
        **_week("08:30-12:30,13:30-18:00", sunday="x", saturday="x"),
        "Special hours": "2026-08-10: x, 2026-08-11: x", "Cover photo": "https://cdn.example.fr/kleber.jpg"}),
     _record("STR-013", "Dental clinic Kléber", {"lines": ["1 place Kléber"], "locality": "Strasbourg",
                                                 "postal_code": "67000"},
             phones={"primary": "+33388123456", "additional": []},
             categories={"primary": "dentist", "additional": ["orthodontist"]},
             hours={"regular": _hours(**{d: [{"open": "08:30", "close": "12:30"}, {"open": "13:30", "close": "18:00"}]
                                         for d in DAYS_ORDER[1:6]}), "special": [
                 {"start_date": "2026-08-10", "end_date": "2026-08-10", "closed": True, "intervals": []},
                 {"start_date": "2026-08-11", "end_date": "2026-08-11", "closed": True, "intervals": []}]},
             photos=[{"url": "https://cdn.example.fr/kleber.jpg", "kind": "cover", "caption": None}])),
]


def google_sheet() -> bytes:
    return xlsx([COLUMNS, *(row for row, _ in ROWS)], title="Locations")
