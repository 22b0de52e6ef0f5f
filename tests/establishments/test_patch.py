"""PATCH is a JSON Merge Patch (RFC 7396): nested objects merge, `null` removes, arrays
replace. One test per nested object of the record, each proving that what was not sent stays."""

from __future__ import annotations

from typing import Any

from tests.establishments.factories import record

URL = "/api/v1/establishments/CLI-075-001"


def full_record() -> dict[str, Any]:
    """A record with every nested object filled, so a patch has something to erase."""
    return record(
        address={"lines": ["12 rue Oberkampf", "Bâtiment B"], "postal_code": "75011", "locality": "Paris",
                 "region": "Île-de-France", "country": "FR"},
        phones={"primary": "+33172000110", "additional": ["+33123456789"]},
        categories={"primary": "private_clinic", "additional": ["emergency_room"]},
        hours={"regular": {"monday": [{"open": "08:00", "close": "19:00"}],
                           "tuesday": [{"open": "09:00", "close": "18:00"}],
                           "saturday": [{"open": "09:00", "close": "12:00"}]},
               "special": [{"start_date": "2026-12-25", "closed": True}]},
        photos=[{"url": "https://www.clinique-du-parc.fr/logo.png", "kind": "logo"}],
        platform_ids={"google": "locations/123", "facebook": "456"},
        description="Clinique pluridisciplinaire.",
    )


async def _patch(client, body: dict[str, Any], content_type: str = "application/merge-patch+json") -> dict[str, Any]:
    import json
    response = await client.patch(URL, content=json.dumps(body), headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    return response.json()


async def _created(client) -> dict[str, Any]:
    created = await client.post("/api/v1/establishments", json=full_record())
    assert created.status_code == 201, created.text
    return created.json()


def _same_except(before: dict[str, Any], after: dict[str, Any], *changed: str) -> None:
    """Every top-level field but `changed` (and the bookkeeping) is exactly as before."""
    skip = {"revision", "updated_at", *changed}
    assert {k: v for k, v in after.items() if k not in skip} == {k: v for k, v in before.items() if k not in skip}


async def test_additional_phones_alone_keep_the_primary_phone(client):
    before = await _created(client)
    after = await _patch(client, {"phones": {"additional": ["06 12 34 56 78"]}})
    assert after["phones"] == {"primary": "+33172000110", "additional": ["+33612345678"]}
    _same_except(before, after, "phones")
    revisions = (await client.get(f"{URL}/revisions")).json()["items"]
    assert revisions[0]["changes"] == [{"field": "phones.additional", "before": ["+33123456789"],
                                        "after": ["+33612345678"]}]


async def test_null_removes_the_primary_phone_only(client):
    await _created(client)
    after = await _patch(client, {"phones": {"primary": None}})
    assert after["phones"] == {"primary": None, "additional": ["+33123456789"]}


async def test_mondays_hours_leave_tuesday_and_special_hours(client):
    before = await _created(client)
    after = await _patch(client, {"hours": {"regular": {"monday": [{"open": "10:00", "close": "17:00"}]}}})
    regular = after["hours"]["regular"]
    assert regular["monday"] == [{"open": "10:00", "close": "17:00"}]
    assert regular["tuesday"] == [{"open": "09:00", "close": "18:00"}]
    assert regular["saturday"] == [{"open": "09:00", "close": "12:00"}]
    assert after["hours"]["special"] == before["hours"]["special"]
    _same_except(before, after, "hours")


async def test_special_hours_replace_as_an_array_and_leave_regular_hours(client):
    before = await _created(client)
    special = [{"start_date": "2026-12-31", "end_date": "2026-12-31", "closed": False,
                "intervals": [{"open": "09:00", "close": "12:00"}]}]
    after = await _patch(client, {"hours": {"special": special}})
    assert after["hours"]["special"] == special
    assert after["hours"]["regular"] == before["hours"]["regular"]
    _same_except(before, after, "hours")


async def test_a_closed_day_is_an_empty_list_and_null_resets_the_day(client):
    await _created(client)
    closed = await _patch(client, {"hours": {"regular": {"saturday": []}}})
    assert closed["hours"]["regular"]["saturday"] == [] and closed["hours"]["regular"]["monday"]
    removed = await _patch(client, {"hours": {"regular": {"tuesday": None}}})
    assert removed["hours"]["regular"]["tuesday"] == [] and removed["hours"]["regular"]["monday"]


async def test_address_locality_alone_keeps_lines_postal_code_region_and_country(client):
    before = await _created(client)
    after = await _patch(client, {"address": {"locality": "Paris 11e"}})
    assert after["address"] == {**before["address"], "locality": "Paris 11e"}
    _same_except(before, after, "address")


async def test_address_region_null_removes_only_the_region(client):
    before = await _created(client)
    after = await _patch(client, {"address": {"region": None}})
    assert after["address"] == {**before["address"], "region": None}


async def test_additional_categories_alone_keep_the_primary_category(client):
    before = await _created(client)
    after = await _patch(client, {"categories": {"additional": ["hospital"]}})
    assert after["categories"] == {"primary": "private_clinic", "additional": ["hospital"]}
    _same_except(before, after, "categories")


async def test_geo_latitude_alone_keeps_the_longitude(client):
    before = await _created(client)
    after = await _patch(client, {"geo": {"lat": 48.9}})
    assert after["geo"] == {"lat": 48.9, "lng": before["geo"]["lng"]}
    _same_except(before, after, "geo")


async def test_geo_null_removes_the_coordinates(client):
    before = await _created(client)
    after = await _patch(client, {"geo": None})
    assert after["geo"] is None
    _same_except(before, after, "geo")


async def test_one_platform_id_merges_and_null_removes_one(client):
    before = await _created(client)
    after = await _patch(client, {"platform_ids": {"bing": "789", "facebook": None}})
    assert after["platform_ids"] == {"google": "locations/123", "bing": "789"}
    _same_except(before, after, "platform_ids")


async def test_arrays_replace_labels_and_photos(client):
    before = await _created(client)
    after = await _patch(client, {"labels": ["Pôle Nord"]})
    assert after["labels"] == ["Pôle Nord"] and after["photos"] == before["photos"]
    after = await _patch(client, {"photos": []})
    assert after["photos"] == [] and after["labels"] == ["Pôle Nord"]


async def test_plain_json_is_accepted_too(client):
    await _created(client)
    after = await _patch(client, {"phones": {"additional": []}}, content_type="application/json")
    assert after["phones"] == {"primary": "+33172000110", "additional": []}


async def test_a_required_field_removed_or_a_bad_nested_value_names_the_field(client):
    before = await _created(client)
    gone = await client.patch(URL, json={"name": None})
    assert gone.status_code == 422 and gone.json()["error"]["field"] == "name"
    bad = await client.patch(URL, json={"hours": {"regular": {"monday": [{"open": "25:00", "close": "26:00"}]}}})
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"][0]["field"].startswith("hours.regular.monday[0]")
    unknown = await client.patch(URL, json={"address": {"floor": "2"}})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "address.floor"
    not_object = await client.patch(URL, json=["name"])
    assert not_object.status_code == 422
    other_code = await client.patch(URL, json={"store_code": "OTHER-1"})
    assert other_code.status_code == 422 and other_code.json()["error"]["field"] == "store_code"
    now = (await client.get(URL)).json()
    assert now["revision"] == before["revision"]


async def test_openapi_documents_the_merge_patch(anon_client):
    spec = (await anon_client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/v1/establishments/{store_code}"]["patch"]
    content = operation["requestBody"]["content"]
    assert "application/merge-patch+json" in content and "application/json" in content
    assert "7396" in operation["description"]
    examples = content["application/merge-patch+json"]["examples"]
    assert any("additional" in str(e["value"]) for e in examples.values())
