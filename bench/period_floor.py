"""A lateness floor with each operation's period whole (issue 15 item 2; bench/RESULTS-proof15-s37.md).

    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.period_floor small-dealer 1.3 2 --grid 2 --lps 40
    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.period_floor small-dealer 1.3 1,2,3,4,5 --plan

A prototype, not product code. Where every technician is off at once (small-dealer: 12:00-12:30,
between technician 0's lunch 11:30-12:30 and the others' 12:00-13:30), an operation, whole inside
one working block, runs wholly before that break or wholly after it. The time-indexed relaxation
(`solver.bounds_time.indexed_model`, the floor's model, at the objective's weights) lets an
operation's start columns straddle the break: a share before, a share after, each paying its share
of lateness. Here each operation gets, per break, a variable p = its start columns' share before
the break, and p is 0 or 1 (every plan starts it once, before or after; an unplaced booking's
operations start nowhere: 0). That model is still a relaxation of every plan placing as much
priority, so its optimum, and the least LP value among the open nodes of any branch and bound
over the p's, is a floor. The branch and bound here is best-first, branching on the p nearest
0.5, HiGHS' dual simplex warm-started from the parent's basis, at most `--lps` LPs (counted: the
same floor every time); a node whose LP is not solved keeps its parent's value (never dropped).

Prints one JSON row per day: the relaxation's root (the plain time-indexed LP at the weights) and
the floor with whole periods, both as the objective's weighted minutes (drop-off minutes; waiters
at their weight), LPs, CPU seconds (`time.process_time`), and with `--plan` the product's 10 s
plan (net off) with its weighted minutes late and its own floor.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import time
from dataclasses import replace
from typing import Any

import numpy as np

from bench.planners import Instance, build_request
from solver.bounds_period import breaks
from solver.problem import DayProblem


def period_floor(
    problem: DayProblem, weight: int, grid: int, most_lps: int, plain: bool = False
) -> dict[str, Any]:
    """The floor of the module's docstring for every plan placing at least `weight` priority
    (`plain`: of minutes late, a waiter's minute as a drop-off's; else of the objective's weighted
    lateness terms, in drop-off minutes)."""
    import highspy
    from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

    from solver.bounds_time import indexed_model, weighted_floor

    began = time.process_time()
    w = problem.weights
    model = indexed_model(problem, weight, grids=(grid,), limits=(10**7, 10**8), lean=True)
    if model is None:
        return {"built": False}
    factor = np.ones(len(model.cost))
    for i, col in enumerate(model.cols):
        factor[i] = (w.waiter_lateness if problem.jobs[col[0]].waiter else w.lateness) / (w.lateness or 1)
    cost = model.cost if plain else model.cost * factor
    n = len(cost)
    splits = breaks(problem)
    firsts: dict[tuple[int, int], list[int]] = {}
    for i, col in enumerate(model.cols):
        firsts.setdefault((col[0], col[1]), []).append(i)
    rows: list[list[int]] = []
    for cols in firsts.values():
        for s in splits:
            before = [i for i in cols if model.cols[i][4] < s]
            if before and len(before) < len(cols):
                rows.append(before)
    r, c, v = [], [], []
    for k, before in enumerate(rows):
        r += [k] * (len(before) + 1)
        c += [*before, n + k]
        v += [1.0] * len(before) + [-1.0]
    m = len(rows)
    extra = coo_matrix((v, (r, c)), shape=(m, n + m)).tocsr()
    matrix = vstack([hstack([model.matrix, csr_matrix((model.matrix.shape[0], m))]), extra]).tocsr()
    low = np.concatenate([model.low, np.zeros(m)])
    high = np.concatenate([model.high, np.zeros(m)])
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("solver", "simplex")
    lower = np.concatenate([model.lower, np.zeros(m)])
    upper = np.concatenate([model.upper, np.ones(m)])
    h.addVars(n + m, np.where(np.isfinite(lower), lower, -inf), np.where(np.isfinite(upper), upper, inf))
    h.changeColsCost(n + m, np.arange(n + m, dtype=np.int32), np.concatenate([cost, np.zeros(m)]))
    h.addRows(
        matrix.shape[0],
        np.where(np.isfinite(low), low, -inf),
        np.where(np.isfinite(high), high, inf),
        matrix.nnz,
        matrix.indptr[:-1].astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
    )
    shares = list(range(n, n + m))

    def solve(fixed: dict[int, float]) -> tuple[float | None, np.ndarray | None]:
        for i in shares:
            value = fixed.get(i)
            h.changeColBounds(i, 0.0 if value is None else value, 1.0 if value is None else value)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return math.inf, None
        if status != highspy.HighsModelStatus.kOptimal:
            return None, None
        return float(h.getInfo().objective_function_value), np.array(h.getSolution().col_value)

    root, x = solve({})
    lps = 1
    if root is None or x is None:
        return {"built": True, "solved": False}
    heap: list[tuple[float, int, dict[int, float], np.ndarray]] = [(root, 0, {}, x)]
    made = 1
    closed = False
    while heap and lps < most_lps:
        value, _, fixed, x = heapq.heappop(heap)
        fractional = [(abs(float(x[i]) - 0.5), i) for i in shares if 1e-6 < x[i] < 1 - 1e-6]
        if not fractional:  # the least open node is whole: the relaxation's optimum
            heapq.heappush(heap, (value, -1, fixed, x))
            closed = True
            break
        _, i = min(fractional)
        for side in (0.0, 1.0):
            child = {**fixed, i: side}
            found, y = solve(child)
            lps += 1
            if found is None or y is None:
                if found == math.inf:
                    continue  # no plan in that branch
                heapq.heappush(heap, (value, made, child, x))  # unsolved: the parent's value
            else:
                heapq.heappush(heap, (found, made, child, y))
            made += 1
    least = min(node[0] for node in heap) if heap else math.inf
    unit = w.lateness or 1

    def floor(value: float) -> int:
        if plain:  # as `time_indexed_relaxation`: whole minutes, less a margin for the tolerances
            value += model.fixed
            return max(0, math.ceil(value - 1e-6 * max(1.0, abs(value)) - 1e-3))
        return weighted_floor(problem, value, False) // unit

    return {
        "built": True,
        "solved": True,
        "breaks": splits,
        "shares": m,
        "size": model.size,
        "measure": "plain" if plain else "weighted",
        "root": floor(root),
        "floor": floor(least) if math.isfinite(least) else None,
        "closed": closed,
        "lps": lps,
        "open": len(heap),
        "cpu_s": round(time.process_time() - began, 2),
    }


def plan_row(instance: Instance, limit: float) -> dict[str, Any]:
    """The product's plan at `limit` (net off): weighted minutes late, its floor, the weight."""
    import scheduler.optimise as optimise
    from scheduler.compiler import compile_request
    from solver.objective import terms

    optimise.wall_safety = lambda limit: 1e5  # counted effort only (this process only)
    compiled = compile_request(build_request(instance, limit))
    began = time.process_time()
    solution = optimise.optimise(compiled)
    problem = compiled.problem
    t = terms(problem, solution)
    w = problem.weights
    unit = w.lateness or 1
    return {
        "placed": len(problem.jobs) - len(solution.unplaced),
        "plan_weighted": (w.lateness * t.lateness + w.waiter_lateness * t.waiter_lateness) // unit,
        "plan_floor": (solution.weighted_lateness_bound or 0) // unit,
        "plan_cpu_s": round(time.process_time() - began, 1),
        "weight": sum(job.priority for j, job in enumerate(problem.jobs) if j not in solution.unplaced),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("scale", type=float)
    parser.add_argument("seeds", help="comma-separated days (seeds)")
    parser.add_argument("--grid", type=int, default=2, help="minutes per start slot")
    parser.add_argument("--lps", type=int, default=40, help="most LPs of the branch and bound")
    parser.add_argument("--plan", action="store_true", help="also the product's 10 s plan (its placements)")
    parser.add_argument("--plain", action="store_true", help="plain minutes late instead of weighted")
    args = parser.parse_args()
    from scheduler.compiler import compile_request

    for seed in (int(s) for s in args.seeds.split(",")):
        instance = Instance(f"{args.scenario}@{args.scale}x#s{seed}", args.scenario, args.scale, seed)
        problem = compile_request(build_request(instance, 10.0)).problem
        row: dict[str, Any] = {"day": instance.name, "grid": args.grid, "most_lps": args.lps}
        weight = sum(job.priority for job in problem.jobs)
        if args.plan:
            row.update(plan_row(instance, 10.0))
            weight = row["weight"]
        row.update(period_floor(replace(problem), weight, args.grid, args.lps, args.plain))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
