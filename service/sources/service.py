"""Sources: an organisation's internal systems, pulled on a schedule into the import pipeline.

A run: take the source's lock (one UPDATE), fetch (conditional request first: a 304 or an
unchanged SFTP file ends the run after that one request, with no run recorded), turn the
content into the workbook the import reads (`tabular`), and import it through
`imports.service.import_workbook` in one transaction with the `SourceRun` row (a pull is an
import run; its file name is `source:<name>`). A fetch that fails records a failed run with the
reason and a `source.failed` event, and touches no site. Secrets are encrypted like platform
credentials.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.integrations import SourceCreate, SourcePublic, SourceRunPublic, SourceRunResult
from schemas.sync import OnPlatforms
from service import metrics
from service import events
from service.db import unit_of_work
from service.errors import ApiError, NotFound
from service.establishments import service as establishments
from service.imports.service import import_workbook
from service.models import Source, SourceRun, utcnow
from service.platforms.credentials import decrypt, encrypt
from service.settings import Settings
from service.sources import repository as repo
from service.sources import schedule, tabular
from service.sources.fetch import Fetched, SourceError, check_url, fetch

log = logging.getLogger("vitrine.sources")
# `missing`: what a run does with a site the source no longer lists. `report` lists it in the run
# only; the others delete it in Vitrine with that deletion choice on the platforms (`close`:
# permanently closed everywhere, `remove`, `leave`), exactly as DELETE /establishments/{code}.
MISSING_CHOICES = {"close": OnPlatforms.close, "remove": OnPlatforms.remove, "leave": OnPlatforms.leave}


def _options(body: SourceCreate) -> dict[str, Any]:
    values = {"mapping": body.mapping, "items_path": body.items_path, "next_path": body.next_path,
              "page_param": body.page_param, "headers": body.headers, "known_hosts": body.known_hosts}
    return {k: v for k, v in values.items() if v}


async def create(session: AsyncSession, org_id: int, body: SourceCreate, settings: Settings) -> Source:
    try:
        check_url(body.url, body.kind, settings)
        when = schedule.check(body.schedule)
    except SourceError as exc:
        raise ApiError(422, "invalid_source", exc.message, field="url") from None
    except ValueError as exc:
        raise ApiError(422, "invalid_source", str(exc), field="schedule") from None
    if body.kind == "json" and not body.mapping:
        raise ApiError(422, "invalid_source", 'a JSON source needs a mapping, e.g. {"id": "store_code"}',
                       field="mapping")
    if await repo.get(session, org_id, body.name) is not None:
        raise ApiError(409, "conflict", f"source {body.name!r} already exists")
    source = Source(organisation_id=org_id, name=body.name, kind=body.kind, url=body.url, options=_options(body),
                    secrets=encrypt(body.secrets, settings) if body.secrets else None, schedule=when,
                    atomic=body.atomic, missing=body.missing, enabled=body.enabled,
                    next_run_at=schedule.next_run(when, utcnow()))
    session.add(source)
    await session.flush()
    return source


async def get(session: AsyncSession, org_id: int, name: str) -> Source:
    source = await repo.get(session, org_id, name)
    if source is None:
        raise NotFound("source", name)
    return source


async def all_of(session: AsyncSession, org_id: int) -> list[Source]:
    return await repo.all_of(session, org_id)


async def remove(session: AsyncSession, org_id: int, name: str) -> None:
    await session.delete(await get(session, org_id, name))


def to_public(source: Source, settings: Settings) -> SourcePublic:
    return SourcePublic(name=source.name, kind=source.kind, url=source.url, schedule=source.schedule,
                        options=source.options, secrets=sorted(decrypt(source.secrets, settings)),
                        atomic=source.atomic, missing=source.missing, enabled=source.enabled, state=source.state,
                        last_error=source.last_error, last_checked_at=source.last_checked_at,
                        next_run_at=source.next_run_at, created_at=source.created_at)


def run_public(run: SourceRun) -> SourceRunPublic:
    return SourceRunPublic.model_validate(run, from_attributes=True)


async def runs(session: AsyncSession, org_id: int, name: str, limit: int = 20) -> list[SourceRunPublic]:
    return [run_public(r) for r in await repo.runs(session, (await get(session, org_id, name)).id, limit)]  # type: ignore[arg-type]


async def run_now(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, org_id: int,
                  name: str) -> SourceRunResult:
    async with unit_of_work(sessionmaker) as session:
        source_id = (await get(session, org_id, name)).id
    result = await run(sessionmaker, settings, source_id, "manual")  # type: ignore[arg-type]
    if result is None:
        raise ApiError(409, "source_busy", f"source {name!r} is running now; try again when it is done")
    return result


async def run_due(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Run every source whose time has come (the scheduler's cron, or the embedded loop)."""
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        ids = await repo.due(session, now, now - timedelta(seconds=settings.source_lock_seconds))
    for source_id in ids:
        try:
            await run(sessionmaker, settings, source_id, "schedule")
        except Exception:
            log.exception("source.run.crashed source=%s", source_id)
    return len(ids)


async def run(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, source_id: int,
              trigger: str) -> SourceRunResult | None:
    """One run of one source; None when another run holds its lock."""
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        if not await repo.claim(session, source_id, now, now - timedelta(seconds=settings.source_lock_seconds)):
            return None
        source = await repo.by_id(session, source_id)
        assert source is not None
        kind, url, options, stamp = source.kind, source.url, dict(source.options), source.last_modified
        secrets, etag = decrypt(source.secrets, settings), source.etag
    got: Fetched | SourceError
    try:
        got = await fetch(kind, url, {**options, "_last_stamp": stamp}, secrets, settings,
                          etag=etag, last_modified=stamp if kind != "sftp" else None)
    except SourceError as exc:
        got = exc
    except Exception as exc:  # a bug must not leave the lock held until it goes stale
        log.exception("source.fetch.crashed source=%s", source_id)
        got = SourceError("internal", f"{type(exc).__name__}: {exc}")
    try:
        async with unit_of_work(sessionmaker) as session:
            source = await repo.by_id(session, source_id)
            assert source is not None
            return await _record(session, source, got, trigger, settings)
    finally:
        async with unit_of_work(sessionmaker) as session:
            source = await repo.by_id(session, source_id)
            if source is not None:
                source.running_since = None
                session.add(source)


async def _record(session: AsyncSession, source: Source, got: Fetched | SourceError, trigger: str,
                  settings: Settings) -> SourceRunResult:
    now = utcnow()
    source.last_checked_at, source.next_run_at = now, schedule.next_run(source.schedule, now)
    session.add(source)
    if isinstance(got, Fetched) and got.unchanged:
        source.state, source.last_error = "ok", None
        log.info("source.run.unchanged source=%s requests=%s", source.name, got.requests)
        return SourceRunResult(unchanged=True, run=None)
    run = SourceRun(source_id=source.id, trigger=trigger, outcome="failed", started_at=now)  # type: ignore[arg-type]
    if isinstance(got, Fetched):
        run.requests, run.bytes = got.requests, got.bytes
        try:
            data = tabular.json_to_xlsx(got.items, source.options.get("mapping") or {}) if source.kind == "json" \
                else (tabular.csv_to_xlsx(got.body) if _is_csv(source) else got.body)
        except SourceError as exc:
            got = exc
    if isinstance(got, SourceError):
        return await _failed(session, source, run, got)
    report = await import_workbook(session, source.organisation_id, data, f"source:{source.name}",
                                   dry_run=False, allow_partial=not source.atomic,
                                   mapping=source.options.get("mapping") or None)
    if report.outcome == "invalid_file":
        return await _failed(session, source, run, SourceError("unparseable", report.error.message))  # type: ignore[union-attr]
    summary = report.summary
    run.outcome, run.import_id = report.outcome, report.id
    run.counts = {"rows": summary.rows, "create": summary.create, "update": summary.update,
                  "unchanged": summary.unchanged, "rejected": summary.rejected}
    listed = await repo.imported_codes(session, report.id)
    current = await repo.current_codes(session, source.organisation_id)
    run.missing = sorted(current - listed)
    await _delete_missing(session, source, run, report.outcome, len(current))
    run.finished_at = utcnow()
    source.state, source.last_error = "ok", None
    source.etag, source.last_modified = got.etag, got.last_modified  # type: ignore[union-attr]
    session.add(run)
    await session.flush()
    log.info("source.run.%s source=%s counts=%s missing=%s", run.outcome, source.name, run.counts, len(run.missing))
    metrics.SOURCE_RUNS.labels(run.outcome).inc()
    return SourceRunResult(unchanged=False, run=run_public(run))


async def _delete_missing(session: AsyncSession, source: Source, run: SourceRun, outcome: str, current: int) -> None:
    """Carry out `source.missing` on the sites the pull no longer lists, in the run's transaction:
    each is deleted through the establishments' deletion (its revision, the choice queued for
    every platform, the site in the status views until settled). Only a pull that was applied
    deletes, and never more than half of the organisation's sites at once: a source answering
    an empty or truncated list must not close a whole network (delete by hand if it is so)."""
    choice = MISSING_CHOICES.get(source.missing)
    if choice is None or not run.missing:
        return
    if outcome != "applied":
        run.error = f"missing={source.missing}: nothing deleted, the import was {outcome}"
        return
    if 2 * len(run.missing) > current:
        run.error = (f"missing={source.missing}: nothing deleted, the pull no longer lists {len(run.missing)} of "
                     f"{current} sites (over half): check the source, or delete them through the API or the CLI")
        return
    who = establishments.Source("import", run.import_id)
    for store_code in run.missing:
        await establishments.delete(session, source.organisation_id, store_code, who, None, choice)
    run.counts = {**run.counts, "deleted": len(run.missing)}
    log.info("source.run.deleted source=%s on_platforms=%s count=%d", source.name, choice.value, len(run.missing))


def _is_csv(source: Source) -> bool:
    return source.kind == "csv" or (source.kind == "sftp" and source.url.lower().endswith((".csv", ".txt")))


async def _failed(session: AsyncSession, source: Source, run: SourceRun, exc: SourceError) -> SourceRunResult:
    run.outcome, run.error, run.finished_at = "failed", f"{exc.reason}: {exc.message}", utcnow()
    metrics.SOURCE_RUNS.labels("failed").inc()
    source.state, source.last_error = "failed", run.error
    session.add(run)
    await session.flush()
    await events.record(session, source.organisation_id, "source.failed", {
        "source": source.name, "reason": exc.reason, "message": exc.message, "run_id": run.id})
    log.warning("source.run.failed source=%s reason=%s", source.name, exc.reason)
    return SourceRunResult(unchanged=False, run=run_public(run))
