"""Run the sandbox: ``run_sandbox`` (blocking) or ``SandboxServer`` (background thread, free port).

    with SandboxServer(SandboxConfig(seed=1)) as sandbox:
        httpx.get(f"{sandbox.url}/google/v1/locations/1?readMask=title", headers=...)

Command line: ``python -m connectors.sandbox [--host H] [--port P] [--config file.json]``.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from .app import create_app
from .config import SandboxConfig
from .core import Clock, Sandbox


def run_sandbox(host: str = "127.0.0.1", port: int = 8765, config: SandboxConfig | None = None,
                clock: Clock | None = None, log_level: str = "info") -> None:
    uvicorn.run(create_app(config, clock), host=host, port=port, log_level=log_level)


class SandboxServer:
    """uvicorn in a daemon thread on ``host:port`` (port 0: a free one); ``url`` once started."""

    def __init__(self, config: SandboxConfig | None = None, clock: Clock | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"):
        self.app: FastAPI = create_app(config, clock)
        self.host, self.port, self.log_level = host, port, log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def sandbox(self) -> Sandbox:
        """The runtime; read it from another thread only for inspection, change it through /_sandbox."""
        return self.app.state.sandbox

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("SandboxServer is not started")
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level=self.log_level, lifespan="off", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox:{self.port}", daemon=True)
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Vitrine directory sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--config", type=Path, help="a SandboxConfig as JSON")
    args = parser.parse_args(argv)
    config = SandboxConfig.model_validate_json(args.config.read_text()) if args.config else None
    run_sandbox(args.host, args.port, config)


if __name__ == "__main__":
    main()
