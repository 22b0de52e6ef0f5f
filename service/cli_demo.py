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

from service.cli import _guard, app, console
from service.cli_import import print_report, run_import
from service.context import open_context
from service.settings import get_settings

SAMPLE = Path(__file__).resolve().parent / "data" / "sample-sites.xlsx"
DEMO_ORG = "Horizon Santé (démo)"
SETTLED = {"live", "submitted", "action_required", "failed", "drifted", "not_connected"}


def sandbox_connections(url: str, regain_unit: float = 60.0) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """(credentials, options) per platform, pointing at the sandbox's default accounts.
    `regain_unit`: the sandbox's `facebook.regain_access_unit_seconds` when it scales time."""
    return {
        "google": ({"access_token": "sandbox-google-token"},
                   {"base_url": f"{url}/google/v1", "account": "accounts/horizon-sante",
                    "verifications_base_url": f"{url}/google/verifications/v1"}),
        "facebook": ({"access_token": "sandbox-facebook-token"},
                     {"base_url": f"{url}/facebook/v25.0", "parent_page_id": "100000000000001",
                      "regain_access_unit_seconds": regain_unit}),
        "apple": ({"client_id": "sandbox-apple-client", "client_secret": "sandbox-apple-secret"},
                  {"base_url": f"{url}/apple", "org_id": "horizon-sante"}),
    }


COLUMNS = {"pending": "pending", "in_progress": "pushing", "awaiting_review": "review", "submitted": "submitted",
           "live": "live", "drifted": "drifted", "action_required": "action", "failed": "failed"}


def _progress_table(counts: dict[str, dict[str, int]], elapsed: float) -> Table:
    table = Table("platform", *COLUMNS.values(), title=f"synchronising… {elapsed:.0f}s")
    for platform in sorted(counts):
        table.add_row(platform, *(str(counts[platform].get(s, 0) or "") for s in COLUMNS))
    return table


async def _demo(review_seconds: float, timeout: float) -> None:
    from connectors.sandbox import SandboxConfig, SandboxServer
    from service.platforms.service import connect
    from service.sync import repository as sync_repo
    from service.sync.runtime import sync_runtime

    base = get_settings()
    home = base.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    settings = base.model_copy(update={
        "home": home, "database_url": None, "redis_url": None,
        "verify_poll_seconds": max(1.0, review_seconds / 3), "reconcile_seconds": 2,
        "google_base_url": None, "facebook_base_url": None, "apple_base_url": None,
        # Facebook's default (200 calls/h) protects a small real parent page; the sandbox's pages
        # have a 4,800-call budget, so the demo uses a rate that budget allows.
        "rate_limits": {**base.rate_limits, "facebook": "20/1"},
    })
    config = SandboxConfig.model_validate({
        "google": {"review_delay_seconds": review_seconds},
        "apple": {"submitted_seconds": review_seconds / 3, "processing_seconds": review_seconds * 2 / 3},
    })
    sandbox = SandboxServer(config).start()
    console.print(f"[bold]Vitrine demo[/]: directory sandbox on {sandbox.url}, data in {home}\n"
                  "Each platform is paced at its documented quota (Google: 300 requests a minute).\n")
    try:
        async with open_context(settings) as ctx:
            async with ctx.session() as session:
                from service.auth.service import create_api_key, create_organisation

                org = await create_organisation(session, DEMO_ORG)
                _, api_key = await create_api_key(session, DEMO_ORG, "demo")
                for platform, (creds, opts) in sandbox_connections(sandbox.url).items():
                    await connect(session, org.id, platform, creds, opts, settings)  # type: ignore[arg-type]
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
    finally:
        sandbox.stop()
    env = f"VITRINE_HOME={home} {sys.argv[0] if sys.argv[0].endswith('vitrine') else 'vitrine'}"
    console.print(f"""
[bold]Next steps[/]
  • per site and platform:   {env} status --org "{DEMO_ORG}"
  • the API on this data:    {env} serve   (docs at http://127.0.0.1:8000/docs)
    with this API key:       {api_key}
  • your own sites:          vitrine template sites.xlsx, fill it in, then vitrine import sites.xlsx --dry-run""")


@app.command()
def demo(review_seconds: Annotated[float, typer.Option(help="Sandbox review delay (Google, Apple)")] = 6.0,
         timeout: Annotated[float, typer.Option(help="Stop waiting for statuses after this many seconds")] = 180.0) -> None:
    """Import a sample hospital group and synchronise it to the local directory sandbox."""
    _guard(_demo(review_seconds, timeout))
