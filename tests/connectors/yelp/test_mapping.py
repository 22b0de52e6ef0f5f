"""Yelp rendering: exact payloads for every shape of the canonical record."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import FIELDS
from connectors.sandbox.yelp import validate_ingest
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
                           address={"lines": ["12 rue Oberkampf", "Bâtiment B"], "postal_code": "75011",
                                    "locality": "Paris", "region": "Île-de-France"},
                           categories={"primary": "medical_center", "additional": ["emergency_room"]}))
    assert rendering.unsupported == {}
    assert rendering.payload == {
        "partner_business_id": "CLI-075-001",
        "matching_criteria": {"name": "Hôpital Privé Saint-Éloi", "address1": "12 rue Oberkampf", "city": "Paris",
                              "postal_code": "75011", "country": "FR", "phone": "+33123456789",
                              "latitude": 48.8656, "longitude": 2.3781},
        "name": "Hôpital Privé Saint-Éloi", "address1": "12 rue Oberkampf", "address2": "Bâtiment B", "city": "Paris",
        "state": "Île-de-France", "postal_code": "75011", "country": "FR", "latitude": 48.8656, "longitude": 2.3781,
        "phone": "+33123456789", "url": "https://www.clinique-du-parc.fr/", "categories": ["medcenters", "emergencyrooms"],
        "hours": [{"day": 0, "start": "0800", "end": "1200", "is_overnight": False},
                  {"day": 0, "start": "1400", "end": "1900", "is_overnight": False}],
        "is_closed": False,
    }
    assert validate_ingest(ingest(rendering.payload)) == []


def test_minimal_record() -> None:
    rendering = render(est(address={"lines": ["Route de Lyon"], "locality": "Genève", "country": "CH"}, geo=None,
                           phones={}, website=None, hours={}))
    assert rendering.payload == {
        "partner_business_id": "CLI-075-001",
        "matching_criteria": {"name": "Clinique du Parc", "address1": "Route de Lyon", "city": "Genève", "country": "CH"},
        "name": "Clinique du Parc", "address1": "Route de Lyon", "city": "Genève", "country": "CH",
        "categories": ["medcenters"], "is_closed": False}
    assert rendering.unsupported == {} and validate_ingest(ingest(rendering.payload)) == []


def test_hours_midnight_overnight_and_special_hours() -> None:
    payload = render(est(hours={
        "regular": {"monday": [iv("00:00", "24:00")], "friday": [iv("22:00", "02:00")], "sunday": [iv("09:30", "12:00")]},
        "special": [{"start_date": "2026-12-24", "end_date": "2026-12-25", "intervals": [iv("09:00", "12:00")]},
                    {"start_date": "2026-12-31", "intervals": [iv("20:00", "01:00")]},
                    {"start_date": "2027-01-01", "closed": True}]})).payload
    assert payload["hours"] == [{"day": 0, "start": "0000", "end": "0000", "is_overnight": True},
                                {"day": 4, "start": "2200", "end": "0200", "is_overnight": True},
                                {"day": 6, "start": "0930", "end": "1200", "is_overnight": False}]
    assert payload["special_hours"] == [
        {"date": "2026-12-24", "is_closed": False, "start": "0900", "end": "1200", "is_overnight": False},
        {"date": "2026-12-25", "is_closed": False, "start": "0900", "end": "1200", "is_overnight": False},
        {"date": "2026-12-31", "is_closed": False, "start": "2000", "end": "0100", "is_overnight": True},
        {"date": "2027-01-01", "is_closed": True}]
    assert validate_ingest(ingest(payload)) == []


@pytest.mark.parametrize(("status", "dates", "closed", "reported"), [
    ("open", {}, False, None),
    ("closed_permanently", {}, True, None),
    ("closed_temporarily", {"reopen_date": "2026-03-01"}, True, "sent as is_closed=true (reopening on 2026-03-01)"),
    ("opening_soon", {}, True, "no 'opening soon' status: sent as is_closed=true"),
])
def test_statuses(status: str, dates: dict[str, str], closed: bool, reported: str | None) -> None:
    rendering = render(est(status=status, **dates))
    assert rendering.payload["is_closed"] is closed
    assert rendering.unsupported.get("status") is None if reported is None else reported in rendering.unsupported["status"]


def test_unsent_fields_are_reported() -> None:
    rendering = render(est(email="a@b.fr", description="x", photos=[{"url": "https://img.example.fr/a.jpg"}],
                           phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                           address={"lines": ["1 rue A", "Bât. B", "BP 3"], "postal_code": "75011", "locality": "Paris"},
                           categories={"primary": "private_clinic"}))
    assert rendering.unsupported == {
        "email": UNSUPPORTED_EMAIL, "description": UNSUPPORTED_DESCRIPTION, "photos": UNSUPPORTED_PHOTOS,
        "phones.additional": "Yelp takes one phone number: +33612345678 not sent",
        "address.lines": "Yelp takes two address lines: 'BP 3' left out",
        "categories": "no Yelp category of their own: private_clinic sent as hospitals (its parent hospital)",
    }


def test_long_non_ascii_name() -> None:
    name = ("Centre Hospitalier Régional Universitaire – Pôle Cœur-Poumons " * 4)[:200].strip()
    payload = render(est(name=name)).payload
    assert payload["name"] == payload["matching_criteria"]["name"] == name and validate_ingest(ingest(payload)) == []


def test_every_category_resolves() -> None:
    assert set(YELP_CATEGORIES) == set(CATEGORIES)
    for key in CATEGORIES:
        assert yelp_category(key)[0]


def test_capabilities_are_exactly_what_render_uses() -> None:
    caps = YelpConnector.info.capabilities
    full = render(est(description="x", email="a@b.fr", photos=[{"url": "https://img.example.fr/a.jpg"}],
                      phones={"primary": "+33123456789", "additional": ["+33612345678"]}))
    assert caps <= set(FIELDS) and set(full.unsupported) == set(FIELDS) - caps
