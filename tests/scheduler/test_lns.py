"""The large-neighbourhood search (scheduler/lns.py): the same plan for the same seed and workers,
counted effort, its targets and neighbourhoods, its wall-clock safety net."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from scheduler import lns
from scheduler.compiler import compile_request
from scheduler.dispatch import multi_start, rank
from scheduler.lns import improve
from scheduler.optimise import warm_start_tries
from scheduler.planning import make_plan
from scheduler.validator import assert_valid
from solver.problem import BayData, DayProblem, DaySolution, JobData, OperationData, Placement, TechnicianData
from tests.builders import fifty_bookings, started_and_waiting, without_timing
from tests.builders import four_bay_request as request


def test_lns_side_by_side_gives_the_same_plan_for_the_same_workers() -> None:
    """More bookings than the full-solve threshold: LNS runs one neighbourhood per worker each
    step; with the same seed and worker count the plan is the same (and valid) every time."""
    bookings = fifty_bookings()
    req = request(bookings, limit=1.0)
    two = req.model_copy(update={"options": req.options.model_copy(update={"workers": 2})})
    first, second = make_plan(two, "cpsat"), make_plan(two, "cpsat")
    assert_valid(two, first)
    assert without_timing(first) == without_timing(second)


def test_a_longer_search_passes_through_the_shorter_ones_plan() -> None:
    """Counted effort: with the same start and seed, a longer LNS takes the shorter one's steps and
    then more, so it is never worse (it ends where the short one did or better); and from 10 s on
    every limit gets the same rules' warm start (from `PLAN_MIP_LIMIT` on, the relaxation's plan
    where it is better)."""
    bookings = fifty_bookings()
    problem = compile_request(request(bookings, limit=1.0)).problem
    assert warm_start_tries(problem, 10.0) == warm_start_tries(problem, 60.0) > 0
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    short, short_stats = improve(problem, start, 0.5, seed=0, workers=2)
    long, long_stats = improve(problem, start, 1.5, seed=0, workers=2)
    assert short_stats.improved > 0  # the search moved: the comparison below is not vacuous
    assert long_stats.steps >= short_stats.steps
    assert rank(problem, long) <= rank(problem, short) < rank(problem, start)


def test_a_plan_at_the_placement_bound_searches_only_around_late_bookings() -> None:
    """Once a plan places as much priority as a proven bound, its unplaced bookings are no targets
    and ride along in no neighbourhood (none could be placed); below the bound they are searched."""
    problem = compile_request(request(fifty_bookings(), limit=1.0)).problem
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    placed = sum(job.priority for job in problem.jobs) - sum(problem.jobs[j].priority for j in start.unplaced)
    assert start.unplaced and {j for j, _ in lns._targets(problem, start)} & start.unplaced
    assert lns._targets(problem, start, most=placed + 1)[0][0] in start.unplaced
    at_bound = lns._targets(problem, start, most=placed)
    assert at_bound and not {j for j, _ in at_bound} & start.unplaced
    assert lns._open(problem, start, placed) == [] and lns._open(problem, start, None) == sorted(
        start.unplaced
    )
    better, stats = improve(problem, start, 0.5, seed=0, workers=2, most=placed)
    assert stats.steps > 0 and rank(problem, better) < rank(problem, start)
    assert better.unplaced == start.unplaced


def test_the_search_stops_at_its_wall_clock_safety_net() -> None:
    """On an overloaded machine the counted effort may take far longer than the limit: past the
    safety net's deadline the search returns the plan it has (here: a deadline already passed
    leaves the start untouched), while the same search without a deadline moves it."""
    bookings = fifty_bookings()
    problem = compile_request(request(bookings, limit=1.0)).problem
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    stopped, stopped_stats = improve(problem, start, 0.5, seed=0, workers=1, deadline=time.perf_counter() - 1)
    moved, moved_stats = improve(problem, start, 0.5, seed=0, workers=1)
    assert stopped_stats.steps == 0 and stopped is start
    assert moved_stats.steps > 0 and rank(problem, moved) < rank(problem, start)


def test_a_big_pool_moves_among_the_resources_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Narrowed neighbourhoods (every pool counted as big) and turns between unplaced and late
    targets (every day counted as huge) still give a valid plan, never worse than the warm start."""
    monkeypatch.setattr(lns, "BIG_POOL", 0)
    monkeypatch.setattr(lns, "HUGE_DAY", 0)
    bookings = fifty_bookings()
    req = request(bookings, limit=1.0)
    problem = compile_request(req).problem
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    targets = lns._targets(problem, start)
    late = [j for j, _ in targets if j not in start.unplaced]
    assert start.unplaced and late
    assert targets[0][0] in start.unplaced and targets[1][0] in late  # they take turns
    better, stats = improve(problem, start, 0.5, seed=0, workers=2)
    assert stats.steps > 0 and rank(problem, better) <= rank(problem, start)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    narrowed = lns._narrow(problem.jobs[0], {problem.jobs[0].operations[0].technicians[0]}, set())
    assert narrowed.operations[0].technicians == problem.jobs[0].operations[0].technicians[:1]
    assert narrowed.operations[0].bays == () and len(narrowed.operations[0].durations) == 1


def _two_pools() -> tuple[DayProblem, DaySolution]:
    """Two technician-bay pairs: booking 0 placed on the first, 1 unplaced needing the second, 2
    unplaced able to use the first."""

    def job(technicians: tuple[int, ...], bays: tuple[int, ...]) -> JobData:
        op = OperationData(
            bays=bays, bay_costs=(0,) * len(bays), technicians=technicians, durations=(60,) * len(technicians)
        )
        return JobData(release=480, due=540, waiter=False, priority=1, operations=(op,))

    problem = DayProblem(
        horizon=1440,
        bays=(BayData("general"), BayData("general")),
        technicians=(TechnicianData(grade=2, shift_start=480, shift_end=600),) * 2,
        jobs=(job((0,), (0,)), job((1,), (1,)), job((0,), (0,))),
    )
    plan = DaySolution(placements={(0, 0): Placement(0, 0, 500, 560)}, unplaced={1, 2}, status="feasible")
    return problem, plan


def test_on_a_huge_day_only_bookings_that_could_use_the_freed_resources_ride_along(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rider's room can only come from the freed bookings (everything else stays): on a huge day
    an unplaced booking needing other technicians and bays does not ride along (it only turned the
    sub-problem's LP relaxation on); on other days riders are the first unplaced, as before."""
    problem, plan = _two_pools()
    assert lns._riders(problem, plan, 0, [0], None, 8) == [1, 2]
    monkeypatch.setattr(lns, "HUGE_DAY", 0)
    assert lns._riders(problem, plan, 0, [0], None, 8) == [2]
    assert lns._riders(problem, plan, 0, [0], None, 4) == [2]
    assert lns._riders(problem, plan, 0, [0], None, 3) == []  # a quarter of the size


def test_a_huge_days_model_is_charged_for_the_bookings_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to `HUGE_DAY` bookings a model is charged per booking of the day (as calibrated); above it
    per booking in the model, which `reinsert` reports (on a huge day a narrowed neighbourhood holds
    a tenth of the day)."""
    problem, plan = _two_pools()
    built: list[int] = []
    whole, _, _ = lns.reinsert(problem, plan, [0, 2], dtime=1.0, seed=1, built=built)
    assert whole is not None and built == [2]  # booking 1 stays unplaced: not in the model
    assert lns.build_charge(problem, built) == pytest.approx(lns.BUILD_SECONDS_PER_JOB * 3)
    monkeypatch.setattr(lns, "HUGE_DAY", 0)
    assert lns.build_charge(problem, built) == pytest.approx(lns.BUILD_SECONDS_PER_JOB * 2)


def test_a_neighbourhood_never_puts_work_over_a_started_booking_left_out() -> None:
    """The search re-inserting a booking keeps off the clocked hour of a started booking the plan
    left out (its rest does not fit): the waiting hour, due at 09:20, would rather start at 08:00."""
    problem = started_and_waiting(second_minutes=90)
    waiting = replace(problem.jobs[1], due=560)
    problem = replace(problem, jobs=(problem.jobs[0], waiting))
    plan = DaySolution(placements={(1, 0): Placement(0, 0, 540, 600)}, unplaced={0}, status="feasible")
    whole, _, _ = lns.reinsert(problem, plan, [1], dtime=5.0, seed=1)
    assert whole is not None and whole.unplaced == {0}
    assert whole.placements[(1, 0)].start >= 540


def test_a_booking_whose_pinned_work_leaves_no_room_is_not_searched_for_thousands_of_steps() -> None:
    """A diagnosis pinned 16:30-16:55 leaves its 90-minute repair no room (tests/api/test_api.py's
    409): every neighbourhood holding the booking is proven infeasible at once and charged next to
    nothing, so each lane spent its round's quota on ~1,400 of them (2,812 steps, 3-5 s of CPU at any
    time limit). A lane now ends its round after `INFEASIBLE_RUN` of them in a row."""
    from scheduler.contract import PlanRequest
    from solver.objective import objective
    from tests.builders import DATE, small_workshop

    pin = {"operation": 0, "bay": "G1", "technician": "wang", "start": f"{DATE}T16:30:00+08:00",
           "end": f"{DATE}T16:55:00+08:00"}  # fmt: skip
    booking = {"id": "b1", "service": "MINOR", "drop_off": f"{DATE}T08:00:00+08:00", "pinned": [pin]}
    body = {"workshop": small_workshop().model_dump(mode="json"), "date": DATE, "bookings": [booking]}
    problem = compile_request(PlanRequest.model_validate(body)).problem
    start = DaySolution(placements={}, unplaced={0}, status="feasible")
    start.objective = objective(problem, start)
    kept, stats = improve(problem, start, 1.0, seed=0, workers=2, most=1)
    assert kept is start and stats.improved == 0
    assert stats.steps <= 4 * lns.INFEASIBLE_RUN  # 2,812 before
