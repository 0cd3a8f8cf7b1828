"""The baseline dispatcher: the foreman's rule, first come first served, earliest finish.

It is a complete planner (the CLI's greedy option), the optimiser's warm start and
fallback, and the baseline every benchmark compares against.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from scheduler.availability import Availability
from solver.objective import objective
from solver.problem import DayProblem, DaySolution, JobData, Placement


def dispatch_order(problem: DayProblem) -> list[int]:
    """Started work first, then by drop-off; higher priority first among equal drop-offs."""
    return sorted(
        range(len(problem.jobs)),
        key=lambda j: (not problem.jobs[j].pinned, problem.jobs[j].release, -problem.jobs[j].priority, j),
    )


def place_job(availability: Availability, job: JobData, j: int) -> list[Placement] | None:
    """Place the job's unpinned operations in order; undo everything if one does not fit."""
    placed: list[Placement] = []
    ready = job.release
    for op in job.operations:
        if op.pin is not None:
            ready = max(ready, op.pin.end)
            continue
        p = availability.earliest(op, ready)
        if p is None:
            for q in placed:
                availability.free(q)
            return None
        availability.reserve(p)
        placed.append(p)
        ready = p.end
    return placed


def pinned_placements(problem: DayProblem) -> dict[tuple[int, int], Placement]:
    return {
        (j, k): Placement(op.pin.bay, op.pin.technician, op.pin.start, op.pin.end)
        for j, job in enumerate(problem.jobs)
        for k, op in enumerate(job.operations)
        if op.pin is not None
    }


def dispatch(problem: DayProblem, order: list[int] | None = None) -> DaySolution:
    began = time.perf_counter()
    availability = Availability(problem)
    placements = pinned_placements(problem)
    for p in placements.values():
        availability.reserve(p)
    unplaced: set[int] = set()
    for j in order if order is not None else dispatch_order(problem):
        job = problem.jobs[j]
        placed = place_job(availability, job, j)
        if placed is None:
            unplaced.add(j)
            for k in range(len(job.operations)):
                placements.pop((j, k), None)
            continue
        unpinned = [k for k, op in enumerate(job.operations) if op.pin is None]
        for k, p in zip(unpinned, placed, strict=True):
            placements[(j, k)] = p
    solution = DaySolution(placements=placements, unplaced=unplaced, status="feasible")
    solution.objective = objective(problem, solution)
    solution.solve_seconds = time.perf_counter() - began
    solution.first_solution_seconds = solution.solve_seconds
    return solution


def _key_orders(problem: DayProblem) -> list[list[int]]:
    """Classic priority rules: earliest due date, waiters first, least slack."""
    jobs = problem.jobs
    never = problem.horizon * 10

    def slack(j: int) -> int:
        job = jobs[j]
        work = sum(min(op.durations, default=0) for op in job.operations if op.pin is None)
        return (job.due if job.due is not None else never) - job.release - work

    def due(j: int) -> int:
        return jobs[j].due if jobs[j].due is not None else never  # type: ignore[return-value]

    keys: list[Callable[[int], tuple[int, ...]]] = [
        lambda j: (due(j), jobs[j].release),
        lambda j: (not jobs[j].waiter, due(j), jobs[j].release),
        lambda j: (slack(j), jobs[j].release),
    ]
    return [
        sorted(range(len(jobs)), key=lambda j, key=key: (not jobs[j].pinned, -jobs[j].priority, *key(j)))  # type: ignore[misc]
        for key in keys
    ]


def multi_start(problem: DayProblem, seconds: float, seed: int = 0) -> DaySolution:
    """The best of the baseline, the classic priority rules and random swaps of the best order.

    Used only as the optimiser's warm start: the baseline itself stays the foreman's rule.
    """
    began = time.perf_counter()
    best_order = dispatch_order(problem)
    best = dispatch(problem, best_order)
    for order in _key_orders(problem):
        candidate = dispatch(problem, order)
        if candidate.objective < best.objective:
            best, best_order = candidate, order
    rng = random.Random(seed)
    movable = [i for i, j in enumerate(best_order) if not problem.jobs[j].pinned]
    stale = 0  # small days converge fast: stop after a run of fruitless tries
    while len(movable) > 1 and time.perf_counter() - began < seconds and stale < 20 * len(movable):
        stale += 1
        order = list(best_order)
        for _ in range(rng.randint(1, 4)):
            a = rng.choice(movable)
            b = min(max(a + rng.randint(-8, 8), movable[0]), movable[-1])
            order[a], order[b] = order[b], order[a]
        candidate = dispatch(problem, order)
        if candidate.objective < best.objective:
            best, best_order, stale = candidate, order, 0
    best.solve_seconds = time.perf_counter() - began
    return best
