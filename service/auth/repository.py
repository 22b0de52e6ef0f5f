"""Organisation, API key, user and session queries."""

from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.access import Scope
from service.models import ApiKey, EstablishmentRow, Organisation, User, UserSession


async def organisation_by_name(session: AsyncSession, name: str) -> Organisation | None:
    return (await session.exec(select(Organisation).where(Organisation.name == name))).first()


async def organisations(session: AsyncSession) -> list[Organisation]:
    return list((await session.exec(select(Organisation).order_by(Organisation.name))).all())


_ACTIVE_KEY = (select(ApiKey, Organisation, User)
               .join(Organisation, col(Organisation.id) == ApiKey.organisation_id)
               .outerjoin(User, col(User.id) == ApiKey.user_id)
               .where(ApiKey.prefix == bindparam("prefix"), col(ApiKey.revoked_at).is_(None)))


async def active_key(session: AsyncSession, prefix: str) -> tuple[ApiKey, Organisation, User | None] | None:
    # the statement is built once: every API request runs this query
    found = (await session.exec(_ACTIVE_KEY, params={"prefix": prefix})).first()
    return (found[0], found[1], found[2]) if found else None


async def keys(session: AsyncSession, org_id: int, user_id: int | None = None) -> list[tuple[ApiKey, str | None]]:
    """An organisation's keys (or one user's) with their owner's e-mail, newest first."""
    query = (select(ApiKey, User.email).outerjoin(User, col(User.id) == ApiKey.user_id)
             .where(ApiKey.organisation_id == org_id))
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return [(k, e) for k, e in (await session.exec(query.order_by(col(ApiKey.id).desc()))).all()]


async def key_by_prefix(session: AsyncSession, org_id: int, prefix: str) -> ApiKey | None:
    query = select(ApiKey).where(ApiKey.organisation_id == org_id, ApiKey.prefix == prefix)
    return (await session.exec(query)).first()


async def site_visible(session: AsyncSession, org_id: int, store_code: str, scope: Scope) -> bool:
    query = select(EstablishmentRow.id).where(EstablishmentRow.organisation_id == org_id,
                                              EstablishmentRow.store_code == store_code,
                                              scope.clause(col(EstablishmentRow.id)))
    return (await session.exec(query)).first() is not None


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.exec(select(User).where(User.email == email.strip().lower()))).first()


async def users(session: AsyncSession, org_id: int | None = None) -> list[User]:
    query = select(User)
    if org_id is not None:
        query = query.where(User.organisation_id == org_id)
    return list((await session.exec(query.order_by(User.email))).all())


async def session_user(session: AsyncSession, token_hash: str, now: datetime
                       ) -> tuple[UserSession, User, Organisation] | None:
    query = (select(UserSession, User, Organisation)
             .join(User, col(User.id) == UserSession.user_id)
             .join(Organisation, col(Organisation.id) == User.organisation_id)
             .where(UserSession.token_hash == token_hash, UserSession.expires_at > now,
                    col(User.disabled_at).is_(None)))
    found = (await session.exec(query)).first()
    return (found[0], found[1], found[2]) if found else None


async def end_sessions(session: AsyncSession, *, token_hash: str | None = None, user_id: int | None = None) -> None:
    query = delete(UserSession)
    query = query.where(UserSession.token_hash == token_hash) if token_hash else query.where(
        UserSession.user_id == user_id)
    await session.execute(query)
