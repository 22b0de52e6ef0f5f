"""Cleaning, cell by cell, through the real reader (pure: no database)."""

from datetime import datetime, time

import pytest

from service.imports import values as v
from tests.imports.helpers import clean_one, steps


def _record(row):
    assert row.errors == [], row.errors
    return row.record.model_dump(mode="json")


@pytest.mark.parametrize("cell", [
    "01 23 45 67 89", "01.23.45.67.89", "01-23-45-67-89", "0123456789", "+33 (0)1 23 45 67 89",
    "+33 1 23 45 67 89", "0033 1 23 45 67 89", "0033123456789", 123456789, 123456789.0, " 01 23 45 67 89 ",
])
def test_french_phones_in_every_form_become_e164(cell):
    row = clean_one({"Téléphone": cell})
    assert _record(row)["phones"]["primary"] == "+33123456789"
    assert steps(row)["phones.primary"] == (123456789 if not isinstance(cell, str) else cell, "+33123456789")


def test_a_cell_with_two_numbers_gives_an_additional_phone():
    row = clean_one({"Tél.": "04 78 60 12 34 / 06 12 34 56 78", "Autre téléphone": "09 72 11 22 33"})
    assert _record(row)["phones"] == {"primary": "+33478601234", "additional": ["+33612345678", "+33972112233"]}


def test_numbers_are_read_with_the_sites_country():
    row = clean_one({"Pays": "Belgique", "Téléphone": "02 511 12 34", "Code postal": 1000})
    record = _record(row)
    assert record["phones"]["primary"] == "+3225111234"
    assert record["address"] == {"lines": ["12 rue Oberkampf"], "postal_code": "1000", "locality": "Paris",
                                 "region": None, "country": "BE", "sub_locality": None}


def test_an_invalid_phone_rejects_the_row_naming_the_column_and_cell():
    row = clean_one({"Téléphone": "01 23 45"})
    assert row.record is None
    [error] = row.errors
    assert error["column"] == "Téléphone" and error["field"] == "phones.primary" and error["cell"] == "G2"
    assert "'01 23 45'" in error["message"] and "FR" in error["message"]


@pytest.mark.parametrize("cell, expected", [(1000, "01000"), ("1000", "01000"), (75008, "75008"), ("75 008", "75008"),
                                            (1000.0, "01000"), ("01000", "01000")])
def test_french_postal_codes_are_five_digit_text(cell, expected):
    row = clean_one({"Code postal": cell})
    assert _record(row)["address"]["postal_code"] == expected
    logged = steps(row).get("address.postal_code")
    assert (logged is None) == (v.text(cell) == expected)


def test_a_four_digit_french_postal_code_in_text_is_padded_but_a_short_one_is_an_error():
    row = clean_one({"Code postal": "750"})
    assert row.errors[0]["column"] == "Code postal" and "five digits" in row.errors[0]["message"]


@pytest.mark.parametrize("cell, expected", [
    ("www.x-horizon-sante.fr", "https://www.x-horizon-sante.fr/"), ("x-horizon-sante.fr", "https://x-horizon-sante.fr/"),
    ("http://www.x.fr", "http://www.x.fr/"), ("https://WWW.X.FR/contact", "https://www.x.fr/contact"),
    (" www.x.fr ", "https://www.x.fr/"),
])
def test_websites_get_a_scheme(cell, expected):
    row = clean_one({"Site web": cell})
    assert _record(row)["website"] == expected
    assert steps(row)["website"] == (cell, expected)


def test_a_website_that_is_not_one_is_rejected():
    row = clean_one({"Site web": "voir la page Facebook"})
    assert row.errors and row.errors[0]["column"] == "Site web"


@pytest.mark.parametrize("cell, monday, saturday, sunday", [
    ("Lun-Ven 8h-19h", [("08:00", "19:00")], [], []),
    ("du lundi au vendredi de 8h à 18h, samedi 9h-12h", [("08:00", "18:00")], [("09:00", "12:00")], []),
    ("Mo-Fr 08:00-18:00; Sa 09:00-12:00", [("08:00", "18:00")], [("09:00", "12:00")], []),
    ("Monday to Friday 8am-6pm", [("08:00", "18:00")], [], []),
    ("L-V 8h30-12h30 / 13h30-17h30, S 8h-12h", [("08:30", "12:30"), ("13:30", "17:30")], [("08:00", "12:00")], []),
    ("24h/24, 7j/7", [("00:00", "24:00")], [("00:00", "24:00")], [("00:00", "24:00")]),
    ("9h-18h", [("09:00", "18:00")], [("09:00", "18:00")], [("09:00", "18:00")]),
])
def test_free_text_hours_in_french_and_english(cell, monday, saturday, sunday):
    row = clean_one({"Horaires": cell})
    regular = _record(row)["hours"]["regular"]
    as_pairs = {d: [(i["open"], i["close"]) for i in regular[d]] for d in regular}
    assert (as_pairs["monday"], as_pairs["saturday"], as_pairs["sunday"]) == (monday, saturday, sunday)
    assert steps(row)["hours.regular"][0] == cell


def test_impossible_hours_reject_the_row_with_the_parsers_reason():
    row = clean_one({"Horaires": "Lun-Ven 9h-25h"})
    assert row.errors == [{"column": "Horaires", "field": "hours.regular", "cell": "G2",
                           "message": "invalid time in '9h-25h'"}]


def test_day_columns_and_time_cells():
    row = clean_one({"Lundi": "8h-12h, 14h-18h", "Mardi": "Fermé", "Mercredi": "08:30-19:00",
                     "Jeudi ouverture": time(8, 30), "Jeudi fermeture": datetime(1899, 12, 30, 19, 0),
                     "Vendredi matin": "8h-12h", "Vendredi après-midi": "14h-17h"})
    regular = _record(row)["hours"]["regular"]
    assert regular["monday"] == [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "18:00"}]
    assert regular["tuesday"] == [] and regular["saturday"] == []
    assert regular["wednesday"] == [{"open": "08:30", "close": "19:00"}]
    assert regular["thursday"] == [{"open": "08:30", "close": "19:00"}]
    assert regular["friday"] == [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "17:00"}]


def test_a_lone_time_in_a_day_column_is_explained():
    row = clean_one({"Lundi": time(8, 30)})
    assert "a single time (08:30) in a day column" in row.errors[0]["message"]


def test_a_day_column_overrides_that_day_of_the_hours_text():
    row = clean_one({"Horaires": "Lun-Ven 8h-19h", "Samedi": "9h-12h", "Lundi": "Fermé"})
    regular = _record(row)["hours"]["regular"]
    assert regular["monday"] == [] and regular["tuesday"] == [{"open": "08:00", "close": "19:00"}]
    assert regular["saturday"] == [{"open": "09:00", "close": "12:00"}]


def test_closures_and_special_hours():
    row = clean_one({"Fermetures exceptionnelles": "25/12/2026; du 01/08/2026 au 15/08/2026",
                     "Horaires exceptionnels": "24/12/2026: 9h-12h"})
    special = _record(row)["hours"]["special"]
    assert [(s["start_date"], s["end_date"], s["closed"]) for s in special] == [
        ("2026-08-01", "2026-08-15", True), ("2026-12-24", "2026-12-24", False), ("2026-12-25", "2026-12-25", True)]
    bad = clean_one({"Fermetures exceptionnelles": "Noël"})
    assert "could not read 'Noël'" in bad.errors[0]["message"]


def test_coordinates_as_numbers_text_or_one_gps_column():
    assert _record(clean_one({"Latitude": 48.8656, "Longitude": 2.3781}))["geo"] == {"lat": 48.8656, "lng": 2.3781}
    assert _record(clean_one({"Latitude": "48,8656", "Longitude": "2,3781"}))["geo"] == {"lat": 48.8656, "lng": 2.3781}
    assert _record(clean_one({"GPS": "48.8656, 2.3781"}))["geo"] == {"lat": 48.8656, "lng": 2.3781}
    assert _record(clean_one({"GPS": "48,8656; 2,3781"}))["geo"] == {"lat": 48.8656, "lng": 2.3781}
    assert "needs a longitude" in clean_one({"Latitude": 48.8}).errors[0]["message"]
    assert clean_one({"Latitude": 148.8, "Longitude": 2.3}).errors[0]["column"] == "Latitude"


@pytest.mark.parametrize("cell, key", [
    ("Clinique privée", "private_clinic"), ("clinique privee", "private_clinic"), ("private_clinic", "private_clinic"),
    ("Private clinic", "private_clinic"), ("Laboratoire d'analyses médicales", "medical_laboratory"),
    ("EHPAD", "nursing_home"), ("Centre de dialyse", "dialysis_center"), ("Imagerie", "medical_imaging"),
])
def test_categories_by_key_or_french_or_english_label(cell, key):
    row = clean_one({"Catégorie": cell, "Autres catégories": "Service des urgences, Maternité"})
    cats = _record(row)["categories"]
    assert cats == {"primary": key, "additional": ["emergency_room", "maternity"]}


def test_an_unknown_category_is_rejected_with_a_suggestion():
    row = clean_one({"Catégorie": "Cliniqe privée"})
    assert "did you mean 'Clinique privée'" in row.errors[0]["message"]


def test_trimming_status_labels_email_and_fax():
    row = clean_one({"Nom": "  Clinique   du Parc ", "Statut": "Fermé temporairement",
                     "Date de réouverture": datetime(2027, 3, 1), "Pôle": "Pôle Sud ", "Étiquettes": "A, B; A",
                     "Courriel": "mailto:contact@parc.fr", "Fax": "01 23 45 67 00"})
    record = _record(row)
    assert record["name"] == "Clinique du Parc"
    assert steps(row)["name"] == ("  Clinique   du Parc ", "Clinique du Parc")
    assert (record["status"], record["reopen_date"]) == ("closed_temporarily", "2027-03-01")
    assert record["labels"] == ["Pôle Sud", "A", "B"]
    assert record["email"] == "contact@parc.fr"


def test_multiline_address_and_complement():
    row = clean_one({"Adresse": "12 rue X\nBâtiment B", "Complément d'adresse": "3e étage"})
    assert _record(row)["address"]["lines"] == ["12 rue X", "Bâtiment B", "3e étage"]


def test_an_empty_name_is_not_given_and_a_new_site_without_one_is_rejected_naming_the_cell():
    row = clean_one({"Nom": None})
    assert row.errors == []  # judged against the stored record: see the next test


async def test_missing_name_names_the_column_row_and_cell(session_factory, org_id):
    from tests.imports.helpers import run_import, sites, base_row

    report = await run_import(session_factory, org_id, sites(base_row("A-1", Nom=None)))
    [error] = report["rows"][0]["errors"]
    assert (error["column"], error["field"], error["cell"]) == ("Nom", "name", "B2")
    assert error["message"].startswith("new site 'A-1': column 'Nom' is empty")


def test_store_code_with_spaces_is_refused_and_numbers_are_text():
    assert "no spaces" in clean_one({"Code site": "CLI 001"}).errors[0]["message"]
    assert clean_one({"Code site": 1001}).record.store_code == "1001"


def test_excel_error_values_reject_the_row():
    row = clean_one({"Téléphone": "#N/A"})
    assert "shows the Excel error #N/A" in row.errors[0]["message"]


def test_photos_get_a_kind_from_their_column():
    row = clean_one({"Logo": "www.x.fr/logo.png", "Photo": "https://www.x.fr/a.jpg https://www.x.fr/b.jpg"})
    assert [(p["url"], p["kind"]) for p in _record(row)["photos"]] == [
        ("https://www.x.fr/logo.png", "logo"), ("https://www.x.fr/a.jpg", "other"), ("https://www.x.fr/b.jpg", "other")]


def test_mapping_reads_an_unusual_header():
    row = clean_one({"Numéro standard": "01 23 45 67 89"}, mapping={"Numéro standard": "phones.primary"})
    assert _record(row)["phones"]["primary"] == "+33123456789"


def test_progress_is_reported_while_reading():
    from service.imports.service import read_rows
    from tests.imports.helpers import base_row, sites

    calls = []
    parsed = read_rows(sites(*(base_row(f"S-{i}") for i in range(600))), None, max_bytes=10**8,
                       progress=lambda done, total: calls.append((done, total)))
    assert len(parsed.rows) == 600
    assert calls[0] == (250, 600) and calls[-1] == (600, 600)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_any_cell_type_in_any_column_gives_errors_never_a_traceback():
    import json
    from datetime import date, timedelta

    from service.imports.service import read_rows
    from tests.imports.helpers import xlsx

    headers = ["Code site", "Nom", "Statut", "Date de réouverture", "Adresse", "Complément d'adresse", "Code postal",
               "Ville", "Pays", "Latitude", "Longitude", "GPS", "Téléphone", "Autre téléphone", "Site web", "E-mail",
               "Catégorie", "Autres catégories", "Description", "Horaires", "Lundi", "Mardi ouverture",
               "Mardi fermeture", "Fermetures exceptionnelles", "Horaires exceptionnels", "Pôle", "Étiquettes",
               "Photo", "Logo"]
    odd = [True, datetime(2026, 1, 2, 3, 4), date(2026, 1, 2), time(8, 30), timedelta(hours=30), 3.14159, -1,
           10**12, "#N/A", "=", "\n", "x" * 300, "é"]
    rows = [headers] + [[f"S-{i}"] + [value] * (len(headers) - 1) for i, value in enumerate(odd)]
    parsed = read_rows(xlsx(rows), None, max_bytes=10**8)
    assert len(parsed.rows) == len(odd)
    for row, value in zip(parsed.rows, odd):
        if value == "\n":  # blank cells: the row gives its store code only (an update changing nothing)
            assert row.errors == []
            continue
        assert row.record is None and row.errors
        assert all(e["column"] in headers for e in row.errors if e["column"])
    json.dumps([(r.candidate, r.cleaning, r.errors) for r in parsed.rows], allow_nan=False)


def test_a_date_that_does_not_fit_the_status_names_its_column_and_cell():
    row = clean_one({"Statut": "Ouvert", "Date de réouverture": "01/09/2026"})
    [error] = row.errors
    assert (error["column"], error["field"], error["cell"]) == ("Date de réouverture", "reopen_date", "H2")
    assert error["message"] == "reopen_date only applies to status closed_temporarily"


def test_an_opening_date_in_the_past_is_kept_as_the_date_the_business_opened():
    row = clean_one({"Date d'ouverture": "02/03/1998"})
    assert row.errors == [] and row.record.opening_date.isoformat() == "1998-03-02"
