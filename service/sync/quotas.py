"""Effective quotas: the platform's documented defaults, overridable in settings.

`VITRINE_RATE_LIMITS='{"google": "300/60", "google:location": "10/60", "apple": "off"}'`
"""

from connectors.base import Quota
from connectors.registry import CONNECTORS
from service.settings import Settings


def _parse(text: str) -> Quota | None:
    if text.strip().lower() in ("off", "none", "0"):
        return None
    count, _, seconds = text.partition("/")
    return Quota(int(count), float(seconds or 1))


def quotas_for(settings: Settings, platform: str) -> tuple[Quota | None, Quota | None]:
    info = CONNECTORS[platform].info
    overrides = settings.rate_limits
    shared = _parse(overrides[platform]) if platform in overrides else info.quota
    key = f"{platform}:location"
    location = _parse(overrides[key]) if key in overrides else info.location_quota
    return shared, location
