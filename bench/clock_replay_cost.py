"""What the clocked-bay check costs the day's replay (clockbay13-s30): `clocking.replay` and
`clocking.replay_in_bays` of a dealer-2011-sized day (105 bookings, their operations clocked start
and finish in turn by 32 technicians, ~500 events, no bay named: every day stored so far), timed
best of 7 runs of 20 replays each. Run once on the tree under test and once on a baseline tree in
the same session, and read the ratio:

    PYTHONPATH=/work/main python bench/clock_replay_cost.py      # baseline (main)
    PYTHONPATH=. python bench/clock_replay_cost.py               # this tree
"""

from __future__ import annotations

import datetime as dt
import time

from scheduler import clocking
from scheduler.clocking import ClockEvent, effective, replay, replay_in_bays
from scheduler.contract import Booking
from scheduler.scenarios import load_scenario

DATE = dt.date(2026, 11, 24)


def day() -> tuple[object, dict[str, Booking], list[ClockEvent]]:
    workshop = load_scenario("dealer-2011").workshop
    techs = [t.id for t in workshop.technicians][:32]
    services = [s for s in workshop.services if len(s.operations) <= 3][:6]
    start = dt.datetime.combine(DATE, dt.time(8, 0), tzinfo=workshop.tz)
    bookings: dict[str, Booking] = {}
    events: list[ClockEvent] = []
    free = {t: start for t in techs}
    n = 0
    for i in range(105):
        service = services[i % len(services)]
        bid = f"b{i}"
        bookings[bid] = Booking(id=bid, service=service.code, drop_off=start)
        tech = techs[i % len(techs)]
        for k, _ in enumerate(service.operations):
            begin = free[tech]
            end = begin + dt.timedelta(minutes=20)
            for action, moment in (("start", begin), ("finish", end)):
                n += 1
                events.append(ClockEvent.model_validate({
                    "id": n, "booking": bid, "operation": k, "technician": tech, "action": action,
                    "at": moment, "recorded_at": moment,
                }))  # fmt: skip
            free[tech] = end
    return workshop, bookings, events


def main() -> None:
    workshop, bookings, events = day()
    eff = effective(events)
    changed = (eff[-1].booking, eff[-1].operation)
    for name, run in (
        ("replay", lambda: replay(eff, workshop, bookings, DATE)),  # type: ignore[arg-type]
        ("replay_in_bays", lambda: replay_in_bays(eff, workshop, bookings, DATE, changed)),  # type: ignore[arg-type]
    ):
        best = min(_timed(run) for _ in range(7))
        print(f"{name}: {len(eff)} events, best of 7 x 20: {best * 1000 / 20:.2f} ms per replay")
    print("code:", clocking.__file__)


def _timed(run: object) -> float:
    began = time.perf_counter()
    for _ in range(20):
        run()  # type: ignore[operator]
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
