"""Import benchmark: the full Excel import against a raw openpyxl read of the same file.

The import is the project's own `service.imports.service.import_workbook` (what `vitrine
import` and `POST /api/v1/imports` call): read, clean, validate, diff against the stored
records, write establishments, revisions, labels, the import report and the sync outbox (every
platform of the registry connected, so each site gets one `sync_target` per platform), then
commit. `allow_partial=True`, since the generated file, like the sample, has rejected rows.
Each repetition starts from empty tables, so every repetition does exactly the same work.

The baseline is `openpyxl.load_workbook(read_only=True, data_only=True)` iterating every
cell value of every sheet of the same bytes, measured in the same process just before and just
after each import, so that each import is compared with reads made under the same load of the
machine. Ratio = the median over repetitions of import / mean of its two reads; value and
baseline are the medians of the imports and of the reads.

Memory: a bigger import in a child process (`python -m bench.imports memory N`), which
reports its own peak resident set (`VmHWM` of /proc/self/status at exit), against a child that
only does the raw read. Not `getrusage().ru_maxrss`: on Linux it carries over the high-water
mark of the forked copy of the parent across exec, so a child started by a 400 MB benchmark
process reports at least 400 MB whatever it does. The import is also run at a fifth of the size
to give the slope (MB per 1,000 rows), which says how far the measured size is from the target.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import workbook
from bench.report import Figure

PG_URL = os.environ.get("VITRINE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
RATIO_TARGET = 3.0
MEMORY_TARGET_MB = 400.0


@dataclass
class Plan:
    rows: int
    repeats: int
    memory_rows: int


def plan(quick: bool) -> Plan:
    return Plan(rows=5_000, repeats=2, memory_rows=20_000) if quick else Plan(rows=10_000, repeats=5,
                                                                             memory_rows=100_000)


def raw_read(data: bytes) -> int:
    """The baseline: every cell value of every sheet, openpyxl read-only. Returns the count."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for _ in row:
                    cells += 1
    finally:
        wb.close()
    return cells


def timed_raw_read(data: bytes) -> float:
    start = time.perf_counter()
    raw_read(data)
    return time.perf_counter() - start


# --- databases ---------------------------------------------------------------------------


class Database:
    """A migrated database of its own for the run (a SQLite file, or a PostgreSQL schema),
    emptied before each repetition, removed at the end."""

    def __init__(self, backend: str):
        self.backend = backend
        self.dir = Path(tempfile.mkdtemp(prefix="vitrine-bench-"))
        self.schema = f"vitrine_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}" if backend == "postgresql" else None
        self.url = f"sqlite+aiosqlite:///{self.dir / 'vitrine.db'}" if backend == "sqlite" else PG_URL
        self.engine: Any = None

    def _engine(self) -> Any:
        from service.db import make_engine

        if self.schema:
            return make_engine(self.url, connect_args={"server_settings": {"search_path": self.schema}})
        return make_engine(self.url)

    async def create(self) -> None:
        from sqlalchemy import text

        from service import migrate

        if self.schema:
            from service.db import make_engine

            admin = make_engine(PG_URL)
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            await admin.dispose()
        self.engine = self._engine()
        await migrate.upgrade(self.engine)

    async def empty(self) -> None:
        from sqlalchemy import text

        if self.schema:
            async with self.engine.begin() as conn:
                tables = (await conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
                    {"s": self.schema})).scalars().all()
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        # SQLite: a fresh copy of the file as migrated
        await self.engine.dispose()
        live = self.dir / "vitrine.db"
        template = self.dir / "template.db"
        if not template.exists():
            shutil.copy(live, template)
        for leftover in (live, live.with_name("vitrine.db-wal"), live.with_name("vitrine.db-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(template, live)
        self.engine = self._engine()

    async def drop(self) -> None:
        from sqlalchemy import text

        if self.engine is not None:
            await self.engine.dispose()
        if self.schema:
            from service.db import make_engine

            admin = make_engine(PG_URL)
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            await admin.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)


@asynccontextmanager
async def database(backend: str) -> AsyncIterator[Database]:
    db = Database(backend)
    try:
        await db.create()
        yield db
    finally:
        await db.drop()


async def prepare_org(db: Database) -> tuple[Any, int, list[str]]:
    """An organisation with every platform of the registry connected."""
    from connectors.registry import CONNECTORS
    from service.auth.service import create_organisation
    from service.db import make_sessionmaker, unit_of_work
    from service.platforms.service import connect
    from service.settings import Settings

    settings = Settings(home=db.dir / "home", database_url=db.url, secret_key="bench-secret-key-bench-secret-key-0")
    factory = make_sessionmaker(db.engine)
    async with unit_of_work(factory) as session:
        org = await create_organisation(session, "Bench Santé")
        for platform, connector in CONNECTORS.items():
            info = connector.info  # a connection needs its platform's credentials: any value will do here
            needed = (info.credential_sets or ((info.credentials,) if info.credentials else ((),)))[0]
            await connect(session, org.id, platform, dict.fromkeys(needed, "bench"), {}, settings)  # type: ignore[arg-type]
    return factory, org.id, list(CONNECTORS)  # type: ignore[return-value]


async def timed_import(db: Database, data: bytes, filename: str) -> tuple[float, dict[str, Any]]:
    """Seconds for one full import (through commit) into emptied tables, and what it wrote."""
    from sqlalchemy import func, select

    from service.db import unit_of_work
    from service.imports.service import import_workbook
    from service.models import EstablishmentRow, Revision, SyncTarget

    await db.empty()
    factory, org_id, platforms = await prepare_org(db)
    start = time.perf_counter()
    async with unit_of_work(factory) as session:
        report = await import_workbook(session, org_id, data, filename, dry_run=False, allow_partial=True)
    elapsed = time.perf_counter() - start
    async with db.engine.connect() as conn:
        counts = {name: (await conn.execute(select(func.count()).select_from(model))).scalar_one()
                  for name, model in (("establishments", EstablishmentRow), ("revisions", Revision),
                                      ("sync_targets", SyncTarget))}
    return elapsed, {"outcome": report.outcome, "created": report.summary.create,
                     "rejected": report.summary.rejected, "platforms": len(platforms), **counts}


async def phases(db: Database, data: bytes, filename: str) -> dict[str, float]:
    """One more import (not counted) with each stage timed, and the cyclic GC's pauses: where
    the time goes. Stages overlap a little (the report is built in a thread during the writes)."""
    import gc

    import service.imports.service as import_service
    from service.establishments import repository as est_repo
    from service.sync import outbox

    spent: dict[str, float] = {}
    patched: list[tuple[Any, str, Any]] = []

    def timed(module: Any, attr: str, label: str) -> None:
        original = getattr(module, attr, None)
        if original is None:  # another version of the code
            return

        if asyncio.iscoroutinefunction(original):
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
        else:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        patched.append((module, attr, original))
        setattr(module, attr, wrapper)

    gc_start = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            spent["gc_pauses"] = spent.get("gc_pauses", 0.0) + time.perf_counter() - gc_start[0]

    for module, attr, label in ((import_service, "read_rows", "read_clean_validate"), (import_service, "plan", "plan_diff"),
                                (import_service, "_report", "report_build_in_thread"),
                                (import_service, "_store", "store_report"), (import_service, "apply", "write_all"),
                                (est_repo, "insert_rows", "write_establishments"),
                                (est_repo, "insert_revisions", "write_revisions"),
                                (est_repo, "replace_labels", "write_labels"),
                                (outbox, "record_revisions", "write_outbox")):
        timed(module, attr, label)
    gc.callbacks.append(on_gc)
    try:
        total, _ = await timed_import(db, data, filename)
    finally:
        gc.callbacks.remove(on_gc)
        for module, attr, original in reversed(patched):
            setattr(module, attr, original)
    return {"total": round(total, 3), **{k: round(v, 3) for k, v in spent.items()}}


def _check(n: int, wrote: dict[str, Any]) -> str:
    """Empty when the import wrote what the generated file must give, else what differs."""
    rejected = workbook.expected_rejections(n)
    wanted = {"outcome": "applied", "created": n - rejected, "rejected": rejected,
              "establishments": n - rejected, "revisions": n - rejected,
              "sync_targets": (n - rejected) * wrote["platforms"]}
    wrong = [f"{k}={wrote.get(k)} (expected {v})" for k, v in wanted.items() if wrote.get(k) != v]
    return "; ".join(wrong)


async def bench_backend(backend: str, p: Plan, data: bytes, filename: str) -> Figure:
    name = f"import.{backend}"
    timed_raw_read(data)  # warms openpyxl's imports
    raw_times: list[float] = []
    import_times: list[float] = []
    pair_ratios: list[float] = []
    wrote: dict[str, Any] = {}
    async with database(backend) as db:
        await timed_import(db, data, filename)  # warm-up (imports, phone metadata, caches), not counted
        for _ in range(p.repeats):
            before = timed_raw_read(data)
            elapsed, wrote = await timed_import(db, data, filename)
            after = timed_raw_read(data)
            raw_times += [before, after]
            import_times.append(elapsed)
            pair_ratios.append(elapsed / ((before + after) / 2))
        stages = await phases(db, data, filename)
    value, baseline = statistics.median(import_times), statistics.median(raw_times)
    ratio = statistics.median(pair_ratios)
    wrong = _check(p.rows, wrote)
    held = ratio <= RATIO_TARGET and not wrong
    note = f"{p.rows:,} rows ({workbook.expected_rejections(p.rows)} rejected), {wrote.get('platforms')} platforms " \
           f"connected: {wrote.get('sync_targets', 0):,} sync targets written"
    if wrong:
        note += f"; WRONG RESULT: {wrong}"
    elif not held:
        reading = stages.get("read_clean_validate", 0.0)
        writing = stages.get("write_all", 0.0) + stages.get("store_report", 0.0)
        note += f"; NOT HELD: import takes {ratio:.2f}x the raw read (target {RATIO_TARGET}x). In a timed-by-stage " \
                f"run of {stages['total']:.2f} s: read+clean+validate {reading:.2f} s (the raw read alone is " \
                f"{baseline:.2f} s), diff {stages.get('plan_diff', 0):.2f} s, writes {writing:.2f} s of which " \
                f"the outbox's {wrote.get('sync_targets', 0):,} rows {stages.get('write_outbox', 0):.2f} s, " \
                f"cyclic-GC pauses {stages.get('gc_pauses', 0):.2f} s"
    return Figure(name=name, value=round(value, 3), baseline=round(baseline, 3), unit="s",
                  target=f"ratio <= {RATIO_TARGET}", held=held, ratio=round(ratio, 2), note=note,
                  extra={"rows": p.rows, "repeats": p.repeats, "import_s": [round(t, 3) for t in import_times],
                         "pair_ratios": [round(r, 2) for r in pair_ratios],
                         "ratio_is": "median over repetitions of import / mean of the raw reads just before and "
                                     "after it (pairs share the machine's load of the moment)",
                         "stages_s": stages,
                         "raw_read_s": [round(t, 3) for t in raw_times], "wrote": wrote,
                         "baseline": "openpyxl read_only=True, every cell of every sheet, same bytes"})


# --- memory ------------------------------------------------------------------------------


def _child(kind: str, n: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.imports", kind, str(n)], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"bench.imports {kind} {n} failed: {out.stderr.strip()[-800:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_memory(p: Plan) -> Figure:
    n, small = p.memory_rows, max(p.memory_rows // 5, 1_000)
    workbook.path_for(n), workbook.path_for(small)  # generate outside the measured children
    raw = _child("raw", n)
    imported = _child("memory", n)
    smaller = _child("memory", small)
    value, baseline = imported["peak_rss_mb"], raw["peak_rss_mb"]
    per_1000 = (value - smaller["peak_rss_mb"]) / (n - small) * 1000
    fits = int((MEMORY_TARGET_MB - (value - per_1000 * n / 1000)) / per_1000 * 1000) if per_1000 > 0 else None
    rejected = workbook.expected_rejections(n)
    wrong = "" if imported["created"] == n - rejected else f"created {imported['created']}, expected {n - rejected}"
    held = value < MEMORY_TARGET_MB and not wrong
    note = f"{n:,}-row import on SQLite, {imported['platforms']} platforms connected, in a child process " \
           f"({imported['seconds']:.1f} s); {per_1000:.1f} MB more per 1,000 rows " \
           f"({small:,} rows: {smaller['peak_rss_mb']:.0f} MB)"
    if p.memory_rows < 100_000:
        note += "; --quick: 100,000 rows in the full run"
    if wrong:
        note += f"; WRONG RESULT: {wrong}"
    elif not held:
        note += f"; NOT HELD: peak RSS {value:.0f} MB (target < {MEMORY_TARGET_MB:.0f} MB)"
        if fits:
            note += f" (at this slope {MEMORY_TARGET_MB:.0f} MB holds about {fits:,} rows)"
    return Figure(name="import.memory", value=round(value, 1), baseline=round(baseline, 1), unit="MB",
                  target=f"< {MEMORY_TARGET_MB:.0f} MB peak RSS", held=held, ratio=round(value / baseline, 2),
                  note=note, extra={"rows": n, "child": imported, "smaller_child": smaller, "raw_child": raw,
                                    "mb_per_1000_rows": round(per_1000, 2), "rows_within_target": fits,
                                    "baseline": "peak RSS (VmHWM) of a child doing only the raw openpyxl read"})


def _peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM (see the module docstring), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


async def _memory_child(n: int) -> dict[str, Any]:
    data = workbook.path_for(n).read_bytes()
    async with database("sqlite") as db:
        seconds, wrote = await timed_import(db, data, f"sites-{n}.xlsx")
    return {"peak_rss_mb": round(_peak_rss_mb(), 1), "seconds": round(seconds, 2), **wrote}


# --- entry points ------------------------------------------------------------------------


async def run(quick: bool) -> list[Figure]:
    p = plan(quick)
    path = workbook.path_for(p.rows)
    data = path.read_bytes()
    figures = []
    for backend in ("sqlite", "postgresql"):
        try:
            figures.append(await bench_backend(backend, p, data, path.name))
        except Exception as exc:  # noqa: BLE001 - a failed backend is a figure that did not hold
            figures.append(Figure(name=f"import.{backend}", value=float("nan"), baseline=float("nan"), unit="s",
                                  target=f"ratio <= {RATIO_TARGET}", held=False,
                                  note=f"NOT MEASURED: {type(exc).__name__}: {exc}"))
    try:
        figures.append(await asyncio.to_thread(bench_memory, p))
    except Exception as exc:  # noqa: BLE001
        figures.append(Figure(name="import.memory", value=float("nan"), baseline=float("nan"), unit="MB",
                              target=f"< {MEMORY_TARGET_MB:.0f} MB peak RSS", held=False,
                              note=f"NOT MEASURED: {type(exc).__name__}: {exc}"))
    return figures


def main(argv: list[str]) -> None:
    kind, n = argv[0], int(argv[1])
    if kind == "raw":
        data = workbook.path_for(n).read_bytes()
        start = time.perf_counter()
        cells = raw_read(data)
        result = {"peak_rss_mb": round(_peak_rss_mb(), 1), "seconds": round(time.perf_counter() - start, 2),
                  "cells": cells}
    elif kind == "memory":
        result = asyncio.run(_memory_child(n))
    else:
        raise SystemExit(f"usage: python -m bench.imports raw|memory ROWS (got {kind!r})")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
