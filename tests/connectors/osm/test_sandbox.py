"""OsmConnector against the OSM emulator of `connectors.sandbox`, over ASGI, on a ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from connectors.http import default_user_agent
import pytest

from connectors.base import ActionRequired, PushContext, RetryableError
from connectors.osm.connector import OsmConnector
from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig, create_app
from connectors.sandbox.osm import OsmConfig
from schemas import Establishment
from tests.establishments.factories import record

CREDENTIALS = {"access_token": "sandbox-osm-token"}
DOCS = "https://wiki.openstreetmap.org/wiki/Automated_edits/Example"
OPTIONS = {"automated_edits_opt_in": "true", "automated_edits_docs": DOCS, "changeset_comment": "Vitrine sandbox: {name}"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig()


@pytest.fixture
async def sandbox(clock: ManualClock, config: SandboxConfig) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, clock)),
                                 base_url="http://sandbox", headers={"User-Agent": default_user_agent()}) as client:
        yield client


@pytest.fixture
def connector(sandbox: httpx.AsyncClient) -> OsmConnector:
    return OsmConnector(sandbox, "http://sandbox/osm", CREDENTIALS, OPTIONS)


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**{"name": "Clinique Sainte-Anne", **overrides}))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=None, previous=previous,
                       changed=changed if changed is not None else sorted(previous or {}), request_id="req-1")


async def test_create_read_back_drift_and_repair(sandbox: httpx.AsyncClient, connector: OsmConnector) -> None:
    record_ = est()
    rendering = connector.render(record_)
    created = await connector.push(record_, rendering, ctx())
    assert created.created and created.state == "live" and created.remote_version == "1"
    assert created.live_url == f"http://sandbox/osm/api/0.6/node/{created.remote_id}"

    back = await connector.read_back(created.remote_id, rendering.payload)
    assert (back.state, back.mismatched, back.remote_version) == ("live", [], "1")

    edit = await sandbox.post(f"/_sandbox/osm/nodes/{created.remote_id}/edit", json={"key": "phone", "value": "+33 9 87 65 43 21"})
    assert edit.status_code == 200
    await sandbox.post(f"/_sandbox/osm/nodes/{created.remote_id}/edit", json={"key": "wheelchair", "value": "yes"})
    back = await connector.read_back(created.remote_id, rendering.payload)
    assert back.mismatched == ["phone"] and back.third_party == ["phone"] and back.remote_version == "3"

    repaired = await connector.push(record_, rendering, ctx(created.remote_id, previous=rendering.payload, changed=["phone"]))
    assert repaired.remote_version == "4"
    back = await connector.read_back(created.remote_id, rendering.payload)
    assert back.mismatched == []
    node = (await sandbox.get(f"/osm/api/0.6/node/{created.remote_id}.json")).json()["elements"][0]
    assert node["tags"]["wheelchair"] == "yes"  # the other mapper's tag stays

    # every changeset of ours is closed and carries the comment
    for changeset_id in (created.detail["changeset"], repaired.detail["changeset"]):
        info = await sandbox.get(f"/osm/api/0.6/changeset/{changeset_id}")
        assert 'open="false"' in info.text and "Vitrine sandbox: Clinique Sainte-Anne" in info.text


async def test_retried_create_adopts_instead_of_duplicating(sandbox: httpx.AsyncClient, connector: OsmConnector) -> None:
    record_ = est()
    rendering = connector.render(record_)
    first = await connector.push(record_, rendering, ctx())
    second = await connector.push(record_, rendering, ctx())  # the worker died before recording the first
    assert second.remote_id == first.remote_id and second.detail.get("adopted") and not second.created
    stats = (await sandbox.get("/_sandbox/stats")).json()["osm"]
    assert stats["creates"] == {"node": {"Clinique Sainte-Anne": 1}}


async def test_existing_node_by_another_mapper_is_adopted_and_completed(sandbox: httpx.AsyncClient,
                                                                         connector: OsmConnector) -> None:
    added = await sandbox.post("/_sandbox/osm/nodes", json={"lat": 48.8657, "lon": 2.3782, "tags": {
        "name": "Clinique Sainte-Anne", "amenity": "hospital", "operator": "Groupe X", "wikidata": "Q42"}})
    node_id = str(added.json()["id"])
    record_ = est()
    rendering = connector.render(record_)
    result = await connector.push(record_, rendering, ctx())
    assert result.remote_id == node_id and result.detail["adopted"] and result.remote_version == "2"
    node = (await sandbox.get(f"/osm/api/0.6/node/{node_id}.json")).json()["elements"][0]
    assert node["tags"] == {**rendering.payload, "operator": "Groupe X", "wikidata": "Q42"}
    assert node["lat"] == 48.8657  # not moved


async def test_concurrent_edit_between_read_and_write_is_merged(sandbox: httpx.AsyncClient, connector: OsmConnector,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    record_ = est()
    rendering = connector.render(record_)
    created = await connector.push(record_, rendering, ctx())
    original = connector._read
    calls = 0

    async def read_then_someone_edits(node_id: str):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        node = await original(node_id)
        if calls == 1:
            await sandbox.post(f"/_sandbox/osm/nodes/{node_id}/edit", json={"key": "wheelchair", "value": "no"})
        return node

    monkeypatch.setattr(connector, "_read", read_then_someone_edits)
    changed = connector.render(est(website="https://www.sainte-anne.fr/"))
    result = await connector.push(record_, changed, ctx(created.remote_id, previous=rendering.payload, changed=["website"]))
    assert calls == 2 and result.remote_version == "3"  # 1 created, 2 the other mapper, 3 ours
    tags = (await sandbox.get(f"/osm/api/0.6/node/{created.remote_id}.json")).json()["elements"][0]["tags"]
    assert tags["wheelchair"] == "no" and tags["website"] == "https://www.sainte-anne.fr/"


async def test_unknown_node_needs_a_person(connector: OsmConnector) -> None:
    with pytest.raises(ActionRequired):
        await connector.read_back("987654", {"name": "x"})


@pytest.mark.parametrize("config", [SandboxConfig(osm=OsmConfig(quota=QuotaConfig(count=2, window_seconds=60)))])
async def test_throttled_by_the_emulator(connector: OsmConnector) -> None:
    record_ = est()
    with pytest.raises(RetryableError) as exc:
        await connector.push(record_, connector.render(record_), ctx())
    assert exc.value.throttled and exc.value.http_status == 429 and exc.value.retry_after and exc.value.retry_after > 0
