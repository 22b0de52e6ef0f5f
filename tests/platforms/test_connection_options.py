"""A connection holds the platform's declared options and credentials, and no destination an API
key holder chose (issue 12: `options.base_url` sent the organisation's HERE key to an internal
address)."""

from __future__ import annotations

import pytest

from connectors.registry import CONNECTORS
from service.models import PlatformConnection
from service.platforms.options import DESTINATIONS, allowed, option_types
from service.platforms.service import base_url, connector_options

PLATFORMS = sorted(CONNECTORS)
WRONG = {"int": "twelve", "number": "soon", "bool": "maybe", "str": {"nested": 1}, "url": 42, "host": ["a"]}


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"platform_url_allowlist": []})  # an operator who allows none


def credentials_for(platform: str) -> dict[str, str]:
    info = CONNECTORS[platform].info
    names = info.credential_sets[0] if info.credential_sets else info.credentials
    return {name: f"value-of-{name}" for name in names}


async def connection_state(client, platform: str) -> str:
    listed = (await client.get("/api/v1/platforms")).json()
    return next(p["connection"] for p in listed if p["key"] == platform)


async def test_the_ssrf_reproduction_is_refused(client) -> None:
    response = await client.put("/api/v1/platforms/here/connection", json={
        "credentials": {"api_key": "org-here-key"}, "options": {"base_url": "http://127.0.0.1:8977/internal-admin"}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "destination_not_allowed" and error["field"] == "options.base_url"
    assert await connection_state(client, "here") == "not_connected"


@pytest.mark.parametrize("option", ["token_url", "verifications_base_url", "base_url"])
async def test_google_endpoints_are_not_the_callers(client, option: str) -> None:
    response = await client.put("/api/v1/platforms/google/connection", json={
        "credentials": {"access_token": "t"}, "options": {"account": "accounts/1", option: "https://evil.example/x"}})
    assert response.status_code == 422 and response.json()["error"]["field"] == f"options.{option}"


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_each_platform_takes_its_declared_options_only(client, platform: str) -> None:
    info = CONNECTORS[platform].info
    types = option_types(info)
    assert set(types) == {"base_url", *info.options}
    creds = credentials_for(platform)
    unknown = await client.put(f"/api/v1/platforms/{platform}/connection",
                               json={"credentials": creds, "options": {"callback": "x"}})
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["error"]["field"] == "options.callback"
    assert unknown.json()["error"]["code"] == "unknown_option"
    for name, kind in types.items():
        bad = await client.put(f"/api/v1/platforms/{platform}/connection",
                               json={"credentials": creds, "options": {name: WRONG[kind]}})
        assert bad.status_code == 422, (name, bad.text)
        assert bad.json()["error"]["field"] == f"options.{name}"
        if kind in DESTINATIONS:
            refused = await client.put(f"/api/v1/platforms/{platform}/connection",
                                       json={"credentials": creds, "options": {name: "http://10.0.0.1/"}})
            assert refused.json()["error"]["code"] == "destination_not_allowed", name
    assert await connection_state(client, platform) == "not_connected"
    plain = {name: "x" for name, kind in types.items() if kind == "str"}
    ok = await client.put(f"/api/v1/platforms/{platform}/connection", json={"credentials": creds, "options": plain})
    assert ok.status_code == 200, ok.text
    assert ok.json()["options"] == types and ok.json()["credentials"] == list(info.credentials)


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if CONNECTORS[p].info.credentials])
async def test_each_platforms_credentials_are_required(client, platform: str) -> None:
    response = await client.put(f"/api/v1/platforms/{platform}/connection", json={"credentials": {}, "options": {}})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "missing_credentials"
    assert response.json()["error"]["field"].startswith("credentials")
    stray = await client.put(f"/api/v1/platforms/{platform}/connection",
                             json={"credentials": {**credentials_for(platform), "pin": "1"}, "options": {}})
    assert stray.status_code == 422 and stray.json()["error"]["field"] == "credentials.pin"
    assert await connection_state(client, platform) == "not_connected"


@pytest.mark.parametrize(("value", "ok"), [
    ("http://127.0.0.1:9000/here", True), ("http://127.0.0.1/", True), ("https://127.0.0.1/", False),
    ("http://127.0.0.1.evil.example/", False), ("http://evil.example@127.0.0.2/", False),
    ("http://[::1]/", False), ("not a url", False), ("http://127.0.0.1:99999/", False),
])
def test_the_allowlist_compares_scheme_host_and_port(value: str, ok: bool) -> None:
    assert allowed("url", value, ["http://127.0.0.1"]) is ok
    assert allowed("url", "http://feeds.example:8443/in/x", ["https://feeds.example/in/"]) is False
    assert allowed("url", "https://feeds.example/in/x", ["https://feeds.example/in/"]) is True
    assert allowed("url", "https://feeds.example/out", ["https://feeds.example/in/"]) is False
    assert allowed("host", "sftp.partner.example", ["sftp://sftp.partner.example"]) is True


def test_a_stored_hostile_destination_is_not_used_by_the_workers(settings) -> None:
    """A connection saved before the check (or before the allow-list shrank) talks to the platform."""
    row = PlatformConnection(organisation_id=1, platform="here", options={"base_url": "http://127.0.0.1:8977/x"})
    assert base_url(settings, row) == CONNECTORS["here"].info.default_base_url
    google = PlatformConnection(organisation_id=1, platform="google",
                                options={"account": "accounts/1", "token_url": "http://169.254.169.254/"})
    assert connector_options(settings, google) == {"account": "accounts/1"}
    allowing = settings.model_copy(update={"platform_url_allowlist": ["http://127.0.0.1:8977/"]})
    assert base_url(allowing, row) == "http://127.0.0.1:8977/x"
    assert base_url(settings.model_copy(update={"platform_urls": {"here": "http://here.internal"}}), row) == \
        "http://here.internal"
