"""`vitrine worker`, `status`, `connect`, `platforms`, `sandbox`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from service.cli.app import JsonOption, OrgOption, guard, with_org, console, err, print_json
from connectors.registry import CONNECTORS
from service.context import Context

commands = typer.Typer()


def register(app: typer.Typer) -> None:
    app.add_typer(commands)

STATUS_STYLE = {"live": "green", "awaiting_review": "yellow", "submitted": "cyan", "pending": "white",
                "in_progress": "blue", "drifted": "magenta", "action_required": "bold red", "failed": "red",
                "not_connected": "dim"}


def _fail(message: str) -> int:
    err.print(f"[bold red]error:[/] {message}")
    return 1


@commands.command()
def status(org: OrgOption = None, platform: Annotated[str | None, typer.Option(help="Only this platform")] = None,
           status: Annotated[str | None, typer.Option("--status", help="Only this status")] = None,
           label: Annotated[str | None, typer.Option(help="Only sites with this label")] = None,
           summary: Annotated[bool, typer.Option("--summary", help="Counts per platform and status only")] = False,
           as_json: JsonOption = False) -> None:
    """Where each establishment stands on each platform."""
    if summary:
        print_summary(guard(with_org(org, lambda ctx, org_id: summary_counts(ctx, org_id, label))), as_json)
        return
    rows = guard(with_org(org, lambda ctx, org_id: status_rows(ctx, org_id, platform, status, label)))
    if as_json:
        keys = ("store_code", "platform", "status", "wanted_revision", "pushed_revision", "attempts",
                "last_error", "expected_by", "live_url")
        # a deleted site's choice and outcome, as the table's detail column shows them
        print_json([{**{k: r[k] for k in keys}, "deletion": r["detail"].get("deletion")} for r in rows])
        return
    print_status_rows(rows)


def print_status_rows(rows: list[dict[str, Any]]) -> None:
    table = Table("store code", "platform", "status", "rev", "attempts", "expected by", "detail",
                  title=f"{len(rows)} sync targets")
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "")
        detail = detail_text(r)
        table.add_row(escape(r["store_code"]), r["platform"], f"[{style}]{r['status']}[/]",
                      f"{r['pushed_revision']}/{r['wanted_revision']}", str(r["attempts"]),
                      str(r["expected_by"] or "")[:16], escape(detail[:80]))
    console.print(table)


async def summary_counts(ctx: Context, org_id: int, label: str | None) -> dict[str, Any]:
    from service.sync import repository as repo
    from service.sync.service import summarise

    async with ctx.session() as session:
        return summarise(await repo.summary(session, org_id, label)).model_dump(mode="json")


def print_summary(body: dict[str, Any], as_json: bool) -> None:
    """The same counts as `GET /api/v1/sync/summary`: one row per platform, one column per status."""
    if as_json:
        print_json(body)
        return
    statuses = [s for s in STATUS_STYLE if s in body["totals"]]
    table = Table("platform", *statuses, title=f"{sum(body['totals'].values())} sync targets")
    for platform in sorted(body["platforms"]):
        counts = body["platforms"][platform]
        table.add_row(platform, *(str(counts.get(s, 0)) for s in statuses))
    table.add_row("[bold]all[/]", *(f"[bold]{body['totals'][s]}[/]" for s in statuses))
    console.print(table)


def detail_text(row: dict[str, Any]) -> str:
    """The status table's detail column: a deletion's outcome, else the error, else what is not sent."""
    deletion = row["detail"].get("deletion")
    if deletion:  # a deleted site, shown until every platform is settled
        return f"deleted ({deletion['on_platforms']}): {row['last_error'] or deletion['done']}"
    return row["last_error"] or ", ".join(f"{k}: {v}" for k, v in (row["detail"].get("unsupported") or {}).items())


async def status_rows(ctx: Context, org_id: int, platform: str | None, status: str | None,
                      label: str | None, store_code: str | None = None) -> list[dict[str, Any]]:
    from service.sync import repository as repo
    from service.sync.service import public_row

    out: list[dict[str, Any]] = []
    after = None
    async with ctx.session() as session:
        while True:
            rows = await repo.page(session, org_id, platform=platform, status=status, label=label, after=after,
                                   store_code=store_code, limit=1000)
            out += [public_row(t, code).model_dump(mode="json") for t, code in rows]
            if len(rows) < 1000:
                return out
            after = (rows[-1][1], rows[-1][0].platform)


@commands.command()
def connect(platform: str, org: OrgOption = None,
            credential: Annotated[list[str], typer.Option("--credential", "-c", help="NAME=VALUE (secret)")] = [],  # noqa: B006
            option: Annotated[list[str], typer.Option("--option", "-o", help="NAME=VALUE")] = [],  # noqa: B006
            check: Annotated[bool, typer.Option("--check", help="Try the credentials on the platform first; "
                                                "save only if it accepts them")] = False) -> None:
    """Connect a platform (credentials are stored encrypted); every site is queued for it."""
    from service.platforms.check import check as probe
    from service.platforms.service import connect as do_connect

    def pairs(values: list[str]) -> dict[str, str]:
        bad = [v for v in values if "=" not in v]
        if bad:
            raise typer.Exit(_fail(f"expected NAME=VALUE, got {bad[0]!r}"))
        return dict(v.split("=", 1) for v in values)

    creds, opts = pairs(credential), pairs(option)

    async def go(ctx: Context, org_id: int) -> str | None:
        if check:
            if platform not in CONNECTORS:
                raise typer.Exit(_fail(f"unknown platform {platform!r}; see `vitrine platforms`"))
            missing = CONNECTORS[platform].info.missing_credentials(creds)
            if not missing:
                result = await probe(platform, creds, opts, ctx.settings)
                if not result.ok:
                    return result.message
                err.print(f"check: {escape(result.message)}")
        async with ctx.session() as session:
            await do_connect(session, org_id, platform, creds, opts, ctx.settings)
        return None

    refused = guard(with_org(org, go))
    if refused:
        raise typer.Exit(_fail(f"not saved: {escape(refused)}"))
    console.print(f"{platform} connected; its targets are pending until a worker (or `vitrine serve`) runs")


@commands.command()
def platforms(org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Every platform: channel, capabilities, quota, typical delay, connection state."""
    from connectors.registry import platforms as all_platforms
    from service.platforms.router import describe
    from service.platforms.repository import connections

    async def go(ctx: Context, org_id: int) -> list[dict[str, Any]]:
        async with ctx.session() as session:
            connected = await connections(session, org_id)
        return [describe(i, connected.get(i.key), ctx.settings).model_dump(mode="json") for i in all_platforms()]

    rows = guard(with_org(org, go))
    if as_json:
        print_json(rows)
        return
    table = Table("key", "name", "channel", "quota", "typical delay", "connection", "capabilities")
    for r in rows:
        quota = f"{r['quota']['requests']}/{r['quota']['per_seconds']:g}s" if r["quota"] else "-"
        table.add_row(r["key"], r["name"], r["channel"], quota, _duration(r["typical_delay_seconds"]),
                      r["connection"], ", ".join(r["capabilities"]))
    console.print(table)


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds} s"


@commands.command()
def sandbox(host: str = "127.0.0.1", port: int = 8900,
            config: Annotated[str | None, typer.Option(help="JSON object of SandboxConfig fields")] = None) -> None:
    """Run the directory sandbox alone (emulated Google, Facebook, Apple APIs) for tests and trials."""
    from connectors.sandbox import SandboxConfig, run_sandbox

    cfg = SandboxConfig.model_validate(json.loads(config)) if config else SandboxConfig()
    err.print(f"Directory sandbox on http://{host}:{port} (admin: /_sandbox/config, /_sandbox/stats)")
    run_sandbox(host, port, cfg)
