"""FoursquareConnector against the Foursquare emulator (rules from the Places API reference, 2025-06-17)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext, Rejected
from connectors.foursquare.connector import FoursquareConnector, edit_params
from connectors.sandbox import ManualClock
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"service_key": "sandbox-foursquare-key"}
HOSPITAL, EMERGENCY_ROOM, PHARMACY = "4bf58dd8d48988d196941735", "4bf58dd8d48988d194941735", "4bf58dd8d48988d10f951735"


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=remote_id, previous=previous,
                       changed=changed or [], request_id="req-1")


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in {*old, *new} if old.get(k) != new.get(k))


@pytest.fixture
def connector(client: httpx.AsyncClient) -> FoursquareConnector:
    return FoursquareConnector(client, "http://sandbox/foursquare", CREDENTIALS, {})


async def existing_place(client: httpx.AsyncClient) -> str:
    response = await client.post("/_sandbox/foursquare/places", json={"name": "Clinique du Parc", "categories": HOSPITAL})
    return response.json()["fsq_id"]


async def test_new_place_then_edit_then_closure_as_query_parameters(connector: FoursquareConnector,
                                                                    client: httpx.AsyncClient, clock: ManualClock) -> None:
    record_ = est()
    first = connector.render(record_)
    created = await connector.push(record_, first, ctx())
    assert created.detail["kind"] == "place"
    clock.advance(30)
    assert (await connector.read_back(created.remote_id, first.payload)).state == "live"
    changed = est(website=None, categories={"primary": "pharmacy", "additional": ["hospital"]})
    second = connector.render(changed)
    edited = await connector.push(changed, second, ctx(created.remote_id, first.payload, diff(first.payload, second.payload)))
    assert edited.detail["kind"] == "edit"
    assert set(edited.detail["sent"]) == {"unset_fields", "add_fsq_category_ids", "remove_fsq_category_ids",
                                          "primary_fsq_category_id"}
    clock.advance(30)
    assert (await connector.read_back(edited.remote_id, second.payload)).state == "live"
    closed = est(website=None, categories={"primary": "pharmacy", "additional": ["hospital"]}, status="closed_permanently")
    third = connector.render(closed)
    removed = await connector.push(closed, third, ctx(edited.remote_id, second.payload, diff(second.payload, third.payload)))
    assert removed.detail["kind"] == "remove"
    clock.advance(30)
    assert (await connector.read_back(removed.remote_id, third.payload)).state == "live"
    [place] = (await client.get("/_sandbox/foursquare/locations")).json()["places"]
    assert place["categories"].split(",")[0] == PHARMACY and "website" not in place and place["closed"] == "CLOSED"


async def test_an_existing_place_gets_an_edit(connector: FoursquareConnector, client: httpx.AsyncClient) -> None:
    fsq_id = await existing_place(client)
    record_ = est(platform_ids={"foursquare": fsq_id}, description="x" * 400)
    result = await connector.push(record_, connector.render(record_), ctx())
    assert result.detail["kind"] == "edit" and "description" in result.detail["sent"]


async def test_refusals_and_rejection(connector: FoursquareConnector, client: httpx.AsyncClient) -> None:
    record_ = est()
    rendering = connector.render(record_)
    rendering.payload["hours"] = "Mon 08:00-12:00"
    with pytest.raises(Rejected) as caught:
        await connector.push(record_, rendering, ctx())
    assert [e.field for e in caught.value.field_errors] == ["hours"]
    with pytest.raises(ActionRequired, match="coordinates"):
        no_geo = est(geo=None)
        await connector.push(no_geo, connector.render(no_geo), ctx())
    created = await connector.push(record_, connector.render(record_), ctx())
    await client.post(f"/_sandbox/foursquare/suggestions/{created.remote_id}/reject", json={"reason": "Duplicate"})
    rb = await connector.read_back(created.remote_id, {})
    assert rb.state == "failed" and "Duplicate" in (rb.message or "")


def test_edit_params_clear_with_unset_fields_and_diff_categories() -> None:
    params = edit_params({"name": "X", "categories": [PHARMACY, HOSPITAL]},
                         {"name": "Y", "website": "https://a.example", "categories": [HOSPITAL, EMERGENCY_ROOM]},
                         ["name", "website", "categories"])
    assert params == {"name": "X", "unset_fields": "website", "add_fsq_category_ids": PHARMACY,
                      "remove_fsq_category_ids": EMERGENCY_ROOM, "primary_fsq_category_id": PHARMACY}
