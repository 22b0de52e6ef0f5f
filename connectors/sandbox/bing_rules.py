"""Validation of a Bing Places partner-API `Business` (UNVERIFIED: our reading of the partner PDF).

Errors are `{Field, Message}` items of the business's result. Required fields, formats and the
rejection of unknown fields are our choices, shared with `connectors/bing/mapping.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .core import phone_ok

FIELDS = ("StoreId", "BusinessName", "AddressLine1", "AddressLine2", "City", "StateOrProvince", "ZipCode", "Country",
          "PhoneNumber", "Categories", "Latitude", "Longitude", "MainWebSite", "OperatingHours", "HolidayHours", "IsClosed")
REQUIRED = ("StoreId", "BusinessName", "AddressLine1", "City", "Country", "Categories")
MAX_LENGTH = {"StoreId": 64, "BusinessName": 200, "AddressLine1": 200, "AddressLine2": 200, "City": 100,
              "StateOrProvince": 100, "ZipCode": 16}
_CLOCK = r"(0[1-9]|1[0-2]):[0-5][0-9] (AM|PM)"
CLOCK = re.compile(rf"^{_CLOCK}$")
HOURS = re.compile(rf"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_CLOCK}-{_CLOCK}$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?$", re.IGNORECASE)


def validate_business(business: Any) -> list[dict[str, str]]:
    if not isinstance(business, dict):
        return [{"Field": "Businesses", "Message": "Each business must be an object."}]
    errors: list[dict[str, str]] = []

    def fail(field: str, message: str) -> None:
        errors.append({"Field": field, "Message": message})

    for key in business:
        if key not in FIELDS:
            fail(key, f"Unknown field {key}.")
    for key in REQUIRED:
        if business.get(key) in (None, "", []):
            fail(key, f"{key} is required.")
    for key, limit in MAX_LENGTH.items():
        value = business.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            fail(key, f"{key} must be a string of at most {limit} characters.")
    country = business.get("Country")
    if isinstance(country, str) and not re.fullmatch(r"[A-Z]{2}", country):
        fail("Country", "Country must be an ISO 3166-1 alpha-2 code.")
    if business.get("PhoneNumber") is not None and not phone_ok(business["PhoneNumber"]):
        fail("PhoneNumber", "PhoneNumber is not a valid phone number.")
    if business.get("MainWebSite") is not None and not (isinstance(business["MainWebSite"], str) and _URL.match(business["MainWebSite"])):
        fail("MainWebSite", "MainWebSite must be an http or https URL.")
    for key, limit in (("Latitude", 90), ("Longitude", 180)):
        value = business.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > limit):
            fail(key, f"{key} must be a number within ±{limit}.")
    if ("Latitude" in business) != ("Longitude" in business):
        fail("Latitude", "Latitude and Longitude go together.")
    categories = business.get("Categories")
    if categories is not None:
        if not isinstance(categories, list) or len(categories) > 10:
            fail("Categories", "Categories must be a list of at most 10 categories.")
        else:
            for i, category in enumerate(categories):
                if not isinstance(category, dict) or not (category.get("CategoryName") or category.get("BPCategoryId")):
                    fail(f"Categories[{i}]", "A category needs a CategoryName or a BPCategoryId.")
    hours = business.get("OperatingHours")
    if hours is not None:
        if not isinstance(hours, list):
            fail("OperatingHours", "OperatingHours must be a list.")
        else:
            for i, line in enumerate(hours):
                if not isinstance(line, str) or not HOURS.match(line):
                    fail(f"OperatingHours[{i}]", f"{line!r} is not like 'Mon 08:00 AM-08:00 PM'.")
    holidays = business.get("HolidayHours")
    if holidays is not None:
        if not isinstance(holidays, list):
            fail("HolidayHours", "HolidayHours must be a list.")
            holidays = []
        for i, entry in enumerate(holidays):
            where = f"HolidayHours[{i}]"
            if not isinstance(entry, dict):
                fail(where, "must be an object.")
                continue
            try:
                dt.date.fromisoformat(str(entry.get("Date")))
            except ValueError:
                fail(f"{where}.Date", "Date must be YYYY-MM-DD.")
            if not isinstance(entry.get("IsClosed"), bool):
                fail(f"{where}.IsClosed", "IsClosed must be true or false.")
            elif not entry["IsClosed"]:
                for key in ("OpenTime", "CloseTime"):
                    if not isinstance(entry.get(key), str) or not CLOCK.match(entry[key]):
                        fail(f"{where}.{key}", f"{key} must be like '08:00 AM'.")
    if "IsClosed" in business and not isinstance(business["IsClosed"], bool):
        fail("IsClosed", "IsClosed must be true or false.")
    return errors
