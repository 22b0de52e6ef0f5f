"""`vitrine establishments list|show`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from service.cli.app import JsonOption, OrgOption, console, guard, print_json, with_org
from service.context import Context

est_app = typer.Typer(help="Establishments.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(est_app, name="establishments")


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

    items = guard(with_org(org, go))
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

    from service.cli.sync import print_status_rows, status_rows

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        async with ctx.session() as session:
            record = to_public(await get_or_404(session, org_id, code)).model_dump(mode="json")
        return {**record, "sync": await status_rows(ctx, org_id, None, None, None, store_code=code)}

    record = guard(with_org(org, go))
    if as_json:
        print_json(record)
        return
    sync = record.pop("sync")
    console.print_json(data=record)
    print_status_rows(sync)
