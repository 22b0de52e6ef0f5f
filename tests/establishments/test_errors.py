"""Every API validation error names its field path, in one `{field, message, code}` shape,
for a single record and for each item of a bulk call alike."""

from tests.establishments.factories import record


async def test_bulk_item_errors_have_the_api_error_shape(client):
    items = [record("B-1", phones={"primary": "nope"}), record("B-1"), record("bad code!"), record("B-2")]
    items[3]["address"] = {**items[3]["address"], "postal_code": "7501"}
    response = await client.post("/api/v1/establishments/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0]["errors"] == [{"field": "phones.primary", "code": "value_error",
                                     "message": "'nope' is not a phone number"}]
    assert results[1]["result"] == "created"
    assert results[2]["errors"][0]["field"] == "store_code"
    assert results[2]["errors"][0]["code"] == "string_pattern_mismatch"
    assert results[3]["errors"] == [{"field": "address.postal_code", "code": "value_error",
                                     "message": "a French postal code has five digits, got '7501'"}]


async def test_a_repeated_store_code_in_one_bulk_has_its_own_code(client):
    response = await client.post("/api/v1/establishments/bulk", json={"items": [record("D-1"), record("D-1")]})
    assert response.json()["results"][1]["errors"] == [
        {"field": "store_code", "code": "duplicate_store_code", "message": "same store_code as item 0"}]


async def test_object_level_checks_name_the_field_inside_the_object(client):
    bad = record(categories={"primary": "hospital", "additional": ["hospital"]},
                 hours={"special": [{"start_date": "2026-12-31", "end_date": "2026-12-01", "closed": True}]})
    bad["address"]["postal_code"] = "7501"
    response = await client.post("/api/v1/establishments", json=bad)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["error"]["errors"]}
    assert fields == {"address.postal_code", "categories.additional", "hours.special[0].end_date"}


async def test_a_body_that_is_not_json_says_where_without_a_made_up_field(client):
    response = await client.post("/api/v1/establishments", content=b'{"name": "x",',
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    error = response.json()["error"]["errors"][0]
    assert error["field"] is None and error["code"] == "json_invalid"
    assert "not valid JSON at character 13" in error["message"]
