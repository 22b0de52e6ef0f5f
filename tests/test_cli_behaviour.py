"""The CLI as a newcomer meets it: quiet, no organisation made behind their back, hints that can
be pasted, and no "connected" for a connection that cannot work."""

import json
import sqlite3
from importlib.metadata import version

from tests.test_cli import vitrine  # noqa: F401  (the fixture: a fresh home on SQLite)


def _organisations(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "home" / "vitrine.db") as db:
        return [r[0] for r in db.execute("SELECT name FROM organisation")]


def test_version(vitrine):  # noqa: F811
    assert vitrine("--version").stdout.strip() == f"vitrine {version('vitrine')}"


def test_read_only_commands_create_no_organisation(vitrine, tmp_path):  # noqa: F811
    for args in (("status",), ("status", "--summary"), ("platforms",), ("establishments", "list"),
                 ("campaign", "list")):
        result = vitrine(*args, code=1)
        assert "no organisation yet" in result.output, (args, result.output)
    assert _organisations(tmp_path) == []


def test_hints_print_the_name_as_typed(vitrine):  # noqa: F811
    out = vitrine("org", "create", "Horizon Santé").output
    assert "vitrine apikey create --org 'Horizon Santé'" in out
    assert "\\u00e9" not in out


def test_migrations_and_requests_do_not_log_by_default(vitrine, tmp_path):  # noqa: F811
    result = vitrine("org", "list", "--json")
    assert result.stderr == ""  # a fresh database was migrated in this very command
    assert json.loads(result.stdout) == []
    verbose = vitrine("-v", "org", "list", "--json")
    assert "Running upgrade" not in verbose.stderr  # already migrated: nothing to say


def test_connect_names_the_missing_credentials(vitrine, tmp_path):  # noqa: F811
    vitrine("org", "create", "Horizon Santé")
    result = vitrine("connect", "google", "-o", "account=accounts/1", code=1)
    assert "connected" not in result.output.replace("not connected", "")
    assert "credentials.access_token" in result.output and "needs the credential" in result.output
    apple = vitrine("connect", "apple", "-c", "client_id=abc", code=1)
    assert "credentials.client_secret" in apple.output
    platforms = {p["key"]: p["connection"] for p in json.loads(vitrine("platforms", "--json").stdout)}
    assert platforms["google"] == platforms["apple"] == "not_connected"
    # Google takes either an access token or the refresh-token triple
    vitrine("connect", "google", "-c", "client_id=a", "-c", "client_secret=b", "-c", "refresh_token=c")


def test_status_summary_and_a_sites_sync_rows(vitrine, tmp_path):  # noqa: F811
    target = tmp_path / "template.xlsx"
    vitrine("template", str(target))
    vitrine("import", str(target), "--json")
    vitrine("connect", "google", "-c", "access_token=t", "-o", "account=accounts/1")
    summary = json.loads(vitrine("status", "--summary", "--json").stdout)
    sites = json.loads(vitrine("establishments", "list", "--json").stdout)
    assert summary["platforms"] == {"google": {"pending": len(sites)}} and summary["totals"] == {"pending": len(sites)}
    assert "google" in vitrine("status", "--summary").output
    shown = json.loads(vitrine("establishments", "show", sites[0]["store_code"], "--json").stdout)
    assert [(r["platform"], r["status"]) for r in shown["sync"]] == [("google", "pending")]
    assert "sync targets" in vitrine("establishments", "show", sites[0]["store_code"]).output


def test_connect_check_tries_the_credentials_before_saving(vitrine, tmp_path, monkeypatch):  # noqa: F811
    from connectors.sandbox import SandboxConfig, SandboxServer
    from service.settings import get_settings

    server = SandboxServer(SandboxConfig()).start()
    try:
        monkeypatch.setenv("VITRINE_GOOGLE_BASE_URL", f"{server.url}/google/v1")
        get_settings.cache_clear()
        vitrine("org", "create", "Horizon Santé")
        refused = vitrine("connect", "google", "--check", "-c", "access_token=wrong", "-o",
                          "account=accounts/horizon-sante", code=1)
        assert "refused the credentials" in refused.output and "not saved" in refused.output
        platforms = {p["key"]: p["connection"] for p in json.loads(vitrine("platforms", "--json").stdout)}
        assert platforms["google"] == "not_connected"
        accepted = vitrine("connect", "google", "--check", "-c", "access_token=sandbox-google-token", "-o",
                           "account=accounts/horizon-sante")
        assert "accepted the credentials" in accepted.output and "google connected" in accepted.output
    finally:
        server.stop()
    monkeypatch.setenv("VITRINE_GOOGLE_BASE_URL", "http://127.0.0.1:1/google/v1")  # nothing listens there
    get_settings.cache_clear()
    down = vitrine("connect", "google", "--check", "-c", "access_token=t", "-o", "account=accounts/1", code=1)
    assert "could not be reached" in down.output
