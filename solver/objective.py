"""The day-plan objective, evaluated on a solution: the one yardstick every planner is measured by."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from solver.problem import DayProblem, DaySolution


@dataclass(frozen=True)
class ObjectiveTerms:
    unplaced: int
    lateness: int
    waiter_lateness: int
    overtime: int
    bay_preference: int
    technician_changes: int
    reassigned: int = 0
    moved_minutes: int = 0

    def total(self, problem: DayProblem) -> int:
        w = problem.weights
        return (
            self.unplaced
            + w.lateness * self.lateness
            + w.waiter_lateness * self.waiter_lateness
            + w.overtime * self.overtime
            + self.bay_preference
            + w.technician_change * self.technician_changes
            + w.stability_reassign * self.reassigned
            + w.stability_minutes * self.moved_minutes
        )


def terms(problem: DayProblem, solution: DaySolution) -> ObjectiveTerms:
    unplaced = lateness = waiter_lateness = overtime = preference = changes = reassigned = moved = 0
    for j, job in enumerate(problem.jobs):
        if j in solution.unplaced:
            unplaced += problem.weights.unplaced * job.priority
            continue
        placed = [solution.placements[(j, k)] for k in range(len(job.operations))]
        if job.due is not None:
            late = max(0, placed[-1].end - job.due)
            if job.waiter:
                waiter_lateness += late
            else:
                lateness += late
        for op, p in zip(job.operations, placed, strict=True):
            overtime += max(0, p.end - max(p.start, problem.technicians[p.technician].shift_end))
            if p.bay in op.bays:
                preference += op.bay_costs[op.bays.index(p.bay)]
            if op.previous is not None and op.pin is None:
                before = op.previous
                reassigned += int(before.bay != p.bay or before.technician != p.technician)
                moved += abs(p.start - before.start)
        changes += sum(1 for a, b in itertools.pairwise(placed) if a.technician != b.technician)
    return ObjectiveTerms(
        unplaced, lateness, waiter_lateness, overtime, preference, changes, reassigned, moved
    )


def objective(problem: DayProblem, solution: DaySolution) -> int:
    return terms(problem, solution).total(problem)
