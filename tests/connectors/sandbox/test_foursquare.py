"""The Foursquare emulator, from the Places API reference (2025-06-17): query parameters only, the old requests refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig

HEADERS = {"Authorization": "Bearer sandbox-foursquare-key", "X-Places-Api-Version": "2025-06-17"}
NEW = {"name": "Clinique du Parc", "latitude": "48.8656", "longitude": "2.3781", "country_code": "FR",
       "hours": "1,0800,1200;5,2200,+0200", "categories": "4bf58dd8d48988d196941735"}


async def place(client: httpx.AsyncClient) -> str:
    return (await client.post("/_sandbox/foursquare/places", json={"name": "X"})).json()["fsq_id"]


async def test_suggestion_lifecycle_and_status_by_query(client: httpx.AsyncClient, clock: ManualClock) -> None:
    response = await client.post("/foursquare/places/suggest/place", params=NEW, headers=HEADERS)
    assert response.status_code == 201
    suggestion = response.json()["suggested_edit_id"]
    again = await client.post("/foursquare/places/suggest/place", params=NEW, headers=HEADERS)
    assert again.status_code == 200 and again.json()["suggested_edit_id"] == suggestion
    status = await client.get("/foursquare/places/suggest/status", params={"suggested_edit_ids": suggestion}, headers=HEADERS)
    assert status.json()["results"][0]["status"] == "PENDING"
    clock.advance(30)
    [result] = (await client.get("/foursquare/places/suggest/status", params={"suggested_edit_ids": suggestion},
                                 headers=HEADERS)).json()["results"]
    assert result["status"] == "ACCEPTED" and result["fsq_place_id"]


@pytest.mark.parametrize(("path", "kwargs", "where"), [
    ("edit", {"json": {"name": "X"}}, "query parameters only"),  # a JSON body
    ("edit", {"params": {"country": "FR"}}, "country is not a parameter"),
    ("edit", {"params": {"fsq_category_ids": "4bf58dd8d48988d196941735"}}, "fsq_category_ids is not a parameter"),
    ("edit", {"params": {"address_extended": "Bâtiment B"}}, "address_extended is not a parameter"),
    ("edit", {"params": {"closed": "true"}}, "closed is not a parameter"),
    ("edit", {"params": {"hours": "Mon 08:00-12:00"}}, "hours"),
    ("edit", {"params": {"hours": "0,0800,1200"}}, "hours"),  # Monday is 1
    ("edit", {"params": {"website": ""}}, "unset_fields"),  # clearing by an empty value
    ("edit", {"params": {"description": "x" * 301}}, "300"),
    ("remove", {"params": {"reason": "closed"}}, "reason"),
])
async def test_the_old_request_classes_are_refused(client: httpx.AsyncClient, path: str, kwargs: dict[str, Any],
                                                   where: str) -> None:
    fsq_id = await place(client)
    response = await client.post(f"/foursquare/places/{fsq_id}/suggest/{path}", headers=HEADERS, **kwargs)
    assert response.status_code == 400 and where in response.json()["message"]


async def test_the_old_status_path_and_a_missing_version_header(client: httpx.AsyncClient) -> None:
    assert (await client.get("/foursquare/places/suggest/status/abc", headers=HEADERS)).status_code == 404
    response = await client.post("/foursquare/places/suggest/place", params=NEW,
                                 headers={"Authorization": HEADERS["Authorization"]})
    assert response.status_code == 400 and "X-Places-Api-Version" in response.json()["message"]


async def test_closure_is_a_remove_with_reason_closed(client: httpx.AsyncClient, clock: ManualClock) -> None:
    fsq_id = await place(client)
    response = await client.post(f"/foursquare/places/{fsq_id}/suggest/remove", params={"reason": "CLOSED"}, headers=HEADERS)
    assert response.status_code == 201
    clock.advance(30)
    assert (await client.get(f"/foursquare/places/{fsq_id}", headers=HEADERS)).json()["closed"] == "CLOSED"


async def test_quota_auth_and_dry_run(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig.model_validate({"foursquare": {"quota": {"count": 1, "window_seconds": 1}}}))
    dry = await client.post("/foursquare/places/suggest/place", params={**NEW, "dry_run": "true"}, headers=HEADERS)
    assert dry.json() == {"dry_run": True}
    throttled = await client.post("/foursquare/places/suggest/place", params=NEW, headers=HEADERS)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    clock.advance(1)
    denied = await client.post("/foursquare/places/suggest/place", params=NEW,
                               headers={**HEADERS, "Authorization": "Bearer nope"})
    assert denied.status_code == 401
