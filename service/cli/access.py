"""`vitrine user create|list|disable|reset-password` and `vitrine apikey list|revoke`
(`vitrine apikey create` lives in orgs.py and takes `--user`, `--expires`, `--read-only`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from service.cli.app import JsonOption, OrgOption, console, guard, print_json, with_org
from service.cli.orgs import key_app

user_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)
Password = Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                       envvar="VITRINE_USER_PASSWORD",
                                       help="Asked for when not given (or VITRINE_USER_PASSWORD).")]


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


def _csv(values: list[str] | None) -> list[str] | None:
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()] or None


@user_app.command("create")
def user_create(email: str, role: Annotated[str, typer.Option(help="admin, editor or viewer")] = "viewer",
                password: Password = "", org: OrgOption = None,
                label: Annotated[list[str] | None, typer.Option(help="Limit to sites with this label (repeatable)")] = None,
                site: Annotated[list[str] | None, typer.Option(help="Limit to this store code (repeatable)")] = None) -> None:
    """Create a user who signs in to the dashboard (`vitrine serve`)."""
    from service.models import Organisation
    from service.users import service as users

    async def go(ctx: Any, org_id: int) -> None:
        async with ctx.session() as session:
            organisation = await session.get(Organisation, org_id)
            await users.create_user(session, organisation, email, password, role, labels=_csv(label),
                                    store_codes=_csv(site))

    guard(with_org(org, go, create=True))
    console.print(f"user [bold]{escape(email)}[/] created ({role})")


@user_app.command("list")
def user_list(org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Users, their role, limits and state."""
    from service.users import service as users

    async def go(ctx: Any, org_id: int) -> list[dict[str, Any]]:
        async with ctx.session() as session:
            return [{"email": u.email, "role": u.role, "labels": u.labels, "store_codes": u.store_codes,
                     "disabled": u.disabled_at is not None, "last_login_at": u.last_login_at,
                     "locked_until": u.locked_until} for u in await users.list_users(session, org_id)]

    rows = guard(with_org(org, go))
    if as_json:
        print_json(rows)
        return
    table = Table("e-mail", "role", "limited to", "state", "last login")
    for r in rows:
        limits = ", ".join((r["labels"] or []) + (r["store_codes"] or [])) or "all sites"
        table.add_row(r["email"], r["role"], limits, "disabled" if r["disabled"] else "active",
                      str(r["last_login_at"] or "")[:16])
    console.print(table)


@user_app.command("disable")
def user_disable(email: str, org: OrgOption = None) -> None:
    """Sign the user out everywhere and refuse their API keys from now on."""
    from service.users import service as users

    async def go(ctx: Any, org_id: int) -> None:
        async with ctx.session() as session:
            await users.disable_user(session, await users.get_user(session, email, org_id))

    guard(with_org(org, go))
    console.print(f"user [bold]{escape(email)}[/] disabled")


@user_app.command("reset-password")
def user_reset_password(email: str, password: Password = "", org: OrgOption = None) -> None:
    """Set a new password (and end the user's sessions, lift a login lock)."""
    from service.users import service as users

    async def go(ctx: Any, org_id: int) -> None:
        async with ctx.session() as session:
            await users.reset_password(session, await users.get_user(session, email, org_id), password)

    guard(with_org(org, go))
    console.print(f"password of [bold]{escape(email)}[/] reset")


@key_app.command("list")
def apikey_list(org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Every key of the organisation: never the key itself, only its prefix."""
    from service.auth import presenters
    from service.auth import repository as repo

    async def go(ctx: Any, org_id: int) -> list[dict[str, Any]]:
        async with ctx.session() as session:
            return [presenters.key_public(k, owner).model_dump(mode="json") for k, owner in await repo.keys(session, org_id)]

    rows = guard(with_org(org, go))
    if as_json:
        print_json(rows)
        return
    table = Table("prefix", "name", "owner", "state", "read-only", "expires", "last used")
    for r in rows:
        table.add_row(r["prefix"], r["name"], r["owner"] or "(organisation)", r["state"], "yes" if r["read_only"] else "",
                      (r["expires_at"] or "")[:16], (r["last_used_at"] or "")[:16])
    console.print(table)


@key_app.command("revoke")
def apikey_revoke(prefix: str, org: OrgOption = None) -> None:
    """Revoke a key: it is refused from its next request on."""
    from service.auth.service import revoke_api_key

    async def go(ctx: Any, org_id: int) -> None:
        async with ctx.session() as session:
            await revoke_api_key(session, None, org_id, prefix)

    guard(with_org(org, go))
    console.print(f"key [bold]{escape(prefix)}[/] revoked")


def parse_expiry(value: str | None) -> datetime | None:
    """`--expires 2027-06-30` (end of that day is not implied: midnight UTC) or a full ISO time."""
    if not value:
        return None
    from datetime import UTC

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or an ISO date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
