"""A real Vitrine server (uvicorn on 127.0.0.1, a free port, SQLite, the in-process sync runner)
pushing to a real directory sandbox, driven by Debian's Chromium through Playwright.

Chromium is the system package (`apt-get install chromium`), not a Playwright download. Without
it the browser tests are skipped, except under CI=true where they fail."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from connectors.sandbox import SandboxConfig, SandboxServer
from service.api import create_app
from service.cli.demo import sandbox_connections
from service.settings import Settings
from tests.conftest import SANDBOX_ALLOWLIST
from tests.conftest import CI

CHROMIUM = Path(os.environ.get("VITRINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password"
USERS = {"admin": ("admin@horizon.example", "admin", None), "editor": ("editor@horizon.example", "editor", None),
         "viewer": ("viewer@horizon.example", "viewer", None),
         "nord": ("nord@horizon.example", "editor", ["Pôle Nord"])}


def _need(reason: str) -> None:
    if CI:
        pytest.fail(f"{reason}: CI needs it (apt-get install chromium; pip install -e '.[test]')", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright is not installed")
    if not CHROMIUM.exists():
        _need(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Server:
    """uvicorn in a thread, like the sandbox's own SandboxServer."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.sock, self.port = sock, sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Vitrine server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


def site(code: str, name: str, label: str, phone: str) -> dict[str, Any]:
    return {"store_code": code, "name": name, "labels": [label],
            "address": {"lines": ["1 place de la Gare"], "postal_code": "59000", "locality": "Lille" if
                        label == "Pôle Nord" else "Marseille", "country": "FR"},
            "geo": {"lat": 50.63, "lng": 3.06} if label == "Pôle Nord" else {"lat": 43.3, "lng": 5.37},
            "phones": {"primary": phone}, "website": f"https://www.{code.lower()}.example/",
            "categories": {"primary": "hospital"}}


SITES = [site("NORD-01", "Clinique de la Gare", "Pôle Nord", "+33320000001"),
         site("NORD-02", "Centre Vauban", "Pôle Nord", "+33320000002"),
         site("NORD-03", "Maternité Lille Sud", "Pôle Nord", "+33320000003"),
         site("SUD-01", "Clinique du Vieux-Port", "Pôle Sud", "+33491000001"),
         site("SUD-02", "Centre d'imagerie Prado", "Pôle Sud", "+33491000002"),
         site("SUD-03", "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">", "Pôle Sud",
              "+33491000003")]


async def _seed(settings: Settings, sandbox_url: str) -> dict[str, str]:
    from service.auth.service import create_api_key, create_organisation
    from service.context import open_context
    from service.establishments.service import Source, save_many
    from service.platforms.service import connect
    from service.users import service as users
    from schemas import Establishment

    keys = {}
    async with open_context(settings) as ctx, ctx.session() as session:
        org = await create_organisation(session, "Horizon Santé")
        _, keys["org"] = await create_api_key(session, org.name, "tests")
        for name, (email, role, labels) in USERS.items():
            user = await users.create_user(session, org, email, PASSWORD, role, labels=labels)
            _, keys[name] = await create_api_key(session, org.name, name, user=user)
        await save_many(session, org.id, [Establishment.model_validate(s) for s in SITES],  # type: ignore[arg-type]
                        Source("cli", "seed"))
        creds, opts = sandbox_connections(sandbox_url)["google"]
        await connect(session, org.id, "google", creds, opts, settings)  # type: ignore[arg-type]
        await connect(session, org.id, "tripadvisor", {}, {}, settings)  # type: ignore[arg-type]
    return keys


@pytest.fixture(scope="module")
def vitrine(tmp_path_factory, browser):
    """(server url, sandbox, API keys by user) — one server for the whole browser suite."""
    sandbox = SandboxServer(SandboxConfig.model_validate({"google": {"review_delay_seconds": 1.0}})).start()
    home = tmp_path_factory.mktemp("vitrine-home")
    settings = Settings(home=home, database_url=None, redis_url=None, secret_key="browser-tests-secret-key-000000",
                        verify_poll_seconds=1.0, reconcile_seconds=1, sync_debounce_seconds=0.2,
                        platform_url_allowlist=SANDBOX_ALLOWLIST)  # the sandbox is local
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        keys = pool.submit(asyncio.run, _seed(settings, sandbox.url)).result()
    server = Server(create_app(settings)).start()
    yield server.url, sandbox, keys
    server.stop()
    sandbox.stop()


def api(vitrine, key: str = "org") -> httpx.Client:
    url, _, keys = vitrine
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys[key]}"}, timeout=10)


def wait_until(predicate, timeout: float = 45.0, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(interval)


@pytest.fixture
def login(browser, vitrine):
    """login(user, width=1280) -> a Playwright page signed in as that user (French)."""
    contexts = []

    def _login(user: str = "admin", width: int = 1280, lang: str = "fr-FR"):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang, base_url=vitrine[0])
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#email", USERS[user][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/overview")
        return page

    yield _login
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
