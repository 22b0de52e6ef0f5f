"""The FastAPI application."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from service import migrate, web
from service.db import make_engine, make_sessionmaker
from service.errors import ApiError, validation_details
from service.middleware import Hardening
from service.auth.router import keys_router, users_router
from service.auth.router import router as organisation_router
from service.deps import guard
from service.establishments.router import router as establishments_router
from service.imports.router import router as imports_router
from service.platforms.router import router as platforms_router
from service.campaigns.router import router as campaigns_router
from service.sync.router import router as sync_router
from service.sources.router import router as sources_router
from service.webhooks.router import router as webhooks_router
from service.notifications.router import router as notifications_router
from service.logs import RequestContext
from service.ops import router as ops_router
from service.runtime import sync_runtime
from service.settings import Settings, get_settings

log = logging.getLogger(__name__)


class DatabaseBehind(RuntimeError):
    pass


async def prepare_database(engine: Any, settings: Settings) -> None:
    """Migrate (embedded default) or refuse to start on an outdated schema, saying what to run."""
    if settings.auto_migrate:
        await migrate.upgrade(engine)
        return
    missing = await migrate.pending_heads(engine)
    if missing:
        raise DatabaseBehind("the database schema is behind this version of Vitrine: run `vitrine db upgrade` "
                             "(or set VITRINE_AUTO_MIGRATE=true)")


_frozen = False


def _freeze_startup_objects() -> None:
    """Once per process, move what start-up built (modules, schemas, metadata: ~200,000
    objects) out of the cyclic GC's reach: each full collection walked them all, a 200-400 ms
    pause that set the API's p99 (docs/performance.md)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def _error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(app: FastAPI, request: Request) -> str:
    """Every method some route takes at this path (Starlette's 405 names only the first route's)."""
    scope = {"type": "http", "path": request.scope["path"], "root_path": request.scope.get("root_path", "")}
    return ", ".join(m for m in METHODS if any(route.matches({**scope, "method": m})[0] == Match.FULL
                                               for route in app.router.routes))


def api_pool(settings: Settings) -> dict[str, Any]:
    """The API's connection pool: one kept connection per request slot (the middleware admits
    `api_max_concurrency` at once) plus room for the in-process jobs, so connections are reused
    instead of opened and closed under load; no ping before each checkout (one round trip per
    request): a connection found dead is dropped with the whole pool, and that request answers 503."""
    if settings.resolved_database_url.startswith("sqlite"):
        return {}
    return {"pool_size": settings.api_max_concurrency + 6, "max_overflow": 10, "pool_pre_ping": False}


async def _open_pool(engine: Any, settings: Settings) -> None:
    """Open the pool's connections before serving: each costs PostgreSQL a new backend process,
    and a cold server opening them under its first burst of traffic answered its first 15 s at
    200 requests/s with a p99 of 540 ms (41 ms once warm, `bench/mixed.py`)."""
    if settings.resolved_database_url.startswith("sqlite"):
        return
    held = []
    try:
        for _ in range(settings.api_max_concurrency):
            held.append(await engine.connect())
    except Exception:  # noqa: BLE001 - a warm-up: whatever did not open opens on demand
        log.warning("api.pool.warm_up_incomplete opened=%d", len(held), exc_info=True)
    finally:
        for conn in held:
            await conn.close()


def create_app(settings: Settings | None = None, *, engine: Any = None, run_jobs: bool = True) -> FastAPI:
    """`run_jobs`: in embedded mode (no Redis) the API process also runs the sync jobs."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app.state.engine = engine or make_engine(settings.resolved_database_url, **api_pool(settings))
        if own_engine:
            settings.home.mkdir(parents=True, exist_ok=True)
            await prepare_database(app.state.engine, settings)
            await _open_pool(app.state.engine, settings)
        app.state.sessionmaker = make_sessionmaker(app.state.engine)
        app.state.settings = settings
        async with sync_runtime(settings, app.state.sessionmaker, run_jobs=run_jobs):
            _freeze_startup_objects()
            yield
        if own_engine:
            await app.state.engine.dispose()

    app = FastAPI(
        title="Vitrine",
        version="0.1.0",
        summary="One canonical record per establishment, published to every directory.",
        lifespan=lifespan,
        docs_url=None,  # served by service/web with local files: no CDN
        redoc_url=None,
    )

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_details(list(exc.errors()))
        return _error_response(ApiError(422, "validation_error", f"{len(errors)} invalid field(s)",
                                        field=errors[0].field if errors else None, errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code,
                                                                                       "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(app, request)
        return _error_response(ApiError(exc.status_code, code, str(exc.detail), headers=headers or None))

    app.add_middleware(RequestContext)  # inside Hardening: binds the request id it chose to the log lines
    app.add_middleware(Hardening, settings=settings)
    app.include_router(ops_router)
    # who may call what: service/auth/access.py, tabled in docs/access.md
    api = APIRouter(prefix="/api/v1")
    api.include_router(organisation_router, dependencies=[Depends(guard("admin"))])
    api.include_router(keys_router, dependencies=[Depends(guard("read"))])
    api.include_router(users_router, dependencies=[Depends(guard("admin", read="admin"))])
    api.include_router(establishments_router, dependencies=[Depends(guard("edit", create="bulk"))])
    api.include_router(imports_router, dependencies=[Depends(guard("bulk", read="read_all"))])
    api.include_router(sync_router, dependencies=[Depends(guard("edit"))])
    api.include_router(platforms_router, dependencies=[Depends(guard("admin"))])
    api.include_router(campaigns_router, dependencies=[Depends(guard("bulk", read="read_all"))])
    api.include_router(sources_router, dependencies=[Depends(guard("admin", read="read_all"))])
    api.include_router(webhooks_router, dependencies=[Depends(guard("admin", read="read_all"))])
    api.include_router(notifications_router, dependencies=[Depends(guard("admin", read="read_all"))])
    app.include_router(api)
    web.install(app)
    return app
