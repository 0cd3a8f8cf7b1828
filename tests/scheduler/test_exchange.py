"""Files for other tools read from the planning service (scheduler/exchange.py): a bookings CSV
booked row by row, a technician's day as iCalendar."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from scheduler.errors import InputError, NotFound
from scheduler.exchange import import_file, technician_feed
from scheduler.service import PlanningService
from tests.builders import DATE, DAY, NOW


def test_a_bookings_file_is_booked_row_by_row_each_row_booked_whole_or_refused(
    tiny_service: PlanningService,
) -> None:
    text = (
        "service,drop_off,idempotency_key\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,k1\r\n"
        f"NOPE,{DATE}T08:00:00+08:00,\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,k1\r\n"  # the same key again: a replay
    )
    done = import_file(tiny_service, "tiny", text, None, NOW, words=str.upper)
    assert [d.line for d in done] == [2, 3, 4]
    assert done[0].booking is not None and not done[0].replay
    assert done[1].booking is None  # the column as it is, the reason in words
    assert done[1].refusal == "service: UNKNOWN SERVICE CODE 'NOPE' (KNOWN: MAINT)"
    assert done[2].booking == done[0].booking and done[2].replay
    assert [b.id for b in tiny_service.bookings("tiny", DAY)] == [done[0].booking.id]


def test_a_bookings_file_names_an_unknown_workshop_before_its_header_and_books_nothing_on_a_bad_one(
    tiny_service: PlanningService,
) -> None:
    with pytest.raises(NotFound, match="workshop 'elsewhere'"):
        import_file(tiny_service, "elsewhere", "not,a,header\r\n", None)
    with pytest.raises(InputError) as bad:
        import_file(tiny_service, "tiny", f"service,colour\r\nMAINT,{DATE}T08:00:00+08:00\r\n", None)
    assert bad.value.field.startswith("header")
    assert tiny_service.bookings("tiny", DAY) == []


def test_a_technicians_feed_is_his_work_in_the_stored_plan_stamped_by_the_services_clock(
    tiny_service: PlanningService,
) -> None:
    import_file(tiny_service, "tiny", f"service,drop_off\r\nMAINT,{DATE}T08:00:00+08:00\r\n", None)
    with pytest.raises(NotFound, match="technician 'nobody'"):
        technician_feed(tiny_service, "tiny", "nobody", DAY)
    with pytest.raises(NotFound, match="plan of 'tiny'"):
        technician_feed(tiny_service, "tiny", "t", DAY)
    tiny_service.plan_day("tiny", DAY, 1.0)
    feed = Calendar.from_ical(technician_feed(tiny_service, "tiny", "t", DAY, say=str.upper))
    events = feed.walk("VEVENT")
    assert len(events) == 1 and str(events[0]["location"]) == "BAY G1"
    assert events[0].decoded("dtstamp") == NOW
