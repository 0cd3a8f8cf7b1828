"""Why the refined answer at a desk's pace misses feasible times (issue 16, session 45): session 44's
diagnosis (`bench.diag_pace16_s44`, copied; the same run, tallies and classes), which also keeps, for
every answer from the cache that missed a feasible time, the day version, the kind and the times
(`--dump FILE.pickle`); `--replay FILE.pickle` then runs the refinement of each such version alone
(`DayBook.offers_and_bound` as `scheduler.refiner` calls it, one worker) with `exact_seconds` 1, 2 and
5 (`--seconds`), and says which finds each missed time, with every CP-SAT check of its binary search
(the drop-off tried, found / proven infeasible / unproven, CPU s) and the refinement's CPU.

    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s45 --seed 1 --verdicts FILE --out FILE.json \
      --dump FILE.pickle
    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s45 --replay FILE.pickle --out FILE.json

Session 44's description of the run:

For each answer in the window it records whether it came from the cache (a refinement of that very
day version, or a query of it) or from the immediate search, and, for the immediate ones, what the
refinement was doing about that offer key: never asked for this version (idle, or busy with other
keys), queued, or running, and when (after the booking) its result for this version came in, if it
ever did. Each feasible probe time that was refused is then put in one class:

- refined: the answer was cached (a refinement of the version was in) and still missed it;
- immediate, and the refinement of this very version, delivered later, offers it: `late`
  (asked, not yet done when the query came) or ...;
- immediate, and the newest refined answer of an earlier version of the key, carried over to this
  version as a query carries a cached answer (`DayBook.offers_after`: untouched offers kept, the
  touched ones refitted around the new bookings, `_refitted_around`, then the ejection chains
  within the same budget), offers it: `carried`;
- neither: `other`.

    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s44 --seed 1 --verdicts FILE --out FILE.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pickle
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.diag_pace16_s44 import Watch, _same  # the same refiner watch and day comparison
from bench.slots import DATE, OPEN, Verdicts, unsound
from bench.slots_pace import NOW
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.offer import SlotQuery
from scheduler.offer_cache import offers_key
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import NO_WANTS, DayBook
from scheduler.storage import Store


def _differs(earlier: DayBook, day: DayBook) -> dict[str, Any]:
    """What the cached answer's day and this one hold differently: per list, the bookings only in
    one of them, and those in both with another witness (or other fields)."""
    out: dict[str, Any] = {}
    for name in ("date", "rules", "workshop"):
        if getattr(earlier, name) != getattr(day, name):
            out[name] = "differs"
    for name in ("accepted", "at_risk", "held"):
        old = {b.id: (b, w) for b, w in getattr(earlier, name)}
        new = {b.id: (b, w) for b, w in getattr(day, name)}
        if old == new:
            continue
        out[name] = {
            "gone": sorted(set(old) - set(new)),
            "came": sorted(set(new) - set(old)),
            "other witness": sorted(i for i in set(old) & set(new) if old[i][1] != new[i][1]),
            "other booking": sorted(i for i in set(old) & set(new) if old[i][0] != new[i][0]),
        }
    return out


def run(
    seed: int,
    verdicts: Verdicts,
    limit: float,
    pace: float,
    dates: int,
    probes: int,
    from_booking: int,
    attempts: int,
    scenario_name: str = "small-dealer",
) -> dict[str, Any]:
    scenario = load_scenario(scenario_name)
    workshop, demand = scenario.workshop, scenario.demand
    workshop = workshop.model_copy(update={"advisors": []})
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    rng = random.Random(seed)
    asking = random.Random(seed + 1000)
    folder = tempfile.mkdtemp(prefix="diag-pace16-")
    service = PlanningService(Store(f"sqlite:///{folder}/pace.db"), OPEN, clock=FixedClock(NOW))
    service._suggest = lambda *args, **kwargs: None  # type: ignore[method-assign]
    service.start_background()
    service.warm()
    service.put_workshop(workshop)
    assert service.refine_idle(timeout=120)
    watch = Watch(service)
    days = [DATE + dt.timedelta(days=i) for i in range(dates)]
    times = {d: DayBook(workshop, d, [], OPEN).candidate_times() for d in days}
    booked = 0
    measuring = False
    answers: list[dict[str, Any]] = []
    try:
        for attempt in range(1, attempts + 1):
            if not measuring and booked >= from_booking:
                service.refine_idle(timeout=60)
                measuring = True
            code = rng.choices(codes, weights)[0]
            waiter = rng.random() < demand.waiter_share[code]
            date = rng.choice(days) if dates > 1 else DATE
            drop = rng.choice(times[date])
            midnight = dt.datetime.combine(date, dt.time(), tzinfo=workshop.tz)
            try:
                service.book(
                    workshop.id,
                    Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, parts_eta=midnight),
                    None,
                )
            except Conflict:
                continue
            booked += 1
            t_booked = time.perf_counter()
            if measuring and pace > 0:
                service.refine_idle(timeout=pace)
            ask = asking.choices(codes, weights)[0]
            ask_waiter = asking.random() < 0.5
            ask_date = asking.choice(days) if dates > 1 else DATE
            key = offers_key(workshop.id, ask_date, ask, ask_waiter, None, NO_WANTS)
            before = service._offers.get(key)
            with service.store.sessions() as session:
                from scheduler.storage import bookings as bookings_db

                version = bookings_db.day_version(session, workshop.id, ask_date)
            state = watch.state(key, version)
            with service.store.sessions() as session:
                now_day = service._day(session, service.workshop(workshop.id, session), ask_date)
            # The cached answer's day holds what this version holds (a booking on another day moved
            # the version only: its car may be picked up here); main has no `same_as`: compared here.
            same = before is not None and before.version != version and _same(before.day, now_day)
            differs = None if before is None or same else _differs(before.day, now_day)
            hits = service.offer_cache_hits
            t_query = time.perf_counter()
            offers = service.slots(SlotQuery(workshop.id, ask, ask_date, ask_waiter, None))
            cached = service.offer_cache_hits > hits
            if not measuring:
                continue
            with service.store.sessions() as session:
                day = service._day(session, service.workshop(workshop.id, session), ask_date)
            asked = [asking.choice(day.candidate_times()) for _ in range(probes)]
            answers.append(
                {
                    "booked": booked,
                    "booking date": str(date),
                    "ask date": str(ask_date),
                    "kind": (ask, ask_waiter),
                    "key": key,
                    "version": version,
                    "cached": cached,
                    "state": state,
                    "before": None
                    if before is None
                    else (
                        "same version"
                        if before.version == version
                        else ("older refined" if before.refined else "older quick")
                    ),
                    "same day, new version": same,
                    "differs from the cached answer's day": differs,
                    "t_booked": t_booked,
                    "t_query": t_query,
                    "day": day,
                    "offers": offers,
                    "asked": asked,
                }
            )
        service.refine_idle(timeout=120)  # the refinements asked last, delivered (late) for the tally
    finally:
        service.close()
    tally: Counter[str] = Counter()
    states: Counter[str] = Counter()
    delays: list[float] = []
    rows = []
    refined_misses: list[dict[str, Any]] = []
    for a in answers:
        day, ask, ask_waiter = a["day"], *a["kind"]
        offered_times = {o.drop_off for o in a["offers"]}
        tally["offers broken"] += sum(unsound(day, ask, ask_waiter, o) for o in a["offers"])
        late = watch.delivered.get((a["key"], a["version"]))
        late_times = set() if late is None else {o.drop_off for o in late[1]}
        delay = None if late is None else late[0] - a["t_booked"]
        carried_times: set[dt.datetime] = set()
        grown_times: set[dt.datetime] = set()
        if not a["cached"]:
            states[a["state"]] += 1
            tally["immediate answers: the cached answer's day unchanged, new version"] += a[
                "same day, new version"
            ]
            if delay is not None:
                delays.append(delay)
            older = [
                h for h in watch.history.get(a["key"], []) if h[1] != a["version"] and h[0] < a["t_query"]
            ]
            for _, _, prev_offers, prev_day in reversed(older):
                added = day.placements_added_since(prev_day)
                if added is None:
                    continue
                grown = day.added_since(prev_day) is not None
                carried = day.offers_after(prev_offers, added, ask, ask_waiter, None, NO_WANTS, 0.025, grown)
                carried_times = {o.drop_off for o in carried}
                tally["carried answers offered broken"] += sum(
                    unsound(day, ask, ask_waiter, o) for o in carried
                )
                change = _differs(prev_day, day)
                only_came = set(change) == {"accepted"} and not any(
                    change["accepted"][k] for k in ("gone", "other witness", "other booking")
                )
                if not grown and only_came:  # grew by bookings alone, with no lineage to show it
                    as_grown = day.offers_after(
                        prev_offers, added, ask, ask_waiter, None, NO_WANTS, 0.025, True
                    )  # fmt: skip
                    grown_times = {o.drop_off for o in as_grown}
                    tally["carried as grown (content), offers broken"] += sum(
                        unsound(day, ask, ask_waiter, o) for o in as_grown
                    )
                break
        feasible = missed = 0
        classes: Counter[str] = Counter()
        for n, drop_off in enumerate(a["asked"]):
            probe = Booking(id=f"probe{n}", service=ask, drop_off=drop_off, waiter=ask_waiter)
            offered = drop_off in offered_times
            if offered:
                fits: bool | None = True
            elif not day.allowed_before_fit(probe):
                fits = False
            else:
                fits = verdicts.fits(day, probe, limit)
            if not fits:
                continue
            feasible += 1
            tally["feasible"] += 1
            tally["feasible, " + ("cached" if a["cached"] else "immediate")] += 1
            if offered:
                tally["offered, " + ("cached" if a["cached"] else "immediate")] += 1
                continue
            missed += 1
            if a["cached"]:
                c = "refined (cached) answer missed it"
            elif a["same day, new version"]:
                c = "immediate; the day unchanged since the cached answer (a new version only)"
            elif drop_off in late_times:
                c = f"immediate; this version's refinement offers it ({a['state']})"
            elif drop_off in carried_times:
                c = "immediate; an earlier version's refined answer carried over offers it"
            else:
                c = f"immediate; neither ({a['state']}, before: {a['before']})"
            classes[c] += 1
            tally["missed: " + c] += 1
            tally["carried offers it (any class)"] += drop_off in carried_times
            tally["carried as grown (content) offers it (any class)"] += drop_off in grown_times
            tally["this version's refinement offers it (any class)"] += drop_off in late_times
        if a["cached"] and classes:
            missed_times = [
                t for t in a["asked"] if t not in offered_times and verdicts.fits(
                    day, Booking(id="p", service=ask, drop_off=t, waiter=ask_waiter), limit
                )
            ]  # fmt: skip
            refined_misses.append(
                {
                    "booked": a["booked"],
                    "ask date": a["ask date"],
                    "kind": a["kind"],
                    "day": day,
                    "offered": sorted(offered_times),
                    "missed": sorted(set(missed_times)),
                }
            )
        rows.append(
            {k: a[k] for k in ("booked", "booking date", "ask date", "kind", "cached", "state", "before")}
            | {"differs": a["differs from the cached answer's day"]}
            | {
                "feasible": feasible,
                "missed": missed,
                "refinement delivered s after booking": None if delay is None else round(delay, 2),
                "query s after booking": round(a["t_query"] - a["t_booked"], 2),
                "t_query": a["t_query"],
                "classes": dict(classes),
            }
        )
    return {
        "seed": seed,
        "tally": dict(sorted(tally.items())),
        "immediate answers by refiner state": dict(states),
        "immediate: refinement of the version delivered s after booking (sorted)": sorted(
            round(d, 1) for d in delays
        ),
        "starts": len(watch.starts),
        "requests": len(watch.requests),
        "rows": rows,
        "_refined_misses": refined_misses,
    }


def replay(path: Path, seconds: list[float]) -> list[dict[str, Any]]:
    """Each refined answer's missed times: the refinement of its version alone at each `seconds`."""
    import scheduler.slots as slots_module

    misses = pickle.loads(path.read_bytes())
    original = slots_module.DayBook._fit_exactly
    checks: list[dict[str, Any]] = []

    def watched(self, booking, seconds, workers, shared=None, cars=False):  # type: ignore[no-untyped-def]
        start = time.thread_time()
        found, proven = original(self, booking, seconds, workers, shared, cars)
        checks.append(
            {
                "drop_off": booking.drop_off.astimezone(self.workshop.tz).strftime("%H:%M"),
                "result": "found" if found is not None else ("infeasible" if proven else "unproven"),
                "cpu s": round(time.thread_time() - start, 2),
                "cars": cars,
                # where the witness found starts the new work: every drop-off up to it fits too
                "starts": None
                if found is None
                else self.clock.at(min(p.start for p in found.placements))
                .astimezone(self.workshop.tz)
                .strftime("%H:%M"),
            }
        )
        return found, proven

    slots_module.DayBook._fit_exactly = watched  # type: ignore[method-assign]
    out = []
    for m in misses:
        day, (service, waiter) = m["day"], m["kind"]
        row: dict[str, Any] = {
            "booked": m["booked"],
            "ask date": m["ask date"],
            "kind": [service, waiter],
            "bookings on the day": len(day.accepted),
            "missed": [t.astimezone(day.workshop.tz).strftime("%H:%M") for t in m["missed"]],
            "offered (cached answer)": len(m["offered"]),
            "runs": {},
        }
        for limit in seconds:
            again = pickle.loads(pickle.dumps(day))  # as the refiner gets it: no caches
            checks.clear()
            cpu = time.process_time()
            offers, bound = again.offers_and_bound(service, waiter, None, exact_seconds=limit, workers=1)
            times = {o.drop_off for o in offers}
            row["runs"][str(limit)] = {
                "finds": [t.astimezone(day.workshop.tz).strftime("%H:%M") for t in m["missed"] if t in times],
                "offered": len(offers),
                "last offered": offers[-1].drop_off.astimezone(day.workshop.tz).strftime("%H:%M")
                if offers
                else None,
                "bound": None if bound is None else bound.astimezone(day.workshop.tz).strftime("%H:%M"),
                "cpu s": round(time.process_time() - cpu, 2),
                "checks": list(checks),
            }
            print(json.dumps({k: row[k] for k in ("booked", "kind", "missed")} | {"limit": limit}
                             | {k: v for k, v in row["runs"][str(limit)].items() if k != "checks"},
                             default=str), flush=True)  # fmt: skip
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verdicts", type=Path, default=None)
    parser.add_argument("--exact-seconds", type=float, default=30.0)
    parser.add_argument("--pace", type=float, default=20.0)
    parser.add_argument("--dates", type=int, default=3)
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--from-booking", type=int, default=70)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--dump", type=Path, default=None, help="the refined answers' misses (pickle)")
    parser.add_argument("--replay", type=Path, default=None, help="replay a --dump's refinements")
    parser.add_argument("--seconds", default="1,2,5", help="exact_seconds to replay with")
    args = parser.parse_args()
    if args.replay is not None:
        rows = replay(args.replay, [float(s) for s in args.seconds.split(",")])
        if args.out is not None:
            args.out.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
        return
    assert args.verdicts is not None, "--verdicts FILE"
    verdicts = Verdicts(args.verdicts)
    row = run(
        args.seed,
        verdicts,
        args.exact_seconds,
        args.pace,
        args.dates,
        args.probes,
        args.from_booking,
        60 * args.dates,
    )
    misses = row.pop("_refined_misses")
    print(json.dumps({k: v for k, v in row.items() if k != "rows"}, indent=1, default=str), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(row, indent=1, default=str), encoding="utf-8")
    if args.dump is not None:
        args.dump.write_bytes(pickle.dumps(misses))


if __name__ == "__main__":
    main()
