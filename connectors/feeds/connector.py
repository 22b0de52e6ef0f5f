"""Feed partners as registry entries: one `FeedConnector` class per partner of `PARTNERS`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from connectors.base import Delivery, FeedConnector, PlatformInfo, Rendering
from connectors.feeds.delivery import deliver
from connectors.feeds.partners import PARTNERS, FeedPartner
from connectors.feeds.render import render_feed, render_row
from schemas import Establishment


class _PartnerFeed:
    partner: ClassVar[FeedPartner]
    info: ClassVar[PlatformInfo]

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client, self.credentials = client, credentials
        self.options = dict(options)
        if self.partner.transport == "https" and "upload_url" not in self.options:
            self.options["upload_url"] = base_url

    def render(self, record: Establishment) -> Rendering:
        return render_row(self.partner, record)

    async def deliver(self, rows: list[dict[str, Any]], org_slug: str) -> Delivery:
        content = render_feed(self.partner, rows)
        filename = self.partner.filename.format(org=org_slug, date=datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ"))
        return await deliver(self.partner, content, filename, self.credentials, self.options, self.client)


def feed_connector(key: str) -> type[FeedConnector]:
    partner = PARTNERS[key]
    name = "".join(part.title() for part in key.split("_")) + "Feed"
    return type(name, (_PartnerFeed,), {"partner": partner, "info": partner.info})  # type: ignore[return-value]


FEED_CONNECTORS: dict[str, type[FeedConnector]] = {key: feed_connector(key) for key in PARTNERS}
