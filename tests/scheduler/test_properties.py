"""Property tests (hypothesis): on random small workshops and days, every plan of either planner
passes the independent validator, every booking is placed or explained, and the optimiser is
never worse than the baseline it starts from."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from scheduler.compiler import compile_request
from scheduler.contract import PlanRequest
from scheduler.dispatch import run_rules, unplaced_weight
from scheduler.planning import make_plan
from scheduler.validator import validate_plan
from tests.builders import random_days


def _check(req: PlanRequest, planner: str) -> float:
    plan = make_plan(req, planner)
    assert validate_plan(req, plan) == [], planner
    placed = {a.booking for a in plan.assignments}
    explained = {u.booking for u in plan.unassigned}
    assert placed | explained == {b.id for b in req.bookings} and not placed & explained
    assert all(u.reason for u in plan.unassigned)
    return plan.objective


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_days())
def test_both_planners_make_valid_plans_and_the_optimiser_never_loses(req: PlanRequest) -> None:
    baseline = _check(req, "greedy")
    optimised = _check(req, "cpsat")
    assert optimised <= baseline + 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_days())
def test_no_rule_of_the_family_places_more_than_the_optimiser(req: PlanRequest) -> None:
    problem = compile_request(req).problem
    plan = make_plan(req, "cpsat")
    weight = {b.id: problem.jobs[j].priority for j, b in enumerate(req.bookings)}
    unplaced = sum(weight[u.booking] for u in plan.unassigned)
    for name, rule_plan in run_rules(problem).items():
        assert (unplaced, plan.objective) <= (unplaced_weight(problem, rule_plan), rule_plan.objective), name
