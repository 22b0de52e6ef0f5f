"""The two Google request shapes issue 11 found, sent to the strict sandbox (rules read from the
discovery document's own words) and refused; the connector's present requests pass."""

import httpx

from connectors.base import PushContext
from connectors.google.connector import update_mask
from tests.connectors.google.records import full
from tests.connectors.google.test_sandbox import client, clock, create, google  # noqa: F401  (fixtures)

HEADERS = {"Authorization": "Bearer sandbox-google-token"}


async def patch(client: httpx.AsyncClient, name: str, mask: str, body: dict) -> httpx.Response:
    return await client.patch(f"/google/v1/{name}", params={"updateMask": mask}, json=body, headers=HEADERS)


async def test_latlng_in_an_update_mask_is_refused(google, client) -> None:  # noqa: F811
    _, created = await create(google)
    moved = {"storefrontAddress": {"regionCode": "FR", "postalCode": "69002", "locality": "Lyon",
                                   "addressLines": ["3 place Bellecour"]},
             "latlng": {"latitude": 45.7578, "longitude": 4.832}}
    old = await patch(client, created.remote_id, "storefrontAddress,latlng", moved)
    assert old.status_code == 400
    violations = old.json()["error"]["details"][0]["fieldViolations"]
    assert any("approved clients" in v["description"] for v in violations)
    assert (await patch(client, created.remote_id, "storefrontAddress", {"storefrontAddress": moved["storefrontAddress"]})
            ).status_code == 200


async def test_a_phone_update_without_additional_phones_is_refused(google, client) -> None:  # noqa: F811
    _, created = await create(google)
    old = await patch(client, created.remote_id, "phoneNumbers", {"phoneNumbers": {"primaryPhone": "+33140000000"}})
    assert old.status_code == 400
    assert old.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "location.phone_numbers.additional_phones"
    assert (await patch(client, created.remote_id, "phoneNumbers",
                        {"phoneNumbers": {"primaryPhone": "+33140000000", "additionalPhones": []}})).status_code == 200


def test_the_connector_never_masks_latlng() -> None:
    payload = {"storefrontAddress": {}, "latlng": {"latitude": 1.0, "longitude": 2.0}}
    assert update_mask(payload, ["storefrontAddress", "latlng"], payload) == ["storefrontAddress"]


async def test_a_move_and_a_phone_change_go_through_the_sandbox(google, client) -> None:  # noqa: F811
    original = full().model_copy(update={"photos": []})  # photos have their own tests (media API)
    rendering = google.render(original)
    created = await google.push(original, rendering, PushContext("CLI-075-001", None, None, None,
                                                                 sorted(rendering.payload), "vitrine-move-test"))
    record = original.model_copy(deep=True)
    record.geo.lat, record.geo.lng = 45.7578, 4.832
    record.phones.primary, record.phones.additional = "+33140000000", []
    moved = google.render(record)
    changed = [k for k in moved.payload if moved.payload[k] != rendering.payload.get(k)]
    assert {"latlng", "phoneNumbers"} <= set(changed)
    result = await google.push(record, moved, PushContext("CLI-075-001", created.remote_id, None, rendering.payload,
                                                          changed, "r"))
    assert "latlng" not in result.detail["updateMask"].split(",")
    assert moved.unsupported["geo.update"].startswith("sent on create only")
    stats = (await client.get("/_sandbox/stats")).json()["google"]
    assert stats["refused"] == 0
