"""The connector against the Google emulator of `connectors.sandbox`, over ASGI (no network)."""

import httpx
import pytest

from connectors.base import PushContext, Rejected
from connectors.google.connector import GoogleConnector
from tests.connectors.google.contract import discovery_path
from tests.connectors.google.records import full as _full


def full(**overrides):
    return _full(**{"photos": [], **overrides})  # photos: tests/sync/test_photos.py (a real server)
from tests.connectors.google.test_mapping import RECORDS

sandbox = pytest.importorskip("connectors.sandbox")
REQUEST_ID = "vitrine-0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def clock():
    return sandbox.ManualClock()


@pytest.fixture
async def client(clock):
    config = sandbox.SandboxConfig()
    config.google.discovery_path = str(discovery_path())
    app = sandbox.create_app(config, clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as c:
        yield c


@pytest.fixture
def google(client):
    return GoogleConnector(client, "http://sandbox/google/v1", {"access_token": "sandbox-google-token"},
                           {"account": "accounts/sandbox", "verifications_base_url": "http://sandbox/google/verifications/v1",
                            "media_base_url": "http://sandbox/google/v4"})


async def create(google):
    rendering = google.render(full())
    return rendering, await google.push(full(), rendering, PushContext("CLI-075-001", None, None, None,
                                                                        sorted(rendering.payload), REQUEST_ID))


async def test_create_update_phone_read_back(google, clock):
    rendering, created = await create(google)
    assert created.created and created.remote_id.startswith("locations/")
    assert created.live_url and created.live_url.startswith("https://maps.google.com/")
    readback = await google.read_back(created.remote_id, rendering.payload)
    assert (readback.state, readback.mismatched, readback.pending, readback.third_party) == ("live", [], [], [])

    record = full(phones={"primary": "+33199999999", "additional": ["+33612345678"]})
    updated = google.render(record)
    result = await google.push(record, updated, PushContext("CLI-075-001", created.remote_id, None, rendering.payload,
                                                            ["phoneNumbers"], REQUEST_ID))
    assert (result.remote_id, result.state, result.detail) == (created.remote_id, "awaiting_review", {"updateMask": "phoneNumbers"})

    pending = await google.read_back(created.remote_id, updated.payload)
    assert (pending.state, pending.pending, pending.mismatched) == ("awaiting_review", ["phoneNumbers"], [])

    clock.advance(60)  # the emulator's review delay
    live = await google.read_back(created.remote_id, updated.payload)
    assert (live.state, live.pending, live.mismatched, live.third_party) == ("live", [], [], [])


async def test_a_repeated_create_returns_the_same_listing(google):
    _, first = await create(google)
    _, again = await create(google)
    assert again.remote_id == first.remote_id


async def test_clearing_the_website_on_the_sandbox(google, client, clock):
    rendering, created = await create(google)
    record = full(website=None)
    cleared = google.render(record)
    await google.push(record, cleared, PushContext("CLI-075-001", created.remote_id, None, rendering.payload,
                                                   ["websiteUri"], REQUEST_ID))
    clock.advance(60)
    listing = (await client.get(f"/google/v1/{created.remote_id}", params={"readMask": "websiteUri,title"},
                                headers={"Authorization": "Bearer sandbox-google-token"})).json()
    assert listing == {"title": "Clinique du Parc"}


async def test_google_updates_and_missing_verification(google, client):
    rendering, created = await create(google)
    location_id = created.remote_id.removeprefix("locations/")
    await client.post(f"/_sandbox/google/locations/{location_id}/google-updated",
                      json={"field": "websiteUri", "value": "https://annuaire.example.fr/clinique"})
    drift = await google.read_back(created.remote_id, rendering.payload)
    assert (drift.third_party, drift.mismatched, drift.state) == (["websiteUri"], ["websiteUri"], "live")

    await client.post(f"/_sandbox/google/locations/{location_id}/voice-of-merchant", json={"state": "verify"})
    blocked = await google.read_back(created.remote_id, rendering.payload)
    assert blocked.state == "action_required" and "verify the listing" in (blocked.message or "")


async def test_sandbox_rejection_becomes_field_errors(google):
    record = full(name="x" * 150)
    rendering = google.render(record)
    with pytest.raises(Rejected) as caught:
        await google.push(record, rendering, PushContext("CLI-075-001", None, None, None, sorted(rendering.payload), REQUEST_ID))
    assert [e.field for e in caught.value.field_errors] == ["location.title"]


@pytest.mark.parametrize("name", ["full", "minimal", "round_the_clock", "overnight", "opening_soon", "closed", "abroad"])
async def test_the_emulator_accepts_every_shape(google, name):
    shape = RECORDS[name].model_copy(update={"photos": []})  # photos: tests/connectors/sandbox/test_media.py
    rendering = google.render(shape)
    result = await google.push(shape, rendering, PushContext("X", None, None, None, sorted(rendering.payload), REQUEST_ID))
    readback = await google.read_back(result.remote_id, rendering.payload)
    assert (readback.state, readback.mismatched) == ("live", [])
