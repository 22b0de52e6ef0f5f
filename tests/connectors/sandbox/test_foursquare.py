"""Foursquare emulator: validation, dry run, idempotency, quota, review over clock time, admin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig
from connectors.sandbox.foursquare import FoursquareConfig

AUTH = {"Authorization": "Bearer sandbox-foursquare-key"}
PLACE = {"name": "Clinique", "latitude": 48.86, "longitude": 2.37, "hours": {"Mon": [["09:00", "18:00"]]}}


async def suggest(client: httpx.AsyncClient, body: dict[str, Any] | None = None, key: str | None = None,
                  **params: str) -> httpx.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/foursquare/places/suggest/place", json=body or PLACE, headers=headers, params=params)


async def test_new_place_review_then_edit(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await suggest(client, key="k1")
    assert created.status_code == 201 and created.json()["status"] == "pending"
    sid = created.json()["suggestion_id"]
    status = f"/foursquare/places/suggest/status/{sid}"
    clock.advance(29.9)
    assert (await client.get(status, headers=AUTH)).json()["status"] == "pending"
    clock.advance(0.1)
    accepted = (await client.get(status, headers=AUTH)).json()
    assert accepted["status"] == "accepted" and accepted["fsq_id"]
    edit = await client.post(f"/foursquare/places/{accepted['fsq_id']}/suggest/edit", json={"name": "Clinique 2"},
                             headers=AUTH)
    assert edit.status_code == 201 and edit.json()["type"] == "edit"
    clock.advance(30)
    place = (await client.get(f"/foursquare/places/{accepted['fsq_id']}", headers=AUTH)).json()
    assert place["name"] == "Clinique 2" and place["hours"] == {"Mon": [["09:00", "18:00"]]}


async def test_idempotency_key_and_stats(client: httpx.AsyncClient) -> None:
    first, again = await suggest(client, key="k1"), await suggest(client, key="k1")
    assert again.status_code == 200 and again.json()["suggestion_id"] == first.json()["suggestion_id"]
    stats = (await client.get("/_sandbox/stats")).json()["foursquare"]
    assert stats["creates"]["place"] == {"k1": 1} and stats["create_requests"]["place"] == {"k1": 2}


async def test_validation_and_dry_run(client: httpx.AsyncClient) -> None:
    bad = await suggest(client, {"name": "", "latitude": 100, "tel": "call", "website": "x", "hours": {"Lun": []},
                                 "country": "FRA", "colour": "red"})
    assert bad.status_code == 400 and bad.json()["message"] == "Invalid request"
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "latitude", "longitude", "tel", "website", "hours",
                                                           "country", "colour"}
    dry = await suggest(client, dry_run="true")
    assert dry.json() == {"dry_run": True, "valid": True}
    assert (await client.get("/_sandbox/foursquare/locations")).json()["suggestions"] == []
    missing = await client.post("/foursquare/places/nope/suggest/edit", json={"name": "x"}, headers=AUTH)
    assert missing.status_code == 404


async def test_auth_quota_and_reject(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(foursquare=FoursquareConfig(quota=QuotaConfig(count=2, window_seconds=1))))
    assert (await client.post("/foursquare/places/suggest/place", json=PLACE)).status_code == 401
    sid = (await suggest(client)).json()["suggestion_id"]
    await suggest(client, key="other")
    throttled = await suggest(client, key="third")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    clock.advance(1)
    await client.post(f"/_sandbox/foursquare/suggestions/{sid}/reject", json={"reason": "Duplicate venue"})
    body = (await client.get(f"/foursquare/places/suggest/status/{sid}", headers=AUTH)).json()
    assert (body["status"], body["reason"]) == ("rejected", "Duplicate venue")
    fsq_id = (await client.post("/_sandbox/foursquare/places", json={"name": "Seeded"})).json()["fsq_id"]
    assert (await client.get(f"/foursquare/places/{fsq_id}", headers=AUTH)).json()["name"] == "Seeded"


HOSPITAL, PHARMACY = "4bf58dd8d48988d196941735", "4bf58dd8d48988d10f951735"


async def test_category_ids_reach_the_place(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await suggest(client, {**PLACE, "fsq_category_ids": [HOSPITAL, PHARMACY]})
    assert created.status_code == 201
    clock.advance(30)
    status = (await client.get(f"/foursquare/places/suggest/status/{created.json()['suggestion_id']}",
                               headers=AUTH)).json()
    place = (await client.get(f"/foursquare/places/{status['fsq_id']}", headers=AUTH)).json()
    assert place["fsq_category_ids"] == [HOSPITAL, PHARMACY]


@pytest.mark.parametrize("value", [
    [HOSPITAL, PHARMACY, "4bf58dd8d48988d104941735", "4bf58dd8d48988d178941735"],  # more than 3
    [],
    [HOSPITAL, HOSPITAL],
    ["15014"],  # a legacy 5-digit category code, not an id
    [HOSPITAL.upper()],
    HOSPITAL,
    [{"id": HOSPITAL}],
])
async def test_category_ids_are_validated(client: httpx.AsyncClient, value: Any) -> None:
    response = await suggest(client, {**PLACE, "fsq_category_ids": value})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "fsq_category_ids", "message":
                                          "must be a list of 1 to 3 distinct category ids (24 hex digits)"}]
    assert (await client.get("/_sandbox/foursquare/locations")).json()["suggestions"] == []
