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

`--change hours|multiday` (desk16-s31): the same question over the API, on the days a forced
change leaves loan-car work at risk, where the day's explanation and the POST are the service's
(`PlanningService.refusals`, `_booking_fits`, cached offers) and every day is read as the service
reads it (`_cars_out`, carried multi-day work). The first `--days` days are filled with `--fill`
bookings each at offered times (the scenario's one-day mix, `--loan-fill` of the drop-offs with a
car), then:

- `hours`: `--at-risk` MAINT bookings with a car at the latest times offered after `--close`, and the
  opening hours cut to end at `--close` by a forced PUT (their drop-offs fall outside the hours: in
  no day plan, their cars out until their work can be done on a later working day,
  `DayBook._overruns` / `_done_later`);
- `multiday`: `--at-risk` ACC-REPAIR bookings (multi-day) with a car at the first times offered,
  their parts forced (PATCH `parts_eta` with `force`) to `--at-risk-eta` on day `--eta-day`, kept at
  risk and projected day by day;
- `multiday-shift`: the same bookings, then every body technician's shift cut to end at
  `--shift-end` by a forced PUT (the workshop change route to multi-day work at risk);
- `opening` (carcost16-s32): `--at-risk` MAINT bookings with a car at the first times offered, and
  the opening hours made to start at `--open` by a forced PUT (every drop-off before it, on every
  filled day, falls before opening: at risk, its car out until its work can be done, as `hours`).

Then on each of `--probe-days` days from the first, for each service asked with a loan car (no
waiter): every time explained with a reason is booked (a 201 is a disagreement, and so is a 409
with another reason), every offered time is booked (a refusal is a disagreement) and every day its
booking touches checked by the independent validator (`bench.explain_multiday.violations`: the
day's witness plan with the service's request, loan cars and held vehicles included, and the
booking's own witness over its days); each probe booking is cancelled at once.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
from typing import Any

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


SKIP = ("in the past", "drop-offs are offered every", "workshop closed")
"""Reasons that no booking of the query could change (bench.explain_multiday)."""


def _one_day_mix(workshop: Workshop, demand: Demand) -> tuple[list[str], list[float]]:
    codes = [
        c for c in demand.mix if c not in demand.promise.multi_day and not multi_day(workshop.service(c))
    ]
    return codes, [demand.mix[c] for c in codes]


def api_fill(c: Any, base: str, workshop: Workshop, demand: Demand, seed: int, days: list[dt.date], n: int,
             loan_fill: float) -> int:  # fmt: skip
    """`n` bookings on each of `days` at offered times (the scenario's one-day mix and waiter
    shares, a drop-off customer asking a car with probability `loan_fill`): how many were booked."""
    rng, cars = random.Random(seed), random.Random(f"loan-fill/{seed}")
    codes, weights = _one_day_mix(workshop, demand)
    booked = 0
    for day in days:
        for _ in range(n):
            code = rng.choices(codes, weights)[0]
            waiter = rng.random() < demand.waiter_share[code]
            loan = not waiter and cars.random() < loan_fill
            params = {"service": code, "date": day.isoformat(), "waiter": str(waiter).lower(),
                      "loan_car": str(loan).lower()}  # fmt: skip
            slots = c.get(f"{base}/slots", params=params).json()["slots"]
            if not slots:
                continue
            body = {
                "service": code,
                "waiter": waiter,
                "loan_car": loan,
                "drop_off": rng.choice(slots)["drop_off"],
            }
            booked += c.post(f"{base}/bookings", json=body).status_code == 201
    return booked


def _book_first(
    c: Any, base: str, code: str, day: dt.date, latest: bool, after: str | None = None
) -> str | None:
    """A loan-car booking of `code` on `day` at the first (or, `latest`, the last) offered time,
    not before `after` (HH:MM): its id."""
    params = {"service": code, "date": day.isoformat(), "loan_car": "true"}
    slots = [s["drop_off"] for s in c.get(f"{base}/slots", params=params).json()["slots"]]
    if after is not None:
        slots = [s for s in slots if dt.datetime.fromisoformat(s).strftime("%H:%M") >= after]
    if not slots:
        return None
    made = c.post(
        f"{base}/bookings", json={"service": code, "loan_car": True, "drop_off": slots[-1 if latest else 0]}
    )
    return str(made.json()["id"]) if made.status_code == 201 else None


def made_for_change(c: Any, base: str, workshop: Workshop, args: argparse.Namespace) -> list[str]:
    """The loan-car bookings `--change` leaves at risk, made on DATE before the fill (module doc): hours,
    MAINT at the latest times offered from `--close`; multiday, the first multi-day service that
    needs parts at the first times offered. Their ids."""
    if args.change == "hours":
        code, latest, after = "MAINT", True, args.close
    elif args.change == "opening":
        code, latest, after = "MAINT", False, None
    else:
        code = next(
            s.code for s in workshop.services if multi_day(s) and any(o.needs_parts for o in s.operations)
        )
        latest, after = False, None
    made = [_book_first(c, base, code, DATE, latest, after) for _ in range(args.at_risk)]
    return [m for m in made if m is not None]


def force_change(
    c: Any, base: str, workshop: Workshop, made: list[str], args: argparse.Namespace
) -> Workshop:
    """`--change`, forced (module doc): the workshop after it."""
    if args.change in ("hours", "opening"):
        data = workshop.model_dump(mode="json")
        start, end = workshop.opening_window()
        data["opening"] = (
            {"start": start, "end": args.close}
            if args.change == "hours"
            else {"start": args.open, "end": end}
        )
        changed = Workshop.model_validate(data)
        headers = {"content-type": "application/json"}
        put = c.put(f"{base}?force=true", content=changed.model_dump_json(), headers=headers)
        assert put.status_code == 200, put.text
        return changed
    if args.change == "multiday-shift":  # the body technicians' shifts cut by force (every day)
        data = workshop.model_dump(mode="json")
        for t in data["technicians"]:
            if "body" in t["skills"]:
                t["shift"]["end"] = args.shift_end
                t["shift"]["breaks"] = [b for b in t["shift"].get("breaks", []) if b["end"] <= args.shift_end]
        changed = Workshop.model_validate(data)
        headers = {"content-type": "application/json"}
        put = c.put(f"{base}?force=true", content=changed.model_dump_json(), headers=headers)
        assert put.status_code == 200, put.text
        return changed
    eta = dt.datetime.combine(
        DATE + dt.timedelta(days=args.eta_day), dt.time.fromisoformat(args.at_risk_eta), tzinfo=workshop.tz
    )
    for booked in made:
        forced = c.patch(f"{base}/bookings/{booked}", json={"parts_eta": eta.isoformat(), "force": True})
        assert forced.status_code == 200, forced.text
    return workshop


def violations(service: Any, workshop: Workshop, booking_id: str, at_risk: set[str]) -> list[str]:
    """`bench.explain_multiday.violations` without its "witness does not place" for bookings at risk:
    they have no witness by definition (`DayBook.at_risk`), the plan leaves them out with a reason,
    and the validator still counts their loan cars (desk16-s30). Every other booking of each day
    the probe touches must still be placed by the witness."""
    from bench.explain_multiday import violations as all_violations

    return [v for v in all_violations(service, workshop, booking_id) if v.split(" ")[-1] not in at_risk]


def api_compare(
    c: Any, base: str, workshop: Workshop, day: dt.date, code: str, at_risk: set[str]
) -> collections.Counter[str]:
    """One (day, service, loan car) answer over the API with explain: every explained time and every
    offered time booked (and cancelled), the offered ones' days validated (module doc)."""
    svc = c.app.state.services.service
    tally: collections.Counter[str] = collections.Counter()
    params = {"service": code, "date": day.isoformat(), "loan_car": "true", "waiter": "false"}
    plain = {s["drop_off"] for s in c.get(f"{base}/slots", params=params).json()["slots"]}
    answer = c.get(f"{base}/slots", params={**params, "explain": "true"}).json()
    offered = [s["drop_off"] for s in answer["slots"]]
    tally["times"] += len(offered) + len(answer.get("refused", []))
    tally["offered"] += len(offered)
    tally["offered by explain only"] += len(set(offered) - plain)
    tally["DISAGREE: offered plainly, not by explain"] += len(plain - set(offered))
    body = {"service": code, "loan_car": True, "waiter": False}
    for x in answer.get("refused", []):
        why = x["reason"]
        if why.startswith(SKIP):
            tally[f"explained: {' '.join(why.split()[:2])}"] += 1
            continue
        kind = "loan-car reason" if LOAN_REASON in why else "other reason"
        tally[f"explained: {kind}"] += 1
        tally["explained: loan-car reason, until a time"] += kind == "loan-car reason" and " until " in why
        r = c.post(f"{base}/bookings", json={**body, "drop_off": x["drop_off"]})
        if r.status_code == 201:
            tally[f"DISAGREE: {kind}, the POST books it"] += 1
            print("   refused but booked", day, code, x["drop_off"], why, flush=True)
            assert c.delete(f"{base}/bookings/{r.json()['id']}").status_code in (200, 204)
        elif r.status_code != 409 or r.json().get("reason") != why:
            tally[f"DISAGREE: {kind}, the POST gives another reason"] += 1
            print(
                "   reason differs",
                day,
                code,
                x["drop_off"],
                why,
                "|",
                r.status_code,
                r.text[:200],
                flush=True,
            )
    for t in offered:
        r = c.post(f"{base}/bookings", json={**body, "drop_off": t})
        if r.status_code != 201:
            tally["DISAGREE: offered, the POST refuses"] += 1
            print("   offered but refused", day, code, t, r.status_code, r.text[:200], flush=True)
            continue
        bad = violations(svc, workshop, r.json()["id"], at_risk)
        tally["offers validated"] += 1
        if bad:
            tally["UNSOUND: offered, booked, a day's plan invalid"] += 1
            print("   unsound", day, code, t, bad[:3], flush=True)
        assert c.delete(f"{base}/bookings/{r.json()['id']}").status_code in (200, 204)
    return tally


def changed_rows(
    args: argparse.Namespace, seeds: list[int]
) -> tuple[list[dict[str, Any]], collections.Counter[str]]:
    """`--change`'s rows (module doc), one per seed."""
    from bench.advisor_soundness import _client
    from bench.explain_cost import put_workshop

    scenario = load_scenario(args.scenario)
    rows, total = [], collections.Counter[str]()
    for seed in seeds:
        c = _client()
        svc = c.app.state.services.service
        workshop = scenario.workshop
        if args.loan_cars is not None:
            workshop = workshop.model_copy(update={"loan_cars": args.loan_cars})
        if args.no_advisors:
            workshop = workshop.model_copy(update={"advisors": []})
        base = put_workshop(c, workshop)
        days = [DATE + dt.timedelta(days=k) for k in range(args.days)]
        made = made_for_change(c, base, workshop, args)
        booked = api_fill(c, base, workshop, scenario.demand, seed, days, args.fill, args.loan_fill)
        workshop = force_change(c, base, workshop, made, args)
        probed = [DATE + dt.timedelta(days=k) for k in range(args.probe_days)]
        tally: collections.Counter[str] = collections.Counter()
        at_risk = [b for d in days for b in svc.bookings(workshop.id, d) if b.at_risk]
        tally["at risk"] = len(at_risk)
        tally["at risk with a car"] = sum(b.loan_car for b in at_risk)
        tally["made for the change"] = len(made)
        tally["made for the change, at risk"] = sum(b.id in made for b in at_risk)
        with svc.store.sessions() as session:
            for d in probed:
                tally["overruns"] += len(svc._day(session, workshop, d).desk.overruns)
        codes = args.services.split(",") if args.services else [s.code for s in workshop.services]
        for d in probed:
            for code in codes:
                tally += api_compare(c, base, workshop, d, code, {b.id for b in at_risk})
        print(f"seed {seed}: {booked} filled, change {args.change}", dict(tally), flush=True)
        rows.append({"seed": seed, "filled": booked, **tally})
        total += tally
        c.close()
    return rows, total


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
    parser.add_argument(
        "--change",
        choices=("hours", "opening", "multiday", "multiday-shift"),
        default=None,
        help="over the API (doc)",
    )
    parser.add_argument("--shift-end", default="15:00", help="multiday-shift: the body technicians' new end")
    parser.add_argument("--close", default="16:00", help="hours: the forced new closing time")
    parser.add_argument("--open", default="09:30", help="opening: the forced new opening time")
    parser.add_argument("--eta-day", type=int, default=1, help="multiday: the parts' day (0: DATE)")
    parser.add_argument("--days", type=int, default=3, help="change: days filled from DATE")
    parser.add_argument("--fill", type=int, default=40, help="change: bookings asked per day")
    parser.add_argument("--probe-days", type=int, default=4, help="change: days probed from DATE")
    parser.add_argument("--services", default=None, help="change: services probed (default: all)")
    args = parser.parse_args()
    if args.constructed:
        print("constructed day", dict(constructed()))
        return
    if "-" in args.seeds:
        first, last = (int(x) for x in args.seeds.split("-"))
        seeds = list(range(first, last + 1))
    else:
        seeds = [int(x) for x in args.seeds.split(",")]
    if args.change:
        rows, total = changed_rows(args, seeds)
        print("total", dict(total))
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"args": vars(args), "rows": rows, "total": dict(total)}, f, indent=1)
        return
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
