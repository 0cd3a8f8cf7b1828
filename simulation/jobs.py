"""Simulations as background jobs: one call starts an experiment in the runner's simulation lane."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from scheduler.i18n import N_
from scheduler.jobs import JobRecord, JobRunner
from scheduler.scenarios import Scenario
from simulation.arrivals import season_note
from simulation.design import run_experiment
from simulation.inputs import prepare

BUDGET = 6_000
"""Most simulated days per simulation job: days x replications x rule sets x growth (if above 1);
dealer-2011 simulates about 100 such days a second on one core, so about a minute."""

PLAN_BUDGET = 120
"""Most simulated days per job under the `plan` policy, where every simulated day is first planned
by the optimiser (about 0.7 s a dealer-2011 day on one core): again about a minute."""

#: Why a job is over its budget, by (growth above 1, policy plan): whole sentences, so that each is
#: translated as one.
OVER_BUDGET = {
    (False, False): N_(
        "days x replications x rule sets = %(size)s simulated days, over the budget of"
        " %(budget)s: ask for fewer"
    ),
    (True, False): N_(
        "days x replications x rule sets x growth = %(size)s simulated days, over the budget of"
        " %(budget)s: ask for fewer"
    ),
    (False, True): N_(
        "days x replications x rule sets = %(size)s simulated days, over the budget of %(budget)s for"
        " policy plan (each day planned by the optimiser first): ask for fewer"
    ),
    (True, True): N_(
        "days x replications x rule sets x growth = %(size)s simulated days, over the budget of"
        " %(budget)s for policy plan (each day planned by the optimiser first): ask for fewer"
    ),
}


@dataclass(frozen=True)
class Started:
    """A queued simulation job, and what the asker should know of what it simulates: the arguments
    of `arrivals.NO_SEASON_FIELD` where a peak or low season was asked of a flat table."""

    job: JobRecord
    season_note: dict[str, str] | None


class OverBudget(ValueError):
    """An experiment too large for one job; `fields` are the inputs that make it so."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


def start_simulation(
    runner: JobRunner,
    scenario: Scenario,
    rules: list[str],
    *,
    days: int,
    replications: int,
    seed: int,
    policy: str,
    month: str | None,
    season: str | None,
    growth: float,
) -> Started:
    """Check the inputs (names, never paths) and the budget, then queue the experiment."""
    size = days * replications * len(rules) * max(1.0, growth)
    budget = PLAN_BUDGET if policy == "plan" else BUDGET
    if size > budget:
        why = OVER_BUDGET[growth > 1, policy == "plan"] % {"size": f"{size:,.0f}", "budget": f"{budget:,}"}
        fields = ["days", "replications", "rules"] + (["growth"] if growth > 1 else [])
        raise OverBudget(why, fields + (["policy"] if policy == "plan" else []))
    rule_sets, period = prepare(scenario, rules, days, month, season, growth)
    run = partial(
        run_experiment, replications=replications, seed=seed, policy=policy, growth=growth, workers=1
    )
    job = runner.submit("simulation", scenario.workshop.id, run, scenario, rule_sets, period)
    return Started(runner.record(job), season_note(scenario, season, period))
