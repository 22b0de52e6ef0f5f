"""Opaque cursors for keyset pagination, signed so that only this server's cursors are read.

A cursor is `base64url(JSON).base64url(HMAC-SHA256)`, the MAC keyed by a key derived from the
server secret (`VITRINE_SECRET_KEY`, or the embedded `secret.key`; see
service/platforms/credentials.py). A cursor that was not produced here, was altered, or (when
the endpoint says what shape it expects) holds another shape is a 400 `invalid_cursor`, before
any query runs. Every paginated list passes the shape its own `encode_cursor` writes (the
aliases below), so a signed cursor of one list handed to another is a 400 too, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from schemas.establishment import STORE_CODE_PATTERN
from service.errors import ApiError
from service.settings import get_settings

T = TypeVar("T")

MAX_CURSOR = 2048
# The `cursor` query parameter of every paginated list.
CursorParam = Annotated[str | None, Query(max_length=MAX_CURSOR, description="`next_cursor` of the previous page")]
# The shapes lists write into their cursors (checked strictly, as JSON: "1" is not 1).
PositiveId = Annotated[int, Field(ge=1)]
RowNumber = Annotated[int, Field(ge=0)]
Key = Annotated[str, Field(min_length=1, max_length=200)]
StoreCodeKey = Annotated[str, Field(pattern=STORE_CODE_PATTERN)]
NewestFirst = tuple[datetime, Key]  # (created_at, id) of the last item of a newest-first list


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@lru_cache(maxsize=4)
def _derive(material: str) -> bytes:
    return hashlib.sha256(b"vitrine cursor\0" + material.encode()).digest()


def _key() -> bytes:
    from service.platforms.credentials import _key_material  # the one place the secret is read

    return _derive(_key_material(get_settings()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str) -> str:
    return _b64(hmac.new(_key(), payload.encode(), hashlib.sha256).digest()[:16])


def encode_cursor(value: Any) -> str:
    payload = _b64(json.dumps(value, separators=(",", ":")).encode())
    return f"{payload}.{_mac(payload)}"


def _invalid() -> ApiError:
    return ApiError(400, "invalid_cursor", "this cursor was not produced by this API for this list: "
                    "pass `next_cursor` from the previous page unchanged", field="cursor")


@lru_cache(maxsize=32)
def _adapter(shape: Any) -> TypeAdapter[Any]:
    return TypeAdapter(shape)


def decode_cursor(cursor: str | None, shape: Any) -> Any:
    """The value `encode_cursor` signed, validated strictly against `shape` (a type: `str`,
    `PositiveId`, `NewestFirst`…); anything else is a 400 `invalid_cursor` naming `cursor`."""
    if not cursor:
        return None
    payload, dot, mac = cursor.rpartition(".")
    if not dot or len(cursor) > MAX_CURSOR or not hmac.compare_digest(mac.encode(errors="replace"), _mac(payload).encode()):
        raise _invalid()
    try:
        return _adapter(shape).validate_json(_unb64(payload), strict=True)
    except (ValueError, binascii.Error, ValidationError):
        raise _invalid() from None
