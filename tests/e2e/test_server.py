"""A real `bayplan serve` process: bookings survive SIGKILL during a storm, exactly once."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.testing import Server
from scheduler.scenarios import load_scenario
from tests.builders import DATE, NOW

SERVICES = ["LUBE", "FIRST", "MAINT", "MINOR", "WARRANTY", "INSPECT", "ALIGN"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "storm.db", now=NOW)
    s.start()
    yield s
    if s.process is not None and s.process.poll() is None:
        s.kill()


def test_sigkill_during_a_booking_storm_loses_nothing_and_doubles_nothing(server: Server) -> None:
    workshop = load_scenario("small-dealer").workshop
    put = httpx.put(f"{server.url}/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                    headers={"content-type": "application/json", **server.headers}, timeout=10)  # fmt: skip
    assert put.status_code == 200
    acknowledged: dict[str, str] = {}  # idempotency key -> booking id
    bodies: dict[str, dict[str, object]] = {}  # idempotency key -> the request
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=5, headers=server.headers) as http:
            for n in range(40):
                if stop.is_set():
                    return
                key = f"w{worker}-{n}"
                hour = 8 + (worker + n) % 8
                drop_off = f"{DATE}T{hour:02d}:{(n % 2) * 30:02d}:00+08:00"
                body = {
                    "service": SERVICES[(worker + n) % len(SERVICES)],
                    "drop_off": drop_off,
                    "waiter": n % 3 == 0,
                }
                try:
                    response = http.post(f"/v1/workshops/{workshop.id}/bookings", json=body,
                                         headers={"Idempotency-Key": key})  # fmt: skip
                except httpx.HTTPError:
                    return  # the server died under us
                if response.status_code == 201:
                    with lock:
                        acknowledged[key] = response.json()["id"]
                        bodies[key] = body

    threads = [threading.Thread(target=client, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(acknowledged) < 8:
        time.sleep(0.02)
    server.kill()  # mid-storm
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert acknowledged, "no booking was acknowledged before the kill"

    integrity = sqlite3.connect(server.db).execute("PRAGMA integrity_check").fetchone()[0]
    assert integrity == "ok"
    server.start()
    stored = httpx.get(
        f"{server.url}/v1/workshops/{workshop.id}/bookings",
        params={"date": DATE},
        timeout=10,
        headers=server.headers,
    ).json()
    ids = [b["id"] for b in stored]
    assert len(ids) == len(set(ids))
    assert set(acknowledged.values()) <= set(ids), "an acknowledged booking was lost"
    print(f"storm: {len(acknowledged)} acknowledged before SIGKILL, {len(ids)} stored after restart")
    # Replaying every acknowledged request returns the same booking and creates nothing new.
    with httpx.Client(base_url=server.url, timeout=5, headers=server.headers) as http:
        for key, booking_id in list(acknowledged.items())[:10]:
            replay = http.post(f"/v1/workshops/{workshop.id}/bookings", json=bodies[key],
                               headers={"Idempotency-Key": key})  # fmt: skip
            assert replay.status_code == 200 and replay.json()["id"] == booking_id
    again = httpx.get(
        f"{server.url}/v1/workshops/{workshop.id}/bookings",
        params={"date": DATE},
        timeout=10,
        headers=server.headers,
    ).json()
    assert len(again) == len(stored)
