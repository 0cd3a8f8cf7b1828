"""Shop floor speed: clock events, the status reflecting them and the promise odds, on a
dealer-2011 day (~105 bookings, 32 technicians) in one real `bayplan serve` process.

The day is booked through the API and planned, then lived through (simulation/day_replay.py):
every clock event is timed (the POST answers after its re-plan), and after each the status is
read back until it shows the event (event -> status reflects it). Baselines measured in the same
run: a plain read of the workshop (GET /v1/workshops/{id}) and the status GET alone. Then the
Monte Carlo behind `on_time_probability` is timed in-process on the day's live state at 11:00
(256 and 1,000 samples).

    .venv/bin/python -m bench.shopfloor [--date 2026-11-24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.clock import NOW
from cli.testing import Server
from scheduler.clocking import ClockEvent, effective, replay
from scheduler.contract import Booking, Plan
from scheduler.promise_odds import SAMPLES, on_time_probabilities
from scheduler.scenarios import load_scenario
from simulation.day_replay import percentile, replay_day

HERE = Path(__file__).parent


def stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p99": round(percentile(values, 0.99), 1),
        "max": round(max(values), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--date", default="2026-11-24")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    date = dt.date.fromisoformat(args.date)
    scenario = load_scenario("dealer-2011")
    workshop = scenario.workshop
    base = f"/v1/workshops/{workshop.id}"
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "shopfloor.db", now=NOW)
        server.start(timeout=180)
        try:
            with httpx.Client(base_url=server.url, headers=server.headers, timeout=60) as http:
                http.put(base, content=workshop.model_dump_json(),
                         headers={"content-type": "application/json"}).raise_for_status()  # fmt: skip
                record = replay_day(http, scenario, date, args.seed, latency_every=1)
                read_ms = []
                for _ in range(200):
                    t0 = time.perf_counter()
                    http.get(base).raise_for_status()
                    read_ms.append((time.perf_counter() - t0) * 1000)
                bookings = [
                    Booking.model_validate(b)
                    for b in http.get(f"{base}/bookings", params={"date": args.date}).json()
                    if not b.get("carried_in")  # the day's own bookings
                ]
                plan = Plan.model_validate(http.get(f"{base}/plans/{args.date}").json())
                events = [
                    ClockEvent.model_validate(e) for e in http.get(f"{base}/days/{args.date}/events").json()
                ]
        finally:
            server.kill()
    at = dt.datetime.combine(date, dt.time(11, 0), tzinfo=workshop.tz)
    state = replay(effective(events), workshop, {b.id: b for b in bookings}, date, until=at)
    odds_ms: dict[int, list[float]] = {}
    for samples in (SAMPLES, 1000):
        odds_ms[samples] = []
        for i in range(30):
            moment = at + dt.timedelta(seconds=i)  # a new seed each time
            t0 = time.perf_counter()
            on_time_probabilities(workshop, date, bookings, plan, state, moment, samples=samples)
            odds_ms[samples].append((time.perf_counter() - t0) * 1000)
    status = stats(record.status_ms)
    clock = stats(record.clock_ms)
    reflected = stats(record.reflected_ms)
    read = stats(read_ms)
    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "load average at the end (1, 5, 15 min)": [round(x, 1) for x in os.getloadavg()],
        "day": f"dealer-2011 {args.date}: {record.booked} bookings, {len(workshop.technicians)} technicians,"
        f" {len({(a.booking, a.operation) for a in plan.assignments})} operations planned",
        "events accepted / stored / refused": [
            record.events_posted,
            record.events_stored,
            record.events_refused,
        ],
        "baseline: GET workshop ms": read,
        "baseline: status GET alone ms": status,
        "clock event (POST, re-plan included) ms": clock,
        "event -> status reflects it ms": reflected,
        f"on_time_probability Monte Carlo, {SAMPLES} samples, ms": stats(odds_ms[SAMPLES]),
        "on_time_probability Monte Carlo, 1000 samples, ms": stats(odds_ms[1000]),
        "ratios": {
            "clock p99 / status GET p50": round(clock["p99"] / status["p50"], 2),
            "reflected p99 / status GET p50": round(reflected["p99"] / status["p50"], 2),
            "clock p99 / workshop GET p50": round(clock["p99"] / read["p50"], 2),
            f"Monte Carlo {SAMPLES} p50 / status GET p50": round(
                statistics.median(odds_ms[SAMPLES]) / status["p50"], 2
            ),
        },
        "goals": {
            "clock event p99 <= 100 ms": clock["p99"] <= 100,
            "status reflects it p99 <= 1000 ms": reflected["p99"] <= 1000,
            f"{SAMPLES} samples <= 1000 ms": max(odds_ms[SAMPLES]) <= 1000,
        },
    }
    print(json.dumps(report, indent=1))
    (HERE / "RESULTS-shopfloor.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
