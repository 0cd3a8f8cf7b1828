"""What the technician's iCalendar feed costs since it describes each job (zh-s29).

The feed now reads the day as its plans see it (`PlanningService.day_view`) and the day's bookings
with those carried in (`PlanningService.day_bookings`) to name a carried-over repair's work and to
fill DESCRIPTION; before, it read the drop-off day's own bookings (`PlanningService.bookings`). The
baseline is the feed as main made it (`_main_feed`: main's `technician_feed`, its reads and its
events, kept here as they were), measured in the same run, alternating, on the same stored day:
small-dealer with its bookings of 2026-11-24 planned, each technician's feed in Chinese.

    PYTHONPATH=. .venv/bin/python -m bench.zh_feed [rounds]
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.clock import FixedClock
from scheduler.contract import Workshop
from scheduler.exchange import import_file, technician_feed, technician_of
from scheduler.i18n import N_, Translator
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.storage import Store

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = dt.date(2026, 11, 24)


def _main_feed(
    service: PlanningService, workshop_id: str, technician_id: str, date: dt.date, t: Translator
) -> bytes:
    """main's feed (25ec235): the drop-off day's bookings, SUMMARY and LOCATION, no DESCRIPTION."""
    from icalendar import Calendar, Event, vText

    workshop: Workshop = service.workshop(workshop_id)
    technician = technician_of(workshop, technician_id)
    plan = service.stored_plan(workshop_id, date)
    bookings = service.bookings(workshop_id, date)
    workshop = workshop.in_language(t.locale)
    technician = technician_of(workshop, technician.id)
    services = {s.code: s for s in workshop.services}
    booked = {b.id: b.service for b in bookings}
    calendar = Calendar()
    calendar.add("prodid", "-//bayplan//technician day//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", vText(f"{technician.name} · {workshop.name} · {date}"))
    for a in sorted(plan.assignments, key=lambda a: a.start):
        if a.technician != technician.id:
            continue
        what = a.booking
        code = booked.get(a.booking)
        if code in services and a.operation < len(services[code].operations):
            what = f"{a.booking} · {services[code].name}: {services[code].operations[a.operation].name}"
        event = Event()
        event.add("uid", f"{workshop.id}/{date}/{a.booking}/{a.operation}@bayplan")
        event.add("dtstamp", service.clock.now().astimezone(dt.UTC))
        event.add("dtstart", a.start.astimezone(dt.UTC))
        event.add("dtend", a.end.astimezone(dt.UTC))
        event.add("summary", what)
        event.add("location", t.phrase(N_("bay %(bay)s") % {"bay": a.bay}))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'feed.db'}"
    service = PlanningService(Store(db), clock=FixedClock(NOW), refine_in_background=False)
    try:
        scenario = load_scenario("small-dealer")
        service.put_workshop(scenario.workshop)
        codes = ("FIRST", "INSPECT", "MINOR", "ALIGN", "MAINT", "LUBE", "ACCIDENT") * 2
        rows = [f"{code},{DAY}T{8 + i // 2:02d}:{30 * (i % 2):02d}:00+08:00" for i, code in enumerate(codes)]
        import_file(service, scenario.workshop.id, "service,drop_off\r\n" + "\r\n".join(rows) + "\r\n", None)
        service.plan_day(scenario.workshop.id, DAY, 2.0)
        techs = [t.id for t in scenario.workshop.technicians]
        t = Translator("zh_CN")
        ws = scenario.workshop.id

        def now_feed() -> None:
            for tech in techs:
                technician_feed(service, ws, tech, DAY, t.phrase, t.locale)

        def main_feed() -> None:
            for tech in techs:
                _main_feed(service, ws, tech, DAY, t)

        now_feed(), main_feed()  # warm: caches of the day, the catalog
        base, branch = [], []
        for _ in range(rounds):
            for runs, call in ((base, main_feed), (branch, now_feed)):
                start = time.perf_counter()
                call()
                runs.append(time.perf_counter() - start)
        b, n = statistics.median(base), statistics.median(branch)
        print(f"{len(techs)} feeds: main {b * 1000:.1f} ms, branch {n * 1000:.1f} ms, ratio {n / b:.2f}")
    finally:
        service.close()


if __name__ == "__main__":
    main()
