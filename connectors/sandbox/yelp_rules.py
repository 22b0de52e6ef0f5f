"""Yelp Data Ingestion API request rules, read from ``contracts/yelp/ingest_create.schema.json``.

The schema names its sources (Yelp's reference pages). What it cannot say, checked here:
a `close` equal to `open` on a weekday item (an empty interval; a 24-hour day is 00:00-00:00 on
one item, which Yelp's hours editor also writes that way: UNVERIFIED) is refused, and every
problem is reported with its JSON path, in Yelp's documented error envelope `{error: {code?,
message}}` (the code names are the sandbox's, UNVERIFIED).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).parent / "contracts" / "yelp" / "ingest_create.schema.json"


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"


def ingest_errors(body: Any) -> list[str]:
    """Every reason the body is refused, `path: reason`, in a stable order."""
    errors = []
    for error in sorted(validator().iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        if error.validator == "oneOf" and isinstance(error.instance, dict):
            keys = sorted(error.instance)
            message = (f"hours items are {{day: monday..sunday, open: HH:MM, close: HH:MM}} or a special date "
                       f"{{date: YYYY-MM-DD, action, open?, close?}}, got keys {keys}")
        else:
            message = error.message
        errors.append(f"{_path(error.absolute_path)}: {message}")
    return errors
