"""Platform connection queries."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.models import PlatformConnection


async def get_connection(session: AsyncSession, org_id: int, platform: str) -> PlatformConnection | None:
    query = select(PlatformConnection).where(PlatformConnection.organisation_id == org_id,
                                             PlatformConnection.platform == platform)
    return (await session.exec(query)).first()


async def connections(session: AsyncSession, org_id: int) -> dict[str, PlatformConnection]:
    rows = (await session.exec(select(PlatformConnection).where(PlatformConnection.organisation_id == org_id))).all()
    return {r.platform: r for r in rows}


async def connected_platforms(session: AsyncSession, org_id: int) -> list[str]:
    query = select(PlatformConnection.platform).where(
        PlatformConnection.organisation_id == org_id, col(PlatformConnection.enabled).is_(True))
    return sorted((await session.exec(query)).all())
