from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig
from connectors.sandbox.facebook import FacebookConfig

from .payloads import FACEBOOK, FACEBOOK_TOKEN, PARENT_PAGE

GRAPH = "/facebook/v25.0"
LOCATION = {"street": "12 rue du Parc", "city": "Lyon", "zip": "69006", "country": "France", "latitude": 45.77, "longitude": 4.85}


async def create_page(client: httpx.AsyncClient, store_number: str = "1", **params: Any) -> str:
    """A location page made with the create's parameters (Meta's SDK: Page.create_location); the
    update's own parameters (category_list…) follow in an update, as the create takes none."""
    update = {k: params.pop(k) for k in ("category_list",) if k in params}
    data = {"store_number": store_number, "location": json.dumps(LOCATION), "access_token": FACEBOOK_TOKEN, **params}
    response = await client.post(f"{GRAPH}/{PARENT_PAGE}/locations", data=data)
    assert response.status_code == 200, response.text
    page_id = response.json()["id"]
    if update:
        updated = await client.post(f"{GRAPH}/{page_id}", data={**update, "access_token": FACEBOOK_TOKEN})
        assert updated.status_code == 200, updated.text
    return page_id


def graph_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "OAuthException"
    assert isinstance(error["fbtrace_id"], str) and len(error["fbtrace_id"]) == 11
    return error


def usage(response: httpx.Response, page_id: str) -> dict[str, Any]:
    return json.loads(response.headers["x-business-use-case-usage"])[page_id][0]


async def test_create_location_page_then_update_and_read(client: httpx.AsyncClient) -> None:
    page_id = await create_page(client, "42", store_name="Clinique du Parc", phone="+33 4 72 00 00 00")
    assert page_id == "200000000000001"
    hours = {"mon_1_open": "08:00", "mon_1_close": "12:00", "mon_2_open": "14:00", "mon_2_close": "19:00", "sat_1_open": "09:00", "sat_1_close": "12:00"}
    form = await client.post(f"{GRAPH}/{page_id}", data={"hours": json.dumps(hours), "temporary_status": "OPERATING_AS_USUAL",
                                                        "is_permanently_closed": "false", "access_token": FACEBOOK_TOKEN})
    assert (form.status_code, form.json()) == (200, {"success": True})
    as_json = await client.post(f"{GRAPH}/{page_id}", json={"website": "https://clinique-du-parc.example.fr", "emails": ["accueil@parc.example.fr"]}, headers=FACEBOOK)
    assert as_json.json() == {"success": True}
    fields = "name,store_number,phone,website,hours,temporary_status,is_permanently_closed,emails,location{city,zip},single_line_address"
    read = await client.get(f"{GRAPH}/{page_id}", params={"fields": fields, "access_token": FACEBOOK_TOKEN})
    assert read.json() == {
        "name": "Clinique du Parc", "store_number": "42", "phone": "+33 4 72 00 00 00", "website": "https://clinique-du-parc.example.fr",
        "hours": hours, "temporary_status": "OPERATING_AS_USUAL", "is_permanently_closed": False, "emails": ["accueil@parc.example.fr"],
        "location": {"city": "Lyon", "zip": "69006"}, "single_line_address": "12 rue du Parc, 69006 Lyon, France", "id": page_id,
    }
    default = await client.get(f"{GRAPH}/{page_id}", headers=FACEBOOK)
    assert default.json() == {"id": page_id, "name": "Clinique du Parc"}
    hours_only = {"tue_1_open": "10:00", "tue_1_close": "11:00"}
    await client.post(f"{GRAPH}/{page_id}", data={"hours": json.dumps(hours_only)}, headers=FACEBOOK)
    assert (await client.get(f"{GRAPH}/{page_id}", params={"fields": "hours"}, headers=FACEBOOK)).json() == {"hours": hours_only, "id": page_id}


async def test_locations_edge_pages_with_cursors(client: httpx.AsyncClient) -> None:
    ids = [await create_page(client, str(n)) for n in (1, 2, 3)]
    params = {"fields": "id,store_number,name", "limit": "2", "access_token": FACEBOOK_TOKEN}
    first = (await client.get(f"{GRAPH}/{PARENT_PAGE}/locations", params=params)).json()
    assert [p["store_number"] for p in first["data"]] == ["1", "2"]
    assert first["data"][0] == {"id": ids[0], "store_number": "1", "name": "Vitrine Sandbox Group"}
    assert first["paging"]["next"].startswith(f"http://sandbox{GRAPH}/{PARENT_PAGE}/locations?")
    second = (await client.get(first["paging"]["next"])).json()
    assert [p["id"] for p in second["data"]] == [ids[2]] and "next" not in second["paging"]
    assert second["paging"]["cursors"]["after"] == (await client.get(f"{GRAPH}/{PARENT_PAGE}/locations", params={**params, "after": first["paging"]["cursors"]["after"]})).json()["paging"]["cursors"]["after"]


async def test_second_create_with_the_same_store_number_fails(client: httpx.AsyncClient) -> None:
    await create_page(client, "7")
    again = await client.post(f"{GRAPH}/{PARENT_PAGE}/locations", data={"store_number": "7", "location": json.dumps(LOCATION)}, headers=FACEBOOK)
    error = graph_error(again, 400, 100)
    assert "store number already exists" in error["message"]
    stats = (await client.get("/_sandbox/stats")).json()["facebook"]
    assert stats["creates"] == {"store_number": {"7": 1}} and stats["create_requests"] == {"store_number": {"7": 2}}
    not_parent = await client.post(f"{GRAPH}/200000000000001/locations", data={"store_number": "8", "location": json.dumps(LOCATION)}, headers=FACEBOOK)
    graph_error(not_parent, 400, 100)


async def test_invalid_parameters_are_error_100(client: httpx.AsyncClient) -> None:
    page_id = await create_page(client)
    bad = {
        "colour": "blue",
        "hours": json.dumps({"mon_1_open": "08:00", "mon_1_close": "10:00", "mon_2_open": "11:00", "mon_2_close": "12:00",
                             "mon_3_open": "13:00", "mon_3_close": "14:00"}),
        "phone": "not a phone",
        "temporary_status": "CLOSED_FOREVER",
        "website": "not a url",
        "is_always_open": "maybe",
    }
    for name, value in bad.items():
        response = await client.post(f"{GRAPH}/{page_id}", data={name: value}, headers=FACEBOOK)
        error = graph_error(response, 400, 100)
        assert error["message"].startswith("(#100)"), name
    for hours in ({"mon_1_open": "9:00", "mon_1_close": "12:00"}, {"mon_1_open": "09:00"}, {"mon_1_open": "08:00", "mon_1_close": "12:00",
                  "mon_2_open": "11:00", "mon_2_close": "13:00"}, {"lun_1_open": "08:00", "lun_1_close": "12:00"}):
        response = await client.post(f"{GRAPH}/{page_id}", json={"hours": hours}, headers=FACEBOOK)
        graph_error(response, 400, 100)
    unknown_field = await client.get(f"{GRAPH}/{page_id}", params={"fields": "id,colour"}, headers=FACEBOOK)
    assert graph_error(unknown_field, 400, 100)["message"] == "(#100) Tried accessing nonexisting field (colour) on node type (Page)"
    missing = await client.get(f"{GRAPH}/999", headers=FACEBOOK)
    assert graph_error(missing, 400, 100)["error_subcode"] == 33
    unchanged = await client.get(f"{GRAPH}/{page_id}", params={"fields": "phone,hours,website"}, headers=FACEBOOK)
    assert unchanged.json() == {"id": page_id}


async def test_token_errors(make_client: Any, clock: ManualClock) -> None:
    client = make_client(SandboxConfig(facebook=FacebookConfig(token_ttl_seconds=3600)))
    page_id = await create_page(client)
    missing = await client.get(f"{GRAPH}/{page_id}")
    graph_error(missing, 400, 104)
    wrong = await client.get(f"{GRAPH}/{page_id}", params={"access_token": "nope"})
    error = graph_error(wrong, 400, 190)
    assert error["message"] == "Invalid OAuth access token - Cannot parse access token" and "error_subcode" not in error
    assert wrong.headers["www-authenticate"].startswith('OAuth "Facebook Platform" "invalid_token"')
    clock.advance(3601)
    expired = await client.get(f"{GRAPH}/{page_id}", headers=FACEBOOK)
    assert graph_error(expired, 400, 190)["error_subcode"] == 463
    other = make_client()
    await other.post("/_sandbox/facebook/tokens/revoke", json={"token": FACEBOOK_TOKEN})
    revoked = await other.get(f"{GRAPH}/{PARENT_PAGE}", headers=FACEBOOK)
    assert graph_error(revoked, 400, 190)["error_subcode"] == 460


async def test_permission_error_200(client: httpx.AsyncClient) -> None:
    page_id = await create_page(client)
    await client.post(f"/_sandbox/facebook/pages/{page_id}/access", json={"revoked": True})
    response = await client.post(f"{GRAPH}/{page_id}", data={"phone": "+33 4 72 00 00 00"}, headers=FACEBOOK)
    assert graph_error(response, 403, 200)["message"].startswith("(#200)")


async def test_business_use_case_throttling(make_client: Any, clock: ManualClock) -> None:
    config = SandboxConfig(facebook=FacebookConfig(page_quota=QuotaConfig(count=4, window_seconds=600), regain_access_unit_seconds=60))
    client = make_client(config)
    page_id = await create_page(client)  # counts against the parent page, not this one
    for n in range(1, 5):
        response = await client.get(f"{GRAPH}/{page_id}", headers=FACEBOOK)
        assert response.status_code == 200
        assert usage(response, page_id) == {"type": "pages", "call_count": 25 * n, "total_cputime": 25 * n // 2,
                                            "total_time": 25 * n // 2, "estimated_time_to_regain_access": 0}
    clock.advance(300)
    throttled = await client.post(f"{GRAPH}/{page_id}", data={"phone": "+33 4 72 00 00 00"}, headers=FACEBOOK)
    error = graph_error(throttled, 400, 80001)
    assert error["is_transient"] is True
    assert usage(throttled, page_id)["call_count"] == 100
    assert usage(throttled, page_id)["estimated_time_to_regain_access"] == 5  # 300 s left, in minutes
    assert throttled.headers["x-sandbox-regain-access-seconds"] == "300"
    assert (await client.get(f"{GRAPH}/{PARENT_PAGE}", headers=FACEBOOK)).status_code == 200  # another page is not throttled
    clock.advance(300)
    again = await client.get(f"{GRAPH}/{page_id}", params={"fields": "phone"}, headers=FACEBOOK)
    assert again.json() == {"id": page_id} and usage(again, page_id)["estimated_time_to_regain_access"] == 0
    assert (await client.get("/_sandbox/stats")).json()["facebook"]["throttled"] == 1


async def test_regain_access_unit_can_be_scaled_to_seconds(make_client: Any) -> None:
    config = SandboxConfig(facebook=FacebookConfig(page_quota=QuotaConfig(count=1, window_seconds=30), regain_access_unit_seconds=1))
    client = make_client(config)
    await client.get(f"{GRAPH}/{PARENT_PAGE}", headers=FACEBOOK)
    throttled = await client.get(f"{GRAPH}/{PARENT_PAGE}", headers=FACEBOOK)
    assert usage(throttled, PARENT_PAGE)["estimated_time_to_regain_access"] == 30


async def test_third_party_changes(client: httpx.AsyncClient, clock: ManualClock) -> None:
    page_id = await create_page(client, phone="+33 4 72 00 00 00")
    edit = await client.post(f"/_sandbox/facebook/pages/{page_id}/edit", json={"field": "website", "value": "https://meta-found.example"})
    assert edit.json()["website"] == "https://meta-found.example"
    proposed = await client.post(f"/_sandbox/facebook/pages/{page_id}/upcoming-changes",
                                 json={"field": "phone", "value": "+33 4 72 11 11 11", "effective_in_seconds": 86400})
    change = proposed.json()
    upcoming = (await client.get(f"{GRAPH}/{page_id}/upcoming_changes", headers=FACEBOOK)).json()
    assert upcoming == {"data": [change]}
    assert change["proposal"]["current_value"] == "+33 4 72 00 00 00" and change["proposal"]["proposed_value"] == "+33 4 72 11 11 11"
    assert change["effective_time"] == "2026-01-02T00:00:00+0000" and change["proposal"]["acceptance_status"] == "PENDING"
    rejected = await client.post(f"{GRAPH}/{change['proposal']['id']}", data={"accept": "false"}, headers=FACEBOOK)
    assert rejected.json() == {"success": True}
    assert (await client.get(f"{GRAPH}/{page_id}/upcoming_changes", headers=FACEBOOK)).json() == {"data": []}
    await client.post(f"/_sandbox/facebook/pages/{page_id}/upcoming-changes", json={"field": "phone", "value": "+33 4 72 22 22 22", "effective_in_seconds": 60})
    clock.advance(60)
    read = await client.get(f"{GRAPH}/{page_id}", params={"fields": "phone,website"}, headers=FACEBOOK)
    assert read.json() == {"phone": "+33 4 72 22 22 22", "website": "https://meta-found.example", "id": page_id}


HOSPITAL, PHARMACY, LAB = "133152263416981", "134381433294944", "186546178044573"


async def test_category_list_is_written_as_ids_and_read_as_objects(client: httpx.AsyncClient) -> None:
    page_id = await create_page(client, category_list=json.dumps([HOSPITAL]))  # form-encoded: a JSON string
    read = await client.get(f"{GRAPH}/{page_id}", params={"fields": "category_list"}, headers=FACEBOOK)
    assert read.json() == {"category_list": [{"id": HOSPITAL}], "id": page_id}
    as_json = await client.post(f"{GRAPH}/{page_id}", json={"category_list": [PHARMACY, int(LAB), HOSPITAL]},
                                headers=FACEBOOK)
    assert as_json.json() == {"success": True}
    read = await client.get(f"{GRAPH}/{page_id}", params={"fields": "category_list"}, headers=FACEBOOK)
    assert read.json()["category_list"] == [{"id": PHARMACY}, {"id": LAB}, {"id": HOSPITAL}]


@pytest.mark.parametrize("value, message", [
    ([HOSPITAL, PHARMACY, LAB, "200600219953504"], "between 1 and 3 categories"),
    ([], "between 1 and 3 categories"),
    ([HOSPITAL, HOSPITAL], "the same category twice"),
    (["Hospital"], "numeric category ids"),
    ([{"id": HOSPITAL}], "numeric category ids"),
    ([True], "numeric category ids"),
    (HOSPITAL, "must be a JSON list"),
])
async def test_category_list_is_validated_like_graph(client: httpx.AsyncClient, value: Any, message: str) -> None:
    page_id = await create_page(client)
    response = await client.post(f"{GRAPH}/{page_id}", json={"category_list": value}, headers=FACEBOOK)
    error = graph_error(response, 400, 100)
    assert error["message"].startswith("(#100) param category_list") and message in error["message"]
    unchanged = await client.get(f"{GRAPH}/{page_id}", params={"fields": "category_list"}, headers=FACEBOOK)
    assert unchanged.json() == {"id": page_id}


async def test_a_category_proposal_shows_as_meta_shows_it(client: httpx.AsyncClient) -> None:
    page_id = await create_page(client, category_list=json.dumps([HOSPITAL]))
    proposed = await client.post(f"/_sandbox/facebook/pages/{page_id}/upcoming-changes",
                                 json={"field": "category_list", "value": [HOSPITAL, PHARMACY]})
    proposal = proposed.json()["proposal"]
    assert (proposal["category"], proposal["current_value"], proposal["proposed_value"]) == (
        "category", HOSPITAL, f"{HOSPITAL}, {PHARMACY}")
