"""A floor on the whole objective (issue 15 item 2; bench/RESULTS-proof15-s42.md §2): the whole-period
floor's branch and bound (`solver.bounds_period.period_floor`, unchanged) on the time-indexed
relaxation (`solver.bounds_time.indexed_model`, bays in classes) whose columns also pay the
objective's terms below lateness.

Three pieces are added to the lateness relaxation (costs in its drop-off minutes: objective units /
`weights.lateness`):

- **Bay cost.** Bays are in classes alike in free windows, in the operations they hold and in
  what each operation pays for them (`indexed_model`'s `bay_costs`), each class held to its size
  per slot (the express lane, where it alone is free of charge for an operation, a class of one:
  one operation at a time). Each start column (operation, technician class, start slot, bay
  class) pays the least cost (`OperationData.bay_costs`) among the operation's bays in that class
  (all alike): a plan's bay is in its column's class, so that column pays the plan's bay cost.
- **Overtime.** Each column pays `weights.overtime` times min over its class's technicians of
  max(0, earliest end - max(earliest start, shift end)). The objective's overtime of an operation,
  end - max(start, shift end) where positive (`objective.terms`), never decreases as the start
  moves later (before the shift end it grows minute for minute, after it it is the whole
  duration), and the technicians of a class are alike in speed: the column's earliest start gives
  at most the plan's.
- **Technician changes.** Per pair of a booking's consecutive operations k, k+1 (both with start
  columns) a variable ch in [0, 1] at `weights.technician_change`, with ch >= (k's columns in
  class c) - (k+1's columns in class c) for each technician class c. In a plan, one technician on
  both gives ch = 0 a point; technicians of two classes give ch >= 1, and the plan pays a change;
  two technicians of one class give ch >= 0 where the plan pays a change. So the plan's point
  meets every row with ch its own change count and costs at most what the plan pays (the
  relaxation may count a change short, never over).

Everything else is the period floor's own argument (its docstring): every plan placing at least the
weight asked is a point of one leaf of the branch and bound (or of the relaxation alone, without a
common break: `periods` False); each node's bound L(y) is a Lagrangian bound over every column, the
new ones included in their box; so the least open bound is at most what every such plan pays in
these terms: its lateness terms, its overtime and bay costs, its technician changes (started work's
own costs, constants, and the stability terms, both never negative, are left out: a floor still).
Those are whole multiples of the gcd of their weights and of the bay costs, so the floor is rounded
up to one, less a margin for floating point (L(y) is summed in numpy from the duals, so the
simplex's tolerances do not enter it). Deterministic: counted simplex iterations, one thread.

Cost: small-dealer 1.3x s2 (34 operations, 51,749 start columns, 6 change variables) closes at 11
nodes in 16,658 iterations, 4.8-6.1 s of CPU at a load of 2-5, on 12,493 (its plan: proven); its
lateness alone by the same search, 3.2-3.75 s (bench/RESULTS-proof15-s42.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.bounds_period import breaks, period_floor
from solver.bounds_time import IndexedModel, weighted_floor
from solver.problem import DayProblem

MOST_ITERATIONS = 20_000
"""The budget in simplex iterations (counted): small-dealer 1.3x s2 closes in 16,658."""


@dataclass
class ObjectiveFloor:
    """`bound`: the floor on the objective's lateness, overtime, bay and technician-change terms of
    every plan placing at least the weight asked (its unplaced term not included); `closed`: the
    search ended on its least node (else the budget cut it: still a floor); `iterations`: its
    cost; `roots`: the nodes it started from (`leaves_floor`: the leaves searched)."""

    bound: int
    closed: bool
    iterations: int
    roots: int = 0


def with_objective(problem: DayProblem, model: IndexedModel) -> IndexedModel:
    """`model` (built with bays in classes) with the module's three pieces: each start column's bay
    cost and overtime added to its cost, and a change variable per pair of consecutive operations
    with its rows (appended after every column of `model`)."""
    from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

    w = problem.weights
    scale = w.lateness or 1
    cols = model.cols
    shift_end = np.array(
        [max(problem.technicians[t].shift_end for t in members) for members in model.members], dtype=np.int64
    )
    bay_cost: dict[tuple[int, int, int], int] = {}
    for j, k, *_rest, b in cols:
        if (j, k, b) not in bay_cost:
            op = problem.jobs[j].operations[k]
            bay_cost[(j, k, b)] = min(
                (op.bay_costs[op.bays.index(x)] for x in model.bay_members[b] if x in op.bays), default=0
            )
    first = np.array([col[4] for col in cols], dtype=np.int64)
    end = np.array([col[5] for col in cols], dtype=np.int64)
    klass = np.array([col[2] for col in cols], dtype=np.int64)
    overtime = np.maximum(0, end - np.maximum(first, shift_end[klass]))
    bays = np.array([bay_cost[(col[0], col[1], col[8])] for col in cols], dtype=np.float64)
    cost = model.cost.copy()
    cost[: len(cols)] += (bays + w.overtime * overtime) / scale

    per: dict[tuple[int, int, int], list[int]] = {}
    for i, col in enumerate(cols):
        per.setdefault((col[0], col[1], col[2]), []).append(i)
    operations = {(j, k) for j, k, _ in per}
    pairs = sorted((j, k) for j, k in operations if (j, k + 1) in operations)
    n = len(cost)
    rows: list[int] = []
    entries: list[int] = []
    values: list[float] = []
    count = 0
    for q, (j, k) in enumerate(pairs):
        for c in range(len(model.members)):
            mine = per.get((j, k, c), [])
            if not mine:
                continue
            theirs = per.get((j, k + 1, c), [])
            rows += [count] * (1 + len(mine) + len(theirs))
            entries += [n + q, *mine, *theirs]
            values += [1.0] + [-1.0] * len(mine) + [1.0] * len(theirs)
            count += 1
    extra = coo_matrix((values, (rows, entries)), shape=(count, n + len(pairs))).tocsr()
    model.matrix = vstack(
        [hstack([model.matrix, csr_matrix((model.matrix.shape[0], len(pairs)))]), extra]
    ).tocsr()
    model.cost = np.concatenate([cost, np.full(len(pairs), w.technician_change / scale)])
    model.low = np.concatenate([model.low, np.zeros(count)])
    model.high = np.concatenate([model.high, np.full(count, math.inf)])
    model.lower = np.concatenate([model.lower, np.zeros(len(pairs))])
    model.upper = np.concatenate([model.upper, np.ones(len(pairs))])
    model.size += len(pairs) + extra.nnz
    return model


def step(problem: DayProblem) -> int:
    """The gcd of the weights and bay costs the floor's terms are made of (their sums are multiples
    of it), at least 1."""
    w = problem.weights
    costs = [c for job in problem.jobs for op in job.operations for c in op.bay_costs]
    return math.gcd(w.lateness, w.waiter_lateness, w.overtime, w.technician_change, *costs) or 1


def objective_floor(
    problem: DayProblem,
    weight: int,
    starts: dict[tuple[int, int], int] | None = None,
    paid: int | None = None,
    most_iterations: int = MOST_ITERATIONS,
    most_columns: int | None = None,
    roots: list[dict[tuple[int, int], float]] | None = None,
) -> ObjectiveFloor | None:
    """The module's floor for every plan placing at least `weight` priority (whichever bookings):
    by the period floor's branch and bound where the day has a common break, else the relaxation
    alone by its column generation. `starts`: a plan's starts (the first restricted LP); `paid`:
    that plan's cost in these terms (a cut-off: past it the search need not look); `most_columns`:
    the period floor's cap. None where the model is not built, over the cap, or its root not solved
    within `most_iterations`. `roots`: the search only from these nodes (`period_floor`'s: sides fixed
    per (booking, operation), e.g. a lateness search's `leaves` that may hold a plan cheaper than
    `paid`), a floor for the plans they hold only; None also where they hold none."""
    found = period_floor(
        problem,
        weight,
        starts,
        paid,
        most_iterations=most_iterations,
        most_columns=most_columns,
        periods=bool(breaks(problem)),
        extend=with_objective,
        roots=roots,
    )
    if found is None or not math.isfinite(found.least):
        return None
    scale = problem.weights.lateness or 1
    value = scale * found.least + weighted_floor(problem, 0.0, False)  # finished work's lateness
    unit = step(problem)
    bound = max(0, unit * math.ceil((value - 1e-6 * max(1.0, abs(value)) - 1e-3) / unit))
    return ObjectiveFloor(bound=bound, closed=found.closed, iterations=found.iterations)


def leaves_floor(
    problem: DayProblem,
    weight: int,
    leaves: tuple[tuple[float, dict[tuple[int, int], float]], ...],
    paid: int,
    starts: dict[tuple[int, int], int] | None = None,
    most_iterations: int = MOST_ITERATIONS,
    most_columns: int | None = None,
) -> ObjectiveFloor | None:
    """The module's floor for every plan placing at least `weight` priority, from the `leaves` of a
    closed lateness search for that weight (`bounds_period.period_floor`'s, best with its `slack`):
    every such plan is a point of one leaf. A leaf whose lateness bound (drop-off minutes) reaches
    `paid` (a plan's cost in these terms) holds only plans paying at least that in lateness terms
    alone (the others never negative); the rest are searched by `objective_floor` from their sides
    (its `roots`). So the least of the two is a floor, and where `paid` is a plan's own cost and the
    search reaches it, that plan is proven the cheapest. None where there is no leaf, or the search
    gives none (its root not solved within `most_iterations`)."""
    paying = [weighted_floor(problem, bound, False) for bound, _ in leaves]
    roots = [fixing for (_, fixing), least in zip(leaves, paying, strict=True) if least < paid]
    past = min((least for least in paying if least >= paid), default=None)
    if not roots:
        return None if past is None else ObjectiveFloor(bound=past, closed=True, iterations=0)
    found = objective_floor(problem, weight, starts, paid, most_iterations, most_columns, roots=roots)
    if found is None:
        return None
    bound = found.bound if past is None else min(found.bound, past)
    return ObjectiveFloor(bound=bound, closed=found.closed, iterations=found.iterations, roots=len(roots))
