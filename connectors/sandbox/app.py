"""``create_app``: one FastAPI app serving every emulated platform under its own prefix."""

from __future__ import annotations

from fastapi import FastAPI

from .admin import admin_router
from .apple import AppleEmulator
from .bing import BingEmulator
from .config import SandboxConfig
from .core import Clock, Emulator, PlatformError, Sandbox, StatsMiddleware, SystemClock, platform_error_handler
from .facebook import FacebookEmulator
from .google import GoogleEmulator
from .lifecycle_google import mount_google_lifecycle
from .media_apple import mount_apple_media
from .media_facebook import mount_facebook_media
from .media_google import mount_google_media
from .media_images import test_images_router
from .feeds import FeedsEmulator
from .yelp import YelpEmulator
from .here import HereEmulator
from .foursquare import FoursquareEmulator
from .tomtom import TomTomEmulator
from .osm import OsmEmulator

# The registry: platform name (also its SandboxConfig field) -> emulator class.
EMULATORS: dict[str, type[Emulator]] = {
    "google": GoogleEmulator,
    "facebook": FacebookEmulator,
    "apple": AppleEmulator,
    "osm": OsmEmulator,
    "here": HereEmulator,
    "foursquare": FoursquareEmulator,
    "tomtom": TomTomEmulator,
    "bing": BingEmulator,
    "yelp": YelpEmulator,
    "feeds": FeedsEmulator,
}


def create_app(config: SandboxConfig | None = None, clock: Clock | None = None) -> FastAPI:
    """A fresh sandbox. ``config`` is copied (the app never mutates the caller's object);
    pass a ``ManualClock`` to drive review delays, token lifetimes and quota windows by hand."""
    config = config.model_copy(deep=True) if config is not None else SandboxConfig()
    sandbox = Sandbox(config, clock or SystemClock(), EMULATORS)
    mount_google_lifecycle(sandbox.emulators["google"])
    mount_google_media(sandbox.emulators["google"])
    mount_facebook_media(sandbox.emulators["facebook"])
    mount_apple_media(sandbox.emulators["apple"])
    app = FastAPI(title="Vitrine directory sandbox", docs_url="/_sandbox/docs", redoc_url=None, openapi_url="/_sandbox/openapi.json")
    app.state.sandbox = sandbox
    app.add_exception_handler(PlatformError, platform_error_handler)
    sandbox.include(app)
    app.include_router(admin_router(sandbox), prefix="/_sandbox")
    app.include_router(test_images_router())
    app.add_middleware(StatsMiddleware, sandbox=sandbox)
    return app
