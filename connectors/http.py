"""HTTP for connectors: one call with short in-call retries (tenacity), mapped to the three errors.

Connection failures and 502/503 are retried a few times within the call (under a second in
all); what still fails becomes a `RetryableError` and the engine's longer, deferred retry takes
over. Read timeouts are not retried here: the request may have been applied, so the engine
retries the whole push, whose creates are idempotent.

Pacing: every HTTP request a connector sends (each in-call retry too) first awaits the pacer
the engine set in `PACER` for this push or read-back (`service.sync.limiter.CallPacer`): one
token of the platform's quota per request, so an Apple create (lookup + POST) or a Facebook
read-back (page + upcoming changes) takes two. Connectors stay free of Redis and the database:
they only see this hook. Outside the engine (tests, scripts) no pacer is set.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from importlib.metadata import PackageNotFoundError, metadata, version
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from connectors.base import RetryableError

TRANSIENT_STATUSES = {502, 503}  # timeouts are the shared client's: set where it is created
Pacer = Callable[[str, str], Awaitable[None]]  # (method, url) -> returns once the request may go
PACER: ContextVar[Pacer | None] = ContextVar("vitrine_http_pacer", default=None)

# Platforms ask every client to identify itself: the OSMF API usage policy blocks "the HTTP
# library's default" User-Agent without notice, and Yelp, HERE and TomTom log it. The URL in it is
# the operator's (VITRINE_USER_AGENT_URL: their instance, or a contact page), else the project's
# home as the installed package's metadata names it (`[project.urls]` in pyproject.toml), else
# none: a made-up address would point platforms at someone else.
URL_KEYS = ("homepage", "repository", "source")


def project_url() -> str | None:
    """The `Homepage` (or `Repository`, `Source`) of the installed package's `[project.urls]`."""
    try:
        entries = metadata("vitrine").get_all("Project-URL") or []
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return None
    urls = {}
    for entry in entries:  # "Homepage, https://…"
        label, _, url = entry.partition(",")
        urls.setdefault(label.strip().lower(), url.strip())
    return next((urls[key] for key in URL_KEYS if urls.get(key)), None)


def default_user_agent(url: str | None = None) -> str:
    """`Vitrine/<version> (+<url>)`, the URL being `url`, else the project's; without either,
    `Vitrine/<version> (self-hosted)`."""
    try:
        release = version("vitrine")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        release = "0"
    url = url or project_url()
    return f"Vitrine/{release} (+{url})" if url else f"Vitrine/{release} (self-hosted)"


def make_client(timeout_seconds: float, *, user_agent: str | None = None, user_agent_url: str | None = None,
                **kwargs: Any) -> httpx.AsyncClient:
    """The one shared client every connector call goes through, with an identifying User-Agent:
    `user_agent` whole, or the default naming `user_agent_url`."""
    headers = {**kwargs.pop("headers", {}), "User-Agent": user_agent or default_user_agent(user_agent_url)}
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds, connect=5.0), headers=headers, **kwargs)


class _Transient(Exception):
    def __init__(self, response: httpx.Response):
        self.response = response


def _retry_in_call(exc: BaseException) -> bool:
    return isinstance(exc, _Transient | httpx.ConnectError | httpx.ConnectTimeout | httpx.RemoteProtocolError)


async def request(client: httpx.AsyncClient, method: str, url: str, *, attempts: int = 3,
                  **kwargs: Any) -> httpx.Response:
    """Send one request; return the response whatever its status, except transient failures,
    which are retried and finally raised as `RetryableError`."""
    try:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(attempts),
                                           wait=wait_random_exponential(multiplier=0.1, max=1.0),
                                           retry=retry_if_exception(_retry_in_call), reraise=True):
            with attempt:
                if (pacer := PACER.get()) is not None:
                    await pacer(method, url)
                response = await client.request(method, url, **kwargs)
                if response.status_code in TRANSIENT_STATUSES:
                    raise _Transient(response)
                return response
    except _Transient as exc:
        raise RetryableError(f"{method} {_path(url)}: HTTP {exc.response.status_code} after {attempts} tries",
                             http_status=exc.response.status_code,
                             retry_after=retry_after_seconds(exc.response)) from None
    except httpx.TimeoutException as exc:
        raise RetryableError(f"{method} {_path(url)}: timed out ({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise RetryableError(f"{method} {_path(url)}: {type(exc).__name__}: {exc}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime
        from datetime import UTC, datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def _path(url: str) -> str:
    """The URL without its query string: query strings can carry tokens (Facebook access_token)."""
    return url.split("?", 1)[0]


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
