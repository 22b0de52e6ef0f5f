"""Dashboard sessions over HTTP: log in and out, throttling, CSRF, escaping, scope."""

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import select

from service.db import unit_of_work
from service.models import EstablishmentRow, SyncTarget, User
from service.users import service as users
from tests.auth.helpers import PASSWORD, make_user
from tests.establishments.factories import record
from tests.web.helpers import csrf_of, log_in, post_form


@pytest.fixture
async def web(app) -> httpx.AsyncClient:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine") as c:
        yield c


async def test_log_in_sets_a_protected_session_cookie_and_log_out_ends_it(web, org_id, session_factory):
    await make_user(session_factory, org_id, "ana@example.org", "admin", key=False)
    assert (await web.get("/overview")).headers["location"].startswith("/login")
    response = await log_in(web, "ana@example.org")
    assert response.status_code == 303 and response.headers["location"] == "/overview"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert (await web.get("/overview")).status_code == 200
    await post_form(web, "/overview", "/logout", {})
    assert (await web.get("/overview")).status_code == 303


async def test_a_form_without_its_csrf_token_is_refused(web, org_id, session_factory):
    await make_user(session_factory, org_id, "ana@example.org", "admin", key=False)
    page = await web.get("/login")
    refused = await web.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    wrong = await web.post("/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf": "x" * 43})
    assert wrong.status_code == 403
    assert (await web.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                           "csrf": csrf_of(page)})).status_code == 303


async def test_login_is_throttled_after_repeated_failures(web, org_id, session_factory):
    await make_user(session_factory, org_id, "ana@example.org", "admin", key=False)
    for _ in range(users.FREE_FAILURES):
        assert (await log_in(web, "ana@example.org", "wrong password!")).status_code == 401
    locked = await log_in(web, "ana@example.org")  # the right password, during the lock
    assert locked.status_code == 401 and "try again" in locked.text
    async with unit_of_work(session_factory) as session:
        user = await users.get_user(session, "ana@example.org")
        assert isinstance(user, User) and user.locked_until is not None and user.failed_logins == users.FREE_FAILURES


async def test_open_redirects_are_refused(web, org_id, session_factory):
    await make_user(session_factory, org_id, "ana@example.org", "admin", key=False)
    page = await web.get("/login")
    response = await web.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                              "csrf": csrf_of(page), "next": "//evil.example/x"})
    assert response.headers["location"] == "/overview"


async def test_what_a_user_types_is_escaped(web, client, org_id, session_factory):
    await client.post("/api/v1/establishments", json=record("X-1", name="<script>alert(1)</script>"))
    await make_user(session_factory, org_id, "ana@example.org", "viewer", key=False)
    await log_in(web, "ana@example.org")
    for url in ("/sites", "/sites/X-1"):
        page = (await web.get(url)).text
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_a_limited_user_gets_404_on_another_sites_page(web, client, org_id, session_factory):
    await client.post("/api/v1/establishments", json=record("N-1", labels=["Nord"]))
    await client.post("/api/v1/establishments", json=record("S-1", labels=["Sud"]))
    await make_user(session_factory, org_id, "nord@example.org", "editor", labels=["Nord"], key=False)
    await log_in(web, "nord@example.org")
    listed = (await web.get("/sites")).text
    assert "N-1" in listed and "S-1" not in listed
    assert (await web.get("/sites/N-1")).status_code == 200
    assert (await web.get("/sites/S-1")).status_code == 404
    assert (await post_form(web, "/sites/N-1", "/sites/S-1", {"revision": 1, "name": "X"})).status_code == 404


async def test_an_edit_records_its_user_and_a_stale_page_is_a_conflict(web, client, org_id, session_factory):
    await client.post("/api/v1/establishments", json=record("A-1"))
    await make_user(session_factory, org_id, "ed@example.org", "editor", key=False)
    await log_in(web, "ed@example.org")
    page = await web.get("/sites/A-1")
    saved = await web.post("/sites/A-1", data={"csrf": csrf_of(page), "revision": 1, "phone": "+33198765432"})
    assert saved.status_code == 303
    revisions = (await client.get("/api/v1/establishments/A-1/revisions")).json()["items"]
    assert (revisions[0]["source"], revisions[0]["source_ref"]) == ("web", "user:ed@example.org")
    assert revisions[0]["changes"] == [{"field": "phones.primary", "before": "+33123456789", "after": "+33198765432"}]
    stale = await web.post("/sites/A-1", data={"csrf": csrf_of(page), "revision": 1, "name": "Mine"})
    assert stale.status_code == 412 and 'id="conflict"' in stale.text
    assert (await client.get("/api/v1/establishments/A-1")).json()["name"] == "Clinique du Parc"


async def test_sites_filter_by_status_on_a_platform_or_any(web, client, org_id, session_factory):
    await client.put("/api/v1/platforms/tripadvisor/connection", json={"credentials": {}, "options": {}})
    await client.post("/api/v1/establishments", json=record("A-1"))
    await client.post("/api/v1/establishments", json=record("B-1"))
    async with unit_of_work(session_factory) as session:  # whatever the runner did, B-1 is now failed
        b = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.store_code == "B-1"))).one()
        await session.execute(update(SyncTarget).where(SyncTarget.establishment_id == b.id).values(status="failed"))
    await make_user(session_factory, org_id, "ana@example.org", "viewer", key=False)
    await log_in(web, "ana@example.org")
    for url in ("/sites?status=failed", "/sites?platform=tripadvisor&status=failed"):
        page = (await web.get(url)).text
        assert "/sites/B-1" in page and "/sites/A-1" not in page, url
    assert "/sites/B-1" not in (await web.get("/sites?platform=google&status=failed")).text
