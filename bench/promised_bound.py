"""Is every offer's promise one a booking request may send back (shown16-s41)?

A booking request's `promised` is refused (422) when it is not after the drop-off or falls on a day
after `capacity.latest_pickup_day`. That bound must never be tighter than an offer: here every
bundled scenario's services (multi-day ones too), waiter and not, on DAYS days in a row from the
bench clock's tomorrow (a weekend among them), are asked for slots on a day filling up (after each
query a random offered time is booked, so promises move to the next morning), and every offer is
checked: its promise after its drop-off, its day no later than the bound. Prints the counts;
exits 1 on any offer the bound would refuse.

    .venv/bin/python -m bench.promised_bound [--days 7] [--per-day 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import sys
import tempfile

from bench.clock import NOW
from scheduler.capacity import latest_pickup_day
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.multiday import carries_over
from scheduler.offer import SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules
from scheduler.storage import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--per-day", type=int, default=60, help="slot queries (each then a booking) per day")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    first = NOW.date() + dt.timedelta(days=1)
    bad = 0
    for name in ("dealer-2011", "small-dealer"):
        ws = load_scenario(name).workshop
        rules = CapacityRules()
        checked = next_day = multi = 0
        with tempfile.TemporaryDirectory() as tmp:
            service = PlanningService(
                Store(f"sqlite:///{tmp}/bench.db"), rules, refine_in_background=False, clock=FixedClock(NOW)
            )
            try:
                service.put_workshop(ws)
                for d in range(args.days):
                    date = first + dt.timedelta(days=d)
                    for n in range(args.per_day):
                        code = rng.choice([s.code for s in ws.services])
                        waiter = rng.random() < 0.3
                        offers = service.slots(SlotQuery(ws.id, code, date, waiter, None))
                        for o in offers:
                            probe = Booking(id="p", service=code, drop_off=o.drop_off, waiter=waiter)
                            latest = latest_pickup_day(ws, probe, rules)
                            day = o.promised.astimezone(ws.tz).date()
                            checked += 1
                            next_day += day > o.drop_off.astimezone(ws.tz).date()
                            multi += carries_over(ws, probe)
                            if not o.promised > o.drop_off or day > latest:
                                bad += 1
                                print(f"REFUSED BY THE BOUND: {name} {code} waiter={waiter} {o.drop_off} "
                                      f"promised {o.promised}, latest day {latest}")  # fmt: skip
                        if offers:
                            at = rng.choice(offers).drop_off
                            with contextlib.suppress(Conflict):  # a refusal: the day as it was
                                service.book(ws.id, Booking(id=f"{d}-{n}", service=code, drop_off=at,
                                                            waiter=waiter), None)  # fmt: skip
            finally:
                service.close()
        print(f"{name}: {checked} offers checked ({next_day} promised on a later day than the drop-off, "
              f"{multi} of multi-day work), {bad} refused by the bound so far")  # fmt: skip
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
