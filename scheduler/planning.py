"""The planning service: a v1 plan request in, a v1 plan out, with any of the planners."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from scheduler.compiler import CompiledDay, compile_request
from scheduler.contract import Plan, PlanRequest, Unassigned
from scheduler.dispatch import dispatch
from scheduler.kpis import compute_kpis
from scheduler.reasons import unplaced_reasons
from solver.problem import DaySolution

PlannerName = Literal["greedy", "cpsat"]
PLANNERS: tuple[str, ...] = ("greedy", "cpsat")
DEFAULT_PLANNER: PlannerName = "cpsat"
_STATUSES = ("optimal", "feasible", "infeasible", "unknown")


def _greedy(compiled: CompiledDay) -> DaySolution:
    return dispatch(compiled.problem)


def _cpsat(compiled: CompiledDay) -> DaySolution:
    from scheduler.optimise import optimise  # the optimiser loads OR-Tools: only when asked for

    return optimise(compiled)


_SOLVE: dict[str, Callable[[CompiledDay], DaySolution]] = {"greedy": _greedy, "cpsat": _cpsat}


def to_plan(
    compiled: CompiledDay, solution: DaySolution, planner: str, lower_bound: float | None = None
) -> Plan:
    workshop = compiled.workshop
    bookings = compiled.bookings
    assignments = [
        compiled.frame.assignment(bookings[j].id, k, p)
        for (j, k), p in sorted(solution.placements.items(), key=lambda item: (item[1].start, item[0]))
        if j not in solution.unplaced
    ]
    reasons = unplaced_reasons(compiled, solution)
    unassigned = [Unassigned(booking=bookings[j].id, reason=reasons[j]) for j in sorted(solution.unplaced)]
    placed_ids = {bookings[j].id for j in range(len(bookings)) if j not in solution.unplaced}
    # The gap uses the better of CP-SAT's bound and our relaxation's.
    bounds = [b for b in (solution.best_bound, solution.lower_bound) if b is not None]
    gap = None
    if bounds and solution.objective > 0:
        gap = round(max(0.0, (solution.objective - max(bounds)) / solution.objective), 6)
    elif bounds:
        gap = 0.0
    kpis = compute_kpis(compiled.request, assignments, placed_ids)
    lateness_gap = None
    if solution.lateness_bound is not None:
        late = kpis.total_lateness_minutes
        lateness_gap = round(max(0.0, (late - solution.lateness_bound) / late), 6) if late else 0.0
    weighted = _weighted_lateness(
        compiled, solution, kpis.total_lateness_minutes, kpis.waiter_lateness_minutes
    )
    return Plan(
        workshop=workshop.id,
        date=compiled.request.date,
        planner=planner,
        status=solution.status if solution.status in _STATUSES else "unknown",
        objective=solution.objective,
        best_bound=solution.best_bound,
        gap=gap,
        lower_bound=solution.lower_bound,
        placement_bound=solution.placement_bound,
        lateness_bound=solution.lateness_bound,
        lateness_gap=lateness_gap,
        weighted_minutes_late=weighted[0],
        weighted_lateness_floor=weighted[1],
        weighted_lateness_gap=weighted[2],
        solve_seconds=round(solution.solve_seconds, 3),
        assignments=assignments,
        unassigned=unassigned,
        kpis=kpis,
    )


def _weighted_lateness(
    compiled: CompiledDay, solution: DaySolution, late: int, waiters: int
) -> tuple[float | None, float | None, float | None]:
    """The plan's minutes late as the objective weighs them, in drop-off minutes (a waiter's minute
    counts `waiter_lateness / lateness` of them), the proven floor on them for this many placements
    and the gap between the two (`Plan.weighted_lateness_gap`). Nones where there is no floor, or
    where a drop-off's minute weighs nothing (no such unit)."""
    w = compiled.problem.weights
    unit = w.lateness
    if solution.weighted_lateness_bound is None or not unit:
        return None, None, None
    minutes = (w.lateness * (late - waiters) + w.waiter_lateness * waiters) / unit
    floor = solution.weighted_lateness_bound / unit
    gap = round(max(0.0, (minutes - floor) / minutes), 6) if minutes else 0.0
    # To a thousandth of a minute, the floor rounded down (past float noise): never above what is proven.
    return round(minutes, 3), math.floor(round(floor * 1000, 6)) / 1000, gap


def solve(compiled: CompiledDay, planner: str = DEFAULT_PLANNER) -> DaySolution:
    if planner not in _SOLVE:
        raise ValueError(f"unknown planner {planner!r} (choose from {', '.join(PLANNERS)})")
    return _SOLVE[planner](compiled)


def make_plan(request: PlanRequest, planner: str = DEFAULT_PLANNER) -> Plan:
    """Check the request (InputError on bad input), plan it and return the v1 plan."""
    compiled = compile_request(request)
    solution = solve(compiled, planner)
    return to_plan(compiled, solution, planner)
