"""Advisor check-ins at the front desk: offers per day and how many drop-offs a day takes.

    PYTHONPATH=. .venv/bin/python -m bench.advisor_offers            # this checkout
    PYTHONPATH=/work/main /work/main/.venv/bin/python bench/advisor_offers.py   # a baseline

For one advisor (08:00-17:30, lunch 12:00-13:00) with check-ins of 10, 15, 20, 30 and 120 minutes
on a workshop whose technicians never bind (10 lifts, 10 technicians, MAINT 30 min), and for
dealer-2011 (7 advisors) with its check-ins (10 min) and with 90-minute ones:
- `offered`: drop-off times offered on an empty day (walk-in holdback 0.2);
- `fill_query_ms_mean`, `_p99`: the slot queries (`DayBook.offers`) of that filling;
- `filled`: drop-offs booked by taking the earliest offered time again and again until none is
  left (one customer after another), and `max_concurrent_over`: minutes at which more check-ins
  run than advisors are on duty (an independent count; must be 0), and the witness of the filled
  day checked with the validator (`invalid`: violations, whatever rules it knows).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

from scheduler.contract import Booking, Plan, PlanOptions, PlanRequest, Workshop
from scheduler.kpis import NO_KPIS
from scheduler.scenarios import load_scenario
from scheduler.slots import CapacityRules, DayBook
from scheduler.validator import validate_plan

DAY = dt.date(2026, 11, 24)  # a Tuesday


def tiny(check_in: int) -> Workshop:
    return Workshop.model_validate({
        "id": "w", "name": "W", "timezone": "Asia/Shanghai",
        "opening": {"start": "08:00", "end": "17:00"},
        "bays": [{"id": f"G{i}", "kind": "general"} for i in range(10)],
        "technicians": [{"id": f"t{i}", "name": f"T{i}", "grade": 3, "skills": ["maintenance"],
                         "shift": {"start": "08:00", "end": "20:00"}} for i in range(10)],
        "services": [{"code": "MAINT", "name": "Main", "check_in_minutes": check_in, "operations": [
            {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]}],
        "advisors": [{"id": "a1", "name": "Ann", "shift": {"start": "08:00", "end": "17:30",
                      "breaks": [{"start": "12:00", "end": "13:00"}]}}],
    })  # fmt: skip


def dealer(check_in: int | None) -> Workshop:
    ws = load_scenario("dealer-2011").workshop
    if check_in is None:
        return ws
    services = [s.model_copy(update={"check_in_minutes": check_in}) for s in ws.services]
    return ws.model_copy(update={"services": services})


def concurrent_over(ws: Workshop, bookings: list[Booking]) -> int:
    """Minutes at which more check-ins run than advisors are on duty (shift, not on a break)."""
    tz = ws.tz
    midnight = dt.datetime.combine(DAY, dt.time(0), tzinfo=tz)

    def minute(hhmm: str) -> int:
        h, m = map(int, hhmm.split(":"))
        return h * 60 + m

    over = 0
    spans = []
    for b in bookings:
        s = ws.service(b.service)
        assert s is not None
        start = int((b.drop_off - midnight).total_seconds() // 60)
        spans.append((start, start + s.check_in_minutes))
    for m in range(24 * 60):
        running = sum(1 for s, e in spans if s <= m < e)
        on = sum(
            1
            for a in ws.advisors
            if minute(a.shift.start) <= m < minute(a.shift.end)
            and not any(minute(b.start) <= m < minute(b.end) for b in a.shift.breaks)
        )
        over += running > on
    return over


def run(ws: Workshop, service: str, fill_limit: int = 400) -> dict[str, object]:
    rules = CapacityRules(walk_in_holdback=0.2)
    day = DayBook(ws, DAY, [], rules)
    t0 = time.perf_counter()
    offered = len(day.offers(service, waiter=False))
    offers_ms = (time.perf_counter() - t0) * 1000
    booked: list[Booking] = []
    took: list[float] = []
    for i in range(fill_limit):
        t0 = time.perf_counter()
        offers = day.offers(service, waiter=False)
        took.append((time.perf_counter() - t0) * 1000)
        if not offers:
            break
        b = Booking(id=f"b{i}", service=service, drop_off=offers[0].drop_off)
        offer = day.try_insert(b)
        if offer is None:
            break
        b = b.model_copy(update={"promised": offer.promised})
        day = day.with_booking(b, offer)
        booked.append(b)
    request = PlanRequest(
        workshop=ws, date=DAY, bookings=[b for b, _ in day.accepted], options=PlanOptions(keep_promises=True)
    )
    plan = Plan(workshop=ws.id, date=DAY, planner="witness", status="feasible", objective=0.0,
                solve_seconds=0.0, assignments=[a for _, w in day.accepted for a in w], unassigned=[],
                kpis=NO_KPIS)  # fmt: skip
    return {
        "offered": offered,
        "offers_ms": round(offers_ms, 1),
        "filled": len(booked),
        "fill_query_ms_mean": round(sum(took) / len(took), 2),
        "fill_query_ms_p99": round(sorted(took)[min(len(took) - 1, int(0.99 * len(took)))], 2),
        "max_concurrent_over": concurrent_over(ws, booked),
        "invalid": len(validate_plan(request, plan)),
    }


def main() -> None:
    rows = {}
    for check_in in (10, 15, 20, 30, 120):
        rows[f"1 advisor x {check_in}"] = run(tiny(check_in), "MAINT")
        print(json.dumps({f"1 advisor x {check_in}": rows[f"1 advisor x {check_in}"]}), flush=True)
    for check_in in (None, 90):
        key = f"dealer-2011 7 advisors x {check_in or 10} LUBE"
        rows[key] = run(dealer(check_in), "LUBE", fill_limit=60 if check_in else 150)
        print(json.dumps({key: rows[key]}), flush=True)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
