"""The fast local search for lateness (scheduler/local_search.py): it lowers lateness where a move
can, every plan it gives is valid by the independent validator, and it is deterministic."""

from __future__ import annotations

import pytest

from scheduler.compiler import CompiledDay, compile_request
from scheduler.contract import PlanRequest
from scheduler.demand import day_request
from scheduler.dispatch import dispatch, rule_order
from scheduler.local_search import compact, job_cost, local_search
from scheduler.planning import make_plan, to_plan
from scheduler.scenarios import load_scenario
from scheduler.validator import assert_valid
from solver.objective import objective, terms
from solver.problem import DaySolution, Placement
from tests.builders import DAY, at, booking, request, started_and_waiting, tiny_workshop, without_timing


def _day() -> tuple[PlanRequest, CompiledDay]:
    """One technician and one lift; a long drop-off first come, a short waiter right behind it
    who must leave by 08:40: first come first served makes the waiter 50 minutes late, and the
    drop-off has room to go second (promised at 11:00)."""
    ws = tiny_workshop(
        closing="12:00", shift_end="12:00", services={"LONG": ("Long", 60), "SHORT": ("Short", 30)}
    )
    req = request(
        [
            booking("long", "LONG", "08:00", promised=at("11:00")),
            booking("wait", "SHORT", "08:00", waiter=True, promised=at("08:40")),
        ],
        workshop=ws,
    )
    return req, compile_request(req)


def test_the_local_search_makes_a_late_waiter_on_time_and_the_plan_stays_valid() -> None:
    req, compiled = _day()
    problem = compiled.problem
    start = dispatch(problem, rule_order(problem, "fcfs-input-order"))
    before = terms(problem, start)
    assert before.waiter_lateness == 50  # without the local search
    assert_valid(req, to_plan(compiled, start, "greedy"))

    got, stats = local_search(problem, start, 1.0)
    after = terms(problem, got)
    assert stats.moves >= 1
    assert after.lateness + after.waiter_lateness == 0  # the waiter first, the drop-off after him
    assert got.unplaced == start.unplaced
    assert got.objective == objective(problem, got) < start.objective
    assert_valid(req, to_plan(compiled, got, "cpsat"))


def test_the_local_search_is_deterministic_and_never_worse() -> None:
    _, compiled = _day()
    problem = compiled.problem
    start = dispatch(problem, rule_order(problem, "fcfs-input-order"))
    first, _ = local_search(problem, start, 1.0)
    second, _ = local_search(problem, start, 1.0)
    assert first.placements == second.placements
    # Nothing to gain from the better plan: it comes back as it is.
    again, stats = local_search(problem, first, 1.0)
    assert stats.moves == 0 and again.placements == first.placements
    # No budget, no search.
    same, stats = local_search(problem, start, 0.0)
    assert same is start and stats.placements == 0


def test_job_cost_adds_up_to_the_objective() -> None:
    _, compiled = _day()
    problem = compiled.problem
    plan = dispatch(problem, rule_order(problem, "fcfs-input-order"))
    total = sum(
        job_cost(problem, j, [plan.placements[(j, k)] for k in range(len(job.operations))])[0]
        for j, job in enumerate(problem.jobs)
    )
    assert total == objective(problem, plan)


def _over_full_small_dealer() -> PlanRequest:
    """small-dealer at 1.3 times its demand (seed 2: 28 bookings, everyone placed, some late), 1 s."""
    req = day_request(load_scenario("small-dealer"), DAY, seed=2, scale=1.3, exact=True)
    return req.model_copy(update={"options": req.options.model_copy(update={"time_limit_seconds": 1.0})})


def test_the_optimisers_plan_is_less_late_with_the_local_search_and_the_same_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    req = _over_full_small_dealer()
    first = make_plan(req, "cpsat")
    second = make_plan(req, "cpsat")
    assert without_timing(first) == without_timing(second)  # the same request, the same plan
    assert_valid(req, first)
    monkeypatch.setattr("scheduler.optimise.LOCAL_SEARCH_SHARE", 0.0)
    searched = make_plan(req, "cpsat")  # the search's plan alone
    assert_valid(req, searched)
    assert first.kpis.placed == searched.kpis.placed
    assert first.kpis.total_lateness_minutes < searched.kpis.total_lateness_minutes
    assert first.objective < searched.objective


def _slot_rounded() -> tuple[PlanRequest, CompiledDay, DaySolution, DaySolution]:
    """The small workshop's morning (two-operation MINOR jobs, a waiter's LUBE), dispatched, and
    the same plan with every operation started 7 minutes later, as a plan coloured from 10-minute
    slots starts each at its slot's first minute (`solver.relaxation_plan.colour`)."""
    req = request(
        [
            booking("m1", "MINOR", "08:00", promised=at("09:50")),
            booking("m2", "MINOR", "08:00", promised=at("10:30")),
            booking("w", "LUBE", "08:00", waiter=True, promised=at("08:45")),
        ]
    )
    compiled = compile_request(req)
    problem = compiled.problem
    plan = dispatch(problem)
    plan.objective = objective(problem, plan)
    shifted = DaySolution(
        placements={
            key: Placement(p.bay, p.technician, p.start + 7, p.end + 7) for key, p in plan.placements.items()
        },
        unplaced=set(plan.unplaced),
    )
    shifted.objective = objective(problem, shifted)
    return req, compiled, plan, shifted


def test_compact_takes_back_the_minutes_a_slot_rounded_plan_waits() -> None:
    req, compiled, plan, shifted = _slot_rounded()
    problem = compiled.problem
    assert_valid(req, to_plan(compiled, shifted, "cpsat"))  # the premise: a valid, later plan
    assert terms(problem, shifted).waiter_lateness > terms(problem, plan).waiter_lateness

    got, moved = compact(problem, shifted)
    assert moved == len(shifted.placements)
    assert got.unplaced == shifted.unplaced
    # Every operation back where the dispatcher had it (no earlier start exists: each starts at
    # its drop-off or at the end of the work before it), none later than it was.
    assert got.placements == plan.placements
    assert all(got.placements[key].end <= p.end for key, p in shifted.placements.items())
    assert terms(problem, got) == terms(problem, plan)
    assert got.objective == objective(problem, got) < shifted.objective
    assert_valid(req, to_plan(compiled, got, "cpsat"))
    # Deterministic, and nothing left to move: the plan comes back as it is.
    again, _ = compact(problem, shifted)
    assert again.placements == got.placements
    same, none = compact(problem, got)
    assert none == 0 and same is got


def test_compact_keeps_started_work_where_it_is_and_each_booking_in_order() -> None:
    problem = started_and_waiting(30)  # booking 0 started 08:00-09:00, its 30 minutes to come
    pin = Placement(0, 0, 480, 540)
    late = DaySolution(placements={(0, 0): pin, (0, 1): Placement(0, 0, 547, 577)}, unplaced={1})
    late.objective = objective(problem, late)
    got, moved = compact(problem, late)
    assert moved == 1
    assert got.placements == {(0, 0): pin, (0, 1): Placement(0, 0, 540, 570)}  # right after it
    assert got.unplaced == {1}
