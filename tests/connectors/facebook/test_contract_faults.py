"""The Facebook request shapes issue 11 found, sent to the strict sandbox, whose parameter names
and types come from Meta's Business SDK (contracts/facebook/page.json): each is refused with
Graph's error #100 (or #200 for a page creation Meta did not grant), and the link-first
connector gets through with none refused."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.base import ActionRequired
from connectors.facebook.mapping import render
from connectors.sandbox import ManualClock, SandboxConfig, create_app
from connectors.sandbox.facebook_params import param_types
from tests.connectors.facebook.records import record
from tests.connectors.facebook.test_facebook_sandbox import PARENT, TOKEN, connector, ctx

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client():
    config = SandboxConfig()
    config.facebook.page_creation_granted = False  # most apps: Meta grants page creation to select developers
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, ManualClock())),
                                 base_url="http://sandbox") as c:
        yield c


async def post(client: httpx.AsyncClient, node: str, params: dict) -> httpx.Response:
    return await client.post(f"/facebook/v25.0/{node}", json=params, headers=AUTH)


async def existing_page(client: httpx.AsyncClient, **fields) -> str:
    return (await client.post("/_sandbox/facebook/pages", json={"name": "Clinique du Parc", **fields})).json()["id"]


def graph_error(response: httpx.Response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["error"]


def test_the_contract_is_meta_sdks() -> None:
    assert param_types("create_location")["store_number"] == "unsigned int"
    assert param_types("create_location")["store_code"] == "string"
    assert "is_always_open" not in param_types("create_location") and "always_open" in param_types("create_location")
    assert "is_always_open" in param_types("update") and "store_code" not in param_types("update")


async def test_a_store_code_sent_as_store_number_is_refused(client) -> None:
    page = await existing_page(client)
    old = await post(client, f"{PARENT}/locations", {"store_number": "CLI-075-001", "location_page_id": page})
    error = graph_error(old)
    assert (error["code"], error["type"]) == (100, "OAuthException") and "store_number" in error["message"]
    assert (await post(client, f"{PARENT}/locations", {"store_code": "CLI-075-001", "location_page_id": page})).status_code == 200


@pytest.mark.parametrize("param", ["is_always_open", "is_permanently_closed", "category_list", "emails"])
async def test_update_parameters_on_a_create_are_refused(client, param: str) -> None:
    page = await existing_page(client)
    payload = render(record()).payload
    value = payload.get(param, ["x@example.org"] if param == "emails" else False)
    error = graph_error(await post(client, f"{PARENT}/locations", {"store_code": "C1", "location_page_id": page, param: value}))
    assert error["code"] == 100 and f"Param {param} is not a valid parameter" in error["message"]


async def test_create_parameters_on_an_update_are_refused(client) -> None:
    page = await existing_page(client, parent_id=PARENT, store_code="C1")
    error = graph_error(await post(client, page, {"always_open": True}))
    assert error["code"] == 100
    assert (await post(client, page, {"is_always_open": True})).status_code == 200


async def test_creating_a_page_without_metas_grant_is_refused(client) -> None:
    payload = render(record()).payload
    old = await post(client, f"{PARENT}/locations", {"store_code": "CLI-075-001", "location": payload["location"]})
    assert old.status_code == 403 and old.json()["error"]["code"] == 200


async def test_a_mistyped_value_is_refused(client) -> None:
    page = await existing_page(client, parent_id=PARENT, store_code="C1")
    error = graph_error(await post(client, page, {"is_always_open": "sometimes"}))
    assert error["code"] == 100 and "boolean" in error["message"]
    error = graph_error(await post(client, page, {"temporary_status": "OPEN"}))
    assert "temporary_status" in error["message"]


async def test_link_first_finds_the_page_by_store_code_or_store_number_and_updates_it(client) -> None:
    by_code = await existing_page(client, parent_id=PARENT, store_code="CLI-075-001")
    by_number = await existing_page(client, parent_id=PARENT, store_number="4401")
    fb = connector(client, create_pages=False)
    for code, page in (("CLI-075-001", by_code), ("4401", by_number)):
        rendering = fb.render(record(store_code=code))
        result = await fb.push(record(store_code=code), rendering, ctx(rendering, store_code=code))
        assert (result.remote_id, result.created, result.detail["adopted"]) == (page, False, True)
        assert (await fb.read_back(page, rendering.payload)).mismatched == []
    with pytest.raises(ActionRequired, match="create_pages"):
        rendering = fb.render(record(store_code="CLI-099-009"))
        await fb.push(record(store_code="CLI-099-009"), rendering, ctx(rendering, store_code="CLI-099-009"))
    stats = (await client.get("/_sandbox/stats")).json()["facebook"]
    assert stats["refused"] == 0 and stats["answered_429"] == 0, json.dumps(stats["refusals"])
