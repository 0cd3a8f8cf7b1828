"""The overbooking trade-off: one rule set at several overbooking levels x replications, with
common random numbers (every level sees the same customers, no-shows and work content), so the
differences to the first level are paired (simulation.design.aggregate)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.scenarios import Scenario
from simulation.arrivals import Period
from simulation.design import aggregate, make_jobs
from simulation.overbooking import MAX_PERCENT
from simulation.results import DerivedRules, ExperimentResult, with_derived
from simulation.rules import StaffingRules
from simulation.runners import run_jobs
from simulation.sources import DemandSpec

#: What a manager weighs: on time and overtime against the customers turned away.
TRADEOFF = ("on_time", "overtime_hours_per_day", "turned_away_per_day", "overbooked_per_day")


def check_levels(levels: Sequence[float]) -> list[float]:
    """Distinct levels in 0..MAX_PERCENT, in the order given (the first is the baseline)."""
    if not levels:
        raise InputError("overbooking", N_("give at least one level, e.g. 0,5,10,15"))
    for level in levels:
        if not 0 <= level <= MAX_PERCENT:
            raise InputError(
                "overbooking",
                N_("each level must be 0..%(most)s %%, got %(level)s")
                % {"most": f"{MAX_PERCENT:g}", "level": f"{level:g}"},
            )
    levels = [level + 0.0 for level in levels]  # -0 is 0
    # Distinct as the table names them (`level_name`, 6 significant digits), or two columns read alike.
    if len({level_name(level) for level in levels}) != len(levels):
        raise InputError("overbooking", N_("levels must be distinct (to 6 significant digits)"))
    return levels


def level_name(level: float) -> str:
    return f"{level:g} %"


def run_tradeoff(
    scenario: Scenario,
    rules: StaffingRules,
    period: Period,
    levels: Sequence[float],
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
    """Each level as a rule set named "p %" (the same staffing rules), the first the baseline."""
    levels = check_levels(levels)
    # One rule set per level (the same staffing rules), each with its desk's overbooking level.
    same = [rules] * len(levels)
    jobs = make_jobs(scenario, same, period, replications, seed, policy, growth, demand, overbooking=levels)
    began = time.perf_counter()
    outcomes, backend = run_jobs(jobs, tick, workers, cluster)
    wall = time.perf_counter() - began
    named = [
        rules.model_copy(
            update={
                "name": level_name(level),
                "description": f"{rules.name}, overbooking {level_name(level)}",
            }
        )
        for level in levels
    ]
    result = aggregate(
        scenario, named, period, replications, seed, policy, growth, outcomes, backend, wall, TRADEOFF
    )
    # The description above stays English (the JSON's); `derived` says it in a reader's language.
    return with_derived(
        result, [DerivedRules(base=rules.name, overbooking_percent=level) for level in levels]
    )
