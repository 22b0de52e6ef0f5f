"""Race figures over real HTTP: `python -m bench.races [--rounds N]`.

What issue 12 measured, rerun against `vitrine serve` (uvicorn, one process, the server of
bench/api.py) on a PostgreSQL database of its own, created for the run and dropped after:

- 50 concurrent `POST /establishments` of one store code: every answer 201 or 409, one 201;
- 3 overlapping `POST /establishments/bulk` (100 codes shared by the three, 100 of each its
  own): every item written or rejected by itself, no item lost;
- 20 concurrent `PATCH` without `If-Match`, each adding its own `platform_ids` key: all 200,
  21 revisions, every key present (no revision lost);
- 20 concurrent `PATCH` with the same `If-Match`: exactly one 200, the others 412.

Prints one line per scenario (status counts summed over the rounds, 5xx, writes lost) and
exits 1 if any 5xx or lost write was seen. Not a performance figure, so not part of
`python -m bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from typing import Any

import httpx

from bench.api import BenchDatabase, Server
from tests.establishments.factories import record

URL = "/api/v1/establishments"


async def _key(database_url: str) -> str:
    from service.auth.service import create_api_key, create_organisation
    from service.db import make_engine, make_sessionmaker, unit_of_work

    engine = make_engine(database_url)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        await create_organisation(session, "Race Santé")
        _, key = await create_api_key(session, "Race Santé")
    await engine.dispose()
    return key


async def creates(client: httpx.AsyncClient, round_: int) -> tuple[Counter[int], int]:
    code = f"RACE-{round_}"
    answers = await asyncio.gather(*(client.post(URL, json=record(code, name=f"Clinique {i}")) for i in range(50)))
    statuses = Counter(r.status_code for r in answers)
    lost = 0 if statuses[201] == 1 and (await client.get(f"{URL}/{code}")).status_code == 200 else 1
    return statuses, lost


async def bulks(client: httpx.AsyncClient, round_: int) -> tuple[Counter[int], int]:
    shared = [f"SH-{round_}-{i:03d}" for i in range(100)]
    calls = [[record(c, name=f"Bulk {b} {c}") for c in shared]
             + [record(f"OWN-{round_}-{b}-{i:03d}", name=f"Bulk {b} own") for i in range(100)] for b in range(3)]
    answers = await asyncio.gather(*(client.post(f"{URL}/bulk", json={"items": items}) for items in calls))
    statuses = Counter(r.status_code for r in answers)
    items: Counter[str] = Counter()
    for response in answers:
        if response.status_code == 200:
            items.update(f"item {r['result']}" for r in response.json()["results"])
    wanted = set(shared) | {f"OWN-{round_}-{b}-{i:03d}" for b in range(3) for i in range(100)}
    found: set[str] = set()
    cursor = None
    while True:
        page = (await client.get(URL, params={"limit": 500, "q": f"-{round_}-", **({"cursor": cursor} if cursor else {})})).json()
        found |= {i["store_code"] for i in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    statuses.update(items)  # type: ignore[arg-type]
    return statuses, len(wanted - found)


async def patches(client: httpx.AsyncClient, round_: int, if_match: bool) -> tuple[Counter[int], int]:
    code = f"PATCH-{round_}-{'m' if if_match else 'n'}"
    created = await client.post(URL, json=record(code))
    assert created.status_code == 201, created.text
    headers = {"Content-Type": "application/merge-patch+json", **({"If-Match": '"1"'} if if_match else {})}
    answers = await asyncio.gather(*(
        client.patch(f"{URL}/{code}", content=json.dumps({"name": f"Clinique {i}", "platform_ids": {f"p{i}": str(i)}}),
                     headers=headers) for i in range(20)))
    statuses = Counter(r.status_code for r in answers)
    final = (await client.get(f"{URL}/{code}")).json()
    if if_match:
        lost = 0 if final["revision"] == 2 and len(final["platform_ids"]) == 1 else 1
    else:
        lost = 20 - len(final["platform_ids"]) + (0 if final["revision"] == 21 else 1)
    return statuses, lost


async def main(rounds: int) -> int:
    db = BenchDatabase()
    await db.create()
    try:
        key = await _key(db.url)
        async with Server(db.url) as server:
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=100,
                                 keepalive_expiry=2)  # under uvicorn's 5 s: never reuse a socket it is closing
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", limits=limits, timeout=120,
                                         headers={"Authorization": f"Bearer {key}"}) as client:
                assert (await client.get(URL)).status_code == 200  # the key's first use is a write: done before
                scenarios: dict[str, Any] = {
                    "50 concurrent creates of one store code": lambda r: creates(client, r),
                    "3 overlapping bulk upserts (100 shared + 3 x 100 own codes)": lambda r: bulks(client, r),
                    "20 concurrent PATCHes without If-Match": lambda r: patches(client, r, False),
                    "20 concurrent PATCHes with one If-Match": lambda r: patches(client, r, True),
                }
                bad = 0
                print(f"rounds: {rounds}; server: uvicorn, one process; PostgreSQL database {db.name}")
                for name, scenario in scenarios.items():
                    total: Counter[Any] = Counter()
                    lost = 0
                    for r in range(rounds):
                        statuses, lost_here = await scenario(r)
                        total.update(statuses)
                        lost += lost_here
                    errors = sum(n for s, n in total.items() if isinstance(s, int) and s >= 500)
                    bad += errors + lost
                    counts = ", ".join(f"{n} x {s}" for s, n in sorted(total.items(), key=lambda kv: str(kv[0])))
                    print(f"{name}: {counts}; 5xx: {errors}; writes lost: {lost}")
    finally:
        await db.drop()
    return 1 if bad else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.races", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
