"""Every cell of docs/access.md, checked against the running service: each role (and a limited
account, and a read-only key) on each page or endpoint family."""

import itertools
import re
from pathlib import Path

import httpx
import pytest

from tests.auth.helpers import make_user
from tests.establishments.factories import record
from tests.web.helpers import csrf_of, log_in

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "access.md"
SAMPLE = ROOT / "service" / "data" / "sample-sites.xlsx"
COLUMNS = ("admin", "editor", "viewer", "limited", "read-only key")
ROW = re.compile(r"^\| ([^|]+) \| (GET|POST|PUT|PATCH|DELETE) (\S+) \|(.*)\|$")


def table() -> list[tuple[str, str, str, dict[str, str]]]:
    rows = []
    for line in TABLE.read_text().splitlines():
        found = ROW.match(line.strip())
        if found:
            cells = [c.strip() for c in found.group(4).split("|")]
            rows.append((found.group(1).strip(), found.group(2), found.group(3),
                         {col: cell for col, cell in zip(COLUMNS, cells) if cell}))
    return rows


ROWS = table()
_unique = itertools.count()


def test_the_table_is_read_whole():
    assert len(ROWS) >= 35 and all(len(cells) in (4, 5) for *_, cells in ROWS)


def _api_body(method: str, path: str) -> dict:
    n = next(_unique)
    if path == "/api/v1/establishments" and method == "POST":
        return {"json": record(f"NEW-{n}", labels=["Nord"])}
    if path.startswith("/api/v1/establishments/") and method == "PATCH":
        return {"json": {"description": f"change {n}"}}
    if path == "/api/v1/imports":
        return {"files": {"file": ("sites.xlsx", SAMPLE.read_bytes())}, "data": {"dry_run": "true"}}
    if path == "/api/v1/campaigns/phone-migration":
        return {"json": {"replace": {"old": "+33123456789", "new": "+33198765432"}, "dry_run": True}}
    if path.startswith("/api/v1/platforms/"):
        return {"json": {"credentials": {}, "options": {}}}
    if path == "/api/v1/organisation":
        return {"json": {"drift_policy": "report"}}
    if path == "/api/v1/keys":
        return {"json": {"name": f"k{n}"}}
    if path == "/api/v1/users":
        return {"json": {"email": f"new{n}@example.org", "password": "a long password", "role": "viewer"}}
    return {}


async def _web_body(api: httpx.AsyncClient, path: str) -> dict:
    n = next(_unique)
    if path.startswith("/sites/"):
        code = path.rsplit("/", 1)[1]
        revision = (await api.get(f"/api/v1/establishments/{code}")).json()["revision"]
        return {"data": {"revision": revision, "description": f"change {n}"}}
    if path == "/imports":
        return {"files": {"file": ("sites.xlsx", SAMPLE.read_bytes())}}
    if path == "/campaigns/phone-migration":
        return {"data": {"old": "+33123456789", "new": "+33198765432"}}
    if path.startswith("/platforms/"):
        return {"data": {"credentials": "", "options": ""}}
    if path == "/settings/keys":
        return {"data": {"name": f"k{n}"}}
    if path == "/settings/users":
        return {"data": {"email": f"new{n}@example.org", "password": "a long password", "role": "viewer"}}
    if path == "/settings/drift-policy":
        return {"data": {"drift_policy": "report"}}
    return {}


def _outcome(response: httpx.Response) -> str:
    if 200 <= response.status_code < 300:
        return "✓"
    if response.status_code == 303 and not response.headers["location"].startswith("/login"):
        return "✓"
    return str(response.status_code)


@pytest.fixture
async def people(app, client, org_id, session_factory):
    """An API key and a signed-in dashboard client for every column."""
    for code, label in (("N-1", "Nord"), ("S-1", "Sud")):
        assert (await client.post("/api/v1/establishments", json=record(code, labels=[label]))).status_code == 201
    keys = {
        "admin": await make_user(session_factory, org_id, "admin@example.org", "admin"),
        "editor": await make_user(session_factory, org_id, "editor@example.org", "editor"),
        "viewer": await make_user(session_factory, org_id, "viewer@example.org", "viewer"),
        "limited": await make_user(session_factory, org_id, "nord@example.org", "editor", labels=["Nord"]),
        "read-only key": await make_user(session_factory, org_id, "ro@example.org", "editor", read_only=True),
    }
    browsers = {}
    for column, email in (("admin", "admin@example.org"), ("editor", "editor@example.org"),
                          ("viewer", "viewer@example.org"), ("limited", "nord@example.org")):
        browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine")
        assert (await log_in(browser, email)).status_code == 303
        browsers[column] = browser
    yield keys, browsers
    for browser in browsers.values():
        await browser.aclose()


@pytest.mark.parametrize("family, method, path, expected", ROWS, ids=[r[0] for r in ROWS])
async def test_access(people, client, family, method, path, expected):
    keys, browsers = people
    seen = {}
    for column, want in expected.items():
        if path.startswith("/api/"):
            response = await client.request(method, path, headers={"Authorization": f"Bearer {keys[column]}"},
                                            **_api_body(method, path))
        else:
            browser = browsers[column]
            if method == "GET":
                response = await browser.get(path)
            else:
                body = await _web_body(client, path)
                token = csrf_of(await browser.get("/settings"))
                body.setdefault("data", {})["csrf"] = token
                response = await browser.post(path, **body)
        seen[column] = _outcome(response)
    assert seen == expected, f"{method} {path}"
