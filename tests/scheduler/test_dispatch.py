"""The rules family and its warm start (scheduler/dispatch.py): the promoted start, keeping seniors."""

from __future__ import annotations

import pytest

from scheduler import dispatch as dispatch_module
from scheduler.availability import Availability
from scheduler.compiler import compile_request
from scheduler.dispatch import RULES, dispatch, multi_start, promoted, rank, rule_order
from scheduler.optimise import warm_start_tries
from solver.bounds import placement_bound
from solver.problem import BayData, DayProblem, JobData, OperationData, TechnicianData
from tests.builders import fifty_bookings
from tests.builders import four_bay_request as request


def _scarce_skill_day() -> DayProblem:
    """Six one-hour jobs either technician can do, promised one hour apart (the first booked is
    promised last), and a 200-minute job only the senior can do, promised at the day's end. Earliest
    promise gives the short jobs the senior's morning too and leaves the long job out; the rules
    that place everything (most-constrained skill, longest first) take the short jobs in booking
    order, the latest promise first."""
    both = OperationData(bays=(0, 1), bay_costs=(0, 0), technicians=(0, 1), durations=(60, 60))
    senior = OperationData(bays=(0, 1), bay_costs=(0, 0), technicians=(0,), durations=(200,))
    short = [
        JobData(release=0, due=360 - 60 * i, waiter=False, priority=1, operations=(both,)) for i in range(6)
    ]
    return DayProblem(
        horizon=600,
        bays=(BayData("general"), BayData("general")),
        technicians=(
            TechnicianData(grade=3, shift_start=0, shift_end=300),
            TechnicianData(grade=1, shift_start=0, shift_end=300),
        ),
        jobs=(*short, JobData(release=0, due=590, waiter=False, priority=1, operations=(senior,))),
    )


def test_the_warm_start_places_the_scarce_skill_first_and_keeps_promises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Earliest promise with the booking it leaves unplaced moved to the front places all seven
    and none late: better than every rule of the family (each leaves one out or is 440 minutes
    late), and the warm start finds it; one swap of the best rule does not."""
    problem = _scarce_skill_day()
    plans = {name: dispatch(problem, rule_order(problem, name)) for name in RULES}
    assert all(plan.unplaced or plan.objective >= 4400 for plan in plans.values())
    edd = plans["earliest-promise"]
    assert edd.unplaced == {6}
    _, plan, spent = promoted(problem, rule_order(problem, "earliest-promise"), edd, 0, 8)
    assert (plan.unplaced, plan.objective, spent) == (set(), 0, 1)
    monkeypatch.setattr(dispatch_module, "PLACEMENT_PROBE", 0)  # swaps would find it on so small a day
    without = multi_start(problem, 1, promote=False)
    warm = multi_start(problem, 1)
    assert without.objective > 0 and (warm.unplaced, warm.objective) == (set(), 0)


def test_keeping_seniors_gives_the_work_to_the_lowest_grade_that_keeps_the_promise() -> None:
    """With a promise, the earliest finish (the senior, 30 minutes) gives way to the junior (60
    minutes) where the junior is also done by the promise and within the shift; not where the
    junior would be late. Without one the foreman's rule stands."""
    op = OperationData(bays=(0,), bay_costs=(0,), technicians=(0, 1), durations=(30, 60))
    problem = DayProblem(
        horizon=600,
        bays=(BayData("general"),),
        technicians=(
            TechnicianData(grade=3, shift_start=0, shift_end=300),
            TechnicianData(grade=1, shift_start=0, shift_end=300),
        ),
        jobs=(JobData(release=0, due=100, waiter=False, priority=1, operations=(op,)),),
    )
    free = Availability(problem)
    assert free.earliest(op, 0).technician == 0
    assert free.earliest(op, 0, due=100).technician == 1
    assert free.earliest(op, 0, due=50).technician == 0
    assert dispatch(problem, [0], keep_seniors=True).placements[(0, 0)].technician == 1
    assert dispatch(problem, [0]).placements[(0, 0)].technician == 0


def test_the_promoted_start_never_costs_the_best_rule_its_swaps() -> None:
    """On an over-full day where the best rule's swaps place one booking more (within
    `PLACEMENT_PROBE` tries) than the promoted start reaches, the best rule keeps its swaps."""
    problem = compile_request(request(fifty_bookings(), limit=1.0)).problem
    tries = warm_start_tries(problem, 1.0)
    alone = multi_start(problem, tries, seed=0, promote=False)
    both = multi_start(problem, tries, seed=0)
    assert rank(problem, both) <= rank(problem, alone)
    assert len(both.unplaced) == len(alone.unplaced)


def test_where_placements_are_not_settled_the_warm_start_is_the_best_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the placement bound, a promoted start that does not reach it neither joins nor costs
    tries: on a day no start fills to the bound the warm start is the best rule's swaps, move for
    move; on a day the promoted start fills, it joins."""
    problem = compile_request(request(fifty_bookings(), limit=1.0)).problem
    tries = warm_start_tries(problem, 1.0)
    most = placement_bound(problem).weight
    alone = multi_start(problem, tries, seed=0, promote=False)
    bounded = multi_start(problem, tries, seed=0, most=most)
    assert sum(job.priority for job in problem.jobs) - most < len(alone.unplaced)  # not settled
    assert (bounded.placements, bounded.unplaced) == (alone.placements, alone.unplaced)
    monkeypatch.setattr(dispatch_module, "PLACEMENT_PROBE", 0)  # swaps would find it on so small a day
    assert multi_start(_scarce_skill_day(), 1, most=7).objective == 0


def test_a_limit_short_of_the_family_takes_the_unlike_rules_before_the_fcfs_variants(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A huge day's limit pays for only some rules (`optimise.family_rules`): they are the first of
    `BUDGET_ORDER` (the baseline, then waiters first, ...), not the first of `RULES`, whose first
    five differ from fcfs only in ties (on the 1,000-booking day `waiters-first`, seventh there,
    placed two more than bayplan's 10 s plan: bench/RESULTS-seeds15-s28.md)."""
    assert sorted(dispatch_module.BUDGET_ORDER) == sorted(RULES)
    assert dispatch_module.BUDGET_ORDER[0] == "fcfs"
    tried: list[str] = []

    def recording(problem: DayProblem, rule: str) -> list[int]:
        tried.append(rule)
        return rule_order(problem, rule)

    monkeypatch.setattr(dispatch_module, "rule_order", recording)
    multi_start(_scarce_skill_day(), 0, promote=False, rules=3)
    assert sorted(tried) == sorted(["fcfs", "waiters-first", "fcfs-shortest"])
    tried.clear()
    multi_start(_scarce_skill_day(), 0, promote=False)
    assert tried == list(RULES)
