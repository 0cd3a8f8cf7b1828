"""Which side of the lateness gap is loose, per day (issue 15 item 2): the plan or the floor.

    nice -n 10 .venv/bin/python -m bench.gap_side 1,2,3,4,5 --limits 10,60
    nice -n 10 .venv/bin/python -m bench.gap_side 1,4 --limits 300

For each dealer-2011 1.3x day (seed) and request limit: the plan's placements, minutes late
(plain, waiters' and drop-offs' together, as the gap counts them), the proven floor the plan
reports for that many placements, the gap, the plan's wall seconds and whether the independent
validator accepts it; `best_known` is the least late valid plan known for the day
(`bench/RESULTS-floor-s9.md`: the relaxation's integer plans), so `floor <= optimum <= best_known`.
If longer requests cut the minutes late a lot, the plan side is loose; if the plans stay above
`best_known`, the search is; if they approach the floor, neither. One JSON line per run (each in a
fresh process, as `bench.planners`).
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bench.planners import Instance, build_request, run_one

BEST_KNOWN = {1: 162, 2: 397, 3: 279, 4: 823, 5: 274}
"""Least minutes late of a valid plan known per dealer-2011 1.3x seed (floor-s9's relaxation
plans; s4 from 300 s of CP-SAT on lateness alone from floor-s9's, stored as
RESULTS-gap15-s29-plan-dealer-2011-s4-cpsat-plain.json), placing as many as the product's plans."""


def lean(instance: Instance, limit: float) -> dict[str, Any]:
    """The plan and its own floor only (no rules family, no extra floors): for quick comparisons."""
    import time

    from scheduler.compiler import compile_request
    from scheduler.planning import solve, to_plan
    from scheduler.validator import validate_plan

    request = build_request(instance, limit)
    compiled = compile_request(request)
    began = time.perf_counter()
    cpu = time.process_time()
    solution = solve(compiled, "cpsat")
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    plan = to_plan(compiled, solution, "cpsat")
    k = plan.kpis
    return {
        "placed": k.placed, "placement_bound": plan.placement_bound, "late": k.total_lateness_minutes,
        "waiter_late": k.waiter_lateness_minutes, "overtime": k.overtime_minutes, "objective": plan.objective,
        "floor": plan.lateness_bound, "gap": plan.lateness_gap, "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2), "valid": not validate_plan(request, plan), "notes": solution.notes[-3:],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="comma-separated days (seeds), e.g. 1,2,3,4,5")
    parser.add_argument("--limits", default="10,60", help="request limits in seconds, comma-separated")
    parser.add_argument("--scenario", default="dealer-2011")
    parser.add_argument("--scale", type=float, default=1.3)
    parser.add_argument("--lean", action="store_true", help="the plan and its floor only (see `lean`)")
    parser.add_argument("--out", type=Path, default=None, help="also append the JSON lines here")
    args = parser.parse_args()
    spawn = get_context("spawn")
    known = args.scenario == "dealer-2011" and args.scale == 1.3
    for seed in (int(s) for s in args.seeds.split(",")):
        instance = Instance(f"{args.scenario}@{args.scale}x#s{seed}", args.scenario, args.scale, seed)
        for limit in (float(x) for x in args.limits.split(",")):
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                if args.lean:
                    got = pool.submit(lean, instance, limit).result()
                    row = {"day": instance.name, "limit": limit, **got}
                    print(json.dumps(row), flush=True)
                    continue
                r = pool.submit(run_one, instance, "cpsat", limit).result()
            row = {
                "day": instance.name, "limit": limit,
                "placed": r.placed, "placement_bound": r.placement_bound,
                "late": r.total_lateness, "waiter_late": r.waiter_lateness, "overtime": r.overtime,
                "objective": r.objective, "floor": r.lateness_bound, "gap": r.lateness_gap,
                "best_known": BEST_KNOWN.get(seed) if known else None,
                "wall_s": r.solve_s, "valid": r.valid,
            }  # fmt: skip
            line = json.dumps(row)
            print(line, flush=True)
            if args.out is not None:
                with args.out.open("a", encoding="utf-8") as f:
                    f.write(line + "\n")


if __name__ == "__main__":
    main()
