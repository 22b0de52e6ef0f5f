"""AppleConnector against the Apple emulator of `connectors.sandbox`, over ASGI, on a ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.apple.connector import AppleConnector
from connectors.apple.mapping import render
from connectors.base import PushContext, PushResult
from connectors.sandbox import ManualClock, create_app
from connectors.sandbox.apple_rules import validate_details
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"client_id": "sandbox-apple-client", "client_secret": "sandbox-apple-secret"}
REVIEW_SECONDS = 15  # the emulator's default SUBMITTED (5 s) + PROCESSING (10 s)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(None, clock)),
                                 base_url="http://sandbox") as client:
        yield client


@pytest.fixture
def connector(sandbox: httpx.AsyncClient) -> AppleConnector:
    return AppleConnector(sandbox, "http://sandbox/apple", CREDENTIALS, {"org_id": "org-1"})


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**{"email": None, "description": "Clinique pluridisciplinaire.",
                                                 **overrides}))


async def push(connector: AppleConnector, record_: Establishment, remote_id: str | None = None,
               remote_version: str | None = None) -> tuple[PushResult, dict[str, Any]]:
    rendering = connector.render(record_)
    ctx = PushContext(store_code=record_.store_code, remote_id=remote_id, remote_version=remote_version,
                      previous=None, changed=list(rendering.payload), request_id="req-1")
    return await connector.push(record_, rendering, ctx), rendering.payload


async def sandbox_location(sandbox: httpx.AsyncClient, location_id: str) -> dict[str, Any]:
    dump = (await sandbox.get("/_sandbox/apple/locations")).json()
    return next(loc for loc in dump if loc["id"] == location_id)


async def test_create_review_publish_then_update_the_phone(connector: AppleConnector, sandbox: httpx.AsyncClient,
                                                           clock: ManualClock) -> None:
    created, payload = await push(connector, est(
        hours={"regular": {"monday": [{"open": "00:00", "close": "24:00"}], "friday": [{"open": "22:00", "close": "02:00"}]},
               "special": [{"start_date": "2026-12-24", "intervals": [{"open": "09:00", "close": "12:00"}]},
                           {"start_date": "2026-12-25", "closed": True}]}))
    assert (created.state, created.created, created.http_status) == ("awaiting_review", True, 201)

    back = await connector.read_back(created.remote_id, payload)
    assert (back.state, back.mismatched, back.live_url) == ("awaiting_review", [], None)

    clock.advance(REVIEW_SECONDS)
    back = await connector.read_back(created.remote_id, payload)
    assert (back.state, back.mismatched, back.remote_version) == ("live", [], created.remote_version)
    assert back.live_url and back.live_url.startswith("https://maps.apple.com/")

    updated, payload = await push(connector, est(phones={"primary": "+33140000000"}), created.remote_id, back.remote_version)
    assert (updated.remote_id, updated.state, updated.created) == (created.remote_id, "awaiting_review", False)
    assert updated.remote_version not in (None, created.remote_version)
    stored = await sandbox_location(sandbox, created.remote_id)
    assert stored["state"] == "SUBMITTED"
    assert stored["locationDetails"]["phoneNumbers"] == [{"phoneNumber": "+33140000000", "type": "VOICE", "primary": True}]

    clock.advance(REVIEW_SECONDS)
    back = await connector.read_back(created.remote_id, payload)
    assert (back.state, back.mismatched, back.remote_version) == ("live", [], updated.remote_version)


async def test_a_repeated_create_adopts_instead_of_duplicating(connector: AppleConnector, sandbox: httpx.AsyncClient) -> None:
    first, _ = await push(connector, est())
    again, _ = await push(connector, est(name="Clinique du Parc — Paris 11"))  # the first create was never recorded

    assert again.remote_id == first.remote_id and not again.created and again.detail["adopted"]
    stats = (await sandbox.get("/_sandbox/stats")).json()["apple"]
    assert stats["creates"] == {"partnersLocationId": {"CLI-075-001": 1}}
    assert (await sandbox_location(sandbox, first.remote_id))["locationDetails"]["displayNames"][0]["name"] == \
        "Clinique du Parc — Paris 11"


async def test_an_edit_on_apple_shows_as_drift_and_is_overwritten(connector: AppleConnector, sandbox: httpx.AsyncClient,
                                                                  clock: ManualClock) -> None:
    created, payload = await push(connector, est())
    clock.advance(REVIEW_SECONDS)
    edited = [{"name": "Clinique Parc Oberkampf", "locale": "fr-FR", "primary": True}]
    assert (await sandbox.post(f"/_sandbox/apple/locations/{created.remote_id}/edit",
                               json={"field": "displayNames", "value": edited})).status_code == 200

    back = await connector.read_back(created.remote_id, payload)
    assert (back.state, back.mismatched) == ("live", ["displayNames"])

    # the engine still holds the etag of its own push: 412, re-read, PUT again
    result, _ = await push(connector, est(), created.remote_id, created.remote_version)
    assert result.state == "awaiting_review"
    stored = await sandbox_location(sandbox, created.remote_id)
    assert stored["locationDetails"]["displayNames"][0]["name"] == "Clinique du Parc"
    assert stored["etag"] == result.remote_version


async def test_unchanged_push_expired_token_and_rejection(connector: AppleConnector, sandbox: httpx.AsyncClient,
                                                          clock: ManualClock) -> None:
    created, payload = await push(connector, est())
    clock.advance(3600)  # the sandbox's token is dead; the connector's cache does not know it yet

    same, _ = await push(connector, est(), created.remote_id, created.remote_version)
    assert same.detail == {"no_changes": True} and same.remote_version == created.remote_version
    stats = (await sandbox.get("/_sandbox/stats")).json()["apple"]
    assert stats["requests"]["POST /apple/api/v1/oauth2/token"] == 2

    feedback = [{"code": "INVALID_CATEGORY", "message": "The category does not fit.", "field": "categories"}]
    await sandbox.post(f"/_sandbox/apple/locations/{created.remote_id}/reject", json={"feedback": feedback})
    back = await connector.read_back(created.remote_id, payload)
    assert (back.state, back.message) == ("failed", "categories: The category does not fit.")


@pytest.mark.parametrize("overrides", [
    pytest.param({}, id="factory"),
    pytest.param({"geo": None, "website": None, "description": None, "phones": {"primary": None},
                  "address": {"lines": ["Place Bellecour"], "postal_code": "69002", "locality": "Lyon"}}, id="sparse"),
    pytest.param({"status": "opening_soon", "opening_date": "2026-10-15"}, id="opening-soon"),
    pytest.param({"status": "closed_temporarily", "reopen_date": "2026-09-01"}, id="closed-temporarily"),
    pytest.param({"status": "closed_permanently"}, id="closed-permanently"),
    pytest.param({"phones": {"primary": "+33123456789", "additional": ["+33612345678"]},
                  "hours": {"regular": {"sunday": [{"open": "20:00", "close": "24:00"}]},
                            "special": [{"start_date": "2026-12-24", "end_date": "2027-01-02",
                                         "intervals": [{"open": "22:00", "close": "06:00"}]}]}}, id="hours"),
])
def test_renderings_pass_the_emulators_validation(overrides: dict[str, Any]) -> None:
    assert validate_details(render(est(**overrides)).payload) == []
