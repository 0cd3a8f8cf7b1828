"""The 4-desk booking storm replayed in one thread on the planning service (no HTTP, no server):
the CPU each slot query and booking costs, read with `time.thread_time`.

Four desks take turns on an empty dealer-2011 day: each asks for slots (a random service and
waiter flag), then each books an offered time, 50 rounds; every booking changes the day, so
the next queries miss the cache as in `bench.storm`. On a shared machine wall-clock latencies
under four desks move with the load; the CPU of one thread moves far less, so two builds are
compared by it (run them alternately, e.g. main from a `git archive` copy with the same .venv,
and report the ratios). Under 4 desks and one GIL a request's latency is roughly its own CPU
plus the CPU the other desks spend meanwhile, so these figures bound the storm's tail.

    .venv/bin/python -m bench.storm_replay [--runs 3] [--label mine]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.clock import NOW
from bench.service import CODES, percentile
from scheduler.clock import FixedClock
from scheduler.scenarios import load_scenario
from scheduler.service import Conflict, PlanningService
from scheduler.storage import Store

DATE = dt.date(2026, 11, 26)


def replay(rounds: int = 50, desks: int = 4) -> dict[str, object]:
    workshop = load_scenario("dealer-2011").workshop
    with tempfile.TemporaryDirectory() as tmp:
        service = PlanningService(Store(f"sqlite:///{Path(tmp) / 'replay.db'}"), clock=FixedClock(NOW))
        try:
            service.put_workshop(workshop)
            rngs = [random.Random(seed) for seed in range(desks)]
            slots: list[float] = []
            book: list[float] = []
            booked = 0
            for r in range(rounds):
                picks = []
                for d, rng in enumerate(rngs):
                    code, waiter = rng.choice(CODES), rng.random() < 0.5
                    began = time.thread_time()
                    offers = service.slots(workshop.id, code, DATE, waiter, None)
                    slots.append(time.thread_time() - began)
                    if offers:
                        picks.append((code, waiter, rng.choice(offers).drop_off, f"r{r}-d{d}"))
                for code, waiter, drop_off, key in picks:
                    began = time.thread_time()
                    fields: dict[str, object] = {"service": code, "drop_off": drop_off, "waiter": waiter}
                    try:
                        service.book_request(workshop.id, fields, key, None)
                        booked += 1
                    except Conflict:
                        pass
                    book.append(time.thread_time() - began)
        finally:
            service.close()
    ms = 1000.0
    return {
        "queries / bookings tried / booked": [len(slots), len(book), booked],
        "slots CPU s in all": round(sum(slots), 3),
        "slots CPU p50 / p99 / max ms": [
            round(statistics.median(slots) * ms, 1),
            round(percentile(slots, 0.99) * ms, 1),
            round(max(slots) * ms, 1),
        ],
        "bookings CPU s in all": round(sum(book), 3),
        "booking CPU p50 / p99 ms": [
            round(statistics.median(book) * ms, 1),
            round(percentile(book, 0.99) * ms, 1),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    for _ in range(args.runs):
        print(json.dumps({"label": args.label, **replay()}), flush=True)


if __name__ == "__main__":
    main()
