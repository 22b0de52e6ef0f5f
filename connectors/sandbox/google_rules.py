"""Google Business Profile rules the discovery document cannot express, and field-mask helpers.

Violations are Google ``fieldViolations`` entries whose ``field`` is the proto-style path Google's
front end reports (``location.regular_hours.periods[0].close_time``). The exact wording of the
descriptions, and which of these rules Google reports as one or many violations, are
UNVERIFIED; the rules themselves come from platforms.md and the discovery document's text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from .core import MISSING, PlatformError, get_path, json_response, phone_ok, set_path
from .discovery import proto_path

DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
WEEK = 7 * 1440


_URI = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?$", re.IGNORECASE)
_CATEGORY = re.compile(r"^categories/gcid:[a-z0-9_]+$")
_REGION = re.compile(r"^[A-Z]{2}$")

T = TypeVar("T")
STATUS_CODES = {"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403,
                "NOT_FOUND": 404, "RESOURCE_EXHAUSTED": 429, "INTERNAL": 500, "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504}
WHOLE_ONLY = ("phoneNumbers", "categories")  # platforms.md: replaced whole
IMMUTABLE = ("languageCode",)
OUTPUT_ONLY = ("name", "metadata")


# ---------------------------------------------------------------- paths and masks

def camel(path: str) -> str:
    return ".".join(re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), part) for part in path.split("."))


def parse_mask(raw: str | None) -> list[str]:
    if not raw:
        return []
    out: list[str] = []
    for part in raw.split(","):
        path = camel(part.strip())
        if path and path not in out:
            out.append(path)
    return out


def select(data: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """Only the masked paths of ``data`` (``*`` = everything)."""
    if "*" in paths:
        return data
    out: dict[str, Any] = {}
    for path in paths:
        value = get_path(data, path)
        if value is not MISSING:
            set_path(out, path, value)
    return out


def mask_violations(discovery: Any, paths: list[str], param: str, *, for_update: bool) -> list[dict[str, str]]:
    out = []
    for path in paths:
        top = path.split(".")[0]
        if path == "*" and not for_update:
            continue
        if discovery.resolve("Location", path) is None:
            problem = f"Invalid field mask path: \"{path}\" is not a field of Location."
        elif for_update and top in OUTPUT_ONLY:
            problem = f"Field \"{path}\" is output only and cannot be updated."
        elif for_update and top in IMMUTABLE:
            problem = f"Field \"{path}\" is immutable and cannot be updated."
        elif for_update and top in WHOLE_ONLY and path != top:
            problem = f"Field \"{top}\" can only be updated as a whole: use \"{top}\" in {param}."
        else:
            continue
        out.append({"field": param, "description": problem})
    return out


APPROVED_ONLY = "can only be updated by approved clients"  # discovery: Location.latlng
BOTH_ON_UPDATE = "During updates, both fields must be set"  # discovery: PhoneNumbers


def update_violations(discovery: Any, paths: list[str], body: dict[str, Any], *, approved: bool) -> list[dict[str, str]]:
    """Rules the discovery document states in words, read from its descriptions (not listed
    here by field): a field that "can only be updated by approved clients" is refused in an
    update mask unless the sandbox plays an approved client; a message whose description says
    "During updates, both fields must be set" must carry all its fields in the body."""
    out = []
    for path in paths:
        top = path.split(".")[0]
        prop = discovery.resolve("Location", top) or {}
        if not approved and APPROVED_ONLY in prop.get("description", ""):
            out.append({"field": "update_mask", "description": f"Field \"{top}\" {APPROVED_ONLY}."})
        schema = discovery.schemas.get(prop.get("$ref", ""), {})
        if BOTH_ON_UPDATE in schema.get("description", "") and isinstance(body.get(top), dict):
            missing = [name for name in schema.get("properties", {}) if name not in body[top]]
            out += [_v([top, name], f"{BOTH_ON_UPDATE}: {name} is missing.") for name in missing]
    return out


# ---------------------------------------------------------------- semantic rules

def _v(path: list[Any], description: str) -> dict[str, str]:
    return {"field": proto_path("location", path), "description": description}


def _minutes(time: Any, path: list[Any], *, closing: bool, out: list[dict[str, str]]) -> int | None:
    if not isinstance(time, dict):
        out.append(_v(path, "A time of day is required."))
        return None
    hours, minutes = time.get("hours", 0), time.get("minutes", 0)
    extra = time.get("seconds", 0) or time.get("nanos", 0)
    if not 0 <= hours <= 24 or not 0 <= minutes <= 59:
        out.append(_v(path, "Hours must be between 0 and 24 and minutes between 0 and 59."))
        return None
    if hours == 24 and (minutes or extra or not closing):
        out.append(_v(path, "24:00 is only valid as a closing time."))
        return None
    return hours * 60 + minutes


def check_periods(periods: Any, base: list[Any], out: list[dict[str, str]]) -> None:
    spans: list[tuple[int, int, int]] = []
    for i, period in enumerate(periods or []):
        path = [*base, i]
        start_day, end_day = period.get("openDay"), period.get("closeDay")
        bad = False
        for key, day in (("openDay", start_day), ("closeDay", end_day)):
            if day not in DAYS:
                out.append(_v([*path, key], "A day of the week is required."))
                bad = True
        start = _minutes(period.get("openTime"), [*path, "openTime"], closing=False, out=out)
        end = _minutes(period.get("closeTime"), [*path, "closeTime"], closing=True, out=out)
        if bad or start is None or end is None:
            continue
        opens = DAYS.index(start_day) * 1440 + start
        length = (DAYS.index(end_day) * 1440 + end - opens) % WEEK
        if not 0 < length <= 1440:
            out.append(_v(path, "A period must close after it opens, on the same day or the next day."))
            continue
        spans.append((opens, opens + length, i))
    spans.sort()
    for (s1, e1, _), (s2, _e2, j) in zip(spans, spans[1:]):
        if s2 < e1:
            out.append(_v([*base, j], "Periods must not overlap."))
    if spans:
        first, last = spans[0], spans[-1]
        if last[1] > WEEK and last[1] - WEEK > first[0] and last[2] != first[2]:
            out.append(_v([*base, first[2]], "Periods must not overlap."))


def _date(value: Any, path: list[Any], out: list[dict[str, str]]) -> dt.date | None:
    try:
        return dt.date(value["year"], value["month"], value["day"])
    except (KeyError, TypeError, ValueError):
        out.append(_v(path, "A complete, valid date (year, month, day) is required."))
        return None


def check_special(special: Any, out: list[dict[str, str]]) -> None:
    for i, period in enumerate((special or {}).get("specialHourPeriods", [])):
        path = ["specialHours", "specialHourPeriods", i]
        start = _date(period.get("startDate"), [*path, "startDate"], out)
        end = _date(period["endDate"], [*path, "endDate"], out) if "endDate" in period else start
        if start and end and end < start:
            out.append(_v([*path, "endDate"], "The end date must not be before the start date."))
        if period.get("closed"):
            continue
        opens = _minutes(period.get("openTime"), [*path, "openTime"], closing=False, out=out)
        closes = _minutes(period.get("closeTime"), [*path, "closeTime"], closing=True, out=out)
        if opens is not None and closes is not None and closes <= opens and (start is None or end == start):
            out.append(_v(path, "The closing time must be after the opening time."))


def check_location(data: dict[str, Any], fields: set[str] | None, *, creating: bool) -> list[dict[str, str]]:
    """Violations of Google's rules in ``data`` (the location as it would be after the change);
    ``fields`` = top-level fields the request sets (None: all of them)."""
    out: list[dict[str, str]] = []

    def touched(name: str) -> bool:
        return fields is None or name in fields

    if touched("title"):
        title = data.get("title", "")
        if not isinstance(title, str) or not title.strip():
            out.append(_v(["title"], "Title is required."))
        elif len(title) > 100:
            out.append(_v(["title"], "Title must be at most 100 characters."))
    address = data.get("storefrontAddress")
    if touched("storefrontAddress") and address is not None:
        if len(address.get("addressLines", [])) > 5:
            out.append(_v(["storefrontAddress", "addressLines"], "At most 5 address lines are allowed."))
        region = address.get("regionCode")
        if region is not None and not _REGION.match(region):
            out.append(_v(["storefrontAddress", "regionCode"], "regionCode must be a CLDR region code such as FR."))
    if creating and get_path(data, "storefrontAddress.regionCode") in (MISSING, "") and get_path(data, "serviceArea.regionCode") in (MISSING, ""):
        out.append(_v(["storefrontAddress", "regionCode"], "regionCode is required."))
    if touched("categories"):
        categories = data.get("categories") or {}
        primary = (categories.get("primaryCategory") or {}).get("name")
        if creating or "categories" in (fields or ()):
            if not primary:
                out.append(_v(["categories", "primaryCategory", "name"], "A primary category is required."))
        named = [(["categories", "primaryCategory", "name"], primary)] if primary else []
        named += [(["categories", "additionalCategories", i, "name"], c.get("name")) for i, c in enumerate(categories.get("additionalCategories", []))]
        for path, name in named:
            if not isinstance(name, str) or not _CATEGORY.match(name):
                out.append(_v(path, f"Invalid category name {name!r}: expected categories/gcid:<id>."))
        if len(categories.get("additionalCategories", [])) > 9:
            out.append(_v(["categories", "additionalCategories"], "At most 9 additional categories are allowed."))
    if touched("phoneNumbers") and "phoneNumbers" in data:
        phones = data["phoneNumbers"]
        if "primaryPhone" in phones and not phone_ok(phones["primaryPhone"]):
            out.append(_v(["phoneNumbers", "primaryPhone"], "Phone number is invalid."))
        for i, phone in enumerate(phones.get("additionalPhones", [])):
            if not phone_ok(phone):
                out.append(_v(["phoneNumbers", "additionalPhones", i], "Phone number is invalid."))
        if len(phones.get("additionalPhones", [])) > 2:
            out.append(_v(["phoneNumbers", "additionalPhones"], "At most 2 additional phones are allowed."))
    if touched("websiteUri") and "websiteUri" in data and not _URI.match(data["websiteUri"]):
        out.append(_v(["websiteUri"], "websiteUri must be an http or https URL."))
    if touched("regularHours") and "regularHours" in data:
        check_periods(data["regularHours"].get("periods"), ["regularHours", "periods"], out)
    for i, more in enumerate(data.get("moreHours", []) if touched("moreHours") else []):
        check_periods(more.get("periods"), ["moreHours", i, "periods"], out)
    if (touched("specialHours") or touched("regularHours")) and data.get("specialHours", {}).get("specialHourPeriods"):
        if not data.get("regularHours", {}).get("periods"):
            out.append(_v(["specialHours"], "specialHours cannot be set without regularHours."))
        if touched("specialHours"):
            check_special(data["specialHours"], out)
    if touched("profile") and len(get_path(data, "profile.description") or "") > 750:
        out.append(_v(["profile", "description"], "The description must be at most 750 characters."))
    if touched("labels"):
        labels = data.get("labels", [])
        if len(labels) > 10 or any(not 1 <= len(label) <= 255 for label in labels):
            out.append(_v(["labels"], "At most 10 labels of 1 to 255 characters."))
    if touched("latlng") and "latlng" in data:
        lat, lng = data["latlng"].get("latitude", 0), data["latlng"].get("longitude", 0)
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            out.append(_v(["latlng"], "Latitude must be within [-90, 90] and longitude within [-180, 180]."))
    return out


def category_display_name(name: str) -> str:
    return name.split(":", 1)[-1].replace("_", " ").capitalize()


# ---------------------------------------------------------------- errors and responses

def google_error(status: str, message: str, details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> PlatformError:
    """Google's error envelope ``{"error": {code, message, status, details?}}``."""
    code = STATUS_CODES.get(status, 500)
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        body["details"] = details
    return PlatformError(json_response({"error": body}, code, headers))


def invalid(violations: list[dict[str, str]], message: str = "Request contains an invalid argument.") -> PlatformError:
    return google_error("INVALID_ARGUMENT", message, [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}])


def drop_defaults(value: Any) -> Any:
    """proto3 JSON: false, 0, "" and empty lists are not serialised (messages, even empty, are)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = drop_defaults(item)
            if isinstance(item, dict) or item not in (False, 0, "", [], None):
                out[key] = item
        return out
    if isinstance(value, list):
        return [drop_defaults(v) for v in value]
    return value


def matches_filter(data: dict[str, Any], expression: str | None) -> bool:
    """The subset of list filters emulated: ``path="value"`` clauses joined by AND."""
    if not expression:
        return True
    for clause in expression.split(" AND "):
        if "=" not in clause:
            raise invalid([{"field": "filter", "description": f"Unsupported filter: {clause!r}."}])
        path, value = (part.strip() for part in clause.split("=", 1))
        if get_path(data, camel(path)) != value.strip('"'):
            return False
    return True


def order_by(items: list[T], clauses: str | None, data: Callable[[T], dict[str, Any]]) -> list[T]:
    """``orderBy``: ``title`` and ``store_code``, each optionally `` desc``."""
    for clause in reversed([c.strip() for c in (clauses or "").split(",") if c.strip()]):
        key, _, direction = clause.partition(" ")
        path = {"title": "title", "store_code": "storeCode", "storeCode": "storeCode"}.get(key)
        if path is None:
            raise invalid([{"field": "order_by", "description": f"Cannot order by {key!r}: use title or store_code."}])
        items = sorted(items, key=lambda item: str(data(item).get(path, "")), reverse=direction.strip().lower() == "desc")
    return items
