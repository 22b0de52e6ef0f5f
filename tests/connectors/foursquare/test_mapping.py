"""Foursquare mapping: exact suggested-edit fields for varied canonical records."""

from __future__ import annotations

from connectors.base import FIELDS
from connectors.foursquare.connector import FoursquareConnector
from connectors.foursquare.mapping import render
from schemas import Establishment
from tests.establishments.factories import record

NINE_SIX = [{"open": "09:00", "close": "18:00"}]
HOSPITAL, EMERGENCY_ROOM = "4bf58dd8d48988d196941735", "4bf58dd8d48988d194941735"


def est(**overrides: object) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def test_default_record_exact_payload() -> None:
    rendering = render(est())
    assert rendering.payload == {
        "name": "Clinique du Parc", "address": "12 rue Oberkampf", "locality": "Paris", "postcode": "75011",
        "country_code": "FR", "latitude": 48.8656, "longitude": 2.3781, "tel": "+33123456789",
        "website": "https://www.clinique-du-parc.fr/", "email": "contact@clinique-du-parc.fr",
        "categories": [HOSPITAL, EMERGENCY_ROOM], "hours": "1,0800,1200;1,1400,1900", "closed": False}
    # the default record is a private_clinic: Foursquare has no such category, its parent's is sent
    assert rendering.unsupported == {"categories": "private_clinic sent as Health and Medicine > Hospital "
                                                   "(4bf58dd8d48988d196941735), the category of its parent hospital"}


def test_hours_shapes() -> None:
    regular = {"monday": NINE_SIX, "tuesday": NINE_SIX, "saturday": [{"open": "22:00", "close": "02:00"}],
               "sunday": [{"open": "00:00", "close": "24:00"}]}
    assert render(est(hours={"regular": regular})).payload["hours"] == "1,0900,1800;2,0900,1800;6,2200,+0200;7,0000,+0000"
    assert "hours" not in render(est(hours={})).payload


def test_missing_fields_non_ascii_and_a_building_line_first() -> None:
    rendering = render(est(name="Laboratoire Œuvre – Saint-Éloi", geo=None, phones={}, website=None, email=None,
                           address={"lines": ["Bâtiment B", "2e étage", "Place du Marché"], "locality": "Liège",
                                    "region": "Wallonie", "country": "BE"}))
    assert rendering.payload == {"name": "Laboratoire Œuvre – Saint-Éloi", "address": "Place du Marché",
                                 "locality": "Liège", "region": "Wallonie",
                                 "country_code": "BE", "categories": [HOSPITAL, EMERGENCY_ROOM],
                                 "hours": "1,0800,1200;1,1400,1900", "closed": False}
    assert "'Bâtiment B'" in rendering.unsupported["address.lines"]


def test_a_long_description_is_cut_to_300() -> None:
    rendering = render(est(description="Soins de suite et de réadaptation. " * 20))
    assert len(rendering.payload["description"]) <= 300 and "300" in rendering.unsupported["description"]


def test_closures() -> None:
    assert render(est(status="closed_permanently")).payload["closed"] is True
    temporary = render(est(status="closed_temporarily", reopen_date="2026-03-01"))
    assert temporary.payload["closed"] is False and "closed_temporarily" in temporary.unsupported["status"]
    assert "opening_soon" in render(est(status="opening_soon")).unsupported["status"]


def test_capabilities_are_exactly_what_render_sends() -> None:
    full = est(description="Soins", photos=[{"url": "https://img.example.fr/a.jpg"}],
               categories={"primary": "hospital", "additional": ["emergency_room"]},  # both Foursquare categories
               phones={"primary": "+33123456789", "additional": ["+33600000000"]},
               hours={"regular": {"monday": NINE_SIX}, "special": [{"start_date": "2026-12-25", "closed": True}]})
    rendering = render(full)
    assert rendering.payload["description"] == "Soins"
    assert FoursquareConnector.info.capabilities == set(FIELDS) - set(rendering.unsupported)


def test_categories_are_foursquare_category_ids_with_the_fallback_named() -> None:
    exact = render(est(categories={"primary": "pharmacy", "additional": ["medical_supply_store"]}))
    assert exact.payload["categories"] == ["4bf58dd8d48988d10f951735", "58daa1558bbb0b01f18ec206"]
    assert "categories" not in exact.unsupported
    fallback = render(est(categories={"primary": "dialysis_center", "additional": ["dentist", "dental_clinic"]}))
    assert fallback.payload["categories"] == ["4bf58dd8d48988d104941735", "4bf58dd8d48988d178941735"]
    assert fallback.unsupported["categories"] == (
        "dialysis_center sent as Health and Medicine > Medical Center (4bf58dd8d48988d104941735), the category of its "
        "parent medical_center; dentist sent as Health and Medicine > Dentist (4bf58dd8d48988d178941735), the category "
        "of its parent dental_clinic; dental_clinic not sent: same Foursquare category as dentist, Health and Medicine "
        "> Dentist (4bf58dd8d48988d178941735)")


def test_categories_past_the_limit_are_named() -> None:
    rendering = render(est(categories={"primary": "hospital",
                                       "additional": ["emergency_room", "pharmacy", "parking", "cafe"]}))
    assert rendering.payload["categories"] == [HOSPITAL, EMERGENCY_ROOM, "4bf58dd8d48988d10f951735"]
    assert rendering.unsupported["categories"] == ("parking not sent: Foursquare takes at most 3 categories; "
                                                   "cafe not sent: Foursquare takes at most 3 categories")
