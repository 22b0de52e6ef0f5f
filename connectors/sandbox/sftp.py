"""A local SFTP inbox standing in for the feed partners' SFTP servers (demo, tests).

`async with SftpInbox(root) as inbox:` serves `root` (chrooted) on 127.0.0.1 with a fresh
ed25519 host key; `inbox.options(directory)` and `inbox.credentials` are what a feed
connection needs, host key pinned through `known_hosts` (no insecure shortcut).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncssh

USERNAME, PASSWORD = "vitrine", "sandbox-feed-password"


class _Server(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == PASSWORD


class SftpInbox:
    credentials = {"username": USERNAME, "password": PASSWORD}

    def __init__(self, root: Path):
        self.root = root
        self._key = asyncssh.generate_private_key("ssh-ed25519")
        self._server: Any = None
        self.port = 0

    async def __aenter__(self) -> SftpInbox:
        self.root.mkdir(parents=True, exist_ok=True)
        root = str(self.root)
        self._server = await asyncssh.listen(
            host="127.0.0.1", port=0, server_host_keys=[self._key], server_factory=_Server,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def options(self, directory: str) -> dict[str, str]:
        (self.root / directory).mkdir(parents=True, exist_ok=True)
        known = f"[127.0.0.1]:{self.port} {self._key.export_public_key().decode().strip()}"
        return {"host": "127.0.0.1", "port": str(self.port), "directory": directory, "known_hosts": known}
