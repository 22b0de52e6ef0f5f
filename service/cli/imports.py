"""`vitrine import` and `vitrine template`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.cli.app import JsonOption, OrgOption, guard, with_org, console, err, fail, print_json
from service.context import Context

commands = typer.Typer()


def register(app: typer.Typer) -> None:
    app.add_typer(commands)


def parse_mapping(values: list[str]) -> dict[str, str] | None:
    mapping = {}
    for value in values:
        header, sep, field = value.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise fail(f"--map takes 'Excel header=field', got {value!r}")
        mapping[header.strip()] = field.strip()
    return mapping or None


async def run_import(ctx: Context, org_id: int, path: Path, *, dry_run: bool, allow_partial: bool,
                     mapping: dict[str, str] | None, show_progress: bool) -> dict[str, Any]:
    from service.imports.service import import_workbook

    data = path.read_bytes()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not show_progress, transient=True) as progress:
        task = progress.add_task(f"importing {path.name}", total=None)

        def advance(done: int, total: int | None, stage: str = "reading") -> None:
            description = f"importing {path.name}" if stage == "reading" else f"writing {path.name}"
            progress.update(task, completed=done, total=total, description=description)

        async with ctx.session() as session:
            report = await import_workbook(session, org_id, data, path.name, dry_run=dry_run,
                                           allow_partial=allow_partial, mapping=mapping, progress=advance)
    return report.to_json()


def print_report(report: dict[str, Any], *, max_rejected: int = 20) -> None:
    summary = report["summary"]
    table = Table("rows", "create", "update", "unchanged", "rejected", "written", title=f"import {report['id']}")
    table.add_row(*(str(summary.get(k, "")) for k in ("rows", "create", "update", "unchanged", "rejected", "written")))
    console.print(table)
    rejected = [r for r in report["rows"] if r["action"] == "rejected"]
    if rejected:
        console.print(f"[bold red]{len(rejected)} rejected row(s):[/]")
        for row in rejected[:max_rejected]:
            for error in row["errors"]:
                where = f"row {row['row']}" + (f", column {error['column']!r}" if error.get("column") else "")
                console.print(f"  {where} ({row.get('store_code') or 'no store code'}): {error['message']}")
        if len(rejected) > max_rejected:
            console.print(f"  … and {len(rejected) - max_rejected} more (use --json for all)")
    if report.get("outcome") == "rejected":
        console.print("[yellow]Nothing was written: the import is atomic. Fix the rows above, or import the "
                      "valid rows with --allow-partial.[/]")


@commands.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="An .xlsx workbook")],
    org: OrgOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing.")] = False,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Import the valid rows even if others are rejected.")] = False,
    map_: Annotated[list[str], typer.Option("--map", help="'Excel header=field', repeatable")] = [],  # noqa: B006
    as_json: JsonOption = False,
) -> None:
    """Import establishments from an Excel workbook (matched by store code)."""
    mapping = parse_mapping(map_)

    async def go(ctx: Context, org_id: int) -> dict[str, Any]:
        return await run_import(ctx, org_id, file, dry_run=dry_run, allow_partial=allow_partial, mapping=mapping,
                                show_progress=not as_json)

    report = guard(with_org(org, go, create=True))
    if report["outcome"] == "invalid_file":
        if as_json:
            print_json(report)
            raise typer.Exit(2)
        error = report.get("error") or {}
        raise fail(f"{file.name}: {error.get('message', 'not a usable workbook')} ({error.get('code', 'invalid_file')})",
                   code=2)
    if as_json:
        print_json(report)
    else:
        print_report(report)
    if report["summary"].get("rejected") and not allow_partial:
        raise typer.Exit(1)


@commands.command()
def template(file: Annotated[Path, typer.Argument(dir_okay=False, help="Where to write the .xlsx")]) -> None:
    """Write the Excel import template (columns, instructions sheet, examples)."""
    from service.imports.template import build_template

    file.write_bytes(build_template())
    console.print(f"template written to {file}")
