"""A phone mapping workbook: one row per site, `store_code → new number` (old number optional).

Headers are matched without case, accents or punctuation, in English or French: `store_code`
/ `code site`, `new_phone` / `nouveau numéro`, `old_phone` / `ancien numéro`. The first sheet
with a store-code and a new-number column is read; rows with neither are skipped. Excel's
habit of storing `0478123456` as the number 478123456 is undone by the phone parser, which
reads a national number without its trunk prefix.
"""

from __future__ import annotations

from typing import Any

from schemas.campaigns import MappingItem
from service.errors import ApiError, ErrorDetail
from service.imports.headers import normalize
from service.imports.reader import ImportFileError, open_workbook

COLUMNS = {
    "store_code": ("storecode", "code", "codesite", "codeetablissement", "codemagasin", "site", "storeid"),
    "new_phone": ("newphone", "newnumber", "nouveaunumero", "nouveautelephone", "nouveau", "new", "to"),
    "old_phone": ("oldphone", "oldnumber", "anciennumero", "ancientelephone", "ancien", "old", "from"),
}
ALIASES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
HEADER_ROWS = 10  # a title or a note above the table is fine


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def read_mapping(data: bytes, *, max_bytes: int) -> tuple[list[MappingItem], list[str]]:
    """The mapping lines and, for each, where it is ("row 7") for error messages."""
    try:
        workbook = open_workbook(data, max_bytes=max_bytes)
    except ImportFileError as exc:
        raise ApiError(422, exc.code, exc.message, field="file") from None
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            for number, cells in enumerate(rows, start=1):
                if number > HEADER_ROWS:
                    break
                columns = {ALIASES[normalize(c)]: i for i, c in enumerate(cells) if c is not None
                           and normalize(c) in ALIASES}
                if "store_code" in columns and "new_phone" in columns:
                    return _lines(rows, columns, number)
    finally:
        workbook.close()
    raise ApiError(422, "missing_columns", "no sheet has a store code column and a new number column in its first "
                   f"{HEADER_ROWS} rows: name them `store_code` and `new_phone` (`old_phone` is optional)",
                   field="file")


def _lines(rows: Any, columns: dict[str, int], header: int) -> tuple[list[MappingItem], list[str]]:
    items, where, errors = [], [], []
    for number, cells in enumerate(rows, start=header + 1):
        values = {key: _text(cells[i]) if i < len(cells) else None for key, i in columns.items()}
        if not any(values.values()):
            continue
        place = f"row {number}"
        missing = [key for key in ("store_code", "new_phone") if not values.get(key)]
        if missing:
            errors += [ErrorDetail(field=f"{place}, column {key}", message=f"{key} is empty", code="missing")
                       for key in missing]
            continue
        items.append(MappingItem(store_code=values["store_code"], new_phone=values["new_phone"],  # type: ignore[arg-type]
                                 old_phone=values.get("old_phone")))
        where.append(place)
    if errors:
        raise ApiError(422, "invalid_campaign", f"{len(errors)} error(s) in the mapping: nothing was planned or "
                       "changed", field=errors[0].field, errors=errors)
    if not items:
        raise ApiError(422, "empty_mapping", "the mapping has a header but no rows", field="file")
    return items, where
