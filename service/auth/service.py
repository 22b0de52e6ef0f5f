"""Organisations, API keys and the caller of a request (`Principal`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth import access, keys
from service.auth import repository as repo
from service.auth.access import Limit, Scope
from service.db import after_commit
from service.errors import ApiError, NotFound
from service.models import ApiKey, Organisation, User, utcnow


@dataclass(frozen=True)
class Principal:
    """Who is calling: an organisation, through one key or one signed-in user, with a role
    and the sites it may see (`scope`)."""

    organisation_id: int
    organisation_name: str
    key_id: int | None
    key_prefix: str | None
    role: str = "admin"
    scope: Scope = field(default_factory=Scope)
    user_id: int | None = None
    user_email: str | None = None

    @property
    def source_ref(self) -> str | None:
        """Who made a revision, as it is stored on it: the key, and the user behind it."""
        if self.key_prefix:
            ref = f"key:{self.key_prefix}" + (f" {self.user_email}" if self.user_email else "")
        elif self.user_email:
            ref = f"user:{self.user_email}"
        else:
            return None
        return ref[:64]

    def may(self, action: str) -> bool:
        return access.allowed(self.role, action) and (action not in access.UNLIMITED_ONLY or self.scope.unlimited)

    def require(self, action: str) -> None:
        access.require(self.role, action, self.scope)


async def create_organisation(session: AsyncSession, name: str) -> Organisation:
    name = name.strip()
    if not name:
        raise ApiError(422, "invalid_name", "an organisation needs a name")
    if await get_organisation(session, name):
        raise ApiError(409, "conflict", f"organisation {name!r} already exists")
    org = Organisation(name=name)
    session.add(org)
    await session.flush()
    return org


async def get_organisation(session: AsyncSession, name: str) -> Organisation | None:
    return await repo.organisation_by_name(session, name)


async def create_api_key(session: AsyncSession, org_name: str, key_name: str = "default", *,
                         user: User | None = None, expires_at: datetime | None = None, read_only: bool = False,
                         labels: list[str] | None = None, store_codes: list[str] | None = None
                         ) -> tuple[ApiKey, str]:
    """A new key; the full key is returned once and only its hash is kept. A key made by a
    user acts with that user's role and limits, narrowed by `read_only` and its own limits."""
    org = await get_organisation(session, org_name)
    if org is None:
        raise ApiError(404, "not_found", f"organisation {org_name!r} not found")
    if expires_at is not None and expires_at <= utcnow():
        raise ApiError(422, "invalid_expiry", "the expiry date is already past", field="expires_at")
    full, prefix, hashed = keys.generate()
    row = ApiKey(organisation_id=org.id, name=key_name.strip() or "default", prefix=prefix, key_hash=hashed,  # type: ignore[arg-type]
                 user_id=user.id if user else None, expires_at=expires_at, read_only=read_only,
                 labels=labels or None, store_codes=store_codes or None)
    session.add(row)
    await session.flush()
    return row, full


async def list_api_keys(session: AsyncSession, who: Principal) -> list[tuple[ApiKey, str | None]]:
    """An admin sees every key of the organisation; anyone else sees their own."""
    own = None if who.role == "admin" and who.scope.unlimited else (who.user_id or -1)
    return await repo.keys(session, who.organisation_id, own)


async def revoke_api_key(session: AsyncSession, who: Principal | None, org_id: int, prefix: str) -> ApiKey:
    """Revoke a key: refused from its next request on in this process, within `KEY_CACHE_SECONDS`
    in the others (see `authenticate`). `who` None: the CLI, acting for the whole organisation."""
    key = await repo.key_by_prefix(session, org_id, prefix)
    if key is None or (who is not None and not (who.role == "admin" and who.scope.unlimited)
                       and key.user_id != who.user_id):
        raise NotFound("API key", prefix)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        forget_keys(session)
    return key


def key_state(key: ApiKey) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= utcnow():
        return "expired"
    return "active"


# A key's principal is kept `KEY_CACHE_SECONDS` by the process that checked it: reading the key,
# its organisation and its user was a quarter of a simple GET's CPU. What can end a key's access
# (a revocation, a disabled user) clears this process's cache once committed; another process
# (a second API worker, the CLI) sees it within those seconds. Expiry is checked on every request.
KEY_CACHE_SECONDS = 5.0
_KEY_CACHE_MAX = 10_000
_known: dict[str, tuple[float, datetime | None, Principal]] = {}
_clock = time.monotonic


def forget_keys(session: AsyncSession | None = None) -> None:
    """Empty this process's key cache, after `session` commits when one is given."""
    if session is None:
        _known.clear()
    else:
        after_commit(session, _known.clear)


async def authenticate(session: AsyncSession, presented: str) -> Principal | None:
    prefix = keys.parse_prefix(presented)
    if prefix is None:
        return None
    digest, clock, now = keys.digest(presented), _clock(), utcnow()
    cached = _known.get(digest)
    if cached is not None and clock - cached[0] < KEY_CACHE_SECONDS and (cached[1] is None or cached[1] > now):
        return cached[2]
    principal, expires_at = await _authenticate(session, prefix, presented, now)
    if principal is not None:
        if len(_known) >= _KEY_CACHE_MAX:
            _known.clear()
        _known[digest] = (clock, expires_at, principal)
    return principal


async def _authenticate(session: AsyncSession, prefix: str, presented: str,
                        now: datetime) -> tuple[Principal | None, datetime | None]:
    found = await repo.active_key(session, prefix)
    if found is None or not keys.matches(presented, found[0].key_hash):
        return None, None
    key, org, user = found
    if key.expires_at is not None and key.expires_at <= now:
        return None, None
    if key.user_id is not None and (user is None or user.disabled_at is not None):
        return None, None
    last = key.last_used_at
    if last is None or (now - last).total_seconds() > 60:
        key.last_used_at = now  # at most one write a minute per key, not one per request
    role = user.role if user else "admin"
    if key.read_only:
        role = "viewer"
    scope = access.scope_of(Limit.of(user.labels, user.store_codes) if user else None,
                            Limit.of(key.labels, key.store_codes))
    return Principal(org.id, org.name, key.id, key.prefix, role=role, scope=scope,  # type: ignore[arg-type]
                     user_id=user.id if user else None, user_email=user.email if user else None), key.expires_at


async def ensure_visible(session: AsyncSession, who: Principal, store_code: str) -> None:
    """404 for a site outside the caller's limits, as for one that does not exist."""
    if not who.scope.unlimited and not await repo.site_visible(session, who.organisation_id, store_code, who.scope):
        raise NotFound("establishment", store_code)
