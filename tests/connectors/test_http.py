"""The shared HTTP client: every outgoing request identifies Vitrine."""

from __future__ import annotations

import re

import httpx
import respx

from connectors.http import default_user_agent, make_client


def test_the_default_user_agent_names_the_version_and_no_made_up_url() -> None:
    from importlib.metadata import version

    import connectors.http as http

    agent = default_user_agent()
    url = http.project_url()
    assert agent == (f"Vitrine/{version('vitrine')} (+{url})" if url else f"Vitrine/{version('vitrine')} (self-hosted)")
    assert "vitrine-sync" not in agent and ".invalid" not in agent and "example" not in agent  # no placeholder


def test_the_url_comes_from_the_package_metadata_or_the_operator(monkeypatch) -> None:
    import connectors.http as http

    class Meta:
        def __init__(self, urls: list[str]) -> None:
            self.urls = urls

        def get_all(self, name: str) -> list[str]:
            assert name == "Project-URL"
            return self.urls

    monkeypatch.setattr(http, "metadata", lambda name: Meta(["Issues, https://code.test/v/issues",
                                                              "Repository, https://code.test/v"]))
    assert http.project_url() == "https://code.test/v"
    assert re.fullmatch(r"Vitrine/\S+ \(\+https://code\.test/v\)", default_user_agent())
    assert default_user_agent("https://sites.clinic.test/vitrine").endswith("(+https://sites.clinic.test/vitrine)")
    monkeypatch.setattr(http, "metadata", lambda name: Meta([]))
    assert http.project_url() is None and default_user_agent().endswith(" (self-hosted)")


@respx.mock
async def test_the_shared_client_sends_the_user_agent_on_every_request() -> None:
    route = respx.get("https://api.example.test/x").mock(return_value=httpx.Response(200))
    async with make_client(5.0) as client:
        await client.get("https://api.example.test/x")
    async with make_client(5.0, user_agent="Vitrine/1 (ops@example.org)") as client:
        await client.get("https://api.example.test/x", headers={"X-Other": "1"})
    agents = [call.request.headers["User-Agent"] for call in route.calls]
    assert agents == [default_user_agent(), "Vitrine/1 (ops@example.org)"]


def test_the_setting_reaches_the_client() -> None:
    from service.settings import Settings

    assert Settings(user_agent="Vitrine/x (+me)").user_agent == "Vitrine/x (+me)"


def test_a_bad_user_agent_url_setting_is_refused_naming_it() -> None:
    import pydantic

    from service.settings import Settings

    for bad in ("ops@example.org", "https://x.test/a b", "https://x.test/(x)"):
        try:
            Settings(user_agent_url=bad)
        except pydantic.ValidationError as error:
            assert "user_agent_url" in str(error)
        else:
            raise AssertionError(bad)


@respx.mock
async def test_the_platform_client_sends_the_operator_url_or_the_whole_setting() -> None:
    from service.metrics import platform_client
    from service.settings import Settings

    route = respx.get("https://api.example.test/x").mock(return_value=httpx.Response(200))
    for settings in (Settings(user_agent_url="https://sites.clinic.test/vitrine"),
                     Settings(user_agent_url="https://sites.clinic.test/vitrine", user_agent="Clinic/2 (ops@clinic.test)")):
        client = platform_client(settings)
        try:
            await client.get("https://api.example.test/x")
        finally:
            await client.aclose()
    agents = [call.request.headers["User-Agent"] for call in route.calls]
    assert agents == [default_user_agent("https://sites.clinic.test/vitrine"), "Clinic/2 (ops@clinic.test)"]
    assert agents[0].startswith("Vitrine/") and agents[0].endswith(" (+https://sites.clinic.test/vitrine)")
