"""`vitrine org …` and `vitrine apikey create`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from service.cli.app import JsonOption, console, context, err, guard, print_json, shell_quote

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
    app.add_typer(key_app, name="apikey")


@org_app.command("create")
def org_create(name: str) -> None:
    """Create an organisation (its sites, keys and connections are isolated from the others)."""
    from service.auth.service import create_organisation

    async def go() -> None:
        async with context() as ctx, ctx.session() as session:
            await create_organisation(session, name)

    guard(go())
    console.print(f"organisation [bold]{escape(name)}[/] created; next: vitrine apikey create --org {shell_quote(name)}",
                  soft_wrap=True)


@org_app.command("list")
def org_list(as_json: JsonOption = False) -> None:
    """List organisations."""
    async def go() -> list[dict[str, Any]]:
        async with context() as ctx:
            return await ctx.organisations()

    orgs = guard(go())
    if as_json:
        print_json(orgs)
        return
    table = Table("id", "name", "created")
    for o in orgs:
        table.add_row(str(o["id"]), o["name"], str(o["created_at"])[:19])
    console.print(table)


@key_app.command("create")
def apikey_create(org: Annotated[str, typer.Option("--org", help="Organisation name.")],
                  name: Annotated[str, typer.Option(help="A name to recognise the key by.")] = "default",
                  user: Annotated[str | None, typer.Option(help="Act as this user (their role and site limits).")] = None,
                  expires: Annotated[str | None, typer.Option(help="Refused from this date (YYYY-MM-DD).")] = None,
                  read_only: Annotated[bool, typer.Option("--read-only", help="Reads only.")] = False) -> None:
    """Create an API key and print it once: only its hash is stored."""
    from service.auth.service import create_api_key
    from service.cli.access import parse_expiry
    from service.users.service import get_user

    expires_at = parse_expiry(expires)

    async def go() -> str:
        async with context() as ctx, ctx.session() as session:
            owner = await get_user(session, user) if user else None
            _, key = await create_api_key(session, org, name, user=owner, expires_at=expires_at, read_only=read_only)
            return key

    key = guard(go())
    err.print("[dim]Store this key now: it is shown only once.[/]")
    sys.stdout.write(key + "\n")
