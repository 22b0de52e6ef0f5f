"""Tripadvisor: no write API (the Content API is read-only); owners edit on the owner portal.

The channel is `manual`: the engine turns each change into a list of what a person must change
on the portal (`detail.manual`), with the status `action_required` until someone confirms it is
done (`POST /api/v1/establishments/{code}/sync/tripadvisor/done`), after which it is `submitted`.
Which fields the portal shows is from Tripadvisor's owner help pages, not an API (UNVERIFIED).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from connectors.base import Channel, PlatformInfo, Rendering
from connectors.common.opening_hours import osm_text
from schemas import Establishment

FIELDS = frozenset({"name", "status", "address", "phones.primary", "website", "email", "hours.regular",
                    "description"})
STATUS = {"open": "Open", "closed_temporarily": "Temporarily closed", "closed_permanently": "Permanently closed",
          "opening_soon": "Opening soon"}


def render(record: Establishment) -> Rendering:
    """What the owner portal's form asks for, as a person would type it."""
    address = record.address
    payload: dict[str, Any] = {
        "Name": record.name,
        "Address": ", ".join([*address.lines, " ".join(p for p in (address.postal_code, address.locality) if p),
                              address.country]),
        "Phone": record.phones.primary or "",
        "Website": record.website or "",
        "Email": record.email or "",
        "Hours": (osm_text(record.hours.regular) or "") if not record.hours.regular.is_always_open() else "24/7",
        "Description": record.description or "",
        "Status": STATUS[record.status.value],
    }
    unsupported = {}
    if record.hours.special:
        unsupported["hours.special"] = "the owner portal has no holiday hours"
    if record.photos:
        unsupported["photos"] = "photos are uploaded by hand on the portal; not listed"
    if record.phones.additional:
        unsupported["phones.additional"] = "the owner portal takes one phone number"
    if record.geo:
        unsupported["geo"] = "Tripadvisor places the pin from the address"
    if record.categories:
        unsupported["categories"] = "the category is chosen from Tripadvisor's own list when the listing is claimed"
    return Rendering(payload=payload, unsupported=unsupported)


class TripadvisorConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="tripadvisor", name="Tripadvisor", channel=Channel.manual, capabilities=FIELDS, quota=None,
        location_quota=None, typical_delay=timedelta(days=3), verifiable=False,
        default_base_url="https://www.tripadvisor.com/Owners",
        notes="No write API: each change becomes a list of edits for a person on the owner portal.")

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        pass

    def render(self, record: Establishment) -> Rendering:
        return render(record)
