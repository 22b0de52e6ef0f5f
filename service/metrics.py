"""Prometheus metrics of every Vitrine process (API and workers), in prometheus-client's registry.

Counters and histograms are updated where things happen (the sync engine, the limiter, the
shared HTTP client, imports, source runs, webhook deliveries); gauges that describe the database
or the queue (targets per platform and status, the reconciler's lag, the queue depth) are read
when `/metrics` is scraped (`service/ops.py`). Label values are bounded sets (platforms,
statuses, outcomes, HTTP status codes): never a site, an organisation or a URL.

Each process serves its own `/metrics`: the API on its port, each worker on `--metrics-port`.
Run one uvicorn worker process per API container so a scrape sees the whole process.
"""

from __future__ import annotations

import time

import httpx
from prometheus_client import Counter, Gauge, Histogram

from connectors.http import make_client
from service.settings import Settings

SYNC_ATTEMPTS = Counter("vitrine_sync_attempts", "Pushes (created, sent, retry, throttled, "
                        "action_required, rejected, gave_up) and read-backs (ok, error…), by platform.", ["platform", "kind", "outcome"])
PLATFORM_REQUESTS = Counter("vitrine_platform_requests", "HTTP requests to the platforms, by answer "
                            "(status code, or 'error' when no answer came).", ["platform", "status"])
PLATFORM_LATENCY = Histogram("vitrine_platform_request_seconds", "Platform request latency.", ["platform"],
                             buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20))
LIMITER_WAIT = Histogram("vitrine_limiter_wait_seconds", "Time spent waiting for a rate-limit slot.", ["platform"],
                         buckets=(0, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60))
LIMITER_REBOOKED = Counter("vitrine_limiter_rebooked", "Rate-limit slots booked again because the caller woke too late "
                           "for the one it had (a stalled event loop).", ["platform"])
IMPORTS = Counter("vitrine_imports", "Imports (Excel, API, sources), by outcome.", ["outcome"])
SOURCE_RUNS = Counter("vitrine_source_runs", "Scheduled pulls of internal sources, by outcome.", ["outcome"])
WEBHOOK_DELIVERIES = Counter("vitrine_webhook_deliveries", "Webhook delivery attempts, by outcome.", ["outcome"])

SYNC_TARGETS = Gauge("vitrine_sync_targets", "Sync targets (site × platform) by status.", ["platform", "status"])
OLDEST_DUE = Gauge("vitrine_oldest_due_target_age_seconds", "How long the oldest due sync target has waited: "
                   "the reconciler's lag (0 when nothing is due).")
QUEUE_DEPTH = Gauge("vitrine_queue_depth", "Jobs in the arq queue (due and deferred).")
QUEUE_DUE = Gauge("vitrine_queue_due", "Jobs in the arq queue whose time has come.")

_bases: dict[str, str] = {}


def register_base_url(url: str, platform: str) -> None:
    """Requests under `url` are counted for `platform` (the engine calls this per connection)."""
    _bases[url.rstrip("/")] = platform


def platform_of(url: str) -> str:
    best = ""
    for base, platform in _bases.items():
        if url.startswith(base) and len(base) > len(best):
            best = base
    return _bases.get(best, "other") if best else "other"


class MeteredTransport(httpx.AsyncBaseTransport):
    """Counts every platform request by answer (or 'error' when none came) and its latency to
    the response headers, whatever the connector sends."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        platform = platform_of(str(request.url))
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception:
            PLATFORM_REQUESTS.labels(platform, "error").inc()
            raise
        PLATFORM_LATENCY.labels(platform).observe(time.perf_counter() - started)
        PLATFORM_REQUESTS.labels(platform, str(response.status_code)).inc()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def platform_client(settings: Settings, limits: httpx.Limits | None = None) -> httpx.AsyncClient:
    """The shared platform client of a process: Vitrine's User-Agent, metered."""
    inner = httpx.AsyncHTTPTransport(limits=limits or httpx.Limits())
    return make_client(settings.http_timeout_seconds, user_agent=settings.user_agent,
                       user_agent_url=settings.user_agent_url,
                       transport=MeteredTransport(inner))
