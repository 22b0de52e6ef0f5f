"""Validation of Apple Business Connect requests against Apple's published contract.

The rules are in JSON files under ``contracts/apple/``, written from Apple's reference and
guidance pages (each rule names its page in ``x-source``), never from Vitrine's connector:

* ``location.schema.json``: ``locationDetails`` of a create or an update;
* ``token_request.schema.json``: the service-account token request (JSON body, scope ``business``);
* ``locations_query.json``: the query parameters and ``ql`` filter fields of "Get Location Resources".

What JSON Schema cannot say is here, citing the same page: the date rules of Apple's Location
Status guidance (``closedDate`` not in the future, ``reopenDate`` and ``openingDate`` in the
future, ``openingDate`` at most 180 days ahead). Errors are Apple's ``{code, message, context}``;
the ``VALIDATION__*`` code names are UNVERIFIED (Apple's pages show the shape and the prefix).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

CONTRACTS = Path(__file__).parent / "contracts" / "apple"
REQUIRED = "VALIDATION__REQUIRED_FIELD_MISSING"
INVALID = "VALIDATION__INVALID_VALUE"
TYPE = "VALIDATION__INVALID_TYPE"
UNKNOWN = "VALIDATION__UNKNOWN_FIELD"
STATUS_PAGE = "https://business.apple.com/docs/api/v1/guidance/location_status"
OPENING_MAX_DAYS = 180  # STATUS_PAGE: openingDate MUST NOT be more than 180 days into the future


@lru_cache(maxsize=None)
def contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(contract(name))


def error(code: str, field: str, message: str, details: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message, "context": {"field": field}}
    if details is not None:
        out["details"] = details
    return out


def _path(prefix: str, parts: Any) -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_errors(name: str, value: Any, prefix: str) -> list[dict[str, Any]]:
    out = []
    for e in sorted(_validator(name).iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
        field = _path(prefix, e.absolute_path)
        if e.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", e.message)
            out.append(error(REQUIRED, f"{field}.{missing[0]}" if missing else field, e.message))
        elif e.validator == "additionalProperties":
            extra = re.findall(r"'([^']+)'", e.message)
            out += [error(UNKNOWN, f"{field}.{key}", f"Unknown field {key}.") for key in extra] or [error(UNKNOWN, field, e.message)]
        elif e.validator == "type":
            out.append(error(TYPE, field, e.message, {"value": e.instance}))
        else:
            out.append(error(INVALID, field, e.message, {"value": e.instance}))
    return out


def validate_details(details: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    p = "locationDetails"
    if not isinstance(details, dict):
        return [error(REQUIRED if details is None else TYPE, p, "locationDetails is required and must be an object.")]
    errors = schema_errors("location.schema.json", details, p)
    status = details.get("locationStatus")
    if isinstance(status, dict) and not errors:
        errors += _status_dates(status, today or dt.date.today(), f"{p}.locationStatus")
    return errors


def _status_dates(status: dict[str, Any], today: dt.date, where: str) -> list[dict[str, Any]]:
    """The date rules of Apple's Location Status guidance (STATUS_PAGE)."""
    def day(key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(status[key]) if key in status else None
        except ValueError:
            return None

    out = []
    closed, reopen, opening = day("closedDate"), day("reopenDate"), day("openingDate")
    kind = status.get("status")
    if kind == "CLOSED" and closed and closed > today:
        out.append(error(INVALID, f"{where}.closedDate", "closedDate must not be a future date.", {"source": STATUS_PAGE}))
    if kind == "TEMPORARILY_CLOSED" and reopen and reopen <= today:
        out.append(error(INVALID, f"{where}.reopenDate", "reopenDate must be a future date.", {"source": STATUS_PAGE}))
    if kind == "OPENING_SOON" and opening and not today < opening <= today + dt.timedelta(days=OPENING_MAX_DAYS):
        out.append(error(INVALID, f"{where}.openingDate",
                         f"openingDate must be a future date at most {OPENING_MAX_DAYS} days ahead.", {"source": STATUS_PAGE}))
    return out


def validate_token_request(content_type: str, raw: bytes) -> dict[str, Any] | list[dict[str, Any]]:
    """The parsed body, or Apple's errors: a JSON body is required (not a form)."""
    if not content_type.startswith(contract("token_request.schema.json")["x-content-type"]):
        return [error(INVALID, "Content-Type", "Content-Type must be application/json.", {"value": content_type})]
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return [error(INVALID, "body", "The request body is not valid JSON.")]
    return schema_errors("token_request.schema.json", body, "$") or body


_CLAUSE = re.compile(r'^([A-Za-z.]+)(==|!=|=in=|=gt=|=ge=|=lt=|=le=)(.+)$')


def parse_ql(ql: str) -> list[tuple[str, str, list[str]]] | dict[str, Any]:
    """``a==x;b=in=(y,z)`` -> ``[(a, "==", [x]), (b, "=in=", [y, z])]``, or Apple's error for a
    field that is not a documented filter."""
    allowed = contract("locations_query.json")["filter_fields"]
    clauses = []
    for part in _split(ql, ";"):
        match = _CLAUSE.match(part.strip())
        if not match:
            return error(INVALID, "ql", f"Malformed query clause {part!r}.")
        field, op, raw = match.groups()
        if field not in allowed:
            return error(INVALID, "ql", f"{field} is not a filterable field.", {"filterable": allowed})
        values = _split(raw[1:-1], ",") if op == "=in=" and raw.startswith("(") and raw.endswith(")") else [raw]
        clauses.append((field, op, [v.strip().strip('"') for v in values]))
    return clauses


def _split(text: str, sep: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == sep and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def values_at(item: Any, path: list[str]) -> list[Any]:
    """Every value at a dotted path, through lists (``locationDetails.displayNames.name``)."""
    if not path:
        return [item]
    if isinstance(item, list):
        return [v for sub in item for v in values_at(sub, path)]
    if isinstance(item, dict) and path[0] in item:
        return values_at(item[path[0]], path[1:])
    return []


def matches(resource: dict[str, Any], clauses: list[tuple[str, str, list[str]]]) -> bool:
    for field, op, wanted in clauses:
        found = [str(v) for v in values_at(resource, field.split("."))]
        if op == "==" and wanted[0] not in found or op == "=in=" and not set(found) & set(wanted):
            return False
        if op == "!=" and wanted[0] in found:
            return False
        compare = {"=gt=": str.__gt__, "=ge=": str.__ge__, "=lt=": str.__lt__, "=le=": str.__le__}.get(op)
        if compare and not any(compare(v, wanted[0]) for v in found):
            return False
    return True
