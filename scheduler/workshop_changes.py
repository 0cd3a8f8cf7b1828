"""What a change of a workshop breaks: the accepted bookings, of days not yet past, whose witness
the new workshop no longer holds (a technician, bay or service gone, shorter shifts, new breaks,
another time zone...), with the reasons."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.orm import Session

from scheduler import multiday
from scheduler.contract import Workshop
from scheduler.integrity import witness_breaks
from scheduler.storage import BookingRow
from scheduler.storage import bookings as bookings_db


def past_from(server: dt.datetime, now: dt.datetime | None) -> dt.datetime:
    """The moment whose day is the first not yet past for a workshop change: the earlier of the
    server's clock and the request's `now` (a day is past only when past by both). A `now` behind the
    clock (a day replayed) has its days checked; one ahead of it cannot make the days between past,
    or a manager could break their bookings without `force` marking them at risk (audit13-s19 R5)."""
    return server if now is None else min(server, now)


def broken_by(
    session: Session, old: Workshop, new: Workshop, now: dt.datetime
) -> list[tuple[BookingRow, list[str]]]:
    """The booking rows, of days not yet past, whose witness `new` breaks, with the reasons."""
    today = min(now.astimezone(old.tz).date(), now.astimezone(new.tz).date())
    by_date: dict[dt.date, list[BookingRow]] = defaultdict(list)
    for r in bookings_db.from_date(session, new.id, today):
        by_date[r.date].append(r)
    for date, r in bookings_db.carried_from(session, new.id, today):  # multi-day work's later days
        by_date[date].append(r)
    broken: dict[str, tuple[BookingRow, list[str]]] = {}
    for date, day_rows in sorted(by_date.items()):
        accepted = multiday.day_accepted(
            new, date, [bookings_db.accepted_of(r) for r in day_rows], [], held=True
        )
        held = [b for b, _ in accepted if multiday.is_held(b)]  # their loan cars count
        # A part is pinned where its witness holds it; checked here as work, not as a fact.
        accepted = [
            (b.model_copy(update={"pinned": []}) if multiday.is_part(b) else b, w)
            for b, w in accepted
            if not multiday.is_held(b)
        ]
        reasons = witness_breaks(multiday.day_workshop(new), date, accepted, held)
        for r in day_rows:
            for why in reasons.get(r.id, []):
                listed = broken.setdefault(r.id, (r, []))[1]
                if why not in listed:
                    listed.append(why)
    return list(broken.values())
