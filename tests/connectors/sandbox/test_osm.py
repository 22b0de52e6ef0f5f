"""The OpenStreetMap emulator: changesets, versioned nodes, XML and JSON, bbox, auth, quota, admin edits."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from connectors.sandbox import ManualClock, QuotaConfig, SandboxConfig
from connectors.sandbox.osm import OsmConfig

API = "/osm/api/0.6"
AUTH = {"Authorization": "Bearer sandbox-osm-token"}


def changeset_body(comment: str = "test") -> str:
    return f'<osm><changeset><tag k="created_by" v="test"/><tag k="comment" v="{comment}"/></changeset></osm>'


def node_body(changeset: str, tags: dict[str, str], node_id: str | None = None, version: str | None = None,
              lat: str = "48.8656", lon: str = "2.3781") -> bytes:
    root = ET.Element("osm")
    attrs = {"changeset": changeset, "lat": lat, "lon": lon}
    if node_id:
        attrs.update(id=node_id, version=version or "1")
    node = ET.SubElement(root, "node", attrs)
    for k, v in tags.items():
        ET.SubElement(node, "tag", k=k, v=v)
    return ET.tostring(root, encoding="UTF-8")


async def open_changeset(client: httpx.AsyncClient) -> str:
    response = await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)
    assert response.status_code == 200, response.text
    return response.text


async def create_node(client: httpx.AsyncClient, tags: dict[str, str] | None = None) -> tuple[str, str]:
    changeset = await open_changeset(client)
    response = await client.put(f"{API}/node/create", content=node_body(changeset, tags or {"name": "Clinique", "amenity": "hospital"}),
                                headers=AUTH)
    assert response.status_code == 200, response.text
    return changeset, response.text


def node_of(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    node = ET.fromstring(response.content).find("node")
    assert node is not None
    return node


async def test_changeset_lifecycle_and_node_versions(client: httpx.AsyncClient) -> None:
    changeset, node_id = await create_node(client, {"name": "Hôpital Sud", "amenity": "hospital"})
    node = node_of(await client.get(f"{API}/node/{node_id}"))
    assert (node.get("version"), node.get("changeset"), node.get("lat")) == ("1", changeset, "48.8656")
    assert {t.get("k"): t.get("v") for t in node.findall("tag")} == {"name": "Hôpital Sud", "amenity": "hospital"}
    updated = await client.put(f"{API}/node/{node_id}", headers=AUTH,
                               content=node_body(changeset, {"name": "Hôpital Nord"}, node_id, "1"))
    assert (updated.status_code, updated.text) == (200, "2")
    stale = await client.put(f"{API}/node/{node_id}", headers=AUTH, content=node_body(changeset, {"name": "X"}, node_id, "1"))
    assert stale.status_code == 409 and stale.text == f"Version mismatch: Provided 1, server had: 2 of Node {node_id}"
    assert stale.headers["Error"].startswith("Version mismatch")
    closed = await client.put(f"{API}/changeset/{changeset}/close", headers=AUTH)
    assert closed.status_code == 200
    info = ET.fromstring((await client.get(f"{API}/changeset/{changeset}")).content).find("changeset")
    assert info is not None and info.get("open") == "false" and info.get("changes_count") == "2"
    late = await client.put(f"{API}/node/{node_id}", headers=AUTH, content=node_body(changeset, {"name": "Y"}, node_id, "2"))
    assert late.status_code == 409 and "was closed at" in late.text
    again = await client.put(f"{API}/changeset/{changeset}/close", headers=AUTH)
    assert again.status_code == 409


async def test_json_read_and_bbox_map(client: httpx.AsyncClient) -> None:
    _, node_id = await create_node(client)
    body = (await client.get(f"{API}/node/{node_id}.json")).json()
    assert body["version"] == "0.6" and body["elements"][0]["tags"]["amenity"] == "hospital"
    near = await client.get(f"{API}/map", params={"bbox": "2.377,48.865,2.379,48.866"})
    assert [n.get("id") for n in ET.fromstring(near.content).findall("node")] == [node_id]
    far = await client.get(f"{API}/map.json", params={"bbox": "2.0,48.0,2.1,48.1"})
    assert far.json()["elements"] == []
    assert (await client.get(f"{API}/map", params={"bbox": "0,0,1,1"})).status_code == 400
    assert (await client.get(f"{API}/map", params={"bbox": "nope"})).status_code == 400


async def test_writes_need_a_token_and_an_open_own_changeset(client: httpx.AsyncClient) -> None:
    unauthenticated = await client.put(f"{API}/changeset/create", content=changeset_body())
    assert unauthenticated.status_code == 401 and unauthenticated.text == "Couldn't authenticate you"
    bad = await client.put(f"{API}/changeset/create", content=changeset_body(), headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    unknown = await client.put(f"{API}/node/create", content=node_body("999999", {"name": "x"}), headers=AUTH)
    assert unknown.status_code == 409
    changeset = await open_changeset(client)
    invalid = await client.put(f"{API}/node/create", content=node_body(changeset, {"name": "x"}, lat="95"), headers=AUTH)
    assert invalid.status_code == 400 and "Latitude" in invalid.text
    too_long = await client.put(f"{API}/node/create", content=node_body(changeset, {"name": "x" * 256}), headers=AUTH)
    assert too_long.status_code == 400
    garbage = await client.put(f"{API}/node/create", content=b"<not-xml", headers=AUTH)
    assert garbage.status_code == 400


async def test_idle_changeset_closes_after_an_hour(client: httpx.AsyncClient, clock: ManualClock) -> None:
    changeset = await open_changeset(client)
    clock.advance(3601)
    response = await client.put(f"{API}/node/create", content=node_body(changeset, {"name": "x"}), headers=AUTH)
    assert response.status_code == 409 and "was closed at" in response.text


async def test_deleted_and_unknown_nodes(client: httpx.AsyncClient) -> None:
    _, node_id = await create_node(client)
    assert (await client.get(f"{API}/node/424242")).status_code == 404
    deleted = await client.post(f"/_sandbox/osm/nodes/{node_id}/delete")
    assert deleted.status_code == 200
    assert (await client.get(f"{API}/node/{node_id}")).status_code == 410


async def test_admin_edit_by_another_mapper_makes_a_new_version(client: httpx.AsyncClient) -> None:
    _, node_id = await create_node(client)
    edited = await client.post(f"/_sandbox/osm/nodes/{node_id}/edit", json={"key": "phone", "value": "+33 1 00 00 00 00"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    removed = await client.post(f"/_sandbox/osm/nodes/{node_id}/edit", json={"key": "amenity", "value": None})
    assert removed.json()["tags"] == {"name": "Clinique", "phone": "+33 1 00 00 00 00"}
    node = node_of(await client.get(f"{API}/node/{node_id}"))
    assert node.get("version") == "3" and node.get("user") == "another-mapper"


async def test_blocked_and_revoked_tokens(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/osm/users/block", json={"token": "sandbox-osm-token", "blocked": True})
    assert (await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)).status_code == 403
    await client.post("/_sandbox/osm/users/block", json={"token": "sandbox-osm-token", "blocked": False})
    assert (await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)).status_code == 200
    assert (await client.post("/_sandbox/osm/tokens/revoke", json={"token": "sandbox-osm-token"})).status_code == 200
    assert (await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)).status_code == 401


async def test_quota_answers_429_with_retry_after(make_client, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    client = make_client(SandboxConfig(osm=OsmConfig(quota=QuotaConfig(count=2, window_seconds=60))))
    for _ in range(2):
        assert (await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)).status_code == 200
    throttled = await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "60"
    clock.advance(60)
    assert (await client.put(f"{API}/changeset/create", content=changeset_body(), headers=AUTH)).status_code == 200
    stats = (await client.get("/_sandbox/stats")).json()["osm"]
    assert stats["throttled"] == 1


async def test_creates_are_counted_by_name(client: httpx.AsyncClient) -> None:
    await create_node(client, {"name": "A", "amenity": "clinic"})
    stats = (await client.get("/_sandbox/stats")).json()["osm"]
    assert stats["creates"] == {"node": {"A": 1}}
    dump = (await client.get("/_sandbox/osm/locations")).json()
    assert dump[0]["tags"]["name"] == "A"


# ---------------------------------------------------------------- the policies the old requests broke

CHANGESET_OK = (b'<osm><changeset><tag k="created_by" v="Vitrine 0.1.0"/><tag k="bot" v="yes"/>'
                b'<tag k="comment" v="Update X"/><tag k="source" v="own record"/>'
                b'<tag k="description" v="https://wiki.openstreetmap.org/wiki/Automated_edits/X"/></changeset></osm>')
AUTH = {"Authorization": "Bearer sandbox-osm-token"}


@pytest.mark.parametrize("agent", ["python-httpx/0.27.0", "python-requests/2.32", "curl/8.5.0", ""])
async def test_a_library_default_user_agent_is_blocked_as_the_usage_policy_says(client, agent: str) -> None:
    response = await client.put("/osm/api/0.6/changeset/create", content=CHANGESET_OK,
                                headers={**AUTH, "User-Agent": agent})
    assert response.status_code == 403 and "usage policy" in response.text


async def test_a_bot_changeset_without_source_and_documentation_link_is_refused(client) -> None:
    old = (b'<osm><changeset><tag k="created_by" v="Vitrine"/><tag k="bot" v="yes"/>'
           b'<tag k="comment" v="Update X"/></changeset></osm>')
    response = await client.put("/osm/api/0.6/changeset/create", content=old, headers=AUTH)
    assert response.status_code == 400 and "source" in response.text and "description" in response.text
    assert (await client.put("/osm/api/0.6/changeset/create", content=CHANGESET_OK, headers=AUTH)).status_code == 200


@pytest.mark.parametrize(("value", "status"), [("Mo-Fr 25:00-99:00", 400), ("Mo-Fr 08:00-12:60", 400),
                                                ("Mo-Fr 08:00-12:00,14:00-18:00; PH off", 200), ("24/7", 200),
                                                ("Mo-Su 22:00-02:00", 200)])
async def test_opening_hours_are_checked_against_the_specification(client, value: str, status: int) -> None:
    changeset = (await client.put("/osm/api/0.6/changeset/create", content=CHANGESET_OK, headers=AUTH)).text
    node = (f'<osm><node changeset="{changeset}" lat="48.1" lon="2.1"><tag k="name" v="X"/>'
            f'<tag k="opening_hours" v="{value}"/></node></osm>').encode()
    response = await client.put("/osm/api/0.6/node/create", content=node, headers=AUTH)
    assert response.status_code == status, response.text
