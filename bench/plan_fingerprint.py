"""A fingerprint of the planners' answers (scheduler.dispatch, the warm start, the optimiser), to
show a speed-up changed none of them.

For dealer-2011 at 1.0x and 1.3x and small-dealer at 1.3x, seeds 1-3 (and the 300-booking enlarged
dealer-2011 day, whose operations search the minute grid), it records as canonical JSON:

- `rules`: every rule of the family dispatched, plain and keeping seniors (`dispatch`'s
  `keep_seniors`), and each plan with its unplaced bookings put back where they fit (`fill_gaps`);
- `warm`: the optimiser's warm start at the request's limit (`optimise.warm_start`: the rules
  family, promoted and seniors-kept starts, the time-indexed relaxation's alpha-point orders, the
  counted swaps) and its bounds (`optimise.add_bounds`), with the dispatches the relaxation's
  orders cost; no CP-SAT (the relaxation is an LP: HiGHS answers the same on any machine);
- with `--optimise`: the whole `optimise()` plan (CP-SAT and LNS on counted budgets:
  deterministic time and counted steps, so the same on any machine and load, short of the wall
  safety net), its objective and assignment digest.

Every plan is its placements (job, operation, bay, technician, start, end), unplaced bookings,
objective and notes. The digest of the whole is printed; run it from two trees with the same
arguments: equal digests, the same answers (`--out` to diff them). `--cpu` adds the CPU seconds
of each part to stderr (not to the digest): the rules family, the warm start and, within
`optimise()` (or the warm start part), its phases `warm_start`, `improve`, `fill_gaps`,
`relaxation_bound` and `add_bounds` (all threads).

    .venv/bin/python -m bench.plan_fingerprint [--optimise | --only-optimise] [--cpu] [--out FILE]
        [--only dealer-2011:1.3:1] [--no-large]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import scheduler.optimise as opt
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request
from scheduler.dispatch import RULES, dispatch, rule_order
from solver.bounds import placement_bound
from solver.problem import DayProblem, DaySolution

INSTANCES = [
    (scenario, scale, seed)
    for scenario, scale in (("dealer-2011", 1.0), ("dealer-2011", 1.3), ("small-dealer", 1.3))
    for seed in (1, 2, 3)
]
LIMIT = 10.0
"""The request's time limit: the default, which pays for the relaxation's alpha-point orders."""


def plan(solution: DaySolution) -> dict[str, Any]:
    """A plan as canonical JSON data (no timing fields)."""
    return {
        "placements": sorted(
            [j, k, p.bay, p.technician, p.start, p.end] for (j, k), p in solution.placements.items()
        ),
        "unplaced": sorted(solution.unplaced),
        "objective": solution.objective,
        "status": solution.status,
        "bounds": [
            solution.lower_bound,
            solution.best_bound,
            solution.placement_bound,
            solution.placement_weight_bound,
            solution.lateness_bound,
        ],
        "notes": solution.notes,
    }


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class Cpu:
    """CPU seconds (all threads) per named part, summed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        began = time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.process_time() - began

    def wrap(self, module: Any, name: str) -> None:
        """Charge every call of `module.name` to the part `name` (outermost call only)."""
        inner = getattr(module, name)
        depth = [0]

        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return inner(*args, **kwargs)
            depth[0] += 1
            try:
                with self.part(name):
                    return inner(*args, **kwargs)
            finally:
                depth[0] -= 1

        setattr(module, name, timed)


def rules(problem: DayProblem) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in RULES:
        order = rule_order(problem, name)
        for seniors in (False, True):
            solution = dispatch(problem, order, keep_seniors=seniors)
            out[f"{name}{' seniors' if seniors else ''}"] = plan(solution)
            if not seniors:
                out[f"{name} filled"] = plan(opt.fill_gaps(problem, solution))
    return out


def warm(problem: DayProblem, seed: int) -> dict[str, Any]:
    placements = placement_bound(problem)
    lp = opt.start_relaxation(problem, LIMIT, placements.weight)
    start = opt.warm_start(problem, LIMIT, seed, placements.weight, lp)
    opt.add_bounds(problem, start, True, placements, lp.floor if lp else None, lp.known if lp else None)
    return {
        "plan": plan(start),
        "placement bound": [placements.count, placements.weight],
        "relaxation": None if lp is None else [lp.dispatches, lp.seconds, lp.cheap],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--optimise", action="store_true", help="also the whole 10 s optimise() plans")
    parser.add_argument(
        "--only-optimise", action="store_true", help="only the optimise() plans (its phases' CPU with --cpu)"
    )
    parser.add_argument("--cpu", action="store_true", help="CPU seconds per part on stderr")
    parser.add_argument("--no-large", action="store_true", help="skip the 300-booking day")
    parser.add_argument("--only", help="scenario:scale:seed[,...] instead of all")
    args = parser.parse_args()
    instances: list[tuple[str, float, int]] = INSTANCES
    if args.only:
        instances = [(s, float(x), int(n)) for s, x, n in (i.split(":") for i in args.only.split(","))]
    cpu = Cpu()
    for name in ("warm_start", "improve", "relaxation_bound", "fill_gaps", "add_bounds"):
        cpu.wrap(opt, name)
    result: dict[str, Any] = {}
    for scenario, scale, seed in instances:
        key = f"{scenario}@{scale}#s{seed}"
        compiled = compile_request(build_request(Instance(f"x#s{seed}", scenario, scale, seed), LIMIT))
        problem = compiled.problem
        row: dict[str, Any] = {}
        if not args.only_optimise:
            with cpu.part("rules"):
                row["rules"] = rules(problem)
            with cpu.part("warm"):
                row["warm"] = warm(problem, seed)
            print(f"{key}: rules {digest(row['rules'])[:16]}, warm {digest(row['warm'])[:16]}")
        if args.optimise or args.only_optimise:
            with cpu.part("optimise"):
                solution = opt.optimise(compiled)
            row["optimise"] = plan(solution)
            print(f"{key} optimise: objective {solution.objective}, {digest(row['optimise'])[:16]}")
        result[key] = row
    if not args.no_large and not args.only_optimise:
        key = "dealer-2011 300 bookings#s1"
        compiled = compile_request(build_request(Instance("x#s1", "dealer-2011", 1.3, 1, large=True), LIMIT))
        with cpu.part("rules large"):
            result[key] = {"rules": rules(compiled.problem)}
        print(f"{key}: rules {digest(result[key]['rules'])[:16]}")
    text = json.dumps(result, sort_keys=True, indent=0)
    print("digest", hashlib.sha256(text.encode()).hexdigest())
    if args.cpu:
        print(json.dumps({k: round(v, 2) for k, v in cpu.seconds.items()}), file=sys.stderr)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
