"""Google discovery documents -> JSON Schema, and Google-style reports of what fails it.

The Google emulator validates request bodies against the same discovery document the
Vitrine connector is checked against (``contracts/google/mybusinessbusinessinformation.v1.json``),
so the two cannot agree on something Google would reject.

Conversion rules (discovery "schemas" are a JSON-Schema draft-03 dialect):

* ``$ref: "Name"`` -> ``{"$ref": "#/$defs/Name"}``; every schema of the document becomes a ``$defs`` entry.
* objects reject unknown properties (``additionalProperties: false``), as Google's front end
  does ("Unknown name ... Cannot find field"); discovery ``additionalProperties`` (maps) are kept.
* ``integer`` int32/uint32 get their numeric range; ``string`` int64/uint64 accept a decimal string
  or an integer (proto3 JSON accepts both); ``google-duration``, ``google-datetime``, ``date``,
  ``byte`` get a pattern; ``any`` accepts anything; enums are kept.
* ``readOnly`` (output only) fields are accepted in input and ignored, like Google does.

``null`` values are removed before validation: in proto3 JSON a null means "default".
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DISCOVERY_FILE = "mybusinessbusinessinformation.v1.json"
DISCOVERY_ENV = "VITRINE_GOOGLE_DISCOVERY"

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}
_STRING_PATTERNS = {
    "int64": r"^-?[0-9]+$",
    "uint64": r"^[0-9]+$",
    "google-duration": r"^-?[0-9]+(\.[0-9]{1,9})?s$",
    "google-datetime": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "byte": r"^[A-Za-z0-9+/_-]*={0,2}$",
}


def find_discovery_document(explicit: str | None = None) -> Path:
    """The business information discovery document: explicit path, ``$VITRINE_GOOGLE_DISCOVERY``,
    else ``contracts/google/<file>`` shipped in this package, or in any parent directory."""
    for candidate in (explicit, os.environ.get(DISCOVERY_ENV)):
        if candidate:
            path = Path(candidate)
            if not path.is_file():
                raise FileNotFoundError(f"Google discovery document not found: {path}")
            return path
    for parent in Path(__file__).resolve().parents:
        path = parent / "contracts" / "google" / DISCOVERY_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"Google discovery document {DISCOVERY_FILE} not found: put it in contracts/google/ at the "
        f"repository root, set ${DISCOVERY_ENV}, or set SandboxConfig.google.discovery_path"
    )


def convert_property(prop: dict[str, Any]) -> dict[str, Any]:
    """One discovery property/schema -> JSON Schema (``$ref`` point into ``#/$defs``)."""
    if "$ref" in prop:
        return {"$ref": f"#/$defs/{prop['$ref']}"}
    kind, fmt = prop.get("type"), prop.get("format")
    out: dict[str, Any]
    if kind == "any" or kind is None:
        out = {}
    elif kind == "object":
        out = {"type": "object"}
        if "properties" in prop:
            out["properties"] = {k: convert_property(v) for k, v in prop["properties"].items()}
        extra = prop.get("additionalProperties")
        out["additionalProperties"] = convert_property(extra) if isinstance(extra, dict) else False
    elif kind == "array":
        out = {"type": "array", "items": convert_property(prop.get("items", {}))}
    elif kind == "integer":
        out = {"type": "integer"}
        if fmt in _INT_RANGES:
            out["minimum"], out["maximum"] = _INT_RANGES[fmt]
    elif kind == "string" and fmt in ("int64", "uint64"):
        out = {"anyOf": [{"type": "string", "pattern": _STRING_PATTERNS[fmt]}, {"type": "integer"}]}
    elif kind == "string":
        out = {"type": "string"}
        if fmt in _STRING_PATTERNS:
            out["pattern"] = _STRING_PATTERNS[fmt]
    else:  # number, boolean
        out = {"type": kind}
    if "enum" in prop:
        out["enum"] = list(prop["enum"])
    return out


def discovery_to_jsonschema(document: dict[str, Any], root: str) -> dict[str, Any]:
    defs = {}
    for name, schema in document["schemas"].items():
        converted = convert_property({**schema, "type": schema.get("type", "object")})
        defs[name] = converted
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/$defs/{root}", "$defs": defs}


def strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value if v is not None]
    return value


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def proto_path(root: str, path: list[Any]) -> str:
    """``["regularHours", "periods", 0, "openDay"]`` -> ``location.regular_hours.periods[0].open_day``."""
    out = root
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{snake(part)}"
    return out


class DiscoverySchema:
    """A compiled discovery document: validation of one resource and field-path lookups."""

    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.schemas: dict[str, dict[str, Any]] = document["schemas"]
        self._validators: dict[str, Draft202012Validator] = {}

    def validator(self, root: str) -> Draft202012Validator:
        if root not in self._validators:
            self._validators[root] = Draft202012Validator(discovery_to_jsonschema(self.document, root))
        return self._validators[root]

    def violations(self, body: Any, root: str = "Location", label: str = "location") -> list[dict[str, str]]:
        """Google-style ``fieldViolations`` for everything in ``body`` the schema rejects."""
        out = []
        for error in sorted(self.validator(root).iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
            path = list(error.absolute_path)
            where = proto_path(label, path)
            if error.validator == "additionalProperties":
                known = set(error.schema.get("properties", {}))
                for name in sorted(set(error.instance) - known):
                    out.append({
                        "field": where,
                        "description": f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': Cannot find field.",
                    })
            else:
                out.append({"field": where, "description": f"Invalid value at '{where}' ({self._type_label(error)}), {json.dumps(error.instance)}"})
        return out

    def _type_label(self, error: Any) -> str:
        schema = error.schema
        if "enum" in schema:
            return "TYPE_ENUM"
        kind = schema.get("type") or "TYPE_MESSAGE"
        return {"string": "TYPE_STRING", "integer": "TYPE_INT32", "number": "TYPE_DOUBLE", "boolean": "TYPE_BOOL",
                "array": "TYPE_REPEATED", "object": "TYPE_MESSAGE"}.get(kind, str(kind))

    def resolve(self, root: str, dotted: str) -> dict[str, Any] | None:
        """The discovery property at a camelCase dotted path under ``root``, or None."""
        schema: dict[str, Any] = self.schemas[root]
        prop: dict[str, Any] | None = None
        for part in dotted.split("."):
            props = schema.get("properties", {})
            if part not in props:
                return None
            prop = props[part]
            target = prop.get("items", prop) if prop.get("type") == "array" else prop
            schema = self.schemas.get(target.get("$ref", ""), target)
        return prop


@lru_cache(maxsize=4)
def load_discovery(path: str) -> DiscoverySchema:
    return DiscoverySchema(json.loads(Path(path).read_text(encoding="utf-8")))
