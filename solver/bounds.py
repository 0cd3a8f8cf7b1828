"""A lower bound on the day-plan objective from a relaxation CP-SAT can prove quickly.

Relaxed: technicians are pooled per qualification group as cumulatives (capacity = the
group's size, off-shift time as fixed fillers) instead of being assigned one by one; every
operation takes its fastest qualified technician's time; overtime and technician changes
cost nothing. Bays stay individual. Any plan of the real model is a plan of this one at no
higher cost, so the relaxation's proven bound bounds the real optimum.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.problem import DayProblem


def relaxation_bound(problem: DayProblem, deterministic_time: float, workers: int = 2) -> float | None:
    """The relaxation's proven bound, or None, within CP-SAT's deterministic time (reproducible)."""
    m = cp_model.CpModel()
    w = problem.weights
    horizon = problem.horizon + max(
        (sum(min(op.durations, default=0) for op in j.operations) for j in problem.jobs), default=0
    )
    bay_intervals: list[list[cp_model.IntervalVar]] = [[] for _ in problem.bays]
    groups: dict[frozenset[int], list[cp_model.IntervalVar]] = {}
    terms: list[cp_model.LinearExprT] = []
    pinned_by_tech: list[list[cp_model.IntervalVar]] = [[] for _ in problem.technicians]

    for j, job in enumerate(problem.jobs):
        present: cp_model.IntVar | int
        if job.pinned:
            present = 1
        else:
            present = m.new_bool_var(f"placed_{j}")
            terms.append(w.unplaced * job.priority * (1 - present))
        literal = present if isinstance(present, cp_model.IntVar) else m.new_constant(1)
        previous_end: cp_model.LinearExprT = job.release
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                fixed = m.new_fixed_size_interval_var(op.pin.start, op.pin.end - op.pin.start, f"pin_{j}_{k}")
                bay_intervals[op.pin.bay].append(fixed)
                pinned_by_tech[op.pin.technician].append(fixed)
                previous_end = op.pin.end
                continue
            if not op.bays or not op.technicians:
                if isinstance(present, cp_model.IntVar):
                    m.add(present == 0)
                continue
            size = min(op.durations)
            # Ends stay inside the horizon, where the off-shift fillers end.
            start = m.new_int_var(job.release, max(job.release, horizon - size), f"s_{j}_{k}")
            interval = m.new_optional_fixed_size_interval_var(start, size, literal, f"op_{j}_{k}")
            m.add(start >= previous_end)
            previous_end = start + size
            chosen = []
            for b, cost in zip(op.bays, op.bay_costs, strict=True):
                x = m.new_bool_var(f"x_{j}_{k}_{b}")
                chosen.append(x)
                bay_intervals[b].append(
                    m.new_optional_fixed_size_interval_var(start, size, x, f"b_{j}_{k}_{b}")
                )
                if cost:
                    terms.append(cost * x)
            m.add(sum(chosen) == present)
            groups.setdefault(frozenset(op.technicians), []).append(interval)
        if job.due is not None:
            late = m.new_int_var(0, horizon, f"late_{j}")
            m.add(late >= previous_end - job.due)
            terms.append((w.waiter_lateness if job.waiter else w.lateness) * late)

    for ivs in bay_intervals:
        if len(ivs) > 1:
            m.add_no_overlap(ivs)
    for group in groups:
        members = [iv for g, ivs in groups.items() if g <= group for iv in ivs]
        fillers: list[cp_model.IntervalVar] = []
        for t in group:
            tech = problem.technicians[t]
            fillers.extend(pinned_by_tech[t])
            cursor = 0
            for s, e in [*tech.windows(), (horizon, horizon)]:
                if s > cursor:
                    fillers.append(m.new_fixed_size_interval_var(cursor, s - cursor, f"off_{t}_{cursor}"))
                cursor = max(cursor, e)
        ivs = members + fillers
        m.add_cumulative(ivs, [1] * len(ivs), len(group))

    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    if deterministic_time < 1e-3:
        return None
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.max_time_in_seconds = 60.0  # a safety net only
    solver.parameters.num_workers = 1  # one worker: reproducible
    status = solver.solve(m)
    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return None
    # A bound proven before any relaxed plan was found is still a bound.
    bound = float(solver.best_objective_bound)
    return bound if math.isfinite(bound) else None
