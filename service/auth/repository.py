"""Organisation and API key queries."""

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import ApiKey, Organisation


async def organisation_by_name(session: AsyncSession, name: str) -> Organisation | None:
    return (await session.exec(select(Organisation).where(Organisation.name == name))).first()


async def organisations(session: AsyncSession) -> list[Organisation]:
    return list((await session.exec(select(Organisation).order_by(Organisation.name))).all())


_ACTIVE_KEY = (select(ApiKey, Organisation)
               .join(Organisation, col(Organisation.id) == ApiKey.organisation_id)
               .where(ApiKey.prefix == bindparam("prefix"), col(ApiKey.revoked_at).is_(None)))


async def active_key(session: AsyncSession, prefix: str) -> tuple[ApiKey, Organisation] | None:
    # the statement is built once: every API request runs this query
    found = (await session.exec(_ACTIVE_KEY, params={"prefix": prefix})).first()
    return (found[0], found[1]) if found else None
