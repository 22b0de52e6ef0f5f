"""Campaigns run end to end: the API with its in-process runner, and the sandbox over HTTP."""

import asyncio
import time

import pytest

from connectors.sandbox import SandboxConfig, SandboxServer
from service.cli.demo import DEMO_RATES, demo_sandbox_config, sandbox_connections
from tests.establishments.factories import record

API = ("google", "facebook", "apple", "bing", "yelp", "here", "foursquare", "tomtom")
FEED = "justacote"  # a feed partner taking HTTPS uploads, which the sandbox receives


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={
        "verify_poll_seconds": 0.3, "reconcile_seconds": 1, "sync_backoff_base": 0.2, "sync_backoff_max": 2.0,
        "sync_debounce_seconds": 0.1, "feed_batch_seconds": 0.5,
        "rate_limits": {**DEMO_RATES, "google": "100/1", "google:location": "10/1", "apple": "100/1",
                        "yelp": "100/1", "foursquare": "100/1",
                        FEED: "10/1"},  # a file every 0.1 s, not every minute: tests are short
    })


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    config = demo_sandbox_config(0.3)
    config["google"] = {"review_delay_seconds": 0.3, "project_quota": {"count": 6000, "window_seconds": 60},
                        "location_edit_quota": {"count": 600, "window_seconds": 60}}
    return SandboxConfig.model_validate(config)


@pytest.fixture
def sandbox(sandbox_config):
    server = SandboxServer(sandbox_config).start()
    yield server
    server.stop()


def site(i: int, **overrides):
    return record(f"H-{i:03d}", name=f"Hôpital {i}", phones={"primary": f"+3389268{i:04d}", "additional": []},
                  **overrides)


async def seed(client, n: int) -> list[dict]:
    items = [site(i) for i in range(n)]
    response = await client.post("/api/v1/establishments/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["created"] == n
    return items


async def wait_campaign(client, campaign_id: str, predicate, timeout: float = 90.0, interval: float = 0.3) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = (await client.get(f"/api/v1/campaigns/{campaign_id}")).json()
        if predicate(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"campaign did not get there in {timeout}s: {body}")
        await asyncio.sleep(interval)


def settled(body: dict) -> bool:
    """Applied, and nothing of it is pending, in progress or under review on any platform."""
    return body["state"] == "applied" and all(
        not any(p["counts"].get(s) for s in ("pending", "in_progress", "awaiting_review")) for p in body["platforms"])


async def connect(client, sandbox_url: str, platforms=API, *, waze: bool = True, tripadvisor: bool = True,
                  feed: bool = True) -> list[str]:
    """Connect the API platforms, and Waze (derived), Tripadvisor (manual) and one feed partner."""
    connections = {k: v for k, v in sandbox_connections(sandbox_url, regain_unit=0.05).items() if k in platforms}
    if waze:
        connections["waze"] = ({}, {})
    if tripadvisor:
        connections["tripadvisor"] = ({}, {})
    if feed:
        connections[FEED] = ({"token": "sandbox-feed-token"}, {"upload_url": f"{sandbox_url}/feeds/{FEED}/upload"})
    for platform, (creds, opts) in connections.items():
        response = await client.put(f"/api/v1/platforms/{platform}/connection",
                                    json={"credentials": creds, "options": opts})
        assert response.status_code == 200, response.text
    return sorted(connections)


async def quiet(client, timeout: float = 120.0) -> dict:
    """Wait until nothing is pending or in progress anywhere."""
    deadline = time.monotonic() + timeout
    while True:
        summary = (await client.get("/api/v1/sync/summary")).json()
        totals = summary["totals"]
        if not totals.get("pending") and not totals.get("in_progress") and not totals.get("awaiting_review"):
            return summary
        if time.monotonic() > deadline:
            raise AssertionError(f"sync did not settle in {timeout}s: {summary}")
        await asyncio.sleep(0.3)
