"""Slot-answer latency on dealer-2011 days with and without parts ETAs, for a paired comparison of
two builds (run this file from each build's directory: `PYTHONPATH=<build> python <this file>`).

The days are filled as `bench.slots` fills them (`bench.slots.book_one`: random same-day requests at
random times, kept where the quick fit places them; no parts ETA, so every build fills the same
days). Then each query — every (service, waiter) of the demand mix, and ACCIDENT with its paint
parts due 11:00 and 14:00 — is answered `--repeats` times by a fresh `DayBook` (cold caches, as the
first query on a new day version; repacked first, as the service does), timed wall and thread CPU
(keys `cpu …`).
Printed: per query the median wall ms; a JSON line with every figure.

    PYTHONPATH=. .venv/bin/python bench/parts_latency.py --seeds 1,2 --attempts 150,300 --repeats 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time

from bench.slots import DATE, OPEN, book_one
from scheduler.contract import Assignment, Booking
from scheduler.scenarios import load_scenario
from scheduler.slots import NO_WANTS, DayBook, Wants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--attempts", default="150,300")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scenario = load_scenario("dealer-2011")
    workshop, demand = scenario.workshop, scenario.demand
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    out: dict[str, list[float]] = {}
    for seed in map(int, args.seeds.split(",")):
        rng = random.Random(seed)
        accepted: list[tuple[Booking, list[Assignment]]] = []
        attempt = 0
        for upto in map(int, args.attempts.split(",")):
            while attempt < upto:
                attempt += 1
                accepted = book_one(workshop, demand, accepted, rng, codes, weights, attempt)
            queries = [(c, w, NO_WANTS) for c in codes for w in (False, True)]
            for hhmm in ("11:00", "14:00"):
                eta = dt.datetime.combine(DATE, dt.time(int(hhmm[:2])), tzinfo=workshop.tz)
                queries.append(("ACCIDENT", False, Wants(parts_eta=eta)))
            for code, waiter, wants in queries:
                eta_words = wants.parts_eta.strftime("%H:%M") if wants.parts_eta else "-"
                key = f"s{seed} n{upto} {code} {'W' if waiter else 'D'} {eta_words}"
                times: list[float] = []
                cpu: list[float] = []
                for _ in range(args.repeats):
                    day = DayBook(workshop, DATE, accepted, OPEN)
                    day.pack()
                    t0, c0 = time.perf_counter(), time.thread_time()
                    day.offers(code, waiter, wants=wants)
                    times.append(time.perf_counter() - t0)
                    cpu.append(time.thread_time() - c0)
                out[key] = times
                out[f"cpu {key}"] = cpu
                print(f"{key:40} {1000 * statistics.median(times):7.1f} ms", flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
