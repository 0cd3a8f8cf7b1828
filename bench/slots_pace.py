"""What the booking system gets at the desk's pace: slot completeness through the planning service.

A day is filled through `PlanningService.book` (the booking path: the offer shown, the quick fit,
bookings moved out of the way) with seeded random requests, as `bench.slots` draws them. After each
booking the desk waits `--pace` seconds (the time between a change of the day and the next query;
0 is `bench.slots`'s immediate answer) and asks `PlanningService.slots` for a seeded random
(service, waiter). After the day's first `--from-booking` bookings (default 0), each answer is checked:

- completeness: at `--probes` random candidate times of the day, is the time offered, and does it
  fit? A time offered is feasible by its witness (every offer is validated, below); a time not
  offered is decided by CP-SAT (`bench.slots.Verdicts`, cached per day and probe in
  `--verdicts`; unproven within `--exact-seconds` is counted apart);
- soundness: every offer of the answer is booked on the day as it is (the day, the offer's
  placements and rewitness, the new booking at its promise) and checked by `scheduler.validator`;
- the slots answer's latency (wall, the service call, p50 / p99), and the CPU of the background
  refinement process (its user + system time, read from /proc) per booking in the window.

The filling bookings carry a parts ETA at the day's midnight (before any work can start, so it
changes nothing they fit to): it puts them under another offer key than the queries', so a
booking never takes a placement a query's answer showed, and the days filled are the same for
every build and pace (up to the load-dependent CPU budget of moving bookings out of the way):
each build's answers are judged on the same days. `--shown` books the queried key's answers'
placements where they apply instead (the days then differ from build to build). A refused filling
booking asks for no alternatives (`PlanningService._suggest` is off here): they would be asked
under the filling's parts-ETA key, a key no desk asks, taking the refinement's time and a place
among the day's keys asked (`RefineAhead.after_change`) from the desk's own.

The wait is the pace or until the background refinement is idle, whichever comes first (nothing
else changes the day in between, so waiting longer would give the same answer). Walk-in holdback
and waiter caps are off, as in `bench.slots`.

    .venv/bin/python -m bench.slots_pace --scenario small-dealer --seed 2 --pace 0,2,5 --out FILE
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.slots import DATE, OPEN, Verdicts, unsound, wilson
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.offer import SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import DayBook, Offer
from scheduler.storage import Store

HERE = Path(__file__).parent
NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
"""The service's clock: days before the day filled."""


def _refiner_cpu(service: PlanningService) -> float:
    """CPU seconds (user + system) of the background refinement's process so far (0: none)."""
    refiner = service.refiner
    pool = None if refiner is None else refiner._pool
    total = 0.0
    for pid in list((pool._processes or {}) if pool is not None else {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(
    scenario_name: str,
    seed: int,
    attempts: int,
    from_booking: int,
    pace: float,
    probes: int,
    limit: float,
    verdicts: Verdicts,
    shown: bool = False,
    no_advisors: bool = False,
    dates: int = 1,
) -> dict[str, object]:
    scenario = load_scenario(scenario_name)
    workshop, demand = scenario.workshop, scenario.demand
    if no_advisors:  # the technicians bind, not the check-ins (as `bench.slots --no-advisors`)
        workshop = workshop.model_copy(update={"advisors": []})
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    rng = random.Random(seed)
    asking = random.Random(seed + 1000)  # the queries and probes: apart from the fill's draws
    folder = tempfile.mkdtemp(prefix="slots-pace-")
    service = PlanningService(Store(f"sqlite:///{folder}/pace.db"), OPEN, clock=FixedClock(NOW))
    if not shown:
        service._suggest = lambda *args, **kwargs: None  # type: ignore[method-assign]
    service.start_background()
    service.warm()
    service.put_workshop(workshop)
    assert service.refine_idle(timeout=120)
    days = [DATE + dt.timedelta(days=i) for i in range(dates)]
    times = {d: DayBook(workshop, d, [], OPEN).candidate_times() for d in days}
    from_cache = 0
    latencies: list[float] = []
    window_latencies: list[float] = []
    unknown = checked = broken = booked = refused = 0
    steps: list[tuple[int, int, int, bool]] = []
    """Per answer checked: the bookings the day had, probes feasible, of them offered, from the cache."""
    window_bookings = 0
    measuring = False
    answers: list[tuple[int, bool, DayBook, str, bool, list[Offer], list[dt.datetime]]] = []
    cpu_start = wall_start = 0.0
    waited: list[float] = []
    try:
        for attempt in range(1, attempts + 1):
            if not measuring and booked >= from_booking:
                service.refine_idle(timeout=60)  # the window starts with nothing under way
                cpu_start, wall_start = _refiner_cpu(service), time.perf_counter()
                measuring = True
            code = rng.choices(codes, weights)[0]
            waiter = rng.random() < demand.waiter_share[code]
            date = rng.choice(days) if dates > 1 else DATE  # (one day: the draws as before)
            drop = rng.choice(times[date])
            midnight = None if shown else dt.datetime.combine(date, dt.time(), tzinfo=workshop.tz)
            try:
                service.book(
                    workshop.id,
                    Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, parts_eta=midnight),
                    None,
                )
            except Conflict:
                refused += 1
                continue
            booked += 1
            window_bookings += measuring
            began = time.perf_counter()
            if measuring and pace > 0:
                service.refine_idle(timeout=pace)
            if measuring:
                waited.append(time.perf_counter() - began)
            ask = asking.choices(codes, weights)[0]
            ask_waiter = asking.random() < 0.5
            ask_date = asking.choice(days) if dates > 1 else DATE
            hits = service.offer_cache_hits
            t0 = time.perf_counter()
            offers = service.slots(SlotQuery(workshop.id, ask, ask_date, ask_waiter, None))
            seconds = time.perf_counter() - t0
            cached = service.offer_cache_hits > hits
            from_cache += measuring and cached
            latencies.append(seconds)
            if not measuring:
                continue
            window_latencies.append(seconds)
            with service.store.sessions() as session:
                day = service._day(session, service.workshop(workshop.id, session), ask_date)
            asked = [asking.choice(day.candidate_times()) for _ in range(probes)]
            answers.append((booked, cached, day, ask, ask_waiter, offers, asked))
        cpu = _refiner_cpu(service) - cpu_start
        window_wall = time.perf_counter() - wall_start
    finally:
        service.close()
    # Judged once the day is filled: the exact checks and the validation take seconds, and done
    # between a query and the next booking they would give the refinement that time too.
    for booked, cached, day, ask, ask_waiter, offers, asked in answers:
        offered_times = {o.drop_off for o in offers}
        checked += len(offers)
        broken += sum(unsound(day, ask, ask_waiter, o) for o in offers)
        feasible = offered_feasible = 0
        for n, drop_off in enumerate(asked):
            probe = Booking(id=f"probe{n}", service=ask, drop_off=drop_off, waiter=ask_waiter)
            offered = probe.drop_off in offered_times
            if offered:
                fits: bool | None = True  # its witness, validated above
            elif not day.allowed_before_fit(probe):
                fits = False
            else:
                fits = verdicts.fits(day, probe, limit)
            if fits is None:
                unknown += 1
                continue
            feasible += fits
            offered_feasible += offered and fits
        steps.append((booked, feasible, offered_feasible, cached))
    feasible = sum(s[1] for s in steps)
    offered_feasible = sum(s[2] for s in steps)
    hit_f, hit_o = sum(s[1] for s in steps if s[3]), sum(s[2] for s in steps if s[3])
    low, high = wilson(offered_feasible, feasible)
    thirds = {}
    for k, name in enumerate(("first", "second", "last")):
        part = [s for s in steps if k * booked < 3 * s[0] <= (k + 1) * booked]
        f, o = sum(s[1] for s in part), sum(s[2] for s in part)
        thirds[f"{name} third of the bookings: offered & feasible / feasible"] = f"{o}/{f}"
    return {
        "scenario": scenario_name + (" no advisors" if no_advisors else ""),
        "seed": seed,
        "dates": dates,
        "pace s": pace,
        "bookings": booked,
        "refused": refused,
        "bookings in the window": window_bookings,
        "probes feasible": feasible,
        "offered & feasible": offered_feasible,
        "completeness": f"{offered_feasible / feasible:.1%}" if feasible else "n/a",
        "95% CI": f"{low:.0%}-{high:.0%}",
        **thirds,
        "unproven (not counted)": unknown,
        "answers from the cache, no search (window)": from_cache,
        "of them: offered & feasible / feasible": f"{hit_o}/{hit_f}",
        "steps (bookings, feasible, offered & feasible, from the cache)": steps,
        "offers validated": checked,
        "offers broken": broken,
        "slots p50 ms (window)": round(1000 * statistics.median(window_latencies), 1)
        if window_latencies
        else None,
        "slots p99 ms (window)": round(1000 * _percentile(window_latencies, 0.99), 1),
        "slots p99 ms (all queries)": round(1000 * _percentile(latencies, 0.99), 1),
        "mean wait s (window)": round(statistics.fmean(waited), 2) if waited else 0.0,
        "refiner CPU s per booking (window)": round(cpu / max(1, window_bookings), 2),
        "refiner CPU s / window wall s": round(cpu / max(1e-9, window_wall), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="small-dealer")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument(
        "--attempts", type=int, default=None, help="default: 60 small-dealer, 300 dealer-2011"
    )
    parser.add_argument("--from-booking", type=int, default=0, help="bookings made before the measure starts")
    parser.add_argument("--pace", default="0,2,5", help="seconds between a booking and the next query")
    parser.add_argument("--probes", type=int, default=8, help="probe times per answer in the window")
    parser.add_argument("--exact-seconds", type=float, default=30.0)
    parser.add_argument("--verdicts", type=Path, default=HERE / "slots-pace-verdicts.json")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--shown", action="store_true", help="fill with the offers shown (days differ)")
    parser.add_argument("--no-advisors", action="store_true", help="technician-bound days")
    parser.add_argument("--dates", type=int, default=1, help="days filled and asked about (from 2026-11-24)")
    args = parser.parse_args()
    attempts = args.attempts or (300 if args.scenario == "dealer-2011" else 60) * args.dates
    verdicts = Verdicts(args.verdicts)
    rows = []
    for pace in (float(p) for p in args.pace.split(",")):
        row = run(
            args.scenario,
            args.seed,
            attempts,
            args.from_booking,
            pace,
            args.probes,
            args.exact_seconds,
            verdicts,
            args.shown,
            args.no_advisors,
            args.dates,
        )
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
