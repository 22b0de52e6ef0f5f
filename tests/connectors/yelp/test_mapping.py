"""Yelp rendering: exact payloads for every shape of the canonical record."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import FIELDS
from connectors.sandbox.yelp_rules import ingest_errors
from connectors.yelp.connector import YelpConnector
from connectors.yelp.mapping import (
    UNSUPPORTED_DESCRIPTION,
    UNSUPPORTED_EMAIL,
    UNSUPPORTED_PHOTOS,
    UPDATE_FIELDS,
    YELP_CATEGORIES,
    render,
    yelp_category,
)
from schemas import Establishment
from schemas.categories import CATEGORIES
from tests.establishments.factories import record


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**{"email": None, "categories": {"primary": "medical_center"}, **overrides}))


def iv(open_: str, close: str) -> dict[str, str]:
    return {"open": open_, "close": close}


def ingest(payload: dict[str, Any]) -> dict[str, Any]:
    return {"businesses": [{"partner_business_id": payload["partner_business_id"], "matching_criteria": payload["matching_criteria"],
                            "update": {k: v for k, v in payload.items() if k in UPDATE_FIELDS}}]}


def test_factory_record_renders_every_field() -> None:
    rendering = render(est(name="Hôpital Privé Saint-Éloi",
                           address={"lines": ["Bâtiment B", "12 rue Oberkampf"], "postal_code": "75011",
                                    "locality": "Paris", "region": "Île-de-France"},
                           categories={"primary": "medical_center", "additional": ["emergency_room"]}))
    assert rendering.unsupported == {}
    assert rendering.payload == {
        "partner_business_id": "CLI-075-001",
        "matching_criteria": {"name": "Hôpital Privé Saint-Éloi", "address1": "12 rue Oberkampf", "city": "Paris",
                              "state": "IDF", "postal_code": "75011", "country": "FR", "phone": "+33123456789",
                              "latitude": 48.8656, "longitude": 2.3781},
        "name": "Hôpital Privé Saint-Éloi", "address1": "12 rue Oberkampf", "address2": "Bâtiment B", "city": "Paris",
        "state": "IDF", "postal_code": "75011", "country": "FR", "latitude": 48.8656, "longitude": 2.3781,
        "phone": "+33123456789", "url": "https://www.clinique-du-parc.fr/", "categories": ["medcenters", "emergencyrooms"],
        "hours": [{"day": "monday", "open": "08:00", "close": "12:00"}, {"day": "monday", "open": "14:00", "close": "19:00"}],
        "closed": False, "temporarily_closed": False,
    }
    assert ingest_errors(ingest(rendering.payload)) == []


def test_the_old_shapes_are_refused_by_the_documented_schema() -> None:
    """The request the connector used to send: read-API hours, special_hours, is_closed, a region name as state."""
    old = {"partner_business_id": "C", "matching_criteria": {"name": "X", "address1": "12 rue A", "city": "Paris",
                                                             "state": "Île-de-France", "country": "FR"},
           "update": {"hours": [{"day": 0, "start": "0800", "end": "1200", "is_overnight": False}],
                      "special_hours": [{"date": "2026-12-25", "is_closed": True}], "is_closed": False}}
    errors = " | ".join(ingest_errors({"businesses": [old]}))
    for expected in ("matching_criteria.state", "update.hours[0]", "special_hours", "is_closed"):
        assert expected in errors, (expected, errors)


def test_minimal_record() -> None:
    rendering = render(est(address={"lines": ["Route de Lyon"], "locality": "Genève", "country": "CH", "region": "Genève"},
                           geo=None, phones={}, website=None, hours={}))
    assert rendering.payload == {
        "partner_business_id": "CLI-075-001",
        "matching_criteria": {"name": "Clinique du Parc", "address1": "Route de Lyon", "city": "Genève", "state": "GE",
                              "country": "CH"},
        "name": "Clinique du Parc", "address1": "Route de Lyon", "city": "Genève", "state": "GE", "country": "CH",
        "categories": ["medcenters"], "closed": False, "temporarily_closed": False}
    assert rendering.unsupported == {} and ingest_errors(ingest(rendering.payload)) == []


def test_hours_midnight_overnight_and_special_hours_reported() -> None:
    rendering = render(est(hours={
        "regular": {"monday": [iv("00:00", "24:00")], "friday": [iv("22:00", "02:00")], "sunday": [iv("09:30", "12:00")]},
        "special": [{"start_date": "2027-01-01", "closed": True}]}))
    assert rendering.payload["hours"] == [{"day": "monday", "open": "00:00", "close": "00:00"},
                                          {"day": "friday", "open": "22:00", "close": "02:00"},
                                          {"day": "sunday", "open": "09:30", "close": "12:00"}]
    assert "hours.special" in rendering.unsupported and ingest_errors(ingest(rendering.payload)) == []


@pytest.mark.parametrize(("status", "dates", "expected"), [
    ("open", {}, {"closed": False, "temporarily_closed": False}),
    ("closed_permanently", {}, {"closed": True, "temporarily_closed": False}),
    ("closed_temporarily", {"reopen_date": "2026-03-01"}, {"closed": False, "temporarily_closed": True}),
    ("opening_soon", {"opening_date": "2026-09-01"}, {"closed": False, "temporarily_closed": False,
                                                      "opening_date": "2026-09-01"}),
])
def test_statuses(status: str, dates: dict[str, str], expected: dict[str, Any]) -> None:
    payload = render(est(status=status, **dates)).payload
    assert {k: payload[k] for k in ("closed", "temporarily_closed", "opening_date") if k in payload} == expected
    assert ingest_errors(ingest(payload)) == []


def test_unsent_fields_are_reported() -> None:
    rendering = render(est(email="a@b.fr", description="x", photos=[{"url": "https://img.example.fr/a.jpg"}],
                           phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                           address={"lines": ["Bât. B", "1 rue A", "Escalier C", "BP 3"], "postal_code": "75011",
                                    "locality": "Paris"},
                           categories={"primary": "private_clinic"}))
    assert rendering.payload["address1"] == "1 rue A" and rendering.payload["address3"] == "Escalier C"
    assert rendering.unsupported == {
        "email": UNSUPPORTED_EMAIL, "description": UNSUPPORTED_DESCRIPTION, "photos": UNSUPPORTED_PHOTOS,
        "phones.additional": "Yelp takes one phone number: +33612345678 not sent",
        "address.lines": "Yelp takes three address lines: 'BP 3' left out",
        "categories": "no Yelp category of their own: private_clinic sent as hospitals (its parent hospital)",
    }


def test_at_most_three_categories() -> None:
    rendering = render(est(categories={"primary": "pharmacy", "additional": ["optician", "dentist", "radiology"]}))
    assert len(rendering.payload["categories"]) == 3 and "Yelp takes 3 categories" in rendering.unsupported["categories"]


def test_long_non_ascii_name() -> None:
    name = ("Centre Hospitalier Régional Universitaire – Pôle Cœur-Poumons " * 4)[:200].strip()
    payload = render(est(name=name)).payload
    assert payload["name"] == payload["matching_criteria"]["name"] == name and ingest_errors(ingest(payload)) == []


def test_every_category_resolves() -> None:
    assert set(YELP_CATEGORIES) == set(CATEGORIES)
    for key in CATEGORIES:
        assert yelp_category(key)[0]


def test_capabilities_are_exactly_what_render_uses() -> None:
    caps = YelpConnector.info.capabilities
    full = render(est(description="x", email="a@b.fr", photos=[{"url": "https://img.example.fr/a.jpg"}],
                      phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                      hours={"regular": {"monday": [iv("08:00", "12:00")]},
                             "special": [{"start_date": "2027-01-01", "closed": True}]}))
    assert caps <= set(FIELDS) and set(full.unsupported) == set(FIELDS) - caps
