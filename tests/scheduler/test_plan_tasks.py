"""Planning a day from its accepted bookings' witness (scheduler.plan_tasks)."""

from __future__ import annotations

from scheduler.contract import PlanOptions, PlanRequest
from scheduler.plan_tasks import plan_from_witness
from scheduler.validator import assert_valid
from tests.builders import assignment, booking, tiny_workshop


def test_a_booking_at_risk_never_takes_the_place_of_one_whose_promise_holds() -> None:
    """Room for two 60-minute jobs; two accepted bookings hold it, a third (at risk since a
    workshop change, priority 5) would fit in either place. The promise holds: it stays out."""
    workshop = tiny_workshop()
    kept = [booking("a", "MAINT", "08:00"), booking("b", "MAINT", "08:00")]
    at_risk = booking("c", "MAINT", "08:00", priority=5, at_risk=True, at_risk_reason="technician removed")
    request = PlanRequest(
        workshop=workshop,
        date=kept[0].drop_off.date(),
        bookings=[*kept, at_risk],
        options=PlanOptions(time_limit_seconds=1, keep_promises=True),
    )
    witness = [
        assignment("a", 0, "G1", "t", "08:00", "09:00"),
        assignment("b", 0, "G1", "t", "09:00", "10:00"),
    ]
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
