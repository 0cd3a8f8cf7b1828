"""One replication of one rule set: a picklable `Job` in, plain figures (`Outcome`) out.

The job rebuilds everything from plain data in the worker, so any runner (this process, a
process pool, a Dask cluster) can run it and the same job gives the same figures.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np

from scheduler.contract import GRADE_NAMES
from scheduler.scenarios import Scenario, load_scenario
from simulation.arrivals import HistoryDemand
from simulation.layout import compile_layout
from simulation.model import DAY, Layout, Vehicle, Workshop, tech_boundaries
from simulation.overbooking import BookingDesk
from simulation.policies import POLICIES
from simulation.replay import plan_day, planning_workshop
from simulation.results import WAIT_EDGES
from simulation.rules import StaffingRules
from simulation.sources import DaySource, DemandSpec, make_source


@dataclass(frozen=True)
class Job:
    scenario: str  # directory of the scenario
    rules: dict[str, Any]  # StaffingRules as data (validated again in the worker)
    rule_index: int
    replication: int
    seed: int
    start: dt.date
    days: int
    policy: str
    growth: float
    # Keyword-only: a positional `warmup` once landed in `overbooking` (every simulation got a 1 % desk).
    _: KW_ONLY
    demand: DemandSpec | None = None  # None: the scenario's demand tables (arrivals.HistoryDemand)
    overbooking: float | None = None  # percent: bookings pass a desk that overbooks (simulation.overbooking)
    warmup: int = 1  # days simulated before `start`, not measured


@dataclass
class Outcome:
    rule_index: int
    replication: int
    metrics: dict[str, float]
    busy_by_hour: np.ndarray
    duty_by_hour: np.ndarray
    wait_histogram: np.ndarray
    events: int
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


@functools.lru_cache(maxsize=8)
def _scenario(path: str) -> Scenario:
    return load_scenario(path)


@functools.lru_cache(maxsize=8)
def _source(spec: DemandSpec, scenario: str, growth: float) -> DaySource:
    """A history source per worker process, built once: its days come from (seed, replication, day)
    alone, so jobs can share it (building one indexes the whole history by day)."""
    return make_source(spec, _scenario(scenario), growth)


def simulate_days(
    layout: Layout,
    demand: HistoryDemand | DaySource | BookingDesk,
    rules: StaffingRules,
    *,
    seed: int,
    replication: int,
    start: dt.date,
    days: int,
    policy: str,
    plan_seconds: float = 1.0,
    warmup: int = 1,
) -> tuple[Workshop, list[Vehicle], float, float]:
    """One replication: `warmup` days before `start` (days 0..warmup-1, not measured; one by default),
    then `days` measured days from `start`."""
    vehicles: list[Vehicle] = []
    day_starts = []
    following = policy == "plan"
    planning = planning_workshop(demand.scenario, rules) if following else None
    for d in range(days + warmup):
        date = start + dt.timedelta(days=d - warmup)
        day_starts.append((d * DAY, date.weekday()))
        today = demand.day(
            seed, replication, d, date, rules.duration_cv, rules.booking_cap_per_hour, no_shows=following
        )
        if planning is not None:
            known = [(len(vehicles) + n, v) for n, v in enumerate(today) if v.booked or v.multi_day]
            plan_day(planning, known, date, d, layout.partners, plan_seconds)
        vehicles += today
    vehicles = [v for v in vehicles if not v.no_show]
    closes = [
        d * DAY + max((p[-1][1] for t in layout.techs for p in [t.periods]), default=0)
        for d in range(days + warmup)
    ]
    window = (warmup * DAY, (days + warmup) * DAY)
    shop = Workshop(layout, POLICIES[policy], vehicles, tech_boundaries(layout, day_starts), closes, window)
    shop.run()
    return shop, vehicles, window[0], window[1]


def run_job(job: Job) -> Outcome:
    began = time.perf_counter()
    scenario = _scenario(job.scenario)
    rules = StaffingRules.model_validate(job.rules)
    layout = compile_layout(scenario, rules)
    source = (
        HistoryDemand(scenario, job.growth)
        if job.demand is None
        else _source(job.demand, job.scenario, job.growth)
    )
    desk = None if job.overbooking is None else BookingDesk(source, layout, job.overbooking)
    shop, vehicles, m0, m1 = simulate_days(
        layout,
        desk or source,
        rules,
        seed=job.seed,
        replication=job.replication,
        start=job.start,
        days=job.days,
        policy=job.policy,
        warmup=job.warmup,
    )
    outcome = measure(shop, vehicles, layout, rules, job, m0, m1)
    if desk is not None:
        outcome.metrics.update(desk.metrics(job.days))
    outcome.seconds = time.perf_counter() - began
    return outcome


def measure(
    shop: Workshop,
    vehicles: list[Vehicle],
    layout: Layout,
    rules: StaffingRules,
    job: Job,
    m0: float,
    m1: float,
) -> Outcome:
    days = job.days
    tally = shop.tally
    arrived = [v for v in vehicles if m0 <= v.arrival < m1]
    served = sum(1 for v in vehicles if m0 <= v.done < m1)
    in_shop = [(v.done if v.done >= 0 else m1) - v.arrival for v in arrived if not v.multi_day]
    waits = np.array([(v.first_start if v.first_start >= 0 else m1) - v.arrival for v in arrived if v.waiter])
    due = [v for v in vehicles if m0 <= v.promised < m1]
    on_time = sum(1 for v in due if 0 <= v.done <= v.promised)

    # Technician minutes on duty (shift less breaks), by grade and by hour of the day.
    duty_grade = np.zeros(6)
    duty_hour = np.zeros(24)
    for d in range(1, days + 1):
        weekday = (job.start + dt.timedelta(days=d - 1)).weekday()
        for t in layout.techs:
            if weekday in t.weekdays:
                for a, b in t.periods:
                    duty_grade[t.grade] += b - a
                # By hour: the whole shift, breaks included, so the chart shows the lunch dip.
                _spread(duty_hour, t.periods[0][0], t.periods[-1][1])
    metrics: dict[str, float] = {
        "arrived_per_day": len(arrived) / days,
        "served_per_day": served / days,
        "time_in_shop_p50": float(np.percentile(in_shop, 50)) if in_shop else float("nan"),
        "time_in_shop_p90": float(np.percentile(in_shop, 90)) if in_shop else float("nan"),
        "waiter_wait_p90": float(np.percentile(waits, 90)) if waits.size else float("nan"),
        "waiter_wait_mean": float(waits.mean()) if waits.size else float("nan"),
        "on_time": on_time / len(due) if due else float("nan"),
        "overtime_hours_per_day": tally.overtime / 60 / days,
        "carried_over_per_day": float(np.mean(tally.carried)) if tally.carried else 0.0,
    }
    base_cost = 0.0
    for d in range(1, days + 1):
        weekday = (job.start + dt.timedelta(days=d - 1)).weekday()
        base_cost += sum(layout.grade_cost[t.grade] for t in layout.techs if weekday in t.weekdays)
    bays = sum(rules.bays.model_dump().values()) + sum(rules.fleet_bays.values())
    metrics["cost_per_day"] = (base_cost + tally.overtime_cost) / days + bays * rules.costs.bay_per_day
    for g in range(1, 6):
        if duty_grade[g] > 0:
            metrics[f"utilisation_{GRADE_NAMES[g]}"] = float(tally.busy_by_grade[g] / duty_grade[g])
    open_minutes = _open_minutes(layout) * days
    by_kind: dict[str, list[float]] = {}
    for pool, busy in tally.busy_by_pool.items():
        kind = "fleet" if pool.startswith("fleet:") else pool
        acc = by_kind.setdefault(kind, [0.0, 0.0])
        acc[0] += busy
        acc[1] += layout.pools[pool] * open_minutes
    for kind, (busy, capacity) in by_kind.items():
        metrics[f"bay_utilisation_{kind}"] = busy / capacity if capacity else float("nan")
    hist, _ = np.histogram(np.minimum(waits, WAIT_EDGES[-1] - 1e-9), bins=[*WAIT_EDGES])
    return Outcome(
        rule_index=job.rule_index,
        replication=job.replication,
        metrics=metrics,
        busy_by_hour=tally.busy_by_hour.copy(),
        duty_by_hour=duty_hour,
        wait_histogram=hist.astype(float),
        events=tally.events,
        extra=to_the_minute(due, arrived, m1),
    )


def to_the_minute(due: list[Vehicle], arrived: list[Vehicle], m1: float) -> dict[str, float]:
    """On-time share and time in shop p50/p90 measured as a record with whole-minute times measures
    them (drop-off and finish to the nearest minute; a finish in the promised minute is on time):
    what the back-test compares with such a record (`backtest`), not a metric of its own."""
    out: dict[str, float] = {}
    if due:
        on = sum(1 for v in due if v.done >= 0 and round(v.done) <= v.promised)
        out["on_time_to_minute"] = on / len(due)
    shop = [(round(v.done) if v.done >= 0 else m1) - round(v.arrival) for v in arrived if not v.multi_day]
    if shop:
        out["time_in_shop_p50_to_minute"] = float(np.percentile(shop, 50))
        out["time_in_shop_p90_to_minute"] = float(np.percentile(shop, 90))
    return out


def _spread(bins: np.ndarray, lo: float, hi: float) -> None:
    while hi > lo:
        upto = min(hi, (lo // 60 + 1) * 60)
        bins[int(lo // 60) % 24] += upto - lo
        lo = upto


def _open_minutes(layout: Layout) -> float:
    """The shop's day: first technician on to last technician off."""
    starts = [t.periods[0][0] for t in layout.techs if t.periods]
    ends = [t.periods[-1][1] for t in layout.techs if t.periods]
    return max(ends) - min(starts) if starts else 0.0
