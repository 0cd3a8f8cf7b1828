"""What the validator gate's greedy fallback would do on every live re-plan, paired (live-s18).

The gate (`scheduler.integrity.checked_plan`) replaces a re-plan's plan only when it breaks a hard
rule, which no replayed re-plan does: so on each live re-plan of a replayed day (bench.replay_day's
replay: `cli.replay_day.replay_scenario`) its fallback is computed as if it had fired, on the same
input, both ways: `greedy_plan(check, carry=True, keep=kept)` (now: the kept promises honoured,
review-s16 F5) against `greedy_plan(check, carry=True)` (before). Each is checked with the validator
(scheduler/validator.py) and counted: kept promises left out, bookings placed, seconds. The day goes
on with the live re-plan's own plan (the gate's answer is not changed).

    .venv/bin/python -m bench.live_fallback [--scenario dealer-2011] [--days 3] [--seed 1]
        [--overrun-share 0.25] [--out F.json]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

import scheduler.live_replan as live
from cli.replay_day import replay_scenario
from scheduler.contract import Plan, PlanRequest
from scheduler.integrity import greedy_plan
from scheduler.validator import validate_plan
from simulation import day_replay


class Recorder:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._checked: Callable[..., Plan] = live.checked_plan

    def install(self) -> None:
        live.checked_plan = self.checked_plan  # type: ignore[assignment]

    def uninstall(self) -> None:
        live.checked_plan = self._checked  # type: ignore[assignment]

    def checked_plan(
        self, request: PlanRequest, plan: Plan, carry: bool = False, keep: Collection[str] = (), **kw: Any
    ) -> Plan:
        row: dict[str, Any] = {"kept": len(keep)}
        for label, kept in (("before", ()), ("now", keep)):
            began = time.perf_counter()
            fallback = greedy_plan(request, carry, kept)
            row[f"seconds_{label}"] = round(time.perf_counter() - began, 4)
            out = {u.booking for u in fallback.unassigned}
            row[f"kept_out_{label}"] = len(out & set(keep))
            row[f"placed_{label}"] = len({a.booking for a in fallback.assignments} - out)
            row[f"invalid_{label}"] = len(validate_plan(request, fallback))
        own = {u.booking for u in plan.unassigned}
        row["kept_out_replan"] = len(own & set(keep))
        with self.lock:
            self.rows.append(row)
        return self._checked(request, plan, carry, keep, **kw)


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def pair(field: str) -> list[float]:
        return [
            round(sum(r[f"{field}_before"] for r in rows), 2),
            round(sum(r[f"{field}_now"] for r in rows), 2),
        ]

    return {
        "re-plans": len(rows),
        "kept promises (sum over re-plans)": sum(r["kept"] for r in rows),
        "kept left out by the re-plan itself": sum(r["kept_out_replan"] for r in rows),
        "fallback: kept left out, before / now": pair("kept_out"),
        "fallback: re-plans leaving fewer kept out now / more": [
            sum(r["kept_out_now"] < r["kept_out_before"] for r in rows),
            sum(r["kept_out_now"] > r["kept_out_before"] for r in rows),
        ],
        "fallback: bookings placed, before / now": pair("placed"),
        "fallback: hard rules broken, before / now": pair("invalid"),
        "fallback: seconds, before / now": pair("seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=None, help="JSON file for the figures and every row")
    parser.add_argument(
        "--overrun-share",
        type=float,
        default=None,
        help="share of operations overrunning (simulation.day_replay.OVERRUN_SHARE, 0.03): a stress",
    )
    args = parser.parse_args()
    if args.overrun_share is not None:
        day_replay.OVERRUN_SHARE = args.overrun_share
    report: dict[str, Any] = {}
    for name in args.scenario or ["dealer-2011"]:
        recorder = Recorder()
        recorder.install()

        def on_day(record: object, _: object, name: str = name, recorder: Recorder = recorder) -> None:
            print(name, getattr(record, "date", ""), json.dumps(totals(recorder.rows)), flush=True)

        try:
            replay_scenario(name, args.days, args.seed, latency_every=10**6, on_day=on_day)
        finally:
            recorder.uninstall()
        report[name] = {"figures": totals(recorder.rows), "rows": recorder.rows}
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    print(json.dumps({k: v["figures"] for k, v in report.items()}, indent=1))


if __name__ == "__main__":
    main()
