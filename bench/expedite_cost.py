"""What moving the bookings at risk costs the live re-plan (scheduler.replan.expedite), measured on
the polls of a recorded replay (`bench.replay_day --trace`: each poll's projection inputs).

For every poll: the day's request from `now` (the live plan as the previous plan, work before `now`
pinned where the plan has it), the greedy stable re-plan (`stable_hint`, what the live re-plan runs
without the guard) and, on the same compiled day, `expedite` of the bookings the guard flags then
(`promise_guard`: pessimistic end after the promise), with and without going ahead of other work.
Both timed in the same process, one after the other; the ratio is what counts on a loaded machine.

    .venv/bin/python -m bench.expedite_cost T-dealer-2011-2026-11-26.snapshots.pickle.gz …
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import statistics
import time
from pathlib import Path

from scheduler.compiler import compile_request
from scheduler.contract import PinnedOperation, PlanRequest
from scheduler.promise_odds import Snapshot, promise_guard
from scheduler.replan import expedite, stable_hint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("snapshots", nargs="+")
    args = parser.parse_args()
    base: list[float] = []
    gaps: list[float] = []
    jump: list[float] = []
    flagged: list[int] = []
    moved: list[int] = []
    for path in args.snapshots:
        snaps: list[Snapshot] = pickle.loads(gzip.decompress(Path(path).read_bytes()))
        for s in snaps:
            if s.plan is None:
                continue
            placed = {(a.booking, a.operation): a for a in s.plan.assignments}
            bookings = []
            for b in s.day:
                pins = [
                    PinnedOperation(operation=k, bay=a.bay, technician=a.technician, start=a.start, end=a.end)
                    for (bid, k), a in sorted(placed.items())
                    if bid == b.id and a.start < s.now
                ]
                bookings.append(b.model_copy(update={"pinned": pins}))
            request = PlanRequest(workshop=s.workshop, date=s.date, bookings=bookings)
            options = request.options.model_copy(update={"not_before": s.now, "keep_promises": False})
            try:
                compiled = compile_request(request.model_copy(update={"options": options}), previous=s.plan)
            except Exception:  # a poll whose pins no longer fit the request: skip it
                continue
            promises = promise_guard(s)
            at_risk = {
                b.id
                for b in s.day
                if b.promised is not None
                and (p := promises[b.id].pessimistic_end) is not None
                and p > b.promised
            }
            urgent = [j for j, b in enumerate(compiled.bookings) if b.id in at_risk]
            t0 = time.perf_counter()
            hint = stable_hint(compiled)
            t1 = time.perf_counter()
            expedite(compiled.problem, hint, urgent, jump=False)
            t2 = time.perf_counter()
            after = expedite(compiled.problem, hint, urgent)
            t3 = time.perf_counter()
            base.append((t1 - t0) * 1000)
            gaps.append((t2 - t1) * 1000)
            jump.append((t3 - t2) * 1000)
            flagged.append(len(urgent))
            moved.append(
                sum(1 for j in urgent if after.placements.get((j, 0)) != hint.placements.get((j, 0)))
            )
    out = {
        "polls": len(base),
        "bookings at risk per poll, median / max": [statistics.median(flagged), max(flagged)],
        "of them moved (jump), total": sum(moved),
        "stable re-plan ms, median / max": [round(statistics.median(base), 2), round(max(base), 2)],
        "expedite (room only) ms, median / max": [round(statistics.median(gaps), 2), round(max(gaps), 2)],
        "expedite (with jump) ms, median / max": [round(statistics.median(jump), 2), round(max(jump), 2)],
        "ratio (with jump) / stable re-plan, median": round(
            statistics.median(j / b for j, b in zip(jump, base, strict=True)), 2
        ),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
