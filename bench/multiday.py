"""Multi-day work on dealer-2011: soundness of booked whole accident repairs, and the cost of offers.

Three days in a row (Tuesday to Thursday) are filled through the planning service (slot query,
book a random offered time) with one-day work of the stage and maintenance services and whole
accident repairs (ACC-REPAIR, 16 labour hours, at most 5 days), in random order. Then:

- soundness: every day any booking touches is planned (CP-SAT warm-started from the witness,
  promises kept) and checked by the independent validator: every booking and every carried-over
  part placed, none late; every repair's witness passes `validate_multiday`;
- cost: on the filled days, the offers of ACC-REPAIR (drop-off day and the following days
  searched) against the offers of MAINT on the same day objects (a cache miss of a one-day
  service), as the ratio of medians measured in the same run; and the service's answer for
  ACC-REPAIR once cached (valid while every day the search looked at keeps its version).

    .venv/bin/python -m bench.multiday [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from bench.clock import NOW
from scheduler import multiday
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.offer import SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.validator import validate_multiday, validate_plan

HERE = Path(__file__).parent
DAYS = [dt.date(2026, 11, 24) + dt.timedelta(days=i) for i in range(3)]
ONE_DAY = ["LUBE", "MAINT", "MINOR", "WARRANTY", "ACCIDENT", "ACC-BODY", "ACC-PAINT", "ALIGN"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer bookings and repetitions")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    per_day, repairs_per_day, reps = (30, 3, 3) if args.quick else (80, 5, 10)
    rng = random.Random(args.seed)
    ws = load_scenario("dealer-2011").workshop
    with tempfile.TemporaryDirectory() as tmp:
        service = PlanningService(
            Store(f"sqlite:///{tmp}/bench.db"), CapacityRules(), refine_in_background=False,
            clock=FixedClock(NOW),
        )  # fmt: skip
        service.put_workshop(ws)
        asked = {date: ["ACC-REPAIR"] * repairs_per_day + [rng.choice(ONE_DAY) for _ in range(per_day)]
                 for date in DAYS}  # fmt: skip
        booked: list[Booking] = []
        refused = 0
        for date in DAYS:
            rng.shuffle(asked[date])
            for n, code in enumerate(asked[date]):
                offers = service.slots(SlotQuery(ws.id, code, date, False, None))
                if not offers:
                    refused += 1
                    continue
                wanted = Booking(id=f"{date:%d}-{n}", service=code, drop_off=rng.choice(offers).drop_off)
                booked.append(service.book(ws.id, wanted, None)[0])
        repairs = [b for b in booked if b.service == "ACC-REPAIR"]
        touched: set[dt.date] = set(DAYS)
        multiday_violations = 0
        spans: list[int] = []
        with service.store.sessions() as session:
            for r in repairs:
                row = bookings_db.get(session, ws.id, r.id)
                assert row is not None
                booking, witness = bookings_db.accepted_of(row)
                multiday_violations += len(validate_multiday(ws, booking, witness))
                dates = {a.start.astimezone(ws.tz).date() for a in witness}
                spans.append(len(dates))
                touched |= dates
        days = []
        for date in sorted(touched):
            began = time.perf_counter()
            plan = service.plan_day(ws.id, date, 10.0)
            seconds = time.perf_counter() - began
            request, _, _ = service.plan_inputs(ws.id, date, 10.0)
            parts = sum(1 for b in request.bookings if multiday.is_part(b))
            days.append({
                "date": date.isoformat(), "bookings": len(request.bookings), "carried_parts": parts,
                "placed": plan.kpis.placed, "late": plan.kpis.late, "unassigned": len(plan.unassigned),
                "violations": len(validate_plan(request, plan)), "status": plan.status,
                "objective": plan.objective, "best_bound": plan.best_bound, "gap": plan.gap,
                "plan_seconds": round(seconds, 2),
            })  # fmt: skip
        with service.store.sessions() as session:
            day_of = partial(service._day, session, ws)  # the days as the service holds them
            timings: dict[str, list[float]] = {"ACC-REPAIR": [], "MAINT": []}
            for _ in range(reps):
                for date in DAYS:
                    day = day_of(date)
                    began = time.perf_counter()
                    single = day.offers("ACC-REPAIR", False)
                    repair_offers = multiday.offers(day, day_of, "ACC-REPAIR", None, single)
                    timings["ACC-REPAIR"].append(time.perf_counter() - began)
                    began = time.perf_counter()
                    day.offers("MAINT", False)
                    timings["MAINT"].append(time.perf_counter() - began)
            for _ in range(reps):  # the service's answer: cached while the days searched keep their versions
                for date in DAYS:
                    began = time.perf_counter()
                    service.slots(SlotQuery(ws.id, "ACC-REPAIR", date, False, None))
                    timings.setdefault("ACC-REPAIR cached", []).append(time.perf_counter() - began)
    medians = {code: statistics.median(t) * 1000 for code, t in timings.items()}
    result = {
        "scenario": "dealer-2011",
        "days": [d.isoformat() for d in DAYS],
        "asked": sum(len(v) for v in asked.values()),
        "booked": len(booked),
        "refused_no_offer": refused,
        "repairs_booked": len(repairs),
        "repair_days": {str(k): spans.count(k) for k in sorted(set(spans))},
        "multiday_violations": multiday_violations,
        "day_plans": days,
        "offers_median_ms": {k: round(v, 2) for k, v in medians.items()},
        "offers_ratio_repair_to_maint": round(medians["ACC-REPAIR"] / medians["MAINT"], 2),
        "last_day_repair_offers": len(repair_offers),
        "quick": args.quick,
        "seed": args.seed,
    }
    out = HERE / "RESULTS-multiday.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
