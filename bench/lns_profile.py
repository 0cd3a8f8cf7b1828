"""Where a plan's time limit goes: the warm start, then every LNS neighbourhood (kind, bookings
freed, deterministic time, proven optimal, improvement), for one benchmark instance.

    .venv/bin/python -m bench.lns_profile dealer-2011 1.3 4          # the 10 s plan of seed 4
    .venv/bin/python -m bench.lns_profile dealer-2011 1.3 4 --sweep  # sub-solve parameters

`--sweep` re-inserts the same twelve neighbourhoods of the warm start (the first twelve targets)
under each set of CP-SAT parameters: deterministic time, proven optimal and improvement per set,
comparable because the neighbourhoods are the same.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

import scheduler.lns as lns
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request
from scheduler.dispatch import multi_start, rank
from scheduler.optimise import optimise, warm_start_tries
from solver.problem import DayProblem, DaySolution

SWEEP: dict[str, dict[str, Any]] = {
    "as-is": {},
    "lp (linearization 1)": {"linearization_level": 1},
    "lp (linearization 2)": {"linearization_level": 2},
    "no presolve": {"cp_model_presolve": False},
    "fixed search": {"search_branching": cp_model.FIXED_SEARCH},
    "hint search": {"search_branching": cp_model.HINT_SEARCH},
    "quick restarts": {"search_branching": cp_model.PORTFOLIO_WITH_QUICK_RESTART_SEARCH},
    "core": {"optimize_with_core": True},
}


@dataclass
class Kind:
    count: int = 0
    dtime: float = 0.0
    optimal: int = 0
    freed: int = 0
    improved: int = 0
    gain: float = 0.0
    wall: float = 0.0


def profile(problem: DayProblem, compiled: Any, limit: float, seed: int) -> None:
    kinds: dict[str, Kind] = defaultdict(Kind)
    original = lns.reinsert

    def counted(
        problem: DayProblem, solution: DaySolution, free: list[int], dtime: float, seed: int
    ) -> tuple[DaySolution | None, float, bool]:
        began = time.perf_counter()
        result = original(problem, solution, free, dtime, seed)
        k = kinds["unplaced (blockers)" if free[0] in solution.unplaced else "late (technician pair)"]
        k.wall += time.perf_counter() - began
        k.count += 1
        k.dtime += result[1]
        k.optimal += result[2]
        k.freed += len(free)
        if result[0] is not None and rank(problem, result[0]) < rank(problem, solution):
            k.improved += 1
            k.gain += solution.objective - result[0].objective
        return result

    lns.reinsert = counted
    try:
        began = time.perf_counter()
        start = multi_start(problem, warm_start_tries(problem, limit), seed)
        warm = time.perf_counter() - began
        began = time.perf_counter()
        plan = optimise(compiled)
        total = time.perf_counter() - began
    finally:
        lns.reinsert = original
    print(
        f"warm start: {warm_start_tries(problem, limit)} swaps, {warm:.2f} s wall, objective "
        f"{start.objective:.0f}, {len(start.unplaced)} unplaced"
    )
    print(f"optimise: {total:.2f} s wall, objective {plan.objective:.0f}, {len(plan.unplaced)} unplaced")
    print(f"notes: {[n for n in plan.notes if n.startswith(('lns', 'warm'))]}")
    for name, k in kinds.items():
        print(
            f"  {name:24} {k.count} solves, dtime {k.dtime:.3f} (~{k.dtime / lns.DTIME_PER_SECOND:.1f} s), "
            f"{k.optimal} optimal, {k.freed / max(1, k.count):.1f} freed on average, {k.improved} improving, "
            f"gain {k.gain:.0f} ({k.gain / max(1e-9, k.dtime):.0f} per dtime unit), {k.wall:.1f} s wall"
        )


def sweep(problem: DayProblem, limit: float, seed: int) -> None:
    start = multi_start(problem, warm_start_tries(problem, limit), seed)
    rng = random.Random(seed)
    hoods = [lns._neighbourhood(problem, start, t, w, 8, rng) for t, w in lns._targets(problem, start)[:12]]
    original = cp_model.CpSolver.solve
    for name, params in SWEEP.items():

        def solve(
            self: cp_model.CpSolver, model: cp_model.CpModel, *rest: Any, params: dict[str, Any] = params
        ) -> Any:
            for key, value in params.items():
                setattr(self.parameters, key, value)
            return original(self, model, *rest)

        cp_model.CpSolver.solve = solve  # type: ignore[method-assign,assignment]
        try:
            dtime = gain = wall = 0.0
            optimal = 0
            for free in hoods:
                began = time.perf_counter()
                got, spent, proven = lns.reinsert(problem, start, free, lns.STEP_DTIME, 1)
                wall += time.perf_counter() - began
                dtime += spent
                optimal += proven
                gain += start.objective - got.objective if got is not None else 0.0
        finally:
            cp_model.CpSolver.solve = original  # type: ignore[method-assign]
        print(
            f"  {name:22} dtime {dtime:.4f}, {optimal}/{len(hoods)} optimal, gain {gain:.0f} "
            f"({gain / max(1e-9, dtime):.0f} per dtime unit), {wall:.1f} s wall"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("scale", type=float)
    parser.add_argument("seed", type=int)
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--sweep", action="store_true", help="sub-solve parameters on fixed neighbourhoods")
    args = parser.parse_args()
    instance = Instance(f"{args.scenario}@{args.scale}x#s{args.seed}", args.scenario, args.scale, args.seed)
    compiled = compile_request(build_request(instance, args.limit))
    print(instance.name, f"{args.limit:g} s")
    if args.sweep:
        sweep(compiled.problem, args.limit, compiled.request.options.seed)
    else:
        profile(compiled.problem, compiled, args.limit, compiled.request.options.seed)


if __name__ == "__main__":
    main()
