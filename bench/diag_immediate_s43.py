"""Which feasible times does the immediate answer refuse, and what would find them (immediate-s43)?

The run of `bench.slots_pace --no-advisors --dates 1 --pace 0` (the same days, queries and probes:
the same seeds and draws), with every immediate answer's search call recorded. Afterwards, for each
probe time the answer refused that the exact check (the verdicts file, shared with bench.slots_pace)
says fits:

- (a) the same call (fresh `offers`, or `offers_after` from the cached earlier answer) on a copy of
  the day with 4x and 20x the search budget; and a fresh `offers` with 1x, 4x and 20x;
- (b) a CP-SAT witness for the time on the previous day version (what the refined answer has
  there), with the just-made booking put into it: its quick fit, then its ejection chains (25 ms);
- (c) the rest: only the exact check.

    PYTHONPATH=. python -m bench.diag_immediate_s43 --seed 2 --verdicts /tmp/s43/verdicts-s2.json
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
from dataclasses import replace as _replace
from typing import Any

from bench.slots import DATE, OPEN, Verdicts
from bench.slots_pace import NOW
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.offer import NO_WANTS, SlotQuery
from scheduler.offer_cache import OfferCache, offers_key
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import EJECTION_SECONDS, DayBook, Offer, place_job
from scheduler.storage import Store

REFINED: list[tuple[tuple[object, ...], DayBook, list[Offer], bool]] = []
_deliver = OfferCache.deliver


def _rec_deliver(
    self: OfferCache,
    key: Any,
    version: Any,
    offers: Any,
    day: Any,
    bound: Any = None,
    refined: bool = False,
    shown: bool = True,
) -> Any:
    got = _deliver(self, key, version, offers, day, bound, refined, shown)
    if refined:
        REFINED.append((key, day, list(offers), got is None))
    return got


def _from_refined(day: DayBook, key: Any, t: dt.datetime) -> str | None:
    """(g): a refined answer of an earlier version of this key (kept or dropped at delivery)
    offered `t`; its offer carried here by placing the bookings since again around it in its plan."""
    for rkey, rday, offers, dropped in reversed(REFINED):
        if rkey != key or rday is day:
            continue
        old = next((o for o in offers if o.drop_off == t and not o.overbooked), None)
        if old is None:
            continue
        if old.rewitness is None:
            old = _replace(old, rewitness={b.id: tuple(w) for b, w in rday.accepted})
        if any(b.id not in {x.id for x, _ in day.accepted} for b, _ in rday.accepted):
            continue
        if day._refitted_around(old) is not None:
            return "g dropped" if dropped else "g kept"
    return None


PAIRS: list[tuple[str, str, float, list[dt.datetime]]] = []
"""Per `_gallop` call while recording: attempt, start day, CPU ms, times it fitted."""
RECORD_PAIRS: list[bool] = [False]
_gallop = DayBook._gallop


def _rec_gallop(self: DayBook, probes: Any, fits: Any, sellable: Any, day: DayBook, *rest: Any) -> Any:
    if not RECORD_PAIRS[0]:
        return _gallop(self, probes, fits, sellable, day, *rest)
    before = [f is None for f in fits]
    attempt = rest[2]
    name = f"depth{attempt.keywords['depth']}" if hasattr(attempt, "keywords") else "quick"
    packed = self._packed or []
    tag = "booked" if day is self else next((f"packed{k}" for k, d in enumerate(packed) if d is day), "moved")
    t0 = time.thread_time()
    got = _gallop(self, probes, fits, sellable, day, *rest)
    new = [probes[i].drop_off for i, f in enumerate(fits) if before[i] and f is not None]
    PAIRS.append((name, tag, 1000 * (time.thread_time() - t0), new))
    return got


def _prebuilt(day: DayBook, probe: Booking, limits: tuple[float, ...]) -> dict[str, Any]:
    """(e'): CP-SAT on this day with the model built beforehand (as a background step after the
    booking could build it, `solver.model.LastJobFits`): the build's CPU apart, then per limit the
    per-query part (compile the probe's problem, clone the model, solve to a first plan), its
    thread CPU and wall time, and whether a plan was found."""
    from ortools.sat.python import cp_model

    from scheduler.compiler import compile_request
    from scheduler.contract import PlanOptions, PlanRequest
    from solver.model import LastJobFits
    from solver.problem import DaySolution

    def problem_of(b: Booking) -> Any:
        compiled = compile_request(
            PlanRequest(
                workshop=day.workshop,
                date=day.date,
                bookings=[x for x, _ in day.accepted] + [b],
                options=PlanOptions(keep_promises=True),
            )
        )
        problem = compiled.problem
        job = day._aimed(b, problem.jobs[-1])
        return _replace(problem, jobs=(*problem.jobs[:-1], job))

    hint = DaySolution(
        placements={(j, k): p for j, own in enumerate(day.placements_of) for k, p in enumerate(own)},
        unplaced={len(day.accepted)},
    )
    shared = LastJobFits()
    c0 = time.thread_time()
    shared.model_for(problem_of(probe), hint)
    out: dict[str, Any] = {"build ms": 1000 * (time.thread_time() - c0)}
    for limit in limits:
        c0, w0 = time.thread_time(), time.perf_counter()
        problem = problem_of(probe)
        _dm, model = shared.model_for(problem, hint)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = limit
        solver.parameters.num_workers = 1
        solver.parameters.stop_after_first_solution = True
        solver.parameters.cp_model_probing_level = 0  # as solver.model._solver
        solver.parameters.symmetry_level = 0
        status = solver.solve(model)
        out[limit] = (
            status in (cp_model.OPTIMAL, cp_model.FEASIBLE),
            1000 * (time.thread_time() - c0),
            1000 * (time.perf_counter() - w0),
        )
    return out


PREBUILT: list[dict[str, Any]] = []

CALLS: list[tuple[str, DayBook, tuple[Any, ...], dict[str, Any]]] = []
_offers_and_bound = DayBook.offers_and_bound
_offers_after = DayBook.offers_after


def _rec_bound(self: DayBook, *args: Any, **kwargs: Any) -> Any:
    WITNESSES.append(_cached_witnesses())
    CALLS.append(("offers", _clone(self), args, dict(kwargs)))
    return _offers_and_bound(self, *args, **kwargs)


SERVICE: list[Any] = []
KINDS: list[tuple[str, bool]] = []


def _cached_witnesses() -> list[tuple[bool, dict[str, Any]]]:
    """Every distinct rewitness of the day's cached answers (any kind, any version), refined flag."""
    service = SERVICE[0]
    seen: dict[int, tuple[bool, dict[str, Any]]] = {}
    for code, waiter in KINDS:
        entry = service._offers.get(offers_key(WORKSHOP[0], DATE, code, waiter, None, NO_WANTS))
        if entry is None:
            continue
        for o in entry.offers:
            if o.rewitness is not None:
                seen.setdefault(id(o.rewitness), (entry.refined, o.rewitness))
    return list(seen.values())


WORKSHOP: list[str] = []
SOLVES: list[tuple[float, bool, float, float]] = []
CPSAT = False
WITNESSES: list[list[tuple[bool, dict[str, Any]]]] = []


def _rec_after(self: DayBook, *args: Any, **kwargs: Any) -> Any:
    WITNESSES.append(_cached_witnesses())
    CALLS.append(("offers_after", _clone(self), args, dict(kwargs)))
    return _offers_after(self, *args, **kwargs)


def _clone(day: DayBook) -> DayBook:
    return pickle.loads(pickle.dumps(day))


def _wants(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[5] if len(args) > 5 else kwargs.get("wants", NO_WANTS)


def _rerun(
    kind: str, day: DayBook, args: tuple[Any, ...], kwargs: dict[str, Any], scale: float
) -> set[dt.datetime]:
    day = _clone(day)
    if kind == "offers":
        service, waiter, fleet = args[:3]
        got = _offers_and_bound(
            day, service, waiter, fleet, wants=_wants(args, kwargs), ejection_seconds=EJECTION_SECONDS * scale
        )[0]
    else:
        previous, added, service, waiter, fleet, wants, _seconds, grown = args
        got = _offers_after(
            day, previous, added, service, waiter, fleet, wants, EJECTION_SECONDS * scale, grown
        )
    return {o.drop_off for o in got}


def _fresh(
    kind: str, day: DayBook, args: tuple[Any, ...], kwargs: dict[str, Any], scale: float
) -> set[dt.datetime]:
    day = _clone(day)
    if kind == "offers":
        service, waiter, fleet = args[:3]
        wants = _wants(args, kwargs)
    else:
        service, waiter, fleet, wants = args[2:6]
    got = _offers_and_bound(
        day, service, waiter, fleet, wants=wants, ejection_seconds=EJECTION_SECONDS * scale
    )[0]
    return {o.drop_off for o in got}


def _in_witnesses(day: DayBook, probe: Booking, witnesses: list[tuple[bool, dict[str, Any]]]) -> str | None:
    """(d): the probe's quick fit in a day rebuilt from a cached answer's witness, the bookings
    not in it (made since) placed again at their earliest finish by their promise."""
    problem = day.accepted_problem
    for refined, rewitness in witnesses:
        base = day._refit_base(rewitness, ())
        if base is None:  # every booking in it, none to place again
            if any(b.id not in rewitness for b, _ in day.accepted):
                continue
            moved = day._rewitnessed(rewitness)
        else:
            again, plan, free = base
            if not again:
                continue
            free = free.copy()
            kept = dict(plan)
            ok = True
            for j in again:
                job = problem.jobs[j]
                placed = place_job(free, job, j)
                if placed is None or (job.due is not None and placed[-1].end > job.due):
                    ok = False
                    break
                kept[day.accepted[j][0].id] = day._assignments(day.accepted[j][0].id, placed)
            if not ok:
                continue
            moved = day._rewitnessed(kept)
        if moved.fit_quickly(probe, repair=False) is not None:
            return "d refined" if refined else "d immediate"
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--from-booking", type=int, default=10)
    parser.add_argument("--probes", type=int, default=12)
    parser.add_argument("--verdicts", required=True)
    parser.add_argument("--exact", type=float, default=5.0, help="CP-SAT seconds for (b)'s witness")
    parser.add_argument("--cpsat", action="store_true", help="time CP-SAT fits of the missed times")
    args = parser.parse_args()
    global CPSAT
    CPSAT = args.cpsat
    DayBook.offers_and_bound = _rec_bound  # type: ignore[method-assign]
    DayBook.offers_after = _rec_after  # type: ignore[method-assign]
    OfferCache.deliver = _rec_deliver  # type: ignore[method-assign]
    DayBook._gallop = _rec_gallop  # type: ignore[method-assign]
    verdicts = Verdicts(__import__("pathlib").Path(args.verdicts))
    scenario = load_scenario("small-dealer")
    workshop, demand = scenario.workshop.model_copy(update={"advisors": []}), scenario.demand
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    rng, asking = random.Random(args.seed), random.Random(args.seed + 1000)
    folder = tempfile.mkdtemp(prefix="diag-s43-")
    service = PlanningService(Store(f"sqlite:///{folder}/d.db"), OPEN, clock=FixedClock(NOW))
    service._suggest = lambda *a, **k: None  # type: ignore[method-assign]
    SERVICE.append(service)
    WORKSHOP.append(workshop.id)
    KINDS.extend((c, w) for c in codes for w in (False, True))
    service.start_background()
    service.warm()
    service.put_workshop(workshop)
    assert service.refine_idle(timeout=120)
    times = DayBook(workshop, DATE, [], OPEN).candidate_times()
    booked = 0
    answers = []
    measuring = False

    def today() -> DayBook:
        with service.store.sessions() as session:
            return service._day(session, service.workshop(workshop.id, session), DATE)

    try:
        for attempt in range(1, 61):
            if not measuring and booked >= args.from_booking:
                service.refine_idle(timeout=60)
                measuring = True
            code = rng.choices(codes, weights)[0]
            waiter = rng.random() < demand.waiter_share[code]
            drop = rng.choice(times)
            midnight = dt.datetime.combine(DATE, dt.time(), tzinfo=workshop.tz)
            before = _clone(today())
            try:
                service.book(
                    workshop.id,
                    Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, parts_eta=midnight),
                    None,
                )
            except Conflict:
                continue
            booked += 1
            ask = asking.choices(codes, weights)[0]
            ask_waiter = asking.random() < 0.5
            CALLS.clear()
            WITNESSES.clear()
            t0 = time.thread_time()
            offers = service.slots(SlotQuery(workshop.id, ask, DATE, ask_waiter, None))
            cpu = time.thread_time() - t0
            calls = list(CALLS)
            witnesses = WITNESSES[-1] if WITNESSES else []
            if not measuring:
                continue
            day = today()
            asked = [asking.choice(day.candidate_times()) for _ in range(args.probes)]
            new = next(b for b, _ in day.accepted if b.id == f"A{attempt}")
            answers.append((booked, day, before, new, ask, ask_waiter, offers, asked, calls, cpu, witnesses))
    finally:
        service.close()
    tally: Counter[str] = Counter()
    rows = []
    for booked, day, before, new, ask, ask_waiter, offers, asked, calls, cpu, witnesses in answers:
        tally["cached witnesses"] += len(witnesses)
        tally["cached witnesses refined"] += sum(r for r, _ in witnesses)
        offered = {o.drop_off for o in offers}
        if calls:  # every answer: which (attempt, start) pair fits which time at 1x
            PAIRS.clear()
            RECORD_PAIRS[0] = True
            _rerun(calls[-1][0], calls[-1][1], calls[-1][2], calls[-1][3], 1)
            RECORD_PAIRS[0] = False
            for name, tag, ms, got_times in PAIRS:
                tally[f"all x1 {name} {tag} ms"] += round(ms)
                tally[f"all x1 {name} {tag} fits"] += len(got_times)
        missed = []
        for n, t in enumerate(asked):
            probe = Booking(id=f"probe{n}", service=ask, drop_off=t, waiter=ask_waiter)
            if t in offered:
                tally["offered"] += 1
                continue
            if not day.allowed_before_fit(probe):
                continue
            fits = verdicts.fits(day, probe, 30.0)
            if fits:
                missed.append((t, probe))
        tally["feasible"] += sum(1 for t in asked if t in offered) + len(missed)
        if not missed:
            rows.append({"booked": booked, "kind": [ask, ask_waiter], "missed": 0})
            continue
        kind, cday, cargs, ckwargs = calls[-1] if calls else ("cache", day, (), {})
        found: dict[str, set[dt.datetime]] = {}
        if kind != "cache":
            for scale in (1, 4, 20):
                PAIRS.clear()
                RECORD_PAIRS[0] = True
                found[f"same x{scale}"] = _rerun(kind, cday, cargs, ckwargs, scale)
                RECORD_PAIRS[0] = False
                missed_times = {t for t, _ in missed}
                for name, tag, ms, got_times in PAIRS:
                    tally[f"pairs x{scale} {name} {tag} ms"] += round(ms)
                    tally[f"pairs x{scale} {name} {tag} tries"] += 1
                    tally[f"pairs x{scale} {name} {tag} found missed"] += len(missed_times & set(got_times))
                    tally[f"pairs x{scale} {name} {tag} fits (any time)"] += len(got_times)
            for scale in (1, 4, 20):
                found[f"fresh x{scale}"] = _fresh(kind, cday, cargs, ckwargs, scale)
        how = []
        prev_answer = {}
        if kind != "cache":
            pk = cargs[:3] if kind == "offers" else cargs[2:5]
            prev_day = _clone(before)
            prev_answer = {
                o.drop_off: o
                for o in _offers_and_bound(
                    prev_day,
                    pk[0],
                    pk[1],
                    pk[2],
                    wants=_wants(cargs, ckwargs) if kind == "offers" else cargs[5],
                    ejection_seconds=EJECTION_SECONDS,
                )[0]
            }
        for t, probe in missed:
            by = [name for name, got in found.items() if t in got]
            inside = offered and t < max(offered)
            tally[
                "missed before the last offered time" if inside else "missed past the last offered time"
            ] += 1
            for limit in (0.02, 0.05, 0.2) if CPSAT else ():
                w0, c0 = time.perf_counter(), time.process_time()
                got = _clone(day).fit_exactly(probe, limit, workers=1)
                wall, cpu_all = time.perf_counter() - w0, time.process_time() - c0
                tally[f"e cpsat {limit}s found"] += got is not None
                SOLVES.append((limit, got is not None, wall, cpu_all))
            if CPSAT:
                PREBUILT.append(_prebuilt(day, probe, (0.01, 0.02, 0.05, 0.2)))
            old = prev_answer.get(t)
            if old is None:
                by.append("f: not offered on the previous version")
            else:
                grown = _clone(before).with_booking(probe.model_copy(update={"promised": old.promised}), old)
                if grown.fit_quickly(new, repair=False) is not None:
                    by.append("f quick")
                elif grown.try_moving_others(new, EJECTION_SECONDS) is not None:
                    by.append("f chains 25ms")
                else:
                    by.append("f none")
            g = _from_refined(day, offers_key(workshop.id, DATE, ask, ask_waiter, None, NO_WANTS), t)
            if g:
                by.append(g)
            d = _in_witnesses(day, probe, witnesses)
            if d:
                by.append(d)
            prev = _clone(before)
            witness = prev.fit_exactly(probe, args.exact, workers=1)
            if witness is None:
                by.append("b: no witness on the previous version")
            else:
                promised = probe.model_copy(update={"promised": witness.promised})
                grown = prev.with_booking(promised, witness)
                if grown.fit_quickly(new, repair=False) is not None:
                    by.append("b quick")
                elif grown.try_moving_others(new, EJECTION_SECONDS) is not None:
                    by.append("b chains 25ms")
                else:
                    by.append("b none")
            for name in by:
                tally[name] += 1
            first = ("a x4" if "same x4" in by else None) or ("a x20" if "same x20" in by else None)
            b = "b quick" in by or "b chains 25ms" in by
            d = any(x.startswith("d ") for x in by)
            if d:
                tally["d and a" if first else "d and b" if b else "d alone"] += 1
            cls = first or ("b" if b else "c only")
            tally["class " + cls] += 1
            if first and b:
                tally["also b"] += 1
            how.append([t.strftime("%H:%M"), by])
        rows.append(
            {
                "booked": booked,
                "kind": [ask, ask_waiter],
                "call": kind,
                "cpu ms": round(cpu * 1000, 1),
                "offered": sorted(o.strftime("%H:%M") for o in offered),
                "missed": how,
            }
        )
    print(json.dumps(rows, indent=1, default=str))
    tally["refined deliveries"] = len(REFINED)
    tally["refined deliveries dropped"] = sum(x[3] for x in REFINED)
    print(json.dumps(dict(sorted(tally.items())), indent=1))
    if PREBUILT:
        builds = sorted(x["build ms"] for x in PREBUILT)
        print(
            "prebuilt model: build CPU ms median/max",
            round(builds[len(builds) // 2], 1),
            round(builds[-1], 1),
        )
        for limit in (0.01, 0.02, 0.05, 0.2):
            cpus = sorted(x[limit][1] for x in PREBUILT)
            walls = sorted(x[limit][2] for x in PREBUILT)
            print(
                f"prebuilt, solve limit {limit}s:"
                f" found {sum(x[limit][0] for x in PREBUILT)} of {len(PREBUILT)};"
                f" per-query thread CPU ms median/max {cpus[len(cpus) // 2]:.1f}/{cpus[-1]:.1f};"
                f" wall ms median/max {walls[len(walls) // 2]:.1f}/{walls[-1]:.1f}"
            )
    for limit in (0.02, 0.05, 0.2) if CPSAT else ():
        got = [x for x in SOLVES if x[0] == limit]
        walls = sorted(x[2] for x in got)
        cpus = sorted(x[3] for x in got)
        print(
            limit,
            "found",
            sum(x[1] for x in got),
            "of",
            len(got),
            "wall median/max ms",
            round(1000 * walls[len(walls) // 2], 1),
            round(1000 * walls[-1], 1),
            "process CPU median/max ms",
            round(1000 * cpus[len(cpus) // 2], 1),
            round(1000 * cpus[-1], 1),
        )


if __name__ == "__main__":
    main()
