"""Connecting an organisation to platforms."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.registry import CONNECTORS
from service.errors import ApiError
from service.establishments import repository as est_repo
from service.models import PlatformConnection, utcnow
from service.platforms.options import check as checked_options
from service.platforms.repository import get_connection
from service.platforms.credentials import encrypt
from service.platforms.endpoints import base_url, connector_options  # noqa: F401  (re-exported for callers)
from service.settings import Settings
from service.sync import outbox


async def connect(session: AsyncSession, org_id: int, platform: str, credentials: dict[str, str],
                  options: dict[str, Any], settings: Settings) -> PlatformConnection:
    """Create or replace a connection, then queue every establishment of the organisation for it."""
    if platform not in CONNECTORS:
        raise ApiError(404, "not_found", f"unknown platform {platform!r}; see GET /api/v1/platforms")
    options = checked_options(CONNECTORS[platform].info, credentials, options, settings.platform_url_allowlist)
    row = await get_connection(session, org_id, platform)
    now = utcnow()
    if row is None:
        row = PlatformConnection(organisation_id=org_id, platform=platform)
    row.credentials = encrypt(credentials, settings) if credentials else None
    row.options, row.enabled, row.state, row.state_detail, row.updated_at = dict(options), True, "connected", None, now
    session.add(row)
    await session.flush()
    saved = await est_repo.current_revisions(session, org_id)
    if saved:
        await outbox.mark_wanted(session, org_id, saved, [platform])  # type: ignore[arg-type]
    return row


async def disconnect(session: AsyncSession, org_id: int, platform: str) -> None:
    """Stop pushing to a platform; the connection (and its history) is kept, disabled."""
    row = await get_connection(session, org_id, platform)
    if row is None:
        raise ApiError(404, "not_found", f"{platform!r} is not connected")
    row.enabled = False
