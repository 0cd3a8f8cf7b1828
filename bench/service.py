"""Service latency: slot queries and bookings against one real `bayplan serve` process (one worker).

The day is first filled through the API (as many dealer-2011 bookings as fit, up to 200); then
slot queries (random service and waiter flag) are timed sequentially and from 4 concurrent
clients, and bookings on a fresh day are timed one by one.

    .venv/bin/python -m bench.service
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from scheduler.scenarios import load_scenario
from tests.test_server import Server

HERE = Path(__file__).parent
DAY, FRESH = "2026-11-24", "2026-11-25"
CODES = ["LUBE", "FIRST", "MAINT", "MINOR", "WARRANTY", "INSPECT", "ALIGN"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fill(
    http: httpx.Client, workshop: str, date: str, rng: random.Random, limit: int
) -> tuple[int, list[float]]:
    booked, latencies = 0, []
    for i in range(limit * 3):
        if booked >= limit:
            break
        code, waiter = rng.choice(CODES), rng.random() < 0.5
        params = {"service": code, "date": date, "waiter": str(waiter).lower()}
        slots = http.get(f"/v1/workshops/{workshop}/slots", params=params).json()["slots"]
        if not slots:
            continue
        body = {"service": code, "drop_off": rng.choice(slots)["drop_off"], "waiter": waiter}
        began = time.perf_counter()
        response = http.post(
            f"/v1/workshops/{workshop}/bookings", json=body, headers={"Idempotency-Key": f"{date}-{i}"}
        )
        latencies.append(time.perf_counter() - began)
        booked += response.status_code == 201
    return booked, latencies


def main() -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "bench.db")
        server.start()
        try:
            workshop = load_scenario("dealer-2011").workshop
            with httpx.Client(base_url=server.url, timeout=30) as http:
                http.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                         headers={"content-type": "application/json"})  # fmt: skip
                on_day, _ = fill(http, workshop.id, DAY, rng, 200)

                def query() -> float:
                    params = {
                        "service": rng.choice(CODES),
                        "date": DAY,
                        "waiter": str(rng.random() < 0.5).lower(),
                    }
                    began = time.perf_counter()
                    assert http.get(f"/v1/workshops/{workshop.id}/slots", params=params).status_code == 200
                    return time.perf_counter() - began

                sequential = [query() for _ in range(500)]
                began = time.perf_counter()
                parallel: list[float] = []
                lock = threading.Lock()

                def worker() -> None:
                    with httpx.Client(base_url=server.url, timeout=30) as own:
                        for _ in range(250):
                            params = {"service": rng.choice(CODES), "date": DAY, "waiter": "false"}
                            t = time.perf_counter()
                            own.get(f"/v1/workshops/{workshop.id}/slots", params=params)
                            with lock:
                                parallel.append(time.perf_counter() - t)

                threads = [threading.Thread(target=worker) for _ in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                throughput = len(parallel) / (time.perf_counter() - began)
                fresh_booked, booking_latency = fill(http, workshop.id, FRESH, rng, 100)
        finally:
            server.kill()
    ms = 1000.0
    report = {
        "bookings on the measured day": on_day,
        "slots sequential p50 ms": round(statistics.median(sequential) * ms, 1),
        "slots sequential p99 ms": round(percentile(sequential, 0.99) * ms, 1),
        "slots 4 clients p99 ms": round(percentile(parallel, 0.99) * ms, 1),
        "slots 4 clients requests/s": round(throughput, 1),
        "bookings timed": len(booking_latency),
        "bookings accepted on the fresh day": fresh_booked,
        "booking p50 ms": round(statistics.median(booking_latency) * ms, 1),
        "booking p99 ms": round(percentile(booking_latency, 0.99) * ms, 1),
    }
    print(json.dumps(report, indent=1))
    (HERE / "RESULTS-service.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
