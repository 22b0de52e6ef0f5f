"""Graph API parameter checking for Pages, against Meta's own contract.

Which parameters ``POST /{page-id}`` and ``POST /{page-id}/locations`` take, with which types,
and which fields a read may name, come from ``contracts/facebook/page.json``, generated from
Meta's official Business SDK (``facebook-business``: ``Page.api_update``, ``Page.create_location``,
``Page.Field``) by ``contracts/facebook/generate.py``: not from Vitrine's connector. An unknown
parameter, or a value of the wrong SDK type (``store_number`` is an ``unsigned int``), gets
Graph's error #100. The finer rules on some values (hours keys, location keys, category ids,
phone and URL shape) are this module's own, and UNVERIFIED where marked.

``clean`` raises ``ValueError(message)``; the emulator turns it into a Graph error 100.
Form-encoded values arrive as strings: objects and lists are JSON strings, booleans
``true``/``false``/``1``/``0``, as the Graph API accepts them.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .core import phone_ok

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEMPORARY_STATUS = ("OPERATING_AS_USUAL", "TEMPORARILY_CLOSED", "DIFFERENTLY_OPEN", "NO_DATA")
LOCATION_KEYS = ("street", "city", "state", "zip", "country", "latitude", "longitude", "city_id")
CONTRACT = Path(__file__).parent / "contracts" / "facebook" / "page.json"
# what the emulator keeps of a page (admin edits and proposals may set these)
WRITABLE = ("phone", "website", "location", "hours", "is_always_open", "is_permanently_closed",
            "temporary_status", "about", "description", "emails", "category_list")
MAX_CATEGORIES = 3  # UNVERIFIED: the usual "up to 3 categories per Page"
META_PARAMS = ("access_token", "appsecret_proof", "format", "method", "pretty", "suppress_http_code", "transport")
# a location create's parameter -> the Page field it sets (names from Page.create_location / Page.Field)
CREATE_TO_FIELD = {"always_open": "is_always_open", "permanently_closed": "is_permanently_closed"}


@lru_cache(maxsize=1)
def contract() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


def param_types(method: str) -> dict[str, str]:
    """``update`` (POST /{page-id}) or ``create_location`` (POST /{page-id}/locations)."""
    return contract()["methods"][method]["param_types"]


def readable(name: str) -> bool:
    return name in contract()["page_fields"]

_HOURS_KEY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)_(\d+)_(open|close)$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_WEBSITE = re.compile(r"^(https?://)?[^\s/?#]+\.[^\s/?#]{2,}([/?#]\S*)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CATEGORY_ID = re.compile(r"^[1-9][0-9]{0,19}$")


def parse_fields(raw: str | None, default: str) -> list[tuple[str, list[str] | None]]:
    """``id,location{city,zip}`` -> ``[("id", None), ("location", ["city", "zip"])]``."""
    out: list[tuple[str, list[str] | None]] = []
    for match in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)(\{([^{}]*)\})?", raw or default):
        sub = [s.strip() for s in match.group(3).split(",") if s.strip()] if match.group(2) else None
        out.append((match.group(1), sub))
    return out


def _json(value: Any, name: str, kind: type) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"(#100) param {name} must be a JSON {kind.__name__}") from None
    if not isinstance(value, kind):
        raise ValueError(f"(#100) param {name} must be a JSON {kind.__name__}")
    return value


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise ValueError(f"(#100) param {name} must be a boolean")


def _minutes(value: str) -> int:
    return 1440 if value == "24:00" else int(value[:2]) * 60 + int(value[3:])


def clean_hours(value: Any) -> dict[str, str]:
    hours = _json(value, "hours", dict)
    ranges: dict[tuple[str, int], dict[str, str]] = {}
    for key, time in hours.items():
        match = _HOURS_KEY.match(key)
        if not match:
            raise ValueError(f"(#100) param hours has an invalid key: {key}")
        day, index, side = match.group(1), int(match.group(2)), match.group(3)
        if index not in (1, 2):
            raise ValueError(f"(#100) param hours: at most 2 time ranges a day ({key})")
        if not isinstance(time, str) or not (_TIME.match(time) or (side == "close" and time == "24:00")):
            raise ValueError(f"(#100) param hours[{key}] must be a time HH:MM")
        ranges.setdefault((day, index), {})[side] = time
    for (day, index), pair in ranges.items():
        if set(pair) != {"open", "close"}:
            raise ValueError(f"(#100) param hours: {day}_{index} needs both an open and a close time")
        if pair["open"] == pair["close"]:
            raise ValueError(f"(#100) param hours: {day}_{index} opens and closes at the same time")
        if index == 2:
            first = ranges.get((day, 1))
            if first is None:
                raise ValueError(f"(#100) param hours: {day}_2 given without {day}_1")
            first_end = _minutes(first["close"])
            if first_end <= _minutes(first["open"]) or _minutes(pair["open"]) < first_end:
                raise ValueError(f"(#100) param hours: the time ranges of {day} overlap")
    return {k: hours[k] for k in sorted(hours, key=lambda k: (DAYS.index(k[:3]), k))}


def clean_location(value: Any) -> dict[str, Any]:
    location = _json(value, "location", dict)
    out: dict[str, Any] = {}
    for key, item in location.items():
        if key not in LOCATION_KEYS:
            raise ValueError(f"(#100) param location[{key}] is not a valid location field")
        if key in ("latitude", "longitude"):
            try:
                number = float(item)
            except (TypeError, ValueError):
                raise ValueError(f"(#100) param location[{key}] must be a number") from None
            if abs(number) > (90 if key == "latitude" else 180):
                raise ValueError(f"(#100) param location[{key}] is out of range")
            out[key] = number
        else:
            out[key] = str(item)
    return out


def clean_category_list(value: Any) -> list[str]:
    """``["133152263416981"]`` (Graph's ``list<numeric string>``; numbers are taken too): 1 to
    ``MAX_CATEGORIES`` distinct ids. Whether an id names a real Page category is not checked:
    the sandbox has no copy of Meta's category list."""
    items = _json(value, "category_list", list)
    ids = [str(item) for item in items if isinstance(item, (str, int)) and not isinstance(item, bool)]
    if len(ids) != len(items) or not all(_CATEGORY_ID.match(i) for i in ids):
        raise ValueError("(#100) param category_list must be a list of numeric category ids")
    if not 1 <= len(ids) <= MAX_CATEGORIES:
        raise ValueError(f"(#100) param category_list must contain between 1 and {MAX_CATEGORIES} categories")
    if len(set(ids)) != len(ids):
        raise ValueError("(#100) param category_list contains the same category twice")
    return ids


def _typed(name: str, value: Any, kind: str) -> Any:
    """A value checked against its SDK type (``string``, ``bool``, ``unsigned int``, ``int``,
    ``float``, ``map``, ``Object``, ``list<...>``, ``<x>_enum``)."""
    if kind == "bool":
        return _bool(value, name)
    if kind in ("unsigned int", "int"):
        text = str(value).strip() if not isinstance(value, bool) else ""
        if not re.fullmatch(r"\d+" if kind == "unsigned int" else r"-?\d+", text):
            raise ValueError(f"(#100) param {name} must be a{'n unsigned' if kind == 'unsigned int' else 'n'} integer")
        return int(text)
    if kind == "float":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"(#100) param {name} must be a number") from None
    if kind in ("map", "Object"):
        return _json(value, name, dict)
    if kind.startswith("list<"):
        lenient = name == "emails" and isinstance(value, str) and not value.startswith("[")  # one address
        items = [value] if lenient else _json(value, name, list)
        if name == "category_list":  # ids as strings or numbers: clean_category_list says what is wrong
            return items
        return [_typed(name, item, kind[5:-1]) for item in items]
    if kind.endswith("_enum"):
        allowed = contract()["enums"].get(kind, [])
        if value not in allowed:
            raise ValueError(f"(#100) param {name} must be one of {', '.join(allowed)}")
        return value
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise ValueError(f"(#100) param {name} must be a non-empty string")
    return str(value)


def clean(params: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The parameters of an update (``creating`` False) or a location create, checked against
    the SDK's ``param_types`` and then by value; a create's names are returned as given."""
    types = param_types("create_location" if creating else "update")
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name in META_PARAMS:
            continue
        if name not in types:
            raise ValueError(f"(#100) Param {name} is not a valid parameter for this request")
        value = _typed(name, value, types[name])
        if name == "hours":
            out[name] = clean_hours(value)
        elif name == "location":
            out[name] = clean_location(value)
        elif name == "category_list":
            out[name] = clean_category_list(value)
        elif name == "phone":
            if not phone_ok(value):
                raise ValueError("(#100) param phone must be a valid phone number")
            out[name] = value
        elif name == "website":
            if not _WEBSITE.match(value):
                raise ValueError("(#100) param website must be a valid URL")
            out[name] = value
        elif name == "emails":
            if not all(_EMAIL.match(e) for e in value):
                raise ValueError("(#100) param emails must be a list of valid email addresses")
            out[name] = value
        else:
            out[name] = value
    if creating and "location_page_id" not in out and "location" not in out:  # UNVERIFIED: which are required
        raise ValueError("(#100) The parameter location is required")
    return out


def single_line_address(location: dict[str, Any]) -> str:
    city = " ".join(str(location[k]) for k in ("zip", "city") if location.get(k))
    return ", ".join(p for p in (location.get("street"), city, location.get("country")) if p)
