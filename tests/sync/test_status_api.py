"""The status API: per site, across sites with filters and pagination, summary, force, attempts, platforms."""

import pytest

from tests.establishments.factories import record
from tests.sync.conftest import connect_all, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_debounce_seconds": 0.1, "rate_limits": {"facebook": "50/1"}})


async def test_status_endpoints(client, sandbox):
    platforms = (await client.get("/api/v1/platforms")).json()
    google = next(p for p in platforms if p["key"] == "google")
    assert google["connection"] == "not_connected"
    assert google["quota"] == {"requests": 300, "per_seconds": 60.0}
    assert google["location_quota"] == {"requests": 10, "per_seconds": 60.0}
    assert google["channel"] == "api" and google["verifiable"] is True
    assert "email" not in google["capabilities"] and "phones.primary" in google["capabilities"]

    await connect_all(client, sandbox.url, platforms=("google", "apple"))
    assert {p["key"]: p["connection"] for p in (await client.get("/api/v1/platforms")).json()}["google"] == "connected"
    items = [record(f"A-{i}", labels=["Nord"] if i < 2 else ["Sud"]) for i in range(5)]
    await client.post("/api/v1/establishments/bulk", json={"items": items})
    await wait_for(client, lambda s: s["totals"] == {"live": 10})

    summary = (await client.get("/api/v1/sync/summary")).json()
    assert summary == {"platforms": {"apple": {"live": 5}, "google": {"live": 5}}, "totals": {"live": 10}}
    nord = (await client.get("/api/v1/sync/summary", params={"label": "Nord"})).json()
    assert nord["totals"] == {"live": 4}

    seen, cursor = [], None
    while True:
        page = (await client.get("/api/v1/sync", params={"limit": 3, **({"cursor": cursor} if cursor else {})})).json()
        seen += [(r["store_code"], r["platform"]) for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [(f"A-{i}", p) for i in range(5) for p in ("apple", "google")]
    only_google = (await client.get("/api/v1/sync", params={"platform": "google", "status": "live"})).json()
    assert [r["platform"] for r in only_google["items"]] == ["google"] * 5
    assert (await client.get("/api/v1/sync", params={"status": "nonsense"})).status_code == 422

    forced = await client.post("/api/v1/establishments/A-0/sync", json={"platform": "google"})
    assert forced.status_code == 202
    assert {r["platform"]: r["status"] for r in forced.json()}["google"] == "pending"
    await wait_for(client, lambda s: s["totals"] == {"live": 10})
    attempts = (await client.get("/api/v1/establishments/A-0/sync/google/attempts")).json()["items"]
    pushes = [a for a in attempts if a["kind"] == "push"]
    assert [a["outcome"] for a in pushes] == ["sent", "created"]  # newest first: the forced full push, the create
    assert all(a["http_status"] == 200 for a in pushes)
    missing = await client.post("/api/v1/establishments/A-0/sync", json={"platform": "facebook"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_connected"
    assert (await client.get("/api/v1/establishments/NOPE/sync")).status_code == 404
