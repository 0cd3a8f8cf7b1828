"""The 10 s neighbourhood search on dealer-2011 1.3x under several search seeds: one seed's plan
is too noisy to compare two versions of the search by (issue 15; `bench/RESULTS-lns-s8.md`).

    .venv/bin/python -m bench.lns_seeds 1,2,3,4,5 --offsets 0,1,2                    # this tree
    .venv/bin/python -m bench.lns_seeds 1,2,3,4,5 --offsets 0,1,2 --set LANE_QUOTA=0  # main's schedule

Like `bench.gap_probe search`: the request's warm start and search budget, then `improve` with
the request's seed plus the offset (offset 0 is the product's plan). One JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import time

import scheduler.dispatch as dispatch
import scheduler.lns as lns
import scheduler.optimise as opt
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request
from solver.bounds import placement_bound
from solver.objective import terms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="days: 1,2,...")
    parser.add_argument("--offsets", default="0", help="added to the search seed: 0,1,2,...")
    parser.add_argument("--scenario", default="dealer-2011")
    parser.add_argument("--scale", type=float, default=1.3)
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        help="NAME=VALUE: a constant of scheduler.lns (optimise.NAME, dispatch.NAME: of those)",
    )
    args = parser.parse_args()
    modules = {"lns": lns, "optimise": opt, "dispatch": dispatch}
    for item in args.set:
        name, value = item.split("=")
        module, _, name = name.rpartition(".")
        setattr(modules[module or "lns"], name, int(value) if value.lstrip("-").isdigit() else float(value))
    for offset in (int(o) for o in args.offsets.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            instance = Instance(f"{args.scenario}@{args.scale}x#s{seed}", args.scenario, args.scale, seed)
            compiled = compile_request(build_request(instance, args.limit))
            problem, options = compiled.problem, compiled.request.options
            most = placement_bound(problem).weight
            lp = opt.start_relaxation(problem, args.limit, most)
            start = opt.warm_start(problem, args.limit, options.seed, most, lp)
            budget = min(
                (0.85 if options.lower_bound else 0.95) * args.limit,
                args.limit - opt.outside_search(problem, args.limit) - (lp.seconds if lp else 0.0),
            )
            cpu = time.process_time()
            workers = min(options.workers, 8)
            best, stats = lns.improve(problem, start, budget, options.seed + offset, workers, most=most)
            cpu = time.process_time() - cpu
            t = terms(problem, best)
            print(json.dumps({
                "seed": seed, "offset": offset, "set": args.set, "objective": best.objective,
                "unplaced": len(best.unplaced), "late": t.lateness + t.waiter_lateness,
                "waiter": t.waiter_lateness, "solves": stats.steps, "cpu_s": round(cpu, 1),
                "start": start.objective, "start_note": start.notes[-1] if start.notes else "",
                "budget": round(budget, 2),
            }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
