"""A site the source no longer lists goes through the deletion decision (`missing: close`,
`remove`, `leave`; `report` only lists it): carried out on the real sandbox, the site in the
status views until settled; a pull that would delete over half of the sites deletes none."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import update
from sqlmodel import select

from service.db import unit_of_work
from service.models import EstablishmentRow, Source
from service.sources import service as sources
from tests.integrations.test_sources import json_source, make_due, settled
from tests.sync.conftest import connect_all, sandbox_admin, wait_for


async def _sync_rows(client, code: str) -> dict[str, dict]:
    items = (await client.get("/api/v1/sync", params={"limit": 500})).json()["items"]
    return {r["platform"]: r for r in items if r["store_code"] == code}


async def _google(sandbox) -> dict[str, dict]:
    return {loc["live"]["storeCode"]: loc for loc in await sandbox_admin(sandbox, "GET", "/_sandbox/google/locations")}


async def _until_out_of_view(client, code: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while await _sync_rows(client, code):
        assert time.monotonic() < deadline, await _sync_rows(client, code)
        await asyncio.sleep(0.3)


async def _set_missing(session_factory, choice: str) -> None:
    async with unit_of_work(session_factory) as session:
        await session.execute(update(Source).where(Source.name == "facilities").values(missing=choice))


async def _deleted(session_factory) -> dict[str, str | None]:
    async with unit_of_work(session_factory) as session:
        rows = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.deleted_at.is_not(None)))).all()  # type: ignore[union-attr]
        return {row.store_code: row.on_delete for row in rows}


async def test_a_scheduled_pull_closes_then_removes_the_sites_it_no_longer_lists(
        client, app, internal, sandbox, settings, session_factory):
    await connect_all(client, sandbox.url, platforms=("google",))
    assert (await client.post("/api/v1/sources", json=json_source(internal, missing="close"))).status_code == 201
    assert (await client.post("/api/v1/sources/facilities/run")).json()["run"]["counts"]["create"] == 3
    await wait_for(client, settled(3))

    internal.sites.pop()  # CLI-003 shut: the facilities database no longer lists it
    await make_due(session_factory)
    assert await sources.run_due(app.state.sessionmaker, settings) == 1
    run = (await client.get("/api/v1/sources/facilities/runs")).json()[0]
    assert run["trigger"] == "schedule" and run["missing"] == ["CLI-003"], run
    assert run["counts"]["deleted"] == 1 and run["error"] is None
    assert (await client.get("/api/v1/establishments/CLI-003")).status_code == 404
    assert set(await _sync_rows(client, "CLI-003")) == {"google"}  # in view until Google shows it closed
    await _until_out_of_view(client, "CLI-003")
    google = await _google(sandbox)
    assert google["CLI-003"]["live"]["openInfo"]["status"] == "CLOSED_PERMANENTLY"
    assert google["CLI-001"]["live"]["openInfo"]["status"] == "OPEN"

    await _set_missing(session_factory, "remove")
    internal.sites.pop()  # CLI-002 too
    run = (await client.post("/api/v1/sources/facilities/run")).json()["run"]
    assert run["missing"] == ["CLI-002"] and run["counts"]["deleted"] == 1, run
    await _until_out_of_view(client, "CLI-002")
    google = await _google(sandbox)
    assert "CLI-002" not in google and set(google) == {"CLI-001", "CLI-003"}  # removed from Google
    assert await _deleted(session_factory) == {"CLI-003": "close", "CLI-002": "remove"}


async def test_leave_report_and_the_guard_against_an_emptied_source(client, internal, session_factory):
    body = {"name": "facilities", "kind": "csv", "url": f"{internal.server.url}/sites.csv", "schedule": "every 1d",
            "missing": "leave"}
    assert (await client.post("/api/v1/sources", json=body)).status_code == 201
    assert (await client.post("/api/v1/sources/facilities/run")).json()["run"]["counts"]["create"] == 3
    kept = internal.sites.pop(0)

    del internal.sites[:]  # a source answering an empty or truncated list closes nothing
    internal.sites.append(kept)
    run = (await client.post("/api/v1/sources/facilities/run")).json()["run"]
    assert run["missing"] == ["CLI-002", "CLI-003"] and "nothing deleted" in run["error"], run
    assert "deleted" not in run["counts"] and await _deleted(session_factory) == {}

    internal.sites[:] = [kept, {**kept, "id": "CLI-002", "title": "Clinique des Lilas"}]
    await _set_missing(session_factory, "report")
    run = (await client.post("/api/v1/sources/facilities/run")).json()["run"]
    assert run["missing"] == ["CLI-003"] and run["error"] is None and "deleted" not in run["counts"]
    assert await _deleted(session_factory) == {}  # report: listed in the run, nothing done

    await _set_missing(session_factory, "leave")
    run = (await client.post("/api/v1/sources/facilities/run")).json()["run"]
    assert run["missing"] == ["CLI-003"] and run["counts"]["deleted"] == 1, run
    assert await _deleted(session_factory) == {"CLI-003": "leave"}  # deleted in Vitrine, listings left as they are


async def test_an_unknown_missing_choice_is_a_422_naming_it(client, internal):
    response = await client.post("/api/v1/sources", json=json_source(internal, missing="wipe"))
    assert response.status_code == 422 and "missing" in response.text
