"""API keys: listed, revoked (refused at once), expiring, read-only, limited to some sites."""

from datetime import timedelta

import httpx

from service.auth import service as auth
from service.db import unit_of_work
from service.models import ApiKey, utcnow
from tests.auth.helpers import make_user
from tests.establishments.factories import record


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_revoked_key_is_refused_on_its_next_request(client: httpx.AsyncClient, org_id, session_factory):
    key = await make_user(session_factory, org_id, "ed@example.org", "editor")
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 200
    prefix = key.split("_")[1]
    listed = (await client.get("/api/v1/keys")).json()
    assert {k["prefix"]: k["state"] for k in listed}[prefix] == "active"
    assert (await client.delete(f"/api/v1/keys/{prefix}")).status_code == 204
    refused = await client.get("/api/v1/establishments", headers=bearer(key))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]
    listed = (await client.get("/api/v1/keys")).json()
    assert {k["prefix"]: k["state"] for k in listed}[prefix] == "revoked"


async def test_an_expired_key_is_refused(client: httpx.AsyncClient, org_id, session_factory):
    key = await make_user(session_factory, org_id, "ed@example.org", "editor",
                          expires_at=utcnow() + timedelta(hours=1))
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 200
    async with unit_of_work(session_factory) as session:  # an hour passes
        row = await auth.repo.key_by_prefix(session, org_id, key.split("_")[1])
        row.expires_at = utcnow() - timedelta(seconds=1)
    auth.forget_keys()  # (the cache checks the expiry it read; moving the expiry is this test's time travel)
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 401
    states = {k["prefix"]: k["state"] for k in (await client.get("/api/v1/keys")).json()}
    assert states[key.split("_")[1]] == "expired"


async def test_an_expiry_in_the_past_is_refused_at_creation(client: httpx.AsyncClient):
    response = await client.post("/api/v1/keys", json={"expires_at": "2020-01-01T00:00:00Z"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "expires_at"


async def test_a_read_only_key_reads_but_cannot_write(client: httpx.AsyncClient, org_id, session_factory):
    assert (await client.post("/api/v1/establishments", json=record("A-1"))).status_code == 201
    key = await make_user(session_factory, org_id, "ed@example.org", "editor", read_only=True)
    assert (await client.get("/api/v1/establishments/A-1", headers=bearer(key))).status_code == 200
    refused = await client.patch("/api/v1/establishments/A-1", json={"name": "X"}, headers=bearer(key))
    assert refused.status_code == 403


async def test_a_disabled_users_keys_are_refused(client: httpx.AsyncClient, org_id, session_factory):
    from service.users import service as users
    key = await make_user(session_factory, org_id, "ed@example.org", "editor")
    async with unit_of_work(session_factory) as session:
        await users.disable_user(session, await users.get_user(session, "ed@example.org"))
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 401


async def test_a_label_limited_key_sees_only_its_sites(client: httpx.AsyncClient, org_id, session_factory):
    await client.post("/api/v1/establishments", json=record("N-1", labels=["Nord"]))
    await client.post("/api/v1/establishments", json=record("S-1", labels=["Sud"]))
    key = await make_user(session_factory, org_id, "nord@example.org", "editor", labels=["Nord"])
    listed = (await client.get("/api/v1/establishments", headers=bearer(key))).json()["items"]
    assert [i["store_code"] for i in listed] == ["N-1"]
    assert (await client.get("/api/v1/establishments/S-1", headers=bearer(key))).status_code == 404
    assert (await client.patch("/api/v1/establishments/S-1", json={"name": "X"},
                               headers=bearer(key))).status_code == 404
    assert (await client.get("/api/v1/establishments/S-1/sync", headers=bearer(key))).status_code == 404
    patched = await client.patch("/api/v1/establishments/N-1", json={"name": "Clinique Nord"}, headers=bearer(key))
    assert patched.status_code == 200
    revisions = (await client.get("/api/v1/establishments/N-1/revisions")).json()["items"]
    assert revisions[0]["source_ref"] == f"key:{key.split('_')[1]} nord@example.org"


async def test_a_keys_own_limits_narrow_its_users(client: httpx.AsyncClient, org_id, session_factory):
    await client.post("/api/v1/establishments", json=record("N-1", labels=["Nord"]))
    await client.post("/api/v1/establishments", json=record("N-2", labels=["Nord"]))
    key = await make_user(session_factory, org_id, "nord@example.org", "editor", labels=["Nord"],
                          key_store_codes=["N-2"])
    listed = (await client.get("/api/v1/establishments", headers=bearer(key))).json()["items"]
    assert [i["store_code"] for i in listed] == ["N-2"]


async def test_keys_are_stored_hashed(client: httpx.AsyncClient, org_id, session_factory):
    created = (await client.post("/api/v1/keys", json={"name": "ci", "read_only": True})).json()
    async with unit_of_work(session_factory) as session:
        row = await auth.repo.key_by_prefix(session, org_id, created["prefix"])
        assert isinstance(row, ApiKey) and created["key"] not in row.key_hash
    assert created["read_only"] and created["state"] == "active"


async def test_a_key_revoked_by_another_process_is_refused_within_the_cache_time(
        client: httpx.AsyncClient, org_id, session_factory, monkeypatch):
    """Each API process keeps a checked key `KEY_CACHE_SECONDS`: a revocation written by another
    process (here: straight to the database) is seen once that time has passed."""
    key = await make_user(session_factory, org_id, "ed@example.org", "editor")
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 200
    async with unit_of_work(session_factory) as session:
        row = await auth.repo.key_by_prefix(session, org_id, key.split("_")[1])
        row.revoked_at = utcnow()
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 200  # still cached
    later = auth._clock() + auth.KEY_CACHE_SECONDS + 0.1
    monkeypatch.setattr(auth, "_clock", lambda: later)
    assert (await client.get("/api/v1/establishments", headers=bearer(key))).status_code == 401
