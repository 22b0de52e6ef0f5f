"""The benchmark harness works (no timing is asserted: figures are measured, never tested)."""

from __future__ import annotations

import asyncio
import io
import json
import math
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bench import __main__ as runner
from bench import imports, workbook
from bench.report import Figure


def test_the_generated_workbook_is_deterministic_and_as_messy_as_the_sample(tmp_path: Path) -> None:
    data = workbook.build(130)
    assert data == workbook.build(130)
    wb = load_workbook(io.BytesIO(data), read_only=True)
    ws = wb.worksheets[0]
    assert ws.max_row == 4 + 130 + 2  # banner, header, sites, a blank line, the total line
    rows = list(ws.iter_rows(values_only=True))
    assert rows[3][0] == "CODE SITE"
    assert wb.worksheets[1].sheet_state == "hidden"
    assert workbook.expected_rejections(130) == 6
    assert workbook.path_for(130, directory=tmp_path).read_bytes() == data


def test_a_tiny_import_figure_and_the_json_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    plan = imports.Plan(rows=50, repeats=1, memory_rows=50)
    path = workbook.path_for(plan.rows)
    figure = asyncio.run(imports.bench_backend("sqlite", plan, path.read_bytes(), path.name))
    assert figure.name == "import.sqlite" and figure.unit == "s"
    assert figure.value > 0 and figure.baseline > 0 and figure.ratio is not None
    assert figure.extra["wrote"]["establishments"] == 50  # fewer than 120 rows: no rejected block
    assert figure.extra["wrote"]["sync_targets"] == 50 * figure.extra["wrote"]["platforms"]
    assert "WRONG RESULT" not in figure.note

    async def fake_run(quick: bool) -> list[Figure]:
        return [figure]

    monkeypatch.setattr(imports, "run", fake_run)
    out = tmp_path / "bench.json"
    assert asyncio.run(runner.main(["--only", "import", "--json", str(out)])) == 0
    body = json.loads(out.read_text())
    assert body["command"] == f"python -m bench --only import --json {out}"
    assert body["machine"]["cpu_count"] >= 1 and body["machine"]["python"]
    assert [f["name"] for f in body["figures"]] == ["import.sqlite"]
    assert body["all_held"] == figure.held
    assert [f["name"] for f in body["not_held"]] == ([] if figure.held else ["import.sqlite"])


def test_a_benchmark_that_raises_is_a_figure_that_did_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(quick: bool) -> list[Figure]:
        raise RuntimeError("no sandbox")

    monkeypatch.setattr(imports, "run", broken)
    figures, _ = asyncio.run(runner.run_one("import", quick=True))
    assert len(figures) == 1 and not figures[0].held and math.isnan(figures[0].value)
    assert "no sandbox" in figures[0].note
    assert json.loads(json.dumps(runner._clean(figures[0].as_json())))["value"] is None


def test_the_mixed_open_loop_sends_every_request_and_keeps_the_etags_answered() -> None:
    """`bench.mixed` runs on `bench.api.at_rate`: every scheduled request is sent, counted by
    status, and each If-Match PATCH's answer feeds the next ETag of its site."""
    from bench import mixed

    class Answers:
        async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                          with_headers: bool = False) -> tuple:
            return (200, b"{}", {"etag": '"7"'}) if with_headers else (200, b"{}")

    mix = mixed.Mix([f"S{i}" for i in range(8)])
    run = asyncio.run(mixed.open_loop(Answers(), 200.0, 0.2, mix.next, mix.answered))  # type: ignore[arg-type]
    assert run.sent == 40 and run.count(200) == 40 and not run.failures
    assert '"7"' in mix.etag.values()  # a guarded site's ETag is the one its PATCH answered
