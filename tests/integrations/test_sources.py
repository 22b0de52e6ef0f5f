"""Sources against a real internal system over HTTP (tests/integrations/servers.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import select

from service.db import unit_of_work
from service.settings import Settings
from service.models import EstablishmentRow, Event, ImportRun, Notification, Revision, Source, SourceRun, utcnow
from service.sources import service as sources
from service.webhooks.tasks import CONSUMERS
from service import events
from service.notifications import service as notifications
from tests.integrations.conftest import MAPPING
from tests.sync.conftest import connect_all, wait_for


def json_source(internal, **extra):
    return {"name": "facilities", "kind": "json", "url": internal.server.url + "/sites?page=1",
            "items_path": "data.sites", "next_path": "links.next", "mapping": MAPPING, "schedule": "every 15m",
            "secrets": {"token": "s3cret-token"}, **extra}


async def make_due(session_factory, name: str = "facilities") -> None:
    async with unit_of_work(session_factory) as session:
        await session.execute(update(Source).where(Source.name == name)
                              .values(next_run_at=utcnow() - timedelta(seconds=1)))


async def count(session_factory, model) -> int:
    async with unit_of_work(session_factory) as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def revisions(session_factory) -> dict[str, int]:
    async with unit_of_work(session_factory) as session:
        rows = (await session.exec(select(EstablishmentRow.store_code, EstablishmentRow.revision))).all()
        return dict(rows)


def settled(n: int):
    return lambda s: s["platforms"].get("google", {}).get("live") == n and \
        s["totals"].get("pending", 0) + s["totals"].get("in_progress", 0) == 0


async def test_json_source_two_pages_changed_field_pushed_then_unchanged_costs_one_request(
        client, app, internal, sandbox, settings, session_factory):
    await connect_all(client, sandbox.url, platforms=("google",))
    created = await client.post("/api/v1/sources", json=json_source(internal))
    assert created.status_code == 201, created.text
    assert created.json()["secrets"] == ["token"] and "s3cret" not in created.text
    async with unit_of_work(session_factory) as session:
        stored = (await session.exec(select(Source))).one()
        assert "s3cret" not in (stored.secrets or "")  # encrypted at rest

    first = (await client.post("/api/v1/sources/facilities/run")).json()
    assert first["run"]["counts"] == {"rows": 3, "create": 3, "update": 0, "unchanged": 0, "rejected": 0}
    assert first["run"]["requests"] == 2  # two pages, by the next link
    assert internal.requests[0]["authorization"] == "Bearer s3cret-token"
    await wait_for(client, settled(3))

    internal.sites[1]["phone"] = "04 72 99 99 99"  # the internal system changes one field of one site
    await make_due(session_factory)
    assert await sources.run_due(app.state.sessionmaker, settings) == 1  # the scheduler's pass
    runs = (await client.get("/api/v1/sources/facilities/runs")).json()
    assert runs[0]["trigger"] == "schedule" and runs[0]["outcome"] == "applied"
    assert runs[0]["counts"] == {"rows": 3, "create": 0, "update": 1, "unchanged": 2, "rejected": 0}
    assert await revisions(session_factory) == {"CLI-001": 1, "CLI-002": 2, "CLI-003": 1}
    await wait_for(client, settled(3))
    sync = {code: (await client.get(f"/api/v1/establishments/{code}/sync")).json()[0]
            for code in ("CLI-001", "CLI-002", "CLI-003")}
    assert sync["CLI-002"]["pushed_revision"] == 2 and sync["CLI-002"]["detail"]["sent"] == ["phoneNumbers"]
    assert sync["CLI-001"]["pushed_revision"] == 1 and sync["CLI-003"]["pushed_revision"] == 1

    runs_before, imports_before = await count(session_factory, SourceRun), await count(session_factory, ImportRun)
    internal.requests.clear()
    await make_due(session_factory)
    assert await sources.run_due(app.state.sessionmaker, settings) == 1
    assert len(internal.requests) == 1 and internal.requests[0]["if_none_match"] == internal.etag()
    assert await count(session_factory, SourceRun) == runs_before
    assert await count(session_factory, ImportRun) == imports_before
    shown = (await client.get("/api/v1/sources/facilities")).json()
    assert shown["state"] == "ok" and shown["next_run_at"] > shown["last_checked_at"]


async def test_failing_source_500_then_401_then_malformed(client, app, internal, settings, session_factory,
                                                          mailbox):
    assert (await client.post("/api/v1/notifications/recipients",
                              json={"email": "it@horizon-sante.fr", "language": "fr"})).status_code == 201
    await client.post("/api/v1/sources", json=json_source(internal))
    assert (await client.post("/api/v1/sources/facilities/run")).json()["run"]["outcome"] == "applied"
    before = await revisions(session_factory)
    revision_rows = await count(session_factory, Revision)
    internal.sites[0]["title"] = "Clinique du Parc (renamed, must not land)"
    reasons = []
    for mode in ("500", "401", "malformed"):
        internal.mode = mode
        await make_due(session_factory)
        await sources.run_due(app.state.sessionmaker, settings)
        run = (await client.get("/api/v1/sources/facilities/runs")).json()[0]
        assert run["outcome"] == "failed"
        reasons.append(run["error"])
        await events.dispatch(app.state.sessionmaker, CONSUMERS)
        await notifications.flush(app.state.sessionmaker, settings)
    assert reasons[0].startswith("http: ") and "HTTP 500" in reasons[0]
    assert reasons[1].startswith("auth: ") and "HTTP 401" in reasons[1]
    assert reasons[2].startswith("unparseable: ")
    assert (await client.get("/api/v1/sources/facilities")).json()["state"] == "failed"
    assert await revisions(session_factory) == before and await count(session_factory, Revision) == revision_rows
    assert await count(session_factory, Notification) == 3
    assert len(mailbox.messages) == 3  # one e-mail per failure (one recipient)
    bodies = [m.get_body(("plain",)).get_content() for m in mailbox.messages]
    for body, fragment in zip(bodies, ("HTTP 500", "HTTP 401", "did not send JSON")):
        assert "La source « facilities » a échoué" in body and fragment in body


async def test_slow_and_oversized_sources_fail_with_their_reason(client, app, internal, settings, session_factory):
    await client.post("/api/v1/sources", json=json_source(internal))
    for mode, reason in (("slow", "timeout: "), ("huge", "too_large: ")):
        internal.mode = mode
        result = (await client.post("/api/v1/sources/facilities/run")).json()
        assert result["run"]["outcome"] == "failed" and result["run"]["error"].startswith(reason), result
    assert await count(session_factory, EstablishmentRow) == 0


async def test_csv_and_xlsx_sources_and_missing_sites_reported(client, internal, session_factory):
    for kind in ("csv", "xlsx"):
        body = {"name": kind, "kind": kind, "url": f"{internal.server.url}/sites.{kind}", "schedule": "0 6 * * 1",
                "atomic": False, "missing": "close"}
        assert (await client.post("/api/v1/sources", json=body)).status_code == 201
    csv_run = (await client.post("/api/v1/sources/csv/run")).json()["run"]
    assert csv_run["counts"]["create"] == 3 and csv_run["missing"] == []
    internal.sites.pop()  # CLI-003 no longer listed
    xlsx_run = (await client.post("/api/v1/sources/xlsx/run")).json()["run"]
    assert xlsx_run["counts"]["unchanged"] == 2 and xlsx_run["missing"] == ["CLI-003"]
    assert xlsx_run["counts"]["deleted"] == 1 and xlsx_run["error"] is None  # missing=close: deleted, closed
    assert (await client.get("/api/v1/establishments/CLI-003")).status_code == 404
    revisions = (await client.get("/api/v1/establishments/CLI-003/revisions")).status_code
    assert revisions == 404  # a deleted site is gone from the API; its deletion is in its revisions (below)
    async with unit_of_work(session_factory) as session:
        row = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.store_code == "CLI-003"))).one()
        deletion = (await session.exec(select(Revision).where(Revision.establishment_id == row.id,
                                                              Revision.action == "delete"))).one()
    assert row.on_delete == "close" and deletion.source == "import" and deletion.source_ref == xlsx_run["import_id"]
    async with unit_of_work(session_factory) as session:
        done = (await session.exec(select(Event).where(Event.kind == "import.completed"))).all()
    assert sorted(e.payload["filename"] for e in done) == ["source:csv", "source:xlsx"]
    assert {e.payload["import_id"] for e in done} == {csv_run["import_id"], xlsx_run["import_id"]}


async def test_a_source_url_must_be_https(client):
    body = {"name": "plain", "kind": "csv", "url": "http://intranet.example/sites.csv"}
    response = await client.post("/api/v1/sources", json=body)
    assert response.status_code == 422 and response.json()["error"]["field"] == "url"
    bad_schedule = {"name": "x", "kind": "csv", "url": "https://intranet.example/s.csv", "schedule": "often"}
    assert (await client.post("/api/v1/sources", json=bad_schedule)).json()["error"]["field"] == "schedule"


async def test_sftp_file_with_pinned_host_key_then_unchanged(client, internal, tmp_path):
    from connectors.sandbox.sftp import SftpInbox
    from tests.integrations.servers import xlsx_bytes

    async with SftpInbox(tmp_path / "sftp") as inbox:
        options = inbox.options("exports")
        (tmp_path / "sftp" / "exports" / "sites.xlsx").write_bytes(xlsx_bytes(internal._rows()))
        body = {"name": "fileserver", "kind": "sftp", "url": f"sftp://127.0.0.1:{inbox.port}/exports/sites.xlsx",
                "known_hosts": options["known_hosts"], "secrets": inbox.credentials}
        assert (await client.post("/api/v1/sources", json=body)).status_code == 201
        first = (await client.post("/api/v1/sources/fileserver/run")).json()
        assert first["run"]["outcome"] == "applied" and first["run"]["counts"]["create"] == 3
        again = (await client.post("/api/v1/sources/fileserver/run")).json()
        assert again == {"unchanged": True, "run": None}  # same size and mtime: no run
        wrong_key = {**body, "name": "spoofed", "known_hosts": f"[127.0.0.1]:{inbox.port} ssh-ed25519 "
                     "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}
        await client.post("/api/v1/sources", json=wrong_key)
        refused = (await client.post("/api/v1/sources/spoofed/run")).json()["run"]
        assert refused["outcome"] == "failed" and refused["error"].startswith("auth: ") and "host key" in refused["error"]


async def test_two_runs_of_one_source_never_overlap(client, app, internal, settings, session_factory):
    import asyncio

    await client.post("/api/v1/sources", json=json_source(internal))
    async with unit_of_work(session_factory) as session:
        source_id = (await session.exec(select(Source.id))).one()
    internal.mode = "slow"  # the first run holds the lock while it waits
    results = await asyncio.gather(*(sources.run(app.state.sessionmaker, settings, source_id, "manual")
                                     for _ in range(2)))
    assert sorted(r is None for r in results) == [False, True]
    busy = sources.run(app.state.sessionmaker, settings, source_id, "manual")
    assert (await busy) is not None  # the lock is released after the run


def test_integrations_crons_are_composed_for_both_executors():
    from service.tasks import all_tasks
    from service.worker import worker_options

    names = {c.name for c in all_tasks().crons}
    assert {"sources_run_due", "webhooks_dispatch_and_deliver", "notifications_flush",
            "notifications_digest"} <= names
    arq_crons = {c.name for c in worker_options(Settings(redis_url="redis://127.0.0.1:6379/7"))["cron_jobs"]}
    assert {"sources_run_due", "webhooks_dispatch_and_deliver", "notifications_flush",
            "notifications_digest"} <= arq_crons


async def test_source_and_webhook_errors_are_in_the_openapi(anon_client):
    spec = (await anon_client.get("/openapi.json")).json()
    assert "409" in spec["paths"]["/api/v1/sources/{name}/run"]["post"]["responses"]
    for path, method in (("/api/v1/sources", "post"), ("/api/v1/webhooks", "post")):
        responses = spec["paths"][path][method]["responses"]
        assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


async def test_embedded_mode_runs_a_due_source_on_its_own(internal, engine, session_factory, settings, org):
    """No direct call: the app's in-process runner finds the source due and runs it."""
    import asyncio

    import httpx

    from service.api import create_app

    quick = settings.model_copy(update={"source_poll_seconds": 0.2})
    application = create_app(quick, engine=engine)
    async with application.router.lifespan_context(application):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://vitrine",
                                     headers={"Authorization": f"Bearer {org[1]}"}) as client:
            assert (await client.post("/api/v1/sources", json=json_source(internal))).status_code == 201
            await make_due(session_factory)
            for _ in range(100):
                runs = (await client.get("/api/v1/sources/facilities/runs")).json()
                if runs:
                    break
                await asyncio.sleep(0.1)
    assert runs and runs[0]["trigger"] == "schedule" and runs[0]["counts"]["create"] == 3
