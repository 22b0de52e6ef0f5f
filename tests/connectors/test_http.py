"""The shared HTTP client: every outgoing request identifies Vitrine."""

from __future__ import annotations

import re

import httpx
import respx

from connectors.http import default_user_agent, make_client


def test_the_default_user_agent_names_the_version_and_the_project_url() -> None:
    assert re.fullmatch(r"Vitrine/\d+\.\d+\.\d+\S* \(\+https://\S+\)", default_user_agent())


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
