"""`vitrine campaign …` on an SQLite file, the sites imported from the bundled sample."""

import io
import json

from openpyxl import Workbook, load_workbook

from service.imports.sample import build_sample
from tests.test_cli import vitrine  # noqa: F401  (the fixture)


def mapping_file(tmp_path, rows):
    wb = Workbook()
    wb.active.append(["store_code", "old_phone", "new_phone"])
    for row in rows:
        wb.active.append(list(row))
    path = tmp_path / "mapping.xlsx"
    wb.save(path)
    return path


def test_dry_run_apply_show_report_and_rollback(vitrine, tmp_path):  # noqa: F811
    sample = tmp_path / "sites.xlsx"
    sample.write_bytes(build_sample())
    vitrine("import", str(sample), "--allow-partial", "--json")
    sites = json.loads(vitrine("establishments", "list", "--json").stdout)[:3]
    rows = [(s["store_code"], s["phones"]["primary"], f"04 78 00 00 0{i}") for i, s in enumerate(sites)]
    path = mapping_file(tmp_path, rows)

    dry = json.loads(vitrine("campaign", "phone-migration", str(path), "--dry-run", "--json").stdout)
    assert dry["state"] == "draft" and dry["name"] == "mapping.xlsx"
    assert [s["after"]["phones"]["primary"] for s in dry["sites"]] == ["+33478000000", "+33478000001",
                                                                       "+33478000002"]
    text = vitrine("campaign", "phone-migration", str(path), "--dry-run").stdout
    assert "Nothing was written" in text and "+33478000001" in text

    applied = vitrine("campaign", "apply", dry["id"]).stdout
    assert "applied" in applied and "'applied': 3" in applied
    shown = json.loads(vitrine("campaign", "show", dry["id"], "--json").stdout)
    assert shown["state"] == "applied" and shown["summary"]["outcomes"] == {"applied": 3}
    assert "applied" in vitrine("campaign", "show", dry["id"]).stdout
    listed = json.loads(vitrine("campaign", "list", "--json").stdout)
    assert [c["state"] for c in listed] == ["draft", "applied"] and listed[1]["id"] == dry["id"]  # newest first

    out = tmp_path / "report.xlsx"
    assert "report written" in vitrine("campaign", "report", dry["id"], "-o", str(out)).stdout
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert [r[0] for r in wb["Sites"].iter_rows(min_row=2, values_only=True)] == [s["store_code"] for s in sites]

    back = json.loads(vitrine("campaign", "rollback", dry["id"], "--json").stdout)
    assert back["kind"] == "rollback" and back["state"] == "applied"
    restored = json.loads(vitrine("establishments", "show", sites[1]["store_code"], "--json").stdout)
    assert restored["phones"]["primary"] == sites[1]["phones"]["primary"]


def test_a_bad_mapping_lists_every_error_and_changes_nothing(vitrine, tmp_path):  # noqa: F811
    sample = tmp_path / "sites.xlsx"
    sample.write_bytes(build_sample())
    vitrine("import", str(sample), "--allow-partial", "--json")
    code = json.loads(vitrine("establishments", "list", "--json").stdout)[0]["store_code"]
    path = mapping_file(tmp_path, [(code, None, "04 78"), ("NOPE", None, "04 78 00 00 01")])
    result = vitrine("campaign", "phone-migration", str(path), code=1)
    assert "row 2, column new_phone" in result.output and "row 3, column store_code" in result.output
    assert "2 error(s)" in result.output
    assert json.loads(vitrine("campaign", "list", "--json").stdout) == []
    assert "--at needs a time zone" in vitrine("campaign", "phone-migration", str(path), "--at",
                                               "2026-12-01T06:00", code=1).output
