"""`vitrine campaign …`: bulk changes from the command line, with a live view per platform."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table

from service.cli.app import JsonOption, OrgOption, guard, with_org, console, fail, print_json
from service.context import Context

campaign_app = typer.Typer(help="Bulk changes over many sites: plan, schedule, watch, roll back, report.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")

AtOption = Annotated[str | None, typer.Option("--at", help="Cut-over time, ISO 8601 with a time zone "
                                              "(2026-12-01T06:00:00+01:00). Default: now.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Plan and estimate only; keep it as a draft.")]


def _when(text: str | None, option: str = "--at") -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} takes an ISO 8601 time such as 2026-12-01T06:00:00+01:00, got {text!r}") from None
    if value.tzinfo is None:
        raise fail(f"{option} needs a time zone, e.g. {text}+01:00 (or Z for UTC)")
    return value


async def _runtime(ctx: Context) -> Any:
    """With Redis configured, install the arq dispatcher so a scheduled cut-over is queued for
    its exact time and the sync jobs of an applied campaign start at once."""
    from service.runtime import sync_runtime

    return sync_runtime(ctx.settings, ctx.sessionmaker, run_jobs=False)


def _time(value: Any) -> str:
    if value is None:
        return "—"
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text[:19].replace("T", " ")


def print_plan(plan: dict[str, Any]) -> None:
    state = plan["state"]
    console.print(f"[bold]campaign {plan['id']}[/] ({plan['kind']}): {state}"
                  + (f", cut-over at {_time(plan['apply_at'])} UTC" if state == "scheduled" else ""))
    outcomes = plan["summary"].get("outcomes") or {"planned": plan["summary"]["sites"]}
    console.print("sites: " + ", ".join(f"{v} {k}" for k, v in sorted(outcomes.items()))
                  + f"; {plan['summary'].get('unchanged', 0)} already right")
    sites = Table("store code", "before", "after", "outcome", title="sites (first 10)")
    from service.campaigns.report import show

    for site in plan["sites"][:10]:
        sites.add_row(site["store_code"], show(site["before"]), show(site["after"]), site["outcome"])
    console.print(sites)
    table = Table("platform", "channel", "sites", "requests", "queued", "quota", "all sent by (UTC)",
                  "done by (UTC)", "note", title="per platform")
    for p in plan["platforms"]:
        table.add_row(p["platform"], p["channel"], str(p["sites"]), str(p["requests"]), str(p["queued_ahead"]),
                      p["quota"] or "—", _time(p["sent_by"]), _time(p["done_by"]) + (
                          " (submitted)" if p["done_state"] == "submitted" else ""),
                      p["note"] or "")
    console.print(table)
    if state == "draft":
        console.print(f"Nothing was written. Apply it with: vitrine campaign apply {plan['id']}")


def progress_view(body: dict[str, Any]) -> Group:
    head = (f"[bold]campaign {body['id']}[/] ({body['kind']}) {body['state']} — "
            f"[bold]{body['percent']}%[/] done on the platforms that take it")
    table = Table("platform", "channel", "done", "%", "", "statuses", "ETA (UTC)", "note")
    for p in body["platforms"]:
        width = 20
        filled = int(width * p["percent"] / 100)
        bar = ("[green]" + "█" * filled + "[/]" + "░" * (width - filled)) if p["reachable"] else "[dim]n/a[/]"
        counts = ", ".join(f"{k} {v}" for k, v in sorted(p["counts"].items()))
        table.add_row(p["platform"], p["channel"], f"{p['done']}/{p['total']}", f"{p['percent']:.0f}", bar, counts,
                      _time(p["eta"]), p["note"] or "")
    failures = [f"  {p['platform']}: {f['store_code']} {f['status']}: {f['reason']}"
                for p in body["platforms"] if p["reachable"] for f in p["failures"][:3]]
    parts: list[Any] = [head, table]
    if failures:
        parts.append("[bold red]failures[/] (first 3 per platform):\n" + "\n".join(failures))
    return Group(*parts)


def settled(body: dict[str, Any]) -> bool:
    return body["state"] in ("applied", "cancelled") and all(
        not any(p["counts"].get(s) for s in ("pending", "in_progress", "awaiting_review")) for p in body["platforms"])


async def _progress(ctx: Context, org_id: int, campaign_id: str) -> dict[str, Any]:
    from service.campaigns import service

    async with ctx.session() as session:
        return (await service.progress(session, ctx.settings, org_id, campaign_id)).model_dump(mode="json")


@campaign_app.command("phone-migration")
def phone_migration(
    mapping: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                            help="An .xlsx with store_code, new_phone and optional old_phone")],
    org: OrgOption = None,
    dry_run: DryRunOption = False,
    at: AtOption = None,
    keep_old_until: Annotated[str | None, typer.Option(
        "--keep-old-until", help="Keep each old number as an additional one until this time.")] = None,
    name: Annotated[str | None, typer.Option(help="A name for reports (default: the file name).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Move sites to new phone numbers everywhere, from a mapping workbook."""
    from pydantic import ValidationError

    from schemas.campaigns import PhoneMigrationRequest
    from service.campaigns import service
    from service.campaigns.mapping import read_mapping

    apply_at, until = _when(at), _when(keep_old_until, "--keep-old-until")

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        items, where = read_mapping(mapping.read_bytes(), max_bytes=ctx.settings.import_max_bytes)
        try:
            request = PhoneMigrationRequest(mapping=items, dry_run=dry_run, apply_at=apply_at,
                                            name=name or mapping.name, keep_old_as_additional=until is not None,
                                            keep_old_until=until)
        except ValidationError as exc:
            raise fail(str(exc.errors()[0]["msg"])) from None
        async with await _runtime(ctx):
            plan = await service.phone_migration(ctx.sessionmaker, ctx.settings, org_id, request, where=where,
                                                 source_ref="cli")
        return plan.model_dump(mode="json")

    plan = guard(with_org(org, go))
    print_json(plan) if as_json else print_plan(plan)


@campaign_app.command("holiday-closure")
def holiday_closure(
    start: Annotated[str, typer.Option("--date", help="The (first) closed day, YYYY-MM-DD.")],
    end: Annotated[str | None, typer.Option("--until", help="The last closed day (default: --date).")] = None,
    label: Annotated[str | None, typer.Option(help="Only the sites with this label.")] = None,
    store_code: Annotated[list[str], typer.Option("--store-code", help="Only these sites (repeatable).")] = [],  # noqa: B006
    org: OrgOption = None,
    dry_run: DryRunOption = False,
    at: AtOption = None,
    name: Annotated[str | None, typer.Option(help="A name for reports.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Close every site (or the selected ones) on a holiday, as special hours on every platform."""
    from schemas.campaigns import HolidayClosureRequest
    from service.campaigns import service

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise fail(f"dates are YYYY-MM-DD: {exc}") from None
    sites = {"store_codes": store_code or None, "label": label} if (store_code or label) else None
    request = HolidayClosureRequest(start_date=first, end_date=last, sites=sites, dry_run=dry_run,  # type: ignore[arg-type]
                                    apply_at=_when(at), name=name or f"closed {start}" + (f" → {end}" if end else ""))

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        async with await _runtime(ctx):
            plan = await service.holiday_closure(ctx.sessionmaker, ctx.settings, org_id, request, source_ref="cli")
        return plan.model_dump(mode="json")

    plan = guard(with_org(org, go))
    print_json(plan) if as_json else print_plan(plan)


@campaign_app.command("show")
def show(campaign_id: str, org: OrgOption = None,
         watch: Annotated[bool, typer.Option("--watch", help="Refresh until every platform has settled.")] = False,
         interval: Annotated[float, typer.Option(help="Seconds between refreshes with --watch.")] = 2.0,
         as_json: JsonOption = False) -> None:
    """Progress per platform: done, statuses, ETA, failures with their reasons."""

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        body = await _progress(ctx, org_id, campaign_id)
        if not watch or as_json:
            return body
        with Live(progress_view(body), console=console, refresh_per_second=4) as live:
            while not settled(body):
                await asyncio.sleep(interval)
                body = await _progress(ctx, org_id, campaign_id)
                live.update(progress_view(body))
        return body

    body = guard(with_org(org, go))
    if as_json:
        print_json(body)
    elif not watch:
        console.print(progress_view(body))


@campaign_app.command("list")
def list_campaigns(org: OrgOption = None, limit: int = 20, as_json: JsonOption = False) -> None:
    """The latest campaigns."""
    from service.campaigns import service

    async def go(ctx: Context, org_id: int) -> list[dict[str, Any]]:
        async with ctx.session() as session:
            rows = await service.list_page(session, org_id, None, limit)
            return [service.public(c).model_dump(mode="json") for c in rows]

    rows = guard(with_org(org, go))
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "state", "name", "sites", "created (UTC)", "cut-over (UTC)")
    for c in rows:
        table.add_row(c["id"], c["kind"], c["state"], c["name"] or "", str(c["summary"].get("sites", "")),
                      _time(c["created_at"]), _time(c["apply_at"]))
    console.print(table)


@campaign_app.command("apply")
def apply(campaign_id: str, org: OrgOption = None, at: AtOption = None) -> None:
    """Apply a draft (a dry run), now or at --at; sites edited since the dry run are conflicts."""
    from service.campaigns import service

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        async with await _runtime(ctx):
            campaign = await service.schedule(ctx.sessionmaker, org_id, campaign_id, _when(at))
        return service.public(campaign).model_dump(mode="json")

    body = guard(with_org(org, go))
    console.print(f"campaign {campaign_id}: {body['state']}"
                  + (", outcomes " + str(body["summary"].get("outcomes")) if body["state"] == "applied" else
                     f", cut-over at {_time(body['apply_at'])} UTC"))


@campaign_app.command("cancel")
def cancel(campaign_id: str, org: OrgOption = None) -> None:
    """Cancel a draft or a scheduled campaign before it runs."""
    from service.campaigns import service

    async def go(ctx: Context, org_id: int) -> str:
        return (await service.cancel(ctx.sessionmaker, org_id, campaign_id)).state

    console.print(f"campaign {campaign_id}: {guard(with_org(org, go))}")


@campaign_app.command("rollback")
def rollback(campaign_id: str, org: OrgOption = None, dry_run: DryRunOption = False, at: AtOption = None,
             as_json: JsonOption = False) -> None:
    """Restore what a campaign replaced, as a new campaign; sites changed since are conflicts."""
    from service.campaigns import service

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        async with await _runtime(ctx):
            plan = await service.rollback(ctx.sessionmaker, ctx.settings, org_id, campaign_id, dry_run=dry_run,
                                          apply_at=_when(at), source_ref="cli")
        return plan.model_dump(mode="json")

    plan = guard(with_org(org, go))
    print_json(plan) if as_json else print_plan(plan)


@campaign_app.command("report")
def report(campaign_id: str, org: OrgOption = None,
           output: Annotated[Path | None, typer.Option("-o", "--output", help="Default: campaign-ID.xlsx")] = None
           ) -> None:
    """Write the campaign's report: one row per site and platform."""
    from service.campaigns import service

    async def go(ctx: Context, org_id: int) -> bytes:
        async with ctx.session() as session:
            return await service.report(session, ctx.settings, org_id, campaign_id)

    data = guard(with_org(org, go))
    path = output or Path(f"campaign-{campaign_id[:8]}.xlsx")
    path.write_bytes(data)
    console.print(f"report written to {path} ({len(data):,} bytes)")
