"""The `vitrine` command line, on an SQLite file (the embedded default)."""

import io
import json
import sqlite3

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from service.cli import app
from service.imports.sample import build_sample
from service.platforms.credentials import decrypt
from service.settings import get_settings


@pytest.fixture
def vitrine(tmp_path, monkeypatch):
    monkeypatch.setenv("VITRINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VITRINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("VITRINE_REDIS_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
        return result

    yield run
    get_settings.cache_clear()


def test_org_and_key(vitrine):
    vitrine("org", "create", "Horizon Santé")
    key = vitrine("apikey", "create", "--org", "Horizon Santé").stdout.strip().splitlines()[-1]
    assert key.startswith("vtr_") and len(key) > 50
    again = vitrine("org", "create", "Horizon Santé", code=1)
    assert "already exists" in again.output
    assert "not found" in vitrine("apikey", "create", "--org", "Nobody", code=1).output
    orgs = json.loads(vitrine("org", "list", "--json").stdout)
    assert [o["name"] for o in orgs] == ["Horizon Santé"]


def test_import_dry_run_then_real_then_again(vitrine, tmp_path):
    sample = tmp_path / "sites.xlsx"
    sample.write_bytes(build_sample())
    dry = json.loads(vitrine("import", str(sample), "--dry-run", "--json", code=1).stdout)
    assert dry["summary"]["rows"] == 120 and dry["summary"]["rejected"] == 6 and dry["summary"]["written"] is False
    assert json.loads(vitrine("establishments", "list", "--json").stdout) == []
    atomic = json.loads(vitrine("import", str(sample), "--json", code=1).stdout)
    assert atomic["outcome"] == "rejected"
    assert json.loads(vitrine("establishments", "list", "--json").stdout) == []
    applied = json.loads(vitrine("import", str(sample), "--allow-partial", "--json").stdout)
    assert applied["summary"]["create"] == 114
    row = next(r for r in applied["rows"] if r["action"] == "rejected")
    assert row["errors"][0]["message"] and row["row"] >= 2
    listed = json.loads(vitrine("establishments", "list", "--json").stdout)
    assert len(listed) == 114 and listed[0]["revision"] == 1
    shown = json.loads(vitrine("establishments", "show", listed[0]["store_code"], "--json").stdout)
    assert shown.pop("sync") == []  # no platform connected yet
    assert shown == listed[0]
    again = json.loads(vitrine("import", str(sample), "--allow-partial", "--json").stdout)
    assert again["summary"]["unchanged"] == 114 and again["summary"]["create"] == 0
    human = vitrine("import", str(sample), "--dry-run", code=1).output
    assert "rejected row" in human and "row 35" in human


def test_bad_file_is_one_clear_line(vitrine, tmp_path):
    bad = tmp_path / "sites.xlsx"
    bad.write_bytes(b"%PDF-1.4 not a workbook")
    result = vitrine("import", str(bad), code=2)
    assert "sites.xlsx" in result.output and "Traceback" not in result.output
    empty = tmp_path / "empty.xlsx"
    buffer = io.BytesIO()
    Workbook().save(buffer)
    empty.write_bytes(buffer.getvalue())
    assert "Traceback" not in vitrine("import", str(empty), code=2).output


def test_template_platforms_and_status(vitrine, tmp_path):
    target = tmp_path / "template.xlsx"
    vitrine("template", str(target))
    assert target.read_bytes()[:2] == b"PK"
    vitrine("import", str(target), "--json")
    platforms = json.loads(vitrine("platforms", "--json").stdout)
    assert {p["key"] for p in platforms} >= {"google", "facebook", "apple"}
    assert all(p["connection"] == "not_connected" for p in platforms)
    vitrine("connect", "google", "-c", "access_token=secret-token", "-o", "account=accounts/1")
    with sqlite3.connect(tmp_path / "home" / "vitrine.db") as db:
        stored = db.execute("SELECT credentials, options FROM platform_connection").fetchone()
    assert "secret-token" not in stored[0] and json.loads(stored[1]) == {"account": "accounts/1"}
    assert decrypt(stored[0]) == {"access_token": "secret-token"}  # encrypted at rest, readable with the key
    rows = json.loads(vitrine("status", "--json").stdout)
    assert rows and {r["platform"] for r in rows} == {"google"}
    assert set(rows[0]) == {"store_code", "platform", "status", "wanted_revision", "pushed_revision", "attempts",
                            "last_error", "expected_by", "live_url", "deletion"}
    assert rows[0]["deletion"] is None  # set for a deleted site only: its choice and what was done
    assert {r["status"] for r in rows} == {"pending"}  # no worker ran: queued, not lost
    table = vitrine("status", "--platform", "google").output
    assert "pending" in table


def test_sandbox_command_serves_the_emulators(tmp_path):
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = '{"google": {"review_delay_seconds": 1}}'
    proc = subprocess.Popen([str(Path(sys.executable).parent / "vitrine"), "sandbox", "--port", str(port),
                             "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                index = httpx.get(f"http://127.0.0.1:{port}/_sandbox/config", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "the sandbox did not start"
                time.sleep(0.2)
        assert index.json()["google"]["review_delay_seconds"] == 1
        denied = httpx.post(f"http://127.0.0.1:{port}/google/v1/accounts/a/locations", params={"requestId": "r"},
                            headers={"Authorization": "Bearer wrong"}, json={})
        assert denied.status_code == 401 and denied.json()["error"]["status"] == "UNAUTHENTICATED"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_users_and_keys(vitrine, monkeypatch):
    vitrine("org", "create", "Horizon Santé")
    monkeypatch.setenv("VITRINE_USER_PASSWORD", "a long password")
    vitrine("user", "create", "ana@example.org", "--role", "editor", "--label", "Nord")
    assert "role must be one of" in vitrine("user", "create", "bob@example.org", "--role", "boss", code=1).output
    users = json.loads(vitrine("user", "list", "--json").stdout)
    assert [(u["email"], u["role"], u["labels"]) for u in users] == [("ana@example.org", "editor", ["Nord"])]
    key = vitrine("apikey", "create", "--org", "Horizon Santé", "--user", "ana@example.org", "--read-only",
                  "--expires", "2099-01-01").stdout.strip().splitlines()[-1]
    listed = json.loads(vitrine("apikey", "list", "--json").stdout)
    mine = next(k for k in listed if key.split("_")[1] == k["prefix"])
    assert (mine["owner"], mine["read_only"], mine["state"], mine["expires_at"][:10]) == \
        ("ana@example.org", True, "active", "2099-01-01")
    assert "not a date" in vitrine("apikey", "create", "--org", "Horizon Santé", "--expires", "soon", code=2).output
    vitrine("apikey", "revoke", mine["prefix"])
    listed = json.loads(vitrine("apikey", "list", "--json").stdout)
    assert next(k for k in listed if k["prefix"] == mine["prefix"])["state"] == "revoked"
    vitrine("user", "reset-password", "ana@example.org")
    vitrine("user", "disable", "ana@example.org")
    assert json.loads(vitrine("user", "list", "--json").stdout)[0]["disabled"] is True
