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
- `generous`: the same with 2 s: a much longer search of the same kind.

Completeness against an exact check (`ExactMultiDay`): on the same days with the open rules (no
walk-in holdback, no waiter cap: policies, not feasibility, as in bench.slots), every candidate
time of the day the immediate answer (`budget`) does not offer is decided by CP-SAT over every day
the work could touch (one-day checks of each day's share, searched over the splits of the
operations); completeness = offered / exact-feasible, under the validator's rules (a day without
work of the repair allowed, the drop-off day too) and under the stricter rule the offers kept
before the work could start on a later day (work on every opening day from the drop-off day until
done; an offered time counts as its own witness there too, so `strict` now counts the offers whose
work starts later as feasible). With `--baseline`, the baseline's answer on the same days (built
afresh for it) is measured against the same check (`before_completeness`, `offer_ms_before`).

Soundness: every time `budget` offers (`--sound all`, the default; `--sound beyond`: only those
beyond `before`, else `quick`) is booked in a copy of the database, and every day the repair
touches is checked: the days' witnesses as a plan pass the independent validator with every
booking placed and on time (the drop-off day and the days the vehicle waits on included), and the
repair's witness passes `validate_multiday`.

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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.clock import NOW
from bench.slots import OPEN, exact_fits
from scheduler import multiday
from scheduler.clock import FixedClock
from scheduler.contract import Booking, Workshop
from scheduler.errors import Conflict
from scheduler.integrity import finish, plannable
from scheduler.offer import SlotQuery
from scheduler.plan_tasks import witness_hint
from scheduler.planning import to_plan
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import EJECTION_SECONDS, CapacityRules, DayBook
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.validator import validate_multiday, validate_plan

HERE = Path(__file__).parent
DAYS = [dt.date(2026, 11, 24) + dt.timedelta(days=i) for i in range(3)]
ONE_DAY = ["LUBE", "MAINT", "MINOR", "WARRANTY", "ACCIDENT", "ACC-BODY", "ACC-PAINT", "ALIGN"]
MODES = {"quick": 0.0, "budget": EJECTION_SECONDS, "generous": 2.0}
CODE = "ACC-REPAIR"


RULES = {"default": CapacityRules(), "open": OPEN}
"""The capacity rules the days are filled, offered and booked with (`--fill`)."""


def _service(url: str, rules: CapacityRules) -> PlanningService:
    return PlanningService(Store(url), rules, refine_in_background=False, clock=FixedClock(NOW))


def _sound(url: str, ws: Workshop, drop_off: dt.datetime, rules: CapacityRules) -> dict[str, object]:
    """Book ACC-REPAIR at `drop_off` in the database at `url`; check every day it touches."""
    service = _service(url, rules)
    try:
        stored, _ = service.book(ws.id, Booking(id="probe-repair", service=CODE, drop_off=drop_off), None)
    except Conflict:
        return {"booked": False}
    with service.store.sessions() as session:
        row = bookings_db.get(session, ws.id, stored.id)
        assert row is not None
        booking, witness = bookings_db.accepted_of(row)
    worked = {a.start.astimezone(ws.tz).date() for a in witness}
    drop_day = booking.drop_off.astimezone(ws.tz).date()
    with service.store.sessions() as session:  # the days it is held on with no work of it, too
        waits = {d for d, r in bookings_db.carried_from(session, ws.id, drop_day) if r.id == stored.id}
    days = sorted(worked | waits | {drop_day})
    violations = len(validate_multiday(ws, booking, witness))
    unplaced = late = 0
    for date in days:
        request, held, _ = service.plan_inputs(ws.id, date, 1.0)
        compiled, dropped = plannable(request)
        plan = finish(request, to_plan(compiled, witness_hint(compiled, held), "witness"), dropped)
        violations += len(validate_plan(request, plan))
        unplaced += len(plan.unassigned)
        late += plan.kpis.late
    return {
        "booked": True, "days": len(days), "work_starts_later": drop_day not in worked,
        "violations": violations, "unplaced": unplaced, "late": late,
    }  # fmt: skip


class ExactMultiDay:
    """The exact check of multi-day work at one checkpoint: can ACC-REPAIR, dropped off at a time,
    be done under the same rules the independent validator checks (validate_multiday: every
    operation once, in order, each in one piece on one local day, within `max_days` opening days
    from the drop-off day, the first no earlier than the drop-off; days with no work of it
    allowed), with every booking each day already holds still placed by its promise (validate_plan
    over the day)? Each day's share is a one-day CP-SAT check (bench.slots.exact_fits: the day's
    bookings, carried-over parts pinned where their witness holds them, plus the share); the days
    are independent once the operations are split over them, so the check is a search over the
    splits, a share that fits as the day's free time is (the quick fit's witness) needing no
    solve, and one that is proven not to fit cutting every longer share of that day. The advisor
    check-in of the drop-off day is checked first (it does not depend on where the work sits).
    Run on days with the open rules (no walk-in holdback, no waiter cap: policies, not
    feasibility, as in bench.slots), against offers made on the same days."""

    def __init__(self, day_of: Callable[[dt.date], DayBook], date: dt.date, limit: float) -> None:
        self.day_of = day_of
        first = day_of(date)
        self.workshop = first.workshop
        service = first.workshop.service(CODE)
        assert service is not None
        self.service = service
        self.n = len(service.operations)
        self.limit = limit
        self.days = [date]
        probe = date
        while len(self.days) < service.max_days and (probe - date).days < multiday.LOOK_AHEAD_DAYS:
            probe += dt.timedelta(days=1)
            if not self.workshop.is_closed(probe) and any(
                probe.weekday() in t.weekdays for t in self.workshop.technicians
            ):
                self.days.append(probe)
        self.later: dict[tuple[int, int, int], bool | None] = {}
        self.solves = 0
        self.solve_seconds = 0.0

    def _probe(self, first: int, last: int, drop_off: dt.datetime) -> Booking:
        code = CODE if (first, last) == (0, self.n - 1) else multiday.part_code(CODE, first, last)
        return Booking(id="exact-probe", service=code, drop_off=drop_off)

    def _share(self, i: int, first: int, last: int, drop_off: dt.datetime) -> bool | None:
        """Operations first..last on day i (the drop-off day: i = 0) besides that day's bookings."""
        day = self.day_of(self.days[i])
        probe = self._probe(first, last, drop_off)
        if day.fit_quickly(probe, repair=False) is not None:
            return True
        began = time.perf_counter()
        fits = exact_fits(day, probe, self.limit)
        self.solves += 1
        self.solve_seconds += time.perf_counter() - began
        return fits

    def _run(self, i: int, first: int, last: int, drop_off: dt.datetime, memo: dict[Any, Any]) -> bool | None:
        key = (i, first, last)
        cache = memo if i == 0 else self.later  # later days do not depend on the drop-off time
        if key not in cache:
            cache[key] = self._share(i, first, last, drop_off)
        return cache[key]

    def _reach(
        self, i: int, first: int, drop_off: dt.datetime, memo: dict[Any, Any], strict: bool
    ) -> bool | None:
        """Operations first.. done on days i.. (True: proven; None: only if an unproven share fits).
        `strict`: the offers' own rule besides the validator's: work on every opening day from
        the drop-off day until it is done (no day without work of it)."""
        if first == self.n:
            return True
        if i == len(self.days):
            return False
        key = ("reach", i, first, strict)
        if key in memo:
            return memo[key]  # type: ignore[no-any-return]
        best: bool | None = False
        for last in range(first if strict else first - 1, self.n):  # first - 1: no work of it that day
            ok = True if last < first else self._run(i, first, last, drop_off, memo)
            if ok is False:
                break  # a longer share of the same day fits no better
            rest = self._reach(i + 1, last + 1, drop_off, memo, strict)
            if ok and rest:
                best = True
                break
            if rest is not False:
                best = None
        memo[key] = best
        return best

    def feasible(self, drop_off: dt.datetime, strict: bool = False) -> bool | None:
        whole = self._probe(0, self.n - 1, drop_off)
        if not self.day_of(self.days[0]).allowed_before_fit(whole):
            return False  # no advisor free for the check-in
        return self._reach(0, 0, drop_off, {}, strict)


def _open_days(session: Any, ws: Workshop) -> Callable[[dt.date], DayBook]:
    """The days as the service holds them (carried-over work included), with the open rules."""
    view = multiday.day_workshop(ws)
    made: dict[dt.date, DayBook] = {}

    def day_of(date: dt.date) -> DayBook:
        if date not in made:
            accepted = multiday.day_accepted(
                ws,
                date,
                bookings_db.day_accepted(session, ws.id, date),
                bookings_db.carried_into(session, ws.id, date),
                held=True,
            )
            made[date] = DayBook(view, date, accepted, OPEN)
        return made[date]

    return day_of


def _exact_summary(exacts: list[dict[str, Any]], limit: float) -> dict[str, object]:
    """Completeness (offered / exact-feasible) over the checkpoints, under the validator's rules
    (a day without work of it allowed, the drop-off day too) and under the offers' stricter ones."""
    offered = sum(int(e["offered"]) for e in exacts)
    offered_before = sum(int(e.get("offered_before", 0)) for e in exacts)
    baseline = any("offered_before" in e for e in exacts)
    summary: dict[str, object] = {
        "day_rules": "open (no walk-in holdback, no waiter cap); advisors, promises, max_days kept",
        "exact_seconds": limit,
        "times": sum(int(e["times"]) for e in exacts),
        "offered": offered,
        "offer_ms_median": statistics.median(float(e["offer_ms"]) for e in exacts) if exacts else None,
        "offer_ms_before_median": (
            statistics.median(float(e["offer_ms_before"]) for e in exacts)
            if exacts and all("offer_ms_before" in e for e in exacts)
            else None
        ),
        "cp_sat_solves": sum(int(e["solves"]) for e in exacts),
    }
    for rules in ("validator", "strict"):
        feasible = sum(int(e[rules]["exact_feasible"]) for e in exacts)
        summary[rules] = {
            "exact_feasible": feasible,
            "unknown": sum(int(e[rules]["unknown"]) for e in exacts),
            "refused_but_feasible": sum(len(e[rules]["refused_but_feasible"]) for e in exacts),
            "completeness": round(offered / feasible, 4) if feasible else None,
        }
        if baseline:
            summary[rules]["before_offered"] = offered_before  # type: ignore[index]
            summary[rules]["before_completeness"] = (  # type: ignore[index]
                round(offered_before / feasible, 4) if feasible else None
            )
    return summary


def _exact_checkpoint(
    session: Any, ws: Workshop, date: dt.date, limit: float, before: Any = None
) -> dict[str, Any]:
    """Completeness of the immediate answer (offers with the query's budget) against the exact
    check, both on the days with the open rules: every candidate time of the day. With `before`
    (the baseline's multiday module), its answer on the same days too, against the same check."""
    day_of = _open_days(session, ws)
    day = day_of(date)
    began = time.perf_counter()
    single = day.offers(CODE, False, ejection_seconds=EJECTION_SECONDS)
    offered = {
        o.drop_off
        for o in multiday.offers(day, day_of, CODE, None, single, ejection_seconds=EJECTION_SECONDS)
    }
    offer_ms = (time.perf_counter() - began) * 1000
    offered_before: set[dt.datetime] | None = None
    before_ms: float | None = None
    if before is not None:  # on days of its own, as cold as this version's were
        fresh = _open_days(session, ws)
        began = time.perf_counter()
        first = fresh(date)
        alone = first.offers(CODE, False, ejection_seconds=EJECTION_SECONDS)
        made = before.offers(first, fresh, CODE, None, alone, ejection_seconds=EJECTION_SECONDS)
        before_ms = (time.perf_counter() - began) * 1000
        offered_before = {o.drop_off for o in made}
    exact = ExactMultiDay(day_of, date, limit)
    found: dict[str, Any] = {
        "times": len(day.candidate_times()), "offered": len(offered), "offer_ms": round(offer_ms, 1),
    }  # fmt: skip
    if offered_before is not None:
        found["offered_before"] = len(offered_before)
        found["offer_ms_before"] = round(before_ms or 0.0, 1)
    witnessed = offered | (offered_before or set())
    for rules, strict in (("validator", False), ("strict", True)):
        feasible = unknown = 0
        refused_feasible: list[str] = []
        refused_before: list[str] = []
        for t in day.candidate_times():
            # An offer is its own witness (under `strict` too: an offer whose work starts on a later
            # day counts as feasible there, so `strict` is no longer the offers' own rule).
            fits = True if t in witnessed else exact.feasible(t, strict)
            if fits is None:
                unknown += 1
                continue
            feasible += fits
            if fits and t not in offered:
                refused_feasible.append(t.strftime("%H:%M"))
            if fits and offered_before is not None and t not in offered_before:
                refused_before.append(t.strftime("%H:%M"))
        found[rules] = {
            "exact_feasible": feasible,
            "unknown": unknown,
            "refused_but_feasible": refused_feasible,
            **({"before_refused_but_feasible": refused_before} if offered_before is not None else {}),
        }
    return {**found, "solves": exact.solves, "solve_seconds": round(exact.solve_seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer bookings")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--every", type=int, default=10, help="bookings of a day between checkpoints")
    parser.add_argument("--baseline", type=Path, help="the multiday.py to compare with (mode `before`)")
    parser.add_argument(
        "--fill", choices=tuple(RULES), default="default",
        help="capacity rules of the filling and the answer: default (walk-in holdback, waiter caps) or open",
    )  # fmt: skip
    parser.add_argument("--exact-seconds", type=float, default=2.0, help="CP-SAT limit per day share")
    parser.add_argument(
        "--sound", choices=("all", "beyond"), default="all",
        help="book every offer of the answer (all) or only those beyond `before`/`quick` (beyond)",
    )  # fmt: skip
    parser.add_argument("--suffix", default="", help="added to the result file's name")
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
    exacts: list[dict[str, Any]] = []
    modes = {**({"before": -1.0} if before is not None else {}), **MODES}
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        service = _service(url, RULES[args.fill])
        service.put_workshop(ws)
        for date in DAYS:
            asked = [CODE] * repairs_per_day + [rng.choice(ONE_DAY) for _ in range(per_day)]
            rng.shuffle(asked)
            for n, code in enumerate(asked):
                offers = service.slots(SlotQuery(ws.id, code, date, False, None))
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
                    exact = _exact_checkpoint(session, ws, date, args.exact_seconds, before)
                    exacts.append(exact)
                extra = sorted(found["budget"] - found.get("before", found["quick"]))
                checks = []
                for drop_off in sorted(found["budget"]) if args.sound == "all" else extra:
                    copy = Path(tmp) / "copy.db"
                    copy.unlink(missing_ok=True)
                    with sqlite3.connect(Path(tmp) / "bench.db") as src, sqlite3.connect(copy) as dst:
                        src.backup(dst)  # WAL mode: the file alone may miss the latest pages
                    checks.append(_sound(f"sqlite:///{copy}", ws, drop_off, RULES[args.fill]))
                checkpoints.append({
                    "date": date.isoformat(), "booked_so_far": n + 1,
                    **{mode: len(times) for mode, times in found.items()},
                    "budget_beyond_before": len(extra), "checked": checks, "exact": exact,
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
        "exact": _exact_summary(exacts, args.exact_seconds),
        "sound_checked": args.sound,
        "booked_checked": sum(1 for c in checked if c["booked"]),
        "checked_offers": len(checked),
        "checked_violations": sum(int(c.get("violations", 0)) for c in checked),
        "checked_unplaced": sum(int(c.get("unplaced", 0)) for c in checked),
        "checked_late": sum(int(c.get("late", 0)) for c in checked),
        "checked_work_starts_later": sum(1 for c in checked if c.get("work_starts_later")),
        "median_ms": {mode: round(statistics.median(t) * 1000, 2) for mode, t in timings.items()},
        "ratio_budget_to_first_mode_ms": round(
            statistics.median(timings["budget"]) / statistics.median(timings[next(iter(modes))]), 2
        ),
        "quick": args.quick,
        "fill": args.fill,
        "seed": args.seed,
    }
    name = "RESULTS-multiday-completeness" + ("-quick" if args.quick else "") + args.suffix
    out = HERE / f"{name}{'-open' if args.fill == 'open' else ''}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "checkpoints"}, indent=2, default=str))


if __name__ == "__main__":
    main()
