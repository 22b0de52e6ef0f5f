"""Micro-batching of Bing Places partner-API calls, one batcher per event loop.

The sync engine pushes one listing per job, many jobs at once, with a connector per job.
Bing takes up to 1000 businesses (or store ids) per call, so the connector hands each
business to `submit` instead of calling Bing itself: calls for the same account (the key
the connector builds: HTTP client, base URL, credentials, identity, operation) that arrive
within `window` seconds of the first one leave as ONE call, sent by `send` in a task of its
own. Each caller awaits its own future, resolved with what `send` answered for its key
(None when the answer had nothing for it, or an exception `send` put there for it).

* A batch leaves when its window closes or when it holds `max_size` items; more items open
  the next batch. Writes never put the same key twice in one batch (Bing's per-business
  results are matched by StoreId): a second write for a key waits for the next batch.
  Reads share a batch (the same id is asked once, each caller gets the answer).
* A whole-call failure (`send` raises: 429, 5xx, 401, timeout, a bug) fails every caller of
  the batch with its own copy of the same error, so the engine retries each listing.
* Never waiting forever: `send` is cut at `timeout` (-> RetryableError for each caller),
  and a caller gives up after `window + timeout` + a margin even if the batch task was lost.
* Cancellation: a cancelled caller's future is cancelled; before the call leaves it is left
  out, after it the answer for it is dropped. Other callers are not affected: the call runs
  in the batcher's task, never in a caller's.
* Per event loop (`for_running_loop`): tests running on separate loops share nothing, and
  nothing here is touched from another thread.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from connectors.base import RetryableError

log = logging.getLogger(__name__)

DEFAULT_WINDOW = 0.2  # seconds a batch stays open after its first item
DEFAULT_MAX_SIZE = 100  # items per call
MAX_SIZE = 1000  # Bing's own limit per call (platforms.md; UNVERIFIED beyond the partner PDF)
DEFAULT_TIMEOUT = 120.0  # seconds one batched call may take, in-call retries included
CALLER_MARGIN = 5.0  # a caller's own deadline is window + timeout + this


@dataclass(eq=False)
class Item:
    key: str  # the StoreId
    value: Any  # what goes in the call: a business, or the StoreId itself for reads
    request_id: str | None  # the caller's idempotency id (PushContext.request_id), for TrackingId
    future: asyncio.Future[Any]


# One call for the items of a batch -> the answer per item key (a value, or an exception for that item)
Send = Callable[[list[Item]], Awaitable[dict[str, Any]]]


@dataclass(eq=False)
class _Batch:
    send: Send
    max_size: int
    timeout: float
    shared: bool
    items: list[Item] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    timer: asyncio.TimerHandle | None = None


class Batcher:
    """Open batches per account key, and the tasks of the batches being sent."""

    def __init__(self) -> None:
        self._open: dict[Hashable, list[_Batch]] = {}
        self._sending: set[asyncio.Task[None]] = set()

    async def submit(self, account: Hashable, key: str, value: Any, send: Send, *, request_id: str | None = None,
                     window: float = DEFAULT_WINDOW, max_size: int = DEFAULT_MAX_SIZE,
                     timeout: float = DEFAULT_TIMEOUT, shared: bool = False) -> Any:
        """Add one item to the account's open batch and wait for its own answer."""
        loop = asyncio.get_running_loop()
        max_size = max(1, min(int(max_size), MAX_SIZE))
        item = Item(key, value, request_id, loop.create_future())
        batches = self._open.setdefault(account, [])
        batch = next((b for b in batches if len(b.items) < b.max_size and (b.shared or key not in b.keys)), None)
        if batch is None:
            batch = _Batch(send, max_size, timeout, shared)
            batches.append(batch)
            batch.timer = loop.call_later(max(0.0, window), self._seal, account, batch)
        batch.items.append(item)
        batch.keys.add(key)
        if len(batch.items) >= batch.max_size:
            self._seal(account, batch)
        try:
            return await asyncio.wait_for(item.future, max(0.0, window) + timeout + CALLER_MARGIN)
        except TimeoutError:
            raise RetryableError(f"Bing Places: no answer for {key} from its batch within "
                                 f"{window + timeout + CALLER_MARGIN:.0f} s") from None

    def _seal(self, account: Hashable, batch: _Batch) -> None:
        """Close the batch to new items and send it in a task of its own."""
        if batch.timer is not None:
            batch.timer.cancel()
        batches = self._open.get(account, [])
        if batch not in batches:
            return  # already sealed (full, then its timer fired)
        batches.remove(batch)
        if not batches:
            del self._open[account]
        task = asyncio.get_running_loop().create_task(self._flush(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _flush(self, batch: _Batch) -> None:
        items = [i for i in batch.items if not i.future.done()]  # cancelled callers are left out
        if not items:
            return
        try:
            answers = await asyncio.wait_for(batch.send(items), batch.timeout)
        except TimeoutError:
            _fail(items, RetryableError(f"Bing Places did not answer a batch of {len(items)} within {batch.timeout:.0f} s"))
        except Exception as exc:  # the whole call failed: every caller gets the same error
            _fail(items, exc)
        else:
            for item in items:
                answer = answers.get(item.key)
                if item.future.done():
                    continue
                if isinstance(answer, BaseException):
                    item.future.set_exception(_copy(answer))
                else:
                    item.future.set_result(answer)
        finally:  # cancelled (loop shutting down) or anything else: nobody is left waiting
            _fail(items, RetryableError("Bing Places batch interrupted before it answered"))


def _fail(items: list[Item], exc: BaseException) -> None:
    for item in items:
        if not item.future.done():
            item.future.set_exception(_copy(exc))


def _copy(exc: BaseException) -> BaseException:
    """Each caller raises its own exception object (tracebacks are per raise)."""
    try:
        clone = copy.copy(exc)
    except Exception:  # pragma: no cover - an exception class copy cannot rebuild
        return exc
    clone.__cause__, clone.__context__, clone.__traceback__ = exc.__cause__, None, None
    return clone


_BATCHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher] = weakref.WeakKeyDictionary()


def for_running_loop() -> Batcher:
    """The batcher of the running event loop (created on first use, gone with the loop)."""
    loop = asyncio.get_running_loop()
    batcher = _BATCHERS.get(loop)
    if batcher is None:
        batcher = _BATCHERS[loop] = Batcher()
    return batcher
