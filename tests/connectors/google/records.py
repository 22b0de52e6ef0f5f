"""Canonical records for the Google connector tests."""

from __future__ import annotations

from typing import Any

from schemas import Establishment

ALL_DAY = [{"open": "00:00", "close": "24:00"}]


def record(**overrides: Any) -> Establishment:
    """A minimal valid record (only the required fields), with `overrides` on top."""
    data: dict[str, Any] = {
        "store_code": "CLI-075-001",
        "name": "Clinique du Parc",
        "address": {"lines": ["12 rue Oberkampf"], "postal_code": "75011", "locality": "Paris", "country": "FR"},
        "categories": {"primary": "private_clinic"},
    }
    data.update(overrides)
    return Establishment.model_validate(data)


def full(**overrides: Any) -> Establishment:
    """Every field Google takes, plus e-mail and photos that it does not."""
    data: dict[str, Any] = {
        "name": "Clinique du Parc",
        "address": {"lines": ["12 rue Oberkampf", "Bâtiment B"], "postal_code": "75011", "locality": "Paris",
                    "region": "Île-de-France", "country": "FR"},
        "geo": {"lat": 48.8656, "lng": 2.3781},
        "phones": {"primary": "+33123456789", "additional": ["+33612345678"]},
        "website": "https://www.clinique-du-parc.fr/",
        "email": "contact@clinique-du-parc.fr",
        "categories": {"primary": "private_clinic", "additional": ["emergency_room", "medical_imaging"]},
        "description": "Clinique pluridisciplinaire au cœur du 11e arrondissement.",
        "hours": {
            "regular": {
                "monday": [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:30"}],
                "tuesday": [{"open": "08:00", "close": "19:30"}],
            },
            "special": [{"start_date": "2026-12-25", "closed": True}],
        },
        "photos": [{"url": "https://cdn.example.fr/facade.jpg", "kind": "exterior"}],
    }
    data.update(overrides)
    return record(**data)
