"""Connecting an organisation to platforms."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.registry import CONNECTORS
from service.errors import ApiError
from service.models import EstablishmentRow, PlatformConnection, utcnow
from service.platforms.credentials import encrypt
from service.settings import Settings
from service.sync import outbox


def base_url(settings: Settings, connection: PlatformConnection) -> str:
    """Settings (VITRINE_<PLATFORM>_BASE_URL) win, then the connection's option, then the platform's."""
    override = settings.platform_base_urls().get(connection.platform)
    return override or connection.options.get("base_url") or CONNECTORS[connection.platform].info.default_base_url


async def get_connection(session: AsyncSession, org_id: int, platform: str) -> PlatformConnection | None:
    query = select(PlatformConnection).where(PlatformConnection.organisation_id == org_id,
                                             PlatformConnection.platform == platform)
    return (await session.exec(query)).first()


async def connections(session: AsyncSession, org_id: int) -> dict[str, PlatformConnection]:
    rows = (await session.exec(select(PlatformConnection).where(PlatformConnection.organisation_id == org_id))).all()
    return {r.platform: r for r in rows}


async def connect(session: AsyncSession, org_id: int, platform: str, credentials: dict[str, str],
                  options: dict[str, Any], settings: Settings) -> PlatformConnection:
    """Create or replace a connection, then queue every establishment of the organisation for it."""
    if platform not in CONNECTORS:
        raise ApiError(404, "not_found", f"unknown platform {platform!r}; see GET /api/v1/platforms")
    row = await get_connection(session, org_id, platform)
    now = utcnow()
    if row is None:
        row = PlatformConnection(organisation_id=org_id, platform=platform)
    row.credentials = encrypt(credentials, settings) if credentials else None
    row.options, row.enabled, row.state, row.state_detail, row.updated_at = dict(options), True, "connected", None, now
    session.add(row)
    await session.flush()
    query = select(EstablishmentRow.id, EstablishmentRow.revision).where(
        EstablishmentRow.organisation_id == org_id, col(EstablishmentRow.deleted_at).is_(None))
    saved = [(i, r) for i, r in (await session.exec(query)).all()]
    if saved:
        await outbox.mark_wanted(session, org_id, saved, [platform])  # type: ignore[arg-type]
    return row
