"""The experiment design: rule sets x replications with common random numbers, and 95 % CIs.

Every rule set sees the same vehicles (each day's draws are seeded by seed, replication and day
alone), so differences to the first rule set are paired. Outcomes are put in (rule set,
replication) order before any statistic is taken, so the same seed gives the same result
whatever ran the jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from scheduler.i18n import DEFAULT, Translator
from scheduler.scenarios import Scenario
from simulation.arrivals import Period
from simulation.replication import Job, Outcome
from simulation.results import METRIC_UNITS, UNIT_BOUNDS, WAIT_EDGES, ExperimentResult, Metric, RuleSetResult
from simulation.rules import StaffingRules, composed, composition
from simulation.runners import run_jobs
from simulation.sources import DemandSpec
from simulation.stats import mean_ci

#: Metrics compared pairwise with the first rule set.
PAIRED = ("on_time", "waiter_wait_p90", "time_in_shop_p90", "overtime_hours_per_day", "cost_per_day")


def make_jobs(
    scenario: Scenario,
    rule_sets: list[StaffingRules],
    period: Period,
    replications: int,
    seed: int,
    policy: str,
    growth: float,
    demand: DemandSpec | None = None,
    warmup: int = 1,
    overbooking: Sequence[float] | None = None,
) -> list[Job]:
    """Rule sets x replications; `overbooking` gives rule set r its desk's level (percent)."""
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
            demand=demand,
            warmup=warmup,
            overbooking=None if overbooking is None else overbooking[r],
        )
        for r, rules in enumerate(rule_sets)
        for rep in range(replications)
    ]


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
    paired: Sequence[str] = PAIRED,
) -> ExperimentResult:
    ordered = sorted(outcomes, key=lambda o: (o.rule_index, o.replication))
    results = []
    first = [o for o in ordered if o.rule_index == 0]
    for r, rules in enumerate(rule_sets):
        mine = [o for o in ordered if o.rule_index == r]
        versus = {}
        if r > 0:
            for name in paired:
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
                # Rules with no description of their own (the bundled ones): one made from their
                # fields, in English here, in the reader's language where shown (review-s35).
                description=rules.description or composed(composition(rules), Translator(DEFAULT)),
                technicians=rules.technician_count(),
                composition=None if rules.description else composition(rules),
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
    demand: DemandSpec | None = None,
) -> ExperimentResult:
    jobs = make_jobs(scenario, rule_sets, period, replications, seed, policy, growth, demand)
    began = time.perf_counter()
    outcomes, backend = run_jobs(jobs, tick, workers, cluster)
    wall = time.perf_counter() - began
    return aggregate(scenario, rule_sets, period, replications, seed, policy, growth, outcomes, backend, wall)
