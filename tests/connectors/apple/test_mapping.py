"""Apple rendering: exact payloads for every shape of the canonical record."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from connectors.apple.categories import APPLE_CATEGORIES, apple_category
from connectors.apple.connector import AppleConnector
from connectors.apple.mapping import (
    UNSUPPORTED_EMAIL,
    UNSUPPORTED_PHOTOS,
    differing_keys,
    keep_status_dates,
    locale_for,
    render,
    split_street,
)
from connectors.base import FIELDS
from connectors.sandbox.apple_rules import validate_details
from schemas import Establishment
from schemas.categories import CATEGORIES
from tests.establishments.factories import record


def est(**overrides: Any) -> Establishment:
    """The factory record, without its e-mail (Apple cannot take one) unless given."""
    return Establishment.model_validate(record(**{"email": None, **overrides}))


def iv(open_: str, close: str) -> dict[str, str]:
    return {"open": open_, "close": close}


def test_factory_record_renders_every_field() -> None:
    rendering = render(est(
        name="Hôpital Privé Saint-Éloi",
        address={"lines": ["12 bis rue Oberkampf"], "postal_code": "75011", "locality": "Paris",
                 "region": "Île-de-France", "country": "FR"},
        phones={"primary": "01 23 45 67 89", "additional": ["06 12 34 56 78"]},
        description="Clinique pluridisciplinaire, urgences 24 h/24.",
    ))
    assert rendering.unsupported == {}
    assert rendering.payload == {
        "partnersLocationId": "CLI-075-001",
        "displayNames": [{"name": "Hôpital Privé Saint-Éloi", "locale": "fr-FR", "primary": True}],
        "mainAddress": {"structuredAddress": {
            "fullThoroughfare": "12 bis rue Oberkampf", "subThoroughfare": "12 bis", "thoroughfare": "rue Oberkampf",
            "locality": "Paris", "postCode": "75011", "administrativeArea": "Île-de-France", "countryCode": "FR"}},
        "displayPoint": {"coordinates": {"latitude": "48.8656000", "longitude": "2.3781000"}},
        "phoneNumbers": [{"phoneNumber": "+33123456789", "type": "VOICE", "primary": True},
                         {"phoneNumber": "+33612345678", "type": "MOBILE", "primary": False}],
        "urls": [{"url": "https://www.clinique-du-parc.fr/", "type": "HOMEPAGE"}],
        "categories": ["health.clinic", "health.emergency_room"],
        "openingHoursByDay": [{"day": "MONDAY", "times": [{"startTime": "08:00", "endTime": "12:00"},
                                                          {"startTime": "14:00", "endTime": "19:00"}]}],
        "locationStatus": {"status": "OPEN"},
        "locationDescriptions": [{"type": "ABOUT", "descriptions": [
            {"text": "Clinique pluridisciplinaire, urgences 24 h/24.", "locale": "fr-FR"}]}],
    }


def test_minimal_record_leaves_absent_fields_out() -> None:
    rendering = render(est(geo=None, website=None, phones={"primary": None, "additional": []},
                           address={"lines": ["Place de la République"], "locality": "Lyon", "country": "FR"},
                           categories={"primary": "hospital"}, hours={}))
    assert rendering.unsupported == {}
    assert rendering.payload == {
        "partnersLocationId": "CLI-075-001",
        "displayNames": [{"name": "Clinique du Parc", "locale": "fr-FR", "primary": True}],
        "mainAddress": {"structuredAddress": {"fullThoroughfare": "Place de la République", "locality": "Lyon",
                                              "countryCode": "FR"}},
        "categories": ["health.hospital"],
        "locationStatus": {"status": "OPEN"},
    }


@pytest.mark.parametrize(("regular", "expected"), [
    pytest.param({"tuesday": [iv("00:00", "24:00")]},
                 [{"day": "TUESDAY", "times": [{"startTime": "00:00", "endTime": "24:00"}]}], id="24h"),
    pytest.param({"wednesday": [iv("18:00", "24:00")]},
                 [{"day": "WEDNESDAY", "times": [{"startTime": "18:00", "endTime": "24:00"}]}], id="until-midnight"),
    pytest.param({"friday": [iv("22:00", "02:00")]},
                 [{"day": "FRIDAY", "times": [{"startTime": "22:00", "endTime": "02:00"}]}], id="overnight"),
    pytest.param({"saturday": [iv("14:00", "18:00"), iv("08:00", "12:00")], "sunday": []},
                 [{"day": "SATURDAY", "times": [{"startTime": "08:00", "endTime": "12:00"},
                                                {"startTime": "14:00", "endTime": "18:00"}]}], id="split-sorted"),
    pytest.param({d: [iv("08:30", "19:00")] for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                                      "saturday", "sunday")},
                 [{"day": d, "times": [{"startTime": "08:30", "endTime": "19:00"}]}
                  for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")],
                 id="every-day"),
])
def test_regular_hours(regular: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert render(est(hours={"regular": regular})).payload["openingHoursByDay"] == expected


@pytest.mark.parametrize(("geo", "coordinates"), [
    ({"lat": 48.8656, "lng": 2.3781}, {"latitude": "48.8656000", "longitude": "2.3781000"}),
    ({"lat": 51.4779, "lng": -0.00001}, {"latitude": "51.4779000", "longitude": "-0.0000100"}),
    ({"lat": -33.0, "lng": 0.0}, {"latitude": "-33.0000000", "longitude": "0.0000000"}),
    ({"lat": 45.123456789, "lng": 4.0000000001}, {"latitude": "45.1234568", "longitude": "4.0000000"}),
])
def test_coordinates_are_decimal_strings_with_5_to_7_decimals(geo: dict[str, float], coordinates: dict[str, str]) -> None:
    assert render(est(geo=geo)).payload["displayPoint"] == {"coordinates": coordinates}


def test_no_open_day_sends_no_hours() -> None:
    assert "openingHoursByDay" not in render(est(hours={"regular": {}})).payload


def test_special_hours_closed_and_open() -> None:
    payload = render(est(hours={"regular": {}, "special": [
        {"start_date": "2026-12-24", "end_date": "2026-12-26", "intervals": [iv("09:00", "12:00"), iv("20:00", "24:00")]},
        {"start_date": "2027-01-01", "closed": True},
        {"start_date": "2027-07-01", "end_date": "2027-07-31", "intervals": [iv("10:00", "16:00")]},
    ]})).payload
    times = [{"startTime": "09:00", "endTime": "12:00"}, {"startTime": "20:00", "endTime": "24:00"}]
    assert payload["specialHours"] == [
        {"startDate": "2026-12-24", "endDate": "2026-12-26", "closed": False, "times": times},
        {"startDate": "2027-01-01", "endDate": "2027-01-01", "closed": True},
        {"startDate": "2027-07-01", "endDate": "2027-07-31", "closed": False,
         "times": [{"startTime": "10:00", "endTime": "16:00"}]},
    ]  # Apple's hours guidance: specialHours[].times[], on the entry
    assert "openingHoursByDay" not in payload


TODAY = date(2026, 9, 1)


@pytest.mark.parametrize(("fields", "status", "unsupported"), [
    ({"status": "open"}, {"status": "OPEN"}, None),
    ({"status": "closed_temporarily"}, {"status": "TEMPORARILY_CLOSED", "reopenDate": "2027-03-02"},
     "no reopening date in the record: Apple requires one, sent six months ahead (2027-03-02) as Apple recommends"),
    ({"status": "closed_temporarily", "reopen_date": "2026-09-20"},
     {"status": "TEMPORARILY_CLOSED", "reopenDate": "2026-09-20"}, None),
    ({"status": "closed_permanently"}, {"status": "CLOSED", "closedDate": "2026-09-01"}, None),
    ({"status": "opening_soon", "opening_date": "2026-10-15"}, {"status": "OPENING_SOON", "openingDate": "2026-10-15"}, None),
    ({"status": "opening_soon", "opening_date": "2027-06-01"}, {"status": "TEMPORARILY_CLOSED", "reopenDate": "2027-06-01"},
     "Apple takes an opening date at most 180 days ahead: sent as TEMPORARILY_CLOSED until 2027-06-01"),
    ({"status": "opening_soon"}, {"status": "TEMPORARILY_CLOSED", "reopenDate": "2027-03-02"},
     "Apple takes an opening date at most 180 days ahead: sent as TEMPORARILY_CLOSED until 2027-03-02"),
])
def test_status_follows_apples_location_status_guidance(fields: dict[str, Any], status: dict[str, Any],
                                                        unsupported: str | None) -> None:
    rendering = render(est(**fields), today=TODAY)
    assert rendering.payload["locationStatus"] == status
    notes = {k: v for k, v in rendering.unsupported.items() if k.startswith("status")}
    assert list(notes.values()) == ([unsupported] if unsupported else [])
    assert validate_details(rendering.payload, TODAY) == []  # Apple's contract, written from its pages


def test_a_closed_date_stays_the_one_first_sent() -> None:
    before = render(est(status="closed_permanently"), today=TODAY).payload
    later = render(est(status="closed_permanently", name="Renamed"), today=date(2026, 9, 9)).payload
    keep_status_dates(later, before)
    assert later["locationStatus"] == {"status": "CLOSED", "closedDate": "2026-09-01"}


def test_long_non_ascii_name_is_sent_whole() -> None:
    name = "Centre hospitalier régional universitaire de Besançon – Hôpital Jean-Minjoz, pôle œil & ORL " * 2
    name = name.strip()[:200]
    assert render(est(name=name)).payload["displayNames"] == [{"name": name, "locale": "fr-FR", "primary": True}]


@pytest.mark.parametrize(("country", "postal_code", "phone", "locale"), [
    ("BE", "1000", "+3212345678", "fr-BE"),
    ("DE", "60385", "+4930123456", "de-DE"),
    ("US", "94103", "+12015550123", "en-US"),
])
def test_locale_follows_the_country(country: str, postal_code: str, phone: str, locale: str) -> None:
    payload = render(est(address={"lines": ["16 Main Street"], "postal_code": postal_code, "locality": "X",
                                  "country": country}, phones={"primary": phone})).payload
    assert payload["displayNames"][0]["locale"] == locale
    assert payload["mainAddress"]["structuredAddress"]["countryCode"] == country
    assert locale_for(country) == locale


@pytest.mark.parametrize(("line", "split"), [
    ("12 rue Oberkampf", ("12", "rue Oberkampf")),
    ("12 bis rue Oberkampf", ("12 bis", "rue Oberkampf")),
    ("3ter boulevard Voltaire", ("3ter", "boulevard Voltaire")),
    ("12-14 avenue Foch", ("12-14", "avenue Foch")),
    ("7B, allée des Tilleuls", ("7B", "allée des Tilleuls")),
    ("Place de la République", None),
    ("1er étage", None),
    ("Hauptstraße 16", None),
])
def test_split_street(line: str, split: tuple[str, str] | None) -> None:
    assert split_street(line) == split


def test_further_address_lines_are_reported() -> None:
    rendering = render(est(address={"lines": ["12 rue Oberkampf", "Bâtiment B", "CS 30012"], "postal_code": "75011",
                                    "locality": "Paris"}))
    assert rendering.payload["mainAddress"]["structuredAddress"]["fullThoroughfare"] == "12 rue Oberkampf"
    assert rendering.unsupported == {
        "address.lines": "Apple's structured address has no place for 'Bâtiment B', 'CS 30012': not sent"}


@pytest.mark.parametrize("lines", [["Bâtiment B", "12 bis rue Oberkampf"], ["Résidence Les Pins", "Bâtiment B",
                                                                             "12 bis rue Oberkampf"]])
def test_a_building_line_before_the_street_keeps_the_street(lines: list[str]) -> None:
    rendering = render(est(address={"lines": lines, "postal_code": "75011", "locality": "Paris"}))
    street = rendering.payload["mainAddress"]["structuredAddress"]
    assert (street["fullThoroughfare"], street["subThoroughfare"], street["thoroughfare"]) == (
        "12 bis rue Oberkampf", "12 bis", "rue Oberkampf")
    assert "'Bâtiment B'" in rendering.unsupported["address.lines"]


def test_a_floor_line_goes_to_floor() -> None:
    street = render(est(address={"lines": ["2e étage", "5 avenue Foch"], "postal_code": "75016", "locality": "Paris"})
                    ).payload["mainAddress"]["structuredAddress"]
    assert (street["fullThoroughfare"], street["floor"]) == ("5 avenue Foch", "2e étage")


def test_every_rendering_satisfies_apples_contract() -> None:
    record_ = est(address={"lines": ["Bâtiment B", "12 bis rue Oberkampf"], "postal_code": "75011", "locality": "Paris"},
                  phones={"primary": "01 23 45 67 89", "additional": ["06 12 34 56 78"]}, status="closed_temporarily",
                  hours={"regular": {"monday": [iv("09:00", "18:00")]},
                         "special": [{"start_date": "2026-12-24", "intervals": [iv("09:00", "12:00")]}]})
    assert validate_details(render(record_, today=TODAY).payload, TODAY) == []


def test_first_additional_phone_is_primary_without_a_primary() -> None:
    payload = render(est(phones={"additional": ["+33612345678", "+33123456780"]})).payload
    assert payload["phoneNumbers"] == [{"phoneNumber": "+33612345678", "type": "MOBILE", "primary": True},
                                       {"phoneNumber": "+33123456780", "type": "VOICE", "primary": False}]


def test_category_fallbacks_are_reported_and_deduplicated() -> None:
    rendering = render(est(categories={"primary": "dental_clinic", "additional": ["dentist", "mri_center"]}))
    assert rendering.payload["categories"] == ["health.dentist", "health.diagnostic_imaging"]
    assert rendering.unsupported == {"categories": (
        "no Apple category of their own: dentist sent as health.dentist (its parent dental_clinic); "
        "mri_center sent as health.diagnostic_imaging (its parent medical_imaging)")}


def test_email_and_photos_are_unsupported() -> None:
    rendering = render(est(email="contact@clinique-du-parc.fr", photos=[{"url": "https://cdn.example.fr/a.jpg"}]))
    assert rendering.unsupported == {"email": UNSUPPORTED_EMAIL, "photos": UNSUPPORTED_PHOTOS}
    assert "email" not in str(rendering.payload) and "cdn.example.fr" not in str(rendering.payload)


def test_capabilities_are_exactly_what_render_uses() -> None:
    rendering = render(est(description="x", email="contact@clinique-du-parc.fr", photos=[{"url": "https://cdn.example.fr/a.jpg"}],
                           phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                           hours={"regular": {"monday": [iv("08:00", "12:00")]},
                                  "special": [{"start_date": "2027-01-01", "closed": True}]}))
    assert AppleConnector.info.capabilities == set(FIELDS) - {"email"}  # photos: connectors/apple/photos.py
    assert set(rendering.unsupported) == {"email", "photos"}  # the mapping alone leaves photos out
    connector_rendering = AppleConnector.render(None, est(photos=[{"url": "https://cdn.example.fr/a.jpg"}]))  # type: ignore[arg-type]
    assert "photos" not in connector_rendering.unsupported and connector_rendering.payload["photos"]


def test_category_table_covers_every_canonical_key() -> None:
    assert set(APPLE_CATEGORIES) == set(CATEGORIES)
    for key, category in CATEGORIES.items():
        if category.parent is None:
            assert APPLE_CATEGORIES[key], f"root {key} needs an Apple id"
        apple_id, source = apple_category(key)
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", apple_id)
        assert source == key or APPLE_CATEGORIES[key] is None


# ---------------------------------------------------------------- read-back comparison

def test_differing_keys_is_lenient_on_representation() -> None:
    pushed = render(est(phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                        hours={"regular": {"monday": [iv("08:00", "12:00")], "tuesday": [iv("09:00", "10:00")]}})).payload
    live = {
        **pushed,
        "displayPoint": {"coordinates": {"latitude": "48.865600", "longitude": 2.3781}, "source": "MANUALLY_PLACED"},
        "phoneNumbers": list(reversed(pushed["phoneNumbers"])),
        "openingHoursByDay": list(reversed(pushed["openingHoursByDay"])),
        "mainAddress": {**pushed["mainAddress"], "locale": "fr-FR"},
        "businessId": "1541464898790064128",
    }
    assert differing_keys(pushed, live) == []


def test_differing_keys_names_changed_and_missing_keys() -> None:
    pushed = render(est()).payload
    live = {k: v for k, v in pushed.items() if k != "urls"}
    live["phoneNumbers"] = [{"phoneNumber": "+33199999999", "type": "LANDLINE", "primary": True}]
    live["displayPoint"] = {"coordinates": {"latitude": "48.9", "longitude": "2.3781"}}
    assert differing_keys(pushed, live) == ["displayPoint", "phoneNumbers", "urls"]
