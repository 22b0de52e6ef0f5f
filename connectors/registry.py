"""Every platform Vitrine can publish to: an explicit dict, key -> connector class.

To add a platform, write `connectors/<key>/` (see `connectors/base.py`) and add one line here.
"""

from connectors.apple.connector import AppleConnector
from connectors.base import Connector, PlatformInfo
from connectors.facebook.connector import FacebookConnector
from connectors.google.connector import GoogleConnector

CONNECTORS: dict[str, type[Connector]] = {
    "google": GoogleConnector,
    "facebook": FacebookConnector,
    "apple": AppleConnector,
}


def platform(key: str) -> PlatformInfo:
    return CONNECTORS[key].info


def platforms() -> list[PlatformInfo]:
    return [cls.info for cls in CONNECTORS.values()]
