"""A real `bayplan serve` process for end-to-end tests and benchmarks (tests/ and bench/ share it)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from scheduler.keys import ALL_WORKSHOPS, KeyStore
from scheduler.storage import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`bayplan serve` on a free port with an admin API key (`headers`); its clock starts at `now`
    (the machine's clock when None), so a fixed day can be booked and planned on any date."""

    def __init__(self, db: Path, now: dt.datetime | None = None) -> None:
        self.db = db
        self.now = now
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        key, _ = KeyStore(Store(f"sqlite:///{db}")).create("admin", [ALL_WORKSHOPS], "tests")
        self.headers = {"X-API-Key": key}

    def start(self, timeout: float = 90.0) -> None:
        """Start it and wait up to `timeout` seconds for /health: a start takes seconds, but at load
        15 on 2 cores it took over 30 (session 30: two e2e tests failed so). A server that exits
        is reported at once, not waited for."""
        command = [
            sys.executable,
            "-m",
            "cli",
            "serve",
            "--db",
            f"sqlite:///{self.db}",
            "--port",
            str(self.port),
        ]
        if self.now is not None:
            command += ["--now", self.now.isoformat()]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with status {self.process.returncode} before it started")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()  # not left running behind the failed test (or benchmark)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
