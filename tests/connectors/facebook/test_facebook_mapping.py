from __future__ import annotations

import pytest

from connectors.facebook import mapping
from connectors.facebook.mapping import render, same
from tests.connectors.facebook.records import record, week

ALWAYS_UNSUPPORTED = {"name"}
# records.record() is a private_clinic: Facebook has no such category, its parent's (Hospital) is sent
APPROXIMATED = ALWAYS_UNSUPPORTED | {"categories"}
HOSPITAL = "133152263416981"
WHOLE_DAY = [("00:00", "24:00")]


def test_full_record_exact_params():
    rendering = render(record())
    assert rendering.payload == {
        "phone": "+33 1 23 45 67 89",
        "website": "https://www.clinique-du-parc.fr/",
        "emails": ["contact@clinique-du-parc.fr"],
        "category_list": [HOSPITAL],
        "location": {"street": "12 rue Oberkampf", "city": "Paris", "zip": "75011", "country": "France",
                     "latitude": 48.8656, "longitude": 2.3781},
        "is_always_open": False,
        "hours": {"mon_1_open": "08:00", "mon_1_close": "12:00", "mon_2_open": "14:00", "mon_2_close": "19:00",
                  "sat_1_open": "09:00", "sat_1_close": "12:00"},
        "is_permanently_closed": False,
        "temporary_status": "OPERATING_AS_USUAL",
        "about": "Clinique privée de chirurgie ambulatoire.",
        "description": "Clinique privée de chirurgie ambulatoire.",
    }
    assert set(rendering.unsupported) == APPROXIMATED
    assert "parent brand page" in rendering.unsupported["name"]
    assert rendering.unsupported["categories"] == (
        "private_clinic sent as Hospital (133152263416981), the category of its parent hospital")


def test_minimal_record_sends_only_what_it_has():
    rendering = render(record(geo=None, phones={}, website=None, email=None, description=None, hours={}))
    assert rendering.payload == {
        "emails": [],
        "category_list": [HOSPITAL],
        "location": {"street": "12 rue Oberkampf", "city": "Paris", "zip": "75011", "country": "France"},
        "is_always_open": False,
        "hours": {},
        "is_permanently_closed": False,
        "temporary_status": "OPERATING_AS_USUAL",
    }
    assert set(rendering.unsupported) == APPROXIMATED


def test_address_lines_joined_no_postal_code_and_other_country():
    address = {"lines": ["Bâtiment B", "1 Main Street"], "locality": "Springfield", "region": "IL", "country": "US"}
    rendering = render(record(address=address, geo=None, phones={"primary": "+12175550123"}))
    assert rendering.payload["location"] == {"street": "Bâtiment B, 1 Main Street", "city": "Springfield",
                                             "country": "United States"}
    assert rendering.payload["phone"] == "+1 217-555-0123"
    assert "address.region" in rendering.unsupported


@pytest.mark.parametrize("hours, expected", [
    (week(tuesday=[("09:00", "13:00"), ("14:00", "18:00")]),
     {"tue_1_open": "09:00", "tue_1_close": "13:00", "tue_2_open": "14:00", "tue_2_close": "18:00"}),
    (week(friday=[("20:00", "02:00")]), {"fri_1_open": "20:00", "fri_1_close": "02:00"}),
    (week(sunday=[("18:00", "24:00")]), {"sun_1_open": "18:00", "sun_1_close": "00:00"}),
    (week(monday=WHOLE_DAY, tuesday=[("00:00", "12:00")]),
     {"mon_1_open": "00:00", "mon_1_close": "23:59", "tue_1_open": "00:00", "tue_1_close": "12:00"}),
    (week(wednesday=[("14:00", "18:00"), ("08:00", "12:00")]),  # sorted by the schema
     {"wed_1_open": "08:00", "wed_1_close": "12:00", "wed_2_open": "14:00", "wed_2_close": "18:00"}),
    (week(), {}),  # every day closed
], ids=["two-ranges", "overnight", "midnight", "whole-day", "unordered", "all-closed"])
def test_hours_shapes(hours, expected):
    rendering = render(record(hours=hours))
    assert rendering.payload["hours"] == expected
    assert rendering.payload["is_always_open"] is False
    assert "hours.regular" not in rendering.unsupported


def test_closed_days_are_absent():
    hours = render(record()).payload["hours"]
    assert {key[:3] for key in hours} == {"mon", "sat"}


def test_three_ranges_omit_hours_and_name_the_day():
    hours = week(monday=[("08:00", "10:00")],
                 thursday=[("08:00", "10:00"), ("11:00", "12:00"), ("14:00", "18:00")])
    rendering = render(record(hours=hours))
    assert "hours" not in rendering.payload
    assert rendering.payload["is_always_open"] is False
    reason = rendering.unsupported["hours.regular"]
    assert "Thursday has 3" in reason and "Monday" not in reason and "at most 2" in reason


def test_all_week_round_the_clock_is_always_open():
    hours = week(**{day: WHOLE_DAY for day in
                    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")})
    rendering = render(record(hours=hours))
    assert rendering.payload["is_always_open"] is True
    assert "hours" not in rendering.payload
    assert "hours.regular" not in rendering.unsupported


def test_special_hours_are_unsupported_with_the_reason():
    hours = {**week(monday=[("08:00", "12:00")]),
             "special": [{"start_date": "2026-12-25", "closed": True}]}
    rendering = render(record(hours=hours))
    assert rendering.unsupported["hours.special"] == (
        "Facebook has no special-hours field; holiday closures can only be shown by a temporary closure")
    assert rendering.payload["hours"] == {"mon_1_open": "08:00", "mon_1_close": "12:00"}
    assert rendering.payload["temporary_status"] == "OPERATING_AS_USUAL"


@pytest.mark.parametrize("status, extra, temporary, permanently, unsupported", [
    ("open", {}, "OPERATING_AS_USUAL", False, None),
    ("closed_temporarily", {}, "TEMPORARILY_CLOSED", False, None),
    ("closed_temporarily", {"reopen_date": "2026-09-01"}, "TEMPORARILY_CLOSED", False, "reopen_date 2026-09-01"),
    ("closed_permanently", {}, "NO_DATA", True, None),
    ("opening_soon", {"opening_date": "2026-10-01"}, "NO_DATA", False, "opening_date 2026-10-01"),
])
def test_status(status, extra, temporary, permanently, unsupported):
    rendering = render(record(status=status, **extra))
    assert rendering.payload["temporary_status"] == temporary
    assert rendering.payload["is_permanently_closed"] is permanently
    if unsupported:
        assert unsupported in rendering.unsupported["status"]
    else:
        assert "status" not in rendering.unsupported


def test_long_description_cut_for_about_at_a_word():
    text = ("Notre clinique accueille les patients pour la chirurgie ambulatoire, l'imagerie médicale, "
            "les consultations spécialisées et les urgences de proximité, tous les jours de l'année.")
    rendering = render(record(description=text))
    assert rendering.payload["description"] == text
    assert rendering.payload["about"] == ("Notre clinique accueille les patients pour la chirurgie ambulatoire, "
                                          "l'imagerie médicale, les…")
    assert len(rendering.payload["about"]) <= mapping.ABOUT_MAX


def test_about_of_exactly_the_limit_is_kept_whole():
    text = "é" * 100
    assert render(record(description=text)).payload["about"] == text
    assert render(record(description="é" * 101)).payload["about"] == "é" * 99 + "…"


def test_non_ascii_kept_verbatim():
    rendering = render(record(address={"lines": ["2 place de l'Église"], "postal_code": "97400",
                                       "locality": "Saint-Denis (La Réunion)", "country": "RE"},
                              phones={"primary": "+262262123456"}, geo=None,
                              description="Centre de santé — soins 7j/7 à Saint-Denis ☀"))
    assert rendering.payload["location"] == {"street": "2 place de l'Église", "city": "Saint-Denis (La Réunion)",
                                             "zip": "97400", "country": "Reunion"}
    assert rendering.payload["about"] == "Centre de santé — soins 7j/7 à Saint-Denis ☀"
    assert rendering.payload["phone"] == "+262 262 12 34 56"


def test_additional_phones_and_photos_are_unsupported():
    rendering = render(record(phones={"primary": "+33123456789", "additional": ["+33123456780"]},
                              photos=[{"url": "https://cdn.example.fr/a.jpg", "kind": "cover"}]))
    assert rendering.payload["phone"] == "+33 1 23 45 67 89"
    assert set(rendering.unsupported) == APPROXIMATED | {"phones.additional", "photos"}


def test_capabilities_match_what_render_uses():
    from connectors.facebook.connector import FacebookConnector
    capabilities = FacebookConnector.info.capabilities
    assert capabilities.isdisjoint(ALWAYS_UNSUPPORTED | {"hours.special", "phones.additional"})
    assert capabilities == {"status", "address", "geo", "phones.primary", "website", "email", "categories",
                            "description", "hours.regular", "photos"}  # photos: connectors/facebook/photos.py


def test_the_connector_renders_photos_the_mapping_leaves_out():
    from connectors.facebook.connector import FacebookConnector
    site = record(photos=[{"url": "https://cdn.example.fr/a.jpg", "kind": "cover"},
                          {"url": "https://cdn.example.fr/b.jpg", "kind": "logo"}])
    rendering = FacebookConnector.render(None, site)  # type: ignore[arg-type]  (render uses no state)
    assert "photos" not in rendering.unsupported
    assert [p["category"] for p in rendering.payload["photos"]] == ["cover", "logo"]


# ---------------------------------------------------------------- categories

@pytest.mark.parametrize("primary, additional, sent, note", [
    ("hospital", [], [HOSPITAL], None),
    ("pharmacy", ["medical_laboratory"], ["134381433294944", "186546178044573"], None),
    ("cardiologist", [], ["188234584533149"],
     "cardiologist sent as Doctor (188234584533149), the category of its parent specialist_doctor"),
    ("mri_center", [], ["228143393877753"],
     "mri_center sent as Medical Center (228143393877753), the category of its parent medical_center"),
    ("dental_clinic", ["dentist"], ["174187662626299"],
     "dentist not sent: same Facebook category as dental_clinic, Dentist (174187662626299)"),
    ("hospital", ["pharmacy", "medical_laboratory", "parking"], [HOSPITAL, "134381433294944", "186546178044573"],
     "parking not sent: Facebook takes at most 3 categories"),
])
def test_categories_are_page_category_ids_with_the_fallback_named(primary, additional, sent, note):
    rendering = render(record(categories={"primary": primary, "additional": additional}))
    assert rendering.payload["category_list"] == sent
    assert rendering.unsupported.get("categories") == note
    assert len(sent) <= mapping.MAX_CATEGORIES


# ---------------------------------------------------------------- read-back comparison

@pytest.mark.parametrize("key, pushed, live", [
    ("phone", "+33 1 23 45 67 89", "+33123456789"),
    ("phone", "+33 1 23 45 67 89", "01 23 45 67 89"),
    ("website", "https://www.clinique-du-parc.fr/", "https://www.clinique-du-parc.fr"),
    ("website", "https://www.clinique-du-parc.fr/", "www.clinique-du-parc.fr"),
    ("hours", {"mon_1_open": "08:00", "mon_1_close": "00:00"}, {"mon_1_close": "24:00", "mon_1_open": "08:00"}),
    ("hours", {}, None),
    ("location", {"street": "12 rue Oberkampf", "country": "France", "latitude": 48.8656, "longitude": 2.3781},
     {"street": "12 Rue Oberkampf", "country": "FR", "latitude": 48.865600001, "longitude": 2.3781, "state": "IDF"}),
    ("emails", ["contact@clinique-du-parc.fr"], ["Contact@Clinique-du-parc.fr"]),
    ("emails", [], None),
    ("is_permanently_closed", False, None),
    ("temporary_status", "TEMPORARILY_CLOSED", "temporarily_closed"),
    ("about", "Clinique  privée", "Clinique privée"),
    ("category_list", [HOSPITAL, "134381433294944"],
     [{"id": HOSPITAL, "name": "Hospital"}, {"id": "134381433294944", "name": "Pharmacy"}]),
    ("category_list", [HOSPITAL, "134381433294944", "186546178044573"],
     [{"id": HOSPITAL}, {"id": "186546178044573"}, {"id": "134381433294944"}]),  # additional ones in any order
])
def test_same_tolerates_formatting(key, pushed, live):
    assert same(key, pushed, live)


@pytest.mark.parametrize("key, pushed, live", [
    ("phone", "+33 1 23 45 67 89", "+33 1 23 45 67 80"),
    ("phone", "+33 1 23 45 67 89", None),
    ("website", "https://www.clinique-du-parc.fr/", "https://autre.fr/"),
    ("hours", {"mon_1_open": "08:00", "mon_1_close": "12:00"}, {"mon_1_open": "08:00", "mon_1_close": "13:00"}),
    ("location", {"street": "12 rue Oberkampf", "latitude": 48.8656}, {"street": "12 rue Oberkampf", "latitude": 48.9}),
    ("location", {"country": "France"}, {"country": "Belgium"}),
    ("is_always_open", True, False),
    ("temporary_status", "OPERATING_AS_USUAL", "TEMPORARILY_CLOSED"),
    ("description", "A", "B"),
    ("category_list", [HOSPITAL, "134381433294944"], [{"id": "134381433294944"}, {"id": HOSPITAL}]),  # primary
    ("category_list", [HOSPITAL], [{"id": HOSPITAL}, {"id": "134381433294944"}]),  # Meta added one
    ("category_list", [HOSPITAL], None),
])
def test_same_detects_changes(key, pushed, live):
    assert not same(key, pushed, live)
