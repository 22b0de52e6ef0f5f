"""Valid canonical records for tests."""

from typing import Any


def record(code: str = "CLI-075-001", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "store_code": code,
        "name": "Clinique du Parc",
        "address": {"lines": ["12 rue Oberkampf"], "postal_code": "75011", "locality": "Paris", "country": "FR"},
        "geo": {"lat": 48.8656, "lng": 2.3781},
        "phones": {"primary": "+33123456789", "additional": []},
        "website": "https://www.clinique-du-parc.fr/",
        "email": "contact@clinique-du-parc.fr",
        "categories": {"primary": "private_clinic", "additional": ["emergency_room"]},
        "hours": {"regular": {"monday": [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}]}},
        "labels": ["Pôle Île-de-France"],
    }
    base.update(overrides)
    return base
