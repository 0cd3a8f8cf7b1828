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
    # The promotion alone (without the rule keeping scarce technicians).
    monkeypatch.setattr(dispatch_module, "SCARCE_RULES", ())
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


def test_keeping_scarce_technicians_leaves_the_only_diagnostician_free_for_diagnosis() -> None:
    """Small workshop: a 60-minute MAINT (Li or Wang; Wang, faster, finishes first) booked before a
    MINOR only Wang may do (diagnosis, grade >= 3), both dropped off at 08:00, the MINOR promised
    at 09:40. The foreman's rule gives Wang the MAINT and the MINOR is 44 minutes late; keeping
    scarce technicians gives the MAINT to Li (done by its 12:00 promise) and Wang the MINOR on
    time. Both plans pass the independent validator; placed as many."""
    from scheduler.planning import to_plan
    from scheduler.validator import validate_plan
    from tests.builders import at, booking
    from tests.builders import request as day_request

    req = day_request(
        [
            booking("maint", "MAINT", "08:00", promised=at("12:00")),
            booking("minor", "MINOR", "08:00", promised=at("09:40")),
        ],
    )
    compiled = compile_request(req)
    names = [t.id for t in req.workshop.technicians]
    plans = {keep: dispatch(compiled.problem, [0, 1], keep_scarce=keep) for keep in (False, True)}
    for keep, plan in plans.items():
        made = to_plan(compiled, plan, "greedy")
        assert validate_plan(req, made) == [], keep
        assert made.kpis.placed == 2
    foreman, kept = plans[False], plans[True]
    assert names[foreman.placements[(0, 0)].technician] == "wang"
    assert names[kept.placements[(0, 0)].technician] == "li"
    assert to_plan(compiled, foreman, "greedy").kpis.total_lateness_minutes > 0
    assert to_plan(compiled, kept, "greedy").kpis.total_lateness_minutes == 0
    assert kept.objective < foreman.objective


def test_the_scarce_rule_joins_the_family_and_the_warm_start_only_when_switched_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Off (the default) the family and the warm start are main's; on, `run_rules` holds earliest
    promise keeping scarce technicians besides every order of `RULES`, and the warm start promotes
    it: on the scarce-skill day, the slack up to the promise, it places all seven, none late, alone."""
    from scheduler.dispatch import SCARCE, run_rules

    problem = _scarce_skill_day()
    assert set(run_rules(problem)) == set(RULES)
    monkeypatch.setattr(dispatch_module, "PLACEMENT_PROBE", 0)
    monkeypatch.setattr(dispatch_module, "PROMOTED_RULES", ())
    assert multi_start(problem, 1, promote=False).objective > 0
    monkeypatch.setattr(dispatch_module, "WARM_FAMILY_SCARCE", True)
    monkeypatch.setattr(dispatch_module, "SCARCE_SLACK", 600)
    assert set(run_rules(problem)) == {*RULES, f"earliest-promise{SCARCE}"}
    warm = multi_start(problem, 1, promote=False)
    assert (warm.unplaced, warm.objective) == (set(), 0)
    assert warm.notes[0] == f"warm start: rule earliest-promise{SCARCE}"
