"""Event outbox retention (`service.webhooks.retention.purge_events`) on PostgreSQL: N settled
events 40 days old with two webhook deliveries each (1 % with one delivery still pending, which
must stay), purged in Vitrine's batches of 1,000, one short transaction each.

Baseline, in the same run on the same data: the two bare SQL statements that delete the same
events and deliveries at once (one long transaction, which Vitrine avoids so the sync engine's
writes to the outbox never wait on it). Before the `webhook_delivery(event_id)` index
(migration b5e2c8d4f6a1) each deleted event made PostgreSQL scan the delivery table: 557
events a second on 20,000, 17,700 with it.

`python -m bench --only purge` (or `python -m bench.outbox_purge`).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, text

from bench.report import Figure

BASE = os.environ.get("VITRINE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# the batches cost by design: 20 short transactions of select, delete, delete for 20,000 events
# against one long one; measured 4.2x on the first run (2026-12-03), the target leaves room
TARGET = 5.0
RAW = ["DELETE FROM webhook_delivery d USING event e WHERE d.event_id = e.id AND e.created_at < :cutoff "
       "AND NOT EXISTS (SELECT 1 FROM webhook_delivery p WHERE p.event_id = e.id AND p.status = 'pending')",
       "DELETE FROM event e WHERE e.created_at < :cutoff AND e.dispatched_at IS NOT NULL "
       "AND NOT EXISTS (SELECT 1 FROM webhook_delivery p WHERE p.event_id = e.id AND p.status = 'pending')"]


async def _fill(engine: Any, count: int) -> None:
    from service.models import Event, WebhookDelivery, WebhookEndpoint, utcnow

    old = utcnow() - timedelta(days=40)
    async with engine.begin() as c:
        org = (await c.execute(text("INSERT INTO organisation (name, created_at, drift_policy) "
                                    "VALUES ('bench', now(), 'report') RETURNING id"))).scalar()
        endpoints = [(await c.execute(insert(WebhookEndpoint.__table__).returning(WebhookEndpoint.__table__.c.id), {
            "organisation_id": org, "url": f"https://h.test/{i}", "events": [], "secret": "s", "enabled": True,
            "created_at": old})).scalar() for i in range(2)]
    for start in range(0, count, 5000):
        ids = [f"msg_{i:032x}" for i in range(start, min(count, start + 5000))]
        async with engine.begin() as c:
            await c.execute(insert(Event.__table__), [{"id": e, "organisation_id": org, "kind": "k", "payload": {},
                                                       "created_at": old, "dispatched_at": old} for e in ids])
            await c.execute(insert(WebhookDelivery.__table__), [
                {"endpoint_id": ep, "event_id": e, "kind": "k", "attempts": 1, "log": [], "created_at": old,
                 "status": "pending" if (j % 100 == 0 and ep == endpoints[1]) else "delivered"}
                for j, e in enumerate(ids) for ep in endpoints])
    async with engine.begin() as c:
        await c.execute(text("ANALYZE"))


async def _schema(label: str) -> tuple[Any, str]:
    from service import migrate
    from service.db import make_engine

    schema = f"vitrine_bench_purge_{label}_{uuid.uuid4().hex[:6]}"
    engine = make_engine(BASE, connect_args={"server_settings": {"search_path": schema}})
    async with engine.begin() as c:
        await c.execute(text(f'CREATE SCHEMA "{schema}"'))
    await migrate.upgrade(engine)
    return engine, schema


async def _drop(engine: Any, schema: str) -> None:
    async with engine.begin() as c:
        await c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


async def _left(engine: Any) -> int:
    async with engine.begin() as c:
        return int((await c.execute(text("SELECT count(*) FROM event"))).scalar() or 0)


async def run(quick: bool) -> list[Figure]:
    from service.db import make_sessionmaker
    from service.models import utcnow
    from service.settings import Settings
    from service.webhooks.retention import purge_events

    count = 5_000 if quick else 20_000
    engine, schema = await _schema("vitrine")
    try:
        await _fill(engine, count)
        start = time.perf_counter()
        purged = await purge_events(make_sessionmaker(engine), Settings())
        spent = time.perf_counter() - start
        kept = await _left(engine)
    finally:
        await _drop(engine, schema)
    engine, schema = await _schema("raw")
    try:
        await _fill(engine, count)
        start = time.perf_counter()
        async with engine.begin() as c:
            for statement in RAW:
                await c.execute(text(statement), {"cutoff": utcnow() - timedelta(days=30)})
        raw = time.perf_counter() - start
        raw_kept = await _left(engine)
    finally:
        await _drop(engine, schema)
    pending = count // 100
    held = spent / raw <= TARGET and kept == raw_kept == pending and purged == count - pending
    print(f"  purge: {purged:,} events in {spent:.2f} s ({purged / spent:,.0f}/s), {kept} kept; "
          f"bare SQL {raw:.2f} s, {raw_kept} kept", flush=True)
    return [Figure(name="outbox.purge", value=round(spent, 3), baseline=round(raw, 3), unit="s",
                   target=f"ratio <= {TARGET}, the {pending} events with a pending delivery kept", held=held,
                   ratio=round(spent / raw, 2),
                   note=(f"{count:,} settled events x 2 deliveries, 40 days old, retention 30 days: {purged:,} purged "
                         f"in batches of 1,000 ({purged / spent:,.0f}/s), {kept} kept (a delivery pending); baseline: "
                         f"the same delete as two bare SQL statements in one transaction"))]


if __name__ == "__main__":
    import sys

    for figure in asyncio.run(run("--quick" in sys.argv)):
        print(json.dumps(figure.as_json(), indent=1))
