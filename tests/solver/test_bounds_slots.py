"""Non-preemptive counting in the bounds: an operation never spans a break, so a working block
holds only so many of a group's operations; and the bookings a full group must leave out."""

from __future__ import annotations

import itertools

from scheduler.compiler import compile_request
from scheduler.contract import Booking, Workshop
from scheduler.planning import make_plan
from scheduler.validator import assert_valid
from solver.bounds import lateness_floor, placement_bound
from tests.builders import at
from tests.builders import four_bay_request as request
from tests.builders import four_bay_workshop as workshop

MORNING = {"start": "08:00", "end": "12:00", "breaks": [{"start": "10:00", "end": "10:30"}]}


def _body_day(body_jobs: int, waiter_drop_off: str = "11:45") -> list[Booking]:
    """`body_jobs` 70-minute body jobs at 08:00 promised for the evening, and one 20-minute waiter
    dropped off at `waiter_drop_off` and promised for 12:00."""
    bookings = [
        Booking(id=f"body{i}", service="BODY70", drop_off=at("08:00"), promised=at("17:00"))
        for i in range(body_jobs)
    ]
    bookings.append(
        Booking(id="waiter", service="QUICK", drop_off=at(waiter_drop_off), promised=at("12:00"), waiter=True)
    )
    return bookings


def _ws() -> Workshop:
    """One mechanic (08:00-12:00, 30 min overtime) and one body technician (two 120-minute blocks
    around a break, no overtime): 240 body minutes, but only one 70-minute job fits in each block."""
    return workshop(
        bays=[{"id": "G1", "kind": "general"}, {"id": "B1", "kind": "body"}],
        technicians=[
            {"id": "m", "name": "M", "grade": 3, "skills": ["maintenance"], "max_overtime_minutes": 30,
             "shift": {"start": "08:00", "end": "12:00"}},
            {"id": "b", "name": "B", "grade": 3, "skills": ["body"], "max_overtime_minutes": 0,
             "shift": MORNING},
        ],
        services=[
            {"code": "QUICK", "name": "quick", "operations": [
                {"name": "check", "minutes": 20, "skill": "maintenance", "bay_kinds": ["general"]}]},
            {"code": "BODY70", "name": "body", "operations": [
                {"name": "body", "minutes": 70, "skill": "body", "bay_kinds": ["body"]}]},
        ],
    )  # fmt: skip


def test_a_block_holds_only_whole_operations() -> None:
    """Three 70-minute jobs have 240 minutes of energy room, but the break leaves two 120-minute
    blocks: two fit, and the placement bound says so (energy alone said three)."""
    req = request(_body_day(3), _ws(), limit=5)
    problem = compile_request(req).problem
    bound = placement_bound(problem)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    assert plan.kpis.placed == 3  # two body jobs and the waiter
    assert bound.count == 3 and bound.proven


def test_the_booking_left_out_is_the_full_groups() -> None:
    """A plan placing three of the four must leave out a body job (the body shop holds two), so the
    waiter is in it and late: 12:05 alone, 5 minutes. Without the count, leaving out the waiter
    looked possible and the floor was 0."""
    req = request(_body_day(3), _ws(), limit=5)
    problem = compile_request(req).problem
    plan = make_plan(req, "cpsat")
    assert plan.kpis.total_lateness_minutes == 5
    assert lateness_floor(problem, 3) == 5
    assert plan.lateness_bound == 5 and plan.lateness_gap == 0.0
    # Leaving out any booking is allowed when the plan places less: then the floor is 0.
    assert lateness_floor(problem, 2) == 0


def test_forced_drops_never_exceed_the_least_lateness_by_enumeration() -> None:
    """Every subset of bookings, placed by brute force (body jobs one per block, the waiter on the
    mechanic at his drop-off): the floor for each weight is at most the least lateness of any
    subset placing that much."""
    for body_jobs, drop in itertools.product((2, 3, 4), ("11:30", "11:45", "11:55")):
        req = request(_body_day(body_jobs, drop), _ws(), limit=5)
        problem = compile_request(req).problem
        waiter = len(problem.jobs) - 1
        job = problem.jobs[waiter]
        due = job.due or 0
        alone = max(0, job.release + job.operations[0].durations[0] - due)
        least: dict[int, int] = {}
        for size in range(len(problem.jobs) + 1):
            for subset in itertools.combinations(range(len(problem.jobs)), size):
                if sum(1 for j in subset if j != waiter) > 2:
                    continue  # the body technician holds two
                late = alone if waiter in subset else 0
                least[size] = min(least.get(size, late), late)
        for weight in range(len(problem.jobs) + 1):
            best = min((v for u, v in least.items() if u >= weight), default=None)
            if best is None:
                continue
            assert lateness_floor(problem, weight) <= best, (body_jobs, drop, weight)
