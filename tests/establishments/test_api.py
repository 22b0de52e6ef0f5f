from tests.conftest import make_org
from tests.establishments.factories import record


async def test_create_then_read_back_the_canonical_shape(client):
    created = await client.post("/api/v1/establishments", json=record(phones={"primary": "01 23 45 67 89"}))
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == "/api/v1/establishments/CLI-075-001"
    body = created.json()
    assert body["phones"]["primary"] == "+33123456789"
    assert body["revision"] == 1
    assert list(body)[:3] == ["store_code", "name", "status"]
    assert body["hours"]["regular"]["sunday"] == []
    got = await client.get("/api/v1/establishments/CLI-075-001")
    assert got.status_code == 200
    assert {k: v for k, v in got.json().items() if k != "updated_at"} == {
        k: v for k, v in body.items() if k != "updated_at"}


async def test_invalid_record_names_each_field(client):
    bad = record(phones={"primary": "12"}, categories={"primary": "castle"})
    bad["address"]["postal_code"] = "7501"
    response = await client.post("/api/v1/establishments", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {e["field"]: e["message"] for e in error["errors"]}
    assert "phones.primary" in fields and "'12'" in fields["phones.primary"]
    assert "categories.primary" in fields and "castle" in fields["categories.primary"]
    assert "five digits" in fields["address.postal_code"]


async def test_duplicate_create_is_a_conflict(client):
    assert (await client.post("/api/v1/establishments", json=record())).status_code == 201
    again = await client.post("/api/v1/establishments", json=record())
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "store_code"


async def test_patch_writes_a_revision_with_the_field_diff(client):
    await client.post("/api/v1/establishments", json=record())
    patched = await client.patch("/api/v1/establishments/CLI-075-001", json={"phones": {"primary": "04 78 00 00 01"}},
                                 headers={"If-Match": '"1"'})
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == '"2"'
    assert patched.json()["phones"]["primary"] == "+33478000001"
    assert patched.json()["name"] == "Clinique du Parc"
    revisions = (await client.get("/api/v1/establishments/CLI-075-001/revisions")).json()["items"]
    assert [r["number"] for r in revisions] == [2, 1]
    assert revisions[0]["changes"] == [{"field": "phones.primary", "before": "+33123456789", "after": "+33478000001"}]
    assert revisions[0]["source"] == "api" and revisions[0]["source_ref"].startswith("key:")


async def test_stale_if_match_is_412_and_changes_nothing(client):
    await client.post("/api/v1/establishments", json=record())
    first = await client.patch("/api/v1/establishments/CLI-075-001", json={"name": "Clinique A"},
                               headers={"If-Match": '"1"'})
    assert first.status_code == 200
    stale = await client.patch("/api/v1/establishments/CLI-075-001", json={"name": "Clinique B"},
                               headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert stale.headers["etag"] == '"2"'
    assert (await client.get("/api/v1/establishments/CLI-075-001")).json()["name"] == "Clinique A"


async def test_identical_put_creates_no_revision(client):
    await client.post("/api/v1/establishments", json=record())
    same = await client.put("/api/v1/establishments/CLI-075-001", json=record())
    assert same.status_code == 200 and same.json()["revision"] == 1
    revisions = (await client.get("/api/v1/establishments/CLI-075-001/revisions")).json()["items"]
    assert len(revisions) == 1


async def test_put_creates_when_new_and_rejects_a_mismatched_code(client):
    created = await client.put("/api/v1/establishments/LAB-001", json=record("LAB-001"))
    assert created.status_code == 201
    mismatch = await client.put("/api/v1/establishments/LAB-001", json=record("LAB-002"))
    assert mismatch.status_code == 422 and mismatch.json()["error"]["code"] == "store_code_mismatch"


async def test_no_key_is_401_and_healthz_is_open(anon_client):
    response = await anon_client.get("/api/v1/establishments")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    wrong = await anon_client.get("/api/v1/establishments", headers={"Authorization": "Bearer vtr_000000000000_nope"})
    assert wrong.status_code == 401
    assert (await anon_client.get("/healthz")).json() == {"status": "ok"}


async def test_another_organisations_site_is_404(client, anon_client, session_factory):
    await client.post("/api/v1/establishments", json=record())
    _, other_key = await make_org(session_factory, "Autre Groupe")
    other = {"Authorization": f"Bearer {other_key}"}
    assert (await anon_client.get("/api/v1/establishments/CLI-075-001", headers=other)).status_code == 404
    patch = await anon_client.patch("/api/v1/establishments/CLI-075-001", json={"name": "x"}, headers=other)
    assert patch.status_code == 404
    listing = await anon_client.get("/api/v1/establishments", headers=other)
    assert listing.json()["items"] == []
    # the same store code is free in the other organisation
    assert (await anon_client.post("/api/v1/establishments", json=record(), headers=other)).status_code == 201


async def test_list_filters_and_cursor_pagination(client):
    for i in range(7):
        locality = "Lyon" if i % 2 else "Paris"
        body = record(f"S-{i:03d}", name=f"Site {i}", labels=["Pôle Sud"] if i < 3 else ["Pôle Nord"])
        body["address"] = {**body["address"], "locality": locality}
        assert (await client.post("/api/v1/establishments", json=body)).status_code == 201
    codes, cursor = [], None
    while True:
        page = (await client.get("/api/v1/establishments", params={"limit": 3, **({"cursor": cursor} if cursor else {})})).json()
        codes += [item["store_code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert codes == [f"S-{i:03d}" for i in range(7)]
    lyon = (await client.get("/api/v1/establishments", params={"locality": "lyon"})).json()["items"]
    assert [i["store_code"] for i in lyon] == ["S-001", "S-003", "S-005"]
    sud = (await client.get("/api/v1/establishments", params={"label": "Pôle Sud"})).json()["items"]
    assert [i["store_code"] for i in sud] == ["S-000", "S-001", "S-002"]
    found = (await client.get("/api/v1/establishments", params={"q": "site 4"})).json()["items"]
    assert [i["store_code"] for i in found] == ["S-004"]
    bad = await client.get("/api/v1/establishments", params={"cursor": "%%%"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor"


async def test_delete_hides_and_recreate_revives_with_history(client):
    await client.post("/api/v1/establishments", json=record())
    assert (await client.delete("/api/v1/establishments/CLI-075-001")).status_code == 204
    assert (await client.get("/api/v1/establishments/CLI-075-001")).status_code == 404
    revived = await client.post("/api/v1/establishments", json=record(name="Clinique du Parc (réouverte)"))
    assert revived.status_code == 201 and revived.json()["revision"] == 3
    actions = [r["action"] for r in (await client.get("/api/v1/establishments/CLI-075-001/revisions")).json()["items"]]
    assert actions == ["create", "delete", "create"]


async def test_bulk_saves_valid_items_and_reports_each(client):
    await client.post("/api/v1/establishments", json=record("A-1"))
    items = [
        record("A-1", name="Renamed"),                # update
        record("A-2"),                                # create
        record("A-3", phones={"primary": "nope"}),     # rejected
        record("A-1"),                                # duplicate in the call
        record("A-4", website="not a url"),           # rejected
    ]
    response = await client.post("/api/v1/establishments/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"] == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 3}
    results = body["results"]
    assert [r["result"] for r in results] == ["updated", "created", "rejected", "rejected", "rejected"]
    assert results[0]["changes"] == [{"field": "name", "before": "Clinique du Parc", "after": "Renamed"}]
    assert results[2]["errors"][0]["field"] == "phones.primary"
    assert results[3]["errors"][0]["message"] == "same store_code as item 0"
    assert results[4]["errors"][0]["field"] == "website"
    assert (await client.get("/api/v1/establishments/A-2")).status_code == 200
    assert (await client.get("/api/v1/establishments/A-3")).status_code == 404
    again = (await client.post("/api/v1/establishments/bulk", json={"items": [record("A-2")]})).json()
    assert again["results"][0]["result"] == "unchanged"


async def test_bulk_over_the_limit_is_refused(client):
    response = await client.post("/api/v1/establishments/bulk", json={"items": [record(f"X-{i}") for i in range(1001)]})
    assert response.status_code == 413
    assert (await client.get("/api/v1/establishments")).json()["items"] == []


async def test_openapi_documents_every_endpoint(anon_client):
    spec = (await anon_client.get("/openapi.json")).json()
    paths = spec["paths"]
    assert set(paths["/api/v1/establishments/{store_code}"]) == {"get", "put", "patch", "delete"}
    assert "Establishment" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["type"] == "http"
