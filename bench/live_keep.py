"""What the live re-plan's kept promises and its stable clocked-first plan change, paired per re-plan
(live-s17).

Every live re-plan of a replayed day (bench.replay_day's replay: `cli.replay_day.replay_scenario`)
is also computed the way it was before, on the same input, and both are compared; the day goes on
with the new plan (what the service stores):

- kept promises: `replan(..., kept=on_time(stored plan))` against `kept=()` (before): how many of the
  bookings the stored live plan had on time each plan leaves out;
- the clocked-first path (`replan.clocked_first` applying: a booking with clocked work left out by
  the stable plan): the stable plan with clocked work first (`_plan_rest(..., clocked=True)`, now)
  against the plain dispatcher's (`clocked_first`, before): how many operations not started that the
  current plan places each one changes (another technician, bay or start, or left out).

The builders day's figures (tests/scheduler/test_replan.py) come from a script kept in
bench/RESULTS-live-s17-scripts.txt.

    .venv/bin/python -m bench.live_keep [--scenario dealer-2011] [--days 3] [--seed 1]
        [--overrun-share 0.25] [--late-every 4 [--late-after 15:00]] [--out F.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
from collections.abc import Collection
from typing import Any

import scheduler.live_replan as live
import scheduler.replan as rp
from cli.replay_day import replay_scenario
from scheduler.contract import (
    Assignment,
    Booking,
    OperationEvent,
    Plan,
    PlanRequest,
    ReplanRequest,
    ReplanResult,
)
from scheduler.errors import InputError
from simulation import day_replay
from simulation.day_replay import DayRecord, summarise

LATE_VARIANTS = 3
"""Late-clocked variants per sampled re-plan."""
GUARD = ("late", "flagged", "on-time share", "total lateness minutes")
"""The promise guard's figures reported beside (the replay goes on with the new plans)."""
_shadow = threading.local()
"""Set while the before-variant runs (its own calls are not recorded)."""


def changed(rr: ReplanRequest, request: PlanRequest, plan: Plan) -> int:
    """Operations not started (not pinned in `request`) that `rr.plan` places and `plan` changes."""
    pinned = {(b.id, p.operation) for b in request.bookings for p in b.pinned}
    new = {(a.booking, a.operation): (a.technician, a.bay, a.start) for a in plan.assignments}
    return sum(
        1
        for a in rr.plan.assignments
        if (a.booking, a.operation) not in pinned
        and new.get((a.booking, a.operation)) != (a.technician, a.bay, a.start)
    )


class Recorder:
    def __init__(self) -> None:
        self.clocked: list[dict[str, Any]] = []
        self.synthetic: list[dict[str, Any]] = []
        """The clocked-first rows of the late-clocked variants (`late_variants`)."""
        self.variants = 0
        self.refused = 0
        """Variants the re-plan refused (the technician or bay had clocked work then)."""
        """Late-clocked variants tried (`--late-every`: 0 tries none)."""
        self.late_every = 0
        self.late_after: dt.time | None = None
        """Variants only of re-plans from this local time on (the day's end is where work lacks room)."""
        self.seen = 0
        self.kept: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._plan_rest = rp._plan_rest
        self._replan = live.replan

    def install(self) -> None:
        rp._plan_rest = self.plan_rest  # type: ignore[assignment]
        live.replan = self.replan  # type: ignore[assignment]

    def uninstall(self) -> None:
        rp._plan_rest = self._plan_rest
        live.replan = self._replan

    def plan_rest(
        self,
        rr: ReplanRequest,
        request: PlanRequest,
        bookings: list[Booking],
        planner: str,
        at_risk: Collection[str],
        jump: bool,
        kept: Collection[str] = (),
        clocked: bool = False,
    ) -> Plan:
        plan = self._plan_rest(rr, request, bookings, planner, at_risk, jump, kept, clocked)
        mode = getattr(_shadow, "on", False)
        if clocked and mode is not True:
            plain = rp.clocked_first(request, rr.plan)
            row = {
                "now": rr.now.isoformat(),
                "placed_before_plan": len(rr.plan.assignments),
                "changed_before": changed(rr, request, plain),
                "changed_now": changed(rr, request, plan),
                "stuck_before": sorted(rp.stuck_bookings(request, plain, {})),
                "stuck_now": sorted(rp.stuck_bookings(request, plan, {})),
                "planner_now": plan.planner,
            }
            with self.lock:
                (self.synthetic if mode == "late" else self.clocked).append(row)
        return plan

    def replan(self, rr: ReplanRequest, planner: str = "greedy", at_risk: Collection[str] = (),
               jump: bool = True, kept: Collection[str] | None = None) -> ReplanResult:  # fmt: skip
        began = time.perf_counter()
        result = rp.replan(rr, planner, at_risk, jump, kept)
        seconds = time.perf_counter() - began
        _shadow.on = True
        try:
            began = time.perf_counter()
            before = rp.replan(rr, planner, at_risk, jump, ())
            before_seconds = time.perf_counter() - began
        finally:
            _shadow.on = False
        promised = set(kept or ())
        out_now = {u.booking for u in result.plan.unassigned} & promised
        out_before = {u.booking for u in before.plan.unassigned} & promised
        row = {
            "now": rr.now.isoformat(),
            "kept": len(promised),
            "kept_out_now": len(out_now),
            "kept_out_before": len(out_before),
            "placed_now": len({a.booking for a in result.plan.assignments}),
            "placed_before": len({a.booking for a in before.plan.assignments}),
            "changes_now": len(result.changes),
            "changes_before": len(before.changes),
            "seconds_now": round(seconds, 4),
            "seconds_before": round(before_seconds, 4),
        }
        with self.lock:
            self.kept.append(row)
            self.seen += 1
            due = self.late_every > 0 and self.seen % self.late_every == 0
        local = rr.now.astimezone(rr.request.workshop.tz).time()
        due = due and (self.late_after is None or local >= self.late_after)
        if due:
            _shadow.on = "late"
            try:
                self.late_variants(rr, planner, at_risk, jump, kept)
            finally:
                _shadow.on = False
        return result

    def late_variants(
        self,
        rr: ReplanRequest,
        planner: str,
        at_risk: Collection[str],
        jump: bool,
        kept: Collection[str] | None,
    ) -> None:
        """The re-plan's input with one booking's first operation clocked late instead: done in the
        minute before `now` (where the plan had it later, on its technician and bay), its later
        operations' old places gone (as a live re-plan drops work planned before now that nobody
        clocked): the pattern that sends a re-plan down the clocked-first path (review-s15 R1).
        Up to `LATE_VARIANTS` bookings of the re-plan, each re-planned in turn (the result unused)."""
        clocked = {(e.booking, e.operation) for e in [*rr.started, *rr.finished, *rr.overruns]}
        ops: dict[str, list[Assignment]] = {}
        for a in rr.plan.assignments:
            ops.setdefault(a.booking, []).append(a)
        tried = 0
        for booking, mine in ops.items():
            mine.sort(key=lambda a: a.operation)
            if tried >= LATE_VARIANTS or len(mine) < 2 or mine[0].operation != 0:
                continue
            if any((booking, a.operation) in clocked for a in mine) or mine[0].start < rr.now:
                continue
            start = rr.now - dt.timedelta(minutes=1)
            variant = rr.model_copy(update={
                "plan": rr.plan.model_copy(update={"assignments": [
                    a for a in rr.plan.assignments if a.booking != booking or a.operation == 0]}),
                "started": [*rr.started, OperationEvent(booking=booking, operation=0, at=start)],
                "finished": [*rr.finished, OperationEvent(booking=booking, operation=0, at=rr.now)],
            })  # fmt: skip
            tried += 1
            self.variants += 1
            try:
                rp.replan(variant, planner, at_risk, jump, kept)
            except InputError:  # the technician or bay had clocked work then: not a variant
                self.refused += 1


def _pair(rows: list[dict[str, Any]], field: str) -> list[int]:
    """The sums of `field`_before and `field`_now over `rows`."""
    return [sum(r[f"{field}_before"] for r in rows), sum(r[f"{field}_now"] for r in rows)]


def totals(recorder: Recorder) -> dict[str, Any]:
    k, c = recorder.kept, recorder.clocked
    return {
        "replans": len(k),
        "kept promises (sum over re-plans)": sum(r["kept"] for r in k),
        "kept left out, before / now": [
            sum(r["kept_out_before"] for r in k),
            sum(r["kept_out_now"] for r in k),
        ],
        "re-plans where they differ": sum(r["kept_out_before"] != r["kept_out_now"] for r in k),
        "re-plans leaving fewer kept out now / more": [
            sum(r["kept_out_now"] < r["kept_out_before"] for r in k),
            sum(r["kept_out_now"] > r["kept_out_before"] for r in k),
        ],
        "bookings placed, before / now": [
            sum(r["placed_before"] for r in k),
            sum(r["placed_now"] for r in k),
        ],
        "changes listed, before / now": [
            sum(r["changes_before"] for r in k),
            sum(r["changes_now"] for r in k),
        ],
        "re-plan seconds, before / now": [
            round(sum(r["seconds_before"] for r in k), 2),
            round(sum(r["seconds_now"] for r in k), 2),
        ],
        "clocked-first plans": len(c),
        "clocked-first: operations changed, before / now": [
            sum(r["changed_before"] for r in c),
            sum(r["changed_now"] for r in c),
        ],
        "clocked-first: fewer changed now / more": [
            sum(r["changed_now"] < r["changed_before"] for r in c),
            sum(r["changed_now"] > r["changed_before"] for r in c),
        ],
        "clocked-first: leaving clocked bookings out, before / now": [
            sum(bool(r["stuck_before"]) for r in c),
            sum(bool(r["stuck_now"]) for r in c),
        ],
        **_clocked(recorder.synthetic, f"late variants ({recorder.variants}, {recorder.refused} refused)"),
    }


def _clocked(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    return {
        f"{label}: clocked-first plans": len(rows),
        f"{label}: operations changed, before / now": _pair(rows, "changed"),
        f"{label}: fewer changed now / more": [
            sum(r["changed_now"] < r["changed_before"] for r in rows),
            sum(r["changed_now"] > r["changed_before"] for r in rows),
        ],
        f"{label}: leaving clocked bookings out, before / now": [
            sum(bool(r["stuck_before"]) for r in rows),
            sum(bool(r["stuck_now"]) for r in rows),
        ],
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
    parser.add_argument(
        "--late-every",
        type=int,
        default=0,
        help="every that many live re-plans, also re-plan late-clocked variants of its input",
    )
    parser.add_argument("--late-after", default=None, help="HH:MM: late-clocked variants only from then on")
    args = parser.parse_args()
    if args.overrun_share is not None:
        day_replay.OVERRUN_SHARE = args.overrun_share
    report: dict[str, Any] = {}
    for name in args.scenario or ["dealer-2011"]:
        recorder = Recorder()
        recorder.late_every = args.late_every
        recorder.late_after = dt.time.fromisoformat(args.late_after) if args.late_after else None
        recorder.install()
        records: list[DayRecord] = []

        def on_day(
            record: DayRecord,
            _: object,
            name: str = name,
            recorder: Recorder = recorder,
            records: list[DayRecord] = records,
        ) -> None:
            records.append(record)
            print(name, record.date, json.dumps(totals(recorder)), flush=True)

        try:
            replay_scenario(name, args.days, args.seed, latency_every=10**6, on_day=on_day)
        finally:
            recorder.uninstall()
        guard = summarise(records)
        report[name] = {
            "figures": totals(recorder),
            "guard": {
                k: guard[k]
                for k in ("late", "flagged", "on-time share", "total lateness minutes")
                if k in guard
            },
            "kept rows": recorder.kept,
            "clocked rows": recorder.clocked,
        }
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    print(json.dumps({k: v["figures"] for k, v in report.items()}, indent=1))


if __name__ == "__main__":
    main()
