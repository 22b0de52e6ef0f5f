"""One spreadsheet row -> a candidate canonical record, the cleaning log, and the errors.

`RowCleaner` is built once per sheet (columns grouped by field, hours parses memoised in
`hours_cells.HoursCells`) and then called per row; it does no I/O. Fields are cleaned in a fixed order so that the country
is known before phones and postal codes. `validate` runs the canonical model and names the
Excel column of each error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from schemas.establishment import Establishment, Hours
from service.errors import loc_path
from service.imports import values as v
from service.imports import when
from service.imports.headers import Column
from service.imports.hours_cells import HoursCells
from service.imports.managed import Paths, infer_category, with_placeholders
from service.imports.reader import MAX_CELL_CHARS, Merge, cell_ref

EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
_LINES = ("address.line1", "address.line2", "address.line3", "address.line4", "address.line5")
_PHOTO_KINDS = {"photos": "other", "photos.logo": "logo", "photos.cover": "cover",
                "photos.exterior": "exterior", "photos.interior": "interior"}


def canonical_path(target: str) -> str:
    """Where a column's values land in the record (for naming the column of an error)."""
    if target in _LINES:
        return "address.lines"
    if target == "hours":
        return "hours.regular"
    if target in ("hours.closures", "hours.special"):
        return "hours.special"
    if target.startswith("hours."):
        return "hours.regular." + target.split(".")[1]
    if target in ("label", "labels"):
        return "labels"
    if target.startswith("photos"):
        return "photos"
    return target


@dataclass
class CleanRow:
    row: int
    store_code: str | None = None
    candidate: dict[str, Any] = field(default_factory=dict)
    cleaning: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # paths with a cleaning error
    raw: dict[str, list[tuple[Column, Any]]] = field(default_factory=dict)
    deferred: list[tuple[Column, str, Any, int | None]] = field(default_factory=list)  # logged once valid
    record: Establishment | None = None
    content: dict[str, Any] | None = None  # the import's compact form of `record` (read_rows(compact=True))
    managed: int = 0  # the record paths this row manages, a bitmask over `Paths` (see managed.py)

    def fail(self, col: Column | None, path: str, message: str, cell: str | None = None) -> None:
        self.failed.add(path)
        self.errors.append({"column": col.header if col else None, "field": path or None,
                            "cell": cell or (cell_ref(col.index, self.row) if col else None), "message": message})

    def note(self, col: Column, path: str, raw: Any, to: Any, note: str) -> None:
        """A step worth saying even when nothing was rewritten (inferred, not given, cleared)."""
        self.cleaning.append({"column": col.header, "field": path, "from": v.display(raw), "to": to, "note": note})

    def log(self, col: Column, path: str, raw: Any, to: Any, shown: Any = None) -> None:
        if shown is not None or v.text(raw) != v.text(to):
            self.cleaning.append({"column": col.header, "field": path, "from": v.display(raw),
                                  "to": shown if shown is not None else v.display(to)})


class RowCleaner:
    def __init__(self, columns: list[Column], merges: list[Merge], formulas: dict[int, dict[int, str]],
                 default_category: str | None = None):
        """`default_category`: the key a row without one gets (after inference from its name)."""
        self.columns = columns
        self.managed = Paths(columns)
        self.default_category = default_category
        self.name_column = next((c for c in columns if c.field == "name"), None)
        self.formulas = formulas
        self.by_index = {c.index: c for c in columns}
        self.merges: dict[int, list[tuple[Merge, Column]]] = {}
        for merge in merges:  # a merge over ignored columns only is harmless
            covered = [self.by_index[i] for i in range(merge.min_col - 1, merge.max_col) if i in self.by_index]
            for number in range(merge.min_row, merge.max_row + 1) if covered else ():
                self.merges.setdefault(number, []).append((merge, covered[0]))
        self.path_columns: dict[str, Column] = {}
        for col in sorted(columns, key=lambda c: c.field == "hours"):  # a day's own column first
            path = canonical_path(col.field)
            self.path_columns.setdefault(path, col)
            self.path_columns.setdefault(path.split(".")[0], col)
        self.paths = {c.field: canonical_path(c.field) for c in columns}
        fields = set(self.paths)
        self.hours = HoursCells(fields, self.path_columns)
        self.hours_models: dict[str, Hours | None] = {}

    # --- reading the cells --------------------------------------------------------------

    def clean(self, number: int, cells: tuple[Any, ...]) -> CleanRow | None:
        """None when the row has nothing in the recognised columns."""
        r = CleanRow(number)
        width = len(cells)
        formulas = self.formulas.get(number)
        for col in self.columns:
            if col.index >= width:
                continue
            value = cells[col.index]
            if formulas and col.index in formulas:
                if not self._formula(r, col, value, formulas[col.index]):
                    continue
            if value is None:
                continue
            if value.__class__ is str:
                if len(value) > MAX_CELL_CHARS:
                    r.fail(col, self.paths[col.field], f"cell {cell_ref(col.index, number)} holds "
                                                           f"{len(value):,} characters (limit {MAX_CELL_CHARS:,})")
                    continue
                if value in EXCEL_ERRORS:
                    r.fail(col, self.paths[col.field], f"cell {cell_ref(col.index, number)} shows the Excel "
                                                           f"error {value}: fix the cell")
                    continue
                if not value.strip():
                    continue
            r.raw.setdefault(col.field, []).append((col, value))
        for merge, col in self.merges.get(number, ()):
            r.fail(col, self.paths[col.field], f"cells {merge.ref} are merged: unmerge them and fill in each row "
                   "(Excel: Merge & Center > Unmerge Cells)", cell=merge.ref)
        if not r.raw and not r.errors:
            return None
        r.managed = self.managed.row_mask(r.raw)
        self._fields(r)
        return r

    def _formula(self, r: CleanRow, col: Column, value: Any, formula: str) -> bool:
        path = canonical_path(col.field)
        if value is None:
            r.fail(col, path, f"cell {cell_ref(col.index, r.row)} has a formula ({formula}) but no computed "
                   "value: open and save the file in Excel, or paste the values (Paste special > Values)")
            return False
        r.cleaning.append({"column": col.header, "field": path, "from": formula, "to": v.display(value)})
        return True

    def _one(self, r: CleanRow, target: str, parse: Callable[..., Any], *args: Any) -> Any:
        items = r.raw.get(target)
        if not items:
            return None
        col, raw = items[0]
        path = self.paths[target]
        try:
            out = parse(raw, *args)
        except v.CellError as exc:
            r.fail(col, path, str(exc))
            return None
        r.log(col, path, raw, out)
        return out

    def _fields(self, r: CleanRow) -> None:
        c = r.candidate
        region = self._one(r, "address.country", v.country) or "FR"
        r.store_code = self._one(r, "store_code", v.store_code)
        if r.store_code is not None:
            c["store_code"] = r.store_code
        if items := r.raw.get("website"):
            col, raw = items[0]
            c["website"] = v.with_scheme(raw)
            r.deferred.append((col, "website", raw, None))
        for target, parse, key in (("name", v.line, "name"), ("status", v.status, "status"),
                                   ("email", v.email, "email"),
                                   ("description", v.paragraph, "description")):
            if (value := self._one(r, target, parse)) is not None:
                c[key] = value
        for target in ("reopen_date", "opening_date"):
            if (day := self._one(r, target, when.a_date)) is not None:
                c[target] = day.isoformat() if isinstance(day, date) else day
        c["address"] = self._address(r, region)
        self._geo(r)
        self._phones(r, region)
        self._categories(r)
        self.hours.clean(r)
        labels = [label for col, raw in self._items(r, "label", "labels")
                  for label in ([v.line(raw)] if col.field == "label" else v.label_list(raw))]
        if labels:
            c["labels"] = labels
        self._photos(r)

    def _items(self, r: CleanRow, *targets: str) -> list[tuple[Column, Any]]:
        items = [item for t in targets for item in r.raw.get(t, ())]
        return sorted(items, key=lambda item: item[0].index) if len(targets) > 1 else items

    def _address(self, r: CleanRow, region: str) -> dict[str, Any]:
        lines: list[str] = []
        for col, raw in self._items(r, *_LINES):
            parts = [v.line(part) for part in v.text(raw).split("\n") if part.strip()]
            r.log(col, "address.lines", raw, "\n".join(parts))
            lines.extend(parts)
        address: dict[str, Any] = {"lines": lines, "country": region}
        for target, key in (("address.locality", "locality"), ("address.region", "region"),
                            ("address.sub_locality", "sub_locality")):
            if (value := self._one(r, target, v.line)) is not None:
                address[key] = value
        if (code := self._one(r, "address.postal_code", v.postal_code, region)) is not None:
            address["postal_code"] = code
        return address

    def _geo(self, r: CleanRow) -> None:
        lat = self._one(r, "geo.lat", v.coordinate, "latitude")
        lng = self._one(r, "geo.lng", v.coordinate, "longitude")
        items = r.raw.get("geo")
        if items:
            col, raw = items[0]
            try:
                lat, lng = v.geo_pair(raw)
                r.log(col, "geo", raw, f"{lat}, {lng}")
            except v.CellError as exc:
                r.fail(col, "geo", str(exc))
        if lat is not None and lng is not None:
            r.candidate["geo"] = {"lat": lat, "lng": lng}
        elif (lat is None) != (lng is None) and not r.failed & {"geo.lat", "geo.lng"}:
            col, _ = (r.raw.get("geo.lat") or r.raw["geo.lng"])[0]
            r.fail(col, "geo", "a latitude needs a longitude (and the other way round)")

    def _phones(self, r: CleanRow, region: str) -> None:
        """Numbers go to the canonical model as written: it reads them with the row's country
        as default region (E.164 out); the log is written from the validated record."""
        primary: Any = None
        additional: list[Any] = []
        for col, raw in self._items(r, "phones.primary", "phones.additional"):
            parts: list[Any] = v.phone_texts(raw)
            if len(parts) == 1 and isinstance(raw, int):
                parts = [raw]
            for part in parts:
                shown = raw if len(parts) == 1 else part
                if col.field == "phones.primary" and primary is None:
                    primary = part
                    r.deferred.append((col, "phones.primary", shown, None))
                else:
                    r.deferred.append((col, "phones.additional", shown, len(additional)))
                    additional.append(part)
        if primary is not None or additional:
            r.candidate["phones"] = {"primary": primary, "additional": additional}

    def _categories(self, r: CleanRow) -> None:
        primary = self._one(r, "categories.primary", v.category)
        extra: list[str] = []
        for col, raw in r.raw.get("categories.additional", ()):
            try:
                keys = v.category_list(raw)
            except v.CellError as exc:
                r.fail(col, "categories.additional", str(exc))
                continue
            r.log(col, "categories.additional", raw, ", ".join(keys))
            extra.extend(k for k in keys if k != primary and k not in extra)
        if primary is None and "categories.primary" not in r.failed:
            primary = self._fill_category(r)
        if primary is not None:
            r.candidate["categories"] = {"primary": primary, "additional": [k for k in extra if k != primary]}
        elif extra and "categories.primary" not in r.failed:
            r.candidate["categories"] = {"additional": extra}

    def _fill_category(self, r: CleanRow) -> str | None:
        """A category for a row without one: inferred from an unambiguous name, else the file's
        default. Said in the cleaning log; it only fills a record that has none (managed.py)."""
        name = r.candidate.get("name")
        key = infer_category(name) if name else None
        col = self.name_column
        if key is not None and col is not None:
            r.note(col, "categories.primary", name, key, f"category inferred from the name: {key}")
        elif self.default_category is not None:
            key = self.default_category
            col = self.path_columns.get("categories") or col
            if col is not None:
                r.note(col, "categories.primary", None, key, f"no category: the file's default {key}")
        if key is not None:
            r.managed |= self.managed.fill_bit
        return key

    def _photos(self, r: CleanRow) -> None:
        photos = []
        for col, raw in self._items(r, *_PHOTO_KINDS):
            for part in v.url_list(raw):
                try:
                    address = v.url(part, "photo address")
                except v.CellError as exc:
                    r.fail(col, "photos", str(exc))
                    continue
                r.log(col, "photos", part, address)
                photos.append({"url": address, "kind": _PHOTO_KINDS[col.field]})
        if photos:
            r.candidate["photos"] = photos

    # --- the canonical model --------------------------------------------------------------

    def validate(self, r: CleanRow) -> None:
        """Set `r.record`, or add the model's errors (those not already reported by cleaning)."""
        try:
            record = Establishment.model_validate(self._with_hours_model(with_placeholders(r.candidate)))
        except ValidationError as exc:
            for error in exc.errors():
                self._model_error(r, error)
            record = None
        if record is not None and not r.errors:
            r.record = record
            for col, path, raw, index in r.deferred:
                value = record.website if path == "website" else record.phones.primary \
                    if path == "phones.primary" else record.phones.additional[index]  # type: ignore[index]
                r.log(col, path, raw, value)
            r.candidate = {}  # the record says it all; keeps a big import's memory (and GC) small
        r.raw, r.deferred, r.failed = {}, [], set()

    def _with_hours_model(self, candidate: dict[str, Any]) -> dict[str, Any]:
        """The candidate with its hours as an already validated `Hours`, when an earlier row had
        the same ones: a sheet's sites share a few dozen schedules, and validating one is half a
        row's validation. Hours that fail stay a dict, so the record names the error's path."""
        hours = candidate.get("hours")
        if hours is None:
            return candidate
        key = repr(hours)
        model = self.hours_models.get(key, False)
        if model is False:
            try:
                model = Hours.model_validate(hours)
            except ValidationError:
                model = None
            if len(self.hours_models) < 10_000:
                self.hours_models[key] = model
        return {**candidate, "hours": model} if model is not None else candidate

    def _model_error(self, r: CleanRow, error: dict[str, Any]) -> None:
        path = loc_path(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        head, sep, rest = message.partition(": ")
        if sep and " " not in head and f"{path}.{head}" in self.path_columns:
            path, message = f"{path}.{head}", rest
        elif not path and message.split(" ", 1)[0] in self.path_columns:  # 'reopen_date only applies…'
            path = message.split(" ", 1)[0]
        if any(path == f or path.startswith(f + ".") or path.startswith(f + "[") or f.startswith(path + ".")
               for f in r.failed):
            return
        col = self._column(path)
        if error["type"] == "missing":
            message = f"{col.header if col else path} is required but empty"
        elif error["type"] == "too_short" and path == "address.lines":
            message = "the address is empty"
        elif path.startswith("phones.") and message.endswith("phone number"):
            country = (r.candidate.get("address") or {}).get("country", "FR")
            message += f" (national numbers are read as {country} numbers; write others with +country code)"
        r.errors.append({"column": col.header if col else None, "field": path,
                         "cell": cell_ref(col.index, r.row) if col else None, "message": message})

    def _column(self, path: str) -> Column | None:
        while path:
            if path in self.path_columns:
                return self.path_columns[path]
            path = path.rsplit("[", 1)[0] if path.endswith("]") else path.rpartition(".")[0]
        return None
