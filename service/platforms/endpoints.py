"""Where a connection's requests go, and which of its options the workers may use: part of the
connection store the sync engine reads."""

from __future__ import annotations

from typing import Any

from connectors.registry import CONNECTORS
from service.models import PlatformConnection
from service.platforms import options as option_rules
from service.settings import Settings


def base_url(settings: Settings, connection: PlatformConnection) -> str:
    """Settings (VITRINE_<PLATFORM>_BASE_URL) win, then the connection's option when the operator's
    allow-list holds it, then the platform's own."""
    override = settings.platform_base_urls().get(connection.platform)
    return override or connector_options(settings, connection).get("base_url") or \
        CONNECTORS[connection.platform].info.default_base_url


def connector_options(settings: Settings, connection: PlatformConnection) -> dict[str, Any]:
    """The stored options the workers may use (see service/platforms/options.py)."""
    return option_rules.usable(CONNECTORS[connection.platform].info, connection.options, settings.platform_url_allowlist)
