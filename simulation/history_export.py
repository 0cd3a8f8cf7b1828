"""bayplan's own records as a history: one `Order` per booking, from the bookings and the clock
events in storage (read only), for `bayplan history export`.

started_at / finished_at are the first start and the last finish of the booking's effective clock
events (corrections applied); clocked_minutes the minutes clocked on its finished or paused work;
technician the one who started its first operation. A booking with no events has them empty.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from scheduler.clocking import (
    ClockEvent,
    DayState,
    Effective,
    Impossible,
    OpTrack,
    apply,
    effective,
    event_from_record,
)
from scheduler.contract import Booking, Workshop
from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.storage import Store
from scheduler.storage import bookings as booking_rows
from scheduler.storage import clock_events as event_rows
from scheduler.storage import workshops as workshop_rows
from simulation.history import Order


def export_orders(store: Store, workshop_id: str, first: dt.date | None, last: dt.date | None) -> list[Order]:
    """The workshop's bookings dated `first`..`last` as history orders (by drop-off)."""
    with store.sessions() as session:
        text = workshop_rows.body(session, workshop_id)
        if text is None:
            raise InputError("workshop", N_("no workshop %(id)r in the database") % {"id": workshop_id})
        workshop = Workshop.model_validate_json(text)
        booked = booking_rows.between(session, workshop_id, first, last)
        rows = event_rows.between(session, workshop_id, first, last)
        events_by_day: dict[dt.date, list[ClockEvent]] = defaultdict(list)
        for r in rows:
            events_by_day[r.date].append(event_from_record(r))
    by_id = {b.id: b for b in booked}
    tracks: dict[str, dict[int, OpTrack]] = defaultdict(dict)
    for date, events in sorted(events_by_day.items()):
        for booking_id, ops in _day_tracks(effective(events), workshop, by_id, date).items():
            tracks[booking_id].update(ops)
    orders = [_order(b, tracks.get(b.id, {})) for b in booked]
    orders.sort(key=lambda o: (o.arrived_at, o.order_id))
    return orders


def _day_tracks(
    events: list[Effective], workshop: Workshop, bookings: dict[str, Booking], date: dt.date
) -> dict[str, dict[int, OpTrack]]:
    """Each operation's track after the day's events (an event that no longer fits is left out:
    the export reports what was recorded, it does not judge it)."""
    state = DayState()
    for e in events:
        if e.booking not in bookings:
            continue
        local = Effective(e.id, e.booking, e.operation, e.technician, e.action, e.at.astimezone(workshop.tz))
        try:
            apply(state, local, workshop, bookings, date)
        except Impossible:
            continue
    out: dict[str, dict[int, OpTrack]] = defaultdict(dict)
    for (booking_id, k), track in state.ops.items():
        out[booking_id][k] = track
    return out


def _order(b: Booking, ops: dict[int, OpTrack]) -> Order:
    started = [t.actual_start for t in ops.values() if t.actual_start is not None]
    done = [t.actual_end for t in ops.values() if t.actual_end is not None]
    all_done = bool(ops) and all(t.state == "done" for t in ops.values())
    clocked = sum((t.worked for t in ops.values()), dt.timedelta())
    first = ops.get(0) or (ops[min(ops)] if ops else None)
    start = min(started) if started else None
    return Order(
        order_id=b.id,
        arrived_at=b.drop_off,
        service=b.service,
        booked=True,
        waiter=b.waiter,
        fleet_partner=b.fleet_partner or "",
        promised_at=b.promised,
        started_at=start,
        finished_at=max(done) if done and all_done else None,
        clocked_minutes=round(clocked.total_seconds() / 60, 1) if ops else None,
        technician=(first.technician or "") if first else "",
    )
