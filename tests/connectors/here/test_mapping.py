"""HERE mapping: exact feedback properties for varied canonical records."""

from __future__ import annotations

from connectors.base import FIELDS
from connectors.here.connector import HereConnector
from connectors.here.mapping import error_code, render
from schemas import Establishment
from tests.establishments.factories import record

NINE_SIX = [{"open": "09:00", "close": "18:00"}]


def est(**overrides: object) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def test_default_record_exact_payload() -> None:
    rendering = render(est())
    assert rendering.payload == {
        "geometry": {"type": "Point", "coordinates": [2.3781, 48.8656]},
        "name": "Clinique du Parc", "number": "12", "roadname": "rue Oberkampf", "zipcode": "75011",
        "city": "Paris", "isocc": "FRA", "phone": "+33 1 23 45 67 89", "URL": "https://www.clinique-du-parc.fr/",
        "email": "contact@clinique-du-parc.fr", "openinghours": "Mo; 08:00-12:00, 14:00-19:00",
    }
    assert set(rendering.unsupported) == {"categories"}


def test_a_building_line_before_the_street_goes_to_details_not_roadname() -> None:
    payload = render(est(address={"lines": ["Bâtiment B, 2e étage", "12 bis rue Oberkampf"], "postal_code": "75011",
                                  "locality": "Paris"})).payload
    assert (payload["number"], payload["roadname"]) == ("12 bis", "rue Oberkampf")
    assert payload["details"] == "Address complement: Bâtiment B, 2e étage."


def test_week_hours_runs_and_overnight() -> None:
    regular = {"monday": NINE_SIX, "tuesday": NINE_SIX, "wednesday": NINE_SIX, "thursday": NINE_SIX,
               "friday": NINE_SIX, "saturday": [{"open": "10:00", "close": "13:00"}],
               "sunday": [{"open": "22:00", "close": "02:00"}]}
    payload = render(est(hours={"regular": regular})).payload
    assert payload["openinghours"] == "Mo-Fr; 09:00-18:00 | Sa; 10:00-13:00 | Su; 22:00-02:00"
    assert "openinghours" not in render(est(hours={"regular": {}})).payload


def test_missing_fields_non_ascii_and_foreign_country() -> None:
    rendering = render(est(name="Clinique Saint-Éloi – Œnologie", geo=None, phones={}, website=None, email=None,
                           address={"lines": ["Place du Marché", "Bâtiment B"], "locality": "Liège",
                                    "postal_code": "4000", "region": "Wallonie", "country": "BE"}))
    assert rendering.payload == {"name": "Clinique Saint-Éloi – Œnologie", "roadname": "Place du Marché",
                                 "zipcode": "4000", "city": "Liège", "isocc": "BEL",
                                 "openinghours": "Mo; 08:00-12:00, 14:00-19:00",
                                 "details": "Address complement: Bâtiment B."}
    assert set(rendering.unsupported) == {"address.region", "categories"}


def test_closures_go_to_details() -> None:
    assert render(est(status="closed_permanently")).payload["details"] == "Permanently closed."
    assert render(est(status="closed_temporarily", reopen_date="2026-03-01")).payload["details"] == \
        "Temporarily closed until 2026-03-01."
    assert render(est(status="opening_soon", opening_date="2026-05-04")).payload["details"] == \
        "Not open yet: opening on 2026-05-04."
    assert "details" not in render(est()).payload and "comments" not in render(est(status="closed_permanently")).payload


def test_unsupported_fields_are_reported() -> None:
    rendering = render(est(description="Soins", photos=[{"url": "https://img.example.fr/a.jpg"}],
                           phones={"primary": "+33123456789", "additional": ["+33600000000"]},
                           hours={"special": [{"start_date": "2026-12-25", "closed": True}]}))
    assert set(rendering.unsupported) == {"categories", "description", "photos", "phones.additional", "hours.special"}


def test_capabilities_are_exactly_what_render_sends() -> None:
    full = est(description="d", photos=[{"url": "https://img.example.fr/a.jpg"}],
               phones={"primary": "+33123456789", "additional": ["+33600000000"]},
               hours={"regular": {"monday": NINE_SIX}, "special": [{"start_date": "2026-12-25", "closed": True}]})
    unsupported = set(render(full).unsupported)
    assert HereConnector.info.capabilities == set(FIELDS) - unsupported
    assert HereConnector.info.capabilities == {"name", "status", "address", "geo", "phones.primary", "website",
                                               "email", "hours.regular"}


def test_error_codes() -> None:
    assert error_code(["name", "phone"], create=True) == 30
    assert error_code(["name"], create=False) == 31
    assert error_code(["roadname", "number", "geometry"], create=False) == 32
    assert error_code(["phone"], create=False) == 33
    assert error_code(["openinghours"], create=False) == 34
    assert error_code(["name", "phone"], create=False) == 34
