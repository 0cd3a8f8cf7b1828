"""A lateness floor with each operation's period whole (issue 15 item 2; bench/RESULTS-period15-s39.md).

Where every technician is off at once (small-dealer: 12:00-12:30, between technician 0's lunch
11:30-12:30 and the others' 12:00-13:30), an operation, whole inside one working block, runs wholly
before that break or wholly after it. The time-indexed relaxation (`solver.bounds_time`, the
floor's `lean` model at the objective's weights, `GRID`-minute slots) lets an operation's start
columns straddle the break: a share before, a share after, each paying its share of lateness. Here
each operation gets, per break, a variable p = its start columns' share before the break, and p is
0 or 1 (every plan starts it once, before or after; an unplaced booking's operations start nowhere:
0). Each column's earliest start lies in the block it runs in (`bounds_time._columns`), so "before
the break" is that start before it. That model is still a relaxation of every plan placing as much
priority, so the least bound among the open nodes of any branch and bound over the p's is a floor.

The branch and bound: best-first, on the p nearest 0.5, each child by HiGHS' dual simplex from its
parent's basis. Each node's LP by column generation: the restricted LP holds every placed share and
p, the first and last start of each operation's run of columns per class and block, and the
columns within `NEAR` minutes of a plan's starts where given (else every `STRIDE`-th); the rest are
priced with numpy, c - A^T y with the row duals, and the most negative `PER_OPERATION` per operation
added, until none is negative.

Why each node's number is a floor of that node, whatever the restricted LP: for any row duals y
(each zeroed where its sign would call on an infinite row bound), L(y) = sum over rows of
min(y_r lo_r, y_r hi_r) + sum over every column of min(rc_j l_j, rc_j u_j), rc = c - A^T y, is at
most c x for every x of the node's LP (weak duality of the Lagrangian over the box of the node's
column bounds), so at most its optimum. The node's bound is L(y) computed here over all the columns
from the restricted LP's duals, never the restricted LP's value; where no column prices negative,
L(y) is the node's LP optimum (up to the solver's tolerances). So a node cut off early is still
bounded: once a whole node (every p 0 or 1) has value V, or below the plan's own lateness terms
(`paid`), a child's dual simplex stops where its objective passes that target (HiGHS'
`objective_bound`) and the child keeps L(y) where that passes it too (such a node cannot hold the
least, so its exact value is not needed). A node whose LP is infeasible holds no plan and is dropped.

Deterministic: one thread, no presolve, a budget in simplex iterations (`MOST_ITERATIONS`: counted,
not timed), the same floor for the same day every time. Past the budget the open nodes' bounds
stand (a child not solved keeps its parent's), still a floor. Costs: small-dealer 1.3x s2 (34
operations) 1,247 weighted minutes (the optimum) in ~11,000 iterations, 3-4 s of CPU at a load of 3
(bench/RESULTS-period15-s39.md).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solver.bounds_time import (
    MAX_COLUMNS,
    MAX_ENTRIES,
    IndexedModel,
    dual_simplex,
    indexed_model,
    weighted_floor,
)
from solver.problem import DayProblem

GRID = 1
"""Minutes per start slot: on small-dealer 1.3x s2 2-minute slots reach 1,229, 1-minute 1,247."""

NEAR = 5
"""Minutes either side of a plan's start whose columns are in the first restricted LP."""

STRIDE = 8
"""Without a plan: every this many columns of each run in the first restricted LP."""

PER_OPERATION = 30
"""Columns added per operation and pricing round (the most negative)."""

MOST_ITERATIONS = 12_000
"""The budget in simplex iterations: small-dealer 1.3x s2 closes in 8,936 (~3 s of CPU); 1.5x s5
would need ~76,000 (~36 s), and stops at this with a floor still above the plain relaxation's."""

MOST_COLUMNS = 44_000
"""The model's start columns (counted before it is built) above which there is no floor (None).
Fitted to small-dealer (bench/RESULTS-pcost15-s39.md): the root LP closed within the budget on
every day of up to 43,673 columns measured (2x s1), and on neither of 44,865 (2x s2) and 47,349 (2x
s5), where the pass spent ~4.5 s of CPU for nothing."""

SEARCH_LEAST = 4_000
"""The branch and bound starts only where at least this many of the budget's iterations are left
after the root (else the root's bound stands): every raise measured past the root came at least
2,185 iterations after it (small-dealer 1.5x s4; 2x s4 4,017, 1.3x s2 4,430), none with fewer
than 4,738 left (bench/RESULTS-pcost15-s39.md)."""

ZERO = 1e-9
"""Duals this small are taken as 0 (the bound stays proven: L holds for any duals)."""


Basis = tuple[list[Any], list[Any]]
"""A node's basis: HiGHS' column and row statuses."""

Node = tuple[float, int, dict[int, float], "np.ndarray | None", "Basis | None"]
"""A node of the search: its bound, its number, its fixed sides, its x and basis (None where cut off)."""


@dataclass
class PeriodFloor:
    """`weighted_bound`: the floor on the objective's lateness terms of every plan placing at least
    the weight asked (as `Relaxation.weighted_bound`); `closed`: the least open node is whole (or
    bounded past a whole node's value), so the floor is the model's optimum, not a budget cut;
    `before`: where closed on a whole node, each (booking, operation) it starts before the (first)
    break, with `after` the rest it starts; `iterations`, `lps`: its cost; `least`: the least open
    bound itself, in the model's units (drop-off minutes; with `extend`, the extended model's);
    `leaves`: where closed, every node open at the end, (its bound, its fixed sides per (booking,
    operation): 1 before the break, 0 after), which together hold every plan (`slack`)."""

    weighted_bound: int
    closed: bool
    breaks: list[int]
    before: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    after: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    iterations: int = 0
    lps: int = 0
    nodes: int = 0
    least: float = math.inf
    leaves: tuple[tuple[float, dict[tuple[int, int], float]], ...] = ()


def breaks(problem: DayProblem) -> list[int]:
    """Minutes at which no technician works, one per common break (its middle)."""
    windows = sorted(w for t in problem.technicians for w in t.windows())
    out: list[int] = []
    reach = windows[0][1] if windows else 0
    for a, b in windows[1:]:
        if a > reach:
            out.append((reach + a) // 2)
        reach = max(reach, b)
    return out


def period_floor(
    problem: DayProblem,
    weight: int,
    starts: dict[tuple[int, int], int] | None = None,
    paid: int | None = None,
    most_iterations: int = MOST_ITERATIONS,
    grid: int = GRID,
    most_columns: int | None = None,
    search_least: int | None = None,
    trace: list[tuple[int, float]] | None = None,
    periods: bool = True,
    extend: Callable[[DayProblem, IndexedModel], IndexedModel] | None = None,
    coarser: tuple[int, ...] = (),
    slack: float | None = None,
    roots: list[dict[tuple[int, int], float]] | None = None,
) -> PeriodFloor | None:
    """The floor of the module's docstring for every plan placing at least `weight` priority (None
    where the day has no common break, the model is not built, or has more than `most_columns`
    start columns, or its root is not solved within the budget). `starts`: a plan's start per
    (booking, operation), for the first restricted LP; `paid`: that plan's lateness terms (the
    objective's weights), a cut-off for the search; `most_columns`, `search_least`: instead of
    `MOST_COLUMNS`, `SEARCH_LEAST` (read at the call); `trace`, where given, gets (iterations
    spent, least open bound) after the root and after each branching. `periods` False: the
    relaxation alone, by the same column generation (no p, no break needed, no branching:
    `column_floor`). `extend`: the model built with bays in classes (alike also in their costs),
    then given further columns and rows by it (appended after the model's, each of a plan's points
    still in it at no more cost: `solver.bounds_objective`); `weighted_bound` is then no floor
    (read `least`), and a day with a common break that no operation can straddle gets the
    relaxation alone (no p), not None. `coarser`: grids tried in turn where the model at `grid` has
    more start columns than the cap (the floor and its split at the first that fits). `slack`: once
    a whole node of value V is found, the children are solved up to V + `slack` (not V), whole
    nodes are kept aside, and the search ends where every open node is whole or bounded past that:
    its `leaves` then tell which sides can hold a plan within `slack` of the floor (a whole-objective
    proof need search those only: `bounds_objective.objective_floor`'s `roots`). `roots`: instead of
    the whole model's root, the search starts from these nodes (sides fixed per (booking,
    operation); the side of an operation without a p here is left free: a larger node, still a
    floor), its least over them; no root: least inf (no plan), not None. Both on one break only."""
    import highspy
    from highspy._core import _Highs  # the bare solver: `highspy.Highs()` prints a banner
    from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

    splits = breaks(problem) if periods else []
    if periods and not splits:
        return None
    limits = (MOST_COLUMNS if most_columns is None else most_columns, 10**8)
    least_left = SEARCH_LEAST if search_least is None else search_least
    classes = True if extend is not None else None  # bays in classes where extended
    model = indexed_model(
        problem,
        weight,
        weighted=True,
        grids=(grid, *coarser),
        limits=limits,
        lean=True,
        bay_classes=classes,
        bay_costs=extend is not None,
    )
    if model is None:
        return None
    if extend is not None:
        model = extend(problem, model)
    cols = model.cols
    n = len(model.cost)
    # One p per operation and break, where its columns lie on both sides: sum(before) - p = 0.
    per_op: dict[tuple[int, int], list[int]] = {}
    for i, col in enumerate(cols):
        per_op.setdefault((col[0], col[1]), []).append(i)
    earliest = np.array([col[4] for col in cols], dtype=np.int64)
    shares: list[list[int]] = []
    share_op: list[tuple[int, int]] = []
    for key, mine in per_op.items():
        for s in splits:
            earlier = [i for i in mine if earliest[i] < s]
            if earlier and len(earlier) < len(mine):
                shares.append(earlier)
                share_op.append(key)
    m = len(shares)
    if periods and not m and extend is None:
        return None  # (extended: its own terms may still raise the relaxation alone's floor)
    if m:
        r = np.repeat(np.arange(m), [len(b) + 1 for b in shares])
        c = np.concatenate([np.array([*b, n + k], dtype=np.int64) for k, b in enumerate(shares)])
        v = np.concatenate([np.array([1.0] * len(b) + [-1.0]) for b in shares])
        extra = coo_matrix((v, (r, c)), shape=(m, n + m)).tocsr()
        matrix = vstack([hstack([model.matrix, csr_matrix((model.matrix.shape[0], m))]), extra]).tocsr()
    else:
        matrix = model.matrix.tocsr()
    by_column = matrix.T.tocsr()  # a column's entries per row of this
    low = np.concatenate([model.low, np.zeros(m)])
    high = np.concatenate([model.high, np.zeros(m)])
    lower = np.concatenate([model.lower, np.zeros(m)])
    upper = np.concatenate([model.upper, np.ones(m)])
    cost = np.concatenate([model.cost, np.zeros(m)])
    total = n + m
    p_of = np.arange(n, total)

    # The first restricted LP: every placed share and p; per run of an operation's columns (one
    # class, one block) its first and last; near the plan's starts, else every STRIDE-th.
    first = np.ones(total, dtype=bool)
    first[: len(cols)] = False
    run_start = 0
    for i in range(1, len(cols) + 1):
        if i == len(cols) or cols[i][:3] != cols[i - 1][:3] or cols[i][3] != cols[i - 1][3] + 1:
            first[run_start] = first[i - 1] = True
            if starts is None:
                first[run_start:i:STRIDE] = True
            run_start = i
    if starts is not None:
        planned = np.array([starts.get((col[0], col[1]), -(10**9)) for col in cols], dtype=np.int64)
        first[: len(cols)] |= np.abs(earliest - planned) <= NEAR
    op_key = np.concatenate(
        [np.array([col[0] * 1000 + col[1] for col in cols]), -1 - np.arange(total - len(cols))]
    )

    inf = highspy.kHighsInf
    h = _Highs()
    for name, setting in (("output_flag", False), ("threads", 1), ("presolve", "off"), ("solver", "simplex")):
        h.setOptionValue(name, setting)
    rows = matrix.shape[0]
    h.addRows(
        rows,
        np.where(np.isfinite(low), low, -inf),
        np.where(np.isfinite(high), high, inf),
        0,
        np.zeros(rows, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    inside = np.zeros(total, dtype=bool)
    lp_of = np.full(total, -1, dtype=np.int64)
    members: list[int] = []

    def add(columns: np.ndarray) -> None:
        entries = by_column[columns]
        h.addCols(
            len(columns),
            cost[columns],
            lower[columns],
            upper[columns],
            entries.nnz,
            entries.indptr[:-1].astype(np.int32),
            entries.indices.astype(np.int32),
            entries.data.astype(float),
        )
        lp_of[columns] = np.arange(len(members), len(members) + len(columns))
        members.extend(columns.tolist())
        inside[columns] = True

    add(np.flatnonzero(first))
    low_finite = np.isfinite(low)
    high_finite = np.isfinite(high)

    def lagrangian(duals: np.ndarray, lo_col: np.ndarray, hi_col: np.ndarray) -> tuple[float, np.ndarray]:
        """L(y) over every column (the module's docstring) and the reduced costs."""
        y = np.where(np.abs(duals) <= ZERO, 0.0, duals)
        y = np.where((y > 0) & ~low_finite, 0.0, y)
        y = np.where((y < 0) & ~high_finite, 0.0, y)
        reduced = cost - by_column @ y
        row_part = np.where(y > 0, y * np.where(low_finite, low, 0.0), y * np.where(high_finite, high, 0.0))
        col_part = np.minimum(reduced * lo_col, reduced * hi_col)
        return float(row_part.sum() + col_part.sum()), reduced

    spent: dict[str, int] = {"iterations": 0, "lps": 0}

    def solve(fixed: dict[int, float], target: float) -> tuple[float, np.ndarray | None, Basis | None] | None:
        """The node's bound, its x (None where cut off at `target`) and basis; None where the
        budget ran out; (inf, None, None) where infeasible."""
        lo_col, hi_col = lower.copy(), upper.copy()
        for i in p_of.tolist():
            value = fixed.get(i)
            lo_col[i] = 0.0 if value is None else value
            hi_col[i] = 1.0 if value is None else value
            h.changeColBounds(int(lp_of[i]), float(lo_col[i]), float(hi_col[i]))
        bound = target
        while True:
            h.setOptionValue("objective_bound", float(bound) if math.isfinite(bound) else inf)
            h.setOptionValue("simplex_iteration_limit", max(1, most_iterations - spent["iterations"]))
            h.run()
            spent["lps"] += 1
            spent["iterations"] += int(h.getInfo().simplex_iteration_count)
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                rest = np.flatnonzero(~inside)
                if not len(rest):
                    return math.inf, None, None
                add(rest)  # the restricted LP lacks columns: all of them (rare)
                continue
            if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kObjectiveBound):
                return None
            solution = h.getSolution()
            value, reduced = lagrangian(np.array(solution.row_dual), lo_col, hi_col)
            if value >= target:
                return value, None, None  # past the target: its exact value is not needed
            priced = np.flatnonzero((reduced < -1e-7) & ~inside)
            if not len(priced):
                if status == highspy.HighsModelStatus.kObjectiveBound:
                    bound = math.inf  # stopped, yet the bound is short of the target: solve on
                    continue
                x = np.zeros(total)
                x[members] = np.array(solution.col_value)
                basis = h.getBasis()
                return value, x, (list(basis.col_status), list(basis.row_status))
            order = priced[np.lexsort((reduced[priced], op_key[priced]))]
            keys = op_key[order]
            rank = np.arange(len(order)) - np.searchsorted(keys, keys, side="left")
            add(order[rank < PER_OPERATION])

    scale = problem.weights.lateness or 1
    cutoff = math.inf if paid is None else (paid - weighted_floor(problem, 0.0, False)) / scale
    p_at = {share_op[q]: int(i) for q, i in enumerate(p_of.tolist())} if len(splits) == 1 else {}
    op_at = {i: key for key, i in p_at.items()}
    heap: list[Node] = []
    made = 0
    for fixing in [{}] if roots is None else roots:
        fixed_p = {p_at[key]: side for key, side in fixing.items() if key in p_at}
        found_root = solve(fixed_p, cutoff)
        if found_root is None:
            return None
        if found_root[0] < math.inf:
            heap.append((found_root[0], made, fixed_p, found_root[1], found_root[2]))
        made += 1
    heapq.heapify(heap)
    if trace is not None and heap:
        trace.append((spent["iterations"], heap[0][0]))
    if roots is None and not heap:
        return None
    closed = False
    whole: tuple[float, np.ndarray] | None = None
    nodes = len(heap)
    aside: list[Node] = []  # `slack`: whole nodes, kept out of the search
    out_of_budget = False

    def is_whole(x: np.ndarray) -> bool:
        return not any(1e-6 < x[i] < 1 - 1e-6 for i in p_of.tolist())

    for value, _, _, x, _ in heap:
        if x is not None and is_whole(x) and (whole is None or value < whole[0]):
            whole = (value, x)
    while heap:
        value, seq, fixed, x, basis = heapq.heappop(heap)
        if slack is not None and x is not None and is_whole(x):
            aside.append((value, seq, fixed, x, basis))
            continue
        if x is None or is_whole(x):  # cut off past a whole node's value, or whole: the least
            heapq.heappush(heap, (value, seq, fixed, x, basis))
            closed = True
            break
        if nodes == 1 and most_iterations - spent["iterations"] < least_left:
            heapq.heappush(heap, (value, seq, fixed, x, basis))
            break  # too little left to branch: the root's bound stands
        _, branch = min((abs(float(x[i]) - 0.5), i) for i in p_of.tolist() if 1e-6 < x[i] < 1 - 1e-6)
        out_of_budget = False
        for side in (0.0, 1.0):
            child = {**fixed, branch: side}
            if out_of_budget:
                heapq.heappush(heap, (value, made, child, x, basis))  # unsolved: its parent's bound
                made += 1
                continue
            assert basis is not None
            status = [*basis[0], *[highspy.HighsBasisStatus.kLower] * (len(members) - len(basis[0]))]
            start = highspy.HighsBasis()
            start.col_status = status
            start.row_status = basis[1]
            start.valid = True
            h.setBasis(start)
            target = min(cutoff, whole[0] + (slack or 0.0) if whole is not None else math.inf)
            found = solve(child, target)
            nodes += 1
            if found is None:
                out_of_budget = True
                heapq.heappush(heap, (value, made, child, x, basis))
            elif found[0] < math.inf:
                heapq.heappush(heap, (found[0], made, child, found[1], found[2]))
                if found[1] is not None and is_whole(found[1]) and (whole is None or found[0] < whole[0]):
                    whole = (found[0], found[1])
            made += 1
        if trace is not None:
            trace.append((spent["iterations"], min((node[0] for node in heap), default=math.inf)))
        if out_of_budget:
            break
    if slack is not None and not heap and not out_of_budget:
        closed = True  # every node whole (kept aside), or none left
    heap += aside
    least = min((node[0] for node in heap), default=math.inf)
    if not math.isfinite(least) and roots is None:
        return None
    before: set[tuple[int, int]] = set()
    after: set[tuple[int, int]] = set()
    if closed and splits and whole is not None and whole[0] <= least + 1e-6:
        for i in np.flatnonzero(whole[1][: len(cols)] > 1e-6).tolist():
            (before if earliest[i] < splits[0] else after).add((cols[i][0], cols[i][1]))
    return PeriodFloor(
        weighted_bound=weighted_floor(problem, least, False),
        closed=closed,
        breaks=splits,
        before=frozenset(before),
        after=frozenset(after),
        iterations=spent["iterations"],
        lps=spent["lps"],
        nodes=nodes,
        least=least,
        leaves=tuple((node[0], {op_at[i]: side for i, side in node[2].items()}) for node in heap)
        if closed and p_at
        else (),
    )


def column_floor(
    problem: DayProblem,
    weight: int,
    grid: int,
    starts: dict[tuple[int, int], int] | None = None,
    paid: int | None = None,
    most_iterations: int = MOST_ITERATIONS,
    most_columns: int | None = None,
    generate: bool = True,
) -> int | None:
    """The time-indexed relaxation's floor (`solver.bounds_time`, the floor's `lean` model at the
    objective's weights, uniform `grid`-minute slots) on the objective's lateness terms of every
    plan placing at least `weight` priority. A model within the floor's own limits
    (`bounds_time.MAX_COLUMNS`, `MAX_ENTRIES`: small days) is solved whole by the floor's dual
    simplex, as the floor is; a larger one, up to `most_columns` start columns (default
    `MOST_COLUMNS`), by this module's column generation: the restricted LP from `starts` (a
    plan's), the rest priced, the bound L(y) over every column (the module's docstring: a floor
    whatever the restricted LP), within `most_iterations` simplex iterations. No common break
    needed, no branching. None where the model is not built (too large) or the LP is not solved
    (counted effort: the same floor for the same day and plan every time). `paid`: the plan's
    lateness terms, where column generation may stop once past them (no floor can read more than
    a plan). `generate` False: only a model within the floor's limits (else None). Column
    generation is the cheaper on large models: dealer-2011 1.3x s4 at 5-minute
    slots (48,904 columns, 1.75 M entries) 2.0 s of CPU against 4.6 s by the dual simplex over
    every column, the same 1,526 weighted minutes; on small-dealer 2x days (2-minute slots) it was
    the dearer, ~1-2 s against 0.4-1.0 s (bench/RESULTS-s4gap15-s40.md)."""
    whole = indexed_model(
        problem, weight, weighted=True, grids=(grid,), limits=(MAX_COLUMNS, MAX_ENTRIES), lean=True
    )
    if whole is not None:
        result = dual_simplex(whole)
        if result.status != 0 or result.fun is None or not math.isfinite(result.fun):
            return None  # no such plan in the relaxation, or not solved: claim nothing
        return weighted_floor(problem, float(result.fun), False)
    if not generate:
        return None
    found = period_floor(
        problem,
        weight,
        starts,
        paid,
        most_iterations=most_iterations,
        grid=grid,
        most_columns=most_columns,
        periods=False,
    )
    return None if found is None else found.weighted_bound
