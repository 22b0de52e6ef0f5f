"""A stored record as the API shows it, without validating it again.

Every record was validated when it was written, and `row.data` is what the schema dumped then
(`Establishment.content()`, every field present). Rebuilding the pydantic model on each read
ran the record's validators again (hours, phones, e-mail): about a fifth of the API's CPU under
mixed traffic, most of it on list pages of 50 to 500 sites. So reads serialise the stored dict
as is. A record whose keys are not the current schema's (stored before a field was added) goes
through the model, which fills in the defaults; `tests/establishments/test_public.py` checks
that both ways give the same JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import Response
from pydantic import TypeAdapter

from schemas import Establishment, EstablishmentPublic
from service.models import EstablishmentRow

_ORDER = tuple(f for f in Establishment.model_fields if f != "store_code")  # the model's order (JSONB keeps its own)
_CONTENT_KEYS = frozenset(_ORDER)
_DATETIME = TypeAdapter(datetime)


def public_dict(row: EstablishmentRow) -> dict[str, Any]:
    """The JSON `EstablishmentPublic` would give for this row."""
    data = row.data
    if data.keys() != _CONTENT_KEYS:
        return EstablishmentPublic.model_validate(
            {"store_code": row.store_code, **data, "revision": row.revision, "updated_at": row.updated_at}
        ).model_dump(mode="json")
    return {"store_code": row.store_code, **{k: data[k] for k in _ORDER}, "revision": row.revision,
            "updated_at": _DATETIME.dump_python(row.updated_at, mode="json")}


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status_code=status_code, headers=headers, media_type="application/json")


def record_response(row: EstablishmentRow, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """One record, with its ETag."""
    return json_response(public_dict(row), status_code, {"ETag": f'"{row.revision}"', **(headers or {})})
