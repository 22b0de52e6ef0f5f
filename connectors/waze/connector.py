"""Waze: organic places come from Google's listings; Vitrine pushes nothing of its own.

Waze's Ads API only manages advertising pins, so the truthful status of a site on Waze is its
status on Google: the engine mirrors the Google target of the same establishment (see
service/sync/engine.py, `mirror_derived`). Without a Google connection Waze is `not_connected`.
How long Waze takes to pick up a Google change is undocumented: the typical delay is a guess
(UNVERIFIED), added to Google's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from connectors.base import Channel, PlatformInfo, Rendering
from schemas import Establishment


class WazeConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="waze", name="Waze", channel=Channel.derived, capabilities=frozenset(), quota=None,
        location_quota=None, typical_delay=timedelta(days=7), verifiable=False, default_base_url="",
        follows="google",
        notes="Follows Google Business Profile: its status mirrors the site's Google status; no push of its own.")

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        pass

    def render(self, record: Establishment) -> Rendering:
        return Rendering(payload={}, unsupported={"*": "Waze takes its organic places from Google"})
