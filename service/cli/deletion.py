"""`vitrine establishments delete CODE --on-platforms leave|close|remove` (on the `establishments`
group; registered after it in `service/cli/__init__.py`)."""

from __future__ import annotations

from typing import Annotated

import typer

from schemas.sync import OnPlatforms
from service.cli.app import OrgOption, console, guard, with_org
from service.cli.establishments import est_app
from service.context import Context


def register(app: typer.Typer) -> None:
    """Nothing to add to the app: the command joins the `establishments` group below."""


@est_app.command("delete")
def establishments_delete(
    code: str, org: OrgOption = None,
    on_platforms: Annotated[OnPlatforms, typer.Option(
        "--on-platforms", case_sensitive=False,
        help="close: mark the listing permanently closed everywhere; remove: remove it where the platform "
             "allows, a person is asked elsewhere; leave (default, the safest: a wrong delete wipes nothing): "
             "stop managing it, listings stay as they are.")] = OnPlatforms.leave,
) -> None:
    """Delete an establishment; the platforms carry out --on-platforms (see `vitrine status`)."""
    from service.establishments.service import Source, delete

    async def go(ctx: Context, org_id: int) -> None:
        async with ctx.session() as session:
            await delete(session, org_id, code, Source("cli"), None, on_platforms)

    guard(with_org(org, go))
    console.print(f"{code} deleted; on the platforms: {on_platforms.value}. `vitrine status` shows it until "
                  "every platform is settled.")
