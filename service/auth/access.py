"""Who may do what: the one rule for the API, the CLI and the dashboard.

A caller (a user in the dashboard, or an API key) has a role and, optionally, limits. The role
says which *actions* are allowed (`PERMISSIONS`); the limits say which *sites* are visible at
all: a site outside them does not exist for the caller (404, never 403, so a limited user cannot
even learn that a store code is taken). docs/access.md is the table of both, and
tests/auth/test_access_table.py checks every cell of it against the running service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlmodel import col

from service.errors import ApiError
from service.models import EstablishmentLabel, EstablishmentRow

ROLES = ("admin", "editor", "viewer")

#: action → roles allowed. Reading is every role's; `bulk` (imports, campaigns, creating sites)
#: needs an unlimited editor and `read_all` (past imports, campaigns) an unlimited caller, since
#: they reach sites beyond any limit.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "edit": frozenset({"admin", "editor"}),
    "bulk": frozenset({"admin", "editor"}),
    "read_all": frozenset(ROLES),
    "admin": frozenset({"admin"}),
}
#: actions that reach every site of the organisation, so a limited caller may not do them
UNLIMITED_ONLY = frozenset({"bulk", "read_all"})


@dataclass(frozen=True)
class Limit:
    """Sites carrying one of `labels` or whose code is in `store_codes`."""

    labels: tuple[str, ...] = ()
    store_codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, labels: Sequence[str] | None, store_codes: Sequence[str] | None) -> Limit | None:
        if not labels and not store_codes:
            return None
        return cls(tuple(labels or ()), tuple(store_codes or ()))

    def describe(self) -> str:
        parts = [f"labels {', '.join(self.labels)}"] if self.labels else []
        parts += [f"sites {', '.join(self.store_codes)}"] if self.store_codes else []
        return "; ".join(parts)


@dataclass(frozen=True)
class Scope:
    """Every limit must hold (a user's, and the key's own when the key is narrower)."""

    limits: tuple[Limit, ...] = field(default_factory=tuple)

    @property
    def unlimited(self) -> bool:
        return not self.limits

    def clause(self, establishment_id: Any) -> Any:
        """A SQL condition on an establishment id column: true for the sites in scope."""
        if self.unlimited:
            return true()
        return and_(*(_limit_clause(limit, establishment_id) for limit in self.limits))

    def admits(self, store_code: str, labels: Sequence[str]) -> bool:
        """The same rule in Python, for a record not stored yet."""
        return all(store_code in limit.store_codes or any(lb in limit.labels for lb in labels)
                   for limit in self.limits)


def _limit_clause(limit: Limit, establishment_id: Any) -> Any:
    options = []
    if limit.labels:
        options.append(establishment_id.in_(select(EstablishmentLabel.establishment_id)
                                            .where(col(EstablishmentLabel.label).in_(limit.labels))))
    if limit.store_codes:
        options.append(establishment_id.in_(select(EstablishmentRow.id)
                                            .where(col(EstablishmentRow.store_code).in_(limit.store_codes))))
    return or_(*options)


def scope_of(*limits: Limit | None) -> Scope:
    return Scope(tuple(lim for lim in limits if lim is not None))


def allowed(role: str, action: str) -> bool:
    return role in PERMISSIONS[action]


def require(role: str, action: str, scope: Scope) -> None:
    """Raise 403 unless `role` may do `action`; `bulk` also needs an unlimited scope."""
    if not allowed(role, action):
        raise ApiError(403, "forbidden", f"the {role} role may not do this ({action} needs "
                       f"{' or '.join(sorted(PERMISSIONS[action]))})")
    if action in UNLIMITED_ONLY and not scope.unlimited:
        raise ApiError(403, "forbidden", "an account limited to some sites cannot see or run imports and "
                       "campaigns, nor create sites")
