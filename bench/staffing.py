"""Certified staffing benchmark (issue 14, item 5 and its speed target), everything in one run:

(a) `bayplan staff dealer-2011 --days 3 --candidates 60 --json` (head count, bays and lanes, shift
    patterns: 60 candidates; screen + KN, delta 100 CNY a day, alpha 0.05) on the local process
    pool of 2, and the same with `--cluster` on a Dask LocalCluster on this machine (2 worker
    processes, 1 thread each), in the order local, cluster, cluster, local (so a drift of the
    shared machine's load falls on both sides); the ratio local / cluster is the sum of the two
    local times over the sum of the two cluster times, each pair's ratio shown too.
(b) the default `bayplan staff dealer-2011 --json` (14 simulated days a replication, 50 candidates),
    local pool of 2, once.
(c) (a) with the targets of the earlier benchmark, on_time >= 0.85 and waiter_wait_p90 <= 30, which
    no candidate comes near: the objective is then mostly penalty, too noisy for delta 100 CNY a
    day within the budget; the run must say "not certified" and the delta the budget would certify.

Each run is the real command in a subprocess (start-up, scenario loading, the held-out re-check
included), timed from outside; the figures come from its --json.

    .venv/bin/python -m bench.staffing            # writes bench/RESULTS-staffing.md and .json
    .venv/bin/python -m bench.staffing --quick    # 8 candidates, 2 days (a smoke run; -quick files)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BAYPLAN = Path(sys.executable).parent / "bayplan"
TARGET_SECONDS = 600.0


def run_staff(args: list[str], label: str) -> dict[str, Any]:
    command = [str(BAYPLAN), "staff", "dealer-2011", *args, "--json"]
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    got = json.loads(done.stdout)
    row = {
        "label": label,
        "command": "bayplan staff dealer-2011 " + " ".join(args),
        "wall_seconds": wall,
        "selection_seconds": got["seconds"],
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "period": got["period"],
        "candidates": len(got["candidates"]),
        "replications": got["total_replications"],
        "certified": got["certified"],
        "best": got["best"],
        "runners_up": got["runners_up"],
        "screened_out": got["screened_out"],
        "screen_survivors": got["screen_survivors"],
        "needed": got["needed"],
        "budget": got["budget"],
        "delta": got["delta"],
        "unit": got["unit"],
        "alpha": got["alpha"],
        "delta_for_budget": got["delta_for_budget"],
        "holdout_period": got["holdout_period"],
        "holdout_holds": got["holdout_holds"],
        "met": wall <= TARGET_SECONDS,
    }
    print(json.dumps(row), flush=True)
    return row


def _yes(b: bool) -> str:
    return "yes" if b else "**no**"


def render(data: dict[str, Any]) -> str:
    command = ".venv/bin/python -m bench.staffing" + (" --quick" if data["quick"] else "")
    lines = [
        "# Certified staffing benchmark (issue 14)",
        "",
        f"Measured {data['when']} on {data['machine']} ({data['cpus']} CPUs, shared with other jobs: "
        f"load average {data['load_average_before']:.1f} before, {data['load_average_after']:.1f} after; "
        f"times are upper bounds). Command: `{command}`.",
        "Each row is the real `bayplan staff ... --json` in a subprocess, timed from outside. "
        "Procedure: screen (alpha/2) on n0 = 10 replications, then KN (alpha/2) on the survivors' "
        "fresh replications; common random numbers; objective cost (CNY a day + 200 CNY per point "
        "of a missed target; target on_time >= 0.95 unless the command says otherwise), delta 100 CNY a "
        "day, budget 100 replications a candidate. 'needed': the most replications a candidate KN could "
        "have needed at this delta (known after its first stage; 10 when the screen left one); 'delta "
        "the budget certifies': the smallest delta this budget would surely have certified (0: the "
        "screen left one).",
        "",
        "| run | runner | wall | load avg (before → after) | candidates | replications | screened out | "
        "certified | chosen | runners-up | needed / budget | delta the budget certifies | ≤ 10 min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data["runs"]:
        runner = "Dask LocalCluster (2 workers)" if "--cluster" in r["command"] else "process pool x2"
        lines.append(
            f"| {r['label']} | {runner} | **{r['wall_seconds']:.1f} s** | "
            f"{r['load_average_before']:.1f} → {r['load_average_after']:.1f} | {r['candidates']} | "
            f"{r['replications']:,} | {r['screened_out']} | {_yes(r['certified'])} | {r['best']} | "
            f"{', '.join(r['runners_up']) or '—'} | {r['needed']} / {r['budget']} | "
            f"{r['delta_for_budget']:,.0f} {r['unit']} | {_yes(r['met'])} |"
        )
    if "ratio_local_over_cluster" in data:
        lines += [
            "",
            f"Local / cluster (same machine, same 2 cores; sum of the two local runs over the sum of "
            f"the two cluster runs): **{data['ratio_local_over_cluster']:.2f}x** (first pair "
            f"{data['ratio_pairs'][0]:.2f}x, second pair {data['ratio_pairs'][1]:.2f}x; above 1: the "
            "cluster was faster).",
        ]
    lines += ["", "Commands:", ""]
    lines += [f"- {r['label']}: `{r['command']}`" for r in data["runs"]]
    lines.append("")
    return "\n".join(lines)


def _save(data: dict[str, Any]) -> str:
    data["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    data["load_average_after"] = os.getloadavg()[0]
    suffix = "-quick" if data["quick"] else ""
    (HERE / f"RESULTS-staffing{suffix}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    text = render(data)
    (HERE / f"RESULTS-staffing{suffix}.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--skip-default", action="store_true", help="leave out (b), the 14-day default")
    parser.add_argument("--skip-unreachable", action="store_true", help="leave out (c)")
    args = parser.parse_args()
    from distributed import LocalCluster

    small = ["--days", "2", "--candidates", "8"] if args.quick else ["--days", "3", "--candidates", "60"]
    data: dict[str, Any] = {
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg()[0],
        "quick": args.quick,
        "runs": [],
    }
    runs: list[dict[str, Any]] = data["runs"]
    # The results are written after each run (a machine shared with others may not let it finish).
    local_cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with local_cluster as cluster:
        on_cluster = [*small, "--cluster", cluster.scheduler_address]
        runs.append(run_staff(small, "(a) local 1"))
        _save(data)
        runs.append(run_staff(on_cluster, "(a) cluster 1"))
        _save(data)
        runs.append(run_staff(on_cluster, "(a) cluster 2"))
        _save(data)
        runs.append(run_staff(small, "(a) local 2"))
    local = [r["wall_seconds"] for r in runs if "local" in r["label"]]
    remote = [r["wall_seconds"] for r in runs if "cluster" in r["label"]]
    data["ratio_local_over_cluster"] = sum(local) / sum(remote)
    data["ratio_pairs"] = [local[0] / remote[0], local[1] / remote[1]]
    _save(data)
    if not args.skip_default:
        default = ["--days", "2", "--candidates", "8"] if args.quick else []
        runs.append(run_staff(default, "(b) default staff, 14 days"))
        _save(data)
    if not args.skip_unreachable:
        far = ["--target", "on_time>=0.85", "--target", "waiter_wait_p90<=30"]
        runs.append(run_staff([*small, *far], "(c) unreachable targets"))
    print(_save(data))


if __name__ == "__main__":
    main()
