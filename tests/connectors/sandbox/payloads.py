"""Request bodies and headers shared by the sandbox tests."""

from __future__ import annotations

import copy
from typing import Any

GOOGLE = {"Authorization": "Bearer sandbox-google-token"}
FACEBOOK_TOKEN = "sandbox-facebook-token"
FACEBOOK = {"Authorization": f"Bearer {FACEBOOK_TOKEN}"}
PARENT_PAGE = "100000000000001"
APPLE_CLIENT = {"client_id": "sandbox-apple-client", "client_secret": "sandbox-apple-secret",
                "grant_type": "client_credentials", "scope": "business"}


def period(day: str, open_hours: int, close_hours: int, close_day: str | None = None, open_minutes: int = 0) -> dict[str, Any]:
    return {"openDay": day, "openTime": {"hours": open_hours, "minutes": open_minutes},
            "closeDay": close_day or day, "closeTime": {"hours": close_hours}}


def google_location(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Clinique du Parc",
        "storeCode": "EST-1",
        "languageCode": "fr",
        "storefrontAddress": {"regionCode": "FR", "addressLines": ["12 rue du Parc"], "locality": "Lyon", "postalCode": "69006"},
        "categories": {"primaryCategory": {"name": "categories/gcid:hospital"}},
        "phoneNumbers": {"primaryPhone": "+33 4 72 00 00 00", "additionalPhones": ["04 72 00 00 01"]},
        "websiteUri": "https://clinique-du-parc.example.fr",
        "regularHours": {"periods": [period("MONDAY", 8, 19), period("TUESDAY", 8, 19)]},
    }
    body.update(copy.deepcopy(overrides))
    return body


def apple_details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "partnersLocationId": "EST-1",
        "displayNames": [{"name": "Clinique du Parc", "locale": "fr-FR", "primary": True}],
        "mainAddress": {"structuredAddress": {"fullThoroughfare": "12 rue du Parc", "locality": "Lyon", "postCode": "69006", "countryCode": "FR"}},
        "displayPoint": {"coordinates": {"latitude": "45.77000", "longitude": "4.85000"}},
        "phoneNumbers": [{"phoneNumber": "+33472000000", "type": "VOICE", "primary": True}],
        "urls": [{"url": "https://clinique-du-parc.example.fr", "type": "HOMEPAGE"}],
        "categories": ["health.hospital"],
        "openingHoursByDay": [{"day": "MONDAY", "times": [{"startTime": "08:00", "endTime": "19:00"}]}],
    }
    details.update(copy.deepcopy(overrides))
    return details
