"""What the pages of one workshop day show (api/pages.py: the bay plan, a technician's jobs), read
in one call: the workshop, the day's bookings, its stored plan, the day as its plans see it, the
live status and the cars from earlier days handed back that day, and a technician's jobs of the
day in order, the next one marked; what its printouts show (the job cards, a technician's day
sheet: no car handed back, it has no work), read and printed in one call; and the home page's
workshops, each with its days and its today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler import jobcards
from scheduler.capacity import after_desk_hours
from scheduler.clocking import DayStatus, OperationStatus, OpState
from scheduler.contract import Booking, Plan, Service, Workshop
from scheduler.errors import NotFound
from scheduler.i18n import N_
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor


@dataclass(frozen=True)
class DayPage:
    """One workshop day as a page shows it."""

    workshop: Workshop
    bookings: list[Booking]
    """Every booking with work that day, as booked: the day's own, then the multi-day repairs
    carried in (`PlanningService.day_bookings`)."""
    plan: Plan | None
    """The stored plan (None: none yet)."""
    view: Workshop
    """The workshop as the day's plans see it: a multi-day service as its part of the day."""
    seen: list[Booking]
    """The bookings as the day's plans see them (`PlanningService.day_view`)."""
    status: DayStatus | None
    """The live day as of `now` (None: the day has no bookings)."""
    pickups: list[Booking] = field(default_factory=list)
    """The cars dropped off on an earlier day, with no work on this one, whose promised pickup is
    on it (`PlanningService.day_bookings`' "pickup_only"), by promised pickup: handed back that day.
    In no plan and no live status."""
    after_hours: frozenset[str] = frozenset()
    """The ids of those `pickups` promised when the desk does not hand cars back
    (`capacity.after_desk_hours`: an old promise kept as told), marked as the desk marks them."""


@dataclass(frozen=True)
class TechnicianJob:
    """One operation on a technician's page: planned for him, or clocked by him."""

    booking: str
    operation: int
    state: OpState
    """As the live day has it ("not_started" when the day has no status for it)."""
    start: dt.datetime | None
    """The live plan's start, else the stored plan's start, else when he clocked on."""
    end: dt.datetime | None
    """The live plan's end (None: the live day has no status for it)."""
    bay: str | None
    promised: dt.datetime | None
    """The booking's promised pickup (None: no promise, or no status for it)."""
    service: Service | None
    """The booking's service as the day sees it (a multi-day repair: its part of the day; None: the
    booking is not in the day's view)."""
    next: bool
    """The first of his jobs, in order, not done."""
    plate: str | None = None
    """The vehicle's plate, as the booking has it (what a technician finds the car by)."""
    drop_off: dt.datetime | None = None
    """The booking's drop-off (None: the booking is not in the day's view): before it the car is
    not there to start on."""
    at_risk: bool = False
    """The promise guard has the booking at risk of missing its promise, as the live day reads it."""
    late_minutes: int = 0
    """The booking's projected lateness in minutes (the live day's), where it is at risk."""


@dataclass(frozen=True)
class TechnicianDay:
    """A technician's page: the workshop, the day asked for (default the workshop's today) and the
    local time, and that day's page if `technician` works in the workshop (None: he does not), with
    his jobs of that day (`technician_jobs`; none when he does not)."""

    workshop: Workshop
    date: dt.date
    local_now: dt.datetime
    day: DayPage | None
    jobs: list[TechnicianJob] = field(default_factory=list)


def day_page(floor: ShopFloor, workshop_id: str, date: dt.date, now: dt.datetime | None) -> DayPage:
    """The day's page; the status as of `now`, and without it as the live day's reads have it
    (they record new risks). NotFound for an unknown workshop."""
    return _day_page(floor, floor.service.workshop(workshop_id), date, now)


def technician_day(
    floor: ShopFloor, workshop_id: str, technician: str | None, date: dt.date | None, now: dt.datetime | None
) -> TechnicianDay:
    """A technician's day (`date`: default today where the workshop is, as of `now` or the clock);
    the day is read only for a technician of the workshop (no status read, no risk recorded, for
    the page that asks who is looking)."""
    workshop = floor.service.workshop(workshop_id)
    local = (now or floor.service.clock.now()).astimezone(workshop.tz)
    day = date or local.date()
    if technician is None or technician not in {t.id for t in workshop.technicians}:
        return TechnicianDay(workshop, day, local, None)
    page = _day_page(floor, workshop, day, now)
    return TechnicianDay(workshop, day, local, page, technician_jobs(page, technician))


def technician_jobs(day: DayPage, technician: str) -> list[TechnicianJob]:
    """A technician's jobs of the day: his assignments in the stored plan and every operation he
    has clocked on, once each, in order of start (the plan's, else his clock's; then booking and
    operation); the first one not done is `next`."""
    bookings = day.status.bookings if day.status else []
    ops: dict[tuple[str, int], OperationStatus] = {
        (b.booking, o.operation): o for b in bookings for o in b.operations
    }
    promised = {b.booking: b.promised for b in bookings}
    risky = {b.booking: b.projected_lateness_minutes for b in bookings if b.at_risk}
    found: dict[tuple[str, int], dt.datetime | None] = {}
    for a in day.plan.assignments if day.plan else []:
        if a.technician == technician:
            found[(a.booking, a.operation)] = a.start
    for key, o in ops.items():
        if o.technician == technician and o.actual_start is not None:
            found.setdefault(key, o.actual_start)
    codes = {b.id: b.service for b in day.seen}  # a multi-day repair: its part of the day
    plates = {b.id: b.plate for b in [*day.bookings, *day.seen] if b.plate}
    drop_offs = {b.id: b.drop_off for b in [*day.seen, *day.bookings]}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    jobs: list[TechnicianJob] = []
    waiting = True  # no job not done yet: the next one not done is `next`
    for (booking, operation), start in sorted(found.items(), key=lambda kv: (kv[1] or far, kv[0])):
        op = ops.get((booking, operation))
        state: OpState = op.state if op else "not_started"
        jobs.append(
            TechnicianJob(
                booking=booking,
                operation=operation,
                state=state,
                start=op.planned_start if op and op.planned_start else start,
                end=op.planned_end if op else None,
                bay=op.bay if op else None,
                promised=promised.get(booking),
                service=day.view.service(codes.get(booking, "")),
                next=waiting and state != "done",
                plate=plates.get(booking),
                drop_off=drop_offs.get(booking),
                at_risk=booking in risky,
                late_minutes=risky.get(booking, 0),
            )
        )
        waiting = waiting and state == "done"
    return jobs


def _day_page(floor: ShopFloor, workshop: Workshop, date: dt.date, now: dt.datetime | None) -> DayPage:
    service = floor.service
    listed = service.day_bookings(workshop.id, date, pickups=True)
    bookings = [b for b, kind in listed if kind != "pickup_only"]  # multi-day repairs carried in too
    pickups = [b for b, kind in listed if kind == "pickup_only"]
    try:
        plan: Plan | None = service.stored_plan(workshop.id, date)
    except NotFound:
        plan = None
    view, seen = service.day_view(workshop.id, date)
    status = floor.status(workshop.id, date, now) if bookings else None
    late = frozenset(b.id for b in pickups if after_desk_hours(workshop, b, service.rules))
    return DayPage(workshop, bookings, plan, view, seen, status, pickups, late)


@dataclass(frozen=True)
class PrintedDay:
    """What a day's job cards and day sheets print."""

    workshop: Workshop
    bookings: list[Booking]
    """The bookings dropped off that day, in the order they were made."""
    plan: Plan | None
    """The stored plan (None: none yet; the operations print unplanned)."""
    carried: list[Booking]
    """The multi-day repairs of earlier days with work that day, each as the day sees it (its part:
    the operations done that day)."""


def printed_day(
    service: PlanningService, workshop_id: str, date: dt.date, technician: str | None = None
) -> PrintedDay:
    """The day as its printouts show it. NotFound for an unknown workshop, and for a `technician`
    not in it (before anything else is read)."""
    workshop = service.workshop(workshop_id)
    if technician is not None and technician not in {t.id for t in workshop.technicians}:
        raise NotFound(
            N_("technician %(technician)r not in workshop %(workshop_id)r")
            % {"technician": technician, "workshop_id": workshop_id}
        )
    day = service.day_bookings(workshop_id, date)
    try:
        plan: Plan | None = service.stored_plan(workshop_id, date)
    except NotFound:
        plan = None
    carried_ids = {b.id for b, listing in day if listing == "carried_in"}
    # The day view only when something is carried in: it reads (and caches) the day's witness.
    seen = service.day_view(workshop_id, date)[1] if carried_ids else []
    own = [b for b, listing in day if listing == "own"]
    return PrintedDay(workshop, own, plan, [b for b in seen if b.id in carried_ids])


def job_cards(service: PlanningService, workshop_id: str, date: dt.date, lang: str | None) -> bytes:
    """The day's job cards as PDF (scheduler.jobcards.job_cards) in `lang`."""
    day = printed_day(service, workshop_id, date)
    return jobcards.job_cards(day.workshop, date, day.plan, day.bookings, lang=lang, carried=day.carried)


def day_sheet(
    service: PlanningService, workshop_id: str, date: dt.date, technician: str, lang: str | None
) -> bytes:
    """A technician's day sheet as PDF (scheduler.jobcards.day_sheet) in `lang`."""
    day = printed_day(service, workshop_id, date, technician)
    return jobcards.day_sheet(
        day.workshop, date, day.plan, day.bookings, technician, lang=lang, carried=day.carried
    )


@dataclass(frozen=True)
class WorkshopDays:
    """A workshop on the home page."""

    workshop: Workshop
    days: list[tuple[dt.date, int, bool]]
    """(date, bookings, has a stored plan) of each day with bookings or a plan, newest first."""
    today: dt.date
    """The workshop's own date as of `now`: at 01:00 in Shanghai it is still yesterday in UTC."""


def workshops_days(
    service: PlanningService, may_see: Callable[[str], bool], now: dt.datetime | None
) -> list[WorkshopDays]:
    """The workshops whose id `may_see` allows, in storage's order, each with its days and its
    today as of `now` (default: the service's clock)."""
    now = now or service.clock.now()
    return [
        WorkshopDays(w, service.days(w.id), now.astimezone(w.tz).date())
        for w in service.workshops()
        if may_see(w.id)
    ]
