"""Simulations as background jobs: one call starts an experiment in the runner's simulation lane."""

from __future__ import annotations

from functools import partial

from scheduler.jobs import JobRecord, JobRunner
from scheduler.scenarios import Scenario
from simulation.design import run_experiment
from simulation.inputs import prepare

BUDGET = 6_000
"""Most simulated days per simulation job: days x replications x rule sets x growth (if above 1);
dealer-2011 simulates about 100 such days a second on one core, so about a minute."""


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
) -> JobRecord:
    """Check the inputs (names, never paths) and the budget, then queue the experiment."""
    size = days * replications * len(rules) * max(1.0, growth)
    if size > BUDGET:
        grown = " x growth" if growth > 1 else ""
        why = (
            f"days x replications x rule sets{grown} = {size:,.0f} simulated days, over the budget"
            f" of {BUDGET:,}: ask for fewer"
        )
        raise OverBudget(why, ["days", "replications", "rules"] + (["growth"] if growth > 1 else []))
    rule_sets, period = prepare(scenario, rules, days, month, season, growth)
    run = partial(
        run_experiment, replications=replications, seed=seed, policy=policy, growth=growth, workers=1
    )
    job = runner.submit("simulation", scenario.workshop.id, run, scenario, rule_sets, period)
    return runner.record(job)
