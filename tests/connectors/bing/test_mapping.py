"""Bing rendering: exact payloads for every shape of the canonical record."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import FIELDS
from connectors.bing.connector import BingConnector
from connectors.bing.mapping import (
    UNSUPPORTED_DESCRIPTION,
    UNSUPPORTED_EMAIL,
    UNSUPPORTED_PHOTOS,
    clock_time,
    differing_keys,
    render,
)
from connectors.sandbox.bing_rules import validate_business
from schemas import Establishment
from tests.establishments.factories import record


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**{"email": None, **overrides}))


def iv(open_: str, close: str) -> dict[str, str]:
    return {"open": open_, "close": close}


def test_factory_record_renders_every_field() -> None:
    rendering = render(est(
        name="Hôpital Privé Saint-Éloi",
        address={"lines": ["12 bis rue Oberkampf", "Bâtiment B"], "postal_code": "75011", "locality": "Paris",
                 "region": "Île-de-France", "country": "FR"},
    ))
    assert rendering.unsupported == {}
    assert rendering.payload == {
        "StoreId": "CLI-075-001",
        "BusinessName": "Hôpital Privé Saint-Éloi",
        "AddressLine1": "12 bis rue Oberkampf",
        "AddressLine2": "Bâtiment B",
        "City": "Paris",
        "StateOrProvince": "Île-de-France",
        "ZipCode": "75011",
        "Country": "FR",
        "PhoneNumber": "+33123456789",
        "Categories": [{"CategoryName": "Private clinic"}, {"CategoryName": "Emergency room"}],
        "Latitude": 48.8656,
        "Longitude": 2.3781,
        "MainWebSite": "https://www.clinique-du-parc.fr/",
        "OperatingHours": ["Mon 08:00 AM-12:00 PM", "Mon 02:00 PM-07:00 PM"],
        "IsClosed": False,
    }
    assert validate_business(rendering.payload) == []


def test_minimal_record_leaves_optional_keys_out() -> None:
    rendering = render(est(address={"lines": ["Route de Lyon"], "locality": "Genève", "country": "CH"}, geo=None,
                           phones={}, website=None, categories={"primary": "hospital"}, hours={}))
    assert rendering.payload == {"StoreId": "CLI-075-001", "BusinessName": "Clinique du Parc",
                                 "AddressLine1": "Route de Lyon", "City": "Genève", "Country": "CH",
                                 "Categories": [{"CategoryName": "Hospital"}], "IsClosed": False}
    assert rendering.unsupported == {}
    assert validate_business(rendering.payload) == []


def test_hours_shapes_midnight_overnight_and_closed_days() -> None:
    hours = {"regular": {"monday": [iv("00:00", "24:00")], "tuesday": [iv("08:30", "12:15"), iv("13:45", "18:00")],
                         "friday": [iv("22:00", "02:00")], "sunday": [iv("12:00", "13:00")]}}
    assert render(est(hours=hours)).payload["OperatingHours"] == [
        "Mon 12:00 AM-11:59 PM", "Tue 08:30 AM-12:15 PM", "Tue 01:45 PM-06:00 PM", "Fri 10:00 PM-02:00 AM",
        "Sun 12:00 PM-01:00 PM"]


@pytest.mark.parametrize(("hhmm", "text"), [("00:00", "12:00 AM"), ("00:30", "12:30 AM"), ("09:05", "09:05 AM"),
                                           ("12:00", "12:00 PM"), ("23:59", "11:59 PM"), ("24:00", "11:59 PM")])
def test_clock_time(hhmm: str, text: str) -> None:
    assert clock_time(hhmm) == text


def test_special_hours_one_entry_per_date_and_interval() -> None:
    special = [{"start_date": "2026-12-24", "end_date": "2026-12-25", "intervals": [iv("09:00", "12:00"), iv("14:00", "16:00")]},
               {"start_date": "2027-01-01", "closed": True}]
    payload = render(est(hours={"regular": {"monday": [iv("08:00", "19:00")]}, "special": special})).payload
    assert payload["HolidayHours"] == [
        {"Date": "2026-12-24", "OpenTime": "09:00 AM", "CloseTime": "12:00 PM", "IsClosed": False},
        {"Date": "2026-12-24", "OpenTime": "02:00 PM", "CloseTime": "04:00 PM", "IsClosed": False},
        {"Date": "2026-12-25", "OpenTime": "09:00 AM", "CloseTime": "12:00 PM", "IsClosed": False},
        {"Date": "2026-12-25", "OpenTime": "02:00 PM", "CloseTime": "04:00 PM", "IsClosed": False},
        {"Date": "2027-01-01", "IsClosed": True},
    ]
    assert validate_business(payload) == []


def test_a_very_long_special_period_is_cut_and_reported() -> None:
    rendering = render(est(hours={"special": [{"start_date": "2026-01-01", "end_date": "2027-12-31", "closed": True}]}))
    assert len(rendering.payload["HolidayHours"]) == 366
    assert "366" in rendering.unsupported["hours.special"]


@pytest.mark.parametrize(("status", "dates", "closed", "reported"), [
    ("open", {}, False, None),
    ("closed_permanently", {}, True, None),
    ("closed_temporarily", {"reopen_date": "2026-03-01"}, True, "no temporary closure: sent as IsClosed=true (reopening on 2026-03-01)"),
    ("opening_soon", {"opening_date": "2026-06-01"}, True, "no 'opening soon' status: sent as IsClosed=true (opening on 2026-06-01)"),
])
def test_statuses(status: str, dates: dict[str, str], closed: bool, reported: str | None) -> None:
    rendering = render(est(status=status, **dates))
    assert rendering.payload["IsClosed"] is closed
    if reported is None:
        assert "status" not in rendering.unsupported
    else:
        assert reported in rendering.unsupported["status"]


def test_what_bing_cannot_take_is_reported_never_dropped_silently() -> None:
    rendering = render(est(
        email="contact@clinique.fr", description="Clinique.", photos=[{"url": "https://img.example.fr/a.jpg"}],
        phones={"primary": "+33123456789", "additional": ["+33612345678"]},
        address={"lines": ["12 rue Oberkampf", "Bâtiment B", "BP 12"], "postal_code": "75011", "locality": "Paris"},
    ))
    assert rendering.unsupported == {
        "email": UNSUPPORTED_EMAIL, "description": UNSUPPORTED_DESCRIPTION, "photos": UNSUPPORTED_PHOTOS,
        "phones.additional": "Bing takes one phone number: +33612345678 not sent",
    }
    assert rendering.payload["PhoneNumber"] == "+33123456789" and rendering.payload["AddressLine2"] == "Bâtiment B, BP 12"


def test_without_a_primary_phone_the_first_additional_one_is_sent() -> None:
    rendering = render(est(phones={"additional": ["+33612345678", "+33123456780"]}))
    assert rendering.payload["PhoneNumber"] == "+33612345678"
    assert rendering.unsupported["phones.additional"] == "Bing takes one phone number: +33123456780 not sent"


def test_long_non_ascii_name_is_sent_whole() -> None:
    name = "Centre Hospitalier Régional Universitaire de Besançon – Hôpital Jean-Minjoz, Pôle Cœur-Poumons " * 2
    payload = render(est(name=name.strip()[:200])).payload
    assert payload["BusinessName"] == name.strip()[:200] and validate_business(payload) == []


def test_capabilities_are_exactly_what_render_uses() -> None:
    caps = BingConnector.info.capabilities
    assert caps <= set(FIELDS)
    full = render(est(description="x", email="a@b.fr", photos=[{"url": "https://img.example.fr/a.jpg"}],
                      phones={"primary": "+33123456789", "additional": ["+33612345678"]}))
    assert set(full.unsupported) == set(FIELDS) - caps


def test_differing_keys_is_lenient_on_order_and_coordinates() -> None:
    pushed = render(est(categories={"primary": "private_clinic", "additional": ["emergency_room"]})).payload
    live = {**pushed, "Latitude": 48.86560001, "Categories": list(reversed(pushed["Categories"])),
            "OperatingHours": list(reversed(pushed["OperatingHours"]))}
    assert differing_keys(pushed, live) == []
    assert differing_keys(pushed, {**live, "PhoneNumber": "+33999999999"}) == ["PhoneNumber"]
    assert differing_keys(pushed, {k: v for k, v in live.items() if k != "MainWebSite"}) == ["MainWebSite"]


def test_a_building_line_first_goes_to_address_line_2() -> None:
    from connectors.bing.mapping import render as render_bing
    from schemas import Establishment as Est
    from tests.establishments.factories import record as rec

    payload = render_bing(Est.model_validate(rec(address={"lines": ["Bâtiment B, 2e étage", "12 bis rue Oberkampf"],
                                                          "postal_code": "75011", "locality": "Paris"}))).payload
    assert (payload["AddressLine1"], payload["AddressLine2"]) == ("12 bis rue Oberkampf", "Bâtiment B, 2e étage")
