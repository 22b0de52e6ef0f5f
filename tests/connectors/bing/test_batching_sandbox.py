"""Bing micro-batching against the sandbox over a real socket: many concurrent pushes, few calls,
one listing each, within the emulator's default quota (10 calls / 5 s per key)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from connectors.base import PushContext, PushResult, Rejected
from connectors.bing.connector import BingConnector
from tests.connectors.bing.conftest import CONFIRMED
from connectors.sandbox import SandboxConfig, SandboxServer
from schemas import Establishment
from tests.establishments.factories import record

KEY = "sandbox-bing-key"
COUNT = 50


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig.model_validate({"bing": {"review_seconds": 0}})) as running:
        yield running


@pytest.fixture
async def client(server: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as c:
        assert (await c.post("/_sandbox/reset")).status_code == 200
        yield c


def est(n: int, **overrides: Any) -> Establishment:
    return Establishment.model_validate(record(f"SITE-{n:04d}", **{"email": None, **overrides}))


async def push(client: httpx.AsyncClient, server: SandboxServer, record_: Establishment,
               remote_id: str | None = None) -> PushResult:
    connector = BingConnector(client, f"{server.url}/bing", {"api_key": KEY}, CONFIRMED)  # one per job, as the engine does
    rendering = connector.render(record_)
    return await connector.push(record_, rendering, PushContext(
        store_code=record_.store_code, remote_id=remote_id, remote_version=None, previous=None,
        changed=list(rendering.payload), request_id=f"req-{record_.store_code}"))


async def calls(client: httpx.AsyncClient) -> Counter[str]:
    return Counter(c["Operation"] for c in (await client.get("/_sandbox/bing/calls")).json())


async def dump(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await client.get("/_sandbox/bing/locations")).json()


async def test_fifty_concurrent_creates_make_two_calls_and_fifty_live_listings(client: httpx.AsyncClient,
                                                                              server: SandboxServer) -> None:
    records = [est(n) for n in range(COUNT)]
    created = await asyncio.gather(*(push(client, server, r) for r in records))
    assert all(r.created and r.state == "awaiting_review" for r in created)
    assert await calls(client) == {"GetBusinesses": 1, "CreateBusinesses": 1}
    log = (await client.get("/_sandbox/bing/calls")).json()
    assert [c["Items"] for c in log] == [COUNT, COUNT]

    connector = BingConnector(client, f"{server.url}/bing", {"api_key": KEY}, CONFIRMED)
    rbs = await asyncio.gather(*(connector.read_back(r.store_code, connector.render(r).payload) for r in records))
    assert [rb.state for rb in rbs] == ["live"] * COUNT and all(rb.mismatched == [] for rb in rbs)
    stats = (await client.get("/_sandbox/stats")).json()["bing"]
    assert stats["requests_total"] == 4 and stats["throttled"] == 0
    assert stats["creates"]["StoreId"] == {r.store_code: 1 for r in records}
    listings = await dump(client)
    assert len(listings) == COUNT and all(b["Status"] == "Published" for b in listings)


async def test_the_same_creates_pushed_again_keep_one_listing_each(client: httpx.AsyncClient,
                                                                  server: SandboxServer) -> None:
    """The worker died after Bing answered: every create is pushed again with the same request id."""
    records = [est(n) for n in range(COUNT)]
    first = await asyncio.gather(*(push(client, server, r) for r in records))
    again = await asyncio.gather(*(push(client, server, r) for r in records))
    assert all(r.created for r in first) and all(not r.created and r.detail == {"adopted": True} for r in again)
    assert [a.remote_id for a in again] == [f.remote_id for f in first]
    assert await calls(client) == {"GetBusinesses": 2, "CreateBusinesses": 1, "UpdateBusinesses": 1}
    stats = (await client.get("/_sandbox/stats")).json()["bing"]
    assert stats["creates"]["StoreId"] == {r.store_code: 1 for r in records}
    assert stats["create_requests"]["StoreId"] == {r.store_code: 1 for r in records}  # looked up first


async def test_a_store_pushed_twice_at_once_makes_one_listing(client: httpx.AsyncClient, server: SandboxServer) -> None:
    """Both look it up (absent), both create: the two creates go in separate calls, the second
    meets AlreadyExists and adopts."""
    results = await asyncio.gather(push(client, server, est(1)), push(client, server, est(1, name="Clinique B")))
    assert sorted(r.created for r in results) == [False, True]
    assert [r.detail for r in results if not r.created] == [{"adopted": True}]
    assert await calls(client) == {"GetBusinesses": 1, "CreateBusinesses": 2, "UpdateBusinesses": 1}
    stats = (await client.get("/_sandbox/stats")).json()["bing"]
    assert stats["creates"]["StoreId"] == {"SITE-0001": 1}


async def test_an_invalid_business_fails_alone_in_its_batch(client: httpx.AsyncClient, server: SandboxServer) -> None:
    async def bad() -> PushResult:
        record_ = est(2)
        connector = BingConnector(client, f"{server.url}/bing", {"api_key": KEY}, CONFIRMED)
        rendering = connector.render(record_)
        rendering.payload["OperatingHours"] = ["Lundi 8h-19h"]
        return await connector.push(record_, rendering, PushContext(record_.store_code, None, None, None, [], "req-bad"))

    results = await asyncio.gather(push(client, server, est(1)), bad(), push(client, server, est(3)),
                                   return_exceptions=True)
    assert isinstance(results[1], Rejected) and [e.field for e in results[1].field_errors] == ["OperatingHours[0]"]
    assert isinstance(results[0], PushResult) and isinstance(results[2], PushResult)
    assert await calls(client) == {"GetBusinesses": 1, "CreateBusinesses": 1}
    assert sorted(b["StoreId"] for b in await dump(client)) == ["SITE-0001", "SITE-0003"]


async def test_the_emulator_refuses_more_than_1000_businesses(client: httpx.AsyncClient) -> None:
    businesses = [{"StoreId": f"S{n}"} for n in range(1001)]
    response = await client.post("/bing/trustedPartnerApi/v1/CreateBusinesses", headers={"X-Api-Key": KEY},
                                 json={"TrackingId": "t", "Businesses": businesses})
    assert response.status_code == 400 and response.json()["ErrorCode"] == "InvalidRequest"
    assert "1000" in response.json()["ErrorMessage"]
