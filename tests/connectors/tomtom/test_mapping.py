"""TomTom mapping: exact report fields for varied canonical records."""

from __future__ import annotations

from connectors.base import FIELDS
from connectors.tomtom.connector import TomTomConnector
from connectors.tomtom.mapping import render
from schemas import Establishment
from tests.establishments.factories import record

NINE_SIX = [{"open": "09:00", "close": "18:00"}]


def est(**overrides: object) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def test_default_record_exact_payload() -> None:
    rendering = render(est())
    assert rendering.payload == {
        "name": "Clinique du Parc",
        "address": {"houseNumber": "12", "streetName": "rue Oberkampf", "postalCode": "75011", "municipality": "Paris",
                    "countryCode": "FR", "countryCodeISO3": "FRA"},
        "position": {"lat": 48.8656, "lon": 2.3781}, "phone": "+33123456789", "url": "https://www.clinique-du-parc.fr/",
        "openingHours": "Mo 08:00-12:00,14:00-19:00", "status": "OPEN"}
    assert set(rendering.unsupported) == {"categories", "email"}


def test_hours_missing_fields_non_ascii_and_statuses() -> None:
    regular = {d: NINE_SIX for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    regular["sunday"] = [{"open": "22:00", "close": "02:00"}]
    rendering = render(est(name="Centre Médical Œuvre", geo=None, phones={}, website=None, email=None,
                           status="opening_soon", hours={"regular": regular},
                           address={"lines": ["Bât. B", "Place du Marché"], "locality": "Genève", "country": "CH"}))
    assert rendering.payload == {
        "name": "Centre Médical Œuvre",
        "address": {"streetName": "Place du Marché", "complements": ["Bât. B"], "municipality": "Genève",
                    "countryCode": "CH", "countryCodeISO3": "CHE"},
        "openingHours": "Mo-Fr 09:00-18:00; Su 22:00-02:00", "status": "TEMPORARILY_CLOSED"}
    assert set(rendering.unsupported) == {"status", "categories"}
    assert render(est(status="closed_permanently")).payload["status"] == "PERMANENTLY_CLOSED"
    assert "openingHours" not in render(est(hours={})).payload


def test_capabilities_are_exactly_what_render_sends() -> None:
    full = est(description="d", photos=[{"url": "https://img.example.fr/a.jpg"}],
               phones={"primary": "+33123456789", "additional": ["+33600000000"]},
               hours={"regular": {"monday": NINE_SIX}, "special": [{"start_date": "2026-12-25", "closed": True}]})
    assert TomTomConnector.info.capabilities == set(FIELDS) - set(render(full).unsupported)
