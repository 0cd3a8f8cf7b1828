"""The time-indexed lateness floor: never above the least lateness of any plan placing as much
priority (by enumeration on tiny days, by CP-SAT solved to optimality on random small days with
several technicians, started work and two-operation bookings), and stronger than the other
bounds where technicians queue waiters."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.compiler import compile_request
from scheduler.demand import day_request
from scheduler.dispatch import run_rules
from scheduler.optimise import optimise
from scheduler.scenarios import load_scenario
from solver import bounds_time
from solver.bounds import lateness_floor
from solver.bounds_time import time_indexed_bound
from solver.model import SolveParameters, solve
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
from tests.builders import (
    STARTED_TO_0950,
    THIRTY_MINUTES,
    least_lateness,
    one_technician_day,
    one_technician_morning,
    small_solver_day,
    tiny_day,
    two_general_bay_day,
)


def _least_by_weight(problem: DayProblem) -> dict[int, float]:
    """Least lateness of any subset of a one-technician day weighing exactly W (enumeration)."""
    least: dict[int, float] = {}
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            late = least_lateness(problem, subset)
            if math.isfinite(late):
                weight = sum(problem.jobs[j].priority for j in subset)
                least[weight] = min(least.get(weight, math.inf), late)
    return least


@pytest.mark.parametrize("grid", [1, 2, 5, 10])
@pytest.mark.parametrize("seed", range(6))
def test_never_above_the_least_lateness_by_enumeration(
    seed: int, grid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every weight W of a tiny day (one technician with a break, 15-minute drop-offs), both slot
    sizes: the floor is at most the least lateness of any subset weighing at least W."""
    monkeypatch.setattr(bounds_time, "GRIDS", (grid,))
    problem = compile_request(tiny_day(seed, count=7)).problem
    least = _least_by_weight(problem)
    for weight in range(max(least) + 1):
        best = min(v for u, v in least.items() if u >= weight)
        assert time_indexed_bound(problem, weight) <= best, (weight, best)


def test_it_sees_the_queue_the_other_bounds_miss() -> None:
    """On some tiny days the time-indexed floor is above every other bound for the full weight."""
    stronger = 0
    for seed in range(6):
        problem = compile_request(tiny_day(seed, count=7)).problem
        top = max(_least_by_weight(problem))
        stronger += time_indexed_bound(problem, top) > lateness_floor(problem, top, indexed=False)
    assert stronger >= 2


LATENESS_ONLY = ObjectiveWeights(
    unplaced=100_000, lateness=1, waiter_lateness=1, overtime=0, technician_change=0
)


def _two_bay_day(technicians: tuple[TechnicianData, ...], jobs: tuple[JobData, ...]) -> DayProblem:
    """A day on two general bays, lateness only in the objective."""
    return two_general_bay_day(technicians, jobs, LATENESS_ONLY)


@st.composite
def _small_days(draw: st.DrawFn) -> DayProblem:
    """Two technicians (breaks, overtime, different speeds), two bays, up to five bookings of one
    or two operations, drop-offs at any minute, tight promises; sometimes started work."""
    technicians, jobs = draw(
        small_solver_day(
            breaks=((570, 590), (600, 630)), latest_drop_off=600, longest=70, slack=150, priorities=(1, 2)
        )
    )
    return _two_bay_day(technicians, jobs)


def _minutes_late(problem: DayProblem, solution: DaySolution) -> int:
    late = 0
    for j, job in enumerate(problem.jobs):
        if j in solution.unplaced or job.due is None:
            continue
        last = len(job.operations) - 1
        pin = job.operations[last].pin
        end = pin.end if pin is not None else solution.placements[(j, last)].end
        late += max(0, end - job.due)
    return late


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_small_days())
def test_never_above_the_optimum_of_cp_sat(problem: DayProblem) -> None:
    """CP-SAT on the real model, lateness-only weights, solved to optimality: most priority placed,
    then fewest minutes late. No floor (this one, nor the combined one) is above that plan."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # not proven: nothing to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    late = _minutes_late(problem, best)
    assert time_indexed_bound(problem, weight) <= late
    assert lateness_floor(problem, weight) <= late


@pytest.mark.parametrize("grid", [5, 10])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_small_days())
def test_coarse_slots_never_above_the_optimum_of_cp_sat(grid: int, problem: DayProblem) -> None:
    """The slot and energy rows at coarse slots (where an operation's minutes and start are least
    aligned with them): still never above CP-SAT's proven optimum."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # not proven: nothing to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    saved = bounds_time.GRIDS
    bounds_time.GRIDS = (grid,)  # hypothesis runs many examples per test: no monkeypatch fixture
    try:
        assert time_indexed_bound(problem, weight) <= _minutes_late(problem, best)
    finally:
        bounds_time.GRIDS = saved


def test_a_block_too_short_for_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three 25-minute jobs promised for the end of a one-hour morning block: one of them waits
    for the 30-minute break (55 minutes late at best). Slots of 10 minutes each count two of a
    job's 25 minutes, so slot rows alone fit all three; the block's energy row does not."""
    monkeypatch.setattr(bounds_time, "GRIDS", (10,))
    job = JobData(
        release=480,
        due=540,
        waiter=False,
        priority=1,
        operations=(OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(25,)),),
    )
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),),
        technicians=(
            TechnicianData(grade=2, shift_start=480, shift_end=600, max_overtime=0, breaks=((540, 570),)),
        ),
        jobs=(job, job, job),
        weights=LATENESS_ONLY,
    )
    assert 0 < time_indexed_bound(problem, 3) <= 55


def test_a_busy_small_dealer_day_no_plan_below_it() -> None:
    """small-dealer at 1.3x (seed 2, 24 waiters for five mechanics): every rule's plan and a short
    optimiser plan are at least as late as the floor for the priority they place, and the
    time-indexed relaxation lifts the floor where the other bounds stop (108 before it)."""
    scenario = load_scenario("small-dealer")
    req = day_request(scenario, dt.date(2026, 11, 24), seed=2, scale=1.3, exact=True)
    req = req.model_copy(update={"options": req.options.model_copy(update={"time_limit_seconds": 1.0})})
    problem = compile_request(req).problem
    plans = [*run_rules(problem).values(), optimise(compile_request(req))]
    floors = {}
    for plan in plans:
        weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in plan.unplaced)
        if weight not in floors:
            floors[weight] = lateness_floor(problem, weight)
        assert floors[weight] <= _minutes_late(problem, plan)
    top = max(floors)
    assert floors[top] > lateness_floor(problem, top, indexed=False)


def test_enough_skips_only_what_cannot_matter() -> None:
    """Given a plan's own minutes late, the floor is the same when the cheaper bounds are below
    them, and never above them."""
    problem = compile_request(tiny_day(1, count=7)).problem
    least = _least_by_weight(problem)
    top = max(least)
    full = lateness_floor(problem, top)
    assert lateness_floor(problem, top, enough=10**6) == full
    cheap = lateness_floor(problem, top, indexed=False)
    assert lateness_floor(problem, top, enough=cheap) == cheap <= least[top]


def test_started_work_whose_rest_fits_nowhere_is_left_out() -> None:
    """A booking's first operation ran to 09:50 on the only technician, whose day ends at 10:00:
    its two 30-minute operations after it fit nowhere (the second's start is unreachable, which
    crashed the floor in a live re-plan). The floor leaves them out and claims no more than the
    best plan's minutes: the waiter done at 09:55, 95 min late."""
    work = THIRTY_MINUTES
    started, quick = replace(work, pin=STARTED_TO_0950), replace(work, durations=(5,))
    problem = one_technician_morning(
        JobData(release=480, due=600, waiter=False, priority=1, operations=(started, work, work)),
        JobData(release=480, due=500, waiter=True, priority=1, operations=(quick,)),
    )
    assert all(0 <= time_indexed_bound(problem, weight) <= 95 for weight in (0, 1, 2))


def test_work_ready_inside_a_slot_holds_the_slots_it_reaches(monkeypatch: pytest.MonkeyPatch) -> None:
    """One technician, 10-minute slots. A (26 min) can start at 08:05 at the earliest, B (20 min)
    at 08:10, promised 08:30: whichever goes second is late, at best B by 21 minutes (A 08:05-08:31,
    B to 08:51). Moved back to 08:00, A reaches 08:31: it holds the 08:00, 08:10 and 08:20 slots,
    so B starts in the 08:30 slot at the earliest (20 min late). Counting A's length alone (two
    slots) let B start in the 08:20 slot (10 min)."""
    monkeypatch.setattr(bounds_time, "GRIDS", (10,))

    def job(release: int, minutes: int, due: int) -> JobData:
        op = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(minutes,))
        return JobData(release=release, due=due, waiter=True, priority=1, operations=(op,))

    problem = replace(one_technician_morning(job(485, 26, 511), job(490, 20, 510)), weights=LATENESS_ONLY)
    assert least_lateness(problem, (0, 1)) == 21
    assert time_indexed_bound(problem, 2) == 20


@pytest.mark.parametrize(("bay_classes", "fine_before"), [(True, 0), (False, 60), (True, 60)])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_small_days())
def test_bay_classes_and_fine_slots_never_above_the_optimum_of_cp_sat(
    bay_classes: bool, fine_before: int, problem: DayProblem
) -> None:
    """Starts that also choose a class of bays alike, and 10-minute slots with 2-minute ones in the
    hour before each block's end (slots of two widths): never above CP-SAT's proven optimum."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # not proven: nothing to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    saved = bounds_time.GRIDS, bounds_time.BAY_CLASSES, bounds_time.FINE_BEFORE
    bounds_time.GRIDS, bounds_time.BAY_CLASSES, bounds_time.FINE_BEFORE = (10,), bay_classes, fine_before
    try:
        assert time_indexed_bound(problem, weight) <= _minutes_late(problem, best)
    finally:
        bounds_time.GRIDS, bounds_time.BAY_CLASSES, bounds_time.FINE_BEFORE = saved


def test_overtime_past_the_horizon() -> None:
    """A late shift whose overtime runs past the day's horizon (a shift to 22:00 with three hours of
    overtime): the floor is worked out, not an IndexError for want of a slot after the last start."""
    op = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(30,))
    jobs = tuple(
        JobData(release=1300 + 10 * i, due=1360, waiter=False, priority=1, operations=(op,)) for i in range(3)
    )
    technician = TechnicianData(grade=1, shift_start=960, shift_end=1320, max_overtime=180)
    problem = DayProblem(
        horizon=1440, bays=(BayData("g"),), technicians=(technician,), jobs=jobs, keep_promises=False
    )
    floor = time_indexed_bound(problem, 1)
    assert floor is not None and 0 <= floor <= 30  # three 30-minute jobs in a row: the last 30 minutes late


@pytest.mark.parametrize("lateness", [0, 10])
def test_the_weighted_relaxation_serves_a_request_weighing_drop_off_minutes_at_zero(lateness: int) -> None:
    """A request may weigh a drop-off customer's minutes at 0 (`Weights.lateness` ge=0): the warm
    start's weighted relaxation (`weighted`, the objective's weights) then still solves, where it
    divided by that weight (a 10 s request on dealer-2011 1.3x seed 4 crashed with ZeroDivisionError).
    Two hours of work due at once on one technician: the waiter, dearer, starts first, wholly."""
    work = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(60,))
    problem = one_technician_day(
        JobData(release=0, due=60, waiter=False, priority=1, operations=(work,)),
        JobData(release=0, due=60, waiter=True, priority=1, operations=(work,)),
        weights=ObjectiveWeights(lateness=lateness),
    )
    relaxation = bounds_time.time_indexed_relaxation(problem, 2, weighted=True)
    assert relaxation.bound == 0  # weighted: no floor claimed
    assert relaxation.starts[(1, 0)] == [(0, pytest.approx(1.0))]
    assert min(start for start, _ in relaxation.starts[(0, 0)]) >= 60


def _least_weighted_by_weight(problem: DayProblem) -> dict[int, float]:
    """Least of the objective's lateness terms of any subset weighing exactly W (enumeration)."""
    least: dict[int, float] = {}
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            late = least_lateness(problem, subset, problem.weights)
            if math.isfinite(late):
                weight = sum(problem.jobs[j].priority for j in subset)
                least[weight] = min(least.get(weight, math.inf), late)
    return least


WEIGHINGS = [(10, 30), (10, 25), (20, 10), (0, 30), (7, 7)]


@pytest.mark.parametrize("grid", [1, 5])
@pytest.mark.parametrize("seed", range(6))
def test_the_weighted_floor_never_passes_the_least_weighted_lateness_by_enumeration(
    seed: int, grid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weighted relaxation's floor on the objective's lateness terms (`weighted_bound`, what the
    plan's `weighted_lateness_floor` takes from the warm start) is at most the least weighted
    lateness of any subset weighing at least W, for every W of a tiny day with waiters, whatever
    the weights (waiters dearer, cheaper, drop-offs free, the same); and it is not vacuous."""
    monkeypatch.setattr(bounds_time, "GRIDS", (grid,))
    request = tiny_day(seed, count=6, waiters=True)
    above = 0
    for lateness, waiter in WEIGHINGS:
        weights = request.options.weights.model_copy(update={"lateness": lateness, "waiter_lateness": waiter})
        options = request.options.model_copy(update={"weights": weights})
        problem = compile_request(request.model_copy(update={"options": options})).problem
        least = _least_weighted_by_weight(problem)
        for weight in range(max(least) + 1):
            best = min(v for u, v in least.items() if u >= weight)
            floor = bounds_time.time_indexed_relaxation(problem, weight, weighted=True).weighted_bound
            assert floor <= best, (lateness, waiter, weight, floor, best)
            above += floor > 0
    assert above > 0


@pytest.mark.parametrize(("lateness", "waiter"), [(10, 30), (30, 10)])
def test_finished_work_counts_at_its_own_weight_in_the_weighted_floor(lateness: int, waiter: int) -> None:
    """A waiter's finished work (pinned) ended 30 minutes past his promise: that lateness is a fact,
    counted at the waiter's weight (the plain `fixed` would count it at 1, too little where waiters
    weigh more and too much where they weigh less); the drop-off job's hour after it then ends at
    150 at the earliest, 40 minutes past its promise: the least is 30 * waiter + 40 * lateness."""
    done = OperationData(
        bays=(0,), bay_costs=(0,), technicians=(0,), durations=(60,), pin=Placement(0, 0, 0, 90)
    )
    work = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(60,))
    problem = one_technician_day(
        JobData(release=0, due=60, waiter=True, priority=1, operations=(done,)),
        JobData(release=0, due=110, waiter=False, priority=1, operations=(work,)),
        weights=ObjectiveWeights(lateness=lateness, waiter_lateness=waiter),
    )
    floor = bounds_time.time_indexed_relaxation(problem, 2, weighted=True).weighted_bound
    least = 30 * waiter + 40 * lateness  # the drop-off job starts at 90 at the earliest: ends 150
    assert 30 * waiter <= floor <= least, (floor, least)


def _chained(
    release: int, due: int, *minutes: int, technicians: int = 1, bays: int | tuple[int, ...] = 1
) -> JobData:
    """A drop-off booking of operations one after the other, each on any of the first `technicians`
    technicians (alike) in any of the first `bays` bays (or in the bays given)."""
    in_bays = tuple(range(bays)) if isinstance(bays, int) else bays
    return JobData(
        release=release,
        due=due,
        waiter=False,
        priority=1,
        operations=tuple(
            OperationData(
                bays=in_bays,
                bay_costs=(0,) * len(in_bays),
                technicians=tuple(range(technicians)),
                durations=(d,) * technicians,
            )
            for d in minutes
        ),
    )


def test_a_booking_s_operations_stay_in_order_threshold_by_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """One technician 08:00-11:00 with a break at 09:00-09:20, two bookings of 20 + 20 + 30 and
    20 + 45 minutes: at best 105 minutes late (CP-SAT, proven). Ordered only on average, the
    relaxation ran a booking's first operations partly after its last and read 85; ordered threshold
    by threshold (`CHAINS`), it reads the optimum."""
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),),
        technicians=(
            TechnicianData(grade=2, shift_start=480, shift_end=660, max_overtime=0, breaks=((540, 560),)),
        ),
        jobs=(_chained(490, 550, 20, 20, 30), _chained(490, 590, 20, 45)),
        weights=LATENESS_ONLY,
    )
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    assert best is not None and best.status == "optimal" and not best.unplaced
    assert _minutes_late(problem, best) == 105
    monkeypatch.setattr(bounds_time, "CHAINS", False)
    averaged = time_indexed_bound(problem, 2)
    monkeypatch.setattr(bounds_time, "CHAINS", True)
    assert averaged < time_indexed_bound(problem, 2) == 105


@st.composite
def _chained_days(draw: st.DrawFn) -> tuple[int, DayProblem]:
    """A slot size, one or two technicians (to 10:00 or 11:00, a break or none), two bays, two to
    four drop-off bookings of one to three operations each, promised 40-100 minutes after arrival."""
    technicians = tuple(
        TechnicianData(
            grade=2,
            shift_start=480,
            shift_end=draw(st.sampled_from([600, 660])),
            breaks=draw(st.sampled_from([(), ((540, 560),)])),
        )
        for _ in range(draw(st.integers(1, 2)))
    )
    jobs = tuple(
        _chained(
            release,
            release + draw(st.sampled_from([40, 60, 80, 100])),
            *minutes,
            technicians=len(technicians),
            bays=2,
        )
        for release, minutes in draw(
            st.lists(
                st.tuples(
                    st.sampled_from([480, 490, 500, 520]),
                    st.lists(st.sampled_from([20, 30, 40, 45]), min_size=1, max_size=3),
                ),
                min_size=2,
                max_size=4,
            )
        )
    )
    problem = _two_bay_day(technicians, jobs)
    return draw(st.sampled_from([2, 5, 10])), problem


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_chained_days())
def test_ordered_threshold_by_threshold_never_above_the_optimum_of_cp_sat(
    case: tuple[int, DayProblem],
) -> None:
    """Bookings of up to three operations in a row (where `CHAINS` adds its rows), at any slot
    size: the floor is never above CP-SAT's proven optimum, and never below the floor without them."""
    grid, problem = case
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # not proven: nothing to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    saved = bounds_time.GRIDS, bounds_time.CHAINS
    bounds_time.GRIDS = (grid,)  # hypothesis runs many examples per test: no monkeypatch fixture
    try:
        bounds_time.CHAINS = False
        averaged = time_indexed_bound(problem, weight)
        bounds_time.CHAINS = True
        assert averaged <= time_indexed_bound(problem, weight) <= _minutes_late(problem, best)
    finally:
        bounds_time.GRIDS, bounds_time.CHAINS = saved


def _drop_off(release: int, due: int, *minutes: int, bays: tuple[int, ...] = (0, 1)) -> JobData:
    """A drop-off booking of operations one after the other on either of two technicians (alike)."""
    return _chained(release, due, *minutes, technicians=2, bays=bays)


def _rush_day() -> DayProblem:
    """Two technicians 08:00-11:00, four bookings due at 10:00 (25, 55 + 15, 45 and 45 + 25
    minutes, dropped off 08:10-08:45): at best 5 minutes late (CP-SAT, proven)."""
    return _two_bay_day(
        tuple(TechnicianData(grade=2, shift_start=480, shift_end=660) for _ in range(2)),
        (
            _drop_off(490, 600, 25),
            _drop_off(490, 600, 55, 15),
            _drop_off(515, 600, 45),
            _drop_off(525, 600, 45, 25),
        ),
    )


def test_finer_slots_before_the_busiest_promise_raise_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two technicians 08:00-11:00, four bookings due at 10:00 (25, 55 + 15, 45 and 45 + 25
    minutes, dropped off 08:10-08:45): at best 5 minutes late (CP-SAT, proven). At 10-minute slots
    the relaxation counts a 25- or 45-minute job in whole slots only and finishes everything on
    time; with 5-minute slots in the hour before 10:00 (`REFINE`) it reads the optimum."""
    problem = _rush_day()
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    assert best is not None and best.status == "optimal" and not best.unplaced
    assert _minutes_late(problem, best) == 5
    monkeypatch.setattr(bounds_time, "GRIDS", (10,))
    monkeypatch.setattr(bounds_time, "REFINE", 0)
    uniform = time_indexed_bound(problem, 4)
    monkeypatch.setattr(bounds_time, "REFINE", 5)
    assert uniform == 0 < time_indexed_bound(problem, 4) == 5
    # The warm start's relaxation keeps the uniform grid (its orders, and so the plans, as before).
    start = bounds_time.time_indexed_relaxation(problem, 4, lean=False)
    assert start.bound == uniform


def test_a_wider_window_asked_for_is_built_wide_or_not_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rush day above at 10-minute slots, its floor asked at the objective's weights with the
    5-minute window given (`refine_before`, as `scheduler.optimise.wide_weighted_floor` asks): a
    window that covers the rush reads the optimum, never above it; one too large for the model's
    limits is not built (no floor claimed), where the floor's own falls back to the uniform grid."""
    problem = _rush_day()
    problem = replace(problem, weights=ObjectiveWeights(unplaced=100_000, lateness=10, waiter_lateness=30))
    monkeypatch.setattr(bounds_time, "GRIDS", (10,))
    relax = bounds_time.time_indexed_relaxation
    narrow = relax(problem, 4, weighted=True, refine_before=10)
    wide = relax(problem, 4, weighted=True, refine_before=120)
    assert narrow.weighted_bound <= wide.weighted_bound == 10 * 5  # the optimum: 5 minutes late
    assert relax(problem, 4, weighted=True).weighted_bound == wide.weighted_bound  # the hour: the same
    uniform = bounds_time.indexed_model(problem, 4, weighted=True, lean=True, refine_before=0)
    refined = bounds_time.indexed_model(problem, 4, weighted=True, lean=True, refine_before=120)
    assert uniform is not None and refined is not None and len(uniform.cols) < len(refined.cols)
    monkeypatch.setattr(bounds_time, "MAX_COLUMNS", len(uniform.cols))
    assert relax(problem, 4, weighted=True).size == uniform.size  # the floor's own: uniform
    too_large = relax(problem, 4, weighted=True, refine_before=120)
    assert too_large.size == 0 and too_large.weighted_bound == 0


def test_near_duplicate_bay_sets_leave_out_their_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nine bookings may use bays 0-1 and one bays 0-2: the rows of bays 0-2 repeat those of 0-1
    but for one short job (`NESTED`). The floor's model leaves them out; the floor reads the same."""
    monkeypatch.setattr(bounds_time, "REFINE", 0)
    jobs = [_drop_off(480 + 10 * i, 540 + 10 * i, 30 + 5 * (i % 3)) for i in range(9)]
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),) * 3,
        technicians=tuple(TechnicianData(grade=2, shift_start=480, shift_end=660) for _ in range(2)),
        jobs=(*jobs, _drop_off(500, 560, 20, bays=(0, 1, 2))),
        weights=LATENESS_ONLY,
    )
    full = bounds_time.indexed_model(problem, 10)
    lean = bounds_time.indexed_model(problem, 10, lean=True)
    assert full is not None and lean is not None
    assert lean.size < full.size and lean.matrix.shape[0] < full.matrix.shape[0]
    monkeypatch.setattr(bounds_time, "NESTED", 0.0)
    every_row = time_indexed_bound(problem, 10)
    monkeypatch.setattr(bounds_time, "NESTED", 0.1)
    assert time_indexed_bound(problem, 10) == every_row > 0


@st.composite
def _rush_days(draw: st.DrawFn) -> tuple[int, int, DayProblem]:
    """A slot size of 10 or 20 minutes, a refined window of 30-90 minutes; two technicians (alike,
    or one with a break), two bays; two to five bookings of one or two operations of 15-55
    minutes, dropped off at any minute 08:00-09:00, most of them due at one minute (the rush), in
    bays 0, 1 or either."""
    technicians = (
        TechnicianData(grade=2, shift_start=480, shift_end=660),
        TechnicianData(
            grade=2, shift_start=480, shift_end=660, breaks=draw(st.sampled_from([(), ((540, 555),)]))
        ),
    )
    rush = draw(st.integers(570, 630))
    jobs = tuple(
        _drop_off(
            release,
            rush if shared else release + late,
            *minutes,
            bays=bays,
        )
        for release, minutes, shared, late, bays in draw(
            st.lists(
                st.tuples(
                    st.integers(480, 540),
                    st.lists(st.integers(15, 55), min_size=1, max_size=2),
                    st.sampled_from([True, True, False]),
                    st.integers(40, 120),
                    st.sampled_from([(0, 1), (0, 1), (0,), (1,)]),
                ),
                min_size=2,
                max_size=5,
            )
        )
    )
    problem = _two_bay_day(technicians, jobs)
    return draw(st.sampled_from([10, 20])), draw(st.sampled_from([30, 60, 90])), problem


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rush_days())
def test_refined_slots_never_above_the_optimum_of_cp_sat(case: tuple[int, int, DayProblem]) -> None:
    """Finer slots before the busiest promise (`REFINE`), with or without the near-duplicate bay
    rows (`NESTED`): the floor is never above CP-SAT's proven optimum; with every row it is never
    below the uniform grid's (the refined grid has its slot starts and more)."""
    grid, before, problem = case
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # not proven: nothing to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    saved = bounds_time.GRIDS, bounds_time.REFINE, bounds_time.REFINE_BEFORE, bounds_time.NESTED
    bounds_time.GRIDS, bounds_time.REFINE_BEFORE = (grid,), before  # hypothesis: no monkeypatch
    try:
        late = _minutes_late(problem, best)
        bounds_time.NESTED = 0.0
        bounds_time.REFINE = 0
        uniform = time_indexed_bound(problem, weight)
        bounds_time.REFINE = 5
        assert uniform <= time_indexed_bound(problem, weight) <= late
        bounds_time.NESTED = 0.1
        assert time_indexed_bound(problem, weight) <= late
    finally:
        bounds_time.GRIDS, bounds_time.REFINE, bounds_time.REFINE_BEFORE, bounds_time.NESTED = saved
