"""A plan from the time-indexed model itself: its MIP near its linear relaxation, coloured.

With lengths rounded up to the slots they touch and bays in classes (`bounds_time.indexed_model`,
`lengths_up`), an integral solution is a plan: per class of technicians and of bays no more
operations run at any minute than the class has members, so in start order each finds a member
free; only an operation starting in the slot its predecessor ends in moves a few minutes. On
dealer-2011 1.3x that MIP's optimum is as late as the floor (seeds 1 and 3) but costs 26 s to
>1,000 s of HiGHS; over the columns within `width` slots of the linear relaxation's support it
finds plans 236-412 minutes late on seeds 1-2 in ~5 s of CPU, where the 10 s search ends at
529-543 (bench/RESULTS-pooled-s11.md).

Reproducible: HiGHS runs on one thread and stops at its `improving`-th improving solution (its
wall-clock limit is only a safety net, as CP-SAT's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from solver.blocks import free_windows
from solver.bounds_time import IndexedModel, indexed_model
from solver.problem import DayProblem, DaySolution, Placement

GRID = 10
"""Minutes per start slot."""
LIMITS = (200_000, 4_000_000)
"""Largest model built (columns, entries): dealer-2011 1.3x has ~43,000 and ~600,000."""


@dataclass
class RelaxationPlan:
    """The plan (None where none was found), the model's size (its counted cost) and what
    happened, for the request's notes."""

    solution: DaySolution | None
    size: int = 0
    notes: list[str] = field(default_factory=list)


def relaxation_plan(
    problem: DayProblem,
    weight: int,
    widths: tuple[int, ...] = (3, 6),
    improving: int = 2,
    safety_seconds: float = 60.0,
    most_size: int = LIMITS[1],
) -> RelaxationPlan:
    """A plan placing at least `weight` priority from the model's MIP restricted to the columns
    within each of `widths` slots (in turn, until one has a solution) of its LP's support, where its
    model (columns plus entries) is at most `most_size`. Fresh days only: started work is not
    coloured around."""
    if any(job.pinned for job in problem.jobs):
        return RelaxationPlan(None, 0, ["relaxation plan: not with started work"])
    most = min(most_size, LIMITS[1])
    model = indexed_model(
        problem, weight, weighted=True, lengths_up=True, bay_classes=True, grids=(GRID,),
        limits=(min(LIMITS[0], most), most),
    )  # fmt: skip
    if model is None or model.size > most:
        # Too large for the time it may take (the size is estimated before building, then known).
        return RelaxationPlan(None, 0, ["relaxation plan: model too large or empty"])
    from scipy.optimize import Bounds, LinearConstraint, milp  # ~0.4 s to import: when first needed

    n = len(model.cost)
    lp = milp(
        model.cost,
        constraints=LinearConstraint(model.matrix, model.low, model.high),
        integrality=np.zeros(n),
        bounds=Bounds(model.lower, model.upper),
        options={"time_limit": safety_seconds, "presolve": True},
    )
    if lp.status != 0 or lp.x is None:
        return RelaxationPlan(None, model.size, ["relaxation plan: no LP solution"])
    for width in widths:
        x = _mip(model, near_support(model, lp.x, width), improving, safety_seconds)
        if x is None:
            continue
        solution = colour(problem, model, x)
        if solution is not None:
            return RelaxationPlan(
                solution, model.size, [f"relaxation plan: MIP within {width} slots of the LP"]
            )
    return RelaxationPlan(None, model.size, ["relaxation plan: no MIP solution near the LP"])


def near_support(model: IndexedModel, x: np.ndarray, width: int) -> np.ndarray:
    """Which columns lie within `width` slots of a column of the same booking, operation and
    technician class that `x` (the LP's solution) uses."""
    near: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    for i in np.flatnonzero(x[: len(model.cols)] > 1e-6).tolist():
        j, k, c, t = model.cols[i][:4]
        near[(j, k, c)].add(t)
    return np.array([any(abs(col[3] - t) <= width for t in near.get(col[:3], ())) for col in model.cols])


def _mip(
    model: IndexedModel,
    keep: np.ndarray,
    improving: int,
    safety_seconds: float,
    work: list[int] | None = None,
) -> np.ndarray | None:
    """The MIP over the kept columns (and every booking's placed share), on one thread, stopped at
    its `improving`-th improving solution; its solution, or None. `work`: its simplex iterations
    are appended there (a deterministic measure of its cost)."""
    import highspy  # HiGHS's own bindings: scipy's stop only at a time or node limit
    from highspy._core import _Highs  # the bare solver: `highspy.Highs()` prints a banner to stdout

    # Only the kept columns (and every placed share) and the rows they touch go to HiGHS: its
    # presolve would drop the others (fixed at 0) anyway, but only after holding the whole model,
    # ~3x the kept one's memory (large-300 at 10 s peaked at 650 MB in here, 230 MB before it).
    kept = np.ones(len(model.cost), dtype=bool)
    kept[: len(model.cols)] = keep
    columns = np.flatnonzero(kept)
    matrix = model.matrix.tocsc()[:, columns].tocsr()
    touched = np.diff(matrix.indptr) > 0
    if np.any((model.low[~touched] > 0) | (model.high[~touched] < 0)):
        return None  # a row left empty that 0 does not satisfy: no solution, as with every column
    rows = np.flatnonzero(touched)
    matrix = matrix[rows]
    low, high = model.low[rows], model.high[rows]
    n = len(columns)
    h = _Highs()
    for name, value in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", 0),
        ("time_limit", float(safety_seconds)),
        ("mip_max_improving_sols", int(improving)),
    ):
        h.setOptionValue(name, value)
    inf = highspy.kHighsInf
    h.addVars(n, np.asarray(model.lower, dtype=float)[columns], np.asarray(model.upper, dtype=float)[columns])
    every = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, every, np.asarray(model.cost, dtype=float)[columns])
    h.addRows(
        matrix.shape[0],
        np.where(np.isfinite(low), low, -inf),
        np.where(np.isfinite(high), high, inf),
        matrix.nnz,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
    )
    h.changeColsIntegrality(n, every, np.full(n, highspy.HighsVarType.kInteger))
    h.run()
    if work is not None:
        work.append(int(h.getInfo().simplex_iteration_count))
    solution = h.getSolution()
    if not solution.value_valid or h.getInfo().primal_solution_status != 2:  # 2: feasible
        return None
    x = np.zeros(len(model.cost))
    x[columns] = np.asarray(solution.col_value)
    return x


def _fits(busy: list[tuple[int, int]], s: int, e: int) -> bool:
    return all(b >= e or f <= s for b, f in busy)


def colour(problem: DayProblem, model: IndexedModel, x: np.ndarray) -> DaySolution | None:
    """The chosen columns in start order, each on the member of its class that ends it soonest,
    with a free bay of its class of bays, never across a break, after its predecessor; None
    where one finds no room (a solution the construction does not colour)."""
    use = {(c[0], c[1]): c for i, c in enumerate(model.cols) if x[i] > 0.5}
    tech_free, _ = free_windows(problem)
    tech_busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    bay_busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    done: dict[int, int] = {}
    placements: dict[tuple[int, int], Placement] = {}
    for j, k in sorted(use, key=lambda o: (use[o][4], o[1], o[0])):
        col, op = use[(j, k)], problem.jobs[j].operations[k]
        ready = max(col[4], done.get(j, 0))
        best: tuple[int, int, int, int] | None = None
        bays = [b for b in model.bay_members[col[8]] if b in op.bays]
        for t in model.members[col[2]]:
            d = op.durations[op.technicians.index(t)]
            for s0, s1 in tech_free[t]:
                s, found = max(s0, ready), None
                while s + d <= s1 and found is None:
                    if _fits(tech_busy[t], s, s + d):
                        free = [b for b in bays if _fits(bay_busy[b], s, s + d)]
                        if free:
                            found = (s + d, t, free[0], s)
                    s += 1
                if found is not None:
                    best = found if best is None else min(best, found)
                    break
        if best is None:
            return None
        end, t, b, s = best
        tech_busy[t].append((s, end))
        bay_busy[b].append((s, end))
        placements[(j, k)] = Placement(b, t, s, end)
        done[j] = end
    kept = {j for j, _ in placements}
    if any((j, k) not in placements for j in kept for k in range(len(problem.jobs[j].operations))):
        return None  # a booking with work left out: not a plan
    unplaced = set(range(len(problem.jobs))) - kept
    return DaySolution(placements, unplaced)


@dataclass
class NearPlan:
    """`near_plan`'s plan (None where none was found), its work (the model's size, the restricted
    LP's columns plus entries, the MIPs' simplex iterations: deterministic) and notes."""

    solution: DaySolution | None
    model_size: int = 0
    lp_size: int = 0
    iterations: int = 0
    notes: list[str] = field(default_factory=list)


def near_plan(
    problem: DayProblem,
    weight: int,
    start: DaySolution,
    support: dict[tuple[int, int], list[tuple[int, float]]],
    around: int = 3,
    widths: tuple[int, ...] = (3,),
    improving: int = 2,
    safety_seconds: float = 60.0,
) -> NearPlan:
    """`relaxation_plan` at a fraction of its price: the LP only over the columns within `around`
    slots of `start`'s starts and of `support` (the warm start's relaxation's fractional starts,
    already paid for), then the MIP near that LP's support."""
    if any(job.pinned for job in problem.jobs):
        return NearPlan(None, notes=["near plan: not with started work"])
    model = indexed_model(
        problem, weight, weighted=True, lengths_up=True, bay_classes=True, grids=(GRID,), limits=LIMITS
    )
    if model is None:
        return NearPlan(None, notes=["near plan: model too large or empty"])
    reach = around * GRID
    keep = np.zeros(len(model.cols), dtype=bool)
    for i, col in enumerate(model.cols):
        placed = start.placements.get((col[0], col[1]))
        near_start = placed is not None and abs(col[4] - placed.start) <= reach
        keep[i] = near_start or any(abs(col[4] - m) <= reach for m, _ in support.get((col[0], col[1]), ()))
    from scipy.optimize import Bounds, LinearConstraint, milp

    upper = np.array(model.upper, dtype=float)
    upper[: len(model.cols)][~keep] = 0.0
    kept = np.concatenate([keep, np.ones(len(model.cost) - len(model.cols), dtype=bool)])
    columns = np.flatnonzero(kept)
    matrix = model.matrix.tocsc()[:, columns].tocsr()
    rows = np.flatnonzero(np.diff(matrix.indptr) > 0)
    matrix = matrix[rows]
    made = NearPlan(None, model.size, len(columns) + int(matrix.nnz))
    lp = milp(
        np.asarray(model.cost)[columns],
        constraints=LinearConstraint(matrix, model.low[rows], model.high[rows]),
        integrality=np.zeros(len(columns)),
        bounds=Bounds(np.asarray(model.lower)[columns], upper[columns]),
        options={"time_limit": safety_seconds, "presolve": True},
    )
    if lp.status != 0 or lp.x is None:
        made.notes.append("near plan: no LP solution")
        return made
    x = np.zeros(len(model.cost))
    x[columns] = lp.x
    work: list[int] = []
    try:
        for width in widths:
            mip = _mip(model, near_support(model, x, width), improving, safety_seconds, work)
            if mip is None:
                continue
            solution = colour(problem, model, mip)
            if solution is not None:
                made.solution = solution
                made.notes.append(f"near plan: MIP within {width} slots of the restricted LP")
                return made
        made.notes.append("near plan: no MIP solution")
        return made
    finally:
        made.iterations = sum(work)
