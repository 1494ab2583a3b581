"""A vecbase server subprocess on a free loopback port with its own storage directory."""

from __future__ import annotations

import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port free now. Under pytest-xdist each worker draws from its own band below
    the kernel's ephemeral range: two workers asking the kernel at once could be handed the
    same port, and a server that then fails to bind would leave its test probing the other
    worker's server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not worker[2:].isdigit():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    low = 20_000 + int(worker[2:]) % 6 * 2_000
    while True:
        port = random.randrange(low, low + 2_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


class Server:
    def __init__(
        self, storage: Path, port: int | None = None, extra: list[str] | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        """``tls``: the server speaks TLS; the client context that trusts it (and, for
        mutual TLS, presents a client certificate)."""
        self.storage = storage
        self.tls = tls
        self.port = port or free_port()
        self.grpc_port = free_port()
        while self.grpc_port == self.port:  # a port just freed may be handed out again
            self.grpc_port = free_port()
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = storage.parent / f"{storage.name}-server.log"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str] | None = None) -> Server:
        cmd = [sys.executable, "-m", "vecbase", "serve", "--port", str(self.port), "--path", str(self.storage)]
        cmd += ["--grpc-port", str(self.grpc_port)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd + self.extra, stdout=log, stderr=log, env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log.read_text()}")
            try:
                verify: ssl.SSLContext | bool = self.tls if self.tls is not None else True
                if httpx.get(self.url + "/readyz", timeout=1, verify=verify).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.stop()
