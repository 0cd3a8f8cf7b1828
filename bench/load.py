"""Sustained load: slot queries and bookings against one real `bayplan serve` for N minutes.

Four desks query slots (random service, waiter flag and one of five days) and one books offered
slots round the five days, all on loopback with API keys on, bounded in time. Reported per
route: requests, errors (5xx, transport failures, or any status but 2xx and the expected 409),
throughput, p50/p99. A 409 on a booking means someone took the time first (counted apart).

    .venv/bin/python -m bench.load [--minutes 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

from bench.clock import NOW
from bench.service import CODES, percentile
from cli.testing import Server
from scheduler.scenarios import load_scenario

HERE = Path(__file__).parent
DAYS = [(dt.date(2026, 12, 1) + dt.timedelta(days=d)).isoformat() for d in range(5)]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, route: str, status: str, seconds: float) -> None:
        with self.lock:
            self.latency[route].append(seconds)
            self.status[route][status] += 1


def _desk(
    url: str, headers: dict[str, str], workshop: str, until: float, tally: Tally, seed: int, book: bool
) -> None:
    rng = random.Random(seed)
    n = 0
    with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
        while time.monotonic() < until:
            n += 1
            code, waiter, day = (
                rng.choice(CODES),
                rng.random() < 0.5,
                DAYS[n % len(DAYS)] if book else rng.choice(DAYS),
            )
            params = {"service": code, "date": day, "waiter": str(waiter).lower()}
            began = time.perf_counter()
            try:
                response = http.get(f"/v1/workshops/{workshop}/slots", params=params)
                tally.add("GET slots", str(response.status_code), time.perf_counter() - began)
            except httpx.HTTPError as exc:
                tally.add("GET slots", type(exc).__name__, time.perf_counter() - began)
                continue
            if not book or response.status_code != 200 or not response.json()["slots"]:
                continue
            body = {
                "service": code,
                "drop_off": rng.choice(response.json()["slots"])["drop_off"],
                "waiter": waiter,
            }
            began = time.perf_counter()
            try:
                made = http.post(f"/v1/workshops/{workshop}/bookings", json=body,
                                 headers={"Idempotency-Key": f"load-{seed}-{n}"})  # fmt: skip
                tally.add("POST bookings", str(made.status_code), time.perf_counter() - began)
            except httpx.HTTPError as exc:
                tally.add("POST bookings", type(exc).__name__, time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    workshop = load_scenario("dealer-2011").workshop
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "load.db", now=NOW)
        server.start()
        try:
            headers = {"content-type": "application/json", **server.headers}
            put = httpx.put(
                f"{server.url}/v1/workshops/{workshop.id}",
                content=workshop.model_dump_json(),
                headers=headers,
                timeout=30,
            )
            assert put.status_code == 200, put.text
            began = time.monotonic()
            until = began + args.minutes * 60
            desks = [
                threading.Thread(
                    target=_desk, args=(server.url, server.headers, workshop.id, until, tally, s, s == 0)
                )
                for s in range(5)
            ]
            for d in desks:
                d.start()
            for d in desks:
                d.join()
            seconds = time.monotonic() - began
        finally:
            server.kill()
    report: dict[str, object] = {
        "minutes": args.minutes,
        "seconds": round(seconds, 1),
        "desks": "4 querying + 1 booking",
    }
    routes = {}
    for route, latencies in tally.latency.items():
        statuses = dict(tally.status[route])
        ok = sum(v for k, v in statuses.items() if k.startswith("2"))
        expected_conflicts = statuses.get("409", 0) if route == "POST bookings" else 0
        errors = len(latencies) - ok - expected_conflicts
        routes[route] = {
            "requests": len(latencies),
            "statuses": statuses,
            "errors": errors,
            "error rate": round(errors / len(latencies), 5),
            "requests/s": round(len(latencies) / seconds, 1),
            "p50 ms": round(statistics.median(latencies) * 1000, 1),
            "p99 ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max ms": round(max(latencies) * 1000, 1),
        }
    report["routes"] = routes
    print(json.dumps(report, indent=1))
    (HERE / "RESULTS-load.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    lines = [
        "# Sustained load (issue 7)",
        "",
        f"`.venv/bin/python -m bench.load --minutes {args.minutes:g}`: one `bayplan serve`",
        "(one uvicorn worker, SQLite, API keys on), dealer-2011, 4 desks querying slots on 5 days",
        f"and 1 desk booking offered slots round those days, for {seconds:.0f} s on loopback.",
        "Other sessions were using the same 2 cores.",
        "",
        "| route | requests | req/s | statuses | errors | error rate | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for route, r in routes.items():
        lines.append(f"| {route} | {r['requests']} | {r['requests/s']} | {r['statuses']} | {r['errors']} | "
                     f"{r['error rate']:.3%} | {r['p50 ms']} | {r['p99 ms']} | {r['max ms']} |")  # fmt: skip
    lines += [
        "",
        "Errors: 5xx, transport failures, or any status but 2xx (and 409 on bookings: the time was taken).",
        "",
    ]
    (HERE / "RESULTS-load.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
