"""Service latency: slot queries and bookings against one real `bayplan serve` process (one worker).

For dealer-2011 and a doubled copy of it (where 200 bookings fit), the day is first filled
through the API (as many bookings as fit, up to 200, booking latency timed); then slot queries
(random service and waiter flag) are timed sequentially and from 4 concurrent clients, bookings
on a fresh day one by one, and finally 4 booking desks storm an empty day (query, book an
offered slot) so that every slot query after a booking misses the cache.

    .venv/bin/python -m bench.service
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
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.clock import NOW
from bench.planners import enlarge
from cli.testing import Server
from scheduler.contract import Workshop
from scheduler.scenarios import load_scenario

HERE = Path(__file__).parent
DAY, FRESH, MIXED = "2026-11-24", "2026-11-25", "2026-11-26"
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


@dataclass
class Storm:
    slots: list[float]
    book: list[float]
    accepted: int
    seconds: float
    offered: int = 0  # times offered over all slot queries (completeness under the storm)
    refused: int = 0  # bookings answered 409 (the time no longer fits by the promise shown)
    later_than_shown: int = 0  # of those, refused because it would be ready later than shown
    other: dict[int, int] = field(default_factory=dict)  # any other answer: status -> count
    booked_later: int = 0  # booked (201) with a promise later than its desk's query showed


def storm(
    url: str,
    headers: dict[str, str],
    workshop: str,
    date: str,
    attempts: int,
    clients: int,
    send_promised: bool = True,
    think: float = 0.0,
) -> Storm:
    """Several booking desks at once on an empty day: query, pick an offered slot, book it; every
    booking changes the day, so slot queries after it miss the cache (the realistic case).
    `send_promised`: each booking carries the promise its desk's query showed for the time (the
    booking request's `promised`, shown16-s41); False: the request as before it existed (a server
    that does not know the field refuses it, 422). `think`: seconds each desk waits between its
    query and its booking (the customer choosing), during which the other desks go on."""
    slots: list[float] = []
    book: list[float] = []
    accepted = 0
    offered_times = 0
    refused = 0
    later = 0
    other: dict[int, int] = {}
    booked_later = 0
    lock = threading.Lock()
    counter = iter(range(attempts))

    def desk(seed: int) -> None:
        nonlocal accepted, offered_times, refused, later, booked_later
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
            for i in counter:
                code, waiter = rng.choice(CODES), rng.random() < 0.5
                params = {"service": code, "date": date, "waiter": str(waiter).lower()}
                t = time.perf_counter()
                offered = http.get(f"/v1/workshops/{workshop}/slots", params=params).json()["slots"]
                spent = time.perf_counter() - t
                with lock:
                    slots.append(spent)
                    offered_times += len(offered)
                if not offered:
                    continue
                chosen = rng.choice(offered)
                body = {"service": code, "drop_off": chosen["drop_off"], "waiter": waiter}
                if send_promised:
                    body["promised"] = chosen["promised"]
                if think > 0:
                    time.sleep(think)
                t = time.perf_counter()
                response = http.post(
                    f"/v1/workshops/{workshop}/bookings",
                    json=body,
                    headers={"Idempotency-Key": f"{date}-m{i}"},
                )
                spent = time.perf_counter() - t
                with lock:
                    book.append(spent)
                    accepted += response.status_code == 201
                    if response.status_code == 201:
                        made = dt.datetime.fromisoformat(response.json()["promised"])
                        booked_later += made > dt.datetime.fromisoformat(chosen["promised"])
                    if response.status_code == 409:
                        refused += 1
                        later += "it was offered" in str(response.json().get("reason", ""))
                    elif response.status_code != 201:
                        other[response.status_code] = other.get(response.status_code, 0) + 1

    began = time.perf_counter()
    threads = [threading.Thread(target=desk, args=(seed,)) for seed in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    return Storm(slots, book, accepted, seconds, offered_times, refused, later, other, booked_later)


def measure(server: Server, workshop: Workshop, rng: random.Random) -> dict[str, object]:
    """Fill the day up to 200 bookings through the API, then time slot queries and bookings."""
    ms = 1000.0
    with httpx.Client(base_url=server.url, timeout=30, headers=server.headers) as http:
        http.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                 headers={"content-type": "application/json", **server.headers})  # fmt: skip
        on_day, fill_latency = fill(http, workshop.id, DAY, rng, 200)
        url = f"/v1/workshops/{workshop.id}/slots"

        def query(client: httpx.Client) -> float:
            params = {"service": rng.choice(CODES), "date": DAY, "waiter": str(rng.random() < 0.5).lower()}
            began = time.perf_counter()
            assert client.get(url, params=params).status_code == 200
            return time.perf_counter() - began

        sequential = [query(http) for _ in range(500)]
        began = time.perf_counter()
        parallel: list[float] = []
        lock = threading.Lock()

        def worker() -> None:
            with httpx.Client(base_url=server.url, timeout=30, headers=server.headers) as own:
                for _ in range(250):
                    spent = query(own)
                    with lock:
                        parallel.append(spent)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        throughput = len(parallel) / (time.perf_counter() - began)
        fresh_booked, booking_latency = fill(http, workshop.id, FRESH, rng, 100)
    mixed = storm(server.url, server.headers, workshop.id, MIXED, attempts=200, clients=4)
    return {
        "workshop": f"{workshop.id} ({len(workshop.technicians)} technicians, {len(workshop.bays)} bays)",
        "bookings on the measured day": on_day,
        "booking p50 / p99 ms while filling it": [
            round(statistics.median(fill_latency) * ms, 1),
            round(percentile(fill_latency, 0.99) * ms, 1),
        ],
        "slots sequential p50 / p99 ms": [
            round(statistics.median(sequential) * ms, 1),
            round(percentile(sequential, 0.99) * ms, 1),
        ],
        "slots 4 clients p99 ms": round(percentile(parallel, 0.99) * ms, 1),
        "slots 4 clients requests/s": round(throughput, 1),
        "bookings on a fresh day (sequential)": fresh_booked,
        "booking p50 / p99 ms, fresh day": [
            round(statistics.median(booking_latency) * ms, 1),
            round(percentile(booking_latency, 0.99) * ms, 1),
        ],
        "storm: 4 desks query+book on an empty day, attempts / accepted / seconds": [
            len(mixed.book),
            mixed.accepted,
            round(mixed.seconds, 1),
        ],
        "storm: requests/s": round((len(mixed.slots) + len(mixed.book)) / mixed.seconds, 1),
        "storm: slots p50 / p99 ms (cache misses after every booking)": [
            round(statistics.median(mixed.slots) * ms, 1),
            round(percentile(mixed.slots, 0.99) * ms, 1),
        ],
        "storm: booking p50 / p99 ms": [
            round(statistics.median(mixed.book) * ms, 1),
            round(percentile(mixed.book, 0.99) * ms, 1),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--promise-confidence",
        type=float,
        default=None,
        help="instead: dealer-2011 as it is, then with Workshop.promise_confidence at this value (each "
        "on its own id, the same random queries), in one server, to compare the desk's cost",
    )
    parser.add_argument("--out", default=str(HERE / "RESULTS-service.json"))
    args = parser.parse_args()
    rng = random.Random(1)
    dealer = load_scenario("dealer-2011").workshop
    # dealer-2011 holds about 107 bookings a day under the walk-in holdback; 200 need a bigger shop.
    doubled = enlarge(dealer, technicians=64, bays=68).model_copy(update={"id": "dealer-2011-x2"})
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "bench.db", now=NOW)
        server.start(timeout=180)  # a loaded machine starts it slowly
        try:
            if args.promise_confidence is None:
                report = [measure(server, workshop, rng) for workshop in (dealer, doubled)]
            else:
                kept = Workshop.model_validate(
                    dealer.model_dump()
                    | {"id": "dealer-2011-kept", "promise_confidence": args.promise_confidence}
                )
                report = [measure(server, workshop, random.Random(1)) for workshop in (dealer, kept)]
        finally:
            server.kill()
    print(json.dumps(report, indent=1))
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
