"""Which path answered each query of `bench.slots_pace`'s window, and what it had (issue 16, session 47).

The run is `bench.slots_pace.run`'s (the same draws), with the query's path recorded: a cache hit
(same version), a relabel (`DayBook.same_as`), a carry-over (`DayBook.offers_after` from the cached
answer of an earlier version, `grown` or not) or a fresh search (`DayBook.offers`), the entry cached
before the query (version, refined, bound, its offers' times) and what `OfferCache.deliver` kept.
`--dump FILE.pickle` keeps every answer of the window (the day, the query, the offers, the probes,
the cached entry before it) for `--classify`, which puts each feasible probe time not offered in one
class (the verdicts file's exact CP-SAT verdicts; `classify`): `cache-dropped` (the answer cached
before the query offered it, and that offer as it was is still valid on this day by the independent
validator), `search-reach` (the immediate search finds it with 20x its budget), `refined-only` (the
refinement, `offers_and_bound` with the refiner's `exact_seconds`, finds it), or `none`.

    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s47 --seed 1 --pace 20 --verdicts FILE \
      --out FILE.json --dump FILE.pickle
    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s47 --classify FILE.pickle --verdicts FILE
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pickle
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.slots import DATE, OPEN, Verdicts, unsound
from bench.slots_pace import NOW
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.offer import SlotQuery
from scheduler.offer_cache import offers_key
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import NO_WANTS, DayBook, Offer
from scheduler.storage import Store

_trace: list[dict[str, Any]] = []


def _hook() -> None:
    """Record the main thread's `offers` / `offers_after` calls (the query's own search)."""
    main = threading.main_thread()
    offers, after = DayBook.offers, DayBook.offers_after

    def traced_offers(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = offers(self, *args, **kwargs)
        if threading.current_thread() is main:
            _trace.append({"path": "search", "found": len(out)})
        return out

    def traced_after(self, previous, added, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = after(self, previous, added, *args, **kwargs)
        if threading.current_thread() is main:
            grown = kwargs.get("grown", args[-1] if len(args) >= 6 else False)
            _trace.append(
                {
                    "path": "carried",
                    "grown": grown,
                    "previous": len(previous),
                    "added": len(added),
                    "found": len(out),
                }
            )
        return out

    DayBook.offers = traced_offers  # type: ignore[method-assign]
    DayBook.offers_after = traced_after  # type: ignore[method-assign]


def run(
    seed: int, pace: float, dates: int, probes: int, from_booking: int, attempts: int
) -> list[dict[str, Any]]:
    scenario = load_scenario("small-dealer")
    workshop, demand = scenario.workshop, scenario.demand
    workshop = workshop.model_copy(update={"advisors": []})
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    rng = random.Random(seed)
    asking = random.Random(seed + 1000)
    folder = tempfile.mkdtemp(prefix="diag-pace16-s47-")
    service = PlanningService(Store(f"sqlite:///{folder}/pace.db"), OPEN, clock=FixedClock(NOW))
    service._suggest = lambda *args, **kwargs: None  # type: ignore[method-assign]
    _hook()
    service.start_background()
    service.warm()
    service.put_workshop(workshop)
    assert service.refine_idle(timeout=120)
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
            began = time.perf_counter()
            if measuring and pace > 0:
                service.refine_idle(timeout=pace)
            waited = time.perf_counter() - began
            ask = asking.choices(codes, weights)[0]
            ask_waiter = asking.random() < 0.5
            ask_date = asking.choice(days) if dates > 1 else DATE
            key = offers_key(workshop.id, ask_date, ask, ask_waiter, None, NO_WANTS)
            before = service._offers.get(key)
            hits = service.offer_cache_hits
            del _trace[:]
            t0 = time.perf_counter()
            offers = service.slots(SlotQuery(workshop.id, ask, ask_date, ask_waiter, None))
            seconds = time.perf_counter() - t0
            trace = list(_trace)
            after = service._offers.get(key)
            cached = service.offer_cache_hits > hits
            if not measuring:
                continue
            with service.store.sessions() as session:
                day = service._day(session, service.workshop(workshop.id, session), ask_date)
            asked = [asking.choice(day.candidate_times()) for _ in range(probes)]
            answers.append(
                {
                    "booked": booked,
                    "booking": f"A{attempt}",
                    "booking date": str(date),
                    "ask": (ask, ask_waiter, str(ask_date)),
                    "waited s": round(waited, 2),
                    "ms": round(1000 * seconds, 1),
                    "cached": cached,
                    "trace": trace,
                    "before": None
                    if before is None
                    else {
                        "refined": before.refined,
                        "bound": before.bound,
                        "times": [o.drop_off for o in before.offers],
                        "same version": before.version == after.version if after is not None else None,
                        "offers": before.offers,
                        "day": before.day,
                    },
                    "after refined": None if after is None else after.refined,
                    "day": day,
                    "offers": offers,
                    "asked": asked,
                    "accepted": len(day.accepted),
                }
            )
    finally:
        service.close()
    return answers


def verdict(
    verdicts: Verdicts, a: dict[str, Any], limit: float = 30.0
) -> list[tuple[dt.datetime, bool | None, bool]]:
    ask, ask_waiter, _ = a["ask"]
    offered_times = {o.drop_off for o in a["offers"]}
    day: DayBook = a["day"]
    out = []
    for n, drop_off in enumerate(a["asked"]):
        probe = Booking(id=f"probe{n}", service=ask, drop_off=drop_off, waiter=ask_waiter)
        offered = drop_off in offered_times
        if offered:
            fits: bool | None = True
        elif not day.allowed_before_fit(probe):
            fits = False
        else:
            fits = verdicts.fits(day, probe, limit)
        out.append((drop_off, fits, offered))
    return out


def summary(answers: list[dict[str, Any]], verdicts: Verdicts) -> list[dict[str, Any]]:
    rows = []
    for a in answers:
        v = verdict(verdicts, a)
        b = a["before"]
        rows.append(
            {
                "booked": a["booked"],
                "booking": a["booking"],
                "booking date": a["booking date"],
                "ask": a["ask"],
                "accepted": a["accepted"],
                "waited s": a["waited s"],
                "ms": a["ms"],
                "cached": a["cached"],
                "trace": a["trace"],
                "before": None
                if b is None
                else {"refined": b["refined"], "bound": str(b["bound"]), "n": len(b["times"])},
                "after refined": a["after refined"],
                "offered": [o.drop_off.strftime("%H:%M") for o in a["offers"]],
                "feasible": sum(f is True for _, f, _ in v),
                "offered & feasible": sum(f is True and o for _, f, o in v),
                "missed": [t.strftime("%H:%M") for t, f, o in v if f and not o],
            }
        )
    return rows


def _valid_on(day: DayBook, ask: str, waiter: bool, old: Offer) -> bool:
    """Is `old` (an offer made on an earlier version of the day) still a valid offer here, by the
    independent validator (`bench.slots.unsound`): its placements with this day's witness, or with
    the bookings it moved where it moved them (the others where this day's witness has them)?"""
    if old.overbooked:
        return False
    if not unsound(day, ask, waiter, replace(old, rewitness=None)):
        return True
    if old.rewitness is None:
        return False
    merged = {b.id: tuple(old.rewitness.get(b.id, tuple(w))) for b, w in day.accepted}
    return not unsound(day, ask, waiter, replace(old, rewitness=merged))


def classify(answers: list[dict[str, Any]], verdicts: Verdicts, seconds: float) -> dict[str, Any]:
    """Each feasible probe time not offered, in one class: `cache-dropped` (the answer cached before
    the query offered it, and that offer is still valid on this day, `_valid_on`); `search-reach`
    (else: the immediate search, `DayBook.offers` as a miss runs it, finds it with 20 times its
    ejection budget, 0.5 s); `refined-only` (else: the refinement, `offers_and_bound` with
    `exact_seconds`, finds it); `none` (neither)."""
    classes: Counter[str] = Counter()
    per: list[dict[str, Any]] = []
    for a in answers:
        misses = [t for t, f, o in verdict(verdicts, a) if f and not o]
        if not misses:
            continue
        day: DayBook = a["day"]
        ask, ask_waiter, _ = a["ask"]
        b = a["before"]
        valid: set[dt.datetime] = set()
        if b is not None:
            old = {o.drop_off: o for o in b["offers"]}
            valid = {t for t in set(misses) if t in old and _valid_on(day, ask, ask_waiter, old[t])}
        rest = [t for t in misses if t not in valid]
        reach: set[dt.datetime] = set()
        refined: set[dt.datetime] = set()
        if rest:
            again = pickle.loads(pickle.dumps(day))
            reach = {o.drop_off for o in again.offers(ask, ask_waiter, ejection_seconds=0.5)}
            again = pickle.loads(pickle.dumps(day))
            refined = {o.drop_off for o in again.offers_and_bound(ask, ask_waiter, None, seconds, 1)[0]}
        for t in misses:
            if t in valid:
                c = "cache-dropped"
            elif t in reach:
                c = "search-reach"
            elif t in refined:
                c = "refined-only"
            else:
                c = "none"
            classes[c] += 1
            per.append(
                {
                    "booked": a["booked"],
                    "ask": a["ask"],
                    "time": t.strftime("%H:%M"),
                    "class": c,
                    "cached": a["cached"],
                    "trace": a["trace"],
                    "before": None if b is None else {"refined": b["refined"], "n": len(b["times"])},
                }
            )
    return {"classes": dict(classes), "misses": per}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verdicts", type=Path, required=True)
    parser.add_argument("--pace", type=float, default=20.0)
    parser.add_argument("--dates", type=int, default=3)
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--from-booking", type=int, default=70)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--classify", type=Path, default=None, help="a --dump to classify the misses of")
    parser.add_argument("--seconds", type=float, default=1.0, help="the refinement's exact_seconds")
    args = parser.parse_args()
    verdicts = Verdicts(args.verdicts)
    if args.classify is not None:
        out: Any = classify(pickle.loads(args.classify.read_bytes()), verdicts, args.seconds)
    else:
        answers = run(args.seed, args.pace, args.dates, args.probes, args.from_booking, 60 * args.dates)
        if args.dump is not None:
            args.dump.write_bytes(pickle.dumps(answers))
        out = summary(answers, verdicts)
    text = json.dumps(out, indent=1, default=str)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    print(
        text
        if args.classify is not None
        else json.dumps(
            [{k: r[k] for k in ("booked", "cached", "trace", "feasible", "offered & feasible")} for r in out]
        )
    )


if __name__ == "__main__":
    main()
