"""Simulation benchmark: events per second, the dealer-2011 30 x 30 sweep, and bayplan vs Ciw on M/M/c.

Everything is measured in the same run: the Ciw ratio is bayplan's customers per second over
Ciw's on the same M/M/c queue (same rates, servers, horizon and number of replications).

    .venv/bin/python -m bench.simulation           # writes bench/RESULTS-simulation.md and .json
    .venv/bin/python -m bench.simulation --quick   # smaller, for a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from scheduler.scenarios import load_scenario
from simulation.arrivals import choose_period
from simulation.design import run_experiment
from simulation.mmc import run_mmc
from simulation.replication import Job, run_job
from simulation.rules import load_rules
from simulation.stats import erlang_c, mean_ci

HERE = Path(__file__).parent

# The M/M/c queue of the comparison: 10 servers at 90 % load, minutes as the time unit.
ARRIVAL_RATE, SERVICE_RATE, SERVERS = 0.9, 0.1, 10


def bench_mmc(horizon: float, replications: int) -> dict[str, Any]:
    import ciw

    warmup = horizon / 20
    p_wait, mean_wait = erlang_c(ARRIVAL_RATE, SERVICE_RATE, SERVERS)

    began = time.perf_counter()
    ours = [
        run_mmc(ARRIVAL_RATE, SERVICE_RATE, SERVERS, horizon=horizon, warmup=warmup, seed=1, replication=r)
        for r in range(replications)
    ]
    ours_s = time.perf_counter() - began
    ours_customers = sum(o.customers for o in ours)

    began = time.perf_counter()
    ciw_waits_mean, ciw_p_wait, ciw_customers = [], [], 0
    for r in range(replications):
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
            service_distributions=[ciw.dists.Exponential(rate=SERVICE_RATE)],
            number_of_servers=[SERVERS],
        )
        ciw.seed(r + 1)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(horizon)
        waits = [rec.waiting_time for rec in sim.get_all_records() if rec.arrival_date >= warmup]
        ciw_customers += len(waits)
        ciw_waits_mean.append(sum(waits) / len(waits))
        ciw_p_wait.append(sum(1 for w in waits if w > 1e-9) / len(waits))
    ciw_s = time.perf_counter() - began

    ours_rate = ours_customers / ours_s
    ciw_rate = ciw_customers / ciw_s
    return {
        "model": f"M/M/{SERVERS}, lambda {ARRIVAL_RATE}/min, mu {SERVICE_RATE}/min (load 90 %)",
        "horizon_minutes": horizon,
        "replications": replications,
        "erlang_c": {"p_wait": p_wait, "mean_wait": mean_wait},
        "bayplan": {
            "seconds": ours_s,
            "customers": ours_customers,
            "customers_per_s": ours_rate,
            "events_per_s": sum(o.events for o in ours) / ours_s,
            "p_wait_ci": mean_ci([o.p_wait for o in ours]),
            "mean_wait_ci": mean_ci([o.mean_wait for o in ours]),
        },
        "ciw": {
            "version": ciw.__version__,
            "seconds": ciw_s,
            "customers": ciw_customers,
            "customers_per_s": ciw_rate,
            "p_wait_ci": mean_ci(ciw_p_wait),
            "mean_wait_ci": mean_ci(ciw_waits_mean),
        },
        "speed_ratio_bayplan_over_ciw": ours_rate / ciw_rate,
    }


def bench_sweep(days: int, replications: int, workers: int) -> dict[str, Any]:
    scenario = load_scenario("dealer-2011")
    rules = load_rules(scenario, "current")
    period = choose_period(scenario, days, None, "peak")

    # One replication in this process: the single-core event rate of the workshop model.
    job = Job(str(scenario.path), rules.model_dump(mode="json"), 0, 0, 1, period.start, days, "fcfs", 1.0)
    began = time.perf_counter()
    outcome = run_job(job)
    single_s = time.perf_counter() - began

    result = run_experiment(
        scenario, [rules], period, replications=replications, seed=1, workers=workers, policy="fcfs"
    )
    # The plan-following policy plans every day with CP-SAT (1 s limit): its cost per simulated day.
    plan_days = 3
    job = Job(
        str(scenario.path), rules.model_dump(mode="json"), 0, 0, 1, period.start, plan_days, "plan", 1.0
    )
    began = time.perf_counter()
    run_job(job)
    plan_s = time.perf_counter() - began
    metrics = result.rule_sets[0].metrics
    return {
        "scenario": "dealer-2011",
        "rules": "current",
        "period": result.period,
        "days": days,
        "replications": replications,
        "workers": workers,
        "policy": "fcfs",
        "wall_seconds": result.wall_seconds,
        "events": result.events,
        "events_per_s_wall": result.events / result.wall_seconds,
        "single_replication": {
            "seconds": single_s,
            "events": outcome.events,
            "events_per_s": outcome.events / single_s,
        },
        "plan_policy_seconds_per_day": plan_s / (plan_days + 1),
        "served_per_day": metrics["served_per_day"].model_dump(),
        "on_time": metrics["on_time"].model_dump(),
        "waiter_wait_p90": metrics["waiter_wait_p90"].model_dump(),
    }


def _ci(ci: list[float] | tuple[float, float, float], digits: int = 3) -> str:
    mean, low, high = ci
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def render(data: dict[str, Any]) -> str:
    m, s = data["mmc"], data["sweep"]
    return f"""# Simulation benchmark

Measured {data["when"]} on {data["machine"]} ({data["cpus"]} CPUs, shared with other jobs: noisy).
Command: `.venv/bin/python -m bench.simulation{" --quick" if data["quick"] else ""}`.

## dealer-2011 sweep ({s["replications"]} replications x {s["days"]} days, peak month, current rules)

| figure | value |
|---|---|
| wall time, {s["workers"]} worker processes | **{s["wall_seconds"]:.1f} s** (target <= 60 s) |
| events simulated | {s["events"]:,} |
| events per second (wall, whole sweep) | {s["events_per_s_wall"]:,.0f} |
| events per second (one replication, one core) | {s["single_replication"]["events_per_s"]:,.0f} |
| `--policy plan`: seconds per simulated day (CP-SAT + model) | {s["plan_policy_seconds_per_day"]:.2f} |
| served per day | {_ci(tuple(s["served_per_day"][k] for k in ("mean", "low", "high")), 1)} |
| on time | {_ci(tuple(s["on_time"][k] for k in ("mean", "low", "high")))} |
| waiter wait p90 (min) | {_ci(tuple(s["waiter_wait_p90"][k] for k in ("mean", "low", "high")), 1)} |

## bayplan vs Ciw on the same M/M/c queue

{m["model"]}, {m["replications"]} replications of {m["horizon_minutes"]:,.0f} minutes each.
Erlang C: P(wait) = {m["erlang_c"]["p_wait"]:.4f}, mean wait = {m["erlang_c"]["mean_wait"]:.3f} min.

| | bayplan (SimPy model) | Ciw {m["ciw"]["version"]} |
|---|---|---|
| seconds | {m["bayplan"]["seconds"]:.2f} | {m["ciw"]["seconds"]:.2f} |
| customers | {m["bayplan"]["customers"]:,} | {m["ciw"]["customers"]:,} |
| customers per second | {m["bayplan"]["customers_per_s"]:,.0f} | {m["ciw"]["customers_per_s"]:,.0f} |
| P(wait), mean [95 % CI] | {_ci(m["bayplan"]["p_wait_ci"], 4)} | {_ci(m["ciw"]["p_wait_ci"], 4)} |
| mean wait, min [95 % CI] | {_ci(m["bayplan"]["mean_wait_ci"])} | {_ci(m["ciw"]["mean_wait_ci"])} |

**Speed ratio bayplan / Ciw: {m["speed_ratio_bayplan_over_ciw"]:.2f}x** (customers per second, same run).
bayplan's model events per second on this queue: {m["bayplan"]["events_per_s"]:,.0f}.

## Certified staffing

`bayplan staff` (screen + KN over 50-60 candidates, local pool and Dask, and the 14-day default) is
measured by `.venv/bin/python -m bench.staffing`: `bench/RESULTS-staffing.md`.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.quick:
        mmc, sweep = bench_mmc(5_000, 3), bench_sweep(5, 4, args.workers)
    else:
        mmc, sweep = bench_mmc(20_000, 10), bench_sweep(30, 30, args.workers)
    data = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "mmc": mmc,
        "sweep": sweep,
    }
    suffix = "-quick" if args.quick else ""
    (HERE / f"RESULTS-simulation{suffix}.json").write_text(
        json.dumps(data, indent=2) + "\n", encoding="utf-8"
    )
    text = render(data)
    (HERE / f"RESULTS-simulation{suffix}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
