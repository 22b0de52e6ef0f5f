"""YelpConnector against the Yelp emulator of `connectors.sandbox`, over ASGI, on a ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from connectors.http import default_user_agent
import pytest

from connectors.base import ActionRequired, PushContext, PushResult, Rejected
from connectors.sandbox import ManualClock, create_app
from connectors.yelp.connector import YelpConnector
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"username": "sandbox-yelp", "password": "sandbox-yelp-secret"}
REVIEW_SECONDS = 30  # the emulator's default


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(None, clock)),
                                 base_url="http://sandbox", headers={"User-Agent": default_user_agent()}) as client:
        yield client


@pytest.fixture
def connector(sandbox: httpx.AsyncClient) -> YelpConnector:
    return YelpConnector(sandbox, "http://sandbox/yelp", CREDENTIALS, {})


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**{"email": None, **overrides}))


async def push(connector: YelpConnector, record_: Establishment, last: PushResult | None = None,
               previous: dict[str, Any] | None = None) -> tuple[PushResult, dict[str, Any]]:
    rendering = connector.render(record_)
    payload = rendering.payload
    changed = list(payload) if previous is None else sorted(k for k in {*payload, *previous} if payload.get(k) != previous.get(k))
    ctx = PushContext(store_code=record_.store_code, remote_id=last.remote_id if last else None,
                      remote_version=last.remote_version if last else None, previous=previous, changed=changed,
                      request_id="req-1")
    return await connector.push(record_, rendering, ctx), payload


async def live(sandbox: httpx.AsyncClient) -> dict[str, Any]:
    return (await sandbox.get("/_sandbox/yelp/locations")).json()[0]["live"]


async def test_create_review_live_then_partial_update(connector: YelpConnector, sandbox: httpx.AsyncClient,
                                                      clock: ManualClock) -> None:
    record_ = est(hours={"regular": {"monday": [{"open": "00:00", "close": "24:00"}], "friday": [{"open": "22:00", "close": "02:00"}]},
                         "special": [{"start_date": "2026-12-24", "intervals": [{"open": "09:00", "close": "12:00"}]}]},
                  name="Hôpital Privé Saint-Éloi")
    created, payload = await push(connector, record_)
    assert created.created and created.state == "awaiting_review" and created.remote_id == f"CLI-075-001/{created.remote_version}"
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "awaiting_review" and "name" in rb.pending and rb.mismatched == []
    clock.advance(REVIEW_SECONDS)
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "live" and rb.mismatched == [] and rb.live_url and rb.live_url.startswith("https://www.yelp.com/biz/sandbox-")
    assert (await live(sandbox))["name"] == "Hôpital Privé Saint-Éloi"

    updated, new_payload = await push(connector, est(phones={"primary": "+33123456780"}, website=None, hours=record_.hours.model_dump(mode="json"),
                                                     name="Hôpital Privé Saint-Éloi"), created, payload)
    assert not updated.created and updated.detail["fields"] == ["phone", "url"]
    assert updated.remote_id != created.remote_id
    rb = await connector.read_back(updated.remote_id, new_payload)
    assert rb.state == "awaiting_review" and sorted(rb.pending) == ["phone"]  # url is no longer in the payload
    clock.advance(REVIEW_SECONDS)
    assert (await connector.read_back(updated.remote_id, new_payload)).state == "live"
    now_live = await live(sandbox)
    assert now_live["phone"] == "+33123456780" and "url" not in now_live and now_live["name"] == "Hôpital Privé Saint-Éloi"
    stats = (await sandbox.get("/_sandbox/stats")).json()["yelp"]
    assert stats["creates"] == {"partner_business_id": {"CLI-075-001": 1}}
    assert stats["create_requests"] == {"partner_business_id": {"CLI-075-001": 2}}


async def test_rejected_field_is_reported_mismatched(connector: YelpConnector, sandbox: httpx.AsyncClient,
                                                     clock: ManualClock) -> None:
    created, payload = await push(connector, est())
    await sandbox.post(f"/_sandbox/yelp/jobs/{created.remote_version}/reject", json={"field": "url", "reason": "Website unreachable"})
    clock.advance(REVIEW_SECONDS)
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "live" and rb.mismatched == ["url"] and "Website unreachable" in (rb.message or "")
    assert "url" not in await live(sandbox)


async def test_whole_business_rejected_fails(connector: YelpConnector, sandbox: httpx.AsyncClient) -> None:
    created, payload = await push(connector, est())
    await sandbox.post(f"/_sandbox/yelp/jobs/{created.remote_version}/reject", json={"reason": "Closed business"})
    rb = await connector.read_back(created.remote_id, payload)
    assert rb.state == "failed" and "Closed business" in (rb.message or "")


async def test_refusals_become_the_right_errors(connector: YelpConnector, sandbox: httpx.AsyncClient) -> None:
    record_ = est()
    rendering = connector.render(record_)
    rendering.payload["hours"] = [{"day": 0, "start": "0800", "end": "1900", "is_overnight": False}]  # the old shape
    ctx = PushContext(store_code=record_.store_code, remote_id=None, remote_version=None, previous=None,
                      changed=list(rendering.payload), request_id="req-1")
    with pytest.raises(Rejected) as caught:
        await connector.push(record_, rendering, ctx)
    assert [e.field for e in caught.value.field_errors] == ["hours[0]"] and "hours" in caught.value.message
    assert (await connector.read_back("CLI-075-001/job_unknown", rendering.payload)).state == "action_required"
    bad = YelpConnector(sandbox, "http://sandbox/yelp", {"username": "sandbox-yelp", "password": "wrong"}, {})
    with pytest.raises(ActionRequired, match="credentials") as denied:
        await push(bad, est())
    assert "wrong" not in str(denied.value)


async def test_a_temporary_closure_without_coordinates_on_an_existing_business(connector: YelpConnector,
                                                                               sandbox: httpx.AsyncClient,
                                                                               clock: ManualClock) -> None:
    record_ = est(status="closed_temporarily", geo=None, address={"lines": ["Résidence Les Tilleuls", "4 allée des Acacias"],
                                                                  "postal_code": "69006", "locality": "Lyon"})
    created, payload = await push(connector, record_)
    clock.advance(REVIEW_SECONDS)
    assert (await connector.read_back(created.remote_id, payload)).state == "live"
    now_live = await live(sandbox)
    assert now_live["temporarily_closed"] is True and now_live["address1"] == "4 allée des Acacias"
    assert now_live["address2"] == "Résidence Les Tilleuls" and now_live["categories"] == ["health"]  # Yelp's own kept
