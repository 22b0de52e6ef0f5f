"""Every platform Vitrine can publish to: an explicit dict, key -> connector class.

To add a platform, write `connectors/<key>/` (see `connectors/base.py`) and add one line here.
"""

from connectors.apple.connector import AppleConnector
from connectors.base import Connector, FeedConnector, PlatformInfo, Rendering, unmet_requirements
from connectors.bing.connector import BingConnector
from connectors.facebook.connector import FacebookConnector
from connectors.feeds.connector import FEED_CONNECTORS
from connectors.google.connector import GoogleConnector
from connectors.tripadvisor.connector import TripadvisorConnector
from connectors.waze.connector import WazeConnector
from connectors.yelp.connector import YelpConnector
from connectors.here.connector import HereConnector
from connectors.foursquare.connector import FoursquareConnector
from connectors.tomtom.connector import TomTomConnector
from connectors.osm.connector import OsmConnector
from schemas import Establishment

CONNECTORS: dict[str, type[Connector] | type[FeedConnector]] = {
    "google": GoogleConnector,
    "facebook": FacebookConnector,
    "apple": AppleConnector,
    "osm": OsmConnector,
    "here": HereConnector,
    "foursquare": FoursquareConnector,
    "tomtom": TomTomConnector,
    "bing": BingConnector,
    "yelp": YelpConnector,
    "waze": WazeConnector,  # derived: mirrors Google
    "tripadvisor": TripadvisorConnector,  # manual: a person edits the owner portal
    # feed partners (channel feed): one class per row of connectors/feeds/partners.py
    **FEED_CONNECTORS,
}


def render(key: str, record: Establishment) -> Rendering:
    """What `key` would be sent for `record`: rendering is pure, so no client or credentials. A
    record the platform cannot take (`PlatformInfo.requires`) renders as nothing, with the reason."""
    cls = CONNECTORS[key]
    if (reason := unmet_requirements(cls.info, record)) is not None:
        return Rendering({}, {name: reason for name in sorted(cls.info.requires)})
    return cls(None, cls.info.default_base_url, {}, {}).render(record)  # type: ignore[arg-type]


def platform(key: str) -> PlatformInfo:
    return CONNECTORS[key].info


def platforms() -> list[PlatformInfo]:
    return [cls.info for cls in CONNECTORS.values()]
