"""The lean lateness model (`solver.lean`): valid plans of the same bookings, the least-late plan
where it is provable, the same plan every time, only on days it models exactly."""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.compiler import compile_request
from scheduler.contract import Booking
from scheduler.dispatch import dispatch, rule_order
from scheduler.planning import to_plan
from scheduler.validator import assert_valid
from solver.lean import exact, lateness_plan
from solver.objective import objective, terms
from solver.problem import DayProblem, DaySolution, LoanCars, Placement
from tests.builders import at, fifty_bookings, four_bay_request, least_lateness, tiny_day, tiny_workshop


def weighted(problem: DayProblem, solution: DaySolution) -> int:
    """The objective's lateness terms of `solution`."""
    minutes = terms(problem, solution)
    w = problem.weights
    return w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness


def first_come(problem: DayProblem) -> DaySolution:
    start = dispatch(problem, rule_order(problem, "fcfs"))
    start.objective = objective(problem, start)
    return start


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_least_late_plan_of_the_same_bookings(seed: int) -> None:
    """Hinted with the first-come plan of a one-lift day: optimal, the same bookings placed, as few
    weighted minutes late as any order allows (`least_lateness` enumerates them), valid, the same
    twice; its cost and bound in the weights over their common divisor (10, 30 -> 1, 3)."""
    req = tiny_day(seed, count=7, waiters=True)
    compiled = compile_request(req)
    problem = compiled.problem
    start = first_come(problem)
    assert exact(problem, start)
    found = lateness_plan(problem, start, 0.5)
    assert found.solution is not None and found.status == "OPTIMAL"
    assert found.solution.unplaced == start.unplaced
    placed = tuple(j for j in range(len(problem.jobs)) if j not in start.unplaced)
    best = least_lateness(problem, placed, problem.weights)
    assert weighted(problem, found.solution) == best == 10 * found.cost == 10 * found.bound
    found.solution.objective = objective(problem, found.solution)
    assert_valid(req, to_plan(compiled, found.solution, "cpsat"))
    assert 0 < found.deterministic_time <= 0.5 + 0.05
    again = lateness_plan(problem, start, 0.5)
    assert again.solution is not None and again.solution.placements == found.solution.placements


def test_days_it_does_not_model_exactly() -> None:
    """Loan cars, kept promises, started work and re-plans are not in the model: not exact."""
    problem = compile_request(tiny_day(1, count=6, waiters=True)).problem
    start = first_come(problem)
    assert exact(problem, start)
    job = problem.jobs[0]
    op = job.operations[0]
    at = Placement(op.bays[0], op.technicians[0], job.release, job.release + op.durations[0])
    pinned = dataclasses.replace(job, operations=(dataclasses.replace(op, pin=at), *job.operations[1:]))
    moved = dataclasses.replace(job, operations=(dataclasses.replace(op, previous=at), *job.operations[1:]))
    for day in (
        dataclasses.replace(problem, loan_cars=LoanCars(cars=1, out=(), lent=())),
        dataclasses.replace(problem, keep_promises=True),
        dataclasses.replace(problem, jobs=(pinned, *problem.jobs[1:])),
        dataclasses.replace(problem, jobs=(moved, *problem.jobs[1:])),
    ):
        assert not exact(day, start)


@pytest.mark.parametrize("count", [10, 14])
def test_two_operations_shared_bays_and_a_fleet_lift(count: int) -> None:
    """The four-bay workshop (express lane, general and fleet lifts; minor repairs in two operations
    by the senior alone; lube by either): the lean plan keeps every rule (the validator), never
    later than the plan it was hinted with, the same bookings placed, the same twice."""
    req = four_bay_request(fifty_bookings()[:count], limit=10.0)
    compiled = compile_request(req)
    problem = compiled.problem
    start = first_come(problem)
    assert exact(problem, start)
    assert any(len(job.operations) > 1 for job in problem.jobs)
    found = lateness_plan(problem, start, 0.5)
    assert found.solution is not None and found.solution.unplaced == start.unplaced
    assert weighted(problem, found.solution) <= weighted(problem, start)
    found.solution.objective = objective(problem, found.solution)
    assert_valid(req, to_plan(compiled, found.solution, "cpsat"))
    again = lateness_plan(problem, start, 0.5)
    assert again.solution is not None and again.solution.placements == found.solution.placements


def test_the_bay_is_held_for_the_technician_who_does_the_work() -> None:
    """An operation's bay is held for as long as the technician chosen for it works, not for the
    fastest qualified one's minutes: one lift, two technicians at 60 min and a fast one (30 min) on
    shift only from 12:00; two jobs at 08:00 promised 09:00. The lift takes them one after the
    other: 60 minutes late in all (with the fast one's 30 min held for each, both would seem on time
    and overlap on the lift)."""
    tiny = tiny_workshop(closing="17:00", shift_end="17:00")
    slow = tiny.technicians[0]
    technicians = [
        slow.model_copy(update={"id": "s1"}),
        slow.model_copy(update={"id": "s2"}),
        slow.model_copy(
            update={"id": "f", "efficiency": 2.0, "shift": slow.shift.model_copy(update={"start": "12:00"})}
        ),
    ]
    ws = tiny.model_copy(update={"technicians": technicians})
    bookings = [
        Booking(id=f"b{i}", service="MAINT", drop_off=at("08:00"), promised=at("09:00")) for i in range(2)
    ]
    req = four_bay_request(bookings, ws, limit=5)
    compiled = compile_request(req)
    problem = compiled.problem
    start = first_come(problem)
    assert exact(problem, start) and not start.unplaced
    found = lateness_plan(problem, start, 0.5)
    assert found.solution is not None
    assert terms(problem, found.solution).lateness == 60
    found.solution.objective = objective(problem, found.solution)
    assert_valid(req, to_plan(compiled, found.solution, "cpsat"))


def test_a_window_moves_only_its_free_bookings() -> None:
    """`free`: the four-bay workshop's first-come plan of 14 bookings with every other booking free;
    the rest keep their technician, bay and times exactly, the plan is valid, never later than its
    hint, the same bookings placed, the same twice. With every booking free it is the whole-day
    solve."""
    req = four_bay_request(fifty_bookings()[:14], limit=10.0)
    compiled = compile_request(req)
    problem = compiled.problem
    start = first_come(problem)
    assert exact(problem, start)
    free = {j for j in range(len(problem.jobs)) if j % 2 and j not in start.unplaced}
    found = lateness_plan(problem, start, 0.5, free=free)
    assert found.solution is not None and found.solution.unplaced == start.unplaced
    assert found.solution.placements.keys() == start.placements.keys()
    for (j, k), placed in start.placements.items():
        if j not in free:
            assert found.solution.placements[(j, k)] == placed
    assert weighted(problem, found.solution) <= weighted(problem, start)
    found.solution.objective = objective(problem, found.solution)
    assert_valid(req, to_plan(compiled, found.solution, "cpsat"))
    again = lateness_plan(problem, start, 0.5, free=free)
    assert again.solution is not None and again.solution.placements == found.solution.placements
    every = lateness_plan(problem, start, 0.5, free=range(len(problem.jobs)))
    whole = lateness_plan(problem, start, 0.5)
    assert every.solution is not None and whole.solution is not None
    assert weighted(problem, every.solution) == weighted(problem, whole.solution)
