"""`vitrine demo`: the whole flow on embedded defaults, against the local directory sandbox.

Imports the bundled sample workbook of a fictional hospital group, connects the platforms to a
sandbox started in-process (with review delays shortened to seconds), synchronises every site
with a live progress display, and ends with the status table per platform.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from service.cli.app import guard, console
from service.cli.imports import print_report, run_import
from service.context import open_context
from service.settings import get_settings

commands = typer.Typer()


def register(app: typer.Typer) -> None:
    app.add_typer(commands)

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample-sites.xlsx"
DEMO_ORG = "Horizon Santé (démo)"
DEMO_USER = "demo@vitrine.example"
SETTLED = {"live", "submitted", "action_required", "failed", "drifted", "not_connected"}


def sandbox_connections(url: str, regain_unit: float = 60.0) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """(credentials, options) per platform, pointing at the sandbox's default accounts.
    `regain_unit`: the sandbox's `facebook.regain_access_unit_seconds` when it scales time."""
    return {
        "google": ({"access_token": "sandbox-google-token"},
                   {"base_url": f"{url}/google/v1", "account": "accounts/horizon-sante",
                    "verifications_base_url": f"{url}/google/verifications/v1", "media_base_url": f"{url}/google/v4"}),
        "facebook": ({"access_token": "sandbox-facebook-token"},
                     {"base_url": f"{url}/facebook/v25.0", "parent_page_id": "100000000000001",
                      # the demo's group has no pages yet: the sandbox plays an app Meta granted page creation
                      "create_pages": True, "regain_access_unit_seconds": regain_unit}),
        "apple": ({"client_id": "sandbox-apple-client", "client_secret": "sandbox-apple-secret"},
                  {"base_url": f"{url}/apple", "org_id": "horizon-sante"}),
        # the sandbox is Vitrine's reading of the partner API: it "confirms" it by construction
        "bing": ({"api_key": "sandbox-bing-key"}, {"base_url": f"{url}/bing", "partner_contract": "confirmed"}),
        "yelp": ({"username": "sandbox-yelp", "password": "sandbox-yelp-secret"}, {"base_url": f"{url}/yelp"}),
        "here": ({"api_key": "sandbox-here-key", "app_id": "sandbox-here-app"}, {"base_url": f"{url}/here"}),
        "foursquare": ({"service_key": "sandbox-foursquare-key"}, {"base_url": f"{url}/foursquare"}),
        # the kind schema is agreed with TomTom per customer: the sandbox agrees to this one
        "tomtom": ({"api_key": "sandbox-tomtom-key"}, {"base_url": f"{url}/tomtom", "feedback_kind": "vitrine_place_v1"}),
        # OpenStreetMap is off unless an organisation opts in to automated edits (OSM's code of
        # conduct); the demo opts in because its "OpenStreetMap" is the local sandbox.
        "osm": ({"access_token": "sandbox-osm-token"},
                {"base_url": f"{url}/osm", "automated_edits_opt_in": "true",
                 "automated_edits_docs": "https://wiki.openstreetmap.org/wiki/Automated_edits/Vitrine_sandbox",
                 "changeset_comment": "Vitrine demo: {name}"}),
    }


def feed_connections(url: str, inbox: Any) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """Every feed partner: SFTP ones to the local inbox (host key pinned), HTTPS ones to the sandbox."""
    from connectors.feeds import PARTNERS

    out: dict[str, tuple[dict[str, str], dict[str, Any]]] = {}
    for key, partner in PARTNERS.items():
        if partner.transport == "sftp":
            out[key] = (dict(inbox.credentials), inbox.options(key))
        else:
            out[key] = ({"token": "sandbox-feed-token"}, {"upload_url": f"{url}/feeds/{key}/upload"})
    return out


# Google's and Apple's quotas are documented and kept. The others are partner-set or undocumented:
# Vitrine's defaults are deliberately cautious, and the demo raises them to what its sandbox allows.
DEMO_RATES = {"facebook": "20/1", "bing": "20/1", "here": "20/1", "tomtom": "20/1", "osm": "20/1"}


def demo_sandbox_config(review: float) -> dict[str, Any]:
    fast = {"count": 100, "window_seconds": 1}
    return {
        "google": {"review_delay_seconds": review},
        "apple": {"submitted_seconds": review / 3, "processing_seconds": review * 2 / 3},
        "bing": {"review_seconds": review, "quota": fast},
        "yelp": {"processing_seconds": review / 3, "review_seconds": review},
        "here": {"open_seconds": review / 3, "review_seconds": review, "quota": fast},
        "foursquare": {"review_seconds": review},
        "tomtom": {"received_seconds": review / 3, "review_seconds": review * 2 / 3, "release_seconds": review,
                   "quota": fast},
        "osm": {"quota": {"count": 6000, "window_seconds": 60}},
    }


COLUMNS = {"pending": "pending", "in_progress": "pushing", "awaiting_review": "review", "submitted": "submitted",
           "live": "live", "drifted": "drifted", "action_required": "action", "failed": "failed"}


def _progress_table(counts: dict[str, dict[str, int]], elapsed: float) -> Table:
    table = Table("platform", *COLUMNS.values(), title=f"synchronising… {elapsed:.0f}s")
    for platform in sorted(counts):
        table.add_row(platform, *(str(counts[platform].get(s, 0) or "") for s in COLUMNS))
    return table


async def _serve_dashboard(ctx: Any, org: Any, settings: Any, port: int) -> None:
    """Keep the sandbox and serve the dashboard on the demo's data until Ctrl-C, with a user."""
    import secrets

    import uvicorn

    from service.api import create_app
    from service.users.service import create_user

    password = secrets.token_urlsafe(12)
    async with ctx.session() as session:
        await create_user(session, org, DEMO_USER, password, "admin")
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    console.print(f"""
[bold]Dashboard[/] on http://127.0.0.1:{port}/  (API docs: http://127.0.0.1:{port}/docs)
  user:     {DEMO_USER}
  password: {password}
The sandbox keeps running: edits and campaigns made in the dashboard really sync. Ctrl-C to stop.""",
                  soft_wrap=True)
    await server.serve()


async def _demo(review_seconds: float, timeout: float, serve: bool = False, port: int = 8000) -> None:
    from connectors.sandbox import SandboxConfig, SandboxServer
    from connectors.sandbox.sftp import SftpInbox
    from service.platforms.service import connect
    from service.sync import repository as sync_repo
    from service.runtime import sync_runtime

    base = get_settings()
    home = base.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    settings = base.model_copy(update={
        "home": home, "database_url": None, "redis_url": None,
        "verify_poll_seconds": max(1.0, review_seconds / 3), "reconcile_seconds": 2, "feed_batch_seconds": 2.0,
        "google_base_url": None, "facebook_base_url": None, "apple_base_url": None, "platform_urls": {},
        "platform_url_allowlist": ["http://127.0.0.1", "sftp://127.0.0.1"],  # the local sandbox, SFTP inbox
        "rate_limits": {**base.rate_limits, **DEMO_RATES},
    })
    config = SandboxConfig.model_validate(demo_sandbox_config(review_seconds))
    sandbox = SandboxServer(config).start()
    console.print(f"[bold]Vitrine demo[/]: directory sandbox on {sandbox.url}, data in {home}\n"
                  "Google and Apple are paced at their documented quotas (Google: 300 requests a minute); "
                  "the platforms whose quotas are partner-set run at what the sandbox allows.\n")
    try:
        async with SftpInbox(home / "partner-inbox") as inbox, open_context(settings) as ctx:
            async with ctx.session() as session:
                from service.auth.service import create_api_key, create_organisation

                org = await create_organisation(session, DEMO_ORG)
                _, api_key = await create_api_key(session, DEMO_ORG, "demo")
                connections = {**sandbox_connections(sandbox.url), **feed_connections(sandbox.url, inbox),
                               "waze": ({}, {}), "tripadvisor": ({}, {})}
                for platform, (creds, opts) in connections.items():
                    await connect(session, org.id, platform, creds, opts, settings)  # type: ignore[arg-type]
            console.print(f"Connected {len(connections)} platforms: APIs in the sandbox, feed partners to a local "
                          f"SFTP inbox ({home / 'partner-inbox'}) and the sandbox's HTTPS upload.")
            console.print(f"Importing the sample workbook [bold]{SAMPLE.name}[/] (valid rows; rejected ones reported)")
            report = await run_import(ctx, org.id, SAMPLE, dry_run=False, allow_partial=True,  # type: ignore[arg-type]
                                      mapping=None, show_progress=True)
            print_report(report, max_rejected=10)
            async with sync_runtime(settings, ctx.sessionmaker):
                started = time.monotonic()
                with Live(console=console, refresh_per_second=4) as live:
                    while True:
                        async with ctx.session() as session:
                            summary = await sync_repo.summary(session, org.id)  # type: ignore[arg-type]
                        counts: dict[str, dict[str, int]] = {}
                        for platform, status, n in summary:
                            counts.setdefault(platform, {})[status] = n
                        elapsed = time.monotonic() - started
                        live.update(_progress_table(counts, elapsed))
                        unsettled = sum(n for _, s, n in summary if s not in SETTLED)
                        if (summary and not unsettled) or elapsed > timeout:
                            break
                        await asyncio.sleep(0.5)
                console.print()
            final = Table("platform", "live", "awaiting review", "submitted", "action required", "failed", "other",
                          title="Where every site stands")
            for platform in sorted(counts):
                c = counts[platform]
                other = sum(v for k, v in c.items() if k not in
                            ("live", "awaiting_review", "submitted", "action_required", "failed"))
                final.add_row(platform, *(str(c.get(k, 0)) for k in
                                          ("live", "awaiting_review", "submitted", "action_required", "failed")),
                              str(other))
            console.print(final)
            if unsettled:
                console.print(f"[yellow]{unsettled} target(s) still moving after {timeout:.0f}s: "
                              "see them with the command below.[/]")
            if serve:
                await _serve_dashboard(ctx, org, settings, port)
                return
    finally:
        sandbox.stop()
    env = f"VITRINE_HOME={home} {sys.argv[0] if sys.argv[0].endswith('vitrine') else 'vitrine'}"
    console.print(f"""
[bold]Next steps[/]
  • per site and platform:   {env} status --org "{DEMO_ORG}"
  • the API on this data:    {env} serve   (docs at http://127.0.0.1:8000/docs)
    with this API key:       {api_key}
  • a bulk change, planned:  {env} campaign holiday-closure --date 2026-12-25 --dry-run --org "{DEMO_ORG}"
  • your own sites:          vitrine template sites.xlsx, fill it in, then vitrine import sites.xlsx --dry-run""")


@commands.command()
def demo(review_seconds: Annotated[float, typer.Option(help="Sandbox review delay (Google, Apple)")] = 6.0,
         timeout: Annotated[float, typer.Option(help="Stop waiting for statuses after this many seconds")] = 180.0,
         serve: Annotated[bool, typer.Option("--serve", help="Then keep the sandbox and the dashboard running "
                                             "on the demo's data until Ctrl-C")] = False,
         port: Annotated[int, typer.Option(help="The dashboard's port with --serve")] = 8000) -> None:
    """Import a sample hospital group and synchronise it to the local directory sandbox."""
    guard(_demo(review_seconds, timeout, serve, port))
