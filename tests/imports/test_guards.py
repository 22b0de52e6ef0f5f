"""Workbook bombs are refused before memory grows (issue 12): each case names its error code and
writes nothing. The bombs are read in a subprocess under a 1 GiB address-space cap, so a
regression fails the test (MemoryError) instead of taking the machine down."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from bench.bombs import ROW_COUNT_ONLY, build, read_in_subprocess
from service.imports import guards
from tests.imports.helpers import counts

BOMB_316_KB = 217_000_000  # bytes of `<row/>`: the 316 KB file once zipped


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bombs") / "316kb.xlsx"
    path.write_bytes(build(BOMB_316_KB))
    return path


@pytest.mark.parametrize(("limits", "env", "code"), [
    ("every limit", None, "compression_ratio"),
    ("the row count alone", ROW_COUNT_ONLY, "too_many_rows"),
])
def test_the_316_kb_empty_row_bomb_is_refused_under_a_memory_cap(bomb: Path, limits: str, env: dict | None,
                                                                 code: str) -> None:
    assert 300_000 < bomb.stat().st_size < 340_000
    result = read_in_subprocess(bomb, cap_bytes=1 << 30, env=env)
    assert result["outcome"] == code, (limits, result)
    assert result["peak_mib"] < 400, result  # openpyxl alone would need ~3 GB for its 36 M empty rows


def test_without_the_guard_the_same_file_exhausts_the_cap(bomb: Path) -> None:
    """The cap is real: with every limit lifted, reading the bomb runs out of memory."""
    env = {**os.environ, "VITRINE_IMPORT_MAX_ROWS": str(10**12), "VITRINE_IMPORT_MAX_RATIO": "1e12",
           "VITRINE_IMPORT_MAX_PART_BYTES": str(1 << 40), "VITRINE_IMPORT_MAX_CELLS": str(10**12)}
    result = read_in_subprocess(bomb, cap_bytes=512 << 20, env=env)
    assert result["outcome"] == "MemoryError", result


def _archive(parts: dict[str, bytes]) -> zipfile.ZipFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize(("parts", "limits", "code", "named"), [
    ({SHEET: b"<sheetData>" + b"<row/>" * 101 + b"</sheetData>"}, guards.Limits(rows=100), "too_many_rows", SHEET),
    ({SHEET: b"<x:sheetData>" + b"<x:row r='1'></x:row>" * 101}, guards.Limits(rows=100), "too_many_rows", SHEET),
    ({SHEET: b'<sheetData><row r="99999999"/></sheetData>'}, guards.Limits(), "too_many_rows", "99,999,999"),
    ({SHEET: b"<row>" + b'<c r="A1"/>' * 51 + b"</row>"}, guards.Limits(cells=50), "too_many_cells", SHEET),
    ({"xl/sharedStrings.xml": b"<sst>" + b"<si><t>a</t></si>" * 51}, guards.Limits(cells=50), "too_many_cells",
     "shared strings"),
    ({SHEET: b"<row/>" * 100_000}, guards.Limits(part_bytes=500_000), "file_too_large", SHEET),
    ({SHEET: b"<row/>" * 3_000_000}, guards.Limits(rows=10**8), "compression_ratio", SHEET),
])
def test_each_limit_has_its_code(parts: dict[str, bytes], limits: guards.Limits, code: str, named: str) -> None:
    with pytest.raises(guards.LimitExceeded) as caught:
        guards.check_archive(_archive(parts), limits)
    assert caught.value.code == code
    assert named in caught.value.message


def test_counting_across_chunk_boundaries_is_exact() -> None:
    rows = guards._CHUNK // 6 * 3 + 7  # `<row/>` split across 1 MiB reads
    archive = _archive({SHEET: b"<row/>" * rows})
    guards.check_archive(archive, guards.Limits(rows=rows, ratio=1e9))
    with pytest.raises(guards.LimitExceeded):
        guards.check_archive(archive, guards.Limits(rows=rows - 1, ratio=1e9))


def test_the_deadline_stops_the_rows() -> None:
    deadline = guards.Deadline(0.0)
    with pytest.raises(guards.LimitExceeded) as caught:
        list(guards.bounded(iter(range(10)), deadline))
    assert caught.value.code == "import_timeout"


async def test_an_uploaded_bomb_is_a_422_naming_the_file_and_writes_nothing(client, session_factory,
                                                                           bomb: Path) -> None:
    before = await counts(session_factory)
    response = await client.post("/api/v1/imports", files={"file": ("sites.xlsx", bomb.read_bytes())})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "file" and error["errors"][0]["code"] == "compression_ratio"
    after = await counts(session_factory)
    assert {k: v for k, v in after.items() if k != "imports"} == \
        {k: v for k, v in before.items() if k != "imports"}  # the refused run is recorded
