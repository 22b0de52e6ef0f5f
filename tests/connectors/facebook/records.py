"""Canonical records for the Facebook tests."""

from __future__ import annotations

from typing import Any

from schemas import Establishment


def record(code: str = "CLI-075-001", **overrides: Any) -> Establishment:
    base: dict[str, Any] = {
        "store_code": code,
        "name": "Clinique du Parc",
        "address": {"lines": ["12 rue Oberkampf"], "postal_code": "75011", "locality": "Paris", "country": "FR"},
        "geo": {"lat": 48.8656, "lng": 2.3781},
        "phones": {"primary": "+33123456789"},
        "website": "https://www.clinique-du-parc.fr/",
        "email": "contact@clinique-du-parc.fr",
        "categories": {"primary": "private_clinic"},
        "description": "Clinique privée de chirurgie ambulatoire.",
        "hours": {"regular": {"monday": [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}],
                              "saturday": [{"open": "09:00", "close": "12:00"}]}},
    }
    base.update(overrides)
    return Establishment.model_validate(base)


def week(**days: list[tuple[str, str]]) -> dict[str, Any]:
    return {"regular": {day: [{"open": o, "close": c} for o, c in ranges] for day, ranges in days.items()}}
