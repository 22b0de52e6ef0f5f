"""Issue 16, must-show 1 and 4: four varied records pushed, updated and read back on Yelp,
Foursquare, HERE, TomTom, OpenStreetMap and Bing, against the emulators rebuilt from their
documents, through the shared client (`connectors.http.make_client`).

The records: (A) a building line before the street, overnight hours, several phones and
categories; (B) a Belgian address, 24/7 hours and holiday closures; (C) a temporary closure
without coordinates; (D) a Swiss place that already exists on the platform (a Yelp business, a
Foursquare place given by its fsq_place_id, an OSM node with the same name and category).
Every request must be accepted (no 4xx/5xx in the sandbox's stats), every target must reach
its true status, and every request must carry Vitrine's User-Agent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext
from connectors.http import default_user_agent, make_client
from connectors.registry import CONNECTORS
from connectors.sandbox import ManualClock, create_app
from schemas import Establishment
from service.cli.demo import sandbox_connections
from tests.establishments.factories import record

PLATFORMS = ("yelp", "foursquare", "here", "tomtom", "osm", "bing")
ALL_DAY = [{"open": "00:00", "close": "24:00"}]
WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NO_GEO = "action_required"  # a platform that locates a new place by its point cannot create one without it


def records(fsq_place_id: str) -> dict[str, dict[str, Any]]:
    return {
        "A": record("SIX-A", name="Clinique Oberkampf",
                    address={"lines": ["Bâtiment B, 2e étage", "12 bis rue Oberkampf"], "postal_code": "75011",
                             "locality": "Paris", "region": "Île-de-France"},
                    phones={"primary": "+33143000000", "additional": ["+33612345678", "+33143000001"]},
                    categories={"primary": "hospital", "additional": ["emergency_room", "pharmacy"]},
                    hours={"regular": {"monday": [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}],
                                       "friday": [{"open": "22:00", "close": "02:00"}]}}),
        "B": record("SIX-B", name="Centre Médical de la Bourse", geo={"lat": 50.8503, "lng": 4.3517},
                    address={"lines": ["Rue Neuve 12"], "postal_code": "1000", "locality": "Bruxelles", "country": "BE"},
                    phones={"primary": "+3222345678", "additional": []},
                    categories={"primary": "medical_center", "additional": []},
                    hours={"regular": {day: ALL_DAY for day in WEEK},
                           "special": [{"start_date": "2026-12-25", "closed": True},
                                       {"start_date": "2027-01-01", "closed": True}]}),
        "C": record("SIX-C", name="Pharmacie des Acacias", geo=None, status="closed_temporarily",
                    reopen_date="2026-03-01", email=None, platform_ids={"foursquare": fsq_place_id},
                    address={"lines": ["Résidence Les Tilleuls", "4 allée des Acacias"], "postal_code": "69006",
                             "locality": "Lyon"},
                    categories={"primary": "pharmacy", "additional": []}),
        "D": record("SIX-D", name="Praxis am Bahnhof", geo={"lat": 47.3769, "lng": 8.5417},
                    address={"lines": ["Bahnhofstrasse 5"], "postal_code": "8001", "locality": "Zürich",
                             "region": "Zürich", "country": "CH"},
                    phones={"primary": "+41442000000", "additional": []},
                    categories={"primary": "hospital", "additional": []}),
    }


# The true status of each record after its update: live wherever the platform confirms it,
# action_required where a new place needs coordinates the record does not have.
EXPECTED = {platform: {"A": "live", "B": "live", "C": "live", "D": "live"} for platform in PLATFORMS}
for _platform in ("here", "tomtom", "osm"):
    EXPECTED[_platform]["C"] = NO_GEO


async def seed_existing(client: httpx.AsyncClient) -> str:
    """The places that already exist: a Foursquare place, an OSM node (Yelp's businesses exist by default)."""
    fsq = await client.post("/_sandbox/foursquare/places", json={"name": "Pharmacie des Acacias"})
    await client.post("/_sandbox/osm/nodes", json={"lat": 47.3769, "lon": 8.5417,
                                                   "tags": {"name": "Praxis am Bahnhof", "amenity": "hospital"}})
    return fsq.json()["fsq_id"]


def ctx(code: str, result: Any = None, previous: dict[str, Any] | None = None,
        changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code=code, remote_id=result.remote_id if result else None,
                       remote_version=result.remote_version if result else None, previous=previous,
                       changed=changed if changed is not None else [], request_id=f"six-{code}")


async def settle(connector: Any, result: Any, payload: dict[str, Any], clock: ManualClock) -> str:
    if result.state == "live":
        return "live"
    clock.advance(7 * 86_400)  # every emulator's review is over by then
    return (await connector.read_back(result.remote_id, payload)).state


async def run_platform(platform: str, client: httpx.AsyncClient, clock: ManualClock) -> dict[str, str]:
    credentials, options = sandbox_connections("http://sandbox")[platform]
    options = dict(options)
    connector = CONNECTORS[platform](client, options.pop("base_url"), credentials, options)
    fsq_place_id = await seed_existing(client)
    outcome: dict[str, str] = {}
    for key, raw in records(fsq_place_id).items():
        est = Establishment.model_validate(raw)
        first = connector.render(est)
        try:
            created = await connector.push(est, first, ctx(est.store_code))
        except ActionRequired:
            outcome[key] = "action_required"
            continue
        await settle(connector, created, first.payload, clock)
        changed_est = Establishment.model_validate({**raw, "name": raw["name"] + " (Vitrine)"})
        second = connector.render(changed_est)
        changed = sorted(k for k in {*first.payload, *second.payload} if first.payload.get(k) != second.payload.get(k))
        updated = await connector.push(changed_est, second, ctx(est.store_code, created, first.payload, changed))
        outcome[key] = await settle(connector, updated, second.payload, clock)
    return outcome


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_four_records_pushed_updated_and_read_back_with_no_request_refused(platform: str) -> None:
    clock = ManualClock()
    app = create_app(None, clock)
    async with make_client(10.0, transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as client:
        outcome = await run_platform(platform, client, clock)
        stats = (await client.get("/_sandbox/stats")).json()[platform]
    refused = {status: n for status, n in stats["by_status"].items() if int(status) >= 400}
    print(f"{platform}: {outcome} requests={stats['requests_total']} refused={refused} agents={stats['user_agents']}")
    assert refused == {}, stats["requests"]
    assert outcome == EXPECTED[platform]
    assert stats["requests_total"] > 0 and stats["user_agents"] == {default_user_agent(): stats["requests_total"]}
    existing = {"osm": ("node", "Praxis am Bahnhof"), "foursquare": ("place", "Pharmacie des Acacias")}.get(platform)
    if existing:  # the place the platform already had was edited, not created again
        assert existing[1] not in stats["creates"].get(existing[0], {})
