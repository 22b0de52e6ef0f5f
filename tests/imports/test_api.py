"""`/api/v1/imports` over HTTP."""

import io
import json

from openpyxl import load_workbook

from service.imports.sample import PATH
from tests.conftest import make_org
from tests.imports.helpers import base_row, sites

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(data: bytes, name: str = "sites.xlsx", **form):
    return {"files": {"file": (name, data, XLSX)}, "data": {k: str(v).lower() if isinstance(v, bool) else v
                                                             for k, v in form.items()}}


async def test_dry_run_then_partial_import_then_read_back(client):
    dry = await client.post("/api/v1/imports", **_upload(PATH.read_bytes(), "sample-sites.xlsx", dry_run=True))
    assert dry.status_code == 200, dry.text
    assert dry.json()["outcome"] == "dry_run" and dry.json()["summary"]["create"] == 114
    assert (await client.get("/api/v1/establishments")).json()["items"] == []

    real = await client.post("/api/v1/imports", **_upload(PATH.read_bytes(), allow_partial=True))
    body = real.json()
    assert real.status_code == 200 and body["outcome"] == "applied" and body["summary"]["rejected"] == 6
    step = next(s for r in body["rows"] for s in r["cleaning"] if s["field"] == "phones.primary")
    assert set(step) == {"column", "field", "from", "to"}
    stored = await client.get(f"/api/v1/imports/{body['id']}")
    assert stored.status_code == 200 and stored.json() == body
    site = await client.get(f"/api/v1/establishments/{body['rows'][0]['store_code']}")
    assert site.status_code == 200
    revisions = (await client.get(f"/api/v1/establishments/{body['rows'][0]['store_code']}/revisions")).json()
    assert revisions["items"][0]["source"] == "import" and revisions["items"][0]["source_ref"] == body["id"]

    listed = (await client.get("/api/v1/imports", params={"limit": 1})).json()
    assert [i["id"] for i in listed["items"]] == [body["id"]] and "rows" not in listed["items"][0]
    older = (await client.get("/api/v1/imports", params={"limit": 1, "cursor": listed["next_cursor"]})).json()
    assert [i["outcome"] for i in older["items"]] == ["dry_run"] and older["next_cursor"] is None


async def test_rejected_rows_are_a_200_report_and_bad_files_a_422(client):
    rejected = await client.post("/api/v1/imports", **_upload(sites(base_row("A-1"), base_row("A-2", Nom=None))))
    assert rejected.status_code == 200 and rejected.json()["outcome"] == "rejected"
    bad = await client.post("/api/v1/imports", **_upload(b"%PDF-1.4 not a workbook", "sites.xlsx"))
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_file" and "PDF" in error["message"] and error["field"] == "file"
    assert error["errors"][0]["code"] == "not_xlsx"
    stored = await client.get(f"/api/v1/imports/{error['import_id']}")
    assert stored.json()["outcome"] == "invalid_file" and stored.json()["error"]["code"] == "not_xlsx"


async def test_mapping_field(client):
    data = sites(base_row("A-1") + ["01 23 45 67 89"],
                 headers=["Code site", "Nom", "Adresse", "Code postal", "Ville", "Catégorie", "Numéro standard"])
    response = await client.post("/api/v1/imports", **_upload(data, mapping=json.dumps(
        {"Numéro standard": "phones.primary"})))
    assert response.json()["rows"][0]["record"]["phones"]["primary"] == "+33123456789"
    bad = await client.post("/api/v1/imports", **_upload(data, mapping="not json"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_mapping"
    unknown = await client.post("/api/v1/imports", **_upload(data, mapping=json.dumps({"Numéro standard": "tel"})))
    assert unknown.status_code == 422 and "unknown field 'tel'" in unknown.json()["error"]["message"]


async def test_another_organisations_import_is_not_found(client, anon_client, session_factory):
    mine = (await client.post("/api/v1/imports", **_upload(sites(base_row()), dry_run=True))).json()
    _, other_key = await make_org(session_factory, "Autre groupe")
    other = await anon_client.get(f"/api/v1/imports/{mine['id']}", headers={"Authorization": f"Bearer {other_key}"})
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    assert (await anon_client.get("/api/v1/imports", headers={"Authorization": f"Bearer {other_key}"})).json()[
        "items"] == []
    assert (await anon_client.post("/api/v1/imports", **_upload(sites(base_row())))).status_code == 401


async def test_the_template_downloads_and_imports_cleanly(client, anon_client):
    assert (await anon_client.get("/api/v1/imports/template")).status_code == 401
    response = await client.get("/api/v1/imports/template")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert 'filename="vitrine-import-template.xlsx"' in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Établissements", "Instructions"]
    assert wb["Établissements"].data_validations.dataValidation  # drop-downs for status and category
    imported = await client.post("/api/v1/imports", **_upload(response.content, "template.xlsx"))
    body = imported.json()
    assert body["outcome"] == "applied", body
    assert (body["summary"]["create"], body["summary"]["rejected"]) == (3, 0)
    assert body["summary"]["ignored_columns"] == []
    first, _, third = (row["record"] for row in body["rows"])  # photos, special hours and dates in the template
    assert [p["kind"] for p in first["photos"]] == ["logo", "cover", "other", "other"]
    assert (first["opening_date"], first["address"]["sub_locality"]) == ("1987-03-15", "Folie-Méricourt")
    assert [p["start_date"] for p in first["hours"]["special"]] == ["2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01"]
    assert third["hours"]["special"][0] == {"start_date": "2026-12-25", "end_date": "2026-12-25", "closed": True,
                                            "intervals": []}


async def _all_rows(client, import_id: str, **params) -> list[dict]:
    rows, cursor = [], None
    while True:
        page = await client.get(f"/api/v1/imports/{import_id}/rows", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        rows += page.json()["items"]
        if (cursor := page.json()["next_cursor"]) is None:
            return rows


async def test_report_rows_page_in_file_order(client, anon_client, session_factory):
    body = (await client.post("/api/v1/imports", **_upload(PATH.read_bytes(), allow_partial=True))).json()
    first = (await client.get(f"/api/v1/imports/{body['id']}/rows", params={"limit": 50})).json()
    assert len(first["items"]) == 50 and first["next_cursor"] is not None
    assert await _all_rows(client, body["id"], limit=50) == body["rows"]  # the same rows, in file order
    rejected = await _all_rows(client, body["id"], action="rejected")
    assert [r["row"] for r in rejected] == [r["row"] for r in body["rows"] if r["action"] == "rejected"]
    assert len(rejected) == 6 and all(r["errors"] for r in rejected)
    bad = await client.get(f"/api/v1/imports/{body['id']}/rows", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"
    _, other_key = await make_org(session_factory, "Autre groupe")
    other = await anon_client.get(f"/api/v1/imports/{body['id']}/rows", headers={"Authorization": f"Bearer {other_key}"})
    assert other.status_code == 404


async def test_a_big_file_is_written_in_chunks_and_reports_its_rejected_rows(client, monkeypatch):
    """Chunks of 7 rows and a report limit of 20 rows stand for 1,000 and 10,000: the rows
    are planned and written chunk by chunk, a duplicate store code is caught across chunks
    (rows 3 and 40), and the returned report lists the rejected rows only."""
    from service.imports import service

    monkeypatch.setattr(service, "CHUNK_ROWS", 7)
    monkeypatch.setattr(service, "INLINE_ROWS", 20)
    rows = [base_row(f"BIG-{i:03d}") for i in range(44)]
    rows[38] = base_row("BIG-001")  # sheet row 40 repeats row 3's code
    rows[10] = base_row("BIG-010", Nom=None)  # sheet row 12: no name
    data = sites(*rows)

    atomic = (await client.post("/api/v1/imports", **_upload(data))).json()
    assert atomic["outcome"] == "rejected" and atomic["summary"]["rejected"] == 3
    assert (await client.get("/api/v1/establishments")).json()["items"] == []  # no chunk was written

    body = (await client.post("/api/v1/imports", **_upload(data, allow_partial=True))).json()
    assert body["outcome"] == "applied" and body["rows_complete"] is False
    assert body["summary"]["rows"] == 44
    assert (body["summary"]["create"], body["summary"]["rejected"]) == (41, 3)
    assert [r["row"] for r in body["rows"]] == [3, 12, 40]
    duplicate = body["rows"][0]["errors"][0]
    assert duplicate["field"] == "store_code" and "also on row 40" in duplicate["message"]
    assert any("GET /api/v1/imports/" in note for note in body["summary"]["notes"])
    assert (await client.get(f"/api/v1/imports/{body['id']}")).json() == body
    every = await _all_rows(client, body["id"], limit=5)
    assert [r["row"] for r in every] == list(range(2, 46))
    assert {r["action"] for r in every} == {"create", "rejected"}
    stored = (await client.get("/api/v1/establishments", params={"limit": 100})).json()["items"]
    assert len(stored) == 41 and "BIG-001" not in {s["store_code"] for s in stored}


async def test_progress_is_reported_while_writing(session_factory, org_id, monkeypatch):
    from service.db import unit_of_work
    from service.imports import service

    monkeypatch.setattr(service, "CHUNK_ROWS", 7)
    calls = []
    async with unit_of_work(session_factory) as session:
        await service.import_workbook(session, org_id, sites(*(base_row(f"P-{i}") for i in range(20))), "p.xlsx",
                                      dry_run=False, allow_partial=False,
                                      progress=lambda *call: calls.append(call))
    writing = [c for c in calls if c[2:] == ("writing",)]
    assert writing == [(7, 20, "writing"), (14, 20, "writing"), (20, 20, "writing")]
    assert calls.index(writing[0]) > calls.index((20, 20))  # every row read before the first is written
