"""Google Business Profile's bulk-upload sheet imports as it is (issue 10, must-show 1)."""

from __future__ import annotations

from service.establishments.service import to_public
from service.establishments import repository as est_repo
from service.db import unit_of_work
from tests.imports.google_sheet import COLUMNS, ROWS, google_sheet
from tests.imports.helpers import run_import, xlsx


async def _stored(session_factory, org_id, code):
    async with unit_of_work(session_factory) as session:
        row = (await est_repo.get_many(session, org_id, [code]))[code]
        return to_public(row).model_dump(mode="json", exclude={"revision", "updated_at"})


async def test_every_row_of_googles_sheet_imports_with_every_field_right(session_factory, org_id):
    assert len(COLUMNS) == 33 and len(ROWS) >= 12
    report = await run_import(session_factory, org_id, google_sheet())
    assert report["outcome"] == "applied", [r["errors"] for r in report["rows"] if r["errors"]]
    assert report["summary"]["ignored_columns"] == []
    assert set(report["summary"]["columns"]) == set(COLUMNS)
    assert [r["action"] for r in report["rows"]] == ["create"] * len(ROWS)
    for (_, expected), row in zip(ROWS, report["rows"]):
        assert row["record"] == expected, row["store_code"]
        assert await _stored(session_factory, org_id, expected["store_code"]) == expected


async def test_googles_conventions_are_reported_not_silent(session_factory, org_id):
    report = await run_import(session_factory, org_id, google_sheet(), dry_run=True)
    notes = {(r["store_code"], s["field"]): s["note"] for r in report["rows"] for s in r["cleaning"] if s.get("note")}
    assert notes[("MAR-003", "hours.regular.sunday")].startswith("empty cell: no hours given for that day")
    assert notes[("MTQ-006", "categories.primary")] == "category inferred from the name: medical_laboratory"
    assert notes[("MAY-012", "categories.primary")] == "category inferred from the name: nursing_home"
    assert ("LIL-009", "categories.primary") not in notes  # 'Centre Horizon' says nothing: no category


async def test_a_partial_google_sheet_leaves_what_it_does_not_carry(session_factory, org_id):
    await run_import(session_factory, org_id, google_sheet())
    before = await _stored(session_factory, org_id, "PAR-001")
    # four columns: Monday now closed, an empty Tuesday (not given: kept), an empty Website (cleared)
    data = xlsx([["Store code", "Primary phone", "Website", "Monday hours", "Tuesday hours"],
                 ["PAR-001", "01 42 34 00 00", None, "x", None]])
    report = await run_import(session_factory, org_id, data)
    [row] = report["rows"]
    assert row["action"] == "update" and row["errors"] == []
    assert {c["field"] for c in row["changes"]} == {"phones.primary", "website", "hours.regular.monday"}
    after = await _stored(session_factory, org_id, "PAR-001")
    assert after["phones"] == {"primary": "+33142340000", "additional": before["phones"]["additional"]}
    assert after["website"] is None and after["hours"]["regular"]["monday"] == []
    assert after["hours"]["regular"]["tuesday"] == before["hours"]["regular"]["tuesday"] != []
    unchanged = ("phones", "website", "hours")
    assert {k: v for k, v in after.items() if k not in unchanged} == \
        {k: v for k, v in before.items() if k not in unchanged}
    assert after["hours"]["special"] == before["hours"]["special"]
    notes = {s["field"]: s["note"] for s in row["cleaning"] if s.get("note")}
    assert notes["website"] == "empty cell: cleared"
    assert notes["hours.regular.tuesday"] == "empty cell: not given, the stored value is kept"


async def test_a_new_site_in_a_partial_sheet_is_rejected_naming_what_it_lacks(session_factory, org_id):
    data = xlsx([["Store code", "Primary phone"], ["NEW-1", "01 42 34 00 00"]])
    report = await run_import(session_factory, org_id, data)
    [row] = report["rows"]
    assert row["action"] == "rejected" and report["outcome"] == "rejected"
    assert [e["field"] for e in row["errors"]] == ["name", "address.lines", "address.locality"]
    assert row["errors"][0]["message"].startswith("new site 'NEW-1': the file has no Nom / Name column")


async def test_a_primary_category_column_alone_keeps_the_additional_ones(session_factory, org_id):
    await run_import(session_factory, org_id, google_sheet())
    report = await run_import(session_factory, org_id, xlsx([["Store code", "Primary category"],
                                                            ["PAR-001", "Hospital"]]))
    assert [c["field"] for c in report["rows"][0]["changes"]] == ["categories.primary"]
    after = await _stored(session_factory, org_id, "PAR-001")
    assert after["categories"] == {"primary": "hospital", "additional": ["radiology", "physiotherapist"]}
