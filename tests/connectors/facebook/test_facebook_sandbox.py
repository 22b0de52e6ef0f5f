"""The connector against the sandbox's Facebook emulator, over ASGI (no network)."""

from __future__ import annotations

import httpx
import pytest

from connectors.base import ActionRequired, PushContext, RetryableError
from connectors.facebook.connector import TOKEN_REASON, FacebookConnector
from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig, create_app
from connectors.sandbox.facebook import FacebookConfig
from tests.connectors.facebook.records import record, week

BASE = "http://sandbox/facebook/v25.0"
TOKEN = "sandbox-facebook-token"
PARENT = "100000000000001"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sandbox(clock):
    clients: list[httpx.AsyncClient] = []

    def make(config: SandboxConfig | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, clock)),
                                   base_url="http://sandbox")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def connector(client: httpx.AsyncClient, token: str = TOKEN, create_pages: bool = True) -> FacebookConnector:
    """create_pages: an app Meta granted the creation of location pages (the link-first path has its own tests)."""
    return FacebookConnector(client, BASE, {"access_token": token}, {"parent_page_id": PARENT, "create_pages": create_pages})


def ctx(rendering, remote_id=None, previous=None, store_code="CLI-075-001") -> PushContext:
    changed = [k for k in rendering.payload if previous is None or previous.get(k) != rendering.payload[k]]
    return PushContext(store_code=store_code, remote_id=remote_id, remote_version=None, previous=previous,
                       changed=changed, request_id=f"facebook-{store_code}")


async def children(client: httpx.AsyncClient) -> list[dict]:
    return [p for p in (await client.get("/_sandbox/facebook/locations")).json() if p["parent_id"] == PARENT]


async def test_create_update_phone_read_back_live(sandbox):
    client = sandbox()
    fb = connector(client)
    first = fb.render(record())

    created = await fb.push(record(), first, ctx(first))
    assert created.created and created.state == "live"
    assert (await fb.read_back(created.remote_id, first.payload)).mismatched == []

    changed = record(phones={"primary": "+33198765432"})
    second = fb.render(changed)
    update = ctx(second, remote_id=created.remote_id, previous=first.payload)
    assert update.changed == ["phone"]
    result = await fb.push(changed, second, update)
    assert (result.remote_id, result.created, result.detail["sent"]) == (created.remote_id, False, ["phone"])

    back = await fb.read_back(created.remote_id, second.payload)
    assert (back.state, back.mismatched, back.third_party) == ("live", [], [])
    [page] = await children(client)
    assert (page["store_code"], page["store_number"]) == ("CLI-075-001", None)  # store_number is an unsigned int
    assert page["fields"]["phone"] == "+33 1 98 76 54 32"


async def test_second_create_adopts_instead_of_duplicating(sandbox):
    client = sandbox()
    fb = connector(client)
    # another establishment first, so the lookup has something to skip
    other = fb.render(record("CLI-069-002"))
    await fb.push(record("CLI-069-002"), other, ctx(other, store_code="CLI-069-002"))
    rendering = fb.render(record())

    first = await fb.push(record(), rendering, ctx(rendering))
    again = await fb.push(record(), rendering, ctx(rendering))  # the database never recorded the first

    assert (again.remote_id, again.created, first.created) == (first.remote_id, False, True)
    assert sorted(p["store_code"] for p in await children(client)) == ["CLI-069-002", "CLI-075-001"]


async def test_every_hours_shape_is_accepted_and_reads_back(sandbox):
    client = sandbox()
    fb = connector(client)
    hours = week(monday=[("08:00", "12:00"), ("14:00", "24:00")], tuesday=[("00:00", "24:00")],
                 friday=[("06:00", "10:00"), ("22:00", "02:00")])
    shaped = record(hours=hours, status="closed_temporarily")
    rendering = fb.render(shaped)

    created = await fb.push(shaped, rendering, ctx(rendering))
    back = await fb.read_back(created.remote_id, rendering.payload)
    assert back.mismatched == []


async def test_meta_edits_and_proposals_show_in_read_back(sandbox):
    client = sandbox()
    fb = connector(client)
    rendering = fb.render(record())
    page_id = (await fb.push(record(), rendering, ctx(rendering))).remote_id

    await client.post(f"/_sandbox/facebook/pages/{page_id}/edit",
                      json={"field": "website", "value": "https://meta-found.example"})
    await client.post(f"/_sandbox/facebook/pages/{page_id}/upcoming-changes",
                      json={"field": "phone", "value": "+33 4 72 22 22 22", "effective_in_seconds": 3600})

    back = await fb.read_back(page_id, rendering.payload)
    assert back.mismatched == ["website"]
    assert back.third_party == ["phone"]


async def test_throttled_by_the_business_use_case_limit(sandbox, clock):
    config = SandboxConfig(facebook=FacebookConfig(page_quota=QuotaConfig(count=2, window_seconds=600)))
    client = sandbox(config)
    fb = connector(client)
    rendering = fb.render(record())
    await fb.push(record(), rendering, ctx(rendering))  # lookup + create: the parent page's two calls

    with pytest.raises(RetryableError) as exc:
        await fb.push(record("CLI-2"), rendering, ctx(rendering, store_code="CLI-2"))
    assert exc.value.throttled
    assert exc.value.retry_after == 600.0  # 10 Graph minutes


async def test_bad_token_needs_a_reconnect(sandbox):
    fb = connector(sandbox(), token="not-the-token")
    rendering = fb.render(record())
    with pytest.raises(ActionRequired) as exc:
        await fb.push(record(), rendering, ctx(rendering))
    assert exc.value.reason == TOKEN_REASON


async def test_categories_reach_the_page_and_meta_changes_to_them_are_seen(sandbox):
    client = sandbox()
    fb = connector(client)
    clinic = record(categories={"primary": "medical_center", "additional": ["cardiologist"]})
    rendering = fb.render(clinic)

    page_id = (await fb.push(clinic, rendering, ctx(rendering))).remote_id
    [page] = await children(client)
    assert page["fields"]["category_list"] == ["228143393877753", "188234584533149"]  # Medical Center, Doctor
    assert (await fb.read_back(page_id, rendering.payload)).mismatched == []

    await client.post(f"/_sandbox/facebook/pages/{page_id}/edit", json={"field": "category_list",
                                                                          "value": ["228143393877753"]})
    await client.post(f"/_sandbox/facebook/pages/{page_id}/upcoming-changes",
                      json={"field": "category_list", "value": ["228143393877753", "134381433294944"]})
    back = await fb.read_back(page_id, rendering.payload)
    assert (back.mismatched, back.third_party) == (["category_list"], ["category_list"])


async def test_too_many_categories_never_reach_the_emulator(sandbox):
    """The mapping keeps the Page's limit, so the emulator (which enforces it too) accepts the push."""
    client = sandbox()
    fb = connector(client)
    busy = record(categories={"primary": "hospital", "additional": ["pharmacy", "medical_laboratory", "parking"]})
    rendering = fb.render(busy)
    assert len(rendering.payload["category_list"]) == 3 and "parking" in rendering.unsupported["categories"]

    created = await fb.push(busy, rendering, ctx(rendering))
    assert (await fb.read_back(created.remote_id, rendering.payload)).mismatched == []
