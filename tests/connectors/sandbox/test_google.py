from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig
from connectors.sandbox.google import GoogleConfig

from .payloads import GOOGLE, google_location, period

BASE = "/google/v1"


async def create(client: httpx.AsyncClient, body: dict[str, Any] | None = None, request_id: str | None = "req-1", account: str = "111") -> dict[str, Any]:
    params = {"requestId": request_id} if request_id else {}
    response = await client.post(f"{BASE}/accounts/{account}/locations", params=params, json=body or google_location(), headers=GOOGLE)
    assert response.status_code == 200, response.text
    return response.json()


def violations(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    return error["details"][0]["fieldViolations"]


def no_review(**quota: Any) -> SandboxConfig:
    return SandboxConfig(google=GoogleConfig(review_delay_seconds=0, **quota))


async def test_create_then_read_with_read_mask(client: httpx.AsyncClient) -> None:
    created = await create(client)
    assert created["name"] == "locations/1000000000000000001"
    assert created["title"] == "Clinique du Parc"
    assert created["categories"]["primaryCategory"] == {"name": "categories/gcid:hospital", "displayName": "Hospital"}
    metadata = created["metadata"]
    assert metadata["mapsUri"].startswith("https://maps.google.com/maps?cid=")
    assert metadata["placeId"].startswith("ChIJ") and len(metadata["placeId"]) == 27
    assert metadata["hasVoiceOfMerchant"] is True
    assert "hasPendingEdits" not in metadata and "hasGoogleUpdated" not in metadata  # proto3 JSON omits false

    response = await client.get(f"{BASE}/{created['name']}", params={"readMask": "title,storefrontAddress.locality,metadata.placeId"}, headers=GOOGLE)
    assert response.status_code == 200
    assert response.json() == {"title": "Clinique du Parc", "storefrontAddress": {"locality": "Lyon"}, "metadata": {"placeId": metadata["placeId"]}}


async def test_create_with_same_request_id_returns_the_same_location(client: httpx.AsyncClient) -> None:
    first = await create(client, request_id="est-42")
    second = await create(client, google_location(title="Other title"), request_id="est-42")
    third = await create(client, request_id="est-43")
    assert second["name"] == first["name"] and second["title"] == "Clinique du Parc"
    assert third["name"] != first["name"]
    listed = await client.get(f"{BASE}/accounts/111/locations", params={"readMask": "name"}, headers=GOOGLE)
    assert listed.json() == {"locations": [{"name": first["name"]}, {"name": third["name"]}], "totalSize": 2}
    stats = (await client.get("/_sandbox/stats")).json()["google"]
    assert stats["creates"]["requestId"] == {"est-42": 1, "est-43": 1}
    assert stats["create_requests"]["requestId"] == {"est-42": 2, "est-43": 1}


async def test_validate_only_create_creates_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/accounts/111/locations", params={"validateOnly": "true", "requestId": "r"}, json=google_location(), headers=GOOGLE)
    assert response.status_code == 200 and response.json()["title"] == "Clinique du Parc" and "name" not in response.json()
    listed = await client.get(f"{BASE}/accounts/111/locations", params={"readMask": "name"}, headers=GOOGLE)
    assert listed.json() == {}  # no locations, totalSize 0: both omitted by proto3 JSON


async def test_body_violating_the_discovery_document_is_rejected_with_field_violations(client: httpx.AsyncClient) -> None:
    body = google_location(title=42, colour="blue", openInfo={"status": "OPEN_SOMETIMES"})
    body["storefrontAddress"]["street"] = "nope"
    response = await client.post(f"{BASE}/accounts/111/locations", json=body, headers=GOOGLE)
    assert violations(response) == [
        {"field": "location", "description": "Invalid JSON payload received. Unknown name \"colour\" at 'location': Cannot find field."},
        {"field": "location.open_info.status", "description": "Invalid value at 'location.open_info.status' (TYPE_ENUM), \"OPEN_SOMETIMES\""},
        {"field": "location.storefront_address",
         "description": "Invalid JSON payload received. Unknown name \"street\" at 'location.storefront_address': Cannot find field."},
        {"field": "location.title", "description": "Invalid value at 'location.title' (TYPE_STRING), 42"},
    ]
    assert response.json()["error"]["message"] == "Request contains an invalid argument."


async def test_output_only_fields_and_nulls_are_ignored_on_input(client: httpx.AsyncClient) -> None:
    created = await create(client, google_location(name="locations/999", metadata={"placeId": "x"}, profile=None))
    assert created["name"] == "locations/1000000000000000001" and created["metadata"]["placeId"] != "x" and "profile" not in created


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "x" * 101}, "location.title"),
    ({"title": ""}, "location.title"),
    ({"storefrontAddress": {"regionCode": "FR", "addressLines": ["a", "b", "c", "d", "e", "f"]}}, "location.storefront_address.address_lines"),
    ({"storefrontAddress": {"locality": "Lyon"}}, "location.storefront_address.region_code"),
    ({"categories": {}}, "location.categories.primary_category.name"),
    ({"categories": {"primaryCategory": {"name": "hospital"}}}, "location.categories.primary_category.name"),
    ({"phoneNumbers": {"primaryPhone": "call us"}}, "location.phone_numbers.primary_phone"),
    ({"phoneNumbers": {"primaryPhone": "+33 4 72", "additionalPhones": []}}, "location.phone_numbers.primary_phone"),
    ({"websiteUri": "ftp://clinique.example.fr"}, "location.website_uri"),
    ({"regularHours": {"periods": [period("MONDAY", 25, 23)]}}, "location.regular_hours.periods[0].open_time"),
    ({"regularHours": {"periods": [period("MONDAY", 8, 12, open_minutes=60)]}}, "location.regular_hours.periods[0].open_time"),
    ({"regularHours": {"periods": [period("MONDAY", 24, 24, "TUESDAY")]}}, "location.regular_hours.periods[0].open_time"),
    ({"regularHours": {"periods": [period("MONDAY", 18, 9)]}}, "location.regular_hours.periods[0]"),
    ({"regularHours": {"periods": [period("MONDAY", 8, 12), period("MONDAY", 11, 14)]}}, "location.regular_hours.periods[1]"),
    ({"regularHours": {"periods": [period("SUNDAY", 20, 3, "MONDAY"), period("MONDAY", 2, 9)]}}, "location.regular_hours.periods[1]"),
    ({"regularHours": {"periods": [{**period("MONDAY", 8, 9), "openDay": "DAY_OF_WEEK_UNSPECIFIED"}]}}, "location.regular_hours.periods[0].open_day"),
    ({"regularHours": {"periods": []}, "specialHours": {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]}},
     "location.special_hours"),
    ({"specialHours": {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 2, "day": 30}, "closed": True}]}},
     "location.special_hours.special_hour_periods[0].start_date"),
])
async def test_google_semantic_rules(client: httpx.AsyncClient, overrides: dict[str, Any], field: str) -> None:
    response = await client.post(f"{BASE}/accounts/111/locations", json=google_location(**overrides), headers=GOOGLE)
    assert [v["field"] for v in violations(response)] == [field]


async def test_valid_hours_edge_cases_are_accepted(client: httpx.AsyncClient) -> None:
    hours = {"periods": [period("MONDAY", 0, 24), period("FRIDAY", 20, 2, "SATURDAY"), period("SATURDAY", 2, 12),
                         period("SUNDAY", 22, 6, "MONDAY") | {"openDay": "TUESDAY", "closeDay": "WEDNESDAY"}]}
    special = {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 24}, "openTime": {"hours": 9}, "closeTime": {"hours": 12}},
                                      {"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]}
    created = await create(client, google_location(regularHours=hours, specialHours=special))
    assert created["regularHours"]["periods"][0] == {"openDay": "MONDAY", "openTime": {}, "closeDay": "MONDAY", "closeTime": {"hours": 24}}


async def test_patch_requires_update_mask_and_get_requires_read_mask(client: httpx.AsyncClient) -> None:
    name = (await create(client))["name"]
    response = await client.patch(f"{BASE}/{name}", json={"title": "New"}, headers=GOOGLE)
    assert violations(response) == [{"field": "update_mask", "description": "update_mask is required."}]
    response = await client.get(f"{BASE}/{name}", headers=GOOGLE)
    assert violations(response) == [{"field": "read_mask", "description": "read_mask is required."}]
    response = await client.get(f"{BASE}/{name}", params={"readMask": "title,colour"}, headers=GOOGLE)
    assert [v["field"] for v in violations(response)] == ["read_mask"]
    for mask in ("metadata", "languageCode", "phoneNumbers.primaryPhone", "nope"):
        response = await client.patch(f"{BASE}/{name}", params={"updateMask": mask}, json={}, headers=GOOGLE)
        assert [v["field"] for v in violations(response)] == ["update_mask"], mask


async def test_patch_changes_only_masked_fields_and_replaces_phones_whole(make_client: Any) -> None:
    client = make_client(no_review())
    name = (await create(client))["name"]
    body = {"title": "Clinique du Parc - Urgences", "websiteUri": "https://ignored.example.fr", "phoneNumbers": {"primaryPhone": "+33 4 72 99 99 99", "additionalPhones": []}}
    response = await client.patch(f"{BASE}/{name}", params={"updateMask": "title,phoneNumbers,storefront_address.address_lines"}, json=body, headers=GOOGLE)
    assert response.status_code == 200, response.text
    live = (await client.get(f"{BASE}/{name}", params={"readMask": "title,websiteUri,phoneNumbers,storefrontAddress"}, headers=GOOGLE)).json()
    assert live == {"title": "Clinique du Parc - Urgences", "websiteUri": "https://clinique-du-parc.example.fr",
                    "phoneNumbers": {"primaryPhone": "+33 4 72 99 99 99"},
                    "storefrontAddress": {"regionCode": "FR", "locality": "Lyon", "postalCode": "69006"}}


async def test_special_hours_need_regular_hours_on_the_location_or_in_the_patch(make_client: Any) -> None:
    client = make_client(no_review())
    name = (await create(client, google_location(regularHours=None)))["name"]
    special = {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]}
    response = await client.patch(f"{BASE}/{name}", params={"updateMask": "specialHours"}, json={"specialHours": special}, headers=GOOGLE)
    assert [v["field"] for v in violations(response)] == ["location.special_hours"]
    body = {"specialHours": special, "regularHours": {"periods": [period("MONDAY", 9, 17)]}}
    response = await client.patch(f"{BASE}/{name}", params={"updateMask": "specialHours,regularHours"}, json=body, headers=GOOGLE)
    assert response.status_code == 200
    response = await client.patch(f"{BASE}/{name}", params={"updateMask": "regularHours"}, json={}, headers=GOOGLE)
    assert [v["field"] for v in violations(response)] == ["location.special_hours"]


async def test_edit_is_pending_during_review_then_live(client: httpx.AsyncClient, clock: ManualClock) -> None:
    name = (await create(client))["name"]
    response = await client.patch(f"{BASE}/{name}", params={"updateMask": "title"}, json={"title": "Nouveau nom"}, headers=GOOGLE)
    assert response.json()["title"] == "Nouveau nom" and response.json()["metadata"]["hasPendingEdits"] is True
    read = {"readMask": "title,metadata.hasPendingEdits"}
    assert (await client.get(f"{BASE}/{name}", params=read, headers=GOOGLE)).json() == {"title": "Clinique du Parc", "metadata": {"hasPendingEdits": True}}
    updated = await client.get(f"{BASE}/{name}:getGoogleUpdated", params={"readMask": "title"}, headers=GOOGLE)
    assert updated.json() == {"location": {"title": "Clinique du Parc"}, "pendingMask": "title"}
    clock.advance(19.9)  # default review delay: 20 s
    assert (await client.get(f"{BASE}/{name}", params=read, headers=GOOGLE)).json()["title"] == "Clinique du Parc"
    clock.advance(0.1)
    assert (await client.get(f"{BASE}/{name}", params=read, headers=GOOGLE)).json() == {"title": "Nouveau nom"}
    updated = await client.get(f"{BASE}/{name}:getGoogleUpdated", params={"readMask": "title"}, headers=GOOGLE)
    assert updated.json() == {"location": {"title": "Nouveau nom"}}


async def test_a_patch_that_changes_nothing_creates_no_pending_edit(client: httpx.AsyncClient) -> None:
    name = (await create(client))["name"]
    response = await client.patch(f"{BASE}/{name}", params={"updateMask": "title"}, json={"title": "Clinique du Parc"}, headers=GOOGLE)
    assert "hasPendingEdits" not in response.json()["metadata"]


async def test_edits_stay_pending_without_voice_of_merchant(client: httpx.AsyncClient, clock: ManualClock) -> None:
    name = (await create(client))["name"]
    location_id = name.split("/")[1]
    voice = f"/google/verifications/v1/{name}/VoiceOfMerchantState"
    assert (await client.get(voice, headers=GOOGLE)).json() == {"hasVoiceOfMerchant": True, "hasBusinessAuthority": True}
    admin = await client.post(f"/_sandbox/google/locations/{location_id}/voice-of-merchant", json={"state": "verify", "hasPendingVerification": True})
    assert admin.status_code == 200
    assert (await client.get(voice, headers=GOOGLE)).json() == {"verify": {"hasPendingVerification": True}}
    await client.patch(f"{BASE}/{name}", params={"updateMask": "title"}, json={"title": "Nouveau"}, headers=GOOGLE)
    clock.advance(3600)
    assert (await client.get(f"{BASE}/{name}", params={"readMask": "title,metadata.hasVoiceOfMerchant"}, headers=GOOGLE)).json() == {"title": "Clinique du Parc"}
    await client.post(f"/_sandbox/google/locations/{location_id}/voice-of-merchant", json={"state": "hasVoiceOfMerchant"})
    assert (await client.get(f"{BASE}/{name}", params={"readMask": "title"}, headers=GOOGLE)).json() == {"title": "Nouveau"}


async def test_google_updated_field_shows_in_diff_mask_until_the_merchant_edits_it(make_client: Any) -> None:
    client = make_client(no_review())
    name = (await create(client))["name"]
    location_id = name.split("/")[1]
    admin = await client.post(f"/_sandbox/google/locations/{location_id}/google-updated", json={"field": "websiteUri", "value": "https://google-found.example"})
    assert admin.status_code == 200
    updated = (await client.get(f"{BASE}/{name}:getGoogleUpdated", params={"readMask": "websiteUri,metadata.hasGoogleUpdated"}, headers=GOOGLE)).json()
    assert updated == {"location": {"websiteUri": "https://google-found.example", "metadata": {"hasGoogleUpdated": True}}, "diffMask": "websiteUri"}
    await client.patch(f"{BASE}/{name}", params={"updateMask": "websiteUri"}, json={"websiteUri": "https://clinique-du-parc.example.fr"}, headers=GOOGLE)
    updated = (await client.get(f"{BASE}/{name}:getGoogleUpdated", params={"readMask": "websiteUri"}, headers=GOOGLE)).json()
    assert updated == {"location": {"websiteUri": "https://clinique-du-parc.example.fr"}}


async def test_auth_failures(client: httpx.AsyncClient) -> None:
    name = (await create(client))["name"]
    missing = await client.get(f"{BASE}/{name}", params={"readMask": "title"})
    assert missing.status_code == 401 and missing.json()["error"]["status"] == "UNAUTHENTICATED"
    assert missing.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
    assert missing.headers["www-authenticate"].startswith("Bearer ")
    wrong = await client.get(f"{BASE}/{name}", params={"readMask": "title"}, headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()["error"]["status"]) == (401, "UNAUTHENTICATED")
    revoked = await client.post("/_sandbox/google/tokens/revoke", json={"token": "sandbox-google-token"})
    assert revoked.json() == {"revoked": "sandbox-google-token"}
    after = await client.get(f"{BASE}/{name}", params={"readMask": "title"}, headers=GOOGLE)
    assert (after.status_code, after.json()["error"]["code"]) == (401, 401)


async def test_permission_denied_and_not_found(client: httpx.AsyncClient) -> None:
    name = (await create(client))["name"]
    await client.post(f"/_sandbox/google/locations/{name.split('/')[1]}/access", json={"revoked": True})
    denied = await client.get(f"{BASE}/{name}", params={"readMask": "title"}, headers=GOOGLE)
    assert denied.status_code == 403
    assert denied.json() == {"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
    missing = await client.get(f"{BASE}/locations/123", params={"readMask": "title"}, headers=GOOGLE)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}


async def test_project_quota_301st_call_in_a_minute(client: httpx.AsyncClient, clock: ManualClock) -> None:
    for _ in range(300):
        assert (await client.get(f"{BASE}/locations/1", params={"readMask": "title"}, headers=GOOGLE)).status_code == 404
    throttled = await client.get(f"{BASE}/locations/1", params={"readMask": "title"}, headers=GOOGLE)
    assert throttled.status_code == 429 and "retry-after" not in throttled.headers
    error = throttled.json()["error"]
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    other_token_blocked = await client.get(f"{BASE}/locations/1", params={"readMask": "title"}, headers={"Authorization": "Bearer nope"})
    assert other_token_blocked.status_code == 401
    clock.advance(60)
    assert (await client.get(f"{BASE}/locations/1", params={"readMask": "title"}, headers=GOOGLE)).status_code == 404
    assert (await client.get("/_sandbox/stats")).json()["google"]["throttled"] == 1


async def test_project_quota_can_be_configured_and_switched_off(make_client: Any) -> None:
    small = make_client(SandboxConfig(google=GoogleConfig(project_quota=QuotaConfig(count=2, window_seconds=5))))
    statuses = [(await small.get(f"{BASE}/locations/1", params={"readMask": "title"}, headers=GOOGLE)).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    off = make_client(SandboxConfig(google=GoogleConfig(project_quota=QuotaConfig(count=1, window_seconds=60, enabled=False))))
    statuses = [(await off.get(f"{BASE}/locations/1", params={"readMask": "title"}, headers=GOOGLE)).status_code for _ in range(3)]
    assert statuses == [404, 404, 404]


async def test_eleventh_edit_in_a_minute_on_one_location(client: httpx.AsyncClient, clock: ManualClock) -> None:
    first = (await create(client, request_id="a"))["name"]
    second = (await create(client, request_id="b"))["name"]
    for i in range(10):
        response = await client.patch(f"{BASE}/{first}", params={"updateMask": "title"}, json={"title": f"Titre {i}"}, headers=GOOGLE)
        assert response.status_code == 200
    throttled = await client.patch(f"{BASE}/{first}", params={"updateMask": "title"}, json={"title": "Titre 10"}, headers=GOOGLE)
    assert (throttled.status_code, throttled.json()["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "retry-after" not in throttled.headers
    assert (await client.patch(f"{BASE}/{second}", params={"updateMask": "title"}, json={"title": "Autre"}, headers=GOOGLE)).status_code == 200
    validate_only = await client.patch(f"{BASE}/{first}", params={"updateMask": "title", "validateOnly": "true"}, json={"title": "x"}, headers=GOOGLE)
    assert validate_only.status_code == 200
    clock.advance(60)
    assert (await client.patch(f"{BASE}/{first}", params={"updateMask": "title"}, json={"title": "Titre 10"}, headers=GOOGLE)).status_code == 200


async def test_list_paginates_filters_and_orders(client: httpx.AsyncClient) -> None:
    for i, title in enumerate(["Charlie", "Alpha", "Bravo"]):
        await create(client, google_location(title=title, storeCode=f"EST-{i}"), request_id=f"r{i}")
    await create(client, google_location(title="Elsewhere"), request_id="x", account="222")
    params = {"readMask": "title", "pageSize": "2", "orderBy": "title"}
    page = (await client.get(f"{BASE}/accounts/111/locations", params=params, headers=GOOGLE)).json()
    assert page["locations"] == [{"title": "Alpha"}, {"title": "Bravo"}] and page["totalSize"] == 3
    page = (await client.get(f"{BASE}/accounts/111/locations", params={**params, "pageToken": page["nextPageToken"]}, headers=GOOGLE)).json()
    assert page == {"locations": [{"title": "Charlie"}], "totalSize": 3}
    filtered = await client.get(f"{BASE}/accounts/-/locations", params={"readMask": "title,storeCode", "filter": 'storeCode="EST-2"'}, headers=GOOGLE)
    assert filtered.json() == {"locations": [{"title": "Bravo", "storeCode": "EST-2"}], "totalSize": 1}
    too_big = await client.get(f"{BASE}/accounts/111/locations", params={"readMask": "title", "pageSize": "101"}, headers=GOOGLE)
    assert [v["field"] for v in violations(too_big)] == ["page_size"]
