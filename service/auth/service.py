"""Organisations and their API keys."""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth import keys
from service.auth import repository as repo
from service.errors import ApiError
from service.models import ApiKey, Organisation, utcnow


@dataclass(frozen=True)
class Principal:
    """Who is calling: an organisation, through one key."""

    organisation_id: int
    organisation_name: str
    key_id: int | None
    key_prefix: str | None

    @property
    def source_ref(self) -> str | None:
        return f"key:{self.key_prefix}" if self.key_prefix else None


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


async def create_api_key(session: AsyncSession, org_name: str, key_name: str = "default") -> tuple[ApiKey, str]:
    org = await get_organisation(session, org_name)
    if org is None:
        raise ApiError(404, "not_found", f"organisation {org_name!r} not found")
    full, prefix, hashed = keys.generate()
    row = ApiKey(organisation_id=org.id, name=key_name, prefix=prefix, key_hash=hashed)  # type: ignore[arg-type]
    session.add(row)
    await session.flush()
    return row, full


async def authenticate(session: AsyncSession, presented: str) -> Principal | None:
    prefix = keys.parse_prefix(presented)
    if prefix is None:
        return None
    found = await repo.active_key(session, prefix)
    if found is None or not keys.matches(presented, found[0].key_hash):
        return None
    key, org = found
    now = utcnow()
    last = key.last_used_at
    if last is None or (now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo))).total_seconds() > 60:
        key.last_used_at = now  # at most one write a minute per key, not one per request
    return Principal(org.id, org.name, key.id, key.prefix)  # type: ignore[arg-type]
