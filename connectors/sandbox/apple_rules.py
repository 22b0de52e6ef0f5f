"""Validation of Apple Business Connect ``locationDetails``.

Errors are Apple's error objects ``{code, message, context: {field}, details}``. The required
fields and shapes come from platforms.md; the ``VALIDATION__*`` code names, the enums beyond
those platforms.md lists, the length limits and the rejection of unknown fields are UNVERIFIED.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .core import phone_ok

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
PHONE_TYPES = ("LANDLINE", "MOBILE", "FAX", "TOLL_FREE", "TTY")
STATUSES = ("OPEN", "CLOSED", "TEMPORARILY_CLOSED")
KNOWN_FIELDS = ("partnersLocationId", "businessId", "internalNickname", "storeCode", "displayNames", "mainAddress",
                "displayPoint", "phoneNumbers", "urls", "categories", "openingHoursByDay", "specialHours",
                "locationStatus", "locationDescriptions", "paymentMethods")
REQUIRED = "VALIDATION__REQUIRED_FIELD_MISSING"
INVALID = "VALIDATION__INVALID_VALUE"
TYPE = "VALIDATION__INVALID_TYPE"
UNKNOWN = "VALIDATION__UNKNOWN_FIELD"

_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_LOCALE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?$", re.IGNORECASE)


def error(code: str, field: str, message: str, details: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message, "context": {"field": field}}
    if details is not None:
        out["details"] = details
    return out


class _Check:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def fail(self, code: str, field: str, message: str, details: Any = None) -> None:
        self.errors.append(error(code, field, message, details))

    def string(self, obj: dict[str, Any], key: str, path: str, required: bool = True) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(REQUIRED, f"{path}.{key}", f"{key} is required.")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(TYPE if not isinstance(value, str) else INVALID, f"{path}.{key}", f"{key} must be a non-empty string.")
            return None
        return value

    def items(self, obj: dict[str, Any], key: str, path: str, required: bool = False) -> list[Any]:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(REQUIRED, f"{path}.{key}", f"{key} is required.")
            return []
        if not isinstance(value, list):
            self.fail(TYPE, f"{path}.{key}", f"{key} must be an array.")
            return []
        if required and not value:
            self.fail(REQUIRED, f"{path}.{key}", f"{key} must not be empty.")
        return value

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(TYPE, path, "must be an object.")
            return {}
        return value

    def date(self, obj: dict[str, Any], key: str, path: str, required: bool) -> dt.date | None:
        value = self.string(obj, key, path, required)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(INVALID, f"{path}.{key}", f"{key} must be a date YYYY-MM-DD.")
            return None

    def hours(self, days: list[Any], path: str) -> None:
        for i, entry in enumerate(days):
            entry = self.obj(entry, f"{path}[{i}]")
            if entry.get("day") not in DAYS:
                self.fail(INVALID, f"{path}[{i}].day", f"day must be one of {', '.join(DAYS)}.", {"value": entry.get("day")})
            for j, span in enumerate(self.items(entry, "times", f"{path}[{i}]")):
                span = self.obj(span, f"{path}[{i}].times[{j}]")
                for key in ("startTime", "endTime"):
                    value = span.get(key)
                    if not isinstance(value, str) or not (_TIME.match(value) or (key == "endTime" and value == "24:00")):
                        self.fail(INVALID, f"{path}[{i}].times[{j}].{key}", f"{key} must be a time HH:MM.", {"value": value})


def validate_details(details: Any) -> list[dict[str, Any]]:
    c = _Check()
    p = "locationDetails"
    if not isinstance(details, dict):
        c.fail(REQUIRED if details is None else TYPE, p, "locationDetails is required and must be an object.")
        return c.errors
    for key in details:
        if key not in KNOWN_FIELDS:
            c.fail(UNKNOWN, f"{p}.{key}", f"Unknown field {key}.")
    c.string(details, "partnersLocationId", p)
    names = c.items(details, "displayNames", p, required=True)
    for i, name in enumerate(names):
        name = c.obj(name, f"{p}.displayNames[{i}]")
        c.string(name, "name", f"{p}.displayNames[{i}]")
        locale = c.string(name, "locale", f"{p}.displayNames[{i}]")
        if locale and not _LOCALE.match(locale):
            c.fail(INVALID, f"{p}.displayNames[{i}].locale", "locale must be a language tag such as fr-FR.")
    if names and sum(1 for n in names if isinstance(n, dict) and n.get("primary") is True) != 1:
        c.fail(INVALID, f"{p}.displayNames", "Exactly one display name must be primary.")
    if details.get("mainAddress") is None:
        c.fail(REQUIRED, f"{p}.mainAddress", "mainAddress is required.")
    else:
        address = c.obj(details["mainAddress"], f"{p}.mainAddress")
        if address.get("structuredAddress") is None:
            c.fail(REQUIRED, f"{p}.mainAddress.structuredAddress", "structuredAddress is required.")
        else:
            structured = c.obj(address["structuredAddress"], f"{p}.mainAddress.structuredAddress")
            where = f"{p}.mainAddress.structuredAddress"
            country = c.string(structured, "countryCode", where)
            if country and not _COUNTRY.match(country):
                c.fail(INVALID, f"{where}.countryCode", "countryCode must be an ISO 3166-1 alpha-2 code.")
            c.string(structured, "locality", where)
            c.string(structured, "postCode", where)
    if details.get("displayPoint") is not None:
        coordinates = c.obj(c.obj(details["displayPoint"], f"{p}.displayPoint").get("coordinates"), f"{p}.displayPoint.coordinates")
        for key, limit in (("latitude", 90), ("longitude", 180)):
            value = coordinates.get(key)
            try:
                ok = isinstance(value, str) and abs(float(value)) <= limit
            except ValueError:
                ok = False
            if not ok:
                c.fail(INVALID if isinstance(value, str) else TYPE, f"{p}.displayPoint.coordinates.{key}",
                       f"{key} must be a string holding a number within ±{limit}.", {"value": value})
    phones = c.items(details, "phoneNumbers", p)
    for i, phone in enumerate(phones):
        phone = c.obj(phone, f"{p}.phoneNumbers[{i}]")
        number = c.string(phone, "phoneNumber", f"{p}.phoneNumbers[{i}]")
        if number and not phone_ok(number):
            c.fail(INVALID, f"{p}.phoneNumbers[{i}].phoneNumber", "phoneNumber is not a valid phone number.")
        if phone.get("type") not in PHONE_TYPES:
            c.fail(INVALID, f"{p}.phoneNumbers[{i}].type", f"type must be one of {', '.join(PHONE_TYPES)}.", {"value": phone.get("type")})
    if sum(1 for ph in phones if isinstance(ph, dict) and ph.get("primary") is True) > 1:
        c.fail(INVALID, f"{p}.phoneNumbers", "At most one phone number can be primary.")
    for i, url in enumerate(c.items(details, "urls", p)):
        url = c.obj(url, f"{p}.urls[{i}]")
        value = c.string(url, "url", f"{p}.urls[{i}]")
        if value and not _URL.match(value):
            c.fail(INVALID, f"{p}.urls[{i}].url", "url must be an http or https URL.")
        if not isinstance(url.get("type"), str) or not re.match(r"^[A-Z_]+$", url["type"]):
            c.fail(INVALID, f"{p}.urls[{i}].type", "type is required, e.g. HOMEPAGE.")
    for i, category in enumerate(c.items(details, "categories", p, required=True)):
        if not isinstance(category, str) or not category.strip():
            c.fail(INVALID, f"{p}.categories[{i}]", "A category must be a non-empty string.")
    c.hours(c.items(details, "openingHoursByDay", p), f"{p}.openingHoursByDay")
    for i, special in enumerate(c.items(details, "specialHours", p)):
        special = c.obj(special, f"{p}.specialHours[{i}]")
        start = c.date(special, "startDate", f"{p}.specialHours[{i}]", True)
        end = c.date(special, "endDate", f"{p}.specialHours[{i}]", False)
        if start and end and end < start:
            c.fail(INVALID, f"{p}.specialHours[{i}].endDate", "endDate must not be before startDate.")
        c.hours(c.items(special, "hoursByDay", f"{p}.specialHours[{i}]"), f"{p}.specialHours[{i}].hoursByDay")
    if details.get("locationStatus") is not None:
        status = c.obj(details["locationStatus"], f"{p}.locationStatus")
        if status.get("status") not in STATUSES:
            c.fail(INVALID, f"{p}.locationStatus.status", f"status must be one of {', '.join(STATUSES)}.", {"value": status.get("status")})
        c.date(status, "closedDate", f"{p}.locationStatus", False)
        c.date(status, "reopenDate", f"{p}.locationStatus", False)
    return c.errors
