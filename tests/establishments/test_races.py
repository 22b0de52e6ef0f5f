"""Races have clean answers: concurrent requests against one app and one database (both
backends; PostgreSQL is where they truly overlap) never answer 500 and never lose a write."""

from __future__ import annotations

import pytest

import asyncio
import json

from sqlalchemy import text

from tests.establishments.factories import record

URL = "/api/v1/establishments"


async def _warm(client) -> None:
    """Use the key once first: its first use writes `last_used_at`, a row lock that would
    queue the concurrent requests behind one another and hide the race."""
    assert (await client.get(URL)).status_code == 200


@pytest.fixture
def settings(settings):
    """Races, not shedding: room for every concurrent request (overload has its own tests)."""
    return settings.model_copy(update={"api_max_concurrency": 128, "api_queue_seconds": 60.0})


async def test_fifty_concurrent_creates_of_one_store_code_are_one_201_and_409s(client):
    await _warm(client)
    responses = await asyncio.gather(*(client.post(URL, json=record("RACE-1", name=f"Clinique {i}"))
                                       for i in range(50)))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1 and codes.count(409) == 49, codes
    conflicts = [r.json()["error"] for r in responses if r.status_code == 409]
    assert all(e["field"] == "store_code" and "RACE-1" in e["message"] for e in conflicts)
    revisions = (await client.get(f"{URL}/RACE-1/revisions")).json()["items"]
    assert [r["number"] for r in revisions] == [1]


async def test_three_overlapping_bulks_write_every_item(client, engine):
    await _warm(client)
    # each bulk: 40 codes shared by all three, 40 of its own (written only by it)
    bulks = [[record(f"SHARED-{i:03d}", name=f"Bulk {b} site {i}") for i in range(40)]
             + [record(f"OWN-{b}-{i:03d}", name=f"Bulk {b} own {i}") for i in range(40)] for b in range(3)]
    responses = await asyncio.gather(*(client.post(f"{URL}/bulk", json={"items": items}) for items in bulks))
    assert [r.status_code for r in responses] == [200, 200, 200], [r.text[:300] for r in responses]
    for response in responses:
        results = response.json()["results"]
        assert {r["result"] for r in results} <= {"created", "updated", "unchanged"}, results
    async with engine.connect() as conn:
        codes = set((await conn.execute(text("SELECT store_code FROM establishment"))).scalars())
        shared_revisions = (await conn.execute(text(
            "SELECT count(*) FROM revision JOIN establishment e ON e.id = establishment_id "
            "WHERE e.store_code LIKE 'SHARED-%'"))).scalar()
    assert codes == {f"SHARED-{i:03d}" for i in range(40)} | {f"OWN-{b}-{i:03d}" for b in range(3) for i in range(40)}
    # every shared code: one create, then one update per later bulk (each renames it)
    assert shared_revisions == 40 * 3
    created = sum(r["result"] == "created" for resp in responses for r in resp.json()["results"][:40])
    assert created == 40


async def test_twenty_concurrent_patches_without_if_match_all_apply(client):
    assert (await client.post(URL, json=record("P-1", labels=[]))).status_code == 201
    responses = await asyncio.gather(*(
        client.patch(f"{URL}/P-1", content=json.dumps({"name": f"Clinique {i}", "platform_ids": {f"p{i}": str(i)}}),
                     headers={"Content-Type": "application/merge-patch+json"}) for i in range(20)))
    assert [r.status_code for r in responses] == [200] * 20, [r.text[:200] for r in responses if r.status_code != 200]
    final = (await client.get(f"{URL}/P-1")).json()
    assert final["revision"] == 21
    # no revision lost: every patch's own key is there, merged on the one before it
    assert final["platform_ids"] == {f"p{i}": str(i) for i in range(20)}
    # last write wins: the name is the one written by the last revision
    last = (await client.get(f"{URL}/P-1/revisions", params={"limit": 1})).json()["items"][0]
    assert {c["field"]: c["after"] for c in last["changes"]}["name"] == final["name"]
    numbers = []
    cursor = None
    while True:
        page = (await client.get(f"{URL}/P-1/revisions", params={"cursor": cursor} if cursor else {})).json()
        numbers += [r["number"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(numbers) == list(range(1, 22))


async def test_concurrent_patches_with_one_if_match_have_exactly_one_winner(client):
    assert (await client.post(URL, json=record("P-2"))).status_code == 201
    responses = await asyncio.gather(*(client.patch(f"{URL}/P-2", json={"name": f"Clinique {i}"},
                                                    headers={"If-Match": '"1"'}) for i in range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * 19, codes
    assert (await client.get(f"{URL}/P-2")).json()["revision"] == 2


async def test_concurrent_deletes_and_patches_without_if_match_never_412(client):
    assert (await client.post(URL, json=record("D-1"))).status_code == 201
    patches = [client.patch(f"{URL}/D-1", json={"name": f"Clinique {i}"}) for i in range(10)]
    deletes = [client.delete(f"{URL}/D-1") for _ in range(5)]
    responses = await asyncio.gather(*patches, *deletes)
    patch_codes = {r.status_code for r in responses[:10]}
    delete_codes = [r.status_code for r in responses[10:]]
    assert patch_codes <= {200, 404}, [r.text for r in responses[:10]]
    assert delete_codes.count(204) == 1 and set(delete_codes) <= {204, 404}, delete_codes
    assert (await client.get(f"{URL}/D-1")).status_code == 404
