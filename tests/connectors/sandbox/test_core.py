from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from connectors.sandbox import FaultConfig, ManualClock, QuotaConfig, SandboxConfig, create_app
from connectors.sandbox.discovery import convert_property, find_discovery_document
from connectors.sandbox.google import GoogleConfig

from .payloads import APPLE_CLIENT, FACEBOOK, GOOGLE, PARENT_PAGE, google_location

MISSING_LOCATION = "/google/v1/locations/1"


def unthrottled(**kwargs: Any) -> SandboxConfig:
    return SandboxConfig(google=GoogleConfig(project_quota=QuotaConfig(count=1, window_seconds=60, enabled=False)), **kwargs)


async def statuses(client: httpx.AsyncClient, n: int) -> list[int]:
    return [(await client.get(MISSING_LOCATION, params={"readMask": "title"}, headers=GOOGLE)).status_code for _ in range(n)]


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def test_error_rate_is_honoured_and_reproducible_with_a_seed(make_client: Any) -> None:
    config = unthrottled(seed=7, faults=FaultConfig(error_rate=0.2))
    first, second = make_client(config), make_client(config)
    run = await statuses(first, 500)
    assert run == await statuses(second, 500)
    counts = Counter(run)
    assert 75 <= counts[500] + counts[502] + counts[503] <= 125
    assert min(counts[500], counts[502], counts[503]) > 10 and set(counts) == {404, 500, 502, 503}
    stats = (await first.get("/_sandbox/stats")).json()["google"]
    assert stats["server_errors"] == counts[500] + counts[502] + counts[503]
    assert stats["by_status"] == {str(k): v for k, v in counts.items()}
    other_seed = make_client(unthrottled(seed=8, faults=FaultConfig(error_rate=0.2)))
    assert await statuses(other_seed, 500) != run


async def test_injected_errors_use_each_platform_shape(make_client: Any) -> None:
    client = make_client(unthrottled(faults=FaultConfig(error_rate=1.0, error_statuses=[503])))
    google = await client.get(MISSING_LOCATION, headers=GOOGLE)
    assert google.json() == {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}
    facebook = await client.get(f"/facebook/v25.0/{PARENT_PAGE}", headers=FACEBOOK)
    assert facebook.status_code == 503 and facebook.json()["error"]["code"] == 2 and facebook.json()["error"]["is_transient"] is True
    apple = await client.post("/apple/api/v1/oauth2/token", data=APPLE_CLIENT)
    assert (apple.status_code, apple.json()[0]["code"]) == (503, "SERVICE_UNAVAILABLE")
    await client.patch("/_sandbox/config", json={"faults": {"error_statuses": [502]}})
    bad_gateway = await client.get(MISSING_LOCATION, headers=GOOGLE)
    assert bad_gateway.status_code == 502 and bad_gateway.headers["content-type"].startswith("text/html")
    for path in ("/_sandbox", "/_sandbox/config", "/_sandbox/stats", "/_sandbox/google/locations", "/_sandbox/clock"):
        assert (await client.get(path)).status_code == 200, path


async def test_platform_faults_override_the_global_ones(make_client: Any) -> None:
    config = unthrottled(faults=FaultConfig(error_rate=1.0))
    config.google.faults = FaultConfig()
    client = make_client(config)
    assert (await client.get(MISSING_LOCATION, params={"readMask": "title"}, headers=GOOGLE)).status_code == 404
    assert (await client.post("/apple/api/v1/oauth2/token", data=APPLE_CLIENT)).status_code >= 500


async def test_timeouts_and_latency(make_client: Any) -> None:
    client = make_client(unthrottled(seed=3, faults=FaultConfig(timeout_rate=0.25, timeout_seconds=12, latency_ms=40, latency_jitter_ms=10)))
    recorder = SleepRecorder()
    client.app.state.sandbox.sleep = recorder
    assert set(await statuses(client, 400)) == {404}  # a timed-out request still answers, late
    latencies = [s for s in recorder.calls if s != 13]  # timeouts stall timeout_seconds + 1
    timeouts = len(recorder.calls) - len(latencies)
    assert len(latencies) == 400 and all(0.04 <= s <= 0.05 for s in latencies) and max(latencies) - min(latencies) > 0.005
    assert 70 <= timeouts <= 130
    assert (await client.get("/_sandbox/stats")).json()["google"]["timeouts_injected"] == timeouts


async def test_burst_429_throttles_the_next_requests_of_a_platform(client: httpx.AsyncClient) -> None:
    patched = await client.patch("/_sandbox/config", json={"facebook": {"faults": {"burst_429": 2}}})
    assert patched.status_code == 200 and patched.json()["facebook"]["faults"]["burst_429"] == 0
    assert (await client.get("/_sandbox/stats")).json()["facebook"]["burst_429_remaining"] == 2
    codes = []
    for _ in range(3):
        response = await client.get(f"/facebook/v25.0/{PARENT_PAGE}", headers=FACEBOOK)
        codes.append(response.json().get("error", {}).get("code"))
    assert codes == [80001, 80001, None]
    assert (await client.get(MISSING_LOCATION, params={"readMask": "title"}, headers=GOOGLE)).status_code == 404
    await client.patch("/_sandbox/config", json={"faults": {"burst_429": 1}})
    google = await client.get(MISSING_LOCATION, params={"readMask": "title"}, headers=GOOGLE)
    assert (google.status_code, google.json()["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")
    apple = await client.post("/apple/api/v1/oauth2/token", data=APPLE_CLIENT)
    assert (apple.status_code, apple.headers["retry-after"]) == (429, "1")
    stats = (await client.get("/_sandbox/stats")).json()
    assert (stats["google"]["throttled"], stats["facebook"]["throttled"], stats["apple"]["throttled"]) == (1, 2, 1)
    assert stats["facebook"]["burst_429_remaining"] == 1  # the global burst armed every platform


async def test_config_patch_put_and_validation(client: httpx.AsyncClient) -> None:
    response = await client.patch("/_sandbox/config", json={"google": {"project_quota": {"count": 5}, "review_delay_seconds": 0}})
    assert response.json()["google"]["project_quota"] == {"enabled": True, "count": 5, "window_seconds": 60.0}
    assert response.json()["google"]["review_delay_seconds"] == 0
    invalid = await client.patch("/_sandbox/config", json={"faults": {"error_rate": 2}, "google": {"colour": 1}})
    assert invalid.status_code == 422 and {e["loc"][-1] for e in invalid.json()["detail"]} == {"error_rate", "colour"}
    assert (await client.get("/_sandbox/config")).json()["faults"]["error_rate"] == 0
    replaced = await client.put("/_sandbox/config", json={"seed": 5})
    assert replaced.json()["seed"] == 5 and replaced.json()["google"]["project_quota"]["count"] == 300


async def test_reset_clears_state_and_stats(client: httpx.AsyncClient) -> None:
    await client.post("/google/v1/accounts/1/locations", params={"requestId": "r"}, json=google_location(), headers=GOOGLE)
    dump = (await client.get("/_sandbox/google/locations")).json()
    assert [loc["requestId"] for loc in dump] == ["r"] and dump[0]["live"]["title"] == "Clinique du Parc"
    assert (await client.post("/_sandbox/reset")).json() == {"reset": True}
    assert (await client.get("/_sandbox/google/locations")).json() == []
    assert (await client.get("/_sandbox/stats")).json()["google"]["requests_total"] == 0
    assert (await client.get("/_sandbox/nowhere/locations")).status_code == 404


async def test_stats_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/google/v1/locations/1", params={"readMask": "title"}, headers=GOOGLE)
    await client.get("/google/v1/locations/2", params={"readMask": "title"}, headers=GOOGLE)
    await client.get("/google/v1/locations/2:getGoogleUpdated", params={"readMask": "title"}, headers=GOOGLE)
    unknown = await client.put("/google/v1/locations/2", headers=GOOGLE)  # no such method: the catch-all
    assert unknown.json()["error"]["status"] == "NOT_FOUND"
    stats = (await client.get("/_sandbox/stats")).json()["google"]
    assert stats["requests"] == {"GET /google/v1/locations/{location_id}": 2, "GET /google/v1/locations/{location_id}:getGoogleUpdated": 1,
                                 "PUT /google/{path:path}": 1}
    assert stats["by_status"] == {"404": 4} and stats["requests_total"] == 4


async def test_clock_advance_only_with_a_manual_clock(client: httpx.AsyncClient, clock: ManualClock) -> None:
    advanced = await client.post("/_sandbox/clock/advance", json={"seconds": 90})
    assert advanced.json() == {"now": 1_767_225_690.0} and clock.now() == 1_767_225_690.0
    real = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://sandbox")
    async with real:
        response = await real.post("/_sandbox/clock/advance", json={"seconds": 90})
        assert response.status_code == 409
        assert (await real.get("/_sandbox/clock")).json()["manual"] is False


def test_clock_never_goes_backwards() -> None:
    with pytest.raises(ValueError):
        ManualClock().advance(-1)


def test_discovery_schemas_convert_to_json_schema() -> None:
    assert convert_property({"type": "integer", "format": "int32"}) == {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
    assert convert_property({"$ref": "TimeOfDay"}) == {"$ref": "#/$defs/TimeOfDay"}
    assert convert_property({"type": "array", "items": {"type": "string", "enum": ["A", "B"]}}) == {"type": "array", "items": {"type": "string", "enum": ["A", "B"]}}
    assert convert_property({"type": "object", "properties": {"a": {"type": "boolean"}}}) == {
        "type": "object", "properties": {"a": {"type": "boolean"}}, "additionalProperties": False}
    assert convert_property({"type": "object", "additionalProperties": {"type": "string"}}) == {"type": "object", "additionalProperties": {"type": "string"}}
    assert convert_property({"type": "string", "format": "int64"}) == {"anyOf": [{"type": "string", "pattern": "^-?[0-9]+$"}, {"type": "integer"}]}
    assert convert_property({"type": "string", "format": "google-duration"})["pattern"] == r"^-?[0-9]+(\.[0-9]{1,9})?s$"
    assert convert_property({"type": "any"}) == {}
    with pytest.raises(FileNotFoundError):
        find_discovery_document("/nonexistent/discovery.json")


async def test_the_sandbox_records_each_request_user_agent(client) -> None:
    from connectors.http import default_user_agent

    await client.get("/osm/api/0.6/nothing-here", headers={"User-Agent": default_user_agent()})
    await client.get("/osm/api/0.6/nothing-here", headers={"User-Agent": "python-httpx/0.27"})
    stats = (await client.get("/_sandbox/stats")).json()["osm"]
    assert stats["user_agents"] == {default_user_agent(): 1, "python-httpx/0.27": 1}


async def test_stats_report_how_close_the_busiest_key_came_to_each_quota(client: httpx.AsyncClient,
                                                                         clock: ManualClock) -> None:
    """`quota_peak`: the most requests one key had in a window, so a run can show its margin."""
    await statuses(client, 3)
    clock.advance(90)  # past Google's one-minute project window: the next ones start a new count
    await statuses(client, 2)
    peak = (await client.get("/_sandbox/stats")).json()["google"]["quota_peak"]
    assert peak == {"project_window": 3, "edit_window": 0}
    await client.post("/_sandbox/reset")
    peak = (await client.get("/_sandbox/stats")).json()["google"]["quota_peak"]
    assert peak == {"project_window": 0, "edit_window": 0}
