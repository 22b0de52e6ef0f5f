"""Where a connection's requests go: part of the connection store the sync engine reads."""

from __future__ import annotations

from connectors.registry import CONNECTORS
from service.models import PlatformConnection
from service.settings import Settings


def base_url(settings: Settings, connection: PlatformConnection) -> str:
    """Settings (VITRINE_<PLATFORM>_BASE_URL) win, then the connection's option, then the platform's."""
    override = settings.platform_base_urls().get(connection.platform)
    return override or connection.options.get("base_url") or CONNECTORS[connection.platform].info.default_base_url
