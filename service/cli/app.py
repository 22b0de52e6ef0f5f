"""The Typer app and what every command group shares: output, options, the database context.

Command groups live in their own modules (`service/cli/<group>.py`), each exposing
`register(app)`; `service/cli/__init__.py` registers them explicitly. Nothing here imports a
command module, so there is no import circle and no registration by side effect.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from service.context import Context, open_context
from service.settings import get_settings

app = typer.Typer(help="Vitrine: one canonical record per establishment, published to every directory.",
                  no_args_is_help=True, add_completion=False)

console = Console()
err = Console(stderr=True)
T = TypeVar("T")

OrgOption = Annotated[str | None, typer.Option("--org", envvar="VITRINE_ORG",
                                               help="Organisation name (default: the only one there is).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        sys.stdout.write(f"vitrine {version('vitrine')}\n")
        raise typer.Exit()


@app.callback()
def _setup(verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                                help="More log lines (-v: info, -vv: debug).")] = 0,
           _: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                           help="Print the version and exit.")] = False) -> None:
    """Commands print their own output; logs stay at warnings unless -v is given."""
    from service.logs import configure

    configure(("WARNING", "INFO", "DEBUG")[min(verbose, 2)])


def shell_quote(value: str) -> str:
    """A name as the user typed it, quoted for a shell only when it needs it (accents kept)."""
    return shlex.quote(value)


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@asynccontextmanager
async def context() -> AsyncIterator[Context]:
    async with open_context(get_settings()) as ctx:
        yield ctx


async def with_org(org: str | None, body: Callable[[Context, int], Awaitable[T]], *, create: bool = False) -> T:
    """Run `body` with the organisation's id. Only commands that write may create the first
    organisation (`create=True`); a read-only command on a fresh install says there is none."""
    async with context() as ctx:
        org_id = await ctx.resolve_org(org, create=create)
        return await body(ctx, org_id)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def guard(coro: Awaitable[T]) -> T:
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
