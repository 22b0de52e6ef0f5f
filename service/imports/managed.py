"""Which fields a file manages, and what an import row does to a stored record.

A column that is absent is a field the file does not manage: an update keeps the stored value,
a create leaves it empty (Google documents the same rule for its bulk sheet: columns left out
are untouched). Under a present header:

* a filled cell manages its field;
* an empty cell clears the field where that is unambiguous (`CLEARABLE`: optional extras such
  as the website, the description, additional phones, labels, photos, special hours), and the
  report says so; elsewhere (the name, the address, the main phone, the category, a day's
  hours) an empty cell is "not given": the stored value stays, and the report says that too.

A row's managed fields are a bitmask over the paths of the sheet's columns (`Paths`), cheap to
keep for 100,000 rows. `resolve` runs once the chunk's stored records are loaded: an update
becomes the stored record with the managed paths replaced (re-validated when anything stored
was kept), a create must manage what every platform needs (`CREATE_REQUIRED`).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from typing import Any

from pydantic import ValidationError

from schemas.establishment import DAYS, Establishment
from service.errors import loc_path
from service.imports.headers import CREATE_REQUIRED, Column
from service.models import EstablishmentRow

PLACEHOLDER = "(not in this file)"  # stands for a required field no column gives, until `resolve`
FILL_CATEGORY = "categories?"  # a category inferred or defaulted: only where the record has none
CLEARABLE = frozenset({
    "description", "website", "email", "reopen_date", "opening_date", "geo", "phones.additional",
    "categories.additional", "labels", "photos", "hours.special", "address.sub_locality", "address.region",
})
_FIELD_PATHS = {"geo.lat": "geo", "geo.lng": "geo", "hours": "hours.regular", "hours.closures": "hours.special",
                "label": "labels"}


def with_placeholders(candidate: dict[str, Any]) -> dict[str, Any]:
    """The candidate with placeholders for the required fields the row does not give, so that
    the rest is validated. They are never written: the row does not manage them (`resolve`)."""
    address = candidate["address"]
    if "name" in candidate and address["lines"] and "locality" in address:
        return candidate
    address = {**address, "lines": address["lines"] or [PLACEHOLDER], "locality": address.get("locality", PLACEHOLDER)}
    return {**candidate, "name": candidate.get("name", PLACEHOLDER), "address": address}


def managed_path(target: str) -> str | None:
    """The record path a column target manages (None for the store code)."""
    if target == "store_code":
        return None
    if target.startswith("address.line"):
        return "address.lines"
    if target.startswith("photos"):
        return "photos"
    if target in _FIELD_PATHS:
        return _FIELD_PATHS[target]
    if target.startswith("hours.") and target.split(".")[1] in DAYS:
        return "hours.regular." + target.split(".")[1]
    return target


class Paths:
    """The managed paths of one sheet, each a bit; built from its columns."""

    def __init__(self, columns: list[Column]):
        self.paths: list[str] = []
        self.bit: dict[str, int] = {}  # column target -> bit
        self.columns: dict[str, Column] = {}  # path -> its first column (for the report)
        for col in columns:
            path = managed_path(col.field)
            if path is None:
                continue
            if path not in self.paths:
                self.paths.append(path)
                self.columns[path] = col
            self.bit[col.field] = 1 << self.paths.index(path)
        self.paths.append(FILL_CATEGORY)
        self.fill_bit = 1 << (len(self.paths) - 1)
        self.clear_mask = sum(1 << i for i, p in enumerate(self.paths) if p in CLEARABLE)

    def row_mask(self, filled: Any) -> int:
        """The paths a row manages: those of its filled cells, and the clearable ones."""
        mask = self.clear_mask
        for target in filled:
            mask |= self.bit.get(target, 0)
        return mask

    def of(self, mask: int) -> list[str]:
        return [p for i, p in enumerate(self.paths) if mask >> i & 1]


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[last] = value


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def merge(stored: dict[str, Any], content: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The stored record with each managed path taken from `content`."""
    merged = copy.deepcopy(stored)
    for path in paths:
        if path == FILL_CATEGORY:
            if _empty(merged.get("categories")):
                merged["categories"] = content.get("categories")
        else:
            _set(merged, path, _get(content, path))
    return merged


def _note(col: Column, path: str, before: Any, after: Any, note: str) -> dict[str, Any]:
    return {"column": col.header, "field": path, "from": before, "to": after, "note": note}


def resolve(row: Any, stored: EstablishmentRow | None, sheet: Paths) -> None:
    """Turn a valid row's `content` into what is written: the merge with the stored record, or a
    create that has what every platform needs. A row that cannot be either is rejected."""
    paths = sheet.of(row.managed)
    if stored is None or stored.deleted_at is not None:
        _check_create(row, paths, sheet)
        return
    merged = merge(stored.data, row.content, paths)
    for path, col in sheet.columns.items():  # what an empty cell did, said once per row and field
        if path in paths or path == FILL_CATEGORY:
            if path in CLEARABLE and not _empty(before := _get(stored.data, path)) and _empty(_get(merged, path)):
                row.cleaning.append(_note(col, path, before, None, "empty cell: cleared"))
        elif not _empty(kept := _get(stored.data, path)):
            row.cleaning.append(_note(col, path, kept, kept, "empty cell: not given, the stored value is kept"))
    if merged == row.content:
        return
    try:
        record = Establishment.model_validate({"store_code": row.store_code, **merged})
    except ValidationError as exc:
        for error in exc.errors():
            path = loc_path(error["loc"])
            col = next((c for p, c in sheet.columns.items() if path == p or path.startswith(p + ".")), None)
            row.fail(col, path, f"with the stored values this file does not change, {path or 'the record'}: "
                                f"{str(error['msg']).removeprefix('Value error, ')}")
        row.candidate, row.content = merged, None
        return
    row.content = record.content()


def _check_create(row: Any, paths: list[str], sheet: Paths) -> None:
    missing = [(path, label) for path, label in CREATE_REQUIRED.items() if path not in paths]
    if not missing:
        return
    for path, label in missing:
        col = sheet.columns.get(path)
        where = f"column '{col.header}' is empty" if col else f"the file has no {label} column"
        row.fail(col, path, f"new site {row.store_code!r}: {where}; a new site needs a name and an address "
                            "(every directory places a listing by them)")
    row.candidate = {"store_code": row.store_code, **{k: v for k, v in row.content.items()}}
    row.content = None


# Names that say what a site is, whatever else they say: 'Clinique du Parc' is a private clinic.
# Each rule: the name's first words (accents and case ignored), the key, and words that make the
# name mean something else ('Clinique vétérinaire', 'Pharmacie vétérinaire').
_INFER: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), key) for pattern, key in (
    (r"^(?:la |le |l')?(?:poly)?clinique\b(?!.*\b(?:veterinaire|dentaire|du sommeil)\b)", "private_clinic"),
    (r"^(?:le |l')?laboratoire\b(?!.*\b(?:veterinaire|pharmaceutique|dentaire|photo))", "medical_laboratory"),
    (r"^(?:la )?(?:grande )?pharmacie\b(?!.*\bveterinaire\b)", "pharmacy"),
    (r"^(?:le )?centre d'imagerie\b", "medical_imaging"),
    (r"^(?:l')?ehpad\b", "nursing_home"),
))


def infer_category(name: str) -> str | None:
    """The category an unambiguous name gives ('Clinique…', 'Laboratoire…', 'Pharmacie…',
    'Centre d'imagerie…', 'EHPAD…'), or None."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name.lower()) if not unicodedata.combining(c))
    bare = " ".join(bare.replace("’", "'").split())
    return next((key for pattern, key in _INFER if pattern.search(bare)), None)
