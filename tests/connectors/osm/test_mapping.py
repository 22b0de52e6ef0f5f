"""OSM mapping: exact tags for varied records, the opening_hours formatter, categories, read-back comparison."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from connectors.osm.mapping import differing_keys, managed, render
from connectors.osm.opening_hours import format_hours, weekdays
from connectors.osm.tags import OSM_TAGS, osm_tags
from schemas import Establishment
from schemas.categories import CATEGORIES
from schemas.establishment import Hours
from tests.establishments.factories import record


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def hours(regular: dict[str, Any] | None = None, special: list[dict[str, Any]] | None = None) -> Hours:
    return Hours.model_validate({"regular": regular or {}, "special": special or []})


def iv(*pairs: str) -> list[dict[str, str]]:
    return [{"open": p.split("-")[0], "close": p.split("-")[1]} for p in pairs]


WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")


def test_full_record_renders_exact_tags() -> None:
    rendering = render(est())
    assert rendering.payload == {
        "name": "Clinique du Parc", "addr:housenumber": "12", "addr:street": "rue Oberkampf", "addr:postcode": "75011",
        "addr:city": "Paris", "phone": "+33 1 23 45 67 89", "email": "contact@clinique-du-parc.fr",
        "website": "https://www.clinique-du-parc.fr/", "amenity": "hospital", "healthcare": "hospital",
        "emergency": "yes", "opening_hours": "Mo 08:00-12:00,14:00-19:00",
    }
    assert rendering.unsupported["categories"] == "private_clinic sent as its parent hospital"
    assert "never moved" in rendering.unsupported["geo"]


def test_minimal_record_without_optional_fields() -> None:
    rendering = render(est(geo=None, phones={}, website=None, email=None, hours={},
                           categories={"primary": "pharmacy"},
                           address={"lines": ["Place de la Gare"], "locality": "Lyon", "country": "FR"}))
    assert rendering.payload == {"name": "Clinique du Parc", "addr:street": "Place de la Gare", "addr:city": "Lyon",
                                 "amenity": "pharmacy", "healthcare": "pharmacy"}
    assert rendering.unsupported == {}


def test_non_ascii_and_extra_lines_and_several_phones() -> None:
    rendering = render(est(name="Clinique Saint-Exupéry – Pôle Santé", description="Texte.",
                           photos=[{"url": "https://img.example.fr/a.jpg"}],
                           address={"lines": ["12 bis rue de l'Église", "Bâtiment B"], "postal_code": "31000",
                                    "locality": "Toulouse", "country": "FR"},
                           phones={"primary": "+33561000000", "additional": ["+33612345678"]}))
    tags = rendering.payload
    assert tags["name"] == "Clinique Saint-Exupéry – Pôle Santé"
    assert (tags["addr:housenumber"], tags["addr:street"], tags["addr:city"]) == ("12 bis", "rue de l'Église", "Toulouse")
    assert tags["phone"] == "+33 5 61 00 00 00;+33 6 12 34 56 78"
    assert tags["addr:housename"] == "Bâtiment B"
    assert set(rendering.unsupported) >= {"description", "photos"}


def test_a_building_line_before_the_street_never_becomes_addr_street() -> None:
    tags = render(est(address={"lines": ["Bâtiment B, 2e étage", "12 bis rue Oberkampf"], "postal_code": "75011",
                               "locality": "Paris", "country": "FR"})).payload
    assert (tags["addr:housenumber"], tags["addr:street"]) == ("12 bis", "rue Oberkampf")
    assert tags["addr:housename"] == "Bâtiment B"


def test_a_lieu_dit_without_street_is_addr_place() -> None:
    rendering = render(est(address={"lines": ["Lieu-dit Les Granges"], "postal_code": "24200", "locality": "Sarlat",
                                    "country": "FR"}))
    assert rendering.payload["addr:place"] == "Les Granges" and "addr:street" not in rendering.payload


def test_phone_of_another_country_keeps_its_international_format() -> None:
    assert render(est(phones={"primary": "+3222345678"}, address={"lines": ["Rue Haute 1"], "locality": "Bruxelles",
                                                                  "postal_code": "1000", "country": "BE"})).payload["phone"] == "+32 2 234 56 78"


# ---------------------------------------------------------------- hours

@pytest.mark.parametrize(("regular", "special", "expected"), [
    ({d: iv("08:00-12:00", "14:00-18:00") for d in WEEK} | {"saturday": iv("09:00-12:00")}, None,
     "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00"),
    ({d: iv("00:00-24:00") for d in (*WEEK, "saturday", "sunday")}, None, "24/7"),
    ({d: iv("00:00-24:00") for d in (*WEEK, "saturday", "sunday")}, [{"start_date": "2026-12-25", "closed": True}],
     "24/7; 2026 Dec 25 off"),
    ({"friday": iv("22:00-02:00"), "saturday": iv("22:00-02:00")}, None, "Fr,Sa 22:00-02:00"),
    ({"monday": iv("09:00-17:00"), "wednesday": iv("09:00-17:00"), "friday": iv("09:00-17:00"),
      "sunday": iv("10:00-12:00")}, None, "Mo,We,Fr 09:00-17:00; Su 10:00-12:00"),
    ({"monday": iv("08:00-24:00"), "tuesday": iv("08:00-24:00"), "wednesday": iv("08:00-24:00"), "friday": iv("08:00-24:00")},
     None, "Mo-We,Fr 08:00-24:00"),
    ({"monday": iv("08:00-18:00")},
     [{"start_date": "2026-12-24", "end_date": "2026-12-26", "closed": True},
      {"start_date": "2026-12-30", "end_date": "2027-01-02", "closed": True},
      {"start_date": "2027-01-05", "intervals": iv("09:00-12:00")},
      {"start_date": "2027-02-27", "end_date": "2027-03-01", "intervals": iv("10:00-11:00", "15:00-16:00")}],
     "Mo 08:00-18:00; 2026 Dec 24-26 off; 2026 Dec 30-2027 Jan 02 off; 2027 Jan 05 09:00-12:00; "
     "2027 Feb 27-2027 Mar 01 10:00-11:00,15:00-16:00"),
])
def test_opening_hours_formats(regular: dict[str, Any], special: list[dict[str, Any]] | None, expected: str) -> None:
    assert format_hours(hours(regular, special)) == expected


def test_no_hours_is_no_value() -> None:
    assert format_hours(hours()) is None


@pytest.mark.parametrize(("days", "expected"), [([0, 1, 2, 3, 4], "Mo-Fr"), ([0, 1], "Mo,Tu"), ([6], "Su"),
                                                 ([0, 2, 3, 4, 6], "Mo,We-Fr,Su"), ([4, 5, 6], "Fr-Su")])
def test_weekday_selectors(days: list[int], expected: str) -> None:
    assert weekdays(days) == expected


def test_special_hours_without_regular_hours_are_not_sent() -> None:
    rendering = render(est(hours={"special": [{"start_date": "2026-12-25", "closed": True}]}))
    assert "opening_hours" not in rendering.payload
    assert "hours.special" in rendering.unsupported


def test_too_long_opening_hours_drops_the_special_hours_first() -> None:
    special = [{"start_date": date(2026, 1, 1 + 2 * n).isoformat(), "intervals": iv("09:00-12:00")} for n in range(14)]
    rendering = render(est(hours={"regular": {"monday": iv("08:00-18:00")}, "special": special}))
    assert rendering.payload["opening_hours"] == "Mo 08:00-18:00"
    assert "255" in rendering.unsupported["hours.special"]


# ---------------------------------------------------------------- status

def test_closed_temporarily_is_off() -> None:
    rendering = render(est(status="closed_temporarily", reopen_date="2026-09-01"))
    assert rendering.payload["opening_hours"] == "off"
    assert "2026-09-01" in rendering.unsupported["status"]


def test_opening_soon_is_off_with_opening_date() -> None:
    rendering = render(est(status="opening_soon", opening_date="2026-10-01"))
    assert (rendering.payload["opening_hours"], rendering.payload["opening_date"]) == ("off", "2026-10-01")
    assert "opening soon" in rendering.unsupported["status"]


def test_closed_permanently_uses_the_disused_lifecycle_prefix() -> None:
    tags = render(est(status="closed_permanently")).payload
    assert tags["disused:amenity"] == "hospital" and tags["disused:healthcare"] == "hospital"
    assert "amenity" not in tags and "healthcare" not in tags and "opening_hours" not in tags
    assert tags["emergency"] == "yes" and tags["name"] == "Clinique du Parc"


# ---------------------------------------------------------------- categories

def test_every_canonical_category_has_tags() -> None:
    assert set(OSM_TAGS) == set(CATEGORIES)
    for key in CATEGORIES:
        tags, _ = osm_tags(key)
        assert tags


@pytest.mark.parametrize(("primary", "additional", "expected"), [
    ("medical_laboratory", [], {"healthcare": "laboratory"}),
    ("blood_collection_center", [], {"healthcare": "laboratory"}),
    ("dentist", [], {"amenity": "dentist", "healthcare": "dentist"}),
    ("medical_center", [], {"amenity": "clinic", "healthcare": "clinic"}),
    ("cardiologist", ["dermatologist"], {"amenity": "doctors", "healthcare": "doctor",
                                         "healthcare:speciality": "cardiology;dermatology"}),
    ("hospital", ["maternity", "emergency_room"], {"amenity": "hospital", "healthcare": "hospital", "emergency": "yes",
                                                   "healthcare:speciality": "gynaecology;obstetrics"}),
])
def test_category_tags(primary: str, additional: list[str], expected: dict[str, str]) -> None:
    tags = render(est(categories={"primary": primary, "additional": additional})).payload
    assert {k: v for k, v in tags.items() if k in ("amenity", "healthcare", "healthcare:speciality", "emergency")} == expected


def test_conflicting_additional_category_is_reported() -> None:
    rendering = render(est(categories={"primary": "pharmacy", "additional": ["optician"]}))
    assert rendering.payload["amenity"] == "pharmacy" and rendering.payload["shop"] == "optician"
    rendering = render(est(categories={"primary": "pharmacy", "additional": ["medical_center"]}))
    assert rendering.payload["amenity"] == "pharmacy"
    assert "amenity=clinic" in rendering.unsupported["categories"]


def test_managed_keys() -> None:
    assert all(managed(k) for k in ("name", "addr:street", "opening_hours", "amenity", "disused:amenity",
                                    "healthcare:speciality", "emergency"))
    assert not any(managed(k) for k in ("wheelchair", "wikidata", "operator", "building", "disused:name", "ref:FR:FINESS"))


def test_differing_keys_is_lenient_on_formatting_only() -> None:
    pushed = {"name": "A", "phone": "+33 1 23 45 67 89", "opening_hours": "Mo-Fr 08:00-18:00"}
    assert differing_keys(pushed, {"name": "A", "phone": "+33123456789", "opening_hours": "Mo-Fr 08:00-18:00 "}) == []
    assert differing_keys(pushed, {"name": "B", "phone": "+33 1 23 45 67 80"}) == ["name", "opening_hours", "phone"]
