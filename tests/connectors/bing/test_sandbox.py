"""BingConnector against the Bing emulator of `connectors.sandbox`, over ASGI, on a ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext, PushResult, Rejected
from connectors.bing.connector import BingConnector
from tests.connectors.bing.conftest import CONFIRMED
from connectors.sandbox import ManualClock, create_app
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"api_key": "sandbox-bing-key"}
REVIEW_SECONDS = 30  # the emulator's default


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(None, clock)),
                                 base_url="http://sandbox") as client:
        yield client


@pytest.fixture
def connector(sandbox: httpx.AsyncClient) -> BingConnector:
    return BingConnector(sandbox, "http://sandbox/bing", CREDENTIALS, CONFIRMED)


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**{"email": None, **overrides}))


async def push(connector: BingConnector, record_: Establishment, remote_id: str | None = None) -> tuple[PushResult, dict[str, Any]]:
    rendering = connector.render(record_)
    ctx = PushContext(store_code=record_.store_code, remote_id=remote_id, remote_version=None, previous=None,
                      changed=list(rendering.payload), request_id="req-1")
    return await connector.push(record_, rendering, ctx), rendering.payload


async def stats(sandbox: httpx.AsyncClient) -> dict[str, Any]:
    return (await sandbox.get("/_sandbox/stats")).json()["bing"]


async def test_create_review_live_then_update(connector: BingConnector, sandbox: httpx.AsyncClient, clock: ManualClock) -> None:
    record_ = est(hours={"regular": {"monday": [{"open": "00:00", "close": "24:00"}], "friday": [{"open": "22:00", "close": "02:00"}]},
                         "special": [{"start_date": "2026-12-24", "intervals": [{"open": "09:00", "close": "12:00"}]},
                                     {"start_date": "2026-12-25", "closed": True}]},
                  name="Hôpital Privé Saint-Éloi")
    created, payload = await push(connector, record_)
    assert (created.remote_id, created.state, created.created) == ("CLI-075-001", "awaiting_review", True)
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "awaiting_review" and rb.mismatched == [] and rb.pending == list(payload)
    clock.advance(REVIEW_SECONDS)
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "live" and rb.mismatched == [] and rb.live_url and rb.live_url.startswith("https://www.bing.com/maps")
    updated, new_payload = await push(connector, est(phones={"primary": "+33123456780"}), remote_id=created.remote_id)
    assert updated.state == "awaiting_review" and not updated.created
    rb = await connector.read_back(created.remote_id, new_payload)
    assert rb.state == "awaiting_review" and rb.mismatched == []
    clock.advance(REVIEW_SECONDS)
    assert (await connector.read_back(created.remote_id, new_payload)).state == "live"
    assert (await stats(sandbox))["creates"] == {"StoreId": {"CLI-075-001": 1}}


async def test_a_create_run_twice_adopts_instead_of_duplicating(connector: BingConnector, sandbox: httpx.AsyncClient) -> None:
    first, _ = await push(connector, est())
    second, _ = await push(connector, est(name="Clinique du Parc (renommée)"))
    assert first.created and not second.created and second.detail == {"adopted": True}
    counts = await stats(sandbox)
    assert counts["creates"] == {"StoreId": {"CLI-075-001": 1}}
    assert counts["create_requests"] == {"StoreId": {"CLI-075-001": 1}}  # looked up first: no second CreateBusinesses


async def test_bing_side_edit_and_rejection_are_read_back(connector: BingConnector, sandbox: httpx.AsyncClient,
                                                          clock: ManualClock) -> None:
    created, payload = await push(connector, est())
    clock.advance(REVIEW_SECONDS)
    await sandbox.post("/_sandbox/bing/businesses/CLI-075-001/edit", json={"field": "MainWebSite", "value": "https://other.example.fr/"})
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "live" and rb.mismatched == ["MainWebSite"]
    await sandbox.post("/_sandbox/bing/businesses/CLI-075-001/reject", json={"reason": "Address could not be verified"})
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "failed" and "Address could not be verified" in (rb.message or "")


async def test_emulator_refusals_become_the_right_errors(connector: BingConnector, sandbox: httpx.AsyncClient) -> None:
    record_ = est()
    rendering = connector.render(record_)
    rendering.payload["OperatingHours"] = ["Lundi 8h-19h"]
    ctx = PushContext(store_code=record_.store_code, remote_id=None, remote_version=None, previous=None, changed=[],
                      request_id="req-1")
    with pytest.raises(Rejected) as caught:
        await connector.push(record_, rendering, ctx)
    assert [e.field for e in caught.value.field_errors] == ["OperatingHours[0]"]
    with pytest.raises(ActionRequired, match="no longer exists"):
        await push(connector, est(), remote_id="CLI-075-001")
    bad_key = BingConnector(sandbox, "http://sandbox/bing", {"api_key": "nope"}, CONFIRMED)
    with pytest.raises(ActionRequired, match="API key"):
        await push(bad_key, est())
