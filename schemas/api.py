"""API bodies around the canonical record."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from schemas.diff import FieldChange


class FieldError(BaseModel):
    """One error, the same shape as the API's `errors[]`: the field path, what is wrong, a machine code."""

    field: str | None = None
    message: str
    code: str | None = None


class BulkRequest(BaseModel):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        description="Up to 1,000 establishment records (the `Establishment` shape), each validated on its own.",
        json_schema_extra={"items": {"$ref": "#/components/schemas/Establishment"}},
    )


class BulkItemResult(BaseModel):
    index: int
    store_code: str | None
    result: Literal["created", "updated", "unchanged", "rejected"]
    revision: int | None = None
    changes: list[FieldChange] = []
    errors: list[FieldError] = []


class BulkSummary(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class BulkResponse(BaseModel):
    summary: BulkSummary
    results: list[BulkItemResult]


class RevisionPublic(BaseModel):
    number: int
    action: Literal["create", "update", "delete"]
    changes: list[FieldChange]
    source: str
    source_ref: str | None
    created_at: datetime
