"""The empty-row workbook bombs of issue 12, refused: time and the process's peak memory.

`python -m bench.bombs [--out DIR]` builds the two files the issue reported (a 2.9 MB .xlsx that
unpacks to 1.99 GB of empty `<row/>`, and a 316 KB one, 217 MB unpacked: zip's default deflate
level packs `<row/>` 686:1), then reads each in a fresh subprocess under an address-space cap
(`resource.setrlimit(RLIMIT_AS)`) exactly as an upload is read (`service.imports.service.read_rows`),
and prints the error code, the seconds to refuse it and the subprocess's peak resident memory
(`ru_maxrss`), beside the same figures for a valid 100-row workbook read in the same run.
The tests (tests/imports/test_guards.py) run the small bomb the same way.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                  b'"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             b'<sheets><sheet name="Sites" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_HEADER = ("Code établissement", "Nom", "Adresse", "Code postal", "Ville", "Catégorie")
_SITE = ("S{n:03d}", "Clinique {n}", "{n} rue de la Paix", "75002", "Paris", "Clinique")
EMPTY_ROW = b"<row/>"


def _row(number: int, values: tuple[str, ...]) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
    return f'<row r="{number}">{cells}</row>'.encode()


def build(empty_bytes: int = 0, sites: int = 0) -> bytes:
    """A workbook: a header row, `sites` valid rows, then `empty_bytes` of `<row/>`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=empty_bytes > 1 << 31) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>' + _row(1, _HEADER))
            for n in range(1, sites + 1):
                sheet.write(_row(n + 1, tuple(v.format(n=n) for v in _SITE)))
            block = EMPTY_ROW * ((1 << 20) // len(EMPTY_ROW))
            left = empty_bytes // len(EMPTY_ROW) * len(EMPTY_ROW)
            while left > 0:
                piece = block[:left]
                sheet.write(piece)
                left -= len(piece)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


# What the subprocess runs: the upload's own reading path, then its figures as one JSON line.
_CHILD = """
import json, resource, sys, time
cap = int(sys.argv[2])
if cap:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from service.imports import guards, reader
from service.imports.service import read_rows
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    parsed = read_rows(data, None, max_bytes=1 << 30, compact=True)
    outcome = f"read {parsed.count} rows"
except (reader.ImportFileError, guards.LimitExceeded) as exc:
    outcome = exc.code
except MemoryError:
    outcome = "MemoryError"
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would report the parent's size
# (a test runner's hundreds of MB) at fork time; the high-water mark belongs to this image alone
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mib": hwm / 1024}))
"""


def read_in_subprocess(path: Path, cap_bytes: int = 1 << 30, env: dict[str, str] | None = None,
                       timeout: float = 120) -> dict[str, object]:
    """Read `path` as an upload is read, in a fresh interpreter capped at `cap_bytes` of address
    space: {"outcome": error code or "read N rows" or "MemoryError", "seconds", "peak_mib"}."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(cap_bytes)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        return {"outcome": f"crashed ({done.returncode}): {done.stderr.strip()[-300:]}", "seconds": None,
                "peak_mib": None}
    return json.loads(done.stdout.strip().splitlines()[-1])


# The size and ratio limits lifted, so that what refuses a bomb is the count of its rows.
ROW_COUNT_ONLY = {**os.environ, "VITRINE_IMPORT_MAX_RATIO": "1e12", "VITRINE_IMPORT_MAX_PART_BYTES": str(1 << 40)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bombs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/vitrine-bombs"))
    parser.add_argument("--cap-mib", type=int, default=1024, help="address-space cap of the reading process")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    cases = {"valid 100 rows": (0, 100), "1M empty rows": (6 * 1_048_000, 100), "316 KB bomb": (217_000_000, 0), "2.9 MB bomb": (1_990_000_000, 0)}
    for label, (empty, sites) in cases.items():
        path = args.out / (label.replace(" ", "-") + ".xlsx")
        if not path.exists():
            path.write_bytes(build(empty, sites))
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
        for limits, env in (("all limits", None), ("row count only", ROW_COUNT_ONLY)):
            result = read_in_subprocess(path, args.cap_mib << 20, env=env)
            print(f"{label:15} {path.stat().st_size / 1e6:7.3f} MB packed, {unpacked / 1e9:6.3f} GB unpacked, "
                  f"{limits:14}: {result['outcome']} in {result['seconds']:.3f} s, peak {result['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
