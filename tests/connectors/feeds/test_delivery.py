"""Feed delivery against a real asyncssh SFTP server and a respx-mocked HTTPS endpoint."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import httpx
import pytest
import respx

from connectors.base import ActionRequired, Rejected, RetryableError
from connectors.feeds import PARTNERS, deliver, render_feed, render_row
from schemas import Establishment
from tests.establishments.factories import record

PASSWORD = "s3cret-feed"


class _Server(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == "vitrine" and password == PASSWORD


def _rows(partner_key: str) -> tuple[list[dict[str, str]], bytes]:
    partner = PARTNERS[partner_key]
    rows = [render_row(partner, Establishment.model_validate(record(f"CLI-{n:03d}", name=f'Clinique "{n}", Lyon')))
            .payload for n in range(3)]
    return rows, render_feed(partner, rows)


@pytest.fixture
async def sftp_server(tmp_path: Path) -> AsyncIterator[int]:
    root = tmp_path / "root"
    (root / "incoming").mkdir(parents=True)

    def factory(chan: asyncssh.SSHServerChannel) -> asyncssh.SFTPServer:
        return asyncssh.SFTPServer(chan, chroot=str(root))

    server = await asyncssh.listen(host="127.0.0.1", port=0, server_host_keys=[
        asyncssh.generate_private_key("ssh-ed25519")], sftp_factory=factory, server_factory=_Server)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def _options(port: int) -> dict[str, str]:
    return {"host": "127.0.0.1", "port": str(port), "directory": "incoming", "insecure_skip_host_key": "true"}


@pytest.mark.parametrize("key", ["pagesjaunes", "leshoraires", "foursquare_feed"])
async def test_sftp_upload_byte_for_byte(sftp_server: int, tmp_path: Path, key: str) -> None:
    partner = PARTNERS[key]
    _, content = _rows(key)
    name = partner.filename.format(org="acme", date="2025-03-01")
    async with httpx.AsyncClient() as client:
        delivery = await deliver(partner, content, name, {"username": "vitrine", "password": PASSWORD},
                                 _options(sftp_server), client)
        # a second delivery of the same name replaces the file
        again = await deliver(partner, content, name, {"username": "vitrine", "password": PASSWORD},
                              _options(sftp_server), client)
    incoming = tmp_path / "root" / "incoming"
    assert (incoming / name).read_bytes() == content
    assert sorted(p.name for p in incoming.iterdir()) == [name]  # no .part left
    assert delivery == again
    assert delivery.filename == name and delivery.size == len(content) and delivery.rows == 3
    assert delivery.sha256 == hashlib.sha256(content).hexdigest()
    assert delivery.location == f"sftp://127.0.0.1:{sftp_server}/incoming/{name}"


async def test_sftp_host_key_checked(sftp_server: int) -> None:
    options = {**_options(sftp_server), "insecure_skip_host_key": "false",
               "known_hosts": f"[127.0.0.1]:{sftp_server} " +
               asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()}
    async with httpx.AsyncClient() as client:
        with pytest.raises(ActionRequired, match="host key"):
            await deliver(PARTNERS["mappy"], b"x\r\n", "f.csv", {"username": "vitrine", "password": PASSWORD},
                          options, client)
        with pytest.raises(ActionRequired, match="known_hosts"):
            await deliver(PARTNERS["mappy"], b"x\r\n", "f.csv", {"username": "vitrine", "password": PASSWORD},
                          {"host": "127.0.0.1", "port": sftp_server}, client)


async def test_sftp_wrong_password(sftp_server: int, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ActionRequired, match="authentication failed"):
            await deliver(PARTNERS["mappy"], b"x\r\n", "f.csv", {"username": "vitrine", "password": "nope"},
                          _options(sftp_server), client)
    assert list((tmp_path / "root" / "incoming").iterdir()) == []


async def test_sftp_missing_directory(sftp_server: int) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ActionRequired, match="cannot write"):
            await deliver(PARTNERS["mappy"], b"x\r\n", "f.csv", {"username": "vitrine", "password": PASSWORD},
                          {**_options(sftp_server), "directory": "absent"}, client)


async def test_sftp_closed_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with httpx.AsyncClient() as client:
        with pytest.raises(RetryableError):
            await deliver(PARTNERS["mappy"], b"x\r\n", "f.csv", {"username": "vitrine", "password": PASSWORD},
                          _options(port), client)


UPLOAD = "https://feeds.example.test/upload"


@respx.mock
async def test_https_multipart_exact_bytes() -> None:
    partner = PARTNERS["justacote"]
    _, content = _rows("justacote")
    route = respx.post(UPLOAD).mock(return_value=httpx.Response(201, headers={"Location": f"{UPLOAD}/42"}))
    async with httpx.AsyncClient() as client:
        delivery = await deliver(partner, content, "vitrine-acme-2025-03-01.csv", {"token": "tok"},
                                 {"upload_url": UPLOAD}, client)
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == "Bearer tok"
    boundary = sent.headers["Content-Type"].split("boundary=")[1]
    body = sent.content
    assert (b'Content-Disposition: form-data; name="file"; filename="vitrine-acme-2025-03-01.csv"\r\n'
            b"Content-Type: text/csv; charset=utf-8\r\n\r\n" + content + b"\r\n--" + boundary.encode() + b"--") in body
    assert delivery.location == f"{UPLOAD}/42" and delivery.rows == 3 and delivery.size == len(content)


@respx.mock
@pytest.mark.parametrize(("status", "error"), [(401, ActionRequired), (403, ActionRequired),
                                               (503, RetryableError), (500, RetryableError),
                                               (429, RetryableError), (400, Rejected), (413, Rejected)])
async def test_https_errors(status: int, error: type[Exception]) -> None:
    respx.post(UPLOAD).mock(return_value=httpx.Response(status, text="no"))
    async with httpx.AsyncClient() as client:
        with pytest.raises(error) as caught:
            await deliver(PARTNERS["wemap"], b"h\r\n", "f.csv", {"token": "tok"}, {"upload_url": UPLOAD}, client)
    assert caught.value.http_status == status
