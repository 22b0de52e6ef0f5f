"""A platform's wait is obeyed up to `sync_max_platform_wait` and shown in the status (issue 12:
a burst of Facebook 80001 parked 40 sites `in_progress` for 24 h with no word why)."""

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest
import respx

from service.settings import Settings
from service.sync.engine import backoff
from tests.establishments.factories import record

DAY = 86_400.0


def test_the_platforms_wait_is_capped_and_still_obeyed_below_the_cap() -> None:
    settings = Settings(sync_max_platform_wait=3600.0, sync_backoff_base=1.0, sync_backoff_max=10.0)
    assert backoff(settings, 1, DAY) == 3600.0
    assert backoff(settings, 1, 120.0) == 120.0
    assert backoff(settings, 1, None) <= 1.0


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"sync_max_platform_wait": 30.0, "sync_debounce_seconds": 0.05,
                                       "reconcile_seconds": 1, "platform_urls": {"here": "https://here.test"}})


async def test_a_throttled_push_says_by_whom_and_until_when_within_the_cap(client) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="here.test").mock(return_value=httpx.Response(
            429, headers={"Retry-After": str(int(DAY))}, json={"error": "Too Many Requests"}))
        connected = await client.put("/api/v1/platforms/here/connection", json={"credentials": {"api_key": "k", "app_id": "a"}})
        assert connected.status_code == 200, connected.text
        await client.post("/api/v1/establishments", json=record("T-1"))
        for _ in range(200):
            items = (await client.get("/api/v1/sync", params={"platform": "here"})).json()["items"]
            if items and items[0]["attempts"]:
                break
            await asyncio.sleep(0.05)
        assert mock.calls, "the push never reached the platform"
    target = items[0]
    assert target["status"] == "in_progress"
    assert target["last_error"].startswith("throttled by HERE Map Feedback until ")
    last = datetime.fromisoformat(target["last_attempt_at"])
    nxt = datetime.fromisoformat(target["next_attempt_at"])
    assert timedelta(seconds=29) <= nxt - last <= timedelta(seconds=31)
    assert nxt.isoformat(timespec="seconds").replace("+00:00", "") in target["last_error"].replace("+00:00", "")
