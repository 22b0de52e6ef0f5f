"""`N=50000 [INDEX=1] python -m bench.outbox_purge`: time the event outbox retention
(`service.webhooks.retention.purge_events`) on PostgreSQL, in a throw-away schema: N settled
events 40 days old with two deliveries each (1 % with one still pending), then one purge.

Not yet in `python -m bench`'s list. Figures (2 shared cores, PostgreSQL 127.0.0.1, N=20,000):
19,800 events purged in 35.6 s (557/s) on the current schema; 1.1 s (17,700/s) with INDEX=1,
which adds an index on webhook_delivery(event_id): without it, deleting an event makes
PostgreSQL scan webhook_delivery for the foreign key, once per event, so a batch's time grows
with the delivery log. The index needs a migration (left to the lead, see the branch report).
"""
import asyncio
import os
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert, text

from service import migrate
from service.db import make_engine, make_sessionmaker
from service.models import Event, WebhookDelivery, WebhookEndpoint, utcnow
from service.settings import Settings
from service.webhooks.retention import purge_events

N = int(os.environ.get("N", "50000"))
BASE = os.environ.get("VITRINE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def main():
    schema = f"vitrine_bench_purge_{uuid.uuid4().hex[:6]}"
    args = {"connect_args": {"server_settings": {"search_path": schema}}}
    eng = make_engine(BASE, **args)
    async with eng.begin() as c:
        await c.execute(text(f'CREATE SCHEMA "{schema}"'))
    await migrate.upgrade(eng)
    try:
        old = utcnow() - timedelta(days=40)
        async with eng.begin() as c:
            org = (await c.execute(text("INSERT INTO organisation (name, created_at, drift_policy) VALUES ('b', now(), 'report') RETURNING id"))).scalar()
        async with eng.begin() as c:
            eps = []
            for i in range(2):
                eps.append((await c.execute(insert(WebhookEndpoint.__table__).returning(WebhookEndpoint.__table__.c.id),
                    {"organisation_id": org, "url": f"https://h.test/{i}", "events": [], "secret": "s", "enabled": True, "created_at": old})).scalar())
        t0 = time.monotonic()
        for start in range(0, N, 5000):
            ids = [f"msg_{i:032x}" for i in range(start, min(N, start + 5000))]
            async with eng.begin() as c:
                await c.execute(insert(Event.__table__), [{"id": e, "organisation_id": org, "kind": "k", "payload": {}, "created_at": old, "dispatched_at": old} for e in ids])
                await c.execute(insert(WebhookDelivery.__table__), [{"endpoint_id": ep, "event_id": e, "kind": "k", "status": "pending" if (j % 100 == 0 and ep == eps[1]) else "delivered", "attempts": 1, "log": [], "created_at": old} for j, e in enumerate(ids) for ep in eps])
        async with eng.begin() as c:
            if os.environ.get("INDEX"):
                await c.execute(text("CREATE INDEX ix_webhook_delivery_event ON webhook_delivery (event_id)"))
            await c.execute(text("ANALYZE"))
        print(f"filled {N} events, {2*N} deliveries in {time.monotonic()-t0:.1f}s", flush=True)
        sm = make_sessionmaker(eng)
        t0 = time.monotonic()
        deleted = await purge_events(sm, Settings())
        spent = time.monotonic() - t0
        async with eng.begin() as c:
            left = (await c.execute(text("select count(*) from event"))).scalar()
        print(f"purged {deleted} events in {spent:.2f}s ({deleted/spent:.0f}/s); {left} left (pending ones)")
    finally:
        async with eng.begin() as c:
            await c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await eng.dispose()

if __name__ == "__main__":
    asyncio.run(main())
