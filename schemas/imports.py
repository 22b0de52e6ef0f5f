"""The Excel import report: what the API returns and `vitrine import --json` prints.

One entry per data row (Excel row numbers), each with its action, the cleaned record, every
cleaning step (`from` -> `to`), the field changes against the stored record, and its errors
with the column they come from. A file that cannot be read at all has `outcome:
"invalid_file"`, no rows, and `error` saying why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_serializer

from schemas.diff import FieldChange

RowAction = Literal["create", "update", "unchanged", "rejected"]
ImportOutcome = Literal["applied", "dry_run", "rejected", "invalid_file"]


class _Report(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)


class CleaningStep(_Report):
    """One value the import changed on its way in: trimmed, E.164, postal code, scheme, hours."""

    column: str = Field(description="The Excel header the value came from")
    field: str = Field(description="Canonical field path, e.g. phones.primary")
    from_: Any = Field(alias="from")
    to: Any
    note: str | None = Field(default=None, description=(
        "What happened when no value was rewritten: a category inferred from the name or the file's "
        "default, an empty cell that cleared a field or was not taken as a value, a day with no hours given"))

    @model_serializer(mode="wrap")
    def _without_empty_note(self, handler: Any) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if out.get("note") is None:
            out.pop("note", None)
        return out


class RowError(_Report):
    column: str | None = Field(default=None, description="The Excel header, when the error has one")
    field: str | None = Field(default=None, description="Canonical field path")
    cell: str | None = Field(default=None, description="Cell coordinate such as F12, when one cell is at fault")
    message: str


class RowReport(_Report):
    row: int = Field(description="Excel row number")
    store_code: str | None = None
    action: RowAction
    record: dict[str, Any] | None = Field(
        default=None, description="The cleaned canonical record (for a rejected row: what could be read)")
    cleaning: list[CleaningStep] = Field(default_factory=list)
    changes: list[FieldChange] = Field(
        default_factory=list, description="Field changes against the stored record (updates only)")
    errors: list[RowError] = Field(default_factory=list)


class IgnoredColumn(_Report):
    column: str
    reason: str


class ImportSummary(_Report):
    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = Field(default=False, description="Whether anything was saved (a new revision or site)")
    dry_run: bool = False
    allow_partial: bool = False
    filename: str = ""
    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = Field(default_factory=dict, description="Excel header -> canonical field")
    ignored_columns: list[IgnoredColumn] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Things worth knowing that rejected nothing")


class FileError(_Report):
    code: str = Field(description="not_xlsx, corrupt_file, empty_workbook, no_header, missing_columns, …")
    message: str


class ImportReport(_Report):
    id: str
    outcome: ImportOutcome
    summary: ImportSummary
    rows: list[RowReport] = Field(default_factory=list)
    rows_complete: bool = Field(
        default=True, description="False when the file has more rows than a report carries (10,000): `rows` then "
                                  "holds the rejected rows only; GET /api/v1/imports/{id}/rows pages through all")
    error: FileError | None = None
    _json: dict[str, Any] | None = PrivateAttr(default=None)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ImportReport:
        """Validate a JSON report and keep it, so that `to_json` need not dump 10,000 rows again."""
        report = cls.model_validate(body)
        report._json = body
        return report

    def to_json(self) -> dict[str, Any]:
        """The JSON shape the API and `--json` print."""
        return self._json if self._json is not None else self.model_dump(mode="json")


class ImportRunPublic(_Report):
    """An import in the list: its summary, not its rows."""

    id: str
    filename: str
    size: int
    sha256: str
    outcome: ImportOutcome
    dry_run: bool
    allow_partial: bool
    summary: dict[str, Any]
    created_at: datetime
