"""FoursquareConnector against the sandbox emulator over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.base import ActionRequired, PushContext, Rejected, RetryableError
from connectors.foursquare.connector import FoursquareConnector
from connectors.sandbox import ManualClock, SandboxConfig, create_app
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"service_key": "sandbox-foursquare-key"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def client(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(SandboxConfig(), clock)),
                                 base_url="http://sandbox") as client:
        yield client


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext("CLI-075-001", remote_id, remote_id, previous, changed or [], "req-1")


def est(**overrides: Any) -> Establishment:
    regular = {"monday": [{"open": "09:00", "close": "18:00"}], "sunday": [{"open": "22:00", "close": "02:00"}]}
    return Establishment.model_validate(record(**{"hours": {"regular": regular}, "name": "Clinique Saint-Éloi", **overrides}))


async def test_lifecycle_against_the_emulator(client: httpx.AsyncClient, clock: ManualClock) -> None:
    fsq = FoursquareConnector(client, "http://sandbox/foursquare", CREDENTIALS, {})
    first = est()
    rendering = fsq.render(first)
    created = await fsq.push(first, rendering, ctx())
    again = await fsq.push(first, rendering, ctx())
    assert again.remote_id == created.remote_id and again.detail["duplicate"]
    stats = (await client.get("/_sandbox/stats")).json()["foursquare"]
    assert sum(stats["creates"]["place"].values()) == 1
    second = est(description="Centre de soins")
    update = fsq.render(second)
    with pytest.raises(RetryableError):  # the new place is still under review
        await fsq.push(second, update, ctx(created.remote_id, rendering.payload, ["description"]))
    assert (await fsq.read_back(created.remote_id, rendering.payload)).state == "awaiting_review"
    clock.advance(30)
    live = await fsq.read_back(created.remote_id, rendering.payload)
    assert live.state == "live" and live.live_url and live.live_url.startswith("https://foursquare.com/v/")
    edited = await fsq.push(second, update, ctx(created.remote_id, rendering.payload, ["description"]))
    assert edited.detail["kind"] == "edit" and edited.detail["sent"] == ["description"]
    await client.post(f"/_sandbox/foursquare/suggestions/{edited.remote_id}/reject", json={"reason": "Not verifiable"})
    failed = await fsq.read_back(edited.remote_id, update.payload)
    assert failed.state == "failed" and "Not verifiable" in (failed.message or "")


async def test_dry_run_and_errors_against_the_emulator(client: httpx.AsyncClient) -> None:
    record_ = est()
    dry = FoursquareConnector(client, "http://sandbox/foursquare", CREDENTIALS, {"dry_run": "true"})
    with pytest.raises(ActionRequired):
        await dry.push(record_, dry.render(record_), ctx())
    assert (await client.get("/_sandbox/foursquare/locations")).json()["suggestions"] == []
    fsq = FoursquareConnector(client, "http://sandbox/foursquare", CREDENTIALS, {})
    bad = fsq.render(record_)
    bad.payload["tel"] = "not a phone"
    with pytest.raises(Rejected) as caught:
        await fsq.push(record_, bad, ctx())
    assert caught.value.field_errors[0].field == "tel"
    wrong = FoursquareConnector(client, "http://sandbox/foursquare", {"service_key": "nope"}, {})
    with pytest.raises(ActionRequired):
        await wrong.push(record_, bad, ctx())


async def test_categories_are_accepted_by_the_emulator(client: httpx.AsyncClient, clock: ManualClock) -> None:
    fsq = FoursquareConnector(client, "http://sandbox/foursquare", CREDENTIALS, {})
    clinic = est(categories={"primary": "psychiatrist", "additional": ["sleep_clinic", "pediatrician", "nurse"]})
    rendering = fsq.render(clinic)
    created = await fsq.push(clinic, rendering, ctx())
    clock.advance(30)
    live = await fsq.read_back(created.remote_id, rendering.payload)
    assert live.state == "live" and live.live_url
    fsq_id = live.live_url.rsplit("/", 1)[1]
    place = (await client.get(f"/foursquare/places/{fsq_id}", headers={"Authorization": "Bearer sandbox-foursquare-key"}))
    # Psychiatrist, Medical Center (the sleep clinic's parent), Pediatrician; the nurse is past the limit
    assert place.json()["fsq_category_ids"] == ["63be6904847c3692a84b9bd9", "4bf58dd8d48988d104941735",
                                                 "63be6904847c3692a84b9bd7"]
    assert "nurse not sent" in rendering.unsupported["categories"]
