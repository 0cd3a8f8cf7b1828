"""Which days' versions a booking moves (pace16-s44): small-dealer without advisors, three days
filled as `bench.slots_pace` fills them (seed 1, in-request refinement), every day's version read
before and after each booking; then where the stored bookings are promised (their own day, or the
next: a car picked up the next morning bumps the later days, `storage.bookings.days_touched`).

    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s44_spill
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from collections import Counter

from sqlalchemy import select

from bench.slots import DATE, OPEN
from bench.slots_pace import NOW
from scheduler.clock import FixedClock
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import DayBook
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.storage.tables import BookingRow


def main() -> None:
    scenario = load_scenario("small-dealer")
    workshop, demand = scenario.workshop.model_copy(update={"advisors": []}), scenario.demand
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    rng = random.Random(1)
    service = PlanningService(
        Store(f"sqlite:///{tempfile.mkdtemp()}/spill.db"),
        OPEN,
        clock=FixedClock(NOW),
        refine_in_background=False,
    )
    service.put_workshop(workshop)
    days = [DATE + dt.timedelta(days=i) for i in range(3)]
    times = {d: DayBook(workshop, d, [], OPEN).candidate_times() for d in days}

    def versions() -> list[tuple[object, ...]]:
        with service.store.sessions() as session:
            return [bookings_db.day_version(session, workshop.id, d) for d in days]

    moved = [[0] * 3 for _ in range(3)]
    booked = [0] * 3
    for attempt in range(120):
        code = rng.choices(codes, weights)[0]
        waiter = rng.random() < demand.waiter_share[code]
        i = rng.randrange(3)
        date = days[i]
        drop = rng.choice(times[date])
        before = versions()
        midnight = dt.datetime.combine(date, dt.time(), tzinfo=workshop.tz)
        try:
            service.book(
                workshop.id,
                Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, parts_eta=midnight),
                None,
            )
        except Conflict:
            continue
        after = versions()
        booked[i] += 1
        for j in range(3):
            moved[i][j] += before[j] != after[j]
    print("bookings per day", booked)
    print("versions moved [booked day][day]", moved)
    promised: Counter[str] = Counter()
    with service.store.sessions() as session:
        for row in session.execute(select(BookingRow)).scalars():
            text = json.loads(row.body).get("promised")
            if text is None:
                promised["none"] += 1
                continue
            local = dt.datetime.fromisoformat(text).astimezone(workshop.tz)
            late = "at or after 18:00" if local.hour >= 18 else "before 18:00"
            promised["the next day" if local.date() > row.date else f"its own day, {late}"] += 1
    print("promised", dict(promised))


if __name__ == "__main__":
    main()
