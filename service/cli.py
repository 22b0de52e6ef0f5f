"""The `vitrine` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from service.context import Context, open_context
from service.settings import get_settings

app = typer.Typer(help="Vitrine: one canonical record per establishment, published to every directory.",
                  no_args_is_help=True, add_completion=False)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
est_app = typer.Typer(help="Establishments.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(key_app, name="apikey")
app.add_typer(est_app, name="establishments")
app.add_typer(db_app, name="db")

console = Console()
err = Console(stderr=True)


@app.callback()
def _setup() -> None:
    from service.logs import configure

    configure(get_settings().log_level)
T = TypeVar("T")

OrgOption = Annotated[str | None, typer.Option("--org", envvar="VITRINE_ORG",
                                               help="Organisation name (default: the only one there is).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@asynccontextmanager
async def _context() -> AsyncIterator[Context]:
    async with open_context(get_settings()) as ctx:
        yield ctx


async def _with_org(org: str | None, body: Callable[[Context, int], Awaitable[T]]) -> T:
    async with _context() as ctx:
        org_id = await ctx.resolve_org(org)
        return await body(ctx, org_id)


# organisations and keys ---------------------------------------------------------------------------


@org_app.command("create")
def org_create(name: str) -> None:
    """Create an organisation (its sites, keys and connections are isolated from the others)."""
    from service.auth.service import create_organisation

    async def go() -> None:
        async with _context() as ctx, ctx.session() as session:
            await create_organisation(session, name)

    _guard(go())
    console.print(f"organisation [bold]{name}[/] created; next: vitrine apikey create --org {json.dumps(name)}")


@org_app.command("list")
def org_list(as_json: JsonOption = False) -> None:
    """List organisations."""
    async def go() -> list[dict[str, Any]]:
        async with _context() as ctx:
            return await ctx.organisations()

    orgs = _guard(go())
    if as_json:
        print_json(orgs)
        return
    table = Table("id", "name", "created")
    for o in orgs:
        table.add_row(str(o["id"]), o["name"], str(o["created_at"])[:19])
    console.print(table)


@key_app.command("create")
def apikey_create(org: Annotated[str, typer.Option("--org", help="Organisation name.")],
                  name: Annotated[str, typer.Option(help="A name to recognise the key by.")] = "default") -> None:
    """Create an API key and print it once: only its hash is stored."""
    from service.auth.service import create_api_key

    async def go() -> str:
        async with _context() as ctx, ctx.session() as session:
            _, key = await create_api_key(session, org, name)
            return key

    key = _guard(go())
    err.print("[dim]Store this key now: it is shown only once.[/]")
    sys.stdout.write(key + "\n")


# establishments ------------------------------------------------------------------------------------


@est_app.command("list")
def establishments_list(org: OrgOption = None, label: str | None = None, locality: str | None = None,
                        status: str | None = None, q: str | None = None,
                        limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 0,
                        as_json: JsonOption = False) -> None:
    """List establishments."""
    from service.establishments import repository as repo
    from service.establishments.service import to_public

    async def go(ctx: Context, org_id: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = None
        async with ctx.session() as session:
            while True:
                rows = await repo.list_page(session, org_id, label=label, locality=locality, status=status,
                                            q=q, after=after, limit=500)
                out += [to_public(r).model_dump(mode="json") for r in rows]
                if len(rows) < 500 or (limit and len(out) >= limit):
                    break
                after = rows[-1].store_code
        return out[:limit] if limit else out

    items = _guard(_with_org(org, go))
    if as_json:
        print_json(items)
        return
    table = Table("store code", "name", "status", "locality", "phone", "rev", title=f"{len(items)} establishments")
    for e in items:
        table.add_row(e["store_code"], e["name"], e["status"], e["address"]["locality"],
                      e["phones"]["primary"] or "", str(e["revision"]))
    console.print(table)


@est_app.command("show")
def establishments_show(code: str, org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Show one establishment."""
    from service.establishments.service import get_or_404, to_public

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        async with ctx.session() as session:
            return to_public(await get_or_404(session, org_id, code)).model_dump(mode="json")

    record = _guard(_with_org(org, go))
    if as_json:
        print_json(record)
        return
    console.print_json(data=record)


# database and server -------------------------------------------------------------------------------


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

    _guard(go())
    console.print("database schema up to date")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1) -> None:
    """Run the API server (OpenAPI docs at /docs)."""
    import uvicorn

    settings = get_settings()
    err.print(f"Vitrine API on http://{host}:{port}  (docs: http://{host}:{port}/docs; "
              f"database: {_safe_url(settings.resolved_database_url)})")
    uvicorn.run("service.api:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=settings.log_level.lower())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _guard(coro: Awaitable[T]) -> T:
    """Run a command's coroutine; turn expected failures into one clear line, not a traceback."""
    from service.api import DatabaseBehind
    from service.errors import ApiError

    try:
        return run(coro)
    except ApiError as exc:
        for detail in exc.errors[:50]:
            err.print(f"  {detail.field + ': ' if detail.field else ''}{detail.message}")
        if len(exc.errors) > 50:
            err.print(f"  … and {len(exc.errors) - 50} more")
        raise fail(exc.message) from None
    except DatabaseBehind as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": ")) from None


def main() -> None:  # pragma: no cover
    app()


# Commands that live with their domain register themselves here.
from service import cli_import as _cli_import  # noqa: E402,F401  (vitrine import, template)
from service import cli_demo as _cli_demo  # noqa: E402,F401  (vitrine demo)
from service import cli_sync as _cli_sync  # noqa: E402,F401  (worker, status, connect, platforms, sandbox)
from service import cli_campaign as _cli_campaign  # noqa: E402,F401  (campaign …)
from service import cli_delete as _cli_delete  # noqa: E402,F401  (establishments delete)

__all__ = ["app", "Path"]
