"""`python -m bench [--quick] [--only import,api,fanout,quota,mixed,fairness,purge] [--json PATH]`

Runs each benchmark module in turn (a module that is missing or raises becomes a figure that
did not hold, with the error, and the run goes on), prints one table of every figure beside
its baseline, and writes the JSON summary: the machine, the command, the time, every figure,
and `all_held` with the list of the targets that did not hold and why.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import math
import os
import platform
import shlex
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import Figure

# name on the command line -> module
BENCHMARKS = {"import": "bench.imports", "api": "bench.api", "fanout": "bench.fanout", "quota": "bench.quota",
              "mixed": "bench.mixed", "fairness": "bench.fairness", "purge": "bench.outbox_purge"}
PG_URL = os.environ.get("VITRINE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VITRINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true", help="a short run (smaller sizes, fewer repetitions)")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated benchmarks to run (default: all of {','.join(BENCHMARKS)})")
    parser.add_argument("--json", default="bench-results.json", type=Path, help="where to write the JSON summary")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose among {', '.join(BENCHMARKS)}")
    return args


def failed(name: str, error: str) -> Figure:
    return Figure(name=name, value=float("nan"), baseline=float("nan"), unit="", target="runs", held=False,
                  note=f"NOT MEASURED: {error}")


async def run_one(name: str, quick: bool) -> tuple[list[Figure], float]:
    start = time.perf_counter()
    try:
        module = importlib.import_module(BENCHMARKS[name])
    except Exception as exc:  # noqa: BLE001 - a missing module is reported, the run goes on
        return [failed(name, f"cannot import {BENCHMARKS[name]}: {type(exc).__name__}: {exc}")], 0.0
    try:
        figures = await module.run(quick)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        return [failed(name, f"{BENCHMARKS[name]}.run raised {type(exc).__name__}: {exc}")], \
            time.perf_counter() - start
    return list(figures), time.perf_counter() - start


# --- the machine ---------------------------------------------------------------------------


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


async def _postgres_version() -> str:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
    except Exception as exc:  # noqa: BLE001
        return f"unavailable ({type(exc).__name__})"


async def _redis_version() -> str:
    try:
        from redis.asyncio import Redis

        client = Redis.from_url(REDIS_URL, socket_timeout=5)
        try:
            return str((await client.info("server"))["redis_version"])
        finally:
            await client.aclose()
    except Exception as exc:  # noqa: BLE001
        return f"unavailable ({type(exc).__name__})"


async def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu_count": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gib": _memory_gib(),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "postgres": await _postgres_version(), "redis": await _redis_version(),
            "load_average_at_start": [round(x, 2) for x in load] if load else None}


# --- output -----------------------------------------------------------------------------


def _number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def print_table(figures: list[Figure]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "value", "baseline", "ratio", "target", "held", "note", title="Vitrine benchmarks",
                  show_lines=True)
    for f in figures:
        held = "[green]yes[/]" if f.held else "[bold red]NO[/]"
        table.add_row(f.name, _number(f.value, f.unit), _number(f.baseline, f.unit),
                      _number(f.ratio) + ("x" if f.ratio is not None else ""), f.target, held, f.note)
    Console(width=200).print(table)


def _clean(value: Any) -> Any:
    """NaN is not JSON: a figure that was not measured has null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def summary(args: argparse.Namespace, argv: list[str], figures: list[Figure], durations: dict[str, float],
            host: dict[str, Any], started: datetime) -> dict[str, Any]:
    not_held = [{"name": f.name, "value": f.value, "unit": f.unit, "target": f.target, "why": f.note}
                for f in figures if not f.held]
    return _clean({
        "command": "python -m bench " + shlex.join(argv) if argv else "python -m bench",
        "quick": args.quick,
        "benchmarks": args.only,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": {name: round(s, 1) for name, s in durations.items()},
        "machine": host,
        "figures": [f.as_json() for f in figures],
        "all_held": not not_held,
        "not_held": not_held,
    })


async def main(argv: list[str]) -> int:
    args = parse(argv)
    started = datetime.now(UTC)
    host = await machine()
    figures: list[Figure] = []
    durations: dict[str, float] = {}
    for name in args.only:
        print(f"bench: {name}{' (quick)' if args.quick else ''}…", file=sys.stderr, flush=True)
        found, seconds = await run_one(name, args.quick)
        figures.extend(found)
        durations[name] = seconds
    print_table(figures)
    body = summary(args, argv, figures, durations, host, started)
    args.json.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    verdict = "every target held" if body["all_held"] else \
        f"{len(body['not_held'])} target(s) did not hold: {', '.join(f['name'] for f in body['not_held'])}"
    print(f"{verdict}; JSON summary: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
