"""Files for other tools read from the planning service (scheduler/exchange.py): a bookings CSV
booked row by row, a technician's day as iCalendar."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from icalendar import Calendar

from scheduler.contract import Booking, PlanRequest, Workshop
from scheduler.errors import InputError, NotFound
from scheduler.exchange import (
    EXPORT_COLUMNS,
    bookings_csv,
    day_bookings_csv,
    import_file,
    listed_bookings_csv,
    plan_csv,
    read_booking_rows,
    technician_feed,
)
from scheduler.i18n import Translator
from scheduler.planning import make_plan
from scheduler.productivity import productivity_report, readable_csv, report_csv
from scheduler.service import PlanningService
from scheduler.storage import Store
from scheduler.worked import Segment, WorkedOperation
from tests.builders import DATE, DAY, NOW, at, fixed_clock, overtime_tiny_workshop, tiny_workshop


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


def test_a_days_export_with_pickups_adds_the_cars_from_earlier_days_in_a_last_column_and_imports_only_its_own(
    sqlite_url: str,
) -> None:
    """pickday-s25: Wednesday's export with `pickups` is the plain export's columns in their order,
    then `listing`; its rows the day's own bookings (by drop-off), then the cars dropped off earlier
    and promised that day ("pickup_only", by promised pickup). Without the flag the file is as it
    was. Imported again, the day's own rows are booked and a pickup is refused, naming the column:
    the car is not booked a second time."""
    service = PlanningService(Store(sqlite_url), clock=fixed_clock(), refine_in_background=False)
    service.put_workshop(overtime_tiny_workshop())
    service.put_workshop(overtime_tiny_workshop().model_copy(update={"id": "other"}))
    wed = DAY + dt.timedelta(days=1)
    long = Booking(id="long", service="LONG", drop_off=at("13:00"), loan_car=True, plate="=L1", phone="138")
    service.book("tiny", long, None)
    service.book("tiny", Booking(id="maint", service="MAINT", drop_off=at("09:00", wed)), None)

    assert day_bookings_csv(service, "tiny", wed, True) == bookings_csv(service.bookings("tiny", wed), True)
    text = day_bookings_csv(service, "tiny", wed, True, pickups=True)
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [*EXPORT_COLUMNS, "listing", "after_desk_hours"]
    listed = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["id"], r["listing"]) for r in listed] == [("maint", "own"), ("long", "pickup_only")]
    pickup = listed[1]
    assert (pickup["drop_off"], pickup["promised"]) == (at("13:00").isoformat(), at("08:00", wed).isoformat())
    assert [pickup[c] for c in ("service", "loan_car", "plate", "phone")] == ["LONG", "1", "'=L1", "138"]
    no_phone = list(csv.reader(io.StringIO(day_bookings_csv(service, "tiny", wed, False, pickups=True))))
    assert no_phone[0] == [c for c in EXPORT_COLUMNS if c != "phone"] + ["listing", "after_desk_hours"]
    assert [r[-2:] for r in no_phone[1:]] == [["own", "false"], ["pickup_only", "false"]]
    assert day_bookings_csv(service, "tiny", DAY, True, pickups=True).count("pickup_only") == 0

    done = import_file(service, "other", text, None, NOW)
    assert [(d.line, d.booking is not None) for d in done] == [(2, True), (3, False)]
    assert done[1].refusal is not None and done[1].refusal.startswith("listing: ")
    assert [b.service for b in service.bookings("other", wed)] == ["MAINT"]
    assert service.bookings("other", DAY) == []
    bad = text.replace(",pickup_only", ",later")
    assert import_file(service, "other", bad, None, NOW)[1].refusal == (
        "listing: expected own, carried_in or pickup_only, got 'later'"
    )
    service.close()


def _leading_minus_workshop() -> Workshop:
    """The tiny workshop with every identifier starting with '-' (the one formula start the
    identifier pattern allows): bays -G1 and -F1 (fleet partner -TAXI), technician -t, service -MAINT."""
    body = tiny_workshop("17:00", "17:00").model_dump(mode="json")
    body["bays"] = [
        {"id": "-G1", "kind": "general"},
        {"id": "-F1", "kind": "general", "fleet_partner": "-TAXI"},
    ]
    body["technicians"][0]["id"] = "-t"
    body["services"][0]["code"] = "-MAINT"
    return Workshop.model_validate(body)


def _formula_cells(text: str) -> list[str]:
    """The cells of a CSV text a spreadsheet would read as a formula (a number aside: -12.5)."""

    def number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [
        c for row in rows for c in row if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not number(c)
    ]


def test_every_csv_export_quotes_an_identifier_a_spreadsheet_would_run_and_the_import_reads_it_back(
    sqlite_url: str,
) -> None:
    """Identifiers may start with '-' (`-A1` is a formula to a spreadsheet). The plan CSV, the
    bookings CSV (with its pickups too) and the productivity CSVs put every text, identifiers too,
    behind a ' where a spreadsheet would run it (one rule, `spreadsheet_cell`); a bookings export
    imports back with the identifiers as they were (service -MAINT, fleet partner -TAXI)."""
    ws = _leading_minus_workshop()
    booking = Booking(id="-b1", service="-MAINT", drop_off=at("08:00"), fleet_partner="-TAXI", customer="@x")
    made = make_plan(PlanRequest(workshop=ws, date=DAY, bookings=[booking]))
    assert made.assignments
    exports = {
        "plan": plan_csv(made),
        "bookings": bookings_csv([booking], with_phone=True),
        "listed": listed_bookings_csv([(booking, "own", False)], with_phone=True),
    }
    worked = [WorkedOperation(DAY, "-b1", "-MAINT", 0, at("08:10"), "-t", at("09:10"), "-t",
                              (Segment("-t", at("08:10"), at("09:10")),))]  # fmt: skip
    report = productivity_report(ws, {"-b1": booking}, worked, {DAY: made}, DAY, DAY)
    exports["productivity"] = report_csv(report)
    exports["readable"] = readable_csv(report, ws, Translator("en"))
    for name, text in exports.items():
        assert _formula_cells(text) == [], name
    first = next(csv.DictReader(io.StringIO(exports["plan"])))
    assert [first[c] for c in ("booking", "bay", "technician")] == ["'-b1", "'-F1", "'-t"]
    (row,) = read_booking_rows(exports["bookings"])
    assert row.fields is not None
    assert {k: row.fields[k] for k in ("service", "fleet_partner", "customer")} == {
        "service": "-MAINT", "fleet_partner": "-TAXI", "customer": "@x"}  # fmt: skip
    service = PlanningService(Store(sqlite_url), refine_in_background=False, clock=fixed_clock())
    try:
        service.put_workshop(ws)
        (done,) = import_file(service, "tiny", exports["listed"], None, NOW)
        assert done.booking is not None, done.refusal
        assert (done.booking.service, done.booking.fleet_partner) == ("-MAINT", "-TAXI")
    finally:
        service.close()
