"""Clock events packed into a few minutes, at the day's end or mid-day, through the clock's own rules
and the live re-plan (issue 13, lastmin13-s39): how often a live re-plan fails on events the clock
accepted, and how often it pins clocked work with no bay (a clash the clock did not see).

Each day: the small-dealer workshop (`narrow`: the express lane E01 and one general lift G01;
`three`: E01, G01 and G02), five bookings dropped off at 08:00, sometimes one or two jobs started
twenty to forty minutes before the window and left running, then 10 to 18 events in a window of a
few minutes: from 23:56-23:57 to the day's last second (`end`), or from 10:00 (`mid`, the same
packing where the day's end plays no part). An event is a start, finish, pause or resume of a
booking's first open operation, seconds after the one before; after a finish, usually a handover
(the same technician, or another into the bay just left, within seconds). Starts and resumes name
a bay half the time (any of the workshop's: some are refused). Each event goes through the shop
floor's intake (`ShopFloor.clock`: the clock's checks, 409/422 as refused) and is re-planned inside
its request, as of the event (`background=False`).

Counted per mode: events posted / accepted / refused, live re-plans that failed (every error
bayplan logs: "live re-plan … failed, the stored plan stays"), days whose stored plan is not made
from their newest event at the end, and clocked work pinned with no bay (`clocked_bay_conflicts`:
the accepted events whose stored plan has some after them, and the day's last plan's). Seeded per
(mode, day): the same days on any tree whose clock rules are the same (the events depend only on
the clock's answers). Scheduler level, one sqlite file, no HTTP.

    PYTHONPATH=. python -m bench.clock_endofday13 [days per mode, default 200] [end|mid|both, default both]
    BENCH_SHOW=1 ...: print the events of each day with a failed re-plan or a bay-less pin
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import os
import random
import re
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.clock import FixedClock
from scheduler.contract import Booking, Workshop
from scheduler.errors import Conflict, InputError
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.slots import CapacityRules
from scheduler.storage import Store

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
FIRST_DAY = dt.date(2027, 1, 4)
SERVICES = ["LUBE", "INSPECT", "MAINT", "MINOR", "WARRANTY"]
GAPS = [0, 0, 2, 5, 10, 20, 35, 50, 70]  # seconds between events
WORKSHOPS = {"narrow": ("E01", "G01"), "three": ("E01", "G01", "G02")}


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: collections.Counter[str] = collections.Counter()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[re.sub(r"\d", "#", record.getMessage())[:200]] += 1
        self.lines.append(record.getMessage())


def _workshop(name: str) -> Workshop:
    ws = load_scenario("small-dealer").workshop
    bays = [b for b in ws.bays if b.id in WORKSHOPS[name]]
    return ws.model_copy(update={"id": f"eod-{name}", "bays": bays})


def _day(
    floor: ShopFloor,
    service: PlanningService,
    ws: Workshop,
    day: dt.date,
    window: dt.time,
    rng: random.Random,
) -> list[tuple[str, dict[str, object]]]:
    """One day's events posted (each with its answer: 201, 409, 422)."""
    operations = {s.code: len(s.operations) for s in ws.services}
    techs = [t.id for t in ws.technicians if t.skills != ["body"] and t.skills != ["paint"]]
    bays = [b.id for b in ws.bays]
    ids: list[str] = []
    ops: dict[str, int] = {}
    for n in range(5):
        code = rng.choice(SERVICES)
        booking = Booking(
            id=f"{ws.id}-{day:%y%m%d}-{n}", service=code, drop_off=dt.datetime.combine(day, dt.time(8), TZ)
        )
        try:
            service.book(ws.id, booking, None)
        except (Conflict, InputError):
            continue
        ids.append(booking.id)
        ops[booking.id] = operations[code]
    state: dict[tuple[str, int], tuple[str, str, str | None]] = {}  # (state, technician, bay named)
    busy: dict[str, tuple[str, int]] = {}
    played: list[tuple[str, dict[str, object]]] = []
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), TZ)

    def first_open(bid: str) -> int | None:
        return next((k for k in range(ops[bid]) if state.get((bid, k), ("",))[0] != "done"), None)

    def post(bid: str, k: int, tech: str, action: str, at: dt.datetime, bay: str | None) -> bool:
        fields: dict[str, object] = {
            "booking": bid,
            "operation": k,
            "technician": tech,
            "action": action,
            "at": at,
        }
        if bay is not None:
            fields["bay"] = bay
        try:
            floor.clock(ws.id, fields, f"{day}-{len(played)}", None, at)
        except Conflict:
            played.append(("409", fields))
            return False
        except InputError:
            played.append(("422", fields))
            return False
        no_bay = len(
            service.stored_plan(ws.id, day).clocked_bay_conflicts
        )  # (this event's re-plan, or the last)
        played.append((f"201 no bay {no_bay}" if no_bay else "201", fields))
        after = {"start": "run", "resume": "run", "pause": "paused", "finish": "done"}[action]
        named = bay if action in ("start", "resume") else state.get((bid, k), ("", "", None))[2]
        state[(bid, k)] = (after, tech, named)
        if after == "run":
            busy[tech] = (bid, k)
        else:
            busy.pop(tech, None)
        return True

    def a_bay() -> str | None:
        return rng.choice(bays) if rng.random() < 0.5 else None

    start = dt.datetime.combine(day, window, TZ) + dt.timedelta(seconds=rng.randrange(60))
    for _ in range(rng.choice([0, 0, 1, 2])):  # work left running from before the window
        free = [b for b in ids if first_open(b) == 0 and (b, 0) not in state]
        idle = [t for t in techs if t not in busy]
        if free and idle:
            before = start - dt.timedelta(minutes=rng.randrange(20, 40), seconds=rng.randrange(60))
            post(rng.choice(free), 0, rng.choice(idle), "start", before, a_bay())
    t = start
    handover: tuple[str, str | None] | None = None  # (technician, bay named) just freed by a finish
    for _ in range(rng.randrange(10, 19)):
        t += dt.timedelta(seconds=rng.choice(GAPS))
        if t >= end:
            t = end - dt.timedelta(seconds=1)
        running = [key for key, s in state.items() if s[0] == "run"]
        paused = [key for key, s in state.items() if s[0] == "paused"]
        startable = [(b, k) for b in ids if (k := first_open(b)) is not None and (b, k) not in state]
        idle = [x for x in techs if x not in busy]
        roll = rng.random()
        if handover is not None and startable and roll < 0.7:
            tech, bay = handover
            if rng.random() < 0.5 or tech in busy:  # another technician, into the bay just left
                tech = rng.choice(idle or techs)
                bay = bay if bay is not None and rng.random() < 0.7 else a_bay()
            else:
                bay = a_bay()
            bid, k = rng.choice(startable)
            post(bid, k, tech, "start", t, bay)
            handover = None
            continue
        handover = None
        if running and roll < 0.45:
            bid, k = rng.choice(running)
            _, tech, bay = state[(bid, k)]
            if rng.random() < 0.8:
                if post(bid, k, tech, "finish", t, None):
                    handover = (tech, bay)
            else:
                post(bid, k, tech, "pause", t, None)
        elif paused and roll < 0.55:
            bid, k = rng.choice(paused)
            tech = state[(bid, k)][1]
            post(bid, k, tech if tech not in busy else rng.choice(idle or techs), "resume", t, a_bay())
        elif startable:
            bid, k = rng.choice(startable)
            post(
                bid,
                k,
                rng.choice(idle) if idle and rng.random() < 0.9 else rng.choice(techs),
                "start",
                t,
                a_bay(),
            )
    return played


def _words(fields: dict[str, object]) -> str:
    at = fields["at"]
    assert isinstance(at, dt.datetime)
    who = f"{fields['booking']} op{fields['operation']} {fields['technician']}"
    return f"{who} {fields['action']} {at:%H:%M:%S} {fields.get('bay', '-')}"


def main(days: int, modes: list[str]) -> dict[str, collections.Counter[str]]:
    errors = _Errors()
    log = logging.getLogger("bayplan")
    log.addHandler(errors)
    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bayplan-endofday-')) / 'e.db'}"
    service = PlanningService(
        Store(db), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=FixedClock(NOW)
    )
    floor = ShopFloor(service, background=False)
    results: dict[str, collections.Counter[str]] = {}
    try:
        for mode in modes:
            window = dt.time(23, 56) if mode == "end" else dt.time(10, 0)
            for name in WORKSHOPS:
                ws = _workshop(name)
                service.put_workshop(ws)
                counts: collections.Counter[str] = collections.Counter()
                for n in range(days):
                    day = FIRST_DAY + dt.timedelta(days=n + (days if mode == "mid" else 0))
                    seen = sum(errors.seen.values())
                    rng = random.Random(f"endofday13-{mode}-{name}-{n}")
                    played = _day(floor, service, ws, day, window, rng)
                    counts["events"] += len(played)
                    for answer, _ in played:
                        counts[answer[:3]] += 1
                        no_bay_then = int(answer.rsplit(" ", 1)[1]) if "no bay" in answer else 0
                        counts["accepted events whose plan has clocked work of no bay"] += no_bay_then > 0
                    failed = sum(errors.seen.values()) - seen
                    counts["re-plans failed (errors logged)"] += failed
                    counts["days with a failed re-plan"] += failed > 0
                    _, as_of, newest = floor.replans.lag(ws.id, day)
                    counts["days whose plan is not from their newest event"] += (
                        newest is not None and as_of != newest
                    )
                    last = service.stored_plan(ws.id, day) if newest is not None else None
                    no_bay = len(last.clocked_bay_conflicts) if last is not None else 0
                    counts["clocked work with no bay in the day's last plan"] += no_bay
                    counts["days with clocked work of no bay"] += no_bay > 0
                    ever = any("no bay" in answer for answer, _ in played)
                    if os.environ.get("BENCH_SHOW") and (failed or no_bay or ever):
                        print(f"== {mode} {name} day {n} ({day}): {failed} failed, {no_bay} with no bay")
                        for answer, fields in played:
                            print(" ", answer, _words(fields))
                        for line in errors.lines[-failed:] if failed else []:
                            print("  logged:", line)
                        if last is not None:
                            print("  conflicts:", [c.model_dump() for c in last.clocked_bay_conflicts])
                results[f"{mode} {name}"] = counts
                print(f"{mode} {name}: {dict(counts)}", flush=True)
    finally:
        floor.close()
        service.close()
        log.removeHandler(errors)
    for message, count in errors.seen.most_common():
        print(f"logged error x{count}: {message}")
    return results


if __name__ == "__main__":
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, ["end", "mid"] if which == "both" else [which])
