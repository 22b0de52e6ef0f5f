"""Field-level differences between two JSON-ready records.

Nested objects are walked (`address.locality`, `phones.primary`, `hours.regular.monday`);
lists are compared whole, since a list's meaning is its whole content (opening intervals,
additional phones, photos).
"""

from typing import Any

from pydantic import BaseModel


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


def diff_records(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    _walk(before or {}, after, "", changes)
    return changes


def _walk(before: dict[str, Any], after: dict[str, Any], prefix: str, out: list[FieldChange]) -> None:
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        path = f"{prefix}{key}"
        if isinstance(old, dict) and isinstance(new, dict):
            _walk(old, new, f"{path}.", out)
        else:
            out.append(FieldChange(field=path, before=old, after=new))
