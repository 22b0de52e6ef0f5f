"""Deliver a rendered feed file to a partner, over SFTP (asyncssh) or HTTPS upload.

SFTP connection settings
  options:     host (required), port (22), directory ("."), known_hosts (the text of an
               OpenSSH known_hosts file holding the partner's host key), connect_timeout (30 s)
  credentials: username, and password or private_key (OpenSSH/PEM text, optional passphrase)
  The host key is always checked against `known_hosts`. `insecure_skip_host_key: "true"`
  turns the check off: FOR TESTS AND SANDBOXES ONLY, never on a real connection. No local
  SSH configuration, agent or key files are read.
  The upload is atomic for the partner: the file is written as `<name>.part`, then renamed
  to `<name>` (POSIX rename where the server offers it, else remove-then-rename).

HTTPS
  options: upload_url; credentials: token. One multipart POST, form field `file` carrying the
  file name and the exact bytes, `Authorization: Bearer <token>`. `Delivery.location` is the
  response's Location header when the partner sends one, else the upload URL.

Errors: authentication or host-key failure, or a remote directory that is missing or not
writable -> ActionRequired; refused connection, timeout, lost connection, 5xx, 429 ->
RetryableError; any other 4xx -> Rejected.
"""

from __future__ import annotations

import asyncio
import hashlib
import posixpath
from collections.abc import Mapping
from typing import Any

import asyncssh
import httpx

from connectors.base import ActionRequired, Delivery, Rejected, RetryableError
from connectors.feeds.partners import FeedPartner
from connectors.feeds.render import count_rows
from connectors.http import request, retry_after_seconds

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def deliver(partner: FeedPartner, content: bytes, filename: str, credentials: Mapping[str, str],
                  options: Mapping[str, Any], client: httpx.AsyncClient) -> Delivery:
    if "/" in filename or filename in ("", ".", ".."):
        raise Rejected(f"invalid feed file name {filename!r}")
    if partner.transport == "sftp":
        location = await _sftp(content, filename, credentials, options)
    else:
        location = await _https(partner, content, filename, credentials, options, client)
    return Delivery(filename=filename, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                    rows=count_rows(partner, content), location=location)


def _known_hosts(options: Mapping[str, Any]) -> Any:
    if str(options.get("insecure_skip_host_key", "")).lower() == "true":
        return None  # tests and sandboxes only: see the module docstring
    text = options.get("known_hosts")
    if not text:
        raise ActionRequired("the SFTP connection needs the partner's host key (known_hosts option)")
    try:
        return asyncssh.import_known_hosts(text)
    except (ValueError, asyncssh.Error) as exc:
        raise ActionRequired(f"the known_hosts option cannot be read: {exc}") from None


async def _sftp(content: bytes, filename: str, credentials: Mapping[str, str], options: Mapping[str, Any]) -> str:
    host = options.get("host")
    if not host:
        raise ActionRequired("the SFTP connection has no host option")
    port = int(options.get("port", 22))
    directory = str(options.get("directory", ".")) or "."
    username = credentials.get("username")
    if not username or not (credentials.get("password") or credentials.get("private_key")):
        raise ActionRequired("the SFTP connection needs a username and a password or private key")
    kwargs: dict[str, Any] = {"username": username, "known_hosts": _known_hosts(options), "config": None,
                              "agent_path": None, "client_keys": None, "password": credentials.get("password"),
                              "connect_timeout": float(options.get("connect_timeout", 30))}
    if credentials.get("private_key"):
        try:
            kwargs["client_keys"] = [asyncssh.import_private_key(credentials["private_key"],
                                                                 credentials.get("passphrase") or None)]
        except (ValueError, asyncssh.KeyImportError) as exc:
            raise ActionRequired(f"the SFTP private key cannot be read: {exc}") from None
    remote = posixpath.join(directory, filename)
    part = remote + ".part"
    where = f"SFTP {host}:{port}"
    try:
        async with asyncssh.connect(host, port, **kwargs) as conn:
            async with conn.start_sftp_client() as sftp:
                async with sftp.open(part, "wb") as handle:
                    await handle.write(content)
                try:
                    await sftp.posix_rename(part, remote)
                except asyncssh.SFTPOpUnsupported:
                    if await sftp.exists(remote):
                        await sftp.remove(remote)
                    await sftp.rename(part, remote)
    except asyncssh.PermissionDenied as exc:
        raise ActionRequired(f"{where}: authentication failed ({exc.reason})") from None
    except asyncssh.HostKeyNotVerifiable as exc:
        raise ActionRequired(f"{where}: host key not trusted ({exc.reason})") from None
    except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPNoSuchFile, asyncssh.SFTPNoSuchPath) as exc:
        raise ActionRequired(f"{where}: cannot write {part} ({exc.reason})") from None
    except asyncssh.SFTPError as exc:
        raise RetryableError(f"{where}: SFTP error on {remote}: {exc.reason}") from None
    except asyncssh.Error as exc:  # disconnects, lost connections, protocol errors
        raise RetryableError(f"{where}: {type(exc).__name__}: {exc.reason}") from None
    except (OSError, asyncio.TimeoutError) as exc:
        raise RetryableError(f"{where}: {type(exc).__name__}: {exc}") from None
    return f"sftp://{host}:{port}/{remote.lstrip('/')}"


async def _https(partner: FeedPartner, content: bytes, filename: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any], client: httpx.AsyncClient) -> str:
    url = options.get("upload_url")
    if not url:
        raise ActionRequired("the HTTPS feed connection has no upload_url option")
    token = credentials.get("token")
    if not token:
        raise ActionRequired("the HTTPS feed connection has no token")
    response = await request(client, "POST", url, headers={"Authorization": f"Bearer {token}"},
                             files={"file": (filename, content, MEDIA_TYPES[partner.format])})
    status = response.status_code
    if status in (401, 403):
        raise ActionRequired(f"feed upload refused: HTTP {status} (token invalid or expired)", http_status=status)
    if status == 429 or status >= 500:
        raise RetryableError(f"feed upload: HTTP {status}", http_status=status, throttled=status == 429,
                             retry_after=retry_after_seconds(response))
    if status >= 400:
        raise Rejected(f"feed upload rejected: HTTP {status}: {response.text[:300]}", http_status=status)
    return response.headers.get("Location") or url
