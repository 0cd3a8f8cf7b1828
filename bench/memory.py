"""The planning service's memory on dealer-2011, in one process (no server): what its caches keep
alive after a storm of slot queries and bookings, read with `tracemalloc` (numpy's grids too).

- `storm`: four desks query and book on one date, `--rounds` rounds (every booking makes a new
  day version: the day fills up after about 105 bookings);
- `dates`: `--dates` distinct dates, each with `--per-date` queries and bookings;
- `spread`: `--rounds` passes over `--dates` dates, `--per-date` queries and bookings each.

Every `step` line gives the memory held (MB over the service just built, after a collection),
the offer and day entries cached and a census of the day versions alive (`DayBook`s: those with
a free time, packed or moved days, lineage). `--no-trace` skips tracemalloc (for CPU figures);
the last line counts the free times and repacks built (bench.storm_replay's counters). Runs on
older trees from their directory (cwd modules win), like bench.storm_replay:

    .venv/bin/python -m bench.memory dates --dates 320 --per-date 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.clock import NOW
from bench.service import CODES
from bench.storm_replay import COUNTS, StubRefiner, instrument
from scheduler import slots
from scheduler.clock import FixedClock
from scheduler.errors import Conflict
from scheduler.offer import SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.storage import Store

DATE = dt.date(2026, 11, 26)


def census() -> dict[str, int]:
    """Day versions alive, and how many keep each of their caches."""
    books = [o for o in gc.get_objects() if isinstance(o, slots.DayBook)]
    return {
        "daybooks": len(books),
        "with free time": sum(1 for b in books if b._free_time),
        "with free_time_from": sum(1 for b in books if b._free_time_from),
        "with packed": sum(1 for b in books if b._packed),
        "with moved": sum(1 for b in books if b._moved_days),
        "with lineage": sum(1 for b in books if b.lineage),
    }


def plan_of(mode: str, rounds: int, dates: int, per_date: int) -> list[tuple[dt.date, int]]:
    """(date, queries and bookings) per step."""
    if mode == "storm":
        return [(DATE, 4)] * rounds
    if mode == "spread":
        return [(DATE + dt.timedelta(days=i), per_date) for _ in range(rounds) for i in range(dates)]
    return [(DATE + dt.timedelta(days=i), per_date) for i in range(dates)]


def run(plan: list[tuple[dt.date, int]], mode: str, trace: bool) -> None:
    workshop = load_scenario("dealer-2011").workshop
    if trace:
        tracemalloc.start(1)
    with tempfile.TemporaryDirectory() as tmp:
        service = PlanningService(Store(f"sqlite:///{Path(tmp) / 'memory.db'}"), clock=FixedClock(NOW))
        if service._ahead is not None:  # no background CP-SAT: the same work on every run
            service._ahead.refiner.close()
            service._ahead.refiner = StubRefiner()  # type: ignore[assignment]
        service.put_workshop(workshop)
        gc.collect()
        base = tracemalloc.get_traced_memory()[0] if trace else 0
        if trace:
            tracemalloc.reset_peak()
        rng = random.Random(0)
        began = time.process_time()
        queries = bookings = 0
        for step, (date, desks) in enumerate(plan):
            picks = []
            for _ in range(desks):
                code, waiter = rng.choice(CODES), rng.random() < 0.5
                offers = service.slots(SlotQuery(workshop.id, code, date, waiter, None))
                queries += 1
                if offers:
                    picks.append((code, waiter, rng.choice(offers).drop_off))
            for i, (code, waiter, drop_off) in enumerate(picks):
                fields: dict[str, object] = {"service": code, "drop_off": drop_off, "waiter": waiter}
                try:
                    service.book_request(workshop.id, fields, f"{step}-{i}", None)
                    bookings += 1
                except Conflict:
                    pass
            if trace and (step + 1) % max(1, len(plan) // 10) == 0:
                gc.collect()
                held = (tracemalloc.get_traced_memory()[0] - base) / 1e6
                entries = {"offers": len(service._offers), "days": len(service._days)}
                print(json.dumps({"step": step + 1, "MB": round(held, 1), **entries, **census()}), flush=True)
        gc.collect()
        held, peak = tracemalloc.get_traced_memory() if trace else (base, base)
        row: dict[str, object] = {
            "mode": mode,
            "queries": queries,
            "bookings": bookings,
            "cpu s": round(time.process_time() - began, 1),
            "held MB": round((held - base) / 1e6, 1),
            "peak MB": round((peak - base) / 1e6, 1),
            "maxrss MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1),
            **census(),
        }
        if trace:
            top = tracemalloc.take_snapshot().statistics("filename")[:8]
            row["top"] = [(str(s.traceback[0].filename).split("/")[-1], round(s.size / 1e6, 1)) for s in top]
        print(json.dumps(row), flush=True)
        print(json.dumps({k: round(v, 3) for k, v in sorted(COUNTS.items())}), flush=True)
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["storm", "dates", "spread"])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--dates", type=int, default=300)
    parser.add_argument("--per-date", type=int, default=2)
    parser.add_argument("--no-trace", action="store_true")
    args = parser.parse_args()
    instrument(None)
    run(plan_of(args.mode, args.rounds, args.dates, args.per_date), args.mode, not args.no_trace)


if __name__ == "__main__":
    main()
