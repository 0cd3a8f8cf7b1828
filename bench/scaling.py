"""Scaling benchmark (issue 15, items 4 and 5): CP-SAT workers 1, 2 and 8 on the same instances, and a
week of dealer-2011 day plans for the loading chart.

Each solve runs in a fresh process. The search is reproducible (deterministic time limit, seeded
single-worker solves side by side), so placed / lateness / bound are the same on a quiet or a busy
machine; wall seconds are not, and are reported against workers=1 measured in the same run.

    .venv/bin/python -m bench.scaling            # writes bench/RESULTS-scaling.md and .json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

from bench.planners import Instance, build_request

HERE = Path(__file__).parent
WEEK_START = dt.date(2026, 11, 23)  # a Monday


@dataclass
class WorkersRow:
    instance: str
    workers: int
    status: str
    placed: int
    bookings: int
    total_lateness: int
    lateness_bound: int | None
    lateness_gap: float | None
    wall_s: float
    valid: bool


@dataclass
class DayRow:
    date: str
    bookings: int
    placed: int
    late: int
    total_lateness: int
    status: str
    wall_s: float
    valid: bool


def solve_with_workers(instance: Instance, workers: int, limit: float) -> WorkersRow:
    from scheduler.planning import make_plan
    from scheduler.validator import validate_plan

    request = build_request(instance, limit)
    request = request.model_copy(update={"options": request.options.model_copy(update={"workers": workers})})
    began = time.perf_counter()
    plan = make_plan(request, "cpsat")
    wall = time.perf_counter() - began
    return WorkersRow(
        instance.name, workers, plan.status, plan.kpis.placed, len(request.bookings),
        plan.kpis.total_lateness_minutes, plan.lateness_bound, plan.lateness_gap, round(wall, 2),
        not validate_plan(request, plan),
    )  # fmt: skip


def plan_one_day(date: dt.date, limit: float) -> DayRow:
    from scheduler.demand import day_request
    from scheduler.planning import make_plan
    from scheduler.scenarios import load_scenario
    from scheduler.validator import validate_plan

    request = day_request(load_scenario("dealer-2011"), date, seed=1)
    request = request.model_copy(
        update={"options": request.options.model_copy(update={"time_limit_seconds": limit, "workers": 1})}
    )
    began = time.perf_counter()
    plan = make_plan(request, "cpsat")
    wall = time.perf_counter() - began
    k = plan.kpis
    return DayRow(
        date.isoformat(), len(request.bookings), k.placed, k.late, k.total_lateness_minutes, plan.status,
        round(wall, 2), not validate_plan(request, plan),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0, help="CP-SAT limit for the workers runs")
    parser.add_argument("--day-limit", type=float, default=3.0, help="CP-SAT limit per day of the week")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-scaling.md")
    args = parser.parse_args()
    spawn = get_context("spawn")
    cores = os.cpu_count() or 1
    chosen = [
        Instance("dealer-2011@1.3x#s1", "dealer-2011", 1.3, 1),
        Instance("double-330@1.5x#s1", "dealer-2011", 1.5, 1, size=(330, 64, 68)),
    ]
    rows: list[WorkersRow] = []
    for instance in chosen:
        for workers in (1, 2, 8):
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                row = pool.submit(solve_with_workers, instance, workers, args.limit).result()
            rows.append(row)
            print(row, flush=True)
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=min(2, cores), mp_context=spawn) as pool:
        week = [WEEK_START + dt.timedelta(days=i) for i in range(7)]
        days = list(pool.map(plan_one_day, week, [args.day_limit] * 7))
    week_s = time.perf_counter() - began
    for d in days:
        print(d, flush=True)
    base = {r.instance: r.wall_s for r in rows if r.workers == 1}
    lines = [
        "# Scaling: CP-SAT workers, and a week of plans",
        "",
        f"Run {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} on {cores} cores. Reproduce: "
        "`.venv/bin/python -m bench.scaling`. Results (placed, lateness, bound) are reproducible: the "
        "solver stops on deterministic time, so they do not depend on the machine's load; wall seconds "
        "do, and are given against workers=1 in the same run.",
        "",
        f"## CP-SAT workers at {args.limit:g} s (deterministic)",
        "",
        "| instance | workers | status | placed | lateness (min) | lateness bound | gap | wall s | "
        "wall vs 1 worker | valid |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gap = "–" if r.lateness_gap is None else f"{r.lateness_gap:.0%}"
        lines.append(
            f"| {r.instance} | {r.workers} | {r.status} | {r.placed}/{r.bookings} | {r.total_lateness} | "
            f"{r.lateness_bound if r.lateness_bound is not None else '–'} | {gap} | {r.wall_s:.1f} | "
            f"{r.wall_s / base[r.instance]:.2f}x | {r.valid} |"
        )
    ok = week_s <= 30 and all(d.valid for d in days)
    lines += [
        "",
        f"## A week of dealer-2011 plans (CP-SAT {args.day_limit:g} s a day, {min(2, cores)} processes)",
        "",
        f"7 days planned in **{week_s:.1f} s** (target 30 s) — {'met' if ok else 'NOT met'}.",
        "",
        "| date | bookings | placed | late | lateness (min) | status | wall s | valid |",
        "|---|---|---|---|---|---|---|---|",
        *[
            f"| {d.date} | {d.bookings} | {d.placed} | {d.late} | {d.total_lateness} | {d.status} | "
            f"{d.wall_s:.1f} | {d.valid} |"
            for d in days
        ],
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = {"workers": [asdict(r) for r in rows], "week": [asdict(d) for d in days], "week_s": week_s}
    args.out.with_suffix(".json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
