"""The experiment runner: rule sets x replications, on a process pool or a Dask cluster, with 95 % CIs.

One replication of one rule set is a picklable `Job`; it rebuilds everything from plain data in
the worker and returns plain figures. Results are put in (rule set, replication) order before any
statistic is taken, so the same seed gives the same result whatever ran the jobs.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from scheduler.contract import GRADE_NAMES
from scheduler.scenarios import Scenario, load_scenario
from simulation.arrivals import HistoryDemand, Period
from simulation.layout import compile_layout
from simulation.model import DAY, Layout, Vehicle, Workshop, tech_boundaries
from simulation.policies import POLICIES
from simulation.replay import plan_day, planning_workshop
from simulation.rules import StaffingRules
from simulation.stats import mean_ci

#: Waiting-time histogram: 10-minute bins up to 3 hours, the last bin holds everything longer.
WAIT_EDGES = [float(x) for x in range(0, 190, 10)]

METRIC_UNITS = {
    "arrived_per_day": "vehicles",
    "served_per_day": "vehicles",
    "time_in_shop_p50": "min",
    "time_in_shop_p90": "min",
    "waiter_wait_p90": "min",
    "waiter_wait_mean": "min",
    "on_time": "share",
    "overtime_hours_per_day": "h",
    "carried_over_per_day": "vehicles",
    "cost_per_day": "CNY",
}


#: What a metric of each unit can be: shares in [0, 1], counts, times and costs not below 0.
UNIT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "share": (0.0, 1.0),
    "vehicles": (0.0, None),
    "min": (0.0, None),
    "h": (0.0, None),
    "CNY": (0.0, None),
}

#: Metrics compared pairwise with the first rule set.
PAIRED = ("on_time", "waiter_wait_p90", "time_in_shop_p90", "overtime_hours_per_day", "cost_per_day")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metric(_Model):
    mean: float
    low: float = Field(description="95 % confidence interval, lower end")
    high: float = Field(description="95 % confidence interval, upper end")
    unit: str = ""


class RuleSetResult(_Model):
    name: str
    description: str
    technicians: int
    metrics: dict[str, Metric]
    utilisation_by_hour: list[float] = Field(
        description="busy share of the technicians on shift (breaks included), per hour of the day 0-23"
    )
    waiter_wait_histogram: list[float] = Field(description="share of waiters per WAIT_EDGES bin")
    on_time_by_replication: list[float]
    versus_first: dict[str, Metric] = Field(
        default_factory=dict,
        description="paired difference to the first rule set (same vehicles: common random numbers)",
    )


class ExperimentResult(_Model):
    scenario: str
    period: str
    start: dt.date
    days: int
    replications: int
    seed: int
    policy: str
    growth: float
    backend: str
    wall_seconds: float
    events: int
    wait_edges: list[float]
    rule_sets: list[RuleSetResult]


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


def simulate_days(
    layout: Layout,
    demand: HistoryDemand,
    rules: StaffingRules,
    *,
    seed: int,
    replication: int,
    start: dt.date,
    days: int,
    policy: str,
    plan_seconds: float = 1.0,
) -> tuple[Workshop, list[Vehicle], float, float]:
    """One replication: a warm-up day (day 0, not measured), then `days` measured days."""
    vehicles: list[Vehicle] = []
    day_starts = []
    following = policy == "plan"
    planning = planning_workshop(demand.scenario, rules) if following else None
    for d in range(days + 1):
        date = start + dt.timedelta(days=d - 1)
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
        for d in range(days + 1)
    ]
    window = (DAY, (days + 1) * DAY)
    shop = Workshop(layout, POLICIES[policy], vehicles, tech_boundaries(layout, day_starts), closes, window)
    shop.run()
    return shop, vehicles, window[0], window[1]


def run_job(job: Job) -> Outcome:
    began = time.perf_counter()
    scenario = _scenario(job.scenario)
    rules = StaffingRules.model_validate(job.rules)
    layout = compile_layout(scenario, rules)
    demand = HistoryDemand(scenario, job.growth)
    shop, vehicles, m0, m1 = simulate_days(
        layout,
        demand,
        rules,
        seed=job.seed,
        replication=job.replication,
        start=job.start,
        days=job.days,
        policy=job.policy,
    )
    outcome = measure(shop, vehicles, layout, rules, job, m0, m1)
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
    )


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


def make_jobs(
    scenario: Scenario,
    rule_sets: list[StaffingRules],
    period: Period,
    replications: int,
    seed: int,
    policy: str,
    growth: float,
) -> list[Job]:
    return [
        Job(
            str(scenario.path),
            rules.model_dump(mode="json"),
            r,
            rep,
            seed,
            period.start,
            period.days,
            policy,
            growth,
        )
        for r, rules in enumerate(rule_sets)
        for rep in range(replications)
    ]


Runner = Callable[[list[Job], Callable[[], None]], list[Outcome]]


def run_local(jobs: list[Job], tick: Callable[[], None], workers: int = 2) -> list[Outcome]:
    """In this process (workers <= 1) or on a local process pool."""
    if workers <= 1:
        out = []
        for job in jobs:
            out.append(run_job(job))
            tick()
        return out
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_job, job) for job in jobs]
        for future in as_completed(futures):
            results.append(future.result())
            tick()
    return results


def aggregate(
    scenario: Scenario,
    rule_sets: list[StaffingRules],
    period: Period,
    replications: int,
    seed: int,
    policy: str,
    growth: float,
    outcomes: Iterable[Outcome],
    backend: str,
    wall_seconds: float,
) -> ExperimentResult:
    ordered = sorted(outcomes, key=lambda o: (o.rule_index, o.replication))
    results = []
    first = [o for o in ordered if o.rule_index == 0]
    for r, rules in enumerate(rule_sets):
        mine = [o for o in ordered if o.rule_index == r]
        versus = {}
        if r > 0:
            for name in PAIRED:
                diffs = [a.metrics[name] - b.metrics[name] for a, b in zip(mine, first, strict=True)]
                unit = METRIC_UNITS[name]
                # A difference of shares lies in [-1, 1]; other differences have no bound.
                bounds = (-1.0, 1.0) if unit == "share" else (None, None)
                mean, low, high = mean_ci(diffs, lower=bounds[0], upper=bounds[1])
                versus[name] = Metric(mean=mean, low=low, high=high, unit=unit)
        names = list(dict.fromkeys(k for o in mine for k in o.metrics))
        metrics = {}
        for name in names:
            unit = METRIC_UNITS.get(name, "share")
            lower, upper = UNIT_BOUNDS.get(unit, (None, None))
            mean, low, high = mean_ci(
                [o.metrics.get(name, float("nan")) for o in mine], lower=lower, upper=upper
            )
            metrics[name] = Metric(mean=mean, low=low, high=high, unit=unit)
        busy = np.sum([o.busy_by_hour for o in mine], axis=0)
        duty = np.sum([o.duty_by_hour for o in mine], axis=0)
        hourly = np.divide(busy, duty, out=np.zeros(24), where=duty > 0)
        hist = np.sum([o.wait_histogram for o in mine], axis=0)
        total = hist.sum()
        results.append(
            RuleSetResult(
                name=rules.name,
                description=rules.description,
                technicians=rules.technician_count(),
                metrics=metrics,
                utilisation_by_hour=[float(x) for x in hourly],
                waiter_wait_histogram=[float(x / total) if total else 0.0 for x in hist],
                on_time_by_replication=[o.metrics["on_time"] for o in mine],
                versus_first=versus,
            )
        )
    return ExperimentResult(
        scenario=scenario.name,
        period=period.label,
        start=period.start,
        days=period.days,
        replications=replications,
        seed=seed,
        policy=policy,
        growth=growth,
        backend=backend,
        wall_seconds=wall_seconds,
        events=sum(o.events for o in ordered),
        wait_edges=WAIT_EDGES,
        rule_sets=results,
    )


def run_experiment(
    scenario: Scenario,
    rule_sets: list[StaffingRules],
    period: Period,
    *,
    replications: int = 30,
    seed: int = 1,
    policy: str = "fcfs",
    growth: float = 1.0,
    workers: int = 2,
    cluster: str | None = None,
    tick: Callable[[], None] = lambda: None,
) -> ExperimentResult:
    jobs = make_jobs(scenario, rule_sets, period, replications, seed, policy, growth)
    began = time.perf_counter()
    if cluster is not None:
        from simulation.cluster import run_on_cluster

        outcomes = run_on_cluster(jobs, tick, cluster)
        backend = f"dask {cluster}"
    else:
        outcomes = run_local(jobs, tick, workers)
        backend = "in-process" if workers <= 1 else f"process pool x{workers}"
    wall = time.perf_counter() - began
    return aggregate(scenario, rule_sets, period, replications, seed, policy, growth, outcomes, backend, wall)


BUNDLED_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""What a bundled scenario or rules name looks like: no dots, slashes or other path syntax."""


def bundled_scenario(name: str) -> Scenario:
    """A scenario bundled in scenarios/, by name only (the service never opens a path it is given)."""
    from scheduler.errors import InputError
    from scheduler.scenarios import SCENARIO_ROOT, list_scenarios

    known = list_scenarios()
    if BUNDLED_NAME.fullmatch(name) is None or name not in known:
        raise InputError("scenario", f"unknown scenario {name!r} (known: {', '.join(known)})")
    return load_scenario(SCENARIO_ROOT / name)


def prepare(
    scenario: Scenario,
    rule_names: list[str],
    days: int,
    month: str | None,
    season: str | None,
    growth: float,
) -> tuple[list[StaffingRules], Period]:
    """An experiment's inputs by name, checked before any work starts (InputError naming the field).
    Rules are names of the files bundled with the scenario (scenarios/<name>/rules/<rules>.toml)."""
    from scheduler.errors import InputError
    from simulation.arrivals import HistoryDemand, choose_period
    from simulation.rules import list_rules, load_rules

    known = list_rules(scenario)
    rule_sets = []
    for i, name in enumerate(rule_names):
        if BUNDLED_NAME.fullmatch(name) is None or name not in known:
            raise InputError(
                f"rules[{i}]", f"unknown rules {name!r} for {scenario.name} (known: {', '.join(known)})"
            )
        rule_sets.append(load_rules(scenario, str(scenario.path / "rules" / f"{name}.toml")))
    names = [r.name for r in rule_sets]
    if len(set(names)) != len(names):
        raise InputError("rules", f"rule set names must differ, got {names}")
    try:
        period = choose_period(scenario, days, month, season)
        HistoryDemand(scenario, growth)  # checks the growth factor
    except InputError as exc:  # named for the command line (--month): here the field is `month`
        raise InputError(exc.field.removeprefix("--"), exc.reason, exc.source) from None
    return rule_sets, period


def default_scenario_path(name: str) -> Path:
    return load_scenario(name).path
