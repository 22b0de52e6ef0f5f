"""Bing micro-batching over a mocked network (respx): concurrent pushes share one call, each
caller gets its own result or error, whole-call failures reach every caller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx

from connectors.base import ActionRequired, FieldError, PushContext, PushResult, Rejected, RetryableError
from connectors.bing import batcher
from connectors.bing.connector import BingConnector, batch_tracking_id
from tests.connectors.bing.conftest import CONFIRMED
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://bingplaces.com"
API = "/trustedPartnerApi/v1"
KEY = "k3y-never-shown"


def est(n: int) -> Establishment:
    return Establishment.model_validate(record(email=None, store_code=f"CLI-{n:03d}"))


def ctx(record_: Establishment, remote_id: str | None = None) -> PushContext:
    return PushContext(store_code=record_.store_code, remote_id=remote_id, remote_version=None, previous=None,
                       changed=[], request_id=f"req-{record_.store_code}")


def body(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def answer(statuses: dict[str, str] | None = None, errors: dict[str, list[dict[str, str]]] | None = None,
           ) -> Callable[[httpx.Request], httpx.Response]:
    """A Create/UpdateBusinesses answer with a result per business of the request (Success unless told)."""
    statuses, errors = statuses or {}, errors or {}

    def respond(request: httpx.Request) -> httpx.Response:
        results = [{"StoreId": b["StoreId"], "Status": statuses.get(b["StoreId"], "Success"),
                    "Errors": errors.get(b["StoreId"], [])} for b in body(request)["Businesses"]]
        ok = all(r["Status"] == "Success" for r in results)
        return httpx.Response(200, json={"TrackingId": body(request)["TrackingId"], "ErrorMessage": None,
                                         "OperationStatus": "Success" if ok else "PartialSuccess", "Results": results})
    return respond


def no_businesses(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"TrackingId": body(request)["TrackingId"], "OperationStatus": "Success",
                                     "Businesses": []})


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE + API, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


def connector(client: httpx.AsyncClient, **options: Any) -> BingConnector:
    return BingConnector(client, "", {"api_key": KEY}, {"email_id": "it@groupe.fr", **CONFIRMED, **options})


async def push_all(records: list[Establishment], remote: bool = False,
                   make: Callable[[], BingConnector] | None = None) -> list[PushResult | BaseException]:
    """Push concurrently, one connector per push (as the engine does: a connector per job)."""
    assert make is not None

    async def one(r: Establishment) -> PushResult:
        c = make()
        return await c.push(r, c.render(r), ctx(r, r.store_code if remote else None))
    return await asyncio.gather(*(one(r) for r in records), return_exceptions=True)


async def test_three_concurrent_creates_make_one_lookup_and_one_create(api: respx.MockRouter,
                                                                     client: httpx.AsyncClient) -> None:
    get = api.post("/GetBusinesses").mock(side_effect=no_businesses)
    create = api.post("/CreateBusinesses").mock(side_effect=answer())
    records = [est(1), est(2), est(3)]
    results = await push_all(records, make=lambda: connector(client))
    assert [(r.remote_id, r.created, r.state) for r in results] == [  # type: ignore[union-attr]
        ("CLI-001", True, "awaiting_review"), ("CLI-002", True, "awaiting_review"), ("CLI-003", True, "awaiting_review")]
    assert get.call_count == 1 and sorted(body(get.calls[0].request)["StoreIds"]) == ["CLI-001", "CLI-002", "CLI-003"]
    assert create.call_count == 1
    sent = body(create.calls[0].request)
    assert sorted(b["StoreId"] for b in sent["Businesses"]) == ["CLI-001", "CLI-002", "CLI-003"]
    assert sent["Businesses"][0] == connector(client).render(records[0]).payload  # full records
    assert sent["Identity"] == {"EmailId": "it@groupe.fr"}
    assert sent["TrackingId"] == batch_tracking_id(["req-CLI-003", "req-CLI-001", "req-CLI-002"])
    assert create.calls[0].request.headers["X-Api-Key"] == KEY


def test_batch_tracking_id_is_deterministic_and_keeps_a_lone_request_id() -> None:
    assert batch_tracking_id(["req-1"]) == "req-1"
    assert batch_tracking_id(["b", "a"]) == batch_tracking_id(["a", "b"]) != batch_tracking_id(["a", "c"])
    assert batch_tracking_id(["b", "a"]).startswith("vitrine-batch-") and len(batch_tracking_id(["a", "b"])) <= 60


async def test_per_business_errors_reach_only_their_caller(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    update = api.post("/UpdateBusinesses").mock(side_effect=answer(
        {"CLI-001": "ValidationFailed", "CLI-002": "NotFound"},
        {"CLI-001": [{"Field": "ZipCode", "Message": "ZipCode is invalid."}]}))
    bad, gone, fine = await push_all([est(1), est(2), est(3)], remote=True, make=lambda: connector(client))
    assert update.call_count == 1 and len(body(update.calls[0].request)["Businesses"]) == 3
    assert isinstance(bad, Rejected) and bad.field_errors == [FieldError("ZipCode", "ZipCode is invalid.")]
    assert isinstance(gone, ActionRequired) and "no longer exists" in gone.reason
    assert isinstance(fine, PushResult) and fine.remote_id == "CLI-003" and fine.state == "awaiting_review"


async def test_already_exists_in_a_batch_adopts_that_business_only(api: respx.MockRouter,
                                                                    client: httpx.AsyncClient) -> None:
    api.post("/GetBusinesses").mock(side_effect=no_businesses)  # created meanwhile by a run we did not record
    create = api.post("/CreateBusinesses").mock(side_effect=answer({"CLI-002": "AlreadyExists"}))
    update = api.post("/UpdateBusinesses").mock(side_effect=answer())
    first, second, third = await push_all([est(1), est(2), est(3)], make=lambda: connector(client))
    assert create.call_count == 1 and update.call_count == 1
    assert [b["StoreId"] for b in body(update.calls[0].request)["Businesses"]] == ["CLI-002"]
    assert isinstance(second, PushResult) and second.detail == {"adopted": True} and not second.created
    assert isinstance(first, PushResult) and first.created and isinstance(third, PushResult) and third.created


async def test_a_business_missing_from_the_answer_is_retried_alone(api: respx.MockRouter,
                                                                   client: httpx.AsyncClient) -> None:
    def partial(request: httpx.Request) -> httpx.Response:
        results = [{"StoreId": b["StoreId"], "Status": "Success", "Errors": []}
                   for b in body(request)["Businesses"] if b["StoreId"] != "CLI-002"]
        return httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "PartialSuccess",
                                         "ErrorMessage": "busy", "Results": results})
    api.post("/UpdateBusinesses").mock(side_effect=partial)
    first, second = await push_all([est(1), est(2)], remote=True, make=lambda: connector(client))
    assert isinstance(first, PushResult)
    assert isinstance(second, RetryableError) and "busy" in second.message


async def test_throttled_call_fails_every_caller_with_retry_after(api: respx.MockRouter,
                                                                  client: httpx.AsyncClient) -> None:
    update = api.post("/UpdateBusinesses").mock(return_value=httpx.Response(
        429, json={"TrackingId": "t", "ErrorCode": "ThrottlingLimitExceeded", "ErrorMessage": "Slow down"},
        headers={"Retry-After": "4"}))
    results = await push_all([est(1), est(2), est(3)], remote=True, make=lambda: connector(client))
    assert update.call_count == 1
    assert all(isinstance(r, RetryableError) and r.throttled and r.retry_after == 4.0 and r.http_status == 429
               for r in results), results
    assert len({id(r) for r in results}) == 3  # each caller raises its own copy
    assert all(KEY not in str(r) for r in results)


@pytest.mark.parametrize(("status", "kind"), [(401, ActionRequired), (500, RetryableError)])
async def test_a_failed_call_fails_every_caller_the_same_way(api: respx.MockRouter, client: httpx.AsyncClient,
                                                             status: int, kind: type[Exception]) -> None:
    api.post("/UpdateBusinesses").mock(return_value=httpx.Response(status, json={"ErrorCode": "X", "ErrorMessage": "m"}))
    results = await push_all([est(1), est(2)], remote=True, make=lambda: connector(client))
    assert all(isinstance(r, kind) and r.http_status == status for r in results), results  # type: ignore[attr-defined]


async def test_a_batch_over_the_max_size_splits(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    update = api.post("/UpdateBusinesses").mock(side_effect=answer())
    results = await push_all([est(n) for n in range(5)], remote=True, make=lambda: connector(client, batch_max_size="2"))
    assert all(isinstance(r, PushResult) for r in results)
    assert sorted(len(body(c.request)["Businesses"]) for c in update.calls) == [1, 2, 2]
    sent = [b["StoreId"] for c in update.calls for b in body(c.request)["Businesses"]]
    assert sorted(sent) == [f"CLI-{n:03d}" for n in range(5)]


def test_batch_options_are_capped_and_checked() -> None:
    c = BingConnector(None, "", {"api_key": KEY}, {"batch_max_size": 5000, "batch_window_seconds": "0.05"})  # type: ignore[arg-type]
    assert (c.batch_max_size, c.batch_window) == (1000, 0.05)
    default = BingConnector(None, "", {"api_key": KEY}, {})  # type: ignore[arg-type]
    assert (default.batch_max_size, default.batch_window) == (100, 0.2)


async def test_invalid_batch_options_need_a_person(client: httpx.AsyncClient) -> None:
    c = connector(client, batch_window_seconds="soon")
    with pytest.raises(ActionRequired, match="batch_window_seconds"):
        await c.push(est(1), c.render(est(1)), ctx(est(1), "CLI-001"))


async def test_pushes_after_the_window_go_in_the_next_call(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    update = api.post("/UpdateBusinesses").mock(side_effect=answer())
    make = lambda: connector(client, batch_window_seconds=0.05)  # noqa: E731
    first = asyncio.create_task(push_all([est(1), est(2)], remote=True, make=make))
    await asyncio.sleep(0.2)
    later = await push_all([est(3)], remote=True, make=make)
    assert all(isinstance(r, PushResult) for r in [*await first, *later])
    assert [len(body(c.request)["Businesses"]) for c in update.calls] == [2, 1]


async def test_other_accounts_and_operations_are_not_mixed(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    update = api.post("/UpdateBusinesses").mock(side_effect=answer())

    async def push_with(key: str, r: Establishment) -> PushResult:
        c = BingConnector(client, "", {"api_key": key}, CONFIRMED)
        return await c.push(r, c.render(r), ctx(r, r.store_code))
    await asyncio.gather(push_with("key-a", est(1)), push_with("key-b", est(2)), push_with("key-a", est(3)))
    calls = sorted((c.request.headers["X-Api-Key"], len(body(c.request)["Businesses"])) for c in update.calls)
    assert calls == [("key-a", 2), ("key-b", 1)]


async def test_the_same_store_twice_goes_in_two_calls(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    """Results are matched by StoreId: one call never carries the same StoreId twice."""
    update = api.post("/UpdateBusinesses").mock(side_effect=answer())
    results = await push_all([est(1), est(1), est(2)], remote=True, make=lambda: connector(client))
    assert all(isinstance(r, PushResult) for r in results)
    assert sorted(len(body(c.request)["Businesses"]) for c in update.calls) == [1, 2]


async def test_a_cancelled_caller_is_left_out_and_the_others_get_their_results(api: respx.MockRouter,
                                                                             client: httpx.AsyncClient) -> None:
    update = api.post("/UpdateBusinesses").mock(side_effect=answer())
    tasks = [asyncio.create_task(push_all([r], remote=True, make=lambda: connector(client))) for r in (est(1), est(2), est(3))]
    await asyncio.sleep(0.05)  # all three wait in the open batch
    tasks[1].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    assert isinstance(done[0][0], PushResult) and isinstance(done[2][0], PushResult)
    assert update.call_count == 1
    assert [b["StoreId"] for b in body(update.calls[0].request)["Businesses"]] == ["CLI-001", "CLI-003"]


async def test_a_caller_cancelled_during_the_call_does_not_hurt_the_others(api: respx.MockRouter,
                                                                           client: httpx.AsyncClient) -> None:
    started = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(0.2)
        return answer()(request)
    api.post("/UpdateBusinesses").mock(side_effect=slow)
    tasks = [asyncio.create_task(push_all([r], remote=True, make=lambda: connector(client))) for r in (est(1), est(2))]
    await started.wait()
    tasks[0].cancel()
    first, second = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(first, asyncio.CancelledError) and isinstance(second[0], PushResult)


async def test_a_call_that_never_answers_fails_every_caller_in_time(api: respx.MockRouter,
                                                                    client: httpx.AsyncClient) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")
    api.post("/UpdateBusinesses").mock(side_effect=hang)
    results = await asyncio.wait_for(push_all([est(1), est(2)], remote=True,
                                              make=lambda: connector(client, batch_timeout_seconds=0.2)), 5)
    assert all(isinstance(r, RetryableError) and "did not answer" in r.message for r in results), results


async def test_read_backs_share_calls(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    def infos(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "Success", "BusinessStatusInfos": [
            {"StoreId": s, "Status": "Published", "BingMapsUrl": f"https://www.bing.com/maps?{s}"}
            for s in body(request)["StoreIds"] if s != "CLI-003"]})
    records = [est(1), est(2), est(3)]
    payloads = {r.store_code: connector(client).render(r).payload for r in records}

    def businesses(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"TrackingId": "t", "OperationStatus": "Success",
                                         "Businesses": [payloads[s] for s in body(request)["StoreIds"]]})
    status = api.post("/GetBusinessStatusInfo").mock(side_effect=infos)
    get = api.post("/GetBusinesses").mock(side_effect=businesses)
    rbs = await asyncio.gather(*(connector(client).read_back(s, p) for s, p in payloads.items()))
    assert [rb.state for rb in rbs] == ["live", "live", "action_required"]
    assert rbs[0].live_url == "https://www.bing.com/maps?CLI-001"
    assert status.call_count == 1 and get.call_count == 1
    assert sorted(body(get.calls[0].request)["StoreIds"]) == ["CLI-001", "CLI-002"]


def test_each_event_loop_has_its_own_batcher() -> None:
    async def mine() -> batcher.Batcher:
        return batcher.for_running_loop()

    first, second = asyncio.run(mine()), asyncio.run(mine())
    assert first is not second
