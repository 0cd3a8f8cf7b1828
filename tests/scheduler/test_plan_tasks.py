"""Planning a day from its accepted bookings' witness (scheduler.plan_tasks)."""

from __future__ import annotations

import pytest

from scheduler import plan_tasks
from scheduler.compiler import CompiledDay
from scheduler.contract import Assignment, PlanOptions, PlanRequest
from scheduler.plan_tasks import plan_from_witness
from scheduler.validator import assert_valid
from solver.problem import DaySolution, Placement
from tests.builders import assignment, booking, tiny_workshop


def _two_kept_and_one_at_risk() -> tuple[PlanRequest, list[Assignment]]:
    """Room for two 60-minute jobs, held by the witness of accepted 'a' and 'b'; 'c' (at risk since
    a workshop change, priority 5) would fit in either place."""
    kept = [booking("a", "MAINT", "08:00"), booking("b", "MAINT", "08:00")]
    at_risk = booking("c", "MAINT", "08:00", priority=5, at_risk=True, at_risk_reason="technician removed")
    request = PlanRequest(
        workshop=tiny_workshop(),
        date=kept[0].drop_off.date(),
        bookings=[*kept, at_risk],
        options=PlanOptions(time_limit_seconds=1, keep_promises=True),
    )
    witness = [
        assignment("a", 0, "G1", "t", "08:00", "09:00"),
        assignment("b", 0, "G1", "t", "09:00", "10:00"),
    ]
    return request, witness


def test_a_booking_at_risk_never_takes_the_place_of_one_whose_promise_holds() -> None:
    """Room for two 60-minute jobs; two accepted bookings hold it, a third (at risk since a
    workshop change, priority 5) would fit in either place. The promise holds: it stays out."""
    request, witness = _two_kept_and_one_at_risk()
    for seed in range(4):
        seeded = request.model_copy(update={"options": request.options.model_copy(update={"seed": seed})})
        plan = plan_from_witness(seeded, witness)
        assert_valid(seeded, plan)
        assert {a.booking for a in plan.assignments} == {"a", "b"}, seed
        assert [u.booking for u in plan.unassigned] == ["c"]


def test_a_booking_at_risk_never_takes_the_loan_car_of_one_whose_promise_holds() -> None:
    """One loan car (the fleet cut by force after both were accepted) and room for both: 'a' kept
    its promise, 'c' is at risk and dropped off earlier. The plan may place 'c' only without a
    loan car out beyond the fleet; the car is 'a''s, so 'c' stays out, not 'a'."""
    workshop = tiny_workshop("11:00", "11:00").model_copy(update={"loan_cars": 1})
    kept = booking("a", "MAINT", "08:30", loan_car=True)
    at_risk = booking("c", "MAINT", "08:00", loan_car=True, at_risk=True, at_risk_reason="technician removed")
    request = PlanRequest(
        workshop=workshop,
        date=kept.drop_off.date(),
        bookings=[kept, at_risk],
        options=PlanOptions(time_limit_seconds=1, keep_promises=True),
    )
    plan = plan_from_witness(request, [assignment("a", 0, "G1", "t", "08:30", "09:30")])
    assert_valid(request, plan)
    assert {a.booking for a in plan.assignments} == {"a"}
    assert [u.booking for u in plan.unassigned] == ["c"]


def test_if_the_search_ever_returned_a_plan_breaking_a_rule_the_witness_stands_not_the_greedy_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The greedy fallback knows no promise: it would place the at-risk booking of priority 5 first.
    A search result breaking a rule (faked: all three at 08:00 on one technician) gives way to the
    accepted bookings' own placements, which keep every promise (review-s16 F5)."""
    request, witness = _two_kept_and_one_at_risk()

    def broken(compiled: CompiledDay, hint: DaySolution | None = None) -> DaySolution:
        same = Placement(bay=0, technician=0, start=0, end=60)
        solution = DaySolution(placements={(j, 0): same for j in range(3)}, unplaced=set())
        solution.objective = 0
        return solution

    monkeypatch.setattr(plan_tasks, "optimise", broken)
    plan = plan_from_witness(request, witness)
    assert_valid(request, plan)
    assert {a.booking for a in plan.assignments} == {"a", "b"} and plan.planner == "witness"
    assert [u.booking for u in plan.unassigned] == ["c"]
