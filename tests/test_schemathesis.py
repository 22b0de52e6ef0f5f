"""A bounded, seeded schemathesis run over the whole OpenAPI: no answer is a 5xx (issue 12).

Every operation gets `POSITIVE` cases (valid by the schema) and `NEGATIVE` ones (invalid by it),
drawn by Hypothesis with `derandomize=True` (the same cases every run), against a real uvicorn
server on 127.0.0.1 serving the test's app and database, with a valid API key. The run is
bounded by `EXAMPLES` per operation and mode (35 operations: about 500 calls). Cases do not
stop at the first 5xx: every one is listed in the failure message. `pytest -s` prints the tally.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter

import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.establishments.factories import record

EXAMPLES = 8


def run_cases(openapi: dict, base_url: str, headers: dict[str, str]) -> tuple[Counter, list[str]]:
    schema = schemathesis.openapi.from_dict(openapi)
    tally: Counter = Counter()
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case) -> None:
                response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
                tally[f"{response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}: "
                                    f"{response.text[:200]}")

            try:
                call()
            except Exception as exc:  # noqa: BLE001 - a strategy this schema cannot satisfy is reported, not fatal
                tally[f"not generated ({type(exc).__name__})"] += 1
    return tally, failures


async def test_no_generated_request_gets_a_5xx(app, client, auth) -> None:
    await client.post("/api/v1/establishments/bulk", json={"items": [record(f"FZ-{i}") for i in range(3)]})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        tally, failures = await asyncio.to_thread(run_cases, app.openapi(), f"http://127.0.0.1:{port}", auth)
    finally:
        server.should_exit = True
        await serving
    calls = sum(v for k, v in tally.items() if k.endswith("xx"))
    print(f"\nschemathesis: {calls} cases over {len(app.openapi()['paths'])} paths, by status class "
          f"{dict(sorted(tally.items()))}")
    assert calls >= 300, tally
    assert not failures, "\n".join(failures)
