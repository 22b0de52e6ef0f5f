"""`vitrine worker`, `status`, `connect`, `platforms`, `sandbox`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from service.cli import JsonOption, OrgOption, _guard, _with_org, app, console, err, print_json
from service.context import Context
from service.settings import get_settings

STATUS_STYLE = {"live": "green", "awaiting_review": "yellow", "submitted": "cyan", "pending": "white",
                "in_progress": "blue", "drifted": "magenta", "action_required": "bold red", "failed": "red",
                "not_connected": "dim"}


@app.command()
def worker() -> None:
    """Run an arq sync worker (needs VITRINE_REDIS_URL). Start as many as you need."""
    settings = get_settings()
    if not settings.redis_url:
        raise typer.Exit(_fail("the worker needs Redis: set VITRINE_REDIS_URL (without it, `vitrine serve` "
                               "runs the sync jobs in-process)"))
    from service.worker import VitrineWorker, worker_options

    err.print(f"Vitrine worker: queue on {settings.redis_url.split('@')[-1]}, {settings.sync_concurrency} jobs at once")
    VitrineWorker(**worker_options(settings)).run()


def _fail(message: str) -> int:
    err.print(f"[bold red]error:[/] {message}")
    return 1


@app.command()
def status(org: OrgOption = None, platform: Annotated[str | None, typer.Option(help="Only this platform")] = None,
           status: Annotated[str | None, typer.Option("--status", help="Only this status")] = None,
           label: Annotated[str | None, typer.Option(help="Only sites with this label")] = None,
           as_json: JsonOption = False) -> None:
    """Where each establishment stands on each platform."""
    rows = _guard(_with_org(org, lambda ctx, org_id: status_rows(ctx, org_id, platform, status, label)))
    if as_json:
        keys = ("store_code", "platform", "status", "wanted_revision", "pushed_revision", "attempts",
                "last_error", "expected_by", "live_url")
        print_json([{k: r[k] for k in keys} for r in rows])
        return
    table = Table("store code", "platform", "status", "rev", "attempts", "expected by", "detail",
                  title=f"{len(rows)} sync targets")
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "")
        detail = detail_text(r)
        table.add_row(r["store_code"], r["platform"], f"[{style}]{r['status']}[/]",
                      f"{r['pushed_revision']}/{r['wanted_revision']}", str(r["attempts"]),
                      str(r["expected_by"] or "")[:16], detail[:80])
    console.print(table)


def detail_text(row: dict[str, Any]) -> str:
    """The status table's detail column: a deletion's outcome, else the error, else what is not sent."""
    deletion = row["detail"].get("deletion")
    if deletion:  # a deleted site, shown until every platform is settled
        return f"deleted ({deletion['on_platforms']}): {row['last_error'] or deletion['done']}"
    return row["last_error"] or ", ".join(f"{k}: {v}" for k, v in (row["detail"].get("unsupported") or {}).items())


async def status_rows(ctx: Context, org_id: int, platform: str | None, status: str | None,
                      label: str | None) -> list[dict[str, Any]]:
    from service.sync import repository as repo
    from service.sync.service import public_row

    out: list[dict[str, Any]] = []
    after = None
    async with ctx.session() as session:
        while True:
            rows = await repo.page(session, org_id, platform=platform, status=status, label=label, after=after,
                                   limit=1000)
            out += [public_row(t, code).model_dump(mode="json") for t, code in rows]
            if len(rows) < 1000:
                return out
            after = (rows[-1][1], rows[-1][0].platform)


@app.command()
def connect(platform: str, org: OrgOption = None,
            credential: Annotated[list[str], typer.Option("--credential", "-c", help="NAME=VALUE (secret)")] = [],  # noqa: B006
            option: Annotated[list[str], typer.Option("--option", "-o", help="NAME=VALUE")] = []) -> None:  # noqa: B006
    """Connect a platform (credentials are stored encrypted); every site is queued for it."""
    from service.platforms.service import connect as do_connect

    def pairs(values: list[str]) -> dict[str, str]:
        bad = [v for v in values if "=" not in v]
        if bad:
            raise typer.Exit(_fail(f"expected NAME=VALUE, got {bad[0]!r}"))
        return dict(v.split("=", 1) for v in values)

    creds, opts = pairs(credential), pairs(option)

    async def go(ctx: Context, org_id: int) -> None:
        async with ctx.session() as session:
            await do_connect(session, org_id, platform, creds, opts, ctx.settings)

    _guard(_with_org(org, go))
    console.print(f"{platform} connected; its targets are pending until a worker (or `vitrine serve`) runs")


@app.command()
def platforms(org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Every platform: channel, capabilities, quota, typical delay, connection state."""
    from connectors.registry import platforms as all_platforms
    from service.platforms.router import describe
    from service.platforms.repository import connections

    async def go(ctx: Context, org_id: int) -> list[dict[str, Any]]:
        async with ctx.session() as session:
            connected = await connections(session, org_id)
        return [describe(i, connected.get(i.key), ctx.settings).model_dump(mode="json") for i in all_platforms()]

    rows = _guard(_with_org(org, go))
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


@app.command()
def sandbox(host: str = "127.0.0.1", port: int = 8900,
            config: Annotated[str | None, typer.Option(help="JSON object of SandboxConfig fields")] = None) -> None:
    """Run the directory sandbox alone (emulated Google, Facebook, Apple APIs) for tests and trials."""
    from connectors.sandbox import SandboxConfig, run_sandbox

    cfg = SandboxConfig.model_validate(json.loads(config)) if config else SandboxConfig()
    err.print(f"Directory sandbox on http://{host}:{port} (admin: /_sandbox/config, /_sandbox/stats)")
    run_sandbox(host, port, cfg)
