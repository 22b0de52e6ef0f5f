"""The sandbox's one settings object. To add a platform: a field here holding its PlatformConfig."""

from __future__ import annotations

from pydantic import Field

from .apple import AppleConfig
from .bing import BingConfig
from .core import FaultConfig, StrictModel
from .facebook import FacebookConfig
from .google import GoogleConfig
from .feeds import FeedsConfig
from .yelp import YelpConfig
from .here import HereConfig
from .foursquare import FoursquareConfig
from .tomtom import TomTomConfig
from .osm import OsmConfig


class SandboxConfig(StrictModel):
    seed: int = Field(0, description="seeds fault injection: the same requests in the same order meet the same faults")
    faults: FaultConfig = Field(default_factory=FaultConfig, description="for every platform without its own `faults`")
    google: GoogleConfig = Field(default_factory=GoogleConfig)
    facebook: FacebookConfig = Field(default_factory=FacebookConfig)
    apple: AppleConfig = Field(default_factory=AppleConfig)
    osm: OsmConfig = Field(default_factory=OsmConfig)
    here: HereConfig = Field(default_factory=HereConfig)
    foursquare: FoursquareConfig = Field(default_factory=FoursquareConfig)
    tomtom: TomTomConfig = Field(default_factory=TomTomConfig)
    bing: BingConfig = Field(default_factory=BingConfig)
    yelp: YelpConfig = Field(default_factory=YelpConfig)
    feeds: FeedsConfig = Field(default_factory=FeedsConfig)
