"""What the fan-out and quota benchmarks share: the production stack, started for one run.

* a fresh PostgreSQL database (`vitrine_bench_<pid>_<n>`), migrated by the project's Alembic,
  dropped afterwards; a dedicated Redis database (14), flushed before and after;
* the directory sandbox in a process of its own (never a thread of the benchmark: the raw loop
  and the sandbox would share one GIL), optionally recording every platform request it receives,
  so the raw baseline replays exactly what the connectors sent;
* the Vitrine API in-process (what a client calls), `vitrine worker` subprocesses (production);
* the raw baseline: a bare asyncio + httpx loop replaying the recorded requests.

`python -m bench.pipeline sandbox PORT CONFIG_JSON [--record]` is the sandbox process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
VITRINE = str(Path(sys.executable).parent / "vitrine")
PG_BASE = os.environ.get("VITRINE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VITRINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WORKERS = 2
SECRET = "bench-secret-key"

# sandbox config fields that are review / processing delays (zero: instant review)
DELAYS = {"google": ["review_delay_seconds"], "apple": ["submitted_seconds", "processing_seconds"],
          "bing": ["review_seconds"], "yelp": ["processing_seconds", "review_seconds"],
          "here": ["open_seconds", "review_seconds"], "foursquare": ["review_seconds"],
          "tomtom": ["received_seconds", "review_seconds", "release_seconds"]}


def api_platforms() -> list[str]:
    """Platforms with an API push of their own (not derived, manual or feed)."""
    from connectors.base import Channel
    from connectors.registry import CONNECTORS

    return [key for key, cls in CONNECTORS.items() if cls.info.channel == Channel.api]


def sandbox_config(quotas: bool = False, instant: bool = True, **overrides: dict[str, Any]) -> dict[str, Any]:
    """A SandboxConfig as JSON: every quota off (or as configured), reviews instant."""
    from connectors.sandbox import QuotaConfig, SandboxConfig

    base = SandboxConfig()
    out: dict[str, Any] = {}
    for name in type(base).model_fields:
        section = getattr(base, name)
        if not hasattr(section, "model_fields"):
            continue
        patch: dict[str, Any] = {}
        for key in type(section).model_fields:
            if isinstance(getattr(section, key), QuotaConfig) and not quotas:
                patch[key] = {**getattr(section, key).model_dump(), "enabled": False}
        if instant:
            patch.update({key: 0.0 for key in DELAYS.get(name, [])})
        if name == "facebook":
            patch["regain_access_unit_seconds"] = 1.0
        patch.update(overrides.get(name, {}))
        if patch:
            out[name] = patch
    return SandboxConfig.model_validate(out).model_dump(mode="json")


def site(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid, distinct site: own name, phone and point (OSM matches nodes by name within 50 m)."""
    record: dict[str, Any] = {
        "store_code": f"BENCH-{i:05d}",
        "name": f"Clinique Bench {i:05d}",
        "address": {"lines": [f"{1 + i % 150} avenue de la République"], "postal_code": f"{31000 + i % 900:05d}",
                    "locality": "Toulouse", "country": "FR"},
        "geo": {"lat": round(43.30 + (i // 60) * 0.02, 5), "lng": round(0.80 + (i % 60) * 0.02, 5)},
        "phones": {"primary": f"+3314{i:07d}", "additional": []},
        "website": f"https://www.clinique-bench-{i}.fr/",
        "email": f"contact@clinique-bench-{i}.fr",
        "categories": {"primary": "private_clinic", "additional": ["emergency_room"]},
        "hours": {"regular": {day: [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}]
                              for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}},
    }
    record.update(overrides)
    return record


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- the sandbox process


class Recorder:
    """ASGI wrapper: keeps [method, path, query, headers, body, response body] of every platform
    request, in arrival order (response bodies over 8 KB are not kept: they introduce no id);
    `POST /_bench/save?path=` pickles them, `POST /_bench/clear` forgets them."""

    def __init__(self, app: Any):
        self.app = app
        self.log: list[list[Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/_bench"):
            await self._admin(scope, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        entry: list[Any] = [scope["method"], scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
                            scope["query_string"].decode("latin-1"), headers, b"", None]
        self.log.append(entry)
        chunks: list[bytes] = []
        answer: list[bytes] = []

        async def recording_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            entry[4] = b"".join(chunks)
            size = sum(len(a) for a in answer)
            entry[5] = b"".join(answer) if size <= 8192 else None

    async def _admin(self, scope: dict[str, Any], send: Any) -> None:
        from urllib.parse import parse_qs

        body: dict[str, Any] = {"count": len(self.log)}
        if scope["path"] == "/_bench/save":
            path = parse_qs(scope["query_string"].decode())["path"][0]
            with open(path, "wb") as fh:
                pickle.dump(self.log, fh)
        elif scope["path"] == "/_bench/clear":
            self.log = []
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": data})


def serve_sandbox(port: int, config_json: str, record: bool) -> None:
    import uvicorn

    from connectors.sandbox import SandboxConfig, create_app

    app: Any = create_app(SandboxConfig.model_validate_json(config_json))
    if record:
        app = Recorder(app)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


class SandboxProcess:
    """The sandbox in its own process; `url`, `stats()`, `patch_config()`, `recorded()`."""

    def __init__(self, config: dict[str, Any], record: bool = False, logdir: Path | None = None):
        self.config, self.record = config, record
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logdir = logdir or Path(tempfile.mkdtemp(prefix="vitrine-bench-"))
        self.proc: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> SandboxProcess:
        args = [sys.executable, "-m", "bench.pipeline", "sandbox", str(self.port), json.dumps(self.config)]
        log = open(self.logdir / f"sandbox-{self.port}.log", "ab")
        self.proc = subprocess.Popen(args + (["--record"] if self.record else []), cwd=ROOT, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}/_sandbox")).status_code == 200:
                        return self
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the sandbox did not start: see {self.logdir}")
                await asyncio.sleep(0.1)

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop(self.proc)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as client:
            response = await client.request(method, path, **kwargs)
            response.raise_for_status()
            return response.json()

    async def stats(self) -> dict[str, Any]:
        return await self.admin("GET", "/_sandbox/stats")

    async def patch_config(self, patch: dict[str, Any]) -> Any:
        return await self.admin("PATCH", "/_sandbox/config", json=patch)

    async def recorded(self) -> list[list[Any]]:
        path = self.logdir / f"requests-{self.port}.pickle"
        await self.admin("POST", "/_bench/save", params={"path": str(path)})
        with open(path, "rb") as fh:
            log = pickle.load(fh)
        path.unlink()
        return log


def stop(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- the raw baseline


HOP = {"host", "content-length", "transfer-encoding", "connection"}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{2,}")


def _ids(text: str) -> list[str]:
    """Id-like words (three characters or more, at least one digit), in order."""
    return [t for t in _ID.findall(text) if any(c.isdigit() for c in t)]


@dataclass
class Replay:
    seconds: float
    requests: int
    statuses: Counter[int] = field(default_factory=Counter)
    remapped: int = 0
    retried: int = 0


@dataclass
class _Step:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: str
    after: list[int]  # requests to wait for: whose answer it quotes, the previous one about the same object
    quotes: list[str]  # the server-made ids it quotes
    answer_ids: list[str | None] | None  # a producer's recorded answer, word by word


def plan(url: str, log: list[list[Any]]) -> list[_Step]:
    """Prepare the replay. A request quoting an id a platform made up (a location id, a token,
    an OSM changeset) waits for the request whose answer introduced it and quotes the id the
    fresh sandbox made up instead (ids follow arrival order, which concurrency changes). Requests
    about one object (an id in their path or body quoted by a few requests: open a changeset,
    write in it, close it) keep their recorded order, as the connector sent them one after the other."""
    texts, own = [], []
    for method, path, query, headers, body, _answer in log:
        own.append(f"{path}?{query}\n{body.decode('latin-1')}")
        texts.append(own[-1] + "\n" + "\n".join(v for k, v in headers if k.lower() not in HOP))
    first_request: dict[str, int] = {}
    for i, text in enumerate(texts):
        for token in _ids(text):
            first_request.setdefault(token, i)
    made: dict[str, int] = {}  # id -> the request whose answer made it
    for i, entry in enumerate(log):
        if entry[5]:
            for token in _ids(entry[5].decode("latin-1")):
                if token not in made and first_request.get(token, i + 1) > i:
                    made[token] = i
    quoting: dict[str, list[int]] = {}  # made id -> the requests naming it in their path or body
    for j, text in enumerate(own):
        for token in set(_ids(text)):
            if made.get(token, j) < j:
                quoting.setdefault(token, []).append(j)
    previous = {j: chain[k - 1] for chain in quoting.values() if len(chain) <= 8
                for k, j in enumerate(chain) if k}
    steps, awaited = [], set()
    for j, (method, path, query, headers, body, _answer) in enumerate(log):
        quotes = sorted({t for t in _ids(texts[j]) if made.get(t, j) < j})
        after = sorted({made[t] for t in quotes} | ({previous[j]} if j in previous else set()))
        awaited.update(after)
        steps.append(_Step(method, f"{url}{path}{'?' + query if query else ''}",
                           [(k, v) for k, v in headers if k.lower() not in HOP], body.decode("latin-1"), after,
                           quotes, None))
    for i in awaited:  # the words of its answer, None where the word is not an id it made
        steps[i].answer_ids = [t if made.get(t) == i else None for t in _ids((log[i][5] or b"").decode("latin-1"))]
    return steps


async def replay(url: str, log: list[list[Any]], concurrency: int) -> Replay:
    """Send the recorded requests, in their order, `concurrency` at a time, with one bare
    httpx client: no database, no queue, no rendering, no rate limiting."""
    steps = plan(url, log)
    statuses: Counter[int] = Counter()
    answered = {i: asyncio.Event() for i, step in enumerate(steps) if step.answer_ids is not None}
    now_called: dict[str, str] = {}
    it = iter(enumerate(steps))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    remapped = retried = 0
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0)) as client:

        async def lane() -> None:
            nonlocal remapped, retried
            for i, step in it:
                for producer in step.after:
                    await answered[producer].wait()
                target, headers, body = step.url, step.headers, step.body
                for old in step.quotes:
                    new = now_called.get(old, old)
                    if new != old:
                        remapped += 1
                        target, body = _swap(target, old, new), _swap(body, old, new)
                        headers = [(k, _swap(v, old, new)) for k, v in headers]
                for attempt in range(3):  # a keep-alive connection the server just closed: send again
                    try:
                        response = await client.request(step.method, target, headers=headers,
                                                        content=body.encode("latin-1") or None)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                        retried += 1
                statuses[response.status_code] += 1
                if step.answer_ids is not None:
                    words = _ids(response.content.decode("latin-1"))
                    if len(words) == len(step.answer_ids):  # else not the same answer: nothing to learn
                        for old, new in zip(step.answer_ids, words):
                            if old is not None and old != new:
                                now_called[old] = new
                    answered[i].set()

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Replay(elapsed, len(steps), statuses, remapped, retried)


def _swap(text: str, old: str, new: str) -> str:
    if old not in text:
        return text
    return re.sub(rf"(?<![A-Za-z0-9_\-]){re.escape(old)}(?![A-Za-z0-9_\-])", new, text)


# ---------------------------------------------------------------- database, Redis, API, workers


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    from sqlalchemy import text

    from service import migrate
    from service.db import make_engine

    name = f"vitrine_bench_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    admin = make_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_BASE.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def flush_redis() -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


@dataclass
class Stack:
    """One run's Vitrine: database URL, API client (bearer key of one organisation), worker env."""

    database_url: str
    home: Path
    client: httpx.AsyncClient
    engine: Any
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    app: Any = None  # the in-process API, for a client of another organisation (`organisation`)

    def worker_env(self, **settings: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VITRINE_")}
        return {**env, "VITRINE_DATABASE_URL": self.database_url, "VITRINE_REDIS_URL": REDIS_URL,
                "VITRINE_HOME": str(self.home), "VITRINE_SECRET_KEY": SECRET, "VITRINE_AUTO_MIGRATE": "false",
                "VITRINE_PLATFORM_URL_ALLOWLIST": '["http://127.0.0.1"]',  # the sandbox
                **{f"VITRINE_{k.upper()}": v for k, v in settings.items()}}

    async def start_workers(self, n: int = WORKERS, **settings: str) -> None:
        """`vitrine worker` processes; returns once each one polls the queue."""
        from redis.asyncio import Redis

        from service.sync.tasks import QUEUE

        env = self.worker_env(**settings)
        first = len(self.workers)
        for i in range(n):
            log = open(self.home / f"worker-{first + i}.log", "ab")
            cmd = [VITRINE, "worker"]
            if os.environ.get("VITRINE_BENCH_PRELUDE"):  # experiment: code run in the worker before it starts
                cmd = [sys.executable, "-c", os.environ["VITRINE_BENCH_PRELUDE"] + "\nimport sys\n"
                       "sys.argv = ['vitrine', 'worker']\nfrom service.cli import main\nmain()"]
            self.workers.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log))
        redis = Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 60
        try:
            while True:  # every worker logs "Starting worker", then each polls and writes the health key
                logs = [(self.home / f"worker-{first + i}.log").read_text(errors="replace") for i in range(n)]
                if all("Starting worker" in text for text in logs) and await redis.exists(QUEUE + ":health-check"):
                    break
                if any(w.poll() is not None for w in self.workers) or time.monotonic() > deadline:
                    raise RuntimeError(f"a worker did not start: see {self.home}")
                await asyncio.sleep(0.1)
        finally:
            await redis.aclose()
        await asyncio.sleep(1.0)  # the last one's on_startup (engine, client) and first poll

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            stop(worker)
        self.workers = []

    @property
    def pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    async def scalar(self, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    @contextlib.asynccontextmanager
    async def organisation(self, name: str) -> AsyncIterator[Stack]:
        """The same stack seen by a second organisation: its own API key and client."""
        from service.auth.service import create_api_key, create_organisation
        from service.db import unit_of_work

        async with unit_of_work(self.app.state.sessionmaker) as session:
            await create_organisation(session, name)
            _, key = await create_api_key(session, name)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://vitrine",
                                     timeout=300, headers={"Authorization": f"Bearer {key}"}) as client:
            yield Stack(self.database_url, self.home, client, self.engine, app=self.app)

    async def connect(self, sandbox_url: str, platforms: Iterable[str]) -> None:
        from service.cli.demo import sandbox_connections

        connections = sandbox_connections(sandbox_url, regain_unit=1.0)
        for platform in platforms:
            creds, opts = connections[platform]
            response = await self.client.put(f"/api/v1/platforms/{platform}/connection",
                                             json={"credentials": creds, "options": opts})
            response.raise_for_status()

    async def bulk(self, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 1000):
            response = await self.client.post("/api/v1/establishments/bulk", json={"items": items[start:start + 1000]})
            response.raise_for_status()
            failed = [r for r in response.json()["results"] if r["result"] == "rejected"]
            if failed:
                raise RuntimeError(f"bulk write refused items: {failed[:3]}")


@contextlib.asynccontextmanager
async def stack(**api_settings: Any) -> AsyncIterator[Stack]:
    """Fresh database + Redis db + the API in-process (Redis dispatcher) + an organisation.
    `api_settings`: more Settings for the API (the rate limits a campaign's ETA is computed with)."""
    from service.api import create_app
    from service.auth.service import create_api_key, create_organisation
    from service.db import make_engine, unit_of_work
    from service.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="vitrine-bench-"))
    await flush_redis()
    async with fresh_database() as url:
        settings = Settings(database_url=url, redis_url=REDIS_URL, home=home, secret_key=SECRET, auto_migrate=False,
                            platform_url_allowlist=["http://127.0.0.1"], **api_settings)
        app = create_app(settings)
        engine = make_engine(url)
        run: Stack | None = None
        try:
            async with app.router.lifespan_context(app):
                async with unit_of_work(app.state.sessionmaker) as session:
                    await create_organisation(session, "Bench Santé")
                    _, key = await create_api_key(session, "Bench Santé")
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://vitrine", timeout=300,
                                             headers={"Authorization": f"Bearer {key}"}) as client:
                    run = Stack(url, home, client, engine, app=app)
                    yield run
        finally:
            if run is not None:
                run.stop_workers()
            await engine.dispose()
            await flush_redis()


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float, interval: float = 0.2) -> float:
    """Poll `check` until true; the perf_counter instant it was first seen true."""
    deadline = time.perf_counter() + timeout
    while True:
        if await check():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not settled within {timeout:.0f} s")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def profiled(pids: list[int], out: Path | None) -> AsyncIterator[None]:
    """`py-spy record` on each pid while the block runs (VITRINE_BENCH_PYSPY=dir): collapsed
    stacks, one file per process (flamegraph.pl or speedscope read them)."""
    if out is None:
        yield
        return
    spy = str(Path(sys.executable).parent / "py-spy")
    out.mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen([spy, "record", "-p", str(pid), "-o", str(out / f"{pid}.txt"), "-r", "100", "-f", "raw", "--gil", "--nonblocking"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in pids]
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)


def cpu_seconds(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each group of pids, plus every PostgreSQL and
    Redis server process of the machine (children included: PostgreSQL forks a backend per
    connection). Linux /proc only; empty elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    def system(pid: int) -> float:
        try:
            return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[12]) / tick
        except OSError:
            return 0.0

    out = {name: sum(used(pid) for pid in pids) for name, pids in groups.items()}
    out |= {f"{name}.system": sum(system(pid) for pid in pids) for name, pids in groups.items()}
    for name, exe in (("postgres", "postgres"), ("redis", "redis-server")):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if (entry / "comm").read_text().strip().startswith(exe[:15]):
                        pids.append(int(entry.name))
        out[name] = sum(used(pid) for pid in pids)
    return out


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: round(after.get(k, 0.0) - v, 1) for k, v in before.items()}


def pyspy_dir(name: str) -> Path | None:
    root = os.environ.get("VITRINE_BENCH_PYSPY")
    return Path(root) / name if root else None


if __name__ == "__main__":
    if sys.argv[1:2] == ["sandbox"]:
        serve_sandbox(int(sys.argv[2]), sys.argv[3], "--record" in sys.argv[4:])
    else:
        raise SystemExit("usage: python -m bench.pipeline sandbox PORT CONFIG_JSON [--record]")
