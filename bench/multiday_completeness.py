"""Multi-day offers on dealer-2011: how many drop-off times the immediate answer finds, and that
each one, booked, keeps every day it touches sound.

Tuesday to Thursday are filled through the planning service as in `bench.multiday` (slot query,
book a random offered time; default capacity rules; one-day work and whole accident repairs,
ACC-REPAIR, 16 labour hours, at most 5 days). At checkpoints while the days fill (every
`--every` bookings of a day), the offers of ACC-REPAIR on that day are computed on the same day
objects three ways:

- `before` (with `--baseline FILE`, the scheduler/multiday.py of the commit to compare with, e.g.
  `git show main:scheduler/multiday.py > /tmp/multiday_main.py`): that version's search, on the
  same day objects;
- `quick`: this version with no budget to move bookings (the days' free time as it is, gaps before
  a later offered time filled with its placements);
- `budget`: bookings moved out of the way (scheduler.ejection) where the free time has no room,
  on the drop-off day and on the later days, within the query's budget (25 ms of the thread's
  CPU, `EJECTION_SECONDS`): the answer the booking system gets now;
- `generous`: the same with 2 s: the reference (there is no exact check of multi-day work; the
  share of it the other two reach is reported, not a completeness against an exact check).

Soundness: each time `budget` offers beyond `before` (else `quick`) is booked in a copy of the database, and
every day the repair touches is checked: the days' witnesses as a plan pass the independent
validator with every booking placed and on time, and the repair's witness passes
`validate_multiday`.

    .venv/bin/python -m bench.multiday_completeness [--quick] [--baseline /tmp/multiday_main.py]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.clock import NOW
from scheduler import multiday
from scheduler.clock import FixedClock
from scheduler.contract import Booking, Workshop
from scheduler.integrity import finish, plannable
from scheduler.planning import to_plan
from scheduler.scenarios import load_scenario
from scheduler.service import Conflict, PlanningService, witness_hint
from scheduler.slots import EJECTION_SECONDS, CapacityRules
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.validator import validate_multiday, validate_plan

HERE = Path(__file__).parent
DAYS = [dt.date(2026, 11, 24) + dt.timedelta(days=i) for i in range(3)]
ONE_DAY = ["LUBE", "MAINT", "MINOR", "WARRANTY", "ACCIDENT", "ACC-BODY", "ACC-PAINT", "ALIGN"]
MODES = {"quick": 0.0, "budget": EJECTION_SECONDS, "generous": 2.0}
CODE = "ACC-REPAIR"


def _service(url: str) -> PlanningService:
    return PlanningService(Store(url), CapacityRules(), refine_in_background=False, clock=FixedClock(NOW))


def _sound(url: str, ws: Workshop, drop_off: dt.datetime) -> dict[str, object]:
    """Book ACC-REPAIR at `drop_off` in the database at `url`; check every day it touches."""
    service = _service(url)
    try:
        stored, _ = service.book(ws.id, Booking(id="probe-repair", service=CODE, drop_off=drop_off), None)
    except Conflict:
        return {"booked": False}
    with service.store.sessions() as session:
        row = bookings_db.get(session, ws.id, stored.id)
        assert row is not None
        booking, witness = bookings_db.accepted_of(row)
    days = sorted({a.start.astimezone(ws.tz).date() for a in witness})
    violations = len(validate_multiday(ws, booking, witness))
    unplaced = late = 0
    for date in days:
        request, held, _ = service.plan_inputs(ws.id, date, 1.0)
        compiled, dropped = plannable(request)
        plan = finish(request, to_plan(compiled, witness_hint(compiled, held), "witness"), dropped)
        violations += len(validate_plan(request, plan))
        unplaced += len(plan.unassigned)
        late += plan.kpis.late
    return {"booked": True, "days": len(days), "violations": violations, "unplaced": unplaced, "late": late}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer bookings")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--every", type=int, default=10, help="bookings of a day between checkpoints")
    parser.add_argument("--baseline", type=Path, help="the multiday.py to compare with (mode `before`)")
    args = parser.parse_args()
    before: Any = None
    if args.baseline is not None:
        spec = importlib.util.spec_from_file_location("multiday_before", args.baseline)
        assert spec is not None and spec.loader is not None
        before = importlib.util.module_from_spec(spec)
        sys.modules["multiday_before"] = before  # dataclasses look their module up
        spec.loader.exec_module(before)
    per_day, repairs_per_day = (30, 3) if args.quick else (80, 5)
    rng = random.Random(args.seed)
    ws = load_scenario("dealer-2011").workshop
    checkpoints: list[dict[str, object]] = []
    modes = {**({"before": -1.0} if before is not None else {}), **MODES}
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        service = _service(url)
        service.put_workshop(ws)
        for date in DAYS:
            asked = [CODE] * repairs_per_day + [rng.choice(ONE_DAY) for _ in range(per_day)]
            rng.shuffle(asked)
            for n, code in enumerate(asked):
                offers = service.slots(ws.id, code, date, False, None)
                if offers:
                    wanted = Booking(id=f"{date:%d}-{n}", service=code, drop_off=rng.choice(offers).drop_off)
                    service.book(ws.id, wanted, None)
                if (n + 1) % args.every:
                    continue
                found: dict[str, set[dt.datetime]] = {}
                with service.store.sessions() as session:
                    day_of = partial(service._day, session, ws)  # the days as the service holds them
                    day = day_of(date)
                    single = day.offers(CODE, False)
                    multiday.offers(day, day_of, CODE, None, single, ejection_seconds=0.0)  # warm the days
                    for mode, seconds in modes.items():
                        began = time.perf_counter()
                        if mode == "before":
                            made = before.offers(day, day_of, CODE, None, single)
                        else:
                            made = multiday.offers(day, day_of, CODE, None, single, ejection_seconds=seconds)
                        timings[mode].append(time.perf_counter() - began)
                        found[mode] = {o.drop_off for o in made}
                extra = sorted(found["budget"] - found.get("before", found["quick"]))
                checks = []
                for drop_off in extra:
                    copy = Path(tmp) / "copy.db"
                    copy.unlink(missing_ok=True)
                    with sqlite3.connect(Path(tmp) / "bench.db") as src, sqlite3.connect(copy) as dst:
                        src.backup(dst)  # WAL mode: the file alone may miss the latest pages
                    checks.append(_sound(f"sqlite:///{copy}", ws, drop_off))
                checkpoints.append({
                    "date": date.isoformat(), "booked_so_far": n + 1,
                    **{mode: len(times) for mode, times in found.items()},
                    "budget_beyond_before": len(extra), "checked": checks,
                })  # fmt: skip
                print(json.dumps(checkpoints[-1]), flush=True)
    total = {mode: sum(int(str(c[mode])) for c in checkpoints) for mode in modes}
    checked = [c for cp in checkpoints for c in cp["checked"]]  # type: ignore[attr-defined]
    result = {
        "scenario": "dealer-2011",
        "days": [d.isoformat() for d in DAYS],
        "checkpoints": checkpoints,
        "offered_times": total,
        "share_of_generous": {
            mode: round(total[mode] / total["generous"], 3) if total["generous"] else None for mode in modes
        },
        "booked_beyond_before": sum(1 for c in checked if c["booked"]),
        "checked_violations": sum(int(c.get("violations", 0)) for c in checked),
        "checked_unplaced": sum(int(c.get("unplaced", 0)) for c in checked),
        "checked_late": sum(int(c.get("late", 0)) for c in checked),
        "median_ms": {mode: round(statistics.median(t) * 1000, 2) for mode, t in timings.items()},
        "ratio_budget_to_first_mode_ms": round(
            statistics.median(timings["budget"]) / statistics.median(timings[next(iter(modes))]), 2
        ),
        "quick": args.quick,
        "seed": args.seed,
    }
    out = HERE / "RESULTS-multiday-completeness.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "checkpoints"}, indent=2, default=str))


if __name__ == "__main__":
    main()
