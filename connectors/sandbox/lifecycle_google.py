"""Google Business Information API v1 `locations.delete` (DELETE v1/{+name}, answers `Empty`).

From the discovery document shipped in contracts/google: "Deletes a location. If this location
cannot be deleted using the API and it is marked so in the LocationState, use the Google
Business Profile website." The sandbox reads `metadata.canDelete` (LocationState is exposed as
`metadata` in v1): false answers FAILED_PRECONDITION. UNVERIFIED: that error's exact wording, and
what a later create with the deleted location's requestId gets (a new location here).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import google_rules as rules
from .core import json_response
from .extras import mount


def mount_google_lifecycle(emulator: Any) -> None:
    router = APIRouter()

    async def delete(request: Request, location_id: str) -> Response:
        emulator.authorize(request)
        loc = emulator.location(location_id)
        if (loc.live.get("metadata") or {}).get("canDelete") is False:
            raise rules.google_error("FAILED_PRECONDITION", "This location cannot be deleted using the API; "
                                     "use the Google Business Profile website.")
        del emulator.locations[location_id]
        # its create's requestId no longer answers it (UNVERIFIED: how long Google remembers one)
        for key, found in list(emulator.request_ids.items()):
            if found == location_id:
                del emulator.request_ids[key]
        return json_response({})

    router.add_api_route("/v1/locations/{location_id}", delete, methods=["DELETE"])
    mount(emulator, router)
