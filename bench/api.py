"""API benchmark: read endpoints over real HTTP against a PostgreSQL of 10,000 sites x 20
platforms (200,000 sync targets).

The server is what `vitrine serve` runs (uvicorn, `service.api:create_app`, one process,
default logging) in a child process, on a database created for the run and dropped after,
with Redis configured as in production (the API process runs no sync jobs). The client is a
small HTTP/1.1 keep-alive client on asyncio streams in this process, over loopback.

- `GET /api/v1/sync/summary` and a filtered `GET /api/v1/sync?platform=google&status=live`
  first page: sequential requests, p50/p95. Baseline: the same SQL run directly with asyncpg
  (no HTTP, no framework, no ORM), p50/p95 per query, each query right after one request.
- `GET /api/v1/establishments/{code}`: open loop at 200 requests a second (requests are
  started at fixed times whatever the responses; latency runs from the scheduled time, so a
  stall counts fully), random codes, p99. Baseline: `GET /healthz` of the same server at
  the same rate.

Seeding is not measured: establishments are copies (new store codes) of the valid records of
a generated workbook, cleaned by the import; sync targets get a fixed mix of statuses.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench import workbook
from bench.report import Figure

T = TypeVar("T")

PG_ADMIN = os.environ.get("VITRINE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VITRINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SITES = 10_000
PLATFORMS = 20
SUMMARY_P95_MS = 100.0
ESTABLISHMENT_P99_MS = 50.0
RATE = 200.0
LIST_QUERY = "platform=google&status=live"
# status mix of the seeded targets, by percentile
STATUS_MIX = [(62, "live"), (70, "submitted"), (78, "awaiting_review"), (85, "pending"), (89, "in_progress"),
              (93, "action_required"), (96, "drifted"), (100, "failed")]

SUMMARY_SQL = ("SELECT sync_target.platform, sync_target.status, count(*) AS count_1 FROM sync_target "
               "WHERE sync_target.organisation_id = $1 GROUP BY sync_target.platform, sync_target.status")
LIST_SQL = ("SELECT sync_target.*, establishment.store_code FROM sync_target "
            "JOIN establishment ON establishment.id = sync_target.establishment_id "
            "WHERE sync_target.organisation_id = $1 AND establishment.deleted_at IS NULL "
            "AND sync_target.platform = $2 AND sync_target.status = $3 "
            "ORDER BY establishment.store_code, sync_target.platform LIMIT $4")


@dataclass
class Plan:
    sequential: int
    seconds: float


def plan(quick: bool) -> Plan:
    return Plan(sequential=60, seconds=10.0) if quick else Plan(sequential=300, seconds=30.0)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def say(text: str) -> None:
    print(f"  api: {text}", file=sys.stderr, flush=True)


# --- the database ------------------------------------------------------------------------


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class BenchDatabase:
    """A PostgreSQL database of its own, migrated by the project's Alembic migrations."""

    def __init__(self) -> None:
        self.name = f"vitrine_bench_api_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        base, _, _ = PG_ADMIN.rpartition("/")
        self.url = f"{base}/{self.name}"

    async def create(self) -> None:
        import asyncpg

        from service import migrate
        from service.db import make_engine

        admin = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN))
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await admin.close()
        engine = make_engine(self.url)
        await migrate.upgrade(engine)
        await engine.dispose()

    async def drop(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()


def _records(count: int) -> list[dict[str, Any]]:
    """Valid canonical records (content dicts) from a generated workbook, through the import's
    own reading and cleaning."""
    from service.imports.service import read_rows

    parsed = read_rows(workbook.path_for(count).read_bytes(), None, max_bytes=1 << 30)
    return [row.record.content() for row in parsed.rows if row.record is not None]


async def seed(url: str, sites: int, platforms: int) -> dict[str, Any]:
    """Organisation, API key, `platforms` connections, `sites` establishments with one revision
    each, labels, and sites x platforms sync targets. Returns the key and the store codes."""
    from sqlalchemy import insert, text

    from connectors.registry import CONNECTORS
    from service.auth.service import create_api_key, create_organisation
    from service.db import make_engine, make_sessionmaker, unit_of_work
    from service.models import EstablishmentRow, PlatformConnection, utcnow

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    names = list(CONNECTORS)[:platforms]
    async with unit_of_work(factory) as session:
        org = await create_organisation(session, "Bench Santé")
        _, key = await create_api_key(session, org.name)
        org_id = org.id
        for platform in names:
            session.add(PlatformConnection(organisation_id=org_id, platform=platform))  # type: ignore[arg-type]
    templates = await asyncio.to_thread(_records, 480)
    now = utcnow()
    codes = [f"SITE-{i:05d}" for i in range(sites)]
    rows = []
    for i, code in enumerate(codes):
        data = templates[i % len(templates)]
        rows.append({"organisation_id": org_id, "store_code": code, "name": data["name"], "status": data["status"],
                     "locality": data["address"]["locality"], "postal_code": data["address"].get("postal_code"),
                     "data": data, "revision": 1, "created_at": now, "updated_at": now})
    mix = " ".join(f"WHEN h < {upper} THEN '{status}'" for upper, status in STATUS_MIX)
    async with engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            await conn.execute(insert(EstablishmentRow), rows[start : start + 1000])
        await conn.execute(text(
            "INSERT INTO revision (establishment_id, number, action, changes, snapshot, source, created_at) "
            "SELECT id, 1, 'create', '[]'::jsonb, data, 'import', now() FROM establishment"))
        await conn.execute(text(
            "INSERT INTO establishment_label (establishment_id, label) "
            "SELECT DISTINCT id, jsonb_array_elements_text(data->'labels') FROM establishment"))
        await conn.execute(text(
            f"""INSERT INTO sync_target (organisation_id, establishment_id, platform, status, wanted_revision,
                   pushed_revision, attempts, detail, updated_at, last_attempt_at)
                SELECT :org, e.id, p.platform, s.status, 1, CASE WHEN s.status IN ('pending', 'in_progress',
                       'failed') THEN 0 ELSE 1 END, CASE WHEN s.status = 'in_progress' THEN 2 ELSE 1 END,
                       '{{}}'::jsonb, now(), now()
                FROM establishment e
                CROSS JOIN unnest(CAST(:platforms AS varchar[])) WITH ORDINALITY AS p(platform, n)
                CROSS JOIN LATERAL (SELECT CASE {mix} END AS status
                                    FROM (SELECT (e.id * 7919 + p.n * 104729) % 100 AS h) AS x) AS s"""),
            {"org": org_id, "platforms": names})
    await engine.dispose()
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute("VACUUM ANALYZE")  # the steady state autovacuum keeps: index-only scans work
    finally:
        await conn.close()
    return {"key": key, "codes": codes, "org_id": org_id, "platforms": names}


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`vitrine serve` in a child process: uvicorn with the app factory, default log level."""

    def __init__(self, database_url: str, workers: int = 1):
        self.extra_args = ["--workers", str(workers)] if workers > 1 else []
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="vitrine-bench-api-"))
        self.env = {**os.environ, "VITRINE_DATABASE_URL": database_url, "VITRINE_REDIS_URL": REDIS_URL,
                    "VITRINE_HOME": str(self.home), "VITRINE_SECRET_KEY": "bench-secret-key-bench-secret-key-0",
                    "VITRINE_AUTO_MIGRATE": "false"}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.home / "server.log"

    async def __aenter__(self) -> Server:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "service.api:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "info", *self.extra_args],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API server exited: {self.log.read_text()[-1500:]}")
            try:
                client = HttpClient("127.0.0.1", self.port, {})
                status, _ = await client.get("/healthz")
                await client.close()
                if status == 200:
                    return self
            except OSError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError("the API server did not answer /healthz within 60 s")

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- the client --------------------------------------------------------------------------


class HttpClient:
    """HTTP/1.1 GETs over a pool of keep-alive connections. Light on purpose: the client must
    not be what is measured (uvicorn always sends Content-Length for these JSON responses)."""

    def __init__(self, host: str, port: int, headers: dict[str, str], max_connections: int = 256):
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.opened = 0

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path)

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None, with_headers: bool = False) -> Any:
        """(status, body), or (status, body, lower-cased headers) with `with_headers`."""
        head_extra = self.extra + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if body:
            head_extra += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        async with self.slots:
            for attempt in (1, 2):
                reused = bool(self.idle) and attempt == 1  # a retry takes a new connection: the next idle one may be stale too
                if reused:
                    reader, writer = self.idle.pop()
                else:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                    self.opened += 1
                try:
                    writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{head_extra}\r\n".encode() + body)
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    writer.close()
                    if reused and attempt == 1:  # the server closed an idle keep-alive connection: reconnect
                        continue
                    raise
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                headers = {k.strip().lower(): v.strip()
                           for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                else:
                    self.idle.append((reader, writer))
                return (status, body, headers) if with_headers else (status, body)
            raise AssertionError("unreachable")

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def sequential(client: HttpClient, path: str, count: int) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(count):
        start = time.perf_counter()
        status, body = await client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    return times, body


@dataclass
class OpenLoop:
    latencies_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)  # how late the client sent, vs the schedule
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    sent: int = 0


async def at_rate(rate: float, seconds: float, start: Callable[[float, int], Awaitable[None]]) -> int:
    """Open loop: call `start(at, i)` every 1/rate s at fixed times (`at`, the loop time it was due),
    whatever the answers, then wait for every request; returns how many were started. `start` is
    called on schedule (what it picks is picked in order); the request it returns runs as a task."""
    loop = asyncio.get_running_loop()
    first = loop.time() + 0.05
    tasks = []
    for i in range(int(rate * seconds)):
        at = first + i / rate
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(start(at, i)))
    await asyncio.gather(*tasks)
    return len(tasks)


async def open_loop(client: HttpClient, paths: list[str], rate: float, seconds: float) -> OpenLoop:
    """GET `paths` in turn, open loop (`at_rate`); latency from each scheduled time."""
    loop = asyncio.get_running_loop()
    result = OpenLoop()

    async def one(at: float, path: str) -> None:
        result.lag_ms.append((loop.time() - at) * 1000)
        try:
            status, _ = await client.get(path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.errors += 1
            kind = type(exc).__name__
            result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1
            return
        result.latencies_ms.append((loop.time() - at) * 1000)
        if status != 200:
            result.errors += 1
            result.error_kinds[f"HTTP {status}"] = result.error_kinds.get(f"HTTP {status}", 0) + 1

    result.sent = await at_rate(rate, seconds, lambda at, i: one(at, paths[i % len(paths)]))
    return result


async def against_sql(client: HttpClient, path: str, dsn: str, sql: str, args: tuple[Any, ...],
                      count: int) -> tuple[list[float], bytes, list[float], int]:
    """`count` GETs of `path`, each followed by one execution of `sql` on an asyncpg connection
    (prepared once, as asyncpg does): ms for each, measured in alternation so that both see the
    same moments of the machine."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(sql, *args)
        http_ms: list[float] = []
        sql_ms: list[float] = []
        body = b""
        for _ in range(count):
            times, body = await sequential(client, path, 1)
            http_ms += times
            start = time.perf_counter()
            rows = await conn.fetch(sql, *args)
            sql_ms.append((time.perf_counter() - start) * 1000)
        return http_ms, body, sql_ms, len(rows)
    finally:
        await conn.close()


# --- the benchmark -----------------------------------------------------------------------


def _figure(name: str, value: float, baseline: float, target_ms: float | None, note: str,
            extra: dict[str, Any]) -> Figure:
    held = target_ms is None or value <= target_ms
    if not held:
        note += f"; NOT HELD: {value:.1f} ms > {target_ms:.0f} ms"
    return Figure(name=name, value=round(value, 2), baseline=round(baseline, 2), unit="ms",
                  target=f"<= {target_ms:.0f} ms" if target_ms is not None else "none (reported)", held=held,
                  ratio=round(value / baseline, 2) if baseline else None, note=note, extra=extra)


async def on_seeded_server(label: str, sites: int, platforms: int,
                           measure: Callable[[BenchDatabase, Server, dict[str, Any]], Awaitable[T]],
                           workers: int = 1) -> T:
    """`measure(db, server, seeded)` against a real server (`workers` API processes) on a fresh
    database of `sites` sites connected to `platforms` platforms each; the database is dropped
    after, whatever happens."""
    db = BenchDatabase()
    say(f"{label}creating {db.name}, seeding {sites:,} sites x {platforms} platform(s)")
    await db.create()
    try:
        seeded = await seed(db.url, sites, platforms)
        async with Server(db.url, workers) as server:
            return await measure(db, server, seeded)
    finally:
        await db.drop()


async def run(quick: bool) -> list[Figure]:
    p = plan(quick)
    return await on_seeded_server("", SITES, PLATFORMS, lambda db, server, seeded: _measure(p, db, server, seeded))


async def _measure(p: Plan, db: BenchDatabase, server: Server, seeded: dict[str, Any]) -> list[Figure]:
    figures: list[Figure] = []
    auth = {"Authorization": f"Bearer {seeded['key']}"}
    client = HttpClient("127.0.0.1", server.port, auth)
    dsn = _asyncpg_dsn(db.url)
    targets = SITES * PLATFORMS

    say(f"summary and list: {p.sequential} sequential requests each")
    await sequential(client, "/api/v1/sync/summary", 20)  # warm-up: connections, caches, JIT-less paths
    summary_ms, body, summary_sql_ms, _ = await against_sql(client, "/api/v1/sync/summary", dsn, SUMMARY_SQL,
                                                            (seeded["org_id"],), p.sequential)
    counted = sum(json.loads(body)["totals"].values())
    note = f"{counted:,} sync targets counted ({SITES:,} sites x {PLATFORMS} platforms); baseline: the same " \
           "GROUP BY through asyncpg"
    if counted != targets:
        note += f"; WRONG RESULT: expected {targets:,}"
    extra = {"requests": p.sequential, "p50_ms": round(pct(summary_ms, 50), 2), "p95_ms": round(pct(summary_ms, 95), 2),
             "sql_p50_ms": round(pct(summary_sql_ms, 50), 2), "sql_p95_ms": round(pct(summary_sql_ms, 95), 2),
             "sql": SUMMARY_SQL}
    fig = _figure("api.summary.p95", pct(summary_ms, 95), pct(summary_sql_ms, 95), SUMMARY_P95_MS, note, extra)
    fig.held = fig.held and counted == targets
    figures.append(fig)
    figures.append(_figure("api.summary.p50", pct(summary_ms, 50), pct(summary_sql_ms, 50), None,
                           "same requests as api.summary.p95", {}))

    path = f"/api/v1/sync?{LIST_QUERY}&limit=100"
    await sequential(client, path, 20)
    list_ms, body, list_sql_ms, sql_rows = await against_sql(client, path, dsn, LIST_SQL,
                                                             (seeded["org_id"], "google", "live", 101), p.sequential)
    items = len(json.loads(body)["items"])
    note = f"first page ({items} of the google targets that are live), baseline: the same SELECT ... JOIN ... " \
           "ORDER BY ... LIMIT 101 through asyncpg"
    extra = {"requests": p.sequential, "p50_ms": round(pct(list_ms, 50), 2), "p95_ms": round(pct(list_ms, 95), 2),
             "sql_p50_ms": round(pct(list_sql_ms, 50), 2), "sql_p95_ms": round(pct(list_sql_ms, 95), 2),
             "sql_rows": sql_rows, "sql": LIST_SQL}
    figures.append(_figure("api.sync_list.p95", pct(list_ms, 95), pct(list_sql_ms, 95), None, note, extra))
    figures.append(_figure("api.sync_list.p50", pct(list_ms, 50), pct(list_sql_ms, 50), None,
                           "same requests as api.sync_list.p95", {}))

    rnd = random.Random(7)
    paths = [f"/api/v1/establishments/{rnd.choice(seeded['codes'])}" for _ in range(int(RATE * p.seconds))]
    say(f"establishment GET: open loop {RATE:.0f}/s for {p.seconds:.0f} s, then /healthz alike")
    await sequential(client, paths[0], 20)
    cpu = server.cpu_seconds()
    load_before = os.getloadavg()[0]
    est = await open_loop(client, paths, RATE, p.seconds)
    est_cpu_ms = (server.cpu_seconds() - cpu) / max(est.sent, 1) * 1000
    load_during = os.getloadavg()[0]
    cpu = server.cpu_seconds()
    health = await open_loop(client, ["/healthz"], RATE, p.seconds)
    health_cpu_ms = (server.cpu_seconds() - cpu) / max(health.sent, 1) * 1000
    await client.close()
    value, baseline = pct(est.latencies_ms, 99), pct(health.latencies_ms, 99)
    note = f"{est.sent:,} requests at {RATE:.0f}/s over {p.seconds:.0f} s, open loop (latency from the scheduled " \
           f"time), random store codes; baseline: GET /healthz at the same rate on the same server"
    if est.errors or health.errors:
        note += f"; ERRORS: {est.errors} establishment, {health.errors} healthz"
    extra = {"rate": RATE, "seconds": p.seconds, "sent": est.sent, "errors": est.errors,
             "error_kinds": est.error_kinds, "healthz_error_kinds": health.error_kinds,
             "p50_ms": round(pct(est.latencies_ms, 50), 2), "p95_ms": round(pct(est.latencies_ms, 95), 2),
             "p99_ms": round(value, 2), "max_ms": round(max(est.latencies_ms), 2),
             "healthz_p50_ms": round(pct(health.latencies_ms, 50), 2), "healthz_p99_ms": round(baseline, 2),
             "client_lag_p99_ms": round(pct(est.lag_ms, 99), 2), "connections_opened": client.opened,
             "server_cpu_ms_per_request": round(est_cpu_ms, 2), "healthz_server_cpu_ms": round(health_cpu_ms, 2),
             "load_average_1min": [round(load_before, 2), round(load_during, 2)]}
    busy = est_cpu_ms * RATE / 1000
    note += f"; the server process spent {est_cpu_ms:.1f} ms of CPU per request ({busy:.0%} of one core at " \
            f"{RATE:.0f}/s; healthz {health_cpu_ms:.1f} ms), load average {load_during:.1f} on {os.cpu_count()} cores"
    if value > ESTABLISHMENT_P99_MS and busy > 0.5:
        note += ": one uvicorn process running Python at this rate has little slack for the client, PostgreSQL " \
                "and anything else on the machine, and queues form whenever they take the core"
    fig = _figure("api.establishment.p99", value, baseline, ESTABLISHMENT_P99_MS, note, extra)
    fig.held = fig.held and not est.errors
    figures.append(fig)
    return figures
