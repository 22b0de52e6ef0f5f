"""Fetching a source's content: HTTPS (JSON with pagination, CSV, XLSX) or a file over SFTP.

Every way a fetch goes wrong raises `SourceError(reason, message)`: `network`, `auth`,
`http`, `timeout`, `too_large`, `unparseable`, `config`. A conditional request (ETag /
Last-Modified on the first request) answered 304 gives `Fetched(unchanged=True)` after that one
request. Limits: `source_max_bytes` summed over every page, `source_timeout_seconds` for the
whole pull, `source_max_pages`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import posixpath
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import asyncssh
import httpx

from service.settings import Settings


class SourceError(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass
class Fetched:
    unchanged: bool = False
    body: bytes = b""  # csv / xlsx content
    items: list[Any] = field(default_factory=list)  # json items, every page
    etag: str | None = None
    last_modified: str | None = None
    requests: int = 0
    bytes: int = 0


def check_url(url: str, kind: str, settings: Settings) -> None:
    """An operator-given destination: https (sftp for SFTP sources), or http to a loopback
    address only when `VITRINE_SOURCE_ALLOW_HTTP_LOOPBACK` is set."""
    parts = urlsplit(url)
    if kind == "sftp":
        if parts.scheme != "sftp" or not parts.hostname:
            raise SourceError("config", f"an SFTP source's URL is sftp://host[:port]/path/file, not {url!r}")
        return
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        if settings.source_allow_http_loopback:
            return
        raise SourceError("config", "http:// is allowed to a loopback address only with "
                                    "VITRINE_SOURCE_ALLOW_HTTP_LOOPBACK=true; use https")
    raise SourceError("config", f"a source URL must be https:// (got {url!r})")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dig(value: Any, path: str | None) -> Any:
    """`data.sites` -> value["data"]["sites"]; a number indexes a list; None when absent."""
    for part in (path or "").split("."):
        if not part:
            continue
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


class _Budget:
    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def take(self, chunk: bytes) -> None:
        self.used += len(chunk)
        if self.used > self.limit:
            raise SourceError("too_large", f"the source sent more than the {self.limit:,}-byte limit "
                                           "(VITRINE_SOURCE_MAX_BYTES)")


async def fetch(kind: str, url: str, options: dict[str, Any], secrets: dict[str, str], settings: Settings, *,
                etag: str | None, last_modified: str | None) -> Fetched:
    check_url(url, kind, settings)
    try:
        return await asyncio.wait_for(_fetch(kind, url, options, secrets, settings, etag, last_modified),
                                      settings.source_timeout_seconds)
    except TimeoutError:
        raise SourceError("timeout", f"the source did not answer within {settings.source_timeout_seconds:g} s "
                                     "(VITRINE_SOURCE_TIMEOUT_SECONDS)") from None


async def _fetch(kind: str, url: str, options: dict[str, Any], secrets: dict[str, str], settings: Settings,
                 etag: str | None, last_modified: str | None) -> Fetched:
    budget = _Budget(settings.source_max_bytes)
    if kind == "sftp":
        return await _sftp(url, options, secrets, budget)
    headers = {"Accept": "application/json" if kind == "json" else "*/*", "User-Agent": "Vitrine source pull"}
    if secrets.get("token"):
        headers["Authorization"] = f"Bearer {secrets['token']}"
    for name, value in (options.get("headers") or {}).items():
        headers[str(name)] = str(value)
    auth = (secrets["username"], secrets.get("password", "")) if secrets.get("username") else None
    with tempfile.TemporaryDirectory() as tmp:
        verify: Any = True
        if secrets.get("client_cert"):
            verify = ssl.create_default_context()
            cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")  # the temporary directory is 0700
            cert.write_text(secrets["client_cert"])
            key.write_text(secrets.get("client_key") or secrets["client_cert"])
            try:
                verify.load_cert_chain(cert, key)
            except (ssl.SSLError, ValueError) as exc:
                raise SourceError("config", f"the client certificate or key cannot be read: {exc}") from None
        async with httpx.AsyncClient(timeout=settings.source_timeout_seconds, verify=verify, auth=auth,
                                     headers=headers, follow_redirects=False) as client:
            conditional = {**({"If-None-Match": etag} if etag else {}),
                           **({"If-Modified-Since": last_modified} if last_modified else {})}
            got = Fetched()
            body, response = await _get(client, url, conditional, budget, got)
            if response.status_code == 304:
                return Fetched(unchanged=True, etag=etag, last_modified=last_modified, requests=1, bytes=budget.used)
            got.etag, got.last_modified = response.headers.get("etag"), response.headers.get("last-modified")
            if kind != "json":
                got.body, got.bytes = body, budget.used
                return got
            await _pages(client, url, body, options, budget, got, settings)
            got.bytes = budget.used
            return got


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str], budget: _Budget,
               got: Fetched) -> tuple[bytes, httpx.Response]:
    got.requests += 1
    try:
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return b"", response
            if response.status_code in (401, 403):
                raise SourceError("auth", f"{url} refused the credentials: HTTP {response.status_code}")
            if response.status_code >= 300:
                raise SourceError("http", f"{url} answered HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and budget.used + int(declared) > budget.limit:
                raise SourceError("too_large", f"{url} announces {int(declared):,} bytes, over the "
                                               f"{budget.limit:,}-byte limit (VITRINE_SOURCE_MAX_BYTES)")
            chunks = []
            async for chunk in response.aiter_bytes():
                budget.take(chunk)
                chunks.append(chunk)
            return b"".join(chunks), response
    except httpx.HTTPError as exc:
        raise SourceError("network", f"{url}: {type(exc).__name__}: {exc}") from None


def _json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError("unparseable", f"{url} did not send JSON: {exc}") from None


async def _pages(client: httpx.AsyncClient, url: str, body: bytes, options: dict[str, Any], budget: _Budget,
                 got: Fetched, settings: Settings) -> None:
    """Items of every page: by the next link at `next_path`, or by `page_param` counting up
    from the first page's number until a page has no items."""
    items_path, next_path, page_param = options.get("items_path"), options.get("next_path"), options.get("page_param")
    page = int(options.get("first_page", 1))
    current = url
    while True:
        document = _json(body, current)
        items = dig(document, items_path)
        if not isinstance(items, list):
            raise SourceError("unparseable", f"{current}: no list of items at {items_path or 'the top level'!r}")
        got.items.extend(items)
        if next_path:
            link = dig(document, next_path)
            if not link:
                return
            current = urljoin(current, str(link))
            check_url(current, "json", settings)
        elif page_param and items:
            page += 1
            parts = urlsplit(url)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != page_param] + [(page_param, str(page))]
            current = urlunsplit(parts._replace(query=urlencode(query)))
        else:
            return
        if got.requests >= settings.source_max_pages:
            raise SourceError("too_large", f"more than {settings.source_max_pages} pages (VITRINE_SOURCE_MAX_PAGES)")
        body, _ = await _get(client, current, {}, budget, got)


async def _sftp(url: str, options: dict[str, Any], secrets: dict[str, str], budget: _Budget) -> Fetched:
    parts = urlsplit(url)
    known = options.get("known_hosts")
    if not known:
        raise SourceError("config", "an SFTP source needs the server's host key (known_hosts option)")
    try:
        known_hosts = asyncssh.import_known_hosts(known)
    except (ValueError, asyncssh.Error) as exc:
        raise SourceError("config", f"the known_hosts option cannot be read: {exc}") from None
    kwargs: dict[str, Any] = {"username": secrets.get("username") or parts.username, "known_hosts": known_hosts,
                              "config": None, "agent_path": None, "client_keys": None,
                              "password": secrets.get("password")}
    if secrets.get("private_key"):
        try:
            kwargs["client_keys"] = [asyncssh.import_private_key(secrets["private_key"])]
        except (ValueError, asyncssh.KeyImportError) as exc:
            raise SourceError("config", f"the SFTP private key cannot be read: {exc}") from None
    where = f"SFTP {parts.hostname}:{parts.port or 22}"
    path = parts.path or "/"
    try:
        async with asyncssh.connect(parts.hostname, parts.port or 22, **kwargs) as conn:
            async with conn.start_sftp_client() as sftp:
                attrs = await sftp.stat(path)
                stamp = str(int(attrs.mtime or 0)) + ":" + str(attrs.size or 0)
                if options.get("_last_stamp") == stamp:
                    return Fetched(unchanged=True, last_modified=stamp, requests=1)
                if attrs.size and attrs.size > budget.limit:
                    raise SourceError("too_large", f"{where}: {posixpath.basename(path)} is {attrs.size:,} bytes, "
                                                   f"over the {budget.limit:,}-byte limit")
                async with sftp.open(path, "rb") as handle:
                    body = await handle.read()
                budget.take(body)
                return Fetched(body=body, last_modified=stamp, requests=1, bytes=len(body))
    except asyncssh.PermissionDenied as exc:
        raise SourceError("auth", f"{where}: authentication failed ({exc.reason})") from None
    except asyncssh.HostKeyNotVerifiable as exc:
        raise SourceError("auth", f"{where}: host key not trusted ({exc.reason})") from None
    except asyncssh.SFTPError as exc:
        raise SourceError("network", f"{where}: cannot read {path} ({exc.reason})") from None
    except (OSError, asyncssh.Error) as exc:
        raise SourceError("network", f"{where}: {exc}") from None
