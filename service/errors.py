"""API errors: JSON with a machine code, a message and the field path."""

import re
from typing import Any

from pydantic import BaseModel

from schemas.text import printable


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str
    code: str | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None
    errors: list[ErrorDetail] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 errors: list[ErrorDetail] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.errors = errors or []
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return ErrorResponse(error=ErrorBody(code=self.code, message=self.message, field=self.field,
                                             errors=self.errors)).model_dump()


class NotFound(ApiError):
    def __init__(self, what: str, key: str):
        super().__init__(404, "not_found", f"{what} {key!r} not found")


def loc_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'phones', 'additional', 0) -> 'phones.additional[0]'"""
    path = ""
    for part in loc:
        if part in ("body", "query", "path", "header") and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_NAMED = re.compile(r"^([a-z][a-z0-9_]*): (.+)$", re.S)


def validation_details(errors: list[dict[str, Any]], prefix: tuple[Any, ...] = ()) -> list[ErrorDetail]:
    """Pydantic errors as `{field, message, code}`. A check on a whole object (a model
    validator) names the field inside it by starting its message with `field: `, so the path
    goes down to that field (`address` + `postal_code: …` → `address.postal_code`)."""
    details = []
    for err in errors:
        loc, message = (*prefix, *err["loc"]), err["msg"].removeprefix("Value error, ")
        named = _NAMED.match(message) if err["type"] == "value_error" else None
        if named:
            loc, message = (*loc, named[1]), named[2]
        elif err["type"] == "json_invalid":  # the body is not JSON: its loc is a character offset, not a field
            loc = ()
            message = f"the body is not valid JSON at character {err['loc'][-1]}: {(err.get('ctx') or {}).get('error', message)}"
        details.append(ErrorDetail(field=printable(loc_path(loc)) or None, message=printable(message), code=err["type"]))
    return details
