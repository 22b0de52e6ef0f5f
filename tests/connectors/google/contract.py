"""The Business Information API discovery document as a validator for the bodies we send.

The JSON Schema comes from `connectors.sandbox.discovery` (the converter the Google emulator
validates requests with): `$ref` resolution, types and formats, enums, `additionalProperties:
false` on declared objects. On top of it, `assert_valid_location` refuses what the schema
accepts but a writer must not send: output-only fields (`name`, `metadata`, category
`displayName`...) and nulls.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from connectors.sandbox.discovery import (
    DISCOVERY_ENV,
    DISCOVERY_FILE,
    DiscoverySchema,
    find_discovery_document,
    load_discovery,
)

OUTPUT_ONLY_TOP = ("name", "metadata")


def discovery_path() -> Path:
    """`$VITRINE_GOOGLE_DISCOVERY`; else the official copy in `shared/contracts/google/` beside the
    checkout (CI has it); else the copy shipped with the sandbox, which
    tests/connectors/test_shipped_contract.py proves identical whenever the official one is there."""
    if os.environ.get(DISCOVERY_ENV):
        return Path(os.environ[DISCOVERY_ENV])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "contracts" / "google" / DISCOVERY_FILE
        if candidate.is_file():
            return candidate
    try:
        return find_discovery_document()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)


@lru_cache(maxsize=1)
def schema() -> DiscoverySchema:
    return load_discovery(str(discovery_path()))


def violations(body: Any) -> list[str]:
    out = [f"{v['field']}: {v['description']}" for v in schema().violations(body)]
    out += [f"{key}: output only" for key in OUTPUT_ONLY_TOP if isinstance(body, dict) and key in body]
    out += _nulls_and_output_only(body, "location")
    return out


def assert_valid_location(body: Any) -> None:
    """The body is a valid (partial) `Location` for a create or a PATCH."""
    problems = violations(body)
    assert not problems, "body breaks the discovery document:\n" + "\n".join(problems)


def _nulls_and_output_only(value: Any, where: str) -> list[str]:
    out: list[str] = []
    if value is None:
        return [f"{where}: null"]
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("displayName", "serviceTypes", "moreHoursTypes", "canReopen"):
                out.append(f"{where}.{key}: output only")
            out += _nulls_and_output_only(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _nulls_and_output_only(item, f"{where}[{i}]")
    return out
