"""Shared fixtures: real databases (SQLite file and the machine's PostgreSQL, migrated by
Alembic) and real Redis. With CI=true a missing service fails the run instead of skipping."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service import migrate
from service.api import create_app
from service.auth.service import create_api_key, create_organisation
from service.db import make_engine, make_sessionmaker, unit_of_work
from service.settings import Settings

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_BASE = os.environ.get("VITRINE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VITRINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = [b for b in os.environ.get("VITRINE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if CI:
        pytest.fail(f"{message}: CI needs it (see README, 'Running the tests')", pytrace=False)
    pytest.skip(f"{message}; start it to run these tests")


async def _migrate(url: str, schema: str | None = None) -> None:
    engine = make_engine(url, **_schema_args(schema))
    if schema:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    await migrate.upgrade(engine)
    await engine.dispose()


def _schema_args(schema: str | None) -> dict:
    return {"connect_args": {"server_settings": {"search_path": schema}}} if schema else {}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_schema() -> AsyncIterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"vitrine_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_migrate(PG_BASE, schema))
    yield schema

    async def _drop() -> None:
        engine = make_engine(PG_BASE)
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()

    asyncio.run(_drop())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "vitrine.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    request.getfixturevalue("pg_schema")
    return PG_BASE


@pytest.fixture
async def engine(backend: str, database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    schema = request.getfixturevalue("pg_schema") if backend == "postgresql" else None
    eng = make_engine(database_url, **_schema_args(schema))
    if schema:
        async with eng.begin() as conn:
            tables = (await conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
                {"s": schema})).scalars().all()
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    yield eng
    await eng.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine):
    return make_sessionmaker(engine)


SANDBOX_ALLOWLIST = ["http://127.0.0.1", "sftp://127.0.0.1"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url, redis_url=None,
                    secret_key="test-secret-key-test-secret-key-00",
                    platform_url_allowlist=SANDBOX_ALLOWLIST)  # the sandbox and SFTP inbox are local


async def make_org(session_factory, name: str) -> tuple[int, str]:
    async with unit_of_work(session_factory) as session:
        org = await create_organisation(session, name)
        _, key = await create_api_key(session, name)
        return org.id, key  # type: ignore[return-value]


@pytest.fixture
async def org(session_factory) -> tuple[int, str]:
    return await make_org(session_factory, "Horizon Santé")


@pytest.fixture
def org_id(org: tuple[int, str]) -> int:
    return org[0]


@pytest.fixture
def auth(org: tuple[int, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {org[1]}"}


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine):
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def anon_client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine") as c:
        yield c


@pytest.fixture
async def client(app, auth: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine",
                                 headers=auth) as c:
        yield c
