"""Several worker processes over one database: `bayplan serve --workers 2` never double-books."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from cli.testing import free_port
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import NOW, tiny_workshop


def test_two_workers_racing_for_the_last_slots_book_each_once(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    key, _ = KeyStore(Store(db_url)).create("booking", ["tiny"])
    headers = {"X-API-Key": key}
    admin, _ = KeyStore(Store(db_url)).create("admin", ["*"])
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--db",
        db_url,
        "--port",
        str(port),
        "--now",
        NOW.isoformat(),
    ]
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "server.log").open("wb"),
        start_new_session=True,  # the workers are the server's children: stop them all together
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        workshop = tiny_workshop()
        put = httpx.put(
            f"{url}/v1/workshops/tiny",
            content=workshop.model_dump_json(),
            headers={"content-type": "application/json", "X-API-Key": admin},
            timeout=10,
        )
        assert put.status_code == 200

        def attempt(i: int) -> int:
            body = {"service": "MAINT", "drop_off": "2026-11-24T08:00:00+08:00"}
            with httpx.Client(base_url=url, timeout=30) as http:
                response = http.post(
                    "/v1/workshops/tiny/bookings", json=body, headers={**headers, "Idempotency-Key": f"k{i}"}
                )
            return response.status_code

        with ThreadPoolExecutor(max_workers=30) as pool:
            codes = list(pool.map(attempt, range(30)))
        assert sorted(set(codes)) == [201, 409], codes
        # Two 60-minute jobs fit the 2-hour shift; the 20 % walk-in holdback keeps one of them back.
        assert codes.count(201) == 1
        stored = httpx.get(
            f"{url}/v1/workshops/tiny/bookings", params={"date": "2026-11-24"}, timeout=10, headers=headers
        )
        assert len(stored.json()) == 1
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
