"""A lateness floor from a time-indexed linear relaxation of the day (starts per slot and class).

Variables x[o, c, t]: operation o starts in slot t (at some minute of [a_t, a_t+1)) on
a technician of class c (technicians alike in free blocks and in speed on every operation; a class
of n runs n operations at once). Whole inside one block, after its readiness. For every plan the
true starts give 0/1 values satisfying:

- every operation of a placed booking starts once; the priority placed is at least the plan's;
- per class and slot: an operation whose start slot is t and which may start at `first` at the
  earliest occupies slots t .. σ(first + d) − 1, σ(m) being the slot holding minute m (slots
  [a_t, a_t+1), of any widths): moved back to its slot's first minute, it holds the slots it
  covers whole up to its earliest end. Work done one after the other on a technician or bay stays
  one after the other: s2 ≥ s1 + d1 gives σ(s2) ≥ σ(s1 + d1) ≥ σ(first1 + d1) (σ is monotone).
  At most the class's size at once; the same per bay set and its bays (a bay's free window
  [a, b) holding slots σ(a) .. σ(b) − 1), or per class of bays alike (BAY_CLASSES);
- energy per class and working block: the minutes of the class's operations in the block (each
  whole in one block) are at most the class's minutes there;
- order: operation k+1 starts (at most a_t+1 − 1) after operation k ends (at least its earliest
  end from its slot); and, threshold by threshold (`CHAINS`), no more of operation k+1 has
  started before a minute T than of operation k has ended before it: a plan's column for k+1
  whose latest start L is before T starts at s ≤ L < T, after k's true end, which is at least
  its column's earliest end E, so E < T too.

Each booking's minutes late are at least those of its last operation's earliest end from its slot,
so the optimum of the linear relaxation (HiGHS, deterministic) bounds the lateness of every plan
placing that much priority. Nothing above asks the slots to be alike: the floor's are finer before
the day's busiest promise (`REFINE`), and the argument holds for that slot map as for any monotone
one. Leaving rows out (`NESTED`) only lowers the optimum: still a floor. Unlike the energy and
assignment bounds it sees a technician busy with one booking when the next waiter arrives, and the
queue that makes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from solver.blocks import earliest_ends, fit, free_windows

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult
    from scipy.sparse import csr_matrix
from solver.problem import DayProblem

GRIDS = (2, 5, 10)
"""Minutes per start slot (away from block ends), finest first: the first whose model is within
MAX_COLUMNS columns and MAX_ENTRIES capacity entries (a finer grid is tighter: small-dealer 1.3x
seed 5 gave 131 at 2 minutes, 120 at 5, 142 at 1 on main; the plan is 156)."""

FINE = 2
"""Minutes per start slot in the FINE_BEFORE minutes before each technician block's end (where
the grid is coarser). Off (FINE_BEFORE = 0): 2-minute slots in the hour before every block end
moved no dealer-2011 1.3x floor (seeds 1-5) at 3-6x the CPU (bench/RESULTS-floor-s9.md)."""

FINE_BEFORE = 0

CHAINS = True
"""The order within a booking also threshold by threshold (the module's docstring): the row
weighing starts by their minutes holds only on average, so the optimum ran a booking's first
operation partly after its second (dealer-2011 1.3x s4: a drop-off's first job 62 % at 15:20, its
second at 14:10). Plain floors at 10 s: dealer-2011 1.3x s4 462 -> 477, s5 240 -> 243; small-dealer
1.3x s2 315 -> 357, s5 140 -> 145; none lower; ~0.1-1.3 s more CPU (s4 the most). At 5-minute
slots s4's reads 586 (480 without), too large for a 10 s request (bench/RESULTS-gapcum15-s31.md).
Not with `lengths_up` (the relaxation's own plan keeps its model)."""

REFINE = 5
REFINE_BEFORE = 60
"""The floor's slots are REFINE minutes wide in the REFINE_BEFORE minutes before the day's busiest
promise (the pickup minute most bookings share) where the grid is coarser, if that model is within
the limits (else the uniform grid): there a rush of bookings due at once is on time in the LP only
by counting each operation in whole slots (its start moved back to its slot's first minute, the
rest of its last slot unheld). dealer-2011 1.3x s4 (37 bookings due 15:30), 10-minute grid: 477 ->
499 for 0.70 M columns and entries (with `NESTED`; 0.77 M before) and about the same CPU
(`dual_simplex`); 120 minutes before gave 517 for 0.91 M but +1.3 s, 5-minute slots all day 576
for 1.75 M (bench/RESULTS-gapgrid15-s32.md). A refinement of the uniform grid (its slot starts and
more), so its LP is never weaker. 0: off."""

NESTED = 0.1
"""The floor leaves out the slot rows of a bay set whose operations are all but this share (by
their entries) those of a smaller bay set's: near-duplicates of that set's rows (dealer-2011 1.3x:
bays 0-19 take 145 operations; 0-20 and 0-21 add 7 and 2, 4-20 adds 2 to 4-19's 85). Fewer rows
only lower an LP's minimum, so the floor stays proven; s4's at 10-minute slots stays 477 with
0.49 M instead of 0.77 M columns and entries (bench/RESULTS-gapgrid15-s32.md). 0: every set's
rows. Not with `lengths_up` (the relaxation's own plan keeps its model), nor for the warm start's
relaxation (`lean=False`: its alpha-point orders, and so the plans, as before)."""

BAY_CLASSES = False
"""Each start also chooses a class of bays alike (in free windows and in the operations they can
hold), as it chooses a class of technicians; False: slot rows per operations' bay set only."""

MAX_COLUMNS = 40_000
MAX_ENTRIES = 450_000
"""The largest model built (its linear relaxation's CPU time grows with both): about 1-2 s on a
small-dealer day (2-minute slots, ~16,000 columns, ~400,000 entries) and on a dealer-2011 day
(10-minute slots, ~25,000 columns, ~115,000 entries); the 1,000-booking day is skipped."""


@dataclass
class Relaxation:
    """The time-indexed linear relaxation's optimum for plans placing at least `weight` priority.

    `bound`: its proven floor on minutes late (0 where not built or not solved). `starts`: per
    (booking, operation), the fractional starts of the optimum as (earliest minute of the slot,
    share), earliest first; `placed`: per booking, the share of it placed (the y of the model).
    `size`: the model's columns plus matrix entries, the deterministic measure of its cost."""

    weight: int
    waiters_only: bool
    weighted: bool = False
    """Waiters' minutes weighed as the objective does: no floor then (`bound` 0)."""
    bound: int = 0
    weighted_bound: int = 0
    """Weighted: its proven floor on the objective's lateness terms (`weights.lateness` per drop-off
    minute late plus `weights.waiter_lateness` per waiter's), 0 where not weighted or not solved."""
    starts: dict[tuple[int, int], list[tuple[int, float]]] = field(default_factory=dict)
    placed: dict[int, float] = field(default_factory=dict)
    size: int = 0


def time_indexed_bound(problem: DayProblem, weight: int, waiters_only: bool = False) -> int:
    """Fewest minutes late of any plan placing at least `weight` priority (0 where not built)."""
    return time_indexed_relaxation(problem, weight, waiters_only).bound


def time_indexed_relaxation(
    problem: DayProblem,
    weight: int,
    waiters_only: bool = False,
    weighted: bool = False,
    chains: bool | None = None,
    lean: bool = True,
    refine_before: int | None = None,
) -> Relaxation:
    """The relaxation behind `time_indexed_bound`, with its fractional starts (see `Relaxation`).

    `weighted`: a waiter's minutes cost as the objective weighs them (`ObjectiveWeights`); its
    optimum is then no floor on plain minutes, and `bound` stays 0. `chains`: see `indexed_model`;
    `lean`: the floor's model (`indexed_model`) and solver (`dual_simplex`); False for the warm
    start's relaxation (its orders, and so the plans, as before); `refine_before`: see
    `indexed_model`."""
    relaxation = Relaxation(weight=weight, waiters_only=waiters_only, weighted=weighted)
    model = indexed_model(
        problem, weight, waiters_only, weighted, chains=chains, lean=lean, refine_before=refine_before
    )
    if model is None:
        return relaxation
    from scipy.optimize import Bounds, LinearConstraint, milp  # ~0.4 s to import: when first needed

    cols, jobs, y_of, n = model.cols, model.jobs, model.y_of, len(model.cost)
    # The linear relaxation only (branching proves more but costs seconds per node on these sizes).
    result = (
        dual_simplex(model)
        if lean
        else milp(
            model.cost,
            constraints=LinearConstraint(model.matrix, model.low, model.high),
            integrality=np.zeros(n),
            bounds=Bounds(model.lower, model.upper),
            options={"time_limit": 60.0, "presolve": True},  # a safety net only
        )
    )
    relaxation.size = model.size
    if result.status != 0 or result.fun is None or not math.isfinite(result.fun) or result.x is None:
        return relaxation  # no such plan in the relaxation, or not solved: claim nothing
    bound = float(result.fun)
    # Lateness is whole minutes; the margin absorbs the solver's tolerances.
    relaxation.bound = (
        0
        if weighted
        else max(0, math.ceil(float(bound) + model.fixed - 1e-6 * max(1.0, abs(float(bound))) - 1e-3))
    )
    if weighted:
        relaxation.weighted_bound = weighted_floor(problem, bound, waiters_only)
    x = result.x
    for i in np.flatnonzero(x[: len(cols)] > 1e-6).tolist():
        j, k, _, _, first_minute, *_rest = cols[i]
        relaxation.starts.setdefault((j, k), []).append((first_minute, float(x[i])))
    for shares in relaxation.starts.values():
        shares.sort()
    relaxation.placed = {j: float(x[y_of[j]]) for j in jobs}
    return relaxation


def dual_simplex(model: IndexedModel) -> OptimizeResult:
    """The floor's LP by HiGHS' dual simplex without presolve (`linprog`; deterministic): 25-30 %
    less CPU than through `milp` on dealer-2011 1.3x s4 (2.1 against 3.0 s, the refined model;
    bench/RESULTS-gapgrid15-s32.md). The warm start's relaxation keeps `milp`: a different path may
    reach a different optimal vertex, and its alpha-point orders with it."""
    from scipy.optimize import linprog
    from scipy.sparse import vstack

    equal = model.low == model.high
    above = np.isfinite(model.high) & ~equal
    below = np.isfinite(model.low) & ~equal
    some_equal = bool(equal.any())
    some_unequal = bool(above.any() or below.any())
    return linprog(
        model.cost,
        A_ub=vstack([model.matrix[above], -model.matrix[below]]).tocsr() if some_unequal else None,
        b_ub=np.concatenate([model.high[above], -model.low[below]]) if some_unequal else None,
        A_eq=model.matrix[equal] if some_equal else None,
        b_eq=model.low[equal] if some_equal else None,
        bounds=np.stack([model.lower, model.upper], axis=1),
        method="highs-ds",
        options={"time_limit": 60.0, "presolve": False},  # a safety net only
    )


def weighted_floor(problem: DayProblem, optimum: float, waiters_only: bool) -> int:
    """The weighted relaxation's `optimum` (in drop-off minutes: `indexed_model`'s costs) as a floor
    on the objective's lateness terms, with finished work's lateness at its own weight (`fixed`
    counts it plain). Every plan's terms are a multiple of gcd(weights): rounded up to one, less a
    margin for the solver's tolerances."""
    w = problem.weights
    scale = w.lateness or 1
    fixed = 0
    for job in problem.jobs:
        last = job.operations[-1] if job.operations else None
        if last is None or last.pin is None or job.due is None or not (job.waiter or not waiters_only):
            continue
        fixed += (w.waiter_lateness if job.waiter else w.lateness) * max(0, last.pin.end - job.due)
    value = scale * optimum + fixed
    step = math.gcd(w.lateness, w.waiter_lateness) or 1
    return max(0, step * math.ceil((value - 1e-6 * max(1.0, abs(value)) - 1e-3 * scale) / step))


@dataclass
class IndexedModel:
    """The time-indexed model as matrices: columns `cols` (then one placed-share per booking in
    `jobs`, at `y_of`), `cost`, rows `low` <= `matrix` x <= `high`, bounds `lower`..`upper`;
    `members` the technician classes, `bay_members` the bay classes (`Column`'s last field) where
    built with them; `fixed` the minutes late of work already finished; `size` its columns plus
    entries."""

    cols: list[Column]
    members: list[list[int]]
    bay_members: list[list[int]]
    jobs: list[int]
    y_of: dict[int, int]
    cost: np.ndarray
    matrix: csr_matrix
    low: np.ndarray
    high: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    fixed: float
    size: int


def indexed_model(
    problem: DayProblem,
    weight: int,
    waiters_only: bool = False,
    weighted: bool = False,
    *,
    lengths_up: bool = False,
    bay_classes: bool | None = None,
    grids: tuple[int, ...] | None = None,
    limits: tuple[int, int] | None = None,
    chains: bool | None = None,
    lean: bool = False,
    refine_before: int | None = None,
    bay_costs: bool = False,
) -> IndexedModel | None:
    """The model behind `time_indexed_relaxation` (None where too large at every grid or empty).

    `lengths_up` (not a floor: a construction): each operation holds every slot its minutes touch
    from its slot's first minute, so per class no more run at any minute than it has members and an
    integral solution colours onto the members (`solver.relaxation_plan`); `bay_classes`: bays in
    classes (default `BAY_CLASSES`); `grids`, `limits`: instead of `GRIDS` and (`MAX_COLUMNS`,
    `MAX_ENTRIES`); `chains`: the order rows threshold by threshold (default `CHAINS`; never with
    `lengths_up`); `lean`: the floor's model (`REFINE`, `NESTED`; never with `lengths_up`);
    `refine_before`: with `lean`, REFINE-minute slots in this many minutes before the busiest
    promise instead of `REFINE_BEFORE`; where that model is too large at a grid, None for that grid
    (not the uniform grid: a wider window is asked for to beat the usual one's LP, which the
    uniform grid never does); `bay_costs`: with `bay_classes`, bays alike also in what each
    operation pays for them (`OperationData.bay_costs`: `solver.bounds_objective`)."""
    with_bay_classes = BAY_CLASSES if bay_classes is None else bay_classes
    with_chains = (CHAINS if chains is None else chains) and not lengths_up
    weights = problem.weights
    ends = earliest_ends(problem)
    tech_free, bay_free = free_windows(problem)
    fixed = 0.0
    ready: dict[tuple[int, int], float] = {}
    for j, job in enumerate(problem.jobs):
        last = job.operations[-1] if job.operations else None
        counted = job.due is not None and (job.waiter or not waiters_only)
        if last is not None and last.pin is not None and job.due is not None and counted:
            fixed += max(0, last.pin.end - job.due)  # its end is a fact
        if not job.pinned and not math.isfinite(ends[j]):
            continue  # cannot fit alone: no plan places it
        at: float = job.release
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                at = max(at, op.pin.end)
                continue
            if not math.isfinite(at):
                break  # started work whose rest fits nowhere: left out, the floor only gets lower
            at = max(at, op.release)
            ready[(j, k)] = at
            at = min(
                (fit(tech_free[t], at, d) for t, d in zip(op.technicians, op.durations, strict=True)),
                default=math.inf,
            )
    # Classes: technicians alike in free blocks and in speed on every operation.
    signature: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for j, k in ready:
        op = problem.jobs[j].operations[k]
        for t, d in zip(op.technicians, op.durations, strict=True):
            signature[t].append((j, k, d))
    alike: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for t in sorted(signature):
        alike[(tuple(tech_free[t]), tuple(signature[t]))].append(t)
    members = list(alike.values())
    of_tech = {t: c for c, ts in enumerate(members) for t in ts}
    # Classes of bays alike in free windows and in the operations they can hold.
    holds: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for j, k in sorted(ready):
        op = problem.jobs[j].operations[k]
        for b, price in zip(op.bays, op.bay_costs, strict=True):
            holds[b].append((j, k, price if bay_costs else 0))
    bay_alike: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for b in sorted(holds):
        bay_alike[(tuple(bay_free[b]), tuple(holds[b]))].append(b)
    bay_members = list(bay_alike.values()) if with_bay_classes else []
    of_bay = {b: c for c, bs in enumerate(bay_members) for b in bs}
    op_bay_classes = {
        (j, k): sorted({of_bay[b] for b in problem.jobs[j].operations[k].bays}) if with_bay_classes else [-1]
        for j, k in ready
    }

    rush = _busiest_promise(problem, ready, tech_free) if lean and REFINE and not lengths_up else None
    before = REFINE_BEFORE if refine_before is None else refine_before
    for grid in grids or GRIDS:
        window = (rush - before, rush) if rush is not None and grid > REFINE else None
        edges = _slot_starts(tech_free, problem.horizon, grid, window)
        cols = _columns(problem, ready, members, of_tech, tech_free, edges, op_bay_classes, limits)
        if cols is None and window is not None and refine_before is None:  # too large refined: uniform
            edges = _slot_starts(tech_free, problem.horizon, grid)
            cols = _columns(problem, ready, members, of_tech, tech_free, edges, op_bay_classes, limits)
        if cols is not None:
            break
    else:
        return None  # too large at every grid
    if not cols:
        return None
    jobs = sorted({j for j, _ in ready})
    y_of = {j: len(cols) + i for i, j in enumerate(jobs)}
    n = len(cols) + len(jobs)
    cost = np.zeros(n)
    # Weighted: in drop-off minutes; a request may weigh those at 0 (any positive scale then).
    scale = weights.lateness or 1
    for i, (j, k, _, _, _, end, *_rest) in enumerate(cols):
        job = problem.jobs[j]
        if k == len(job.operations) - 1 and job.due is not None and (job.waiter or not waiters_only):
            cost[i] = max(0, end - job.due)
            if weighted:
                cost[i] *= (weights.waiter_lateness if job.waiter else weights.lateness) / scale

    # The matrix's entries in order: rows added one by one (`row`) as Python lists, moved into
    # `chunks` as arrays before each numpy-built block (`capacity`) is added as arrays, so the
    # ~600,000 entries of a dealer-2011 day never go through Python lists (then `coo_matrix`'s
    # checks and copies) in bulk.
    rows: list[int] = []
    idx: list[int] = []
    val: list[float] = []
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    low: list[float] = []
    high: list[float] = []

    def flush() -> None:
        if rows:
            chunks.append(
                (
                    np.array(rows, dtype=np.int64),
                    np.array(idx, dtype=np.int64),
                    np.array(val, dtype=np.float64),
                )
            )
            rows.clear()
            idx.clear()
            val.clear()

    def row(terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(low)
        for col, v in terms:
            rows.append(r)
            idx.append(col)
            val.append(v)
        low.append(lo)
        high.append(hi)

    # Each operation of a placed booking starts once.
    starts: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (j, k, *_rest) in enumerate(cols):
        starts[(j, k)].append(i)
    lower = np.zeros(n)
    upper = np.ones(n)
    for j in jobs:
        if problem.jobs[j].pinned:
            lower[y_of[j]] = 1.0
        if any((j, k) not in starts for (jj, k) in ready if jj == j):
            upper[y_of[j]] = 0.0  # an operation with nowhere to go
    for (j, _), columns in starts.items():
        row([(i, 1.0) for i in columns] + [(y_of[j], -1.0)], 0.0, 0.0)
    pinned_weight = sum(job.priority for job in problem.jobs if job.pinned)
    row([(y_of[j], float(problem.jobs[j].priority)) for j in jobs if not problem.jobs[j].pinned],
        float(weight - pinned_weight), math.inf)  # fmt: skip

    # Capacity per class and per bay set, slot by slot, each start moved back to its slot and each
    # length cut to whole slots (see the module's docstring): one entry per (column, slot it
    # occupies), built with numpy (the model's largest part). Counting only the slots surely run
    # through lost a slot per operation, and with it the queue on dealer-2011 and small-dealer days.
    first = np.array([c[3] for c in cols], dtype=np.int64)
    if lengths_up:  # every slot its minutes touch (a construction, not a floor)
        count = _slot_of(edges, np.array([c[5] - 1 for c in cols], dtype=np.int64)) + 1 - first
    else:
        count = _slot_of(edges, np.array([c[5] for c in cols], dtype=np.int64)) - first
    col_of = np.repeat(np.arange(len(cols)), count)
    slot_of = (
        np.repeat(first, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    )
    span = int(slot_of.max(initial=0)) + 1

    def capacity(entries: np.ndarray, keys: np.ndarray, most: dict[int, int]) -> None:
        """A row per key holding more entries than `most[key]` allows."""
        unique, inverse, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        limits = np.array([most[int(key)] for key in unique], dtype=np.float64)
        binding = sizes > limits
        new_row = np.full(len(unique), -1, dtype=np.int64)
        new_row[binding] = len(low) + np.arange(int(binding.sum()))
        keep = binding[inverse]
        flush()
        chunks.append(
            (
                new_row[inverse[keep]].astype(np.int64),
                entries[keep].astype(np.int64),
                np.ones(int(keep.sum())),
            )
        )
        low.extend([-math.inf] * int(binding.sum()))
        high.extend(limits[binding].tolist())

    classes = np.array([c[2] for c in cols], dtype=np.int64)
    class_keys = classes[col_of] * span + slot_of
    capacity(col_of, class_keys, {int(k): len(members[int(k) // span]) for k in np.unique(class_keys)})
    if with_bay_classes:
        # Bays alike: at most the class's bays free in the slot (none outside their windows).
        bay_of = np.array([c[8] for c in cols], dtype=np.int64)
        bay_keys = bay_of[col_of] * span + slot_of
        most: dict[int, int] = {}
        for key in np.unique(bay_keys):
            alike_bays = bay_members[int(key) // span]
            u = int(key) % span
            held = [
                (_slot_of(edges, np.array(a)), _slot_of(edges, np.array(e)))
                for a, e in bay_free[alike_bays[0]]
            ]
            most[int(key)] = len(alike_bays) if any(a <= u < e for a, e in held) else 0
        capacity(col_of, bay_keys, most)
    op_bays = {(j, k): frozenset(problem.jobs[j].operations[k].bays) for j, k in ready}
    if not with_bay_classes:
        # Each entry's operation (its index in `op_bays`): whether its bays are in a group is asked
        # once per operation, not once per column (an operation has ~100 columns).
        op_index = {key: i for i, key in enumerate(op_bays)}
        entry_op = np.array([op_index[(c[0], c[1])] for c in cols], dtype=np.int64)[col_of]
        held_by_op = np.bincount(entry_op, minlength=len(op_bays))
        groups = {*op_bays.values()}
        for group in groups:
            inside = np.array([bays <= group for bays in op_bays.values()], dtype=bool)[entry_op]
            if lean and NESTED > 0 and not lengths_up and _near_duplicate(group, groups, op_bays, held_by_op):
                continue
            slots_here = slot_of[inside]
            slots_free = [
                [
                    (int(_slot_of(edges, np.array(a))), int(_slot_of(edges, np.array(e))))
                    for a, e in bay_free[b]
                ]
                for b in group
            ]
            free = {
                int(u): sum(1 for w in slots_free if any(a <= u < e for a, e in w))
                for u in np.unique(slots_here)
            }
            capacity(col_of[inside], slots_here, free)

    # Energy per class and working block: the minutes its operations work there (each whole in
    # one block) are at most the class's minutes. The slot rows above drop up to a slot's worth per
    # operation (a 32-minute job fills three 10-minute slots), so over a morning of short jobs they
    # let more work in before lunch than fits. (Windows from a block's start or to its end every 30
    # minutes added 2-5 minutes on small-dealer 1.3x and none on dealer-2011, for ~50 % more CPU.)
    sizes = np.array([c[5] - c[4] for c in cols], dtype=np.int64)
    block_of = np.array([c[4] for c in cols], dtype=np.int64)
    for c, ts in enumerate(members):
        mine = np.flatnonzero(classes == c)
        for s0, s1 in tech_free[ts[0]]:
            here = mine[(block_of[mine] >= s0) & (block_of[mine] < s1)]
            if sizes[here].sum() > len(ts) * (s1 - s0):  # else it cannot bind
                row([(int(i), float(sizes[i])) for i in here], -math.inf, float(len(ts) * (s1 - s0)))

    # Order within a booking: k+1 starts by the end of its slot, after k's earliest end.
    for (j, k), columns in starts.items():
        after = starts.get((j, k + 1))
        if after is None:
            continue
        terms = [(i, float(cols[i][6])) for i in after] + [(i, -float(cols[i][5])) for i in columns]
        row(terms, 0.0, math.inf)
        if with_chains:
            chain_r, chain_c, chain_v = _chain_rows(cols, columns, after)
            if len(chain_r):
                flush()
                chunks.append((len(low) + chain_r, chain_c, chain_v))
                chained = int(chain_r[-1]) + 1
                low.extend([-math.inf] * chained)
                high.extend([0.0] * chained)

    from scipy.sparse import coo_matrix

    flush()
    entry_rows = np.concatenate([chunk[0] for chunk in chunks]) if chunks else np.zeros(0, dtype=np.int64)
    entry_cols = np.concatenate([chunk[1] for chunk in chunks]) if chunks else np.zeros(0, dtype=np.int64)
    entry_values = np.concatenate([chunk[2] for chunk in chunks]) if chunks else np.zeros(0)
    matrix = coo_matrix((entry_values, (entry_rows, entry_cols)), shape=(len(low), n)).tocsr()
    return IndexedModel(
        cols=cols,
        members=members,
        bay_members=bay_members,
        jobs=jobs,
        y_of=y_of,
        cost=cost,
        matrix=matrix,
        low=np.array(low),
        high=np.array(high),
        lower=lower,
        upper=upper,
        fixed=fixed,
        size=n + matrix.nnz,
    )


def _near_duplicate(
    group: frozenset[int],
    groups: set[frozenset[int]],
    op_bays: dict[tuple[int, int], frozenset[int]],
    held: np.ndarray,
) -> bool:
    """Whether the operations inside `group` are, by their entries (`held`, per operation in
    `op_bays`' order), all but `NESTED` of them inside one smaller bay set (`NESTED`)."""
    sets = list(op_bays.values())
    mine = sum(int(held[i]) for i, bays in enumerate(sets) if bays <= group)
    for smaller in groups:
        if smaller < group:
            theirs = sum(int(held[i]) for i, bays in enumerate(sets) if bays <= smaller)
            if mine - theirs <= NESTED * mine:
                return True
    return False


def _chain_rows(
    cols: list[Column], before: list[int], after: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order rows threshold by threshold of one booking's operations `before` and `after`
    (`CHAINS`) as entries (row from 0, column, value): per threshold T, +1 for each column of the
    next operation whose latest start is before T, -1 for each column of the operation before it
    whose earliest end is (the first share is at most the second's), each row's entries in the
    columns' order, the next operation's first. Only the largest T per second set (a smaller one's
    row is weaker: fewer on the left, the same on the right), and none where the second set is all
    of the operation (then the row is `starts once`)."""
    ends = np.array([cols[i][5] for i in before], dtype=np.int64)
    latest = np.array([cols[i][6] for i in after], dtype=np.int64)
    thresholds = np.unique(latest + 1)
    ended = np.searchsorted(np.sort(ends), thresholds, side="left")  # earliest ends < T
    kept = (ended < len(before)) & np.append(ended[1:] != ended[:-1], True)
    limits = thresholds[kept]
    held = np.hstack([latest[None, :] < limits[:, None], ends[None, :] < limits[:, None]])
    row_of, at = np.nonzero(held)  # row by row, each row's in the columns' order
    columns = np.array([*after, *before], dtype=np.int64)
    values = np.concatenate([np.ones(len(after)), -np.ones(len(before))])
    return row_of.astype(np.int64), columns[at], values[at]


Column = tuple[int, int, int, int, int, int, int, int, int]
"""(booking, operation, class, start slot, earliest start, earliest end, surely running from, to,
class of bays or -1)."""


def _busiest_promise(
    problem: DayProblem, ready: dict[tuple[int, int], float], tech_free: list[list[tuple[int, int]]]
) -> int | None:
    """The promised minute most bookings still to place share (the earliest of equals), within the
    technicians' working day; None where no two share one (`REFINE`)."""
    opening = min((s for blocks in tech_free for s, _ in blocks), default=0)
    closing = max((e for blocks in tech_free for _, e in blocks), default=0)
    dues: dict[int, int] = defaultdict(int)
    for j in {j for j, _ in ready}:
        due = problem.jobs[j].due
        if due is not None and opening < due <= closing:
            dues[due] += 1
    if not dues:
        return None
    count, minute = max((n, -due) for due, n in dues.items())
    return -minute if count > 1 else None


def _slot_starts(
    tech_free: list[list[tuple[int, int]]], horizon: int, grid: int, fine: tuple[int, int] | None = None
) -> np.ndarray:
    """First minute of each start slot: every `grid` minutes, every FINE minutes in the
    FINE_BEFORE minutes before any technician block's end, and every REFINE minutes in `fine`
    (from, to); a last entry past the day and past every block (overtime can run a block past the
    horizon: a span's latest start must have a next slot start)."""
    last = max([horizon, *(e for blocks in tech_free for _, e in blocks)])
    marks = set(range(0, last + grid, grid))
    if fine is not None:
        marks.update(range(max(0, fine[0]), max(0, fine[1]), REFINE))
    if grid > FINE:
        for end in {e for blocks in tech_free for _, e in blocks}:
            marks.update(range(max(0, end - FINE_BEFORE), end, FINE))
    return np.array(sorted(marks), dtype=np.int64)


def _slot_of(at: np.ndarray, minute: np.ndarray) -> np.ndarray:
    """The slot holding each minute (monotone: a later minute is never in an earlier slot)."""
    return np.searchsorted(at, minute, side="right") - 1


def _columns(
    problem: DayProblem,
    ready: dict[tuple[int, int], float],
    members: list[list[int]],
    of_tech: dict[int, int],
    tech_free: list[list[tuple[int, int]]],
    at: np.ndarray,
    bay_classes: dict[tuple[int, int], list[int]],
    limits: tuple[int, int] | None = None,
) -> list[Column] | None:
    """Every slot each operation may start in on each class, whole in a block; None if more than
    `limits` (columns, entries; default `MAX_COLUMNS`, `MAX_ENTRIES`)."""
    most_columns, most_entries = limits or (MAX_COLUMNS, MAX_ENTRIES)
    spans: list[tuple[int, int, int, int, int, int, int]] = []  # (j, k, class, minutes, earliest
    # start, latest start, class of bays) per block that can hold it
    for (j, k), r in sorted(ready.items()):
        op = problem.jobs[j].operations[k]
        if not op.bays:
            continue
        speeds = {of_tech[t]: d for t, d in zip(op.technicians, op.durations, strict=True)}
        for c, d in sorted(speeds.items()):
            for s0, s1 in tech_free[members[c][0]]:
                lo = max(s0, math.ceil(r))
                if lo <= s1 - d:  # never across a break
                    spans.extend((j, k, c, d, lo, s1 - d, b) for b in bay_classes[(j, k)])
    if not spans:
        return []
    lo_hi_d = np.array([(lo, hi, d) for _, _, _, d, lo, hi, _ in spans], dtype=np.int64)
    first_slot = _slot_of(at, lo_hi_d[:, 0])
    slots = _slot_of(at, lo_hi_d[:, 1]) - first_slot + 1
    held = _slot_of(at, lo_hi_d[:, 0] + lo_hi_d[:, 2]) - first_slot  # about the entries per column
    if int(slots.sum()) > most_columns or int((slots * held).sum()) > most_entries:
        return None  # counted before building: a finer grid is given up cheaply
    cols: list[Column] = []
    for (j, k, c, d, lo, hi, b), t0, n in zip(spans, first_slot.tolist(), slots.tolist(), strict=True):
        for t in range(t0, t0 + n):
            first = max(int(at[t]), lo)
            last = min(int(at[t + 1]) - 1, hi)
            # Any start in [first, last] runs through [last, first + d).
            cols.append((j, k, c, t, first, first + d, last, first + d, b))
    return cols
