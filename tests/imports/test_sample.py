"""The bundled sample workbook: dry run, atomic import, partial import, re-import, changes."""

import io

from openpyxl import load_workbook

from service.imports.sample import PATH, build_sample
from tests.imports.helpers import counts, row_of, run_import

SAMPLE = PATH.read_bytes()
REJECTED = {  # Excel row -> what the report must say
    35: ("Tél.", "'04 78 12 34' is not a phone number"),
    46: ("Nom de l'établissement", "column 'Nom de l'établissement' is empty; a new site needs a name"),
    57: ("Activité", "unknown category 'Centre de thalassothérapie'"),
    69: ("Horaires d'ouverture", "invalid time in '9h-25h'"),
    80: ("CODE SITE", "store code 'EHP-01-008' is also on row 81"),
    81: ("CODE SITE", "store code 'EHP-01-008' is also on row 80"),
}


def _without_rejected_rows() -> bytes:
    wb = load_workbook(io.BytesIO(SAMPLE))
    ws = wb["Sites"]
    for number in sorted(REJECTED, reverse=True):
        ws.delete_rows(number)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_committed_sample_is_what_the_generator_writes():
    assert build_sample() == SAMPLE


def _check_rejections(report):
    for number, (column, words) in REJECTED.items():
        row = row_of(report, number)
        assert row["action"] == "rejected"
        assert [e["column"] for e in row["errors"]] == [column], row["errors"]
        assert words in row["errors"][0]["message"]


async def test_dry_run_reports_everything_and_writes_nothing(session_factory, org_id):
    report = await run_import(session_factory, org_id, SAMPLE, dry_run=True)
    summary = report["summary"]
    assert report["outcome"] == "dry_run"
    assert (summary["rows"], summary["create"], summary["update"], summary["unchanged"], summary["rejected"]) == \
        (120, 114, 0, 0, 6)
    assert summary["written"] is False and summary["sheet"] == "Sites" and summary["header_row"] == 4
    assert {c["column"] for c in summary["ignored_columns"]} == {"Fax", "Commentaire interne"}
    assert "hidden sheet 'Listes' was not read" in summary["notes"]
    _check_rejections(report)
    assert (await counts(session_factory))["establishments"] == 0
    assert (await counts(session_factory))["revisions"] == 0


async def test_the_sample_exercises_every_cleaning(session_factory, org_id):
    report = await run_import(session_factory, org_id, SAMPLE, dry_run=True)
    cleaned = {s["field"] for r in report["rows"] for s in r["cleaning"]}
    assert {"phones.primary", "phones.additional", "address.postal_code", "website", "email", "name",
            "address.locality", "categories.primary", "hours.regular", "hours.special", "status"} <= cleaned
    pairs = [(s["from"], s["to"]) for r in report["rows"] for s in r["cleaning"] if s["field"] == "address.postal_code"]
    assert any(isinstance(f, int) and t.startswith("0") and len(t) == 5 for f, t in pairs)
    phone_forms = [s["from"] for r in report["rows"] for s in r["cleaning"] if s["field"] == "phones.primary"]
    assert any(isinstance(f, int) for f in phone_forms) and any("(0)" in str(f) for f in phone_forms)
    assert any(str(f).startswith("0033") for f in phone_forms) and any("." in str(f) for f in phone_forms)
    labels = {label for r in report["rows"] if r["action"] != "rejected" for label in r["record"]["labels"]}
    assert {"Pôle Rhône-Alpes", "Pôle Île-de-France", "Pôle Méditerranée"} <= labels


async def test_atomic_import_with_rejected_rows_writes_nothing(session_factory, org_id):
    report = await run_import(session_factory, org_id, SAMPLE)
    assert report["outcome"] == "rejected" and report["summary"]["written"] is False
    assert report["summary"]["create"] == 114  # what would have been created
    _check_rejections(report)
    assert (await counts(session_factory))["establishments"] == 0


async def test_allow_partial_writes_the_valid_rows_and_reimport_changes_nothing(session_factory, org_id):
    report = await run_import(session_factory, org_id, SAMPLE, allow_partial=True)
    assert report["outcome"] == "applied" and report["summary"]["written"] is True
    assert (report["summary"]["create"], report["summary"]["rejected"]) == (114, 6)
    after_first = await counts(session_factory)
    assert (after_first["establishments"], after_first["revisions"]) == (114, 114)
    again = await run_import(session_factory, org_id, SAMPLE, allow_partial=True)
    assert (again["summary"]["unchanged"], again["summary"]["rejected"], again["summary"]["written"]) == \
        (114, 6, False)
    after_second = await counts(session_factory)
    assert after_second["revisions"] == 114


async def test_a_clean_file_imports_atomically_and_then_only_changes_update(session_factory, org_id):
    clean = _without_rejected_rows()
    first = await run_import(session_factory, org_id, clean)
    assert first["outcome"] == "applied" and first["summary"]["create"] == 114 and first["summary"]["rejected"] == 0
    assert all(r["action"] == "unchanged" for r in (await run_import(session_factory, org_id, clean))["rows"])
    wb = load_workbook(io.BytesIO(clean))
    ws = wb["Sites"]
    code = ws["A5"].value.strip()
    ws["B5"] = "Clinique renommée"
    ws["J5"] = "04 78 00 00 01"
    buffer = io.BytesIO()
    wb.save(buffer)
    changed = await run_import(session_factory, org_id, buffer.getvalue())
    assert (changed["summary"]["update"], changed["summary"]["unchanged"]) == (1, 113)
    row = row_of(changed, 5)
    assert row["action"] == "update" and row["store_code"] == code
    fields = {c["field"]: c["after"] for c in row["changes"]}
    assert fields == {"name": "Clinique renommée", "phones.primary": "+33478000001"}
    assert (await counts(session_factory))["revisions"] == 115


async def test_the_report_model_dumps_to_the_same_json(session_factory, org_id):
    from service.db import unit_of_work
    from service.imports.service import import_workbook

    async with unit_of_work(session_factory) as session:
        report = await import_workbook(session, org_id, SAMPLE, "sample.xlsx", dry_run=True, allow_partial=False)
    assert report.model_dump(mode="json") == report.to_json()
    assert next(r for r in report.rows if r.row == 35).errors[0].column == "Tél." and report.summary.rejected == 6
