"""Do the explained refusals agree with the offers and with a booking, for loan-car customers?

Issue 16 item 5 says why a time is not offered; since loanbench-s27 a fit refused for its loan car
alone is tried again with the work due when the car must be back (`DayBook._loan_refit`, through
`_allowed_or_refit`): in the offers and in a booking's quick fit (`try_insert`). This probe fills
seeded days that take loan cars (as `bench.slots` does, `--loan-fill`, `--loan-cars`) under the
service's capacity rules (`CapacityRules()`, holdback on), and for every one-day service with a
loan car at every candidate time compares:

- the immediate offers (`DayBook.offers`, 25 ms of search, as the booking system gets them);
- the explanation of each time not offered (`DayBook.refusals`: a reason, or a fit it offers);
- a booking's own fits at that time: the quick fit (`try_insert`, the refit included), then the
  bookings in its way moved (`try_moving_others`, 25 ms), as `PlanningService._fit` tries them
  after the cached offers.

A disagreement is a time explained with a reason that a booking there is accepted at once
(`try_insert`: the desk says no, the POST says yes), or one the explanation offers that no booking
fit takes (the reverse). Times a booking gets only by moving others are counted apart: the
service's explanation searches those too (`PlanningService._booking_fits`), within its budget.

    PYTHONPATH=. python -m bench.explain_loan --seeds 1-4 --loan-cars 5 --loan-fill 0.15

`--at-risk N --at-risk-eta HH:MM` (desk16-s29): at each level, up to N loan-car bookings of a
service that needs parts are kept at risk with their parts due at HH:MM (as a forced `parts_eta`
PATCH leaves them: no witness, the promise standing), so their cars count out across the overrun
(`FrontDesk.out_until`; after the shift, into the next day); `overruns` counts those whose work
overruns its promise.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random

from scheduler.contract import Assignment, Booking, Workshop
from scheduler.multiday import multi_day
from scheduler.offer import Offer, Wants
from scheduler.scenarios import Demand, load_scenario
from scheduler.slots import EJECTION_SECONDS, CapacityRules, DayBook

DATE = dt.date(2026, 11, 24)
RULES = CapacityRules()
LOAN = Wants(loan_car=True)
LOAN_REASON = "no loan car free"
"""The prefix of every loan-car reason (scheduler.refusals.no_loan_car)."""


def fill(
    workshop: Workshop, demand: Demand, seed: int, attempts: int, levels: int, loan_fill: float
) -> list[list[tuple[Booking, list[Assignment]]]]:
    """The day's accepted bookings at `levels` checkpoints of `attempts` random requests, each kept
    where the quick fit puts it (as `bench.slots.book_one`, under the service's rules), a drop-off
    customer asking a loan car with probability `loan_fill`."""
    rng, cars = random.Random(seed), random.Random(f"loan-fill/{seed}")
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    accepted: list[tuple[Booking, list[Assignment]]] = []
    out = []
    checkpoints = {round(attempts * (k + 1) / levels) for k in range(levels)}
    for attempt in range(1, attempts + 1):
        day = DayBook(workshop, DATE, accepted, RULES)
        code = rng.choices(codes, weights)[0]
        waiter = rng.random() < demand.waiter_share[code]
        drop = rng.choice(day.candidate_times())
        loan = not waiter and cars.random() < loan_fill
        asked = Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, loan_car=loan)
        offer = day.try_insert(asked)
        if offer is not None:
            if offer.rewitness is not None:
                accepted = [(b, list(offer.rewitness[b.id])) for b, _ in accepted]
            accepted = [
                *accepted,
                (asked.model_copy(update={"promised": offer.promised}), list(offer.assignments)),
            ]
        if attempt in checkpoints:
            out.append(list(accepted))
    return out


def kept_at_risk(
    workshop: Workshop, accepted: list[tuple[Booking, list[Assignment]]], count: int, eta: str
) -> list[tuple[Booking, list[Assignment]]]:
    """`accepted` and `count` loan-car bookings of the first one-day service that needs parts,
    each booked at the first candidate time the quick fit takes it with a loan car free (the
    walk-in holdback not asked: these days' holdback refuses accident work at every time), then
    kept at risk with its parts due at `eta` (HH:MM on DATE), as a forced `parts_eta` PATCH leaves
    it: no witness, the promise standing. (The seeded fills draw no such service: the demand holds
    accident work as multi-day.)"""
    due = dt.datetime.combine(DATE, dt.time.fromisoformat(eta), tzinfo=workshop.tz)
    code = next(
        s.code for s in workshop.services if not multi_day(s) and any(op.needs_parts for op in s.operations)
    )
    out = list(accepted)
    for k in range(count):
        day = DayBook(workshop, DATE, out, RULES)
        for t in day.candidate_times():
            asked = Booking(id=f"R{k}", service=code, drop_off=t, loan_car=True)
            offer = day.fit_quickly(asked)  # not try_insert: the holdback refuses accident work here
            if offer is None or not day.desk.loan_car_free(asked, offer):
                continue
            if offer.rewitness is not None:
                out = [(b, list(offer.rewitness.get(b.id, w))) for b, w in out]
            risky = asked.model_copy(update={"promised": offer.promised, "parts_eta": due, "at_risk": True})
            out.append((risky, []))
            break
    return out


def compare(day: DayBook, code: str) -> collections.Counter[str]:
    """One (service, loan car) answer of `day` and the explanation of every candidate time (offered
    or not: the explanation of a time must be what a booking there gets, whichever times the answer
    the desk holds covers, e.g. one carried over from an earlier day version), each time booked."""
    tally: collections.Counter[str] = collections.Counter()
    offers = day.offers(code, False, wants=LOAN, ejection_seconds=EJECTION_SECONDS)
    offered = {o.drop_off for o in offers}
    explained = dict(day.refusals(code, False, None, LOAN, set()))
    for probe in day._probes(code, False, None, LOAN):
        t = probe.drop_off
        tally["times"] += 1
        quick = day.try_insert(probe)
        tally["offered"] += t in offered
        tally["offered, the quick fit refuses (booked from the offer)"] += t in offered and quick is None
        tally["not offered, the quick fit books it"] += t not in offered and quick is not None
        why = explained[t]
        if isinstance(why, Offer):
            tally["explained: a fit"] += 1
            if quick is None:
                tally["DISAGREE: explained a fit, the quick fit refuses"] += 1
            continue
        kind = "loan-car reason" if why.startswith(LOAN_REASON) else "other reason"
        tally[f"explained: {kind}"] += 1
        if quick is not None:
            tally[f"DISAGREE: {kind}, the quick fit books it"] += 1
            tally[f"DISAGREE: {kind}, the quick fit books it, offered"] += t in offered
        elif t not in offered and day.try_moving_others(probe, EJECTION_SECONDS) is not None:
            tally[f"{kind}, booked with others moved (the service's explanation searches it)"] += 1
    return tally


def constructed() -> collections.Counter[str]:
    """The day of `bench.loan_end_decides`, where the work's end decides the loan car."""
    from bench.loan_end_decides import the_day  # a day built for it, one car

    return compare(the_day(), "LONG")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="dealer-2011")
    parser.add_argument("--seeds", default="1-3", help="a range, 1-4, or a list, 1,3")
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--loan-fill", type=float, default=0.15)
    parser.add_argument("--loan-cars", type=int, default=None)
    parser.add_argument("--no-advisors", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument("--constructed", action="store_true", help="bench.loan_end_decides' day only")
    parser.add_argument("--at-risk", type=int, default=0, help="parts bookings at risk, per level")
    parser.add_argument("--at-risk-eta", default="16:30", help="their forced parts ETA, HH:MM")
    args = parser.parse_args()
    if args.constructed:
        print("constructed day", dict(constructed()))
        return
    if "-" in args.seeds:
        first, last = (int(x) for x in args.seeds.split("-"))
        seeds = list(range(first, last + 1))
    else:
        seeds = [int(x) for x in args.seeds.split(",")]
    scenario = load_scenario(args.scenario)
    workshop = scenario.workshop
    if args.loan_cars is not None:
        workshop = workshop.model_copy(update={"loan_cars": args.loan_cars})
    if args.no_advisors:
        workshop = workshop.model_copy(update={"advisors": []})
    codes = [s.code for s in workshop.services if not multi_day(s)]
    total: collections.Counter[str] = collections.Counter()
    rows = []
    for seed in seeds:
        for level, accepted in enumerate(
            fill(workshop, scenario.demand, seed, args.attempts, args.levels, args.loan_fill), 1
        ):
            if args.at_risk:
                accepted = kept_at_risk(workshop, accepted, args.at_risk, args.at_risk_eta)
            day = DayBook(workshop, DATE, accepted, RULES)
            day.pack()
            tally: collections.Counter[str] = collections.Counter()
            tally["at risk"] = len(day.at_risk)
            tally["overruns"] = len(day.desk.overruns)
            for code in codes:
                tally += compare(day, code)
            cars = sum(b.loan_car for b, _ in accepted)
            print(
                f"seed {seed} level {level}: {len(accepted)} bookings, {cars} cars", dict(tally), flush=True
            )
            rows.append({"seed": seed, "level": level, "bookings": len(accepted), "cars": cars, **tally})
            total += tally
    print("total", dict(total))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "rows": rows, "total": dict(total)}, f, indent=1)


if __name__ == "__main__":
    main()
