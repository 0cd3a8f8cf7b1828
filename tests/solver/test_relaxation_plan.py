"""The time-indexed model's own plan: valid by the independent validator, the same every time."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import numpy as np
import pytest

from scheduler import optimise
from scheduler.compiler import CompiledDay, compile_request
from scheduler.contract import Booking, PlanRequest
from scheduler.dispatch import rank, unplaced_weight
from scheduler.optimise import (
    ALPHA_EXCESS,
    INDEXED_BOUND_SECONDS,
    PLAN_MIP_LIMIT,
    StartRelaxation,
    relaxation_start,
    warm_start,
)
from scheduler.planning import to_plan
from scheduler.validator import assert_valid
from solver.bounds_time import IndexedModel, Relaxation, indexed_model, time_indexed_relaxation
from solver.objective import objective, terms
from solver.problem import DaySolution, Placement
from solver.relaxation_plan import GRID, LIMITS, NearPlan, _mip, near_plan, near_support, relaxation_plan
from tests.builders import alike_workshop, at, request


def _day(bookings: int = 40) -> tuple[PlanRequest, CompiledDay]:
    """Five technicians (four alike) on four lifts, maintenance and two-step repairs dropped off
    every half hour with promises three hours later; some waiters."""
    booked = [
        Booking(id=f"b{i:02d}", service="MINOR" if i % 3 == 0 else "MAINT",
                drop_off=at("08:00") + dt.timedelta(minutes=30 * (i % 12)),
                promised=at("10:00") + dt.timedelta(minutes=30 * (i % 12)), waiter=i % 5 == 0)
        for i in range(bookings)
    ]  # fmt: skip
    req = request(booked, workshop=alike_workshop(), time_limit_seconds=60.0)
    return req, compile_request(req)


@dataclass(frozen=True)
class _Day:
    """`_day()` with the rules' start, the priority it places (the day is over-full: 29 of 40) and the
    warm start's weighted relaxation: made once for the module (the start alone is some 5 CPU
    seconds; the tests read them, none changes them)."""

    request: PlanRequest
    compiled: CompiledDay
    start: DaySolution
    weight: int
    relaxation: Relaxation


@pytest.fixture(scope="module")
def day() -> _Day:
    req, compiled = _day()
    problem = compiled.problem
    start = warm_start(problem, PLAN_MIP_LIMIT, seed=0)
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in start.unplaced)
    return _Day(req, compiled, start, weight, time_indexed_relaxation(problem, weight, weighted=True))


def test_the_relaxations_plan_is_valid_and_the_same_every_time(day: _Day) -> None:
    req, compiled, weight = day.request, day.compiled, day.weight
    problem = compiled.problem
    first, second = relaxation_plan(problem, weight), relaxation_plan(problem, weight)
    assert first.solution is not None and second.solution is not None, first.notes
    assert first.solution.placements == second.solution.placements
    assert (
        sum(problem.jobs[j].priority for j in range(len(problem.jobs)) if j not in first.solution.unplaced)
        >= weight
    )
    first.solution.objective = objective(problem, first.solution)
    assert_valid(req, to_plan(compiled, first.solution, "cpsat"))
    assert first.size > 0 and first.notes


def test_no_plan_placing_more_than_fits() -> None:
    _, compiled = _day()
    problem = compiled.problem
    made = relaxation_plan(problem, sum(job.priority for job in problem.jobs) + 1)
    assert made.solution is None


def test_not_with_started_work() -> None:
    _, compiled = _day()
    problem = compiled.problem
    job = problem.jobs[0]
    op = replace(job.operations[0], pin=Placement(0, 0, 480, 480 + job.operations[0].durations[0]))
    started = replace(problem, jobs=(replace(job, operations=(op, *job.operations[1:])), *problem.jobs[1:]))
    made = relaxation_plan(started, 1)
    assert made.solution is None and made.size == 0


def test_long_requests_start_from_the_better_of_the_rules_and_the_relaxations_plan(day: _Day) -> None:
    req, compiled, start, weight = day.request, day.compiled, day.start, day.weight
    problem = compiled.problem
    lp = StartRelaxation(problem, weight, relaxation=day.relaxation)
    # Below the limit, or without the warm start's relaxation: nothing spent, the start unchanged.
    assert relaxation_start(problem, start, INDEXED_BOUND_SECONDS - 1, lp) == (start, 0.0, [])
    assert relaxation_start(problem, start, PLAN_MIP_LIMIT, None) == (start, 0.0, [])
    chosen, spent, notes = relaxation_start(problem, start, PLAN_MIP_LIMIT, lp)
    assert spent > 0 and "the relaxation's plan is the start" in notes  # on this day it is better
    assert rank(problem, chosen) < rank(problem, start)
    assert_valid(req, to_plan(compiled, chosen, "cpsat"))


def test_a_model_too_large_for_the_limit_is_not_built(day: _Day, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's cost grows with its model's size (faster than linearly on the biggest days): a
    request tries it only where its counted cost fits a share of the limit, and counts it."""
    problem, start, weight = day.compiled.problem, day.start, day.weight
    made = relaxation_plan(problem, weight, most_size=1_000)
    assert made.solution is None and made.size == 0
    lp = StartRelaxation(problem, weight, relaxation=day.relaxation)
    monkeypatch.setattr(optimise, "PLAN_MIP_SHARE", 1e-6)
    assert relaxation_start(problem, start, PLAN_MIP_LIMIT, lp)[:2] == (start, 0.0)
    monkeypatch.undo()
    spent = relaxation_start(problem, start, PLAN_MIP_LIMIT, lp)[1]
    size = relaxation_plan(problem, weight).size
    assert spent == optimise.plan_mip_seconds(size) > 0
    assert optimise.plan_mip_seconds(2 * optimise.PLAN_MIP_SIZE) == 4 * optimise.plan_mip_seconds(
        optimise.PLAN_MIP_SIZE
    )


def test_the_near_plan_is_valid_and_the_same_every_time(day: _Day) -> None:
    """The relaxation's plan at a 10 s price: its LP only near the warm start's plan and the
    warm start's relaxation (already paid for), the MIP near that LP's support."""
    req, compiled, start, weight = day.request, day.compiled, day.start, day.weight
    problem = compiled.problem
    first = near_plan(problem, weight, start, day.relaxation.starts)
    second = near_plan(problem, weight, start, day.relaxation.starts)
    assert first.solution is not None and second.solution is not None, first.notes
    assert first.solution.placements == second.solution.placements
    assert (first.model_size, first.lp_size, first.iterations) == (
        second.model_size,
        second.lp_size,
        second.iterations,
    )
    assert 0 < first.lp_size < first.model_size  # the LP is the restricted one
    unplaced = first.solution.unplaced
    placed = sum(job.priority for j, job in enumerate(problem.jobs) if j not in unplaced)
    assert placed >= weight
    assert_valid(req, to_plan(compiled, first.solution, "cpsat"))


def test_ten_second_requests_start_from_the_better_of_the_rules_and_the_near_plan(day: _Day) -> None:
    req, compiled, start, weight = day.request, day.compiled, day.start, day.weight
    problem = compiled.problem
    lp = StartRelaxation(problem, weight, relaxation=day.relaxation)
    assert relaxation_start(problem, start, INDEXED_BOUND_SECONDS, None) == (start, 0.0, [])
    chosen, spent, notes = relaxation_start(problem, start, INDEXED_BOUND_SECONDS, lp)
    assert spent > 0 and "the near plan is the start" in notes  # on this day it is better
    assert rank(problem, chosen) < rank(problem, start)
    assert_valid(req, to_plan(compiled, chosen, "cpsat"))
    again = relaxation_start(problem, start, INDEXED_BOUND_SECONDS, lp)
    assert again[0].placements == chosen.placements and again[1] == spent


def test_no_near_plan_with_started_work(day: _Day) -> None:
    problem = day.compiled.problem
    job = problem.jobs[0]
    op = replace(job.operations[0], pin=Placement(0, 0, 480, 480 + job.operations[0].durations[0]))
    started = replace(problem, jobs=(replace(job, operations=(op, *job.operations[1:])), *problem.jobs[1:]))
    made = near_plan(started, 1, day.start, day.relaxation.starts)
    assert made.solution is None and made.model_size == 0


def test_a_near_plan_the_search_does_not_start_from_costs_it_nothing(
    day: _Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the restricted columns hold no plan (or none better than the rules' start), the
    search keeps its whole budget: the 10 s plan is the one it would be without the near plan."""
    problem = day.compiled.problem
    lp = StartRelaxation(problem, day.weight, relaxation=day.relaxation)
    work = {"model_size": 600_000, "lp_size": 150_000, "iterations": 7_000}
    failed = NearPlan(None, **work, notes=["none"])
    monkeypatch.setattr(optimise, "near_plan", lambda *args, **kwargs: failed)
    monkeypatch.setattr(optimise, "QUICK_PLAN", 0)  # no fallback: see the next test for it
    chosen, spent, notes = relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, lp)
    assert chosen is day.start and spent == 0.0 and "none" in notes
    same = NearPlan(replace(day.start, placements=dict(day.start.placements)), **work)
    monkeypatch.setattr(optimise, "near_plan", lambda *args, **kwargs: same)
    chosen, spent, notes = relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, lp)
    assert chosen is day.start and spent == 0.0 and "the rules' start kept" in notes


def test_no_near_plan_for_a_start_near_the_cheap_floor(day: _Day, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start within `ALPHA_EXCESS` of the cheap lateness floor is searched from as it is: no
    near plan is built and nothing is charged (on dealer-2011 1.0x it was never better)."""
    problem = day.compiled.problem
    minutes = terms(problem, day.start)
    late = minutes.lateness + minutes.waiter_lateness
    tried: list[int] = []
    monkeypatch.setattr(optimise, "near_plan", lambda *args, **kwargs: tried.append(1) or NearPlan(None))
    near = StartRelaxation(
        problem, day.weight, relaxation=day.relaxation, cheap=math.ceil(late / ALPHA_EXCESS)
    )
    assert relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, near) == (day.start, 0.0, [])
    assert not tried
    far = StartRelaxation(problem, day.weight, relaxation=day.relaxation, cheap=late // 2 - 1)
    relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, far)
    assert tried


def test_where_the_near_plan_finds_none_the_relaxations_own_plan_is_the_start(
    day: _Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 10 s request whose near plan finds none (dealer-2011 1.3x seeds 4 and 5) starts from the
    relaxation's own plan where it is better, charged: valid, placing as much, the same every time."""
    req, compiled = day.request, day.compiled
    problem = compiled.problem
    lp = StartRelaxation(problem, day.weight, relaxation=day.relaxation)
    monkeypatch.setattr(optimise, "near_plan", lambda *args, **kwargs: NearPlan(None, notes=["none"]))
    chosen, spent, notes = relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, lp)
    assert "the relaxation's plan is the start" in notes and "none" in notes
    size = relaxation_plan(problem, day.weight, widths=optimise.QUICK_WIDTHS).size
    assert spent == optimise.plan_mip_seconds(size) > 0
    assert rank(problem, chosen) < rank(problem, day.start)  # on this day it is better
    assert unplaced_weight(problem, chosen) <= unplaced_weight(problem, day.start)
    assert_valid(req, to_plan(compiled, chosen, "cpsat"))
    again = relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, lp)
    assert again[0].placements == chosen.placements and again[1] == spent and again[2] == notes


def test_a_quick_plan_too_large_or_no_better_costs_nothing(
    day: _Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the relaxation's plan does not fit the limit, or is no better than the rules' start,
    the start stands and nothing is charged: the search runs as it would without it."""
    problem = day.compiled.problem
    lp = StartRelaxation(problem, day.weight, relaxation=day.relaxation)
    monkeypatch.setattr(optimise, "near_plan", lambda *args, **kwargs: NearPlan(None))
    monkeypatch.setattr(optimise, "QUICK_SHARE", 1e-6)
    chosen, spent, notes = relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, lp)
    assert chosen is day.start and spent == 0.0
    assert "relaxation plan: model too large or empty" in notes
    monkeypatch.undo()
    monkeypatch.setattr(optimise, "near_plan", lambda *args, **kwargs: NearPlan(None))
    best = relaxation_start(problem, day.start, INDEXED_BOUND_SECONDS, lp)[0]
    chosen, spent, notes = relaxation_start(problem, best, INDEXED_BOUND_SECONDS, lp)
    assert chosen is best and spent == 0.0 and "the rules' start kept" in notes


def test_a_small_day_far_from_its_floor_takes_the_relaxations_plan_where_better(
    day: _Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Days CP-SAT solves whole (up to `SMALL_JOBS` bookings) whose plan is far above the cheap floor
    take the relaxation's own plan (after the local search) where it is better: valid, the same
    every time, never worse; not below `INDEXED_BOUND_SECONDS`, nor for a plan near its floor."""
    req, compiled, start = day.request, day.compiled, day.start
    problem = compiled.problem
    assert len(problem.jobs) <= optimise.SMALL_JOBS
    assert optimise.small_final(problem, start, INDEXED_BOUND_SECONDS - 1) == (start, [])
    chosen, notes = optimise.small_final(problem, start, INDEXED_BOUND_SECONDS)
    assert "the relaxation's plan is the plan" in notes  # on this day it is better
    assert rank(problem, chosen) < rank(problem, start)
    assert_valid(req, to_plan(compiled, chosen, "cpsat"))
    again = optimise.small_final(problem, start, INDEXED_BOUND_SECONDS)
    assert again[0].placements == chosen.placements and again[1] == notes
    kept, notes = optimise.small_final(problem, chosen, INDEXED_BOUND_SECONDS)
    assert kept is chosen or rank(problem, kept) < rank(problem, chosen)
    minutes = terms(problem, start)
    late = minutes.lateness + minutes.waiter_lateness
    monkeypatch.setattr(optimise, "lateness_floor", lambda *args, **kwargs: math.ceil(late / ALPHA_EXCESS))
    assert optimise.small_final(problem, start, INDEXED_BOUND_SECONDS) == (start, [])


def _whole_model_mip(model: IndexedModel, keep: np.ndarray) -> tuple[np.ndarray | None, int]:
    """The MIP as `_mip` solved it before regress15-s31: every column to HiGHS, the unkept ones at 0."""
    import highspy
    from highspy._core import _Highs

    n = len(model.cost)
    upper = np.array(model.upper, dtype=float)
    upper[: len(model.cols)][~keep] = 0.0
    h = _Highs()
    options = (("output_flag", False), ("threads", 1), ("random_seed", 0), ("mip_max_improving_sols", 2))
    for name, value in options:
        h.setOptionValue(name, value)
    h.addVars(n, np.asarray(model.lower, dtype=float), upper)
    every = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, every, np.asarray(model.cost, dtype=float))
    m, inf = model.matrix, highspy.kHighsInf
    low = np.where(np.isfinite(model.low), model.low, -inf)
    high = np.where(np.isfinite(model.high), model.high, inf)
    indptr, indices = m.indptr.astype(np.int32), m.indices.astype(np.int32)
    h.addRows(m.shape[0], low, high, m.nnz, indptr, indices, m.data.astype(float))
    h.changeColsIntegrality(n, every, np.full(n, highspy.HighsVarType.kInteger))
    h.run()
    solution = h.getSolution()
    found = solution.value_valid and h.getInfo().primal_solution_status == 2
    return (np.asarray(solution.col_value) if found else None), int(h.getInfo().simplex_iteration_count)


def test_the_mip_holds_only_the_kept_columns_and_solves_as_the_whole_model(
    day: _Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HiGHS gets only the columns near the LP's support (and the rows they touch): the whole model
    with the rest fixed at 0 held ~3x the memory (large-300 at 10 s: 650 -> 566 MB peak) for the
    same presolved MIP, the same solution and simplex iterations (bench/RESULTS-regress15-s31.md)."""
    import highspy._core
    from scipy.optimize import Bounds, LinearConstraint, milp

    problem = day.compiled.problem
    model = indexed_model(
        problem, day.weight, weighted=True, lengths_up=True, bay_classes=True, grids=(GRID,), limits=LIMITS
    )
    assert model is not None
    lp = milp(
        model.cost,
        constraints=LinearConstraint(model.matrix, model.low, model.high),
        integrality=np.zeros(len(model.cost)),
        bounds=Bounds(model.lower, model.upper),
    )
    keep = near_support(model, lp.x, 3)
    assert 0 < keep.sum() < len(model.cols)
    seen: list[int] = []

    class Spy(highspy._core._Highs):  # type: ignore[misc, name-defined]
        def run(self) -> object:
            seen.append(self.getNumCol())
            return super().run()

    monkeypatch.setattr(highspy._core, "_Highs", Spy)
    work: list[int] = []
    x = _mip(model, keep, 2, 60.0, work)
    assert seen == [int(keep.sum()) + len(model.cost) - len(model.cols)]
    monkeypatch.undo()
    whole, iterations = _whole_model_mip(model, keep)
    assert x is not None and whole is not None
    assert np.array_equal(x, whole)
    assert work == [iterations]
    assert not x[: len(model.cols)][~keep].any()
