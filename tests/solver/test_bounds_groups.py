"""The groups' lateness floor (`solver.bounds_groups`): never above CP-SAT's proven optimum on random
small days (split into groups of two at most), and on a hand-built rush above every other floor,
at the optimum."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import optimise
from solver import bounds_groups
from solver.bounds import lateness_floor
from solver.bounds_groups import group_floor, groups
from solver.model import SolveParameters, solve
from solver.objective import terms
from solver.problem import (
    BayData,
    DayProblem,
    DaySolution,
    JobData,
    ObjectiveWeights,
    OperationData,
    Placement,
    TechnicianData,
)
from tests.builders import small_solver_day

PLAIN = ObjectiveWeights(unplaced=100_000, lateness=1, waiter_lateness=1, overtime=0, technician_change=0)
WEIGHTED = ObjectiveWeights(
    unplaced=100_000, lateness=10, waiter_lateness=30, overtime=0, technician_change=0
)


def _op(
    technicians: tuple[int, ...], durations: tuple[int, ...], bays: tuple[int, ...] = (0, 1)
) -> OperationData:
    return OperationData(bays=bays, bay_costs=(0,) * len(bays), technicians=technicians, durations=durations)


def _rush(shift: int = 0) -> tuple[JobData, ...]:
    """Five waiters between 08:00 and 08:20 on two technicians (the second on a break until 08:45),
    promised within 30-75 minutes; `shift`: on technicians and bays `shift`, `shift` + 1."""
    t0, t1, bays = (shift,), (shift + 1,), (shift, shift + 1)
    both = (shift, shift + 1)
    return (
        JobData(490, 521, True, 1, (_op(both, (35, 45), bays), _op(t1, (25,), bays))),
        JobData(490, 526, True, 1, (_op(t1, (45,), bays), _op(t0, (35,), bays))),
        JobData(490, 534, True, 1, (_op(both, (45, 25), bays),)),
        JobData(480, 555, True, 1, (_op(t0, (25,), bays), _op(both, (30, 45), bays))),
        JobData(500, 563, True, 1, (_op(both, (45, 30), bays),)),
    )


def _day(
    jobs: tuple[JobData, ...],
    pairs: int = 1,
    weights: ObjectiveWeights = PLAIN,
    technicians: tuple[TechnicianData, ...] = (),
) -> DayProblem:
    """`pairs` of technicians (the second on a break until 08:45) and of bays, or `technicians`."""
    for _ in range(pairs if not technicians else 0):
        technicians += (
            TechnicianData(grade=2, shift_start=480, shift_end=720),
            TechnicianData(grade=2, shift_start=480, shift_end=720, breaks=((495, 525),)),
        )
    bays = tuple(BayData(kind="general") for _ in range(len(technicians)))
    return DayProblem(horizon=1440, bays=bays, technicians=technicians, jobs=jobs, weights=weights)


def _optimum(problem: DayProblem) -> DaySolution | None:
    """CP-SAT on the whole day, lateness the only cost: its plan where proven optimal, all placed."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal" or best.unplaced:
        return None
    return best


def _late(problem: DayProblem, plan: DaySolution) -> tuple[int, int]:
    minutes = terms(problem, plan)
    return minutes.lateness + minutes.waiter_lateness, 10 * minutes.lateness + 30 * minutes.waiter_lateness


def test_a_rush_the_other_floors_miss_is_proven_at_its_optimum() -> None:
    """The day's floors (the time-indexed relaxation among them) reach 248 of the 266 minutes CP-SAT
    proves the least; the group (the whole day: five bookings) is proven at 266, and 3 x 266
    weighted (waiters only)."""
    problem = _day(_rush(), weights=WEIGHTED)
    best = _optimum(problem)
    assert best is not None
    assert _late(problem, best) == (266, 30 * 266)
    everyone = list(range(len(problem.jobs)))
    assert lateness_floor(problem, len(everyone)) < 266
    found = group_floor(problem, everyone)
    assert found is not None
    assert (found.plain, found.weighted, found.proven) == (266, 30 * 266, (True,))


def test_groups_on_separate_resources_add_up() -> None:
    """Two rushes on separate technicians and bays: two groups, each at its optimum alone."""
    problem = _day(_rush() + _rush(shift=2), pairs=2)
    everyone = list(range(len(problem.jobs)))
    assert groups(problem, everyone) == [[3, 0, 1, 2, 4], [8, 5, 6, 7, 9]]
    found = group_floor(problem, everyone)
    assert found is not None
    assert (found.plain, found.proven) == (2 * 266, (True, True))


def test_a_plan_cuts_a_group_where_the_technicians_are_idle() -> None:
    """Two waiters, the second dropped off after the first's work ended in the plan: two groups."""
    problem = _day(
        (JobData(480, 500, True, 1, (_op((0,), (30,)),)), JobData(600, 620, True, 1, (_op((0,), (30,)),)))
    )
    plan = DaySolution(
        placements={(0, 0): Placement(0, 0, 480, 510), (1, 0): Placement(0, 0, 600, 630)}, unplaced=set()
    )
    assert groups(problem, [0, 1], plan) == [[0], [1]]
    assert groups(problem, [0, 1]) == [[0, 1]]
    found = group_floor(problem, [0, 1], plan)
    assert found is not None
    assert (found.plain, found.weighted) == (20, 20)  # 10 minutes late each, weighed 1 (`PLAIN`)


def test_the_plan_gets_the_groups_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`add_bounds` with the time-indexed floor: the plan's floors are the groups' (its optimum here);
    without them, lower."""
    problem = _day(_rush(), weights=ObjectiveWeights(overtime=0, technician_change=0))
    best = _optimum(problem)
    assert best is not None
    optimise.add_bounds(problem, best)
    assert best.lateness_bound == 266
    assert best.weighted_lateness_bound == 30 * 266
    monkeypatch.setattr(optimise, "GROUP_FLOOR", False)
    optimise.add_bounds(problem, best)
    assert best.lateness_bound is not None and best.lateness_bound < 266


@st.composite
def _small_days(draw: st.DrawFn) -> DayProblem:
    """Two technicians (breaks, overtime, different speeds), two bays, two to five bookings of one
    or two operations, waiters and drop-offs, tight promises; sometimes started work."""
    technicians, jobs = draw(
        small_solver_day(breaks=((495, 525), (600, 630)), latest_drop_off=560, longest=60, slack=120)
    )
    return _day(jobs, technicians=technicians)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_small_days(), size=st.sampled_from([1, 2, 12]), cpsat=st.sampled_from([None, 1e-9]))
def test_never_above_the_optimum_of_cp_sat(problem: DayProblem, size: int, cpsat: float | None) -> None:
    """Groups of at most `size` bookings: the plain and the weighted floor never pass CP-SAT's proven
    optimum of the whole day (every booking placed), on each measure. `cpsat` 1e-9: the groups'
    CP-SAT stops at once, so their relaxations give the floor."""
    saved = bounds_groups.GROUP_SIZE, bounds_groups.CPSAT_TIME
    # hypothesis runs many examples per test: no monkeypatch fixture
    bounds_groups.GROUP_SIZE = size
    bounds_groups.CPSAT_TIME = cpsat or bounds_groups.CPSAT_TIME
    try:
        everyone = list(range(len(problem.jobs)))
        plain = _optimum(problem)
        weighted = _optimum(replace(problem, weights=WEIGHTED))
        if plain is None or weighted is None:
            return  # not all placed, or not proven: nothing to compare with
        for plan in (None, plain):
            found = group_floor(problem, everyone, plan)
            assert found is not None
            assert found.plain <= _late(problem, plain)[0]
            found = group_floor(replace(problem, weights=WEIGHTED), everyone, plan)
            assert found is not None
            assert found.weighted <= _late(problem, weighted)[1]
    finally:
        bounds_groups.GROUP_SIZE, bounds_groups.CPSAT_TIME = saved


def test_a_relaxation_cut_short_is_the_lesser_of_its_two_cases() -> None:
    """The rush's relaxation (252 of the optimum's 266 minutes) with its technicians cut at a minute
    `until` after every promise: near the promises the floor is the second case's (some waiter ends
    after `until`: at least `until` + 1 - 09:23, the latest promise; the cut day's relaxation is
    infeasible or higher); from 266 minutes after it on, the whole relaxation's."""
    problem = _day(_rush(), weights=WEIGHTED)
    everyone = list(range(len(problem.jobs)))
    latest = max(job.due or 0 for job in problem.jobs)
    assert latest == 563
    whole = bounds_groups._relaxation(problem, everyone, (1,), None, 10**7)[:2]
    assert whole == (252, 30 * 252)
    for until in (latest + 1, latest + 10, latest + 100):
        minutes = until + 1 - latest
        assert bounds_groups._relaxation(problem, everyone, (1,), until, 10**7)[:2] == (minutes, 30 * minutes)
    assert bounds_groups._relaxation(problem, everyone, (1,), latest + 266, 10**7)[:2] == whole
    at_the_cut = bounds_groups._relaxation(problem, everyone, (1,), latest, 10**7)
    assert at_the_cut[:2] == (0, 0)  # a promise at the cut: no claim
