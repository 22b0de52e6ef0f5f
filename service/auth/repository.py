"""Organisation and API key queries."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import ApiKey, Organisation


async def organisation_by_name(session: AsyncSession, name: str) -> Organisation | None:
    return (await session.exec(select(Organisation).where(Organisation.name == name))).first()


async def organisations(session: AsyncSession) -> list[Organisation]:
    return list((await session.exec(select(Organisation).order_by(Organisation.name))).all())


async def active_key(session: AsyncSession, prefix: str) -> tuple[ApiKey, Organisation] | None:
    query = (select(ApiKey, Organisation)
             .join(Organisation, col(Organisation.id) == ApiKey.organisation_id)
             .where(ApiKey.prefix == prefix, col(ApiKey.revoked_at).is_(None)))
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found else None
