"""Would the loan-car refit help more moving two bookings instead of one? (desk16-s29, issue 16)

`DayBook._loan_refit` tries a fit refused for its loan car alone again with the work ending by the
time the car must be back (`FrontDesk.loan_latest_end`): in the witness's free time, else with one
booking moved (`_reshuffle`, the `repair_candidates` nearest the drop-off). This probe fills the
seeded days `bench.explain_loan` fills (service rules, loan cars asked), and at every candidate
time of every one-day service with a loan car where the quick fit is refused for the car alone
(the refit's case) tries, besides the refit, a two-booking version of `_reshuffle` (each pair of
the same candidates moved, the new work placed ending by then, both put back keeping their
promises), checked by the desk's rules. It counts the times the refit already books, the times
only two moved book (what shipping it would add), and the thread CPU of each.

    PYTHONPATH=. python -m bench.loan_refit_two --seeds 1-8 --loan-cars 5 --loan-fill 0.15
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from dataclasses import replace
from itertools import combinations

from bench.explain_loan import DATE, LOAN, RULES, fill
from bench.slots import exact_fits, unsound
from scheduler.contract import Booking
from scheduler.dispatch import place_job
from scheduler.multiday import multi_day
from scheduler.offer import Offer
from scheduler.scenarios import load_scenario
from scheduler.slots import EJECTION_SECONDS, DayBook


def reshuffle_two(day: DayBook, booking: Booking, by: int) -> Offer | None:
    """`DayBook._reshuffle` with two of its candidates moved at once, the new work ending by `by`."""
    job, problem = day._job(booking)
    job = replace(job, due=by if job.due is None else min(job.due, by))
    availability = day._availability(problem)
    others = day.accepted_problem
    bays = {b for op in job.operations for b in op.bays}
    techs = {t for op in job.operations for t in op.technicians}
    spans = [
        (i, own)
        for i, own in enumerate(day.placements_of)
        if own
        and any(p.bay in bays or p.technician in techs for p in own)
        and any(op.pin is None for op in others.jobs[i].operations)
    ]
    spans.sort(key=lambda item: abs(item[1][0].start - job.release))
    for (i, first), (k, second) in combinations(spans[: day.rules.repair_candidates], 2):
        for p in first + second:
            availability.free(p)
        placed = place_job(availability, job, 0)
        back_i = place_job(availability, others.jobs[i], i) if placed is not None else None
        back_k = place_job(availability, others.jobs[k], k) if back_i is not None else None
        for p in (placed or []) + (back_i or []) + (back_k or []):
            availability.free(p)
        for p in first + second:
            availability.reserve(p)
        if placed is None or back_i is None or back_k is None or placed[-1].end > by:
            continue
        due_i, due_k = others.jobs[i].due, others.jobs[k].due
        if (due_i is not None and back_i[-1].end > due_i) or (due_k is not None and back_k[-1].end > due_k):
            continue
        rewitness = {b.id: tuple(a) for b, a in day.accepted}
        rewitness[day.accepted[i][0].id] = day._assignments(day.accepted[i][0].id, back_i)
        rewitness[day.accepted[k][0].id] = day._assignments(day.accepted[k][0].id, back_k)
        offer = day._offer(booking, placed, rewitness)
        if day.allowed(booking, offer):
            return offer
    return None


def probe(day: DayBook, code: str, cpu: dict[str, list[float]]) -> collections.Counter[str]:
    tally: collections.Counter[str] = collections.Counter()
    offered = {o.drop_off for o in day.offers(code, False, wants=LOAN, ejection_seconds=EJECTION_SECONDS)}
    for b in day._probes(code, False, None, LOAN):
        tally["times"] += 1
        if not day.allowed_before_fit(b):
            continue
        quick = day.fit_quickly(b)
        if quick is None or quick.overbooked or day.allowed(b, quick) or day.desk.loan_car_free(b, quick):
            continue  # no fit, or not refused for its loan car
        by = day.desk.loan_latest_end(b)
        if by is None or not quick.placements or quick.placements[-1].end <= by:
            continue  # no end brings the car back in time: the refit's case is not this
        tally["refused for the car alone, an end in time exists"] += 1
        start = time.thread_time()
        one = day._loan_refit(b, quick)
        cpu["refit"].append(time.thread_time() - start)
        if one is not None:
            tally["the refit (one moved) books it"] += 1
            continue
        start = time.thread_time()
        two = reshuffle_two(day, b, by)
        cpu["two moved"].append(time.thread_time() - start)
        if two is None:
            continue
        tally["ONLY TWO MOVED BOOK IT"] += 1
        # What it would change: is the time offered already (the immediate answer), does a POST get
        # it anyway (the bookings in its way moved, then the refit), does CP-SAT say it fits, and
        # does the two-moved fit pass the validator?
        tally["  of them offered already"] += b.drop_off in offered
        tally["  of them booked by try_moving_others"] += day.try_moving_others(b) is not None
        tally["  of them fit by CP-SAT (5 s)"] += exact_fits(day, b, 5.0) is True
        tally["  of them BROKEN (validator)"] += unsound(day, code, False, two, loan_car=True)
    return tally


def _ms(xs: list[float]) -> dict[str, float]:
    if not xs:
        return {}
    xs = sorted(xs)
    return {
        "n": len(xs),
        "median_ms": round(1000 * xs[len(xs) // 2], 3),
        "p99_ms": round(1000 * xs[min(len(xs) - 1, int(0.99 * len(xs)))], 3),
        "max_ms": round(1000 * xs[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="dealer-2011")
    parser.add_argument("--seeds", default="1-3")
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--loan-fill", type=float, default=0.15)
    parser.add_argument("--loan-cars", type=int, default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    first, _, last = args.seeds.partition("-")
    seeds = list(range(int(first), int(last or first) + 1))
    scenario = load_scenario(args.scenario)
    workshop = scenario.workshop
    if args.loan_cars is not None:
        workshop = workshop.model_copy(update={"loan_cars": args.loan_cars})
    codes = [s.code for s in workshop.services if not multi_day(s)]
    total: collections.Counter[str] = collections.Counter()
    cpu: dict[str, list[float]] = {"refit": [], "two moved": []}
    for seed in seeds:
        for level, accepted in enumerate(
            fill(workshop, scenario.demand, seed, args.attempts, args.levels, args.loan_fill), 1
        ):
            day = DayBook(workshop, DATE, accepted, RULES)
            day.pack()
            tally: collections.Counter[str] = collections.Counter()
            for code in codes:
                tally += probe(day, code, cpu)
            print(f"seed {seed} level {level}: {len(accepted)} bookings", dict(tally), flush=True)
            total += tally
    summary = {"total": dict(total), "cpu": {k: _ms(v) for k, v in cpu.items()}}
    print(json.dumps(summary))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), **summary}, f, indent=1)


if __name__ == "__main__":
    main()
