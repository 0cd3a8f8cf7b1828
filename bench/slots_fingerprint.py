"""A fingerprint of the slot answers (scheduler.slots), to show a refactoring changed none of them.

On the bundled small-dealer and dealer-2011 workshops (small-dealer given two loan cars; both with
no-show overbooking on every pool at 10 %), a day is filled through `try_insert` with seeded random
requests (as bench/slots.py fills it). At three fill levels, for a few services, drop-off and
waiter, with no wants, a loan car and parts arriving at 10:00, it records:

- `offers` with no search (quick fits and the one-booking repair) and with the ejection search
  and the day's packing on a counted clock (`CountedClock`: `thread_time` advances a fixed step per
  read, so a budget is a number of reads, the same on any machine and under any load);
- `offers_after` on the day with the first offer booked (`with_booking`), from the answer before;
- per candidate time: `try_insert`, `allowed_before_fit`, `overbooked_offer`, `refusal`,
  `overbooking_note`, and `loan_car_refusal` where the quick fit places it;
- `refusals` (skipping the offered times) and `off_grid_refusals` at a fixed "now";
- the loading chart's loan spans.

Every answer is written as canonical JSON; the digest is printed. Run it from two trees, same
arguments: equal digests, the same answers (`--out` to diff them). No CP-SAT (its answers depend on
the machine's speed within a time limit), no wall or CPU clock.

    .venv/bin/python -m bench.slots_fingerprint [--out FILE] [--levels "small-dealer:20,40;dealer-2011:60"]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import scheduler.ejection
import scheduler.repack
from bench.storm_replay import CountedClock
from scheduler import overbooking, slots
from scheduler.contract import Assignment, Booking, PoolOverbooking, Workshop
from scheduler.refusals import NO_ROOM_KEPT
from scheduler.scenarios import load_scenario
from scheduler.slots import CapacityRules, DayBook, Offer, Wants

DATE = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, 10, 7, tzinfo=dt.UTC)
STEP = 0.00002
"""Seconds per counted read: the 25 ms ejection budget is 1,250 reads, the 10 ms packing 500."""


def _workshop(name: str) -> Workshop:
    workshop = load_scenario(name).workshop
    pools = sorted({pool for s in workshop.services for pool in overbooking.demand(s)})
    over = [PoolOverbooking(pool=f"{skill}:{grade}", overbooking_percent=10.0) for skill, grade in pools]
    return workshop.model_copy(
        update={"overbooking": over, "loan_cars": workshop.loan_cars if workshop.loan_cars else 2}
    )


def _offer(offer: Offer | None) -> Any:
    if offer is None:
        return None
    return {
        "drop_off": offer.drop_off.isoformat(),
        "promised": offer.promised.isoformat(),
        "assignments": [a.model_dump(mode="json") for a in offer.assignments],
        "rewitness": (
            None
            if offer.rewitness is None
            else {k: [a.model_dump(mode="json") for a in v] for k, v in sorted(offer.rewitness.items())}
        ),
        "placements": [[p.bay, p.technician, p.start, p.end] for p in offer.placements],
        "overbooked": offer.overbooked,
    }


def _times(pairs: Sequence[tuple[dt.datetime, str | Offer]]) -> list[list[str]]:
    """Each time and its reason; a time the refusals found to fit (`refusals.refusal_or_fit`) as
    `refusal` words it, "no room kept…" (the fingerprint of the day, not of the answer)."""
    return [[t.isoformat(), why if isinstance(why, str) else NO_ROOM_KEPT] for t, why in pairs]


def _fill(workshop: Workshop, attempts: int, seed: int) -> list[tuple[Booking, list[Assignment]]]:
    """The day after `attempts` seeded requests, each booked where `try_insert` fits it."""
    rng = random.Random(seed)
    codes = [s.code for s in workshop.services if s.max_days <= 1]
    accepted: list[tuple[Booking, list[Assignment]]] = []
    for attempt in range(attempts):
        day = DayBook(workshop, DATE, accepted)
        code = rng.choice(codes)
        waiter = rng.random() < 0.3
        loan = rng.random() < 0.2
        drop = rng.choice(day.candidate_times())
        probe = Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, loan_car=loan)
        offer = day.try_insert(probe)
        if offer is None:
            continue
        booking = probe.model_copy(update={"promised": offer.promised})
        if offer.rewitness is not None:
            accepted = [(b, list(offer.rewitness[b.id])) for b, _ in accepted]
        accepted.append((booking, list(offer.assignments)))
    return accepted


def _answers(workshop: Workshop, accepted: list[tuple[Booking, list[Assignment]]]) -> dict[str, Any]:
    rules = CapacityRules()
    out: dict[str, Any] = {"accepted": len(accepted)}
    codes = ["LUBE", "MAINT", "MINOR", "WARRANTY"]
    parts = dt.datetime.combine(DATE, dt.time(10, 0), tzinfo=workshop.tz)
    for code in codes:
        for waiter in (False, True):
            for label, wants in (
                ("none", Wants()),
                ("loan", Wants(loan_car=True)),
                ("parts", Wants(parts_eta=parts)),
            ):
                key = f"{code}/{'waiter' if waiter else 'drop'}/{label}"
                day = DayBook(workshop, DATE, accepted, rules)
                row: dict[str, Any] = {}
                quick = day.offers(code, waiter, wants=wants, ejection_seconds=0.0)
                row["offers quick"] = [_offer(o) for o in quick]
                searched = DayBook(workshop, DATE, accepted, rules)
                searched.pack()
                found = searched.offers(code, waiter, wants=wants)
                row["offers searched"] = [_offer(o) for o in found]
                row["may grow"] = slots.offers_may_grow(searched, found)
                if found:
                    first = found[0]
                    booked = Booking(
                        id="booked",
                        service=code,
                        drop_off=first.drop_off,
                        waiter=waiter,
                        loan_car=wants.loan_car,
                        parts_eta=wants.parts_eta,
                        promised=first.promised,
                        overbooked=first.overbooked,
                    )
                    after = searched.with_booking(booked, first)
                    added = after.added_since(searched) or ()
                    again = after.offers_after(found, added, code, waiter, wants=wants, grown=True)
                    row["offers after booking"] = [_offer(o) for o in again]
                    row["loan spans after"] = [list(s) for s in after.loan_spans]
                per_time = []
                for probe in day._probes(code, waiter, None, wants):  # every candidate time
                    t = probe.drop_off
                    fit = day.fit_quickly(probe)
                    per_time.append(
                        {
                            "t": t.isoformat(),
                            "insert": _offer(day.try_insert(probe)),
                            "before fit": day.allowed_before_fit(probe),
                            "overbooked": _offer(day.overbooked_offer(probe)),
                            "refusal": day.refusal(probe),
                            "note": day.overbooking_note(probe),
                            "loan": None if fit is None else day.loan_car_refusal(probe, fit),
                        }
                    )
                row["per time"] = per_time
                skip = {o.drop_off for o in quick}
                row["refusals"] = _times(day.refusals(code, waiter, None, wants, skip))
                row["off grid"] = _times(day.off_grid_refusals(skip, NOW))
                row["loan spans"] = [list(s) for s in day.loan_spans]
                out[key] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--scenarios", default="small-dealer,dealer-2011")
    parser.add_argument("--levels", default="small-dealer:20,40,80;dealer-2011:60,150,300")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    clock = CountedClock(STEP)
    for module in (slots, scheduler.ejection, scheduler.repack):
        setattr(module, "time", clock)  # noqa: B010 (the search reads `time.thread_time` off its module)
    levels = {
        name: [int(n) for n in ns.split(",")] for name, ns in (p.split(":") for p in args.levels.split(";"))
    }
    result: dict[str, Any] = {}
    for name in args.scenarios.split(","):
        workshop = _workshop(name)
        for attempts in levels[name]:
            accepted = _fill(workshop, attempts, args.seed)
            result[f"{name}@{attempts}"] = _answers(workshop, accepted)
            level = hashlib.sha256(json.dumps(result[f"{name}@{attempts}"], sort_keys=True).encode())
            print(f"{name}@{attempts}: accepted {len(accepted)}, {level.hexdigest()[:16]}")
    text = json.dumps(result, sort_keys=True, indent=0)
    print("digest", hashlib.sha256(text.encode()).hexdigest())
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
