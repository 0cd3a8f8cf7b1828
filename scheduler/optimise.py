"""The optimiser as the planning service runs it: baseline first, CP-SAT from it, never worse."""

from __future__ import annotations

import time

from scheduler.availability import Availability
from scheduler.compiler import CompiledDay
from scheduler.dispatch import dispatch, dispatch_order, multi_start, place_job
from solver.bounds import relaxation_bound
from solver.model import SolveParameters, solve
from solver.objective import objective
from solver.problem import DayProblem, DaySolution


def fill_gaps(problem: DayProblem, solution: DaySolution) -> DaySolution:
    """Insert unplaced bookings that still fit, earliest finish first (a cheap repair step)."""
    if not solution.unplaced:
        return solution
    availability = Availability(problem)
    for p in solution.placements.values():
        availability.reserve(p)
    placements = dict(solution.placements)
    unplaced = set(solution.unplaced)
    for j in dispatch_order(problem):
        if j not in unplaced:
            continue
        job = problem.jobs[j]
        placed = place_job(availability, job, j)
        if placed is None:
            continue
        unplaced.discard(j)
        unpinned = [k for k, op in enumerate(job.operations) if op.pin is None]
        placements.update({(j, k): p for k, p in zip(unpinned, placed, strict=True)})
    if unplaced == solution.unplaced:
        return solution
    repaired = DaySolution(
        placements=placements,
        unplaced=unplaced,
        status="feasible",
        best_bound=solution.best_bound,
        solve_seconds=solution.solve_seconds,
        first_solution_seconds=solution.first_solution_seconds,
        notes=[*solution.notes, f"repair placed {len(solution.unplaced) - len(unplaced)} more bookings"],
    )
    repaired.objective = objective(problem, repaired)
    return repaired if repaired.objective < solution.objective else solution


def optimise(compiled: CompiledDay, *, hint: DaySolution | None = None) -> DaySolution:
    """CP-SAT warm-started from `hint` (default: the baseline dispatcher's plan).

    The time limit covers everything; the result is never worse than the baseline, and if
    CP-SAT returns nothing (e.g. the limit hits during presolve) the baseline is returned.
    """
    began = time.perf_counter()
    problem = compiled.problem
    options = compiled.request.options
    baseline = dispatch(problem)
    # A better warm start than the foreman's rule, for a small share of the budget.
    warm = multi_start(problem, min(0.1 * options.time_limit_seconds, 2.0), options.seed)
    start = warm if warm.objective < baseline.objective else baseline
    if hint is not None:
        hint.objective = objective(problem, hint)
    if hint is not None and (problem.keep_promises or hint.objective < start.objective):
        start = hint  # with promises kept, only the witness is a safe start
    remaining = options.time_limit_seconds - (time.perf_counter() - began)
    params = SolveParameters(
        time_limit_seconds=max(0.1, remaining), workers=options.workers, seed=options.seed
    )
    result = solve(problem, start, params)
    if result is None:
        chosen = start
        chosen.notes.append("cp-sat returned no solution within the time limit; the baseline plan stands")
        chosen.status = "feasible"
    else:
        chosen = fill_gaps(problem, result)
        if chosen.objective > start.objective:
            start.best_bound = result.best_bound
            start.notes.append("cp-sat found nothing better than the warm start")
            chosen = start
    if chosen.best_bound is not None and chosen.objective <= chosen.best_bound + 1e-9:
        chosen.status = "optimal"
    elif options.lower_bound:
        deadline = began + options.time_limit_seconds - 0.05
        chosen.lower_bound = relaxation_bound(problem, deadline, options.workers)
    chosen.solve_seconds = time.perf_counter() - began
    return chosen
