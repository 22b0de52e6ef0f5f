"""Issue 11, must show 4, through the command line: sites deleted with `vitrine establishments
delete --on-platforms close|remove|leave` while the service syncs them to the sandbox; `vitrine
status --json` shows each deleted site with its choice until every platform has settled it,
then no more. The CLI runs on the same SQLite file as the service (the embedded setup)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.establishments.factories import record
from tests.sync.conftest import connect_all, wait_for
from tests.sync.test_embedded import all_live
from tests.test_cli import vitrine  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
PLATFORMS = ("google", "facebook", "apple")
CHOICES = {"D-CLOSE": "close", "D-REMOVE": "remove", "D-LEAVE": "leave"}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the CLI's embedded database, shared with the service under test


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1, "sync_backoff_base": 0.2,
                                       "sync_backoff_max": 2.0, "rate_limits": {"facebook": "20/1"}})


@pytest.fixture
def cli(vitrine, monkeypatch, database_url):  # noqa: F811
    """`vitrine …` on the service's database, run off the event loop (the CLI runs its own)."""
    from service.settings import get_settings

    monkeypatch.setenv("VITRINE_DATABASE_URL", database_url)
    get_settings.cache_clear()

    async def run(*args: str) -> str:
        return (await asyncio.to_thread(vitrine, *args)).stdout
    return run


async def _status(cli) -> dict[str, dict[str, dict[str, Any]]]:
    """`vitrine status --json`, per store code and platform, for the deleted sites."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in json.loads(await cli("status", "--json")):
        if row["store_code"] in CHOICES:
            out.setdefault(row["store_code"], {})[row["platform"]] = row
    return out


async def _until(cli, predicate, timeout: float = 60.0) -> dict[str, dict[str, dict[str, Any]]]:
    deadline = time.monotonic() + timeout
    while not predicate(shown := await _status(cli)):
        assert time.monotonic() < deadline, shown
        await asyncio.sleep(0.5)
    return shown


def _removal_asked(shown: dict[str, dict[str, dict[str, Any]]]) -> bool:
    removing = shown.get("D-REMOVE", {})
    return list(shown) == ["D-REMOVE"] and {p: r["status"] for p, r in removing.items()} == {
        "google": "not_connected", "facebook": "action_required", "apple": "action_required"}


async def test_vitrine_status_shows_each_deleted_site_with_its_choice_until_settled(client, sandbox, cli) -> None:
    await connect_all(client, sandbox.url)
    for code in CHOICES:
        assert (await client.post("/api/v1/establishments", json=record(code, name=f"Clinique {code}"))).status_code == 201
    await wait_for(client, all_live(len(CHOICES)))

    for code, choice in CHOICES.items():
        said = await cli("establishments", "delete", code, "--on-platforms", choice)
        assert choice in said and code in said
    shown = await _status(cli)
    assert {code: set(rows) for code, rows in shown.items()} == {  # deleted, still in view
        code: set(PLATFORMS) for code in shown} and {"D-CLOSE", "D-REMOVE"} <= set(shown)

    # close: read back closed everywhere, then out of view; leave: settled at once; remove: Google
    # deletes the listing, Facebook and Apple wait for a person, and status says so with the choice
    shown = await _until(cli, _removal_asked)
    for platform, row in shown["D-REMOVE"].items():
        assert row["deletion"]["on_platforms"] == "remove", row
        if platform != "google":
            assert "remove the listing" in row["last_error"] and row["deletion"]["by_hand"] is True
    assert "deleted from Google" in shown["D-REMOVE"]["google"]["deletion"]["done"]

    for platform in ("facebook", "apple"):  # a person removed them and says so
        assert (await client.post(f"/api/v1/establishments/D-REMOVE/sync/{platform}/done")).status_code == 200
    assert await _status(cli) == {}
    assert json.loads(await cli("status", "--summary", "--json"))["totals"] == {}
