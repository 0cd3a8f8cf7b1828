"""Actuals: what learning labour times and the productivity report cost on a dealer-2011-sized
history, and what the learned speeds add to the live day's status.

90 days of synthetic history are written straight to storage (105 bookings a day, every
operation clocked start..finish by a random technician, durations lognormal around standard /
efficiency with a technician factor, 1 in 10 paused and resumed), then a 91st day with bookings
and a few clock events. Timed in one process, medians of repeated calls:

- baseline: the 91st day's status with learning off (no earlier events: an empty cache key);
- status with the learned speeds cached (the usual case); with the cache cold (the first status
  after a restart: 90 days read); and with the past days' worked operations cached but the
  speeds not (the first status of a new day: the learning itself runs again);
- labour times learned from 90 days; the productivity report over 20 days.

Speeds are reported as ratios against the baseline measured in the same run.

    .venv/bin/python -m bench.actuals [--days 90]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.clock import NOW
from scheduler import actuals
from scheduler.clock import FixedClock
from scheduler.contract import Booking, Workshop
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.storage.tables import ClockEventRow

HERE = Path(__file__).parent
BOOKINGS_A_DAY = 105


def _history(
    store: Store, workshop: Workshop, first: dt.date, days: int, rng: random.Random, prefix: str = "H"
) -> int:
    """Bookings and clock events of `days` days from `first`; returns how many events."""
    techs = workshop.technicians
    factor = {t.id: math.exp(rng.gauss(0, 0.15)) for t in techs}
    count = 0
    for d in range(days):
        date = first + dt.timedelta(days=d)
        opening = dt.datetime.combine(date, dt.time(8, 0), tzinfo=workshop.tz)
        free = {t.id: opening for t in techs}  # each technician on one job at a time
        with store.transaction() as session:
            for i in range(BOOKINGS_A_DAY):
                service = rng.choice(workshop.services)
                drop = dt.datetime.combine(date, dt.time(8, 0), tzinfo=workshop.tz)
                booking = Booking(id=f"{prefix}{d}-{i}", service=service.code, drop_off=drop)
                bookings_db.add(session, workshop.id, date, booking, [], (None, None, None), drop)
                moment = drop + dt.timedelta(minutes=rng.randint(0, 300))
                for k, op in enumerate(service.operations):
                    tech = min(techs, key=lambda t: (free[t.id], rng.random()))
                    moment = max(moment, free[tech.id])
                    minutes = op.minutes / tech.efficiency * factor[tech.id] * rng.lognormvariate(0, 0.25)
                    end = moment + dt.timedelta(minutes=minutes)
                    actions = [("start", moment), ("finish", end)]
                    if rng.random() < 0.1:
                        half = moment + (end - moment) / 2
                        actions[1:1] = [("pause", half), ("resume", half + dt.timedelta(minutes=5))]
                        end += dt.timedelta(minutes=5)
                        actions[-1] = ("finish", end)
                    for action, at in actions:
                        session.add(ClockEventRow(workshop_id=workshop.id, date=date, booking_id=booking.id,
                            operation=k, technician=tech.id, action=action, at=at.astimezone(dt.UTC),
                            recorded_at=at.astimezone(dt.UTC)))  # fmt: skip
                        count += 1
                    free[tech.id] = end + dt.timedelta(minutes=rng.randint(1, 10))
                    moment = end + dt.timedelta(minutes=1)
    return count


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    workshop = load_scenario("dealer-2011").workshop
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'actuals.db'}")
        service = PlanningService(store, clock=FixedClock(NOW))
        service.put_workshop(workshop)
        first = NOW.date() + dt.timedelta(days=1)
        started = time.perf_counter()
        events = _history(store, workshop, first, args.days, rng)
        write_s = time.perf_counter() - started
        target = first + dt.timedelta(days=args.days)
        _history(store, workshop, target, 1, rng, "L")  # the live day: its own events
        shopfloor = ShopFloor(service)
        now = dt.datetime.combine(target, dt.time(12, 0), tzinfo=workshop.tz)

        def status() -> object:
            return shopfloor.status(workshop.id, target, now)

        real = actuals.learned_speeds
        import scheduler.live_replan as live_replan_module
        import scheduler.shopfloor as shopfloor_module

        for module in (shopfloor_module, live_replan_module):
            module.learned_speeds = lambda *_: {}  # type: ignore[assignment]
        baseline = _median_ms(status, args.repeat)
        for module in (shopfloor_module, live_replan_module):
            module.learned_speeds = real
        status()  # warm the cache
        hit = _median_ms(status, args.repeat)

        def cold() -> object:
            actuals._CACHES.clear()
            return status()

        miss = _median_ms(cold, max(3, args.repeat // 3))

        def new_day() -> object:  # the days before are known: only the learning itself runs again
            for cache in actuals._CACHES.values():
                cache._cached.clear()
            return status()

        status()
        relearn = _median_ms(new_day, max(3, args.repeat // 3))
        last = target - dt.timedelta(days=1)
        labour = _median_ms(
            lambda: actuals.labour_times(service, workshop.id, last - dt.timedelta(days=89), last), 3
        )
        report = _median_ms(
            lambda: actuals.productivity(store, workshop.id, last - dt.timedelta(days=19), last, "day"), 3
        )
        speeds = len(actuals.learned_speeds(service, workshop, target))
    result = {
        "scenario": "dealer-2011",
        "technicians": len(workshop.technicians),
        "history_days": args.days,
        "bookings_a_day": BOOKINGS_A_DAY,
        "history_events": events,
        "history_write_seconds": round(write_s, 1),
        "learned_speeds": speeds,
        "status_baseline_ms": round(baseline, 1),
        "status_learned_cached_ms": round(hit, 1),
        "status_learned_cold_ms": round(miss, 1),
        "status_learned_days_cached_ms": round(relearn, 1),
        "labour_times_90_days_ms": round(labour, 1),
        "productivity_report_20_days_ms": round(report, 1),
        "ratio_status_cached_over_baseline": round(hit / baseline, 2),
        "ratio_status_cold_over_baseline": round(miss / baseline, 2),
        "ratio_status_days_cached_over_baseline": round(relearn / baseline, 2),
        "ratio_labour_times_over_baseline": round(labour / baseline, 2),
        "ratio_report_over_baseline": round(report / baseline, 2),
    }
    print(json.dumps(result, indent=2))
    (HERE / "RESULTS-actuals.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
