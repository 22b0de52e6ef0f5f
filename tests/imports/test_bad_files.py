"""Every way a file goes wrong gives a clear error, never a traceback, and writes nothing."""

import io
import zipfile

import pytest

from service.settings import get_settings
from tests.imports.helpers import (
    BASE_HEADERS,
    base_row,
    counts,
    replace_text,
    row_of,
    run_import,
    sites,
    with_cached_values,
    xlsx,
)


def _ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _corrupt_member() -> bytes:
    data = bytearray(sites(*(base_row(f"A-{i}") for i in range(50))))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 20
    for i in range(start, start + 64):
        data[i] ^= 0x5A
    return bytes(data)


def _hidden_only(wb) -> None:
    wb.active.sheet_state = "hidden"
    wb.create_sheet("Feuil2")
    wb.active = 1


def _merged_header(wb) -> None:
    wb.active.merge_cells("A1:B1")


GOOD = sites(base_row("A-1"), base_row("A-2"))
BAD_FILES = {
    "pdf renamed": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>", "not_xlsx", "PDF"),
    "csv renamed": ("Code site;Nom;Ville\nA-1;Clinique;Paris\n".encode(), "not_xlsx", "CSV"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "not_xlsx", ".xls"),
    "ods": (_ods(), "not_xlsx", "OpenDocument"),
    "empty file": (b"", "not_xlsx", "empty"),
    "truncated zip": (GOOD[: len(GOOD) // 2], "corrupt_file", "damaged or incomplete"),
    "corrupt member": (_corrupt_member(), "corrupt_file", "cannot be read"),
    "empty workbook": (xlsx([]), "empty_workbook", "no data"),
    "only a title": (xlsx([["Groupe Horizon Santé : liste des sites"]]), "no_header",
                     "'Groupe Horizon Santé : liste des sites'"),
    "no recognisable header": (xlsx([["Colonne A", "Colonne B"], ["x", "y"]]), "no_header", "no header row found"),
    "missing required columns": (xlsx([["Nom", "Ville"], ["Clinique", "Paris"]]), "missing_columns",
                                 "no column for Code établissement / Store code (recognised: 'Nom', 'Ville')"),
    "header without rows": (sites(), "no_rows", "no site below it"),
    "merged header": (xlsx([BASE_HEADERS, base_row()], build=_merged_header), "merged_cells",
                      "header row 1 has merged cells A1:B1"),
    "only sheet hidden": (xlsx([BASE_HEADERS, base_row()], build=_hidden_only), "hidden_sheet",
                          "hidden sheet 'Sites'"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
async def test_bad_file_gives_a_clear_error_and_writes_nothing(name, session_factory, org_id):
    data, code, words = BAD_FILES[name]
    before = await counts(session_factory)
    report = await run_import(session_factory, org_id, data)
    assert report["outcome"] == "invalid_file"
    assert report["error"]["code"] == code, report["error"]
    assert words in report["error"]["message"]
    assert report["rows"] == [] and report["summary"]["written"] is False
    after = await counts(session_factory)
    assert after == {**before, "imports": before["imports"] + 1}  # the attempt is recorded, nothing else


async def test_a_file_over_the_size_limit(session_factory, org_id, monkeypatch):
    monkeypatch.setattr(get_settings(), "import_max_bytes", 1000)
    report = await run_import(session_factory, org_id, GOOD)
    assert report["error"]["code"] == "file_too_large" and "limit is 1,000" in report["error"]["message"]


async def _rejected_then_partial(session_factory, org_id, data, expected_good):
    """Atomic import writes nothing; allow_partial writes the good rows only."""
    report = await run_import(session_factory, org_id, data)
    assert report["outcome"] == "rejected" and report["summary"]["written"] is False
    assert (await counts(session_factory))["establishments"] == 0
    partial = await run_import(session_factory, org_id, data, allow_partial=True)
    assert partial["outcome"] == "applied" and partial["summary"]["create"] == expected_good
    assert (await counts(session_factory))["establishments"] == expected_good
    return report


async def test_one_good_row_and_one_bad(session_factory, org_id):
    data = sites(base_row("A-1"), base_row("A-2", Catégorie="Carrosserie"))
    report = await _rejected_then_partial(session_factory, org_id, data, 1)
    assert [r["action"] for r in report["rows"]] == ["create", "rejected"]
    [error] = row_of(report, 3)["errors"]
    assert (error["column"], error["field"], error["cell"]) == ("Catégorie", "categories.primary", "F3")
    assert "unknown category 'Carrosserie'" in error["message"]


async def test_duplicate_store_codes_reject_every_row_involved(session_factory, org_id):
    data = sites(base_row("A-1"), base_row("A-2"), base_row("A-1"), base_row("A-1"))
    report = await _rejected_then_partial(session_factory, org_id, data, 1)
    assert [r["action"] for r in report["rows"]] == ["rejected", "create", "rejected", "rejected"]
    assert row_of(report, 2)["errors"][0]["message"] == \
        "store code 'A-1' is also on row 4, 5: each site needs its own code"
    assert row_of(report, 5)["errors"][0]["column"] == "Code site"


async def test_a_megabyte_cell_rejects_its_row_naming_the_cell(session_factory, org_id):
    data = replace_text(sites(base_row("A-1", Nom="HUGE"), base_row("A-2")), "HUGE", "x" * 1_048_576)
    report = await _rejected_then_partial(session_factory, org_id, data, 1)
    [error] = row_of(report, 2)["errors"]
    assert error["cell"] == "B2" and "1,048,576 characters (limit 10,000)" in error["message"]


def _formulas(wb) -> None:
    wb.active["B3"] = '=UPPER("clinique x")'


async def test_formulas_without_a_computed_value_reject_the_row(session_factory, org_id):
    data = xlsx([BASE_HEADERS, base_row("A-1"), base_row("A-2")], build=_formulas)
    report = await _rejected_then_partial(session_factory, org_id, data, 1)
    [error] = row_of(report, 3)["errors"]
    assert error["cell"] == "B3" and 'formula (=UPPER("clinique x")) but no computed value' in error["message"]


async def test_formulas_with_a_computed_value_use_it_and_say_so(session_factory, org_id):
    data = with_cached_values(xlsx([BASE_HEADERS, base_row("A-1"), base_row("A-2")], build=_formulas),
                              {"B3": "CLINIQUE X"})
    report = await run_import(session_factory, org_id, data)
    assert report["outcome"] == "applied"
    row = row_of(report, 3)
    assert row["record"]["name"] == "CLINIQUE X"
    assert {"column": "Nom", "field": "name", "from": '=UPPER("clinique x")', "to": "CLINIQUE X"} in row["cleaning"]


def _merged_data(wb) -> None:
    wb.active.merge_cells("E2:E3")


async def test_merged_data_cells_reject_the_rows_they_cover(session_factory, org_id):
    data = xlsx([BASE_HEADERS, base_row("A-1"), base_row("A-2"), base_row("A-3")], build=_merged_data)
    report = await _rejected_then_partial(session_factory, org_id, data, 1)
    for number in (2, 3):
        [error] = row_of(report, number)["errors"]
        assert error["cell"] == "E2:E3" and error["column"] == "Ville" and "merged" in error["message"]


def _title_and_hidden(wb) -> None:
    ws = wb.active
    ws.insert_rows(1, 2)
    ws["A1"] = "Groupe Horizon Santé"
    ws.merge_cells("A1:F1")
    old = wb.create_sheet("Ancienne liste")
    old.append(BASE_HEADERS)
    old.sheet_state = "hidden"


async def test_title_merges_and_hidden_sheets_are_fine_and_mentioned(session_factory, org_id):
    data = xlsx([BASE_HEADERS, base_row("A-1")], build=_title_and_hidden)
    report = await run_import(session_factory, org_id, data)
    assert report["outcome"] == "applied" and report["summary"]["header_row"] == 3
    assert "hidden sheet 'Ancienne liste' was not read" in report["summary"]["notes"]
    assert report["rows"][0]["row"] == 4


def _merged_comment(wb) -> None:
    ws = wb.active
    ws["G1"], ws["G2"] = "Commentaire", "même directeur"
    ws.merge_cells("G2:G3")


async def test_a_merge_over_ignored_columns_only_is_harmless(session_factory, org_id):
    data = xlsx([BASE_HEADERS, base_row("A-1"), base_row("A-2")], build=_merged_comment)
    report = await run_import(session_factory, org_id, data)
    assert report["outcome"] == "applied" and report["summary"]["create"] == 2
