from __future__ import annotations

import httpx
import pytest

from connectors.sandbox import SandboxConfig, SandboxServer

from .payloads import GOOGLE, google_location


@pytest.mark.slow
def test_sandbox_server_answers_over_a_real_socket() -> None:
    with SandboxServer(SandboxConfig(seed=1)) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        with httpx.Client(base_url=server.url, timeout=5) as client:
            created = client.post("/google/v1/accounts/1/locations", params={"requestId": "e2e"}, json=google_location(), headers=GOOGLE)
            assert created.status_code == 200 and created.json()["name"] == "locations/1000000000000000001"
            read = client.get(f"/google/v1/{created.json()['name']}", params={"readMask": "title"}, headers=GOOGLE)
            assert read.json() == {"title": "Clinique du Parc"}
            assert client.get("/_sandbox/stats").json()["google"]["creates"]["requestId"] == {"e2e": 1}
        url = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_sandbox/config", timeout=2)
