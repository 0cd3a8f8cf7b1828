"""Which side of the lateness gap is loose: the search at 10 s, or the floor (issue 15 item 2).

    .venv/bin/python -m bench.gap_probe search 1,2,3,4,5                  # the LNS as the product runs it
    .venv/bin/python -m bench.gap_probe search 1,2 --set STEP_DTIME=0.01  # a constant of scheduler.lns
    .venv/bin/python -m bench.gap_probe search 1,2,3 --hood window        # late ones free their whole pool
    .venv/bin/python -m bench.gap_probe floor 1:151,2:151 --grid 5        # the floor at 5-minute slots
    .venv/bin/python -m bench.gap_probe floor 1:151 --mip                 # its integer optimum (HiGHS)
    .venv/bin/python -m bench.gap_probe floor 1:151 --fine 2:60           # 2-min slots 1 h before block ends

`search` rebuilds a 10 s request's warm start (the rules family and its swaps) and runs the
neighbourhood search on the budget `optimise` gives it: deterministic, so the objective and the
minutes late are the product's (load changes only the wall and CPU seconds). `floor` takes
`seed:placed` pairs (dealer-2011 1.3x unless --scenario) and prints the floor for that many
placements; --mip solves the same model with integral starts (the relaxation's own best, not only
its linear bound). One JSON line per day.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

import numpy as np
import scipy.optimize

import scheduler.lns as lns
import scheduler.optimise as opt
import solver.bounds_time as bounds_time
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request
from solver.bounds import placement_bound
from solver.objective import terms
from solver.problem import DayProblem, DaySolution


def _window(
    problem: DayProblem,
    solution: DaySolution,
    target: int,
    window: tuple[int, int],
    size: int,
    rng: random.Random,
    original: Any = lns._neighbourhood,
) -> list[int]:
    """A late target frees the work of every technician qualified for it (not a pair), nearest its end."""
    job = problem.jobs[target]
    if target in solution.unplaced or job.due is None:
        return list(original(problem, solution, target, window, size, rng))
    end = solution.placements[(target, len(job.operations) - 1)].end
    pool, _ = lns._pool(job)
    return [target, *lns._nearest(problem, solution, target, pool, (job.release, end), end, size, rng)]


def search(scenario: str, seed: int, limit: float, constants: dict[str, float], hood: str) -> dict[str, Any]:
    compiled = compile_request(build_request(Instance(f"{scenario}#s{seed}", scenario, 1.3, seed), limit))
    problem, options = compiled.problem, compiled.request.options
    most = placement_bound(problem).weight
    lp = opt.start_relaxation(problem, limit, most)
    start = opt.warm_start(problem, limit, options.seed, most, lp)
    outside = opt.outside_search(problem, limit) + (lp.seconds if lp else 0.0)
    budget = min((0.85 if options.lower_bound else 0.95) * limit, limit - outside)
    saved = {name: getattr(lns, name) for name in [*constants, "_neighbourhood"]}
    for name, value in constants.items():
        setattr(lns, name, value)
    if hood == "window":
        lns._neighbourhood = _window  # type: ignore[assignment]
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        best, stats = lns.improve(problem, start, budget, options.seed, min(options.workers, 8))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        for name, value in saved.items():
            setattr(lns, name, value)
    t = terms(problem, best)
    return {
        "seed": seed, "constants": constants, "hood": hood, "objective": best.objective,
        "late": t.lateness + t.waiter_lateness, "waiter": t.waiter_lateness, "overtime": t.overtime,
        "unplaced": len(best.unplaced), "neighbourhoods": stats.steps, "improved": stats.improved,
        "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
    }  # fmt: skip


def floor(
    scenario: str, seed: int, placed: int, grid: int | None, mip: bool, fine: tuple[int, int] | None = None
) -> dict[str, Any]:
    instance = Instance(f"{scenario}#s{seed}", scenario, 1.3, seed)
    problem = compile_request(build_request(instance, 10.0)).problem
    weight = sum(sorted((job.priority for job in problem.jobs), reverse=True)[:placed])
    saved = bounds_time.GRIDS, bounds_time.MAX_COLUMNS, bounds_time.MAX_ENTRIES, scipy.optimize.milp
    saved_fine = bounds_time.FINE, bounds_time.FINE_BEFORE
    if fine is not None:
        bounds_time.FINE, bounds_time.FINE_BEFORE = fine
    if grid is not None:
        bounds_time.GRIDS = (grid,)
        bounds_time.MAX_COLUMNS, bounds_time.MAX_ENTRIES = 10**7, 10**8  # a probe: any size
    if mip:
        original = scipy.optimize.milp

        def integral(cost: Any, **kwargs: Any) -> Any:
            kwargs["integrality"] = np.ones_like(kwargs["integrality"])
            kwargs["options"] = {"presolve": True, "time_limit": 600.0}
            result = original(cost, **kwargs)
            result.fun = result.mip_dual_bound  # the proven part only
            return result

        scipy.optimize.milp = integral  # bounds_time imports it when called
    try:
        cpu = time.process_time()
        value = bounds_time.time_indexed_bound(problem, weight)
        cpu = time.process_time() - cpu
    finally:
        bounds_time.GRIDS, bounds_time.MAX_COLUMNS, bounds_time.MAX_ENTRIES, scipy.optimize.milp = saved
        bounds_time.FINE, bounds_time.FINE_BEFORE = saved_fine
    return {
        "scenario": scenario, "seed": seed, "placed": placed, "grid": grid, "mip": mip, "floor": value,
        "fine": fine or (bounds_time.FINE, bounds_time.FINE_BEFORE),
        "cpu_s": round(cpu, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["search", "floor"])
    parser.add_argument("days", help="search: seeds 1,2,...; floor: seed:placed pairs 1:151,2:151,...")
    parser.add_argument("--scenario", default="dealer-2011")
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE: a constant of scheduler.lns")
    parser.add_argument("--hood", choices=["pair", "window"], default="pair")
    parser.add_argument("--grid", type=int, default=None)
    parser.add_argument("--mip", action="store_true")
    parser.add_argument(
        "--fine", default=None, help="M:B: start slots of M minutes in the B minutes before each block's end"
    )
    args = parser.parse_args()
    constants = {name: float(value) for name, value in (item.split("=") for item in args.set)}
    for day in args.days.split(","):
        if args.what == "search":
            row = search(args.scenario, int(day), args.limit, constants, args.hood)
        else:
            seed, placed = (int(x) for x in day.split(":"))
            fine = tuple(int(x) for x in args.fine.split(":")) if args.fine else None
            row = floor(args.scenario, seed, placed, args.grid, args.mip, fine)  # type: ignore[arg-type]
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
