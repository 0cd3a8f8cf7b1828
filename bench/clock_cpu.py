"""The CPU time a clock event's request spends in the shop floor (`ShopFloor.clock`, its thread's
`time.thread_time`), with the answer computed from the whole day's status (`BAYPLAN_CLOCK_ANSWER=day`,
the baseline) and from the event's booking alone (the default), over the same dealer-2011 day lived
through in-process (simulation/day_replay.py, same seed) — a figure that other sessions on the
machine inflate far less than wall-clock latency (which is also recorded, for comparison).

    .venv/bin/python -m bench.clock_cpu
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from bench.clock import NOW
from scheduler.clock import ShiftedClock
from scheduler.scenarios import load_scenario
from scheduler.shopfloor import CLOCK_ANSWER_ENVIRONMENT, ShopFloor
from simulation.day_replay import percentile, replay_day

HERE = Path(__file__).parent
MODES = {"whole-day answer (baseline)": "day", "booking answer (default)": ""}


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p99": round(percentile(values, 0.99), 1),
        "mean": round(statistics.fmean(values), 1),
    }


def measure(answer: str, date: dt.date, seed: int) -> dict[str, dict[str, float]]:
    """One day lived through in-process with `BAYPLAN_CLOCK_ANSWER=answer`: each clock event's CPU
    and wall time inside `ShopFloor.clock`."""
    cpu: list[float] = []
    wall: list[float] = []
    original = ShopFloor.clock

    def timed(self: ShopFloor, *args: Any, **kwargs: Any) -> Any:
        c0, t0 = time.thread_time(), time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)

    scenario = load_scenario("dealer-2011")
    previous = os.environ.get(CLOCK_ANSWER_ENVIRONMENT)
    os.environ[CLOCK_ANSWER_ENVIRONMENT] = answer
    ShopFloor.clock = timed  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(f"sqlite:///{tmp}/cpu.db", auth=False, clock=ShiftedClock(NOW))
            with TestClient(app) as http:
                http.put(f"/v1/workshops/{scenario.workshop.id}", content=scenario.workshop.model_dump_json(),
                         headers={"content-type": "application/json"}).raise_for_status()  # fmt: skip
                replay_day(http, scenario, date, seed, latency_every=1)  # type: ignore[arg-type]  # an httpx client
    finally:
        ShopFloor.clock = original  # type: ignore[method-assign]
        if previous is None:
            os.environ.pop(CLOCK_ANSWER_ENVIRONMENT, None)
        else:
            os.environ[CLOCK_ANSWER_ENVIRONMENT] = previous
    return {"CPU ms": _stats(cpu), "wall ms": _stats(wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24), help="the day lived"
    )
    parser.add_argument("--seed", type=int, default=1, help="the replay's seed (durations drawn)")
    args = parser.parse_args()
    date, seed = args.date, args.seed
    per_mode = {name: measure(answer, date, seed) for name, answer in MODES.items()}
    base, mine = per_mode["whole-day answer (baseline)"], per_mode["booking answer (default)"]
    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "load average at the end (1, 5, 15 min)": [round(x, 1) for x in os.getloadavg()],
        "day": f"dealer-2011 {date.isoformat()}, seed {seed}, in-process (TestClient)",
        **per_mode,
        "ratios (booking / whole-day)": {
            f"{kind} {q}": round(mine[kind][q] / base[kind][q], 2)
            for kind in ("CPU ms", "wall ms")
            for q in ("p50", "p99")
        },
    }
    print(json.dumps(report, indent=1))
    (HERE / "RESULTS-clock-cpu.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
