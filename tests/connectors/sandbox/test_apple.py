from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, SandboxConfig
from connectors.sandbox.apple import AppleConfig

from .payloads import APPLE_CLIENT, apple_details

API = "/apple/api/v1"
LOCATIONS = f"{API}/orgs/5000/locations"


async def auth(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(f"{API}/oauth2/token", json=APPLE_CLIENT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return {"Authorization": f"Bearer {body['access_token']}"}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> httpx.Response:
    return await client.post(LOCATIONS, json={"locationDetails": apple_details(**overrides)}, headers=headers)


def apple_errors(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and all({"code", "message"} <= set(item) for item in body)
    return body


async def test_create_then_review_states_and_place_card(client: httpx.AsyncClient, clock: ManualClock) -> None:
    headers = await auth(client)
    created = await create(client, headers)
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "SUBMITTED" and body["locationDetails"] == apple_details()
    assert body["createdDate"] == body["updatedDate"] == "2026-01-01T00:00:00.000Z"
    assert created.headers["etag"] == f'"{body["etag"]}"' and "placeCardUrl" not in body
    url = f"{LOCATIONS}/{body['id']}"
    states = []
    for step in (0, 4.9, 0.1, 9.9, 0.1):
        clock.advance(step)
        states.append((await client.get(url, headers=headers)).json()["state"])
    assert states == ["SUBMITTED", "SUBMITTED", "PROCESSING", "PROCESSING", "PUBLISHED"]
    published = (await client.get(url, headers=headers)).json()
    assert published["placeCardUrl"].startswith("https://maps.apple.com/place?auid=") and published["etag"] == body["etag"]


async def test_partners_location_id_is_unique_and_searchable(client: httpx.AsyncClient) -> None:
    headers = await auth(client)
    first = (await create(client, headers)).json()
    duplicate = await create(client, headers, displayNames=[{"name": "Autre", "locale": "fr-FR", "primary": True}])
    [error] = apple_errors(duplicate, 409)
    assert error["code"] == "LOCATION_ALREADY_EXISTS" and error["context"]["locationId"] == first["id"]
    other = (await create(client, headers, partnersLocationId="EST-2")).json()
    found = (await client.get(LOCATIONS, params={"ql": 'locationDetails.displayNames.name=="Clinique du Parc"'},
                              headers=headers)).json()  # Apple's documented filter
    assert [loc["id"] for loc in found["data"]] == [first["id"], other["id"]] and found["total"] == 2
    everything = (await client.get(LOCATIONS, params={"limit": "1"}, headers=headers)).json()
    assert [loc["id"] for loc in everything["data"]] == [first["id"]] and everything["pagination"]["cursors"]["after"] == "1"
    rest = (await client.get(everything["pagination"]["next"], headers=headers)).json()
    assert [loc["id"] for loc in rest["data"]] == [other["id"]] and rest["pagination"] == {"cursors": {}}
    stats = (await client.get("/_sandbox/stats")).json()["apple"]
    assert stats["creates"] == {"partnersLocationId": {"EST-1": 1, "EST-2": 1}}
    assert stats["create_requests"] == {"partnersLocationId": {"EST-1": 2, "EST-2": 1}}


async def test_put_needs_a_current_etag_and_replaces_everything(client: httpx.AsyncClient, clock: ManualClock) -> None:
    headers = await auth(client)
    created = (await create(client, headers)).json()
    url = f"{LOCATIONS}/{created['id']}"
    clock.advance(60)
    new_details = apple_details(urls=None, categories=["health.clinic"])
    del new_details["urls"]
    missing = await client.put(url, json={"locationDetails": new_details}, headers=headers)
    assert apple_errors(missing, 428)[0]["code"] == "PRECONDITION_REQUIRED"
    stale = await client.put(url, json={"locationDetails": new_details}, headers={**headers, "If-Match": '"0123"'})
    assert apple_errors(stale, 412)[0]["code"] == "PRECONDITION_FAILED"
    updated = await client.put(url, json={"locationDetails": new_details}, headers={**headers, "If-Match": f'"{created["etag"]}"'})
    assert updated.status_code == 200
    body = updated.json()
    assert body["etag"] != created["etag"] and body["state"] == "SUBMITTED" and body["updatedDate"] == "2026-01-01T00:01:00.000Z"
    assert "urls" not in body["locationDetails"] and body["locationDetails"]["categories"] == ["health.clinic"]
    assert body["placeCardUrl"]  # published before the update: the place card stays
    again = await client.put(url, json={"locationDetails": new_details}, headers={**headers, "If-Match": body["etag"]})
    assert apple_errors(again, 409)[0]["code"] == "RESOURCE_HAS_NO_NEW_CHANGES"


async def test_third_party_edit_changes_the_etag(client: httpx.AsyncClient) -> None:
    headers = await auth(client)
    created = (await create(client, headers)).json()
    edit = await client.post(f"/_sandbox/apple/locations/{created['id']}/edit", json={"field": "mainAddress.structuredAddress.postCode", "value": "69007"})
    assert edit.json()["locationDetails"]["mainAddress"]["structuredAddress"]["postCode"] == "69007"
    stale = await client.put(f"{LOCATIONS}/{created['id']}", json={"locationDetails": apple_details()}, headers={**headers, "If-Match": created["etag"]})
    assert stale.status_code == 412


async def test_rejected_location_is_resubmitted_by_a_put(client: httpx.AsyncClient) -> None:
    headers = await auth(client)
    created = (await create(client, headers)).json()
    feedback = [{"code": "NAME_MISMATCH", "message": "The name does not match the storefront.", "field": "displayNames"}]
    await client.post(f"/_sandbox/apple/locations/{created['id']}/reject", json={"feedback": feedback})
    read = (await client.get(f"{LOCATIONS}/{created['id']}", headers=headers)).json()
    assert read["state"] == "REJECTED" and read["feedback"] == feedback
    fixed = apple_details(displayNames=[{"name": "Clinique du Parc Lyon", "locale": "fr-FR", "primary": True}])
    put = await client.put(f"{LOCATIONS}/{created['id']}", json={"locationDetails": fixed}, headers={**headers, "If-Match": read["etag"]})
    assert put.json()["state"] == "SUBMITTED" and "feedback" not in put.json()


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"partnersLocationId": None}, "VALIDATION__REQUIRED_FIELD_MISSING", "locationDetails.partnersLocationId"),
    ({"displayNames": []}, "VALIDATION__INVALID_VALUE", "locationDetails.displayNames"),
    ({"mainAddress": {"structuredAddress": {"countryCode": "FR", "postCode": "69006"}}},
     "VALIDATION__REQUIRED_FIELD_MISSING", "locationDetails.mainAddress.structuredAddress.locality"),
    ({"mainAddress": {"structuredAddress": {"countryCode": "France", "locality": "Lyon", "postCode": "69006"}}},
     "VALIDATION__INVALID_VALUE", "locationDetails.mainAddress.structuredAddress.countryCode"),
    ({"displayPoint": {"coordinates": {"latitude": 45.77, "longitude": "4.85000"}}}, "VALIDATION__INVALID_TYPE", "locationDetails.displayPoint.coordinates.latitude"),
    ({"phoneNumbers": [{"phoneNumber": "+33472000000", "type": "PAGER", "primary": True}]}, "VALIDATION__INVALID_VALUE", "locationDetails.phoneNumbers[0].type"),
    ({"categories": []}, "VALIDATION__INVALID_VALUE", "locationDetails.categories"),
    ({"openingHoursByDay": [{"day": "MON", "times": [{"startTime": "08:00", "endTime": "19:00"}]}]}, "VALIDATION__INVALID_VALUE", "locationDetails.openingHoursByDay[0].day"),
    ({"openingHoursByDay": [{"day": "MONDAY", "times": [{"startTime": "8h", "endTime": "19:00"}]}]},
     "VALIDATION__INVALID_VALUE", "locationDetails.openingHoursByDay[0].times[0].startTime"),
    ({"nickname": "x"}, "VALIDATION__UNKNOWN_FIELD", "locationDetails.nickname"),
])
async def test_validation_errors(client: httpx.AsyncClient, overrides: dict[str, Any], code: str, field: str) -> None:
    headers = await auth(client)
    details = {k: v for k, v in apple_details(**overrides).items() if v is not None}
    response = await client.post(LOCATIONS, json={"locationDetails": details}, headers=headers)
    [error] = apple_errors(response, 400)
    assert (error["code"], error["context"]["field"]) == (code, field)


async def test_default_token_lives_an_hour(client: httpx.AsyncClient) -> None:
    token = (await client.post(f"{API}/oauth2/token", json=APPLE_CLIENT)).json()
    assert token["expires_in"] == 3600 and token["access_token"].startswith("apple-sandbox-")


async def test_token_errors_and_expiry(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(apple=AppleConfig(token_ttl_seconds=600)))
    bad_secret = await client.post(f"{API}/oauth2/token", json={**APPLE_CLIENT, "client_secret": "nope"})
    assert (bad_secret.status_code, bad_secret.json()) == (401, {"error": "invalid_client"})
    bad_grant = await client.post(f"{API}/oauth2/token", json={**APPLE_CLIENT, "grant_type": "password"})
    assert bad_grant.status_code == 400 and bad_grant.json()[0]["context"]["field"] == "$.grant_type"
    token = (await client.post(f"{API}/oauth2/token", json=APPLE_CLIENT)).json()
    assert token["expires_in"] == 600
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await client.get(LOCATIONS, headers=headers)).status_code == 200
    assert apple_errors(await client.get(LOCATIONS), 401)[0]["code"] == "UNAUTHORIZED"
    clock.advance(600)
    expired = await client.get(LOCATIONS, headers=headers)
    assert apple_errors(expired, 401)[0]["message"] == "The access token has expired."
    fresh = await auth(client)
    await client.post("/_sandbox/apple/tokens/revoke", json={"token": fresh["Authorization"][7:]})
    assert (await client.get(LOCATIONS, headers=fresh)).status_code == 401


async def test_sixteenth_request_in_a_second_is_throttled(client: httpx.AsyncClient, clock: ManualClock) -> None:
    headers = await auth(client)  # the token call counts too
    statuses = [(await client.get(LOCATIONS, headers=headers)).status_code for _ in range(15)]
    assert statuses == [200] * 14 + [429]
    clock.advance(0.5)
    throttled = await client.get(LOCATIONS, headers=headers)
    assert apple_errors(throttled, 429)[0]["code"] == "RATE_LIMIT_EXCEEDED" and throttled.headers["retry-after"] == "1"
    clock.advance(0.5)
    assert (await client.get(LOCATIONS, headers=headers)).status_code == 200


async def test_unknown_location_and_forbidden(client: httpx.AsyncClient) -> None:
    headers = await auth(client)
    assert apple_errors(await client.get(f"{LOCATIONS}/123", headers=headers), 404)[0]["code"] == "NOT_FOUND"
    created = (await create(client, headers)).json()
    assert (await client.get(f"{API}/orgs/other/locations/{created['id']}", headers=headers)).status_code == 404
    await client.post(f"/_sandbox/apple/locations/{created['id']}/access", json={"revoked": True})
    assert apple_errors(await client.get(f"{LOCATIONS}/{created['id']}", headers=headers), 403)[0]["code"] == "FORBIDDEN"
