"""The whole-period floor (`solver.bounds_period`): on a hand-built day where every technician is
off at once, the plain time-indexed relaxation lets a job run half before the break and half after
and stays far below the optimum; with each operation wholly on one side the floor is the optimum
(CP-SAT's, proven); on random small days with a common break, never above CP-SAT's optimum. The
relaxation alone by the same column generation (`column_floor`): the whole LP's floor at its grid,
never above CP-SAT's optimum, with or without a common break."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import bounds_period
from solver.bounds_period import GRID, MOST_ITERATIONS, breaks, column_floor, period_floor
from solver.bounds_time import dual_simplex, indexed_model, time_indexed_relaxation, weighted_floor
from solver.model import SolveParameters, solve
from solver.objective import terms
from solver.problem import BayData, DayProblem, JobData, ObjectiveWeights, OperationData, TechnicianData
from tests.builders import two_general_bay_day

WEIGHTS = ObjectiveWeights(unplaced=100_000, lateness=10, waiter_lateness=30, overtime=0, technician_change=0)


def _day() -> DayProblem:
    """Two technicians both off from 12:00 to 12:30 (technician 1 from 11:40 to 12:40, and 5 minutes
    slower), a drop-off due 11:30 and two waiters due noon and 12:30, from 10:40 to 11:10 on: found
    by a random search over such days (the plain relaxation at 350, the optimum at 850)."""
    technicians = (
        TechnicianData(grade=2, shift_start=660, shift_end=840, breaks=((720, 750),)),
        TechnicianData(grade=2, shift_start=640, shift_end=840, breaks=((700, 760),)),
    )

    def op(minutes: int) -> OperationData:
        return OperationData(
            bays=(0, 1), bay_costs=(0, 0), technicians=(0, 1), durations=(minutes, minutes + 5)
        )

    jobs = (
        JobData(600, 690, False, 1, (op(25),)),
        JobData(640, 720, True, 1, (op(30),)),
        JobData(670, 750, True, 1, (op(40),)),
    )
    return two_general_bay_day(technicians, jobs, WEIGHTS)


def _optimum(problem: DayProblem) -> int:
    """CP-SAT's proven least lateness terms (every job placed)."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    assert best is not None and best.status == "optimal" and not best.unplaced
    t = terms(problem, best)
    return WEIGHTS.lateness * t.lateness + WEIGHTS.waiter_lateness * t.waiter_lateness


def test_the_whole_period_floor_reaches_the_optimum_where_the_relaxation_does_not() -> None:
    problem = _day()
    assert breaks(problem) == [735]  # 12:00-12:30, no technician works
    weight = len(problem.jobs)
    optimum = _optimum(problem)
    assert optimum == 850
    plain = time_indexed_relaxation(problem, weight, weighted=True).weighted_bound
    assert plain == 350  # shares of the jobs on both sides of the break
    found = period_floor(problem, weight)
    assert found is not None and found.closed
    assert found.weighted_bound == optimum
    assert found.before | found.after == {(0, 0), (1, 0), (2, 0)} and not found.before & found.after
    # From a plan's starts, and cut off at its terms: the same floor.
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    assert best is not None
    starts = {key: at.start for key, at in best.placements.items()}
    again = period_floor(problem, weight, starts=starts, paid=optimum)
    assert again is not None and again.weighted_bound == optimum


def test_no_floor_without_a_common_break() -> None:
    problem = _day()
    apart = (
        TechnicianData(grade=2, shift_start=660, shift_end=840, breaks=((720, 750),)),
        TechnicianData(grade=2, shift_start=640, shift_end=840),  # works through noon
    )
    from dataclasses import replace

    assert breaks(replace(problem, technicians=apart)) == []
    assert period_floor(replace(problem, technicians=apart), len(problem.jobs)) is None


def test_with_too_little_budget_left_after_the_root_its_floor_stands() -> None:
    """`SEARCH_LEAST`: where fewer iterations than it are left once the root LP is solved, no
    branch and bound runs (no node, no iteration past the root) and the floor is the root's: not
    lost, still between the plain relaxation and the optimum. With exactly that many left, the
    search runs and reaches the optimum."""
    problem = _day()
    weight = len(problem.jobs)
    trace: list[tuple[int, float]] = []
    full = period_floor(problem, weight, trace=trace)
    assert full is not None and full.closed and full.weighted_bound == 850 and full.nodes > 1
    root_iterations, root_value = trace[0]
    root = weighted_floor(problem, root_value, False)
    assert 350 <= root < 850  # the search is what closes this day
    left = MOST_ITERATIONS - root_iterations
    alone = period_floor(problem, weight, search_least=left + 1)
    assert alone is not None and not alone.closed and alone.nodes == 1
    assert alone.iterations == root_iterations and alone.weighted_bound == root
    assert not alone.before and not alone.after  # no whole node: no split to plan
    searched = period_floor(problem, weight, search_least=left)
    assert searched is not None and searched.closed and searched.weighted_bound == 850


def test_no_floor_where_the_model_has_more_columns_than_the_cap() -> None:
    """`MOST_COLUMNS`: the model's start columns are counted before it is built; past the cap there
    is no floor (None: the caller keeps its own), at the cap the floor as usual."""
    problem = _day()
    weight = len(problem.jobs)
    model = indexed_model(problem, weight, weighted=True, grids=(GRID,), limits=(10**7, 10**8), lean=True)
    assert model is not None
    columns = len(model.cols)
    at_cap = period_floor(problem, weight, most_columns=columns)
    assert at_cap is not None and at_cap.weighted_bound == 850
    assert period_floor(problem, weight, most_columns=columns - 1) is None


@st.composite
def _days_with_a_break(draw: st.DrawFn) -> DayProblem:
    """One or two technicians both off from 12:00 to 12:30 (the second from earlier to later, and
    slower), two to four bookings of one or two operations due from 11:30 to 12:30, some waiters."""
    technicians = [TechnicianData(grade=2, shift_start=660, shift_end=840, breaks=((720, 750),))]
    if draw(st.booleans()):
        start = draw(st.sampled_from([600, 620, 640, 660]))
        off = draw(st.sampled_from([700, 710, 720]))
        technicians.append(TechnicianData(grade=2, shift_start=start, shift_end=840, breaks=((off, 760),)))
    lengths, releases, dues = (15, 20, 30, 40, 45), (600, 630, 660, 680), (690, 710, 720, 750)
    return _two_bay_day(draw, technicians, (2, 4), lengths, 5, releases, dues)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_days_with_a_break())
def test_never_above_the_optimum_of_cp_sat(problem: DayProblem) -> None:
    """The floor (from no plan, and from CP-SAT's plan cut off at its terms) never passes CP-SAT's
    proven least lateness terms of the whole day, every booking placed; never below the plain
    relaxation. (None where no operation can start on both sides of the break.)"""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal" or best.unplaced:
        return  # no proven optimum placing every booking to compare with
    t = terms(problem, best)
    optimum = WEIGHTS.lateness * t.lateness + WEIGHTS.waiter_lateness * t.waiter_lateness
    weight = len(problem.jobs)
    plain = time_indexed_relaxation(problem, weight, weighted=True)
    starts = {key: at.start for key, at in best.placements.items()}
    for found in (period_floor(problem, weight), period_floor(problem, weight, starts, optimum)):
        if found is None:
            continue  # no operation can start on both sides: nothing to add to the relaxation
        assert found.weighted_bound <= optimum
        assert found.weighted_bound >= plain.weighted_bound - WEIGHTS.lateness  # its root: the same LP


@st.composite
def _days(draw: st.DrawFn) -> DayProblem:
    """One to three technicians, each with or without a break of its own (a common one or none),
    the later ones slower; two to five bookings of one or two operations of odd and even lengths,
    due from 11:00 to 12:30, some waiters."""
    technicians = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.sampled_from([600, 615, 640, 660]))
        off = draw(st.sampled_from([None, (700, 730), (705, 745), (720, 750)]))
        technicians.append(
            TechnicianData(grade=2, shift_start=start, shift_end=840, breaks=(off,) if off else ())
        )
    lengths, releases, dues = (12, 17, 20, 31, 40, 44), (600, 615, 630, 660, 680), (660, 690, 705, 720, 750)
    return _two_bay_day(draw, technicians, (2, 5), lengths, 3, releases, dues)


def _two_bay_day(
    draw: st.DrawFn,
    technicians: list[TechnicianData],
    bookings: tuple[int, int],
    lengths: tuple[int, ...],
    slower: int,
    releases: tuple[int, ...],
    dues: tuple[int, ...],
) -> DayProblem:
    """Two general bays and `technicians` (each later one `slower` minutes an operation), some
    bookings of one or two operations of `lengths`, released and due at drawn times, some waiters."""
    who = tuple(range(len(technicians)))
    jobs = []
    for _ in range(draw(st.integers(*bookings))):
        ops = tuple(
            OperationData(
                bays=(0, 1), bay_costs=(0, 0), technicians=who, durations=tuple(m + slower * t for t in who)
            )
            for m in draw(st.lists(st.sampled_from(lengths), min_size=1, max_size=2))
        )
        release = draw(st.sampled_from(releases))
        due = draw(st.sampled_from(dues))
        jobs.append(JobData(release, due, draw(st.booleans()), 1, ops))
    return DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"), BayData(kind="general")),
        technicians=tuple(technicians),
        jobs=tuple(jobs),
        weights=WEIGHTS,
    )


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_days(), grid=st.sampled_from([1, 2, 5]))
def test_the_column_floor_is_the_whole_lps_and_never_above_the_optimum_of_cp_sat(
    problem: DayProblem, grid: int
) -> None:
    """`column_floor` at a grid (from no plan, and from CP-SAT's plan cut off at its terms) is the
    floor of the whole LP at that grid (the dual simplex over every column: the same relaxation),
    and never passes CP-SAT's proven least lateness terms of the day, every booking placed."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal" or best.unplaced:
        return  # no proven optimum placing every booking to compare with
    t = terms(problem, best)
    optimum = WEIGHTS.lateness * t.lateness + WEIGHTS.waiter_lateness * t.waiter_lateness
    weight = len(problem.jobs)
    model = indexed_model(problem, weight, weighted=True, grids=(grid,), limits=(10**7, 10**8), lean=True)
    assert model is not None
    whole = dual_simplex(model)
    assert whole.status == 0
    lp = weighted_floor(problem, float(whole.fun), False)
    starts = {key: at.start for key, at in best.placements.items()}
    assert column_floor(problem, weight, grid) == lp <= optimum  # a small model: solved whole
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bounds_period, "MAX_COLUMNS", 0)  # as a large one: by column generation
        alone = column_floor(problem, weight, grid)
        cut = column_floor(problem, weight, grid, starts, optimum)
    assert alone is not None and cut is not None
    assert alone == lp
    assert cut <= optimum  # stopped once past the plan's terms, or the LP's floor
    assert cut == lp or cut >= optimum - WEIGHTS.lateness


def test_the_column_floor_at_finer_slots_reads_more_and_stays_below_the_optimum() -> None:
    """A queue of two technicians' odd-length jobs before a shared promise: the relaxation at
    5-minute slots moves each start back to its slot's first minute and lets the queue finish
    earlier than it can; at 1-minute slots it reads more, here CP-SAT's optimum. (The wide floor
    takes the finest grid that fits: `scheduler.optimise.WIDE_FLOOR_GRIDS`.)"""
    technicians = (
        TechnicianData(grade=2, shift_start=600, shift_end=840),
        TechnicianData(grade=2, shift_start=600, shift_end=840),
    )

    def op(minutes: int) -> OperationData:
        return OperationData(bays=(0, 1), bay_costs=(0, 0), technicians=(0, 1), durations=(minutes, minutes))

    # Four 33-minute jobs from 10:00, all due 11:00, a waiter and a drop-off on each technician: the
    # second on each ends 11:06 at the earliest (found by a search over such days).
    jobs = tuple(JobData(600, 660, waiter, 1, (op(33),)) for waiter in (True, False, True, False))
    problem = two_general_bay_day(technicians, jobs, WEIGHTS)
    weight = len(jobs)
    optimum = _optimum(problem)
    coarse = column_floor(problem, weight, 5)
    fine = column_floor(problem, weight, 1)
    assert coarse is not None and fine is not None
    assert (coarse, fine, optimum) == (60, 120, 120)


def test_no_column_floor_past_its_cap_or_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model past the floor's own limits goes to column generation (unless `generate` is False):
    past `most_columns` (counted before the model is built) or with the LP not solved within
    `most_iterations`, no floor is claimed (None: the caller keeps its own)."""
    problem = _day()
    weight = len(problem.jobs)
    model = indexed_model(problem, weight, weighted=True, grids=(5,), limits=(10**7, 10**8), lean=True)
    assert model is not None
    columns = len(model.cols)
    assert column_floor(problem, weight, 5, most_columns=columns - 1) is not None  # solved whole
    monkeypatch.setattr(bounds_period, "MAX_COLUMNS", columns - 1)
    assert column_floor(problem, weight, 5, most_columns=columns) is not None
    assert column_floor(problem, weight, 5, most_columns=columns - 1) is None
    assert column_floor(problem, weight, 5, most_iterations=1) is None
    assert column_floor(problem, weight, 5, generate=False) is None  # whole models only asked
