"""Property tests (hypothesis): on random small workshops and days, every plan of either planner
passes the independent validator, every booking is placed or explained, and the optimiser is
never worse than the baseline it starts from."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.compiler import compile_request
from scheduler.contract import Booking, PlanRequest
from scheduler.dispatch import run_rules, unplaced_weight
from scheduler.planning import make_plan
from scheduler.validator import validate_plan
from tests.builders import SHIFT, at, request, small_workshop

SERVICES = ["LUBE", "MAINT", "MINOR", "ACCIDENT"]
TECHNICIANS = ["li", "wang", "chen", "zhao", "zhou"]
BAYS = ["G1", "G2", "E1", "B1", "P1", "F1"]


@st.composite
def days(draw: st.DrawFn) -> PlanRequest:
    base = small_workshop()
    names = draw(st.lists(st.sampled_from(TECHNICIANS), min_size=1, max_size=5, unique=True))
    technicians = []
    for t in base.technicians:
        if t.id not in names:
            continue
        start = draw(st.sampled_from(["07:00", "08:00", "09:00"]))
        end = draw(st.sampled_from(["15:00", "16:00", "17:00", "18:00"]))
        shift: dict[str, Any] = {**SHIFT, "start": start, "end": end}
        technicians.append(t.model_copy(update={
            "shift": type(t.shift).model_validate(shift),
            "efficiency": draw(st.sampled_from([0.8, 1.0, 1.25])),
            "max_overtime_minutes": draw(st.sampled_from([0, 30, 60])),
        }))  # fmt: skip
    bays = [b for b in base.bays if b.id in draw(st.lists(st.sampled_from(BAYS), min_size=1, unique=True))]
    workshop = base.model_copy(update={"technicians": technicians, "bays": bays})
    bookings = []
    for i in range(draw(st.integers(1, 12))):
        quarter = draw(st.integers(0, 24))  # drop-offs 09:00 .. 15:00
        bookings.append(Booking(
            id=f"b{i}",
            service=draw(st.sampled_from(SERVICES)),
            drop_off=at(f"{9 + quarter // 4:02d}:{15 * (quarter % 4):02d}"),
            waiter=draw(st.booleans()),
            fleet_partner=draw(st.sampled_from([None, None, "TAXI"])),
            priority=draw(st.integers(1, 3)),
        ))  # fmt: skip
    return request(bookings, workshop=workshop, time_limit_seconds=0.5, workers=2)


def _check(req: PlanRequest, planner: str) -> float:
    plan = make_plan(req, planner)
    assert validate_plan(req, plan) == [], planner
    placed = {a.booking for a in plan.assignments}
    explained = {u.booking for u in plan.unassigned}
    assert placed | explained == {b.id for b in req.bookings} and not placed & explained
    assert all(u.reason for u in plan.unassigned)
    return plan.objective


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_both_planners_make_valid_plans_and_the_optimiser_never_loses(req: PlanRequest) -> None:
    baseline = _check(req, "greedy")
    optimised = _check(req, "cpsat")
    assert optimised <= baseline + 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_no_rule_of_the_family_places_more_than_the_optimiser(req: PlanRequest) -> None:
    problem = compile_request(req).problem
    plan = make_plan(req, "cpsat")
    weight = {b.id: problem.jobs[j].priority for j, b in enumerate(req.bookings)}
    unplaced = sum(weight[u.booking] for u in plan.unassigned)
    for name, rule_plan in run_rules(problem).items():
        assert (unplaced, plan.objective) <= (unplaced_weight(problem, rule_plan), rule_plan.objective), name
