"""`vitrine source …` and `vitrine webhook …`: scheduled pulls and signed webhooks."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from schemas.integrations import SourceCreate, WebhookCreate
from service.cli.app import JsonOption, OrgOption, console, fail, guard, print_json, with_org
from service.context import Context

source_app = typer.Typer(help="Internal systems pulled on a schedule (JSON API, CSV/XLSX over HTTPS, SFTP file).",
                         no_args_is_help=True)
webhook_app = typer.Typer(help="Signed webhooks (Standard Webhooks) to your systems.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
    app.add_typer(webhook_app, name="webhook")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip():
            raise fail(f"{option} {value!r}: write key=value")
        out[key.strip()] = target.strip()
    return out


@source_app.command("add")
def source_add(name: str, kind: Annotated[str, typer.Option(help="json | csv | xlsx | sftp")],
               url: Annotated[str, typer.Option(help="https://… (sftp://host:port/path for SFTP)")],
               schedule: Annotated[str, typer.Option(help="'every 30m', 'every 6h' or a cron expression")] = "every 1h",
               map_: Annotated[list[str], typer.Option("--map", help="source path or header=field, repeatable")] = [],
               items_path: Annotated[str | None, typer.Option(help="JSON: where the sites are, e.g. data.sites")] = None,
               next_path: Annotated[str | None, typer.Option(help="JSON: the next page's link, e.g. links.next")] = None,
               page_param: Annotated[str | None, typer.Option(help="JSON: the page-number parameter")] = None,
               secret: Annotated[list[str], typer.Option(help="token=…, username=…, password=… (encrypted)")] = [],
               known_hosts: Annotated[str | None, typer.Option(help="SFTP: the server's host key line")] = None,
               partial: Annotated[bool, typer.Option(help="Import the valid rows even when some are rejected")] = False,
               missing: Annotated[str, typer.Option(help=(
                   "report | close | remove | leave: a site the source no longer lists is reported, "
                   "or deleted with that choice on the platforms"))] = "report",
               org: OrgOption = None) -> None:
    """Add a source."""
    try:
        body = SourceCreate(name=name, kind=kind, url=url, schedule=schedule, mapping=_pairs(map_, "--map"),  # type: ignore[arg-type]
                            items_path=items_path, next_path=next_path, page_param=page_param,
                            secrets=_pairs(secret, "--secret"), known_hosts=known_hosts, atomic=not partial,
                            missing=missing)  # type: ignore[arg-type]
    except ValueError as exc:
        raise fail(str(exc).splitlines()[0] + ": " + "; ".join(str(exc).splitlines()[1:3])) from None

    async def go(ctx: Context, org_id: int) -> Any:
        from service.sources import service
        async with ctx.session() as session:
            return service.to_public(await service.create(session, org_id, body, ctx.settings), ctx.settings)

    created = guard(with_org(org, go, create=True))
    console.print(f"source [bold]{created.name}[/] added; next run {created.next_run_at:%Y-%m-%d %H:%M} UTC")


@source_app.command("list")
def source_list(org: OrgOption = None, as_json: JsonOption = False) -> None:
    """The sources, their state and next run."""
    async def go(ctx: Context, org_id: int) -> Any:
        from service.sources import service
        async with ctx.session() as session:
            return [service.to_public(s, ctx.settings) for s in await service.all_of(session, org_id)]

    found = guard(with_org(org, go))
    if as_json:
        print_json([s.model_dump(mode="json") for s in found])
        return
    table = Table("name", "kind", "schedule", "state", "next run", "last error", title=f"{len(found)} sources")
    for s in found:
        table.add_row(s.name, s.kind, s.schedule, s.state, str(s.next_run_at or "")[:16], (s.last_error or "")[:70])
    console.print(table)


@source_app.command("run")
def source_run(name: str, org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Run a source now (an unchanged source costs one request and creates no run)."""
    async def go(ctx: Context, org_id: int) -> Any:
        from service.sources import service
        return await service.run_now(ctx.sessionmaker, ctx.settings, org_id, name)

    result = guard(with_org(org, go))
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif result.unchanged:
        console.print(f"{name}: unchanged since the last run (no run created)")
    else:
        run = result.run
        console.print(f"{name}: {run.outcome} {json.dumps(run.counts)}" + (f" — {run.error}" if run.error else ""))
        if run.missing:
            console.print(f"  {len(run.missing)} site(s) no longer listed: {', '.join(run.missing[:20])}")
        if run.outcome == "failed":
            raise typer.Exit(1)


@source_app.command("show")
def source_show(name: str, org: OrgOption = None, as_json: JsonOption = False) -> None:
    """A source and its recent runs."""
    async def go(ctx: Context, org_id: int) -> Any:
        from service.sources import service
        async with ctx.session() as session:
            source = service.to_public(await service.get(session, org_id, name), ctx.settings)
            return source, await service.runs(session, org_id, name)

    source, runs = guard(with_org(org, go))
    if as_json:
        print_json({**source.model_dump(mode="json"), "runs": [r.model_dump(mode="json") for r in runs]})
        return
    console.print(f"[bold]{source.name}[/] {source.kind} {source.url} · {source.schedule} · {source.state}"
                  + (f" — {source.last_error}" if source.last_error else ""))
    table = Table("run", "started", "trigger", "outcome", "counts", "error")
    for r in runs:
        table.add_row(str(r.id), str(r.started_at)[:19], r.trigger, r.outcome, json.dumps(r.counts),
                      (r.error or "")[:60])
    console.print(table)


@source_app.command("remove")
def source_remove(name: str, org: OrgOption = None) -> None:
    async def go(ctx: Context, org_id: int) -> None:
        from service.sources import service
        async with ctx.session() as session:
            await service.remove(session, org_id, name)

    guard(with_org(org, go))
    console.print(f"source {name} removed")


@webhook_app.command("add")
def webhook_add(url: str, event: Annotated[list[str], typer.Option(help="an event kind, repeatable")],
                org: OrgOption = None, as_json: JsonOption = False) -> None:
    """Add an endpoint; prints its signing secret once."""
    try:
        body = WebhookCreate(url=url, events=event)  # type: ignore[arg-type]
    except ValueError as exc:
        raise fail(f"--event: use listing.status_changed, campaign.completed, import.completed, source.failed "
                   f"({str(exc).splitlines()[0]})") from None

    async def go(ctx: Context, org_id: int) -> Any:
        from service.webhooks import service
        async with ctx.session() as session:
            return await service.create(session, org_id, body, ctx.settings)

    created = guard(with_org(org, go, create=True))
    if as_json:
        print_json(created.model_dump(mode="json"))
        return
    console.print(f"webhook {created.id} → {created.url}\nsecret (shown once): {created.secret}")


@webhook_app.command("list")
def webhook_list(org: OrgOption = None, as_json: JsonOption = False) -> None:
    async def go(ctx: Context, org_id: int) -> Any:
        from service.webhooks import service
        async with ctx.session() as session:
            return [service.to_public(e) for e in await service.endpoints(session, org_id)]

    found = guard(with_org(org, go))
    if as_json:
        print_json([e.model_dump(mode="json") for e in found])
        return
    table = Table("id", "url", "events", "enabled", "note")
    for e in found:
        table.add_row(str(e.id), e.url, ", ".join(e.events), "yes" if e.enabled else "no", e.disabled_reason or "")
    console.print(table)


def _delivery_command(action: str, key: int, org: str | None) -> Any:
    async def go(ctx: Context, org_id: int) -> Any:
        from service.webhooks import service
        async with ctx.session() as session:
            if action == "test":
                return await service.send_test(session, org_id, key)
            if action == "redeliver":
                return await service.redeliver(session, org_id, key)
            if action == "remove":
                return await service.remove(session, org_id, key)
            return await service.deliveries(session, org_id, key)

    return guard(with_org(org, go))


@webhook_app.command("test")
def webhook_test(endpoint_id: int, org: OrgOption = None) -> None:
    """Queue a `webhook.test` delivery (the workers send it)."""
    found = _delivery_command("test", endpoint_id, org)
    console.print(f"delivery {found.id} queued")


@webhook_app.command("deliveries")
def webhook_deliveries(endpoint_id: int, org: OrgOption = None, as_json: JsonOption = False) -> None:
    """An endpoint's delivery log: status, response code, duration, attempts."""
    found = _delivery_command("deliveries", endpoint_id, org)
    if as_json:
        print_json([d.model_dump(mode="json") for d in found])
        return
    table = Table("delivery", "event", "kind", "status", "code", "ms", "attempts", "error")
    for d in found:
        table.add_row(str(d.id), d.event_id, d.kind, d.status, str(d.response_code or ""), str(d.duration_ms or ""),
                      str(d.attempts), (d.last_error or "")[:50])
    console.print(table)


@webhook_app.command("redeliver")
def webhook_redeliver(delivery_id: int, org: OrgOption = None) -> None:
    """Send a delivery again (same webhook-id: receivers deduplicate on it)."""
    found = _delivery_command("redeliver", delivery_id, org)
    console.print(f"delivery {found.id} queued again")


@webhook_app.command("remove")
def webhook_remove(endpoint_id: int, org: OrgOption = None) -> None:
    _delivery_command("remove", endpoint_id, org)
    console.print(f"webhook {endpoint_id} removed")
