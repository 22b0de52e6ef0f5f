"""Shared pure helpers: day runs and OSM text, street split, ISO alpha-3, client references."""

from __future__ import annotations

import phonenumbers

from connectors.common.address import split_street
from connectors.common.countries import alpha3
from connectors.common.opening_hours import day_runs, osm_text
from connectors.common.reference import client_reference
from schemas.establishment import RegularHours

NINE_SIX = [{"open": "09:00", "close": "18:00"}]


def hours(**days: list[dict[str, str]]) -> RegularHours:
    return RegularHours.model_validate(days)


def test_day_runs_group_consecutive_identical_days_only() -> None:
    regular = hours(monday=NINE_SIX, tuesday=NINE_SIX, wednesday=NINE_SIX, friday=NINE_SIX,
                    saturday=[{"open": "10:00", "close": "13:00"}])
    assert [(r.days(), r.times()) for r in day_runs(regular)] == [
        ("Mo-We", "09:00-18:00"), ("Fr", "09:00-18:00"), ("Sa", "10:00-13:00")]


def test_day_runs_keep_split_overnight_and_end_of_day_intervals() -> None:
    regular = hours(monday=[{"open": "14:00", "close": "19:00"}, {"open": "08:00", "close": "12:00"}],
                    saturday=[{"open": "22:00", "close": "02:00"}], sunday=[{"open": "00:00", "close": "24:00"}])
    assert [(r.days(), r.times(", ")) for r in day_runs(regular)] == [
        ("Mo", "08:00-12:00, 14:00-19:00"), ("Sa", "22:00-02:00"), ("Su", "00:00-24:00")]


def test_osm_text() -> None:
    assert osm_text(hours(monday=NINE_SIX, tuesday=NINE_SIX, saturday=[{"open": "10:00", "close": "13:00"}])) == \
        "Mo-Tu 09:00-18:00; Sa 10:00-13:00"
    assert osm_text(RegularHours()) is None
    always = {day: [{"open": "00:00", "close": "24:00"}] for day in
              ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    assert osm_text(hours(**always)) == "24/7"


def test_split_street() -> None:
    assert split_street("12 bis rue Oberkampf") == ("12 bis", "rue Oberkampf")
    assert split_street("12-14, avenue de l'Opéra") == ("12-14", "avenue de l'Opéra")
    assert split_street("Place du Marché") is None


def test_alpha3_covers_every_phone_region() -> None:
    assert alpha3("FR") == "FRA" and alpha3("re") == "REU" and alpha3("DE") == "DEU" and alpha3("ZZ") is None
    assert all(alpha3(region) for region in phonenumbers.SUPPORTED_REGIONS)


def test_client_reference_is_stable_and_distinguishes_pushes() -> None:
    ref = client_reference("req-1", None, {"name": "Clinique"})
    assert ref == client_reference("req-1", None, {"name": "Clinique"}) and ref.startswith("vitrine-")
    assert len({ref, client_reference("req-1", "job-1", {"name": "Clinique"}),
                client_reference("req-2", None, {"name": "Clinique"}),
                client_reference("req-1", None, {"name": "Clinique 2"})}) == 4
