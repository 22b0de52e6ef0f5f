"""`vitrine serve`, `vitrine worker` and `vitrine db upgrade`: the long-running processes and the schema."""

from __future__ import annotations

from typing import Annotated

import typer

from service.cli.app import console, err, fail, guard, safe_url
from service.settings import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.command()(serve)
    app.command()(worker)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (the server does it itself unless VITRINE_AUTO_MIGRATE=false)."""
    from service import migrate
    from service.db import make_engine

    async def go() -> None:
        engine = make_engine(get_settings().resolved_database_url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    guard(go())
    console.print("database schema up to date")


def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1) -> None:
    """Run the API server (OpenAPI docs at /docs)."""
    import uvicorn

    from service.logs import configure

    settings = get_settings()
    configure(settings.log_level)
    err.print(f"Vitrine API on http://{host}:{port}  (docs: http://{host}:{port}/docs; "
              f"database: {safe_url(settings.resolved_database_url)})")
    # log_config=None: uvicorn's own lines (start-up, access) go through Vitrine's handler, so they
    # are JSON too with VITRINE_LOG_FORMAT=json
    uvicorn.run("service.api:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=settings.log_level.lower(), log_config=None)


def worker(metrics_port: Annotated[int | None, typer.Option(
        help="Serve /healthz, /readyz and /metrics on this port (e.g. 9100).")] = None) -> None:
    """Run an arq sync worker (needs VITRINE_REDIS_URL). Start as many as you need."""
    from service.logs import configure

    settings = get_settings()
    if not settings.redis_url:
        raise fail("the worker needs Redis: set VITRINE_REDIS_URL (without it, `vitrine serve` "
                   "runs the sync jobs in-process)")
    configure(settings.log_level)
    from service.worker import VitrineWorker, worker_options

    err.print(f"Vitrine worker: queue on {settings.redis_url.split('@')[-1]}, {settings.sync_concurrency} jobs at once")
    VitrineWorker(**worker_options(settings, metrics_port)).run()
