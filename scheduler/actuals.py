"""Actuals over storage: the productivity report and the learned labour times of a workshop's
recorded clock events (read only), both over a range as the reports page shows them
(`reports_page`), applying the suggestions as a new workshop version, the workshop's versions, and
the learned speeds the live day projects with (cached until an earlier day's events or the
workshop change)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import weakref
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from scheduler.clocking import ClockEvent, Effective, effective, event_from_record
from scheduler.contract import FIRST_DATE, LAST_DATE, Booking, Plan, Workshop, stored_workshop
from scheduler.errors import InputError, NotFound, shown
from scheduler.i18n import N_
from scheduler.labour import LabourTimes, applied, learn, live_minutes
from scheduler.productivity import MAX_DAYS, Group, ProductivityReport, productivity_report
from scheduler.service import PlanningService
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage import workshops as workshops_db
from scheduler.storage.clock_events import PlainEvent
from scheduler.worked import WorkedOperation, worked_operations

LEARNING_DAYS = 90
"""Labour times are learned from this many days of events (before the day, or up to yesterday)."""
LearnedSpeeds = dict[tuple[str, str, int], float]


def check_range(first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """Both given, in order and at most MAX_DAYS days: else InputError naming the field."""
    if first is None:
        raise InputError("from", N_("required: the first day, YYYY-MM-DD"))
    if last is None:
        raise InputError("to", N_("required: the last day, YYYY-MM-DD"))
    if last < first:
        raise InputError("to", N_("%(last)s is before from %(first)s") % {"last": last, "first": first})
    if (last - first).days + 1 > MAX_DAYS:
        raise InputError(
            "to", N_("at most %(max_days)s days from %(first)s") % {"max_days": MAX_DAYS, "first": first}
        )
    return first, last


def _events(rows: list[PlainEvent]) -> dict[dt.date, list[Effective]]:
    by_day: dict[dt.date, list[ClockEvent]] = defaultdict(list)
    for r in rows:
        by_day[r.date].append(event_from_record(r))
    return {date: effective(events) for date, events in by_day.items()}


def _numbered(
    events: list[Effective], date: dt.date, offsets: dict[tuple[str, dt.date], int]
) -> list[Effective]:
    """`date`'s events with the operations of multi-day work carried over to it numbered as its
    service numbers them (the day numbers them from its first operation, scheduler.shopfloor)."""
    return [
        replace(e, operation=e.operation + offsets[(e.booking, date)]) if (e.booking, date) in offsets else e
        for e in events
    ]


def stored_workshop_of(store: Store, workshop_id: str) -> Workshop:
    """The workshop as stored (NotFound when there is none): the CLI's report names its
    technicians by it, as the reports page does."""
    with store.sessions() as session:
        text = workshops_db.body(session, workshop_id)
    if text is None:
        raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
    return stored_workshop(text)


def _load(
    store: Store, workshop_id: str, first: dt.date, last: dt.date, baselines: bool
) -> tuple[Workshop, dict[str, Booking], list[WorkedOperation], dict[dt.date, Plan]]:
    with store.sessions() as session:
        text = workshops_db.body(session, workshop_id)
        if text is None:
            raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
        workshop = stored_workshop(text)
        bookings = {b.id: b for b in bookings_db.between(session, workshop_id, first, last)}
        days = _events(events_db.plain_between(session, workshop_id, first, last))
        plans = plans_db.baselines(session, workshop_id, first, last) if baselines else {}
        # Multi-day work clocked on a later day: numbered there from the day's first operation.
        offsets: dict[tuple[str, dt.date], int] = {}
        services = {b.id: b.service for b in bookings.values()}
        for date, row in bookings_db.carried_from(session, workshop_id, first):
            if date > last:
                continue
            booking, witness = bookings_db.accepted_of(row)
            services[booking.id] = booking.service
            bookings.setdefault(booking.id, booking)  # dropped off before `first`: its work counts too
            on_day = [a.operation for a in witness if a.start.astimezone(workshop.tz).date() == date]
            offsets[(booking.id, date)] = min(on_day, default=0)
    if offsets:
        days = {date: _numbered(events, date, offsets) for date, events in days.items()}
    worked = worked_operations(days, services)
    return workshop, bookings, worked, {d: Plan.model_validate_json(body) for d, body in plans.items()}


def productivity(
    store: Store, workshop_id: str, first: dt.date | None, last: dt.date | None, group: Group = "day"
) -> ProductivityReport:
    """The report of `first`..`last` (the CLI's too: a store is all it needs); both required, in
    order and at most MAX_DAYS days (`check_range`, before the workshop is read)."""
    first, last = check_range(first, last)
    workshop, bookings, worked, baselines = _load(store, workshop_id, first, last, baselines=True)
    return productivity_report(workshop, bookings, worked, baselines, first, last, group)


def learning_window(
    service: PlanningService,
    workshop_id: str,
    first: dt.date | None,
    last: dt.date | None,
    now: dt.datetime | None = None,
) -> tuple[dt.date, dt.date]:
    """The days labour times are learned from: as given, else the LEARNING_DAYS up to yesterday
    (the day before `now`, default the service's clock)."""
    if last is None:
        tz = service.workshop(workshop_id).tz
        last = (now or service.clock.now()).astimezone(tz).date() - dt.timedelta(days=1)
    if first is None:
        first = last - dt.timedelta(days=LEARNING_DAYS - 1)
    return check_range(first, last)


def labour_times(
    service: PlanningService,
    workshop_id: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
    now: dt.datetime | None = None,
) -> LabourTimes:
    first, last = learning_window(service, workshop_id, first, last, now)
    workshop, _, worked, _ = _load(service.store, workshop_id, first, last, baselines=False)
    return learn(workshop, worked, first, last)


REPORT_PAGE_DAYS = 28
"""The reports page's range by default, and instead of one it cannot show: the days up to yesterday."""


@dataclass(frozen=True)
class ReportsPage:
    """What the reports page shows: the productivity report (`group` "all") and the learned labour
    times of one range, and why the range asked for could not be shown (`problem`; then the
    default range instead)."""

    workshop: Workshop
    today: dt.date
    """The workshop's today as of `now`."""
    first: dt.date
    last: dt.date
    report: ProductivityReport
    times: LabourTimes
    problem: ValueError | OverflowError | None = None
    """An InputError naming `from` or `to`, an OverflowError for a range outside the calendar."""


def reports_page(
    service: PlanningService,
    workshop_id: str,
    first: str | None,
    last: str | None,
    now: dt.datetime | None = None,
) -> ReportsPage:
    """The reports of `first`..`last` (YYYY-MM-DD as typed in the page's query; `last` default
    yesterday, `first` default REPORT_PAGE_DAYS up to `last`), and of the REPORT_PAGE_DAYS up to
    yesterday (as of `now`, default the service's clock) when that range cannot be shown.
    NotFound for an unknown workshop."""
    workshop = service.workshop(workshop_id)
    today = (now or service.clock.now()).astimezone(workshop.tz).date()
    end = today - dt.timedelta(days=1)

    def day(field: str, text: str) -> dt.date:
        """A day as the API's `Day` reads it (review-s35: the page showed year 1, 9999 and
        "20261101", which its own Apply then sent to the API and had refused)."""
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            value = dt.date.fromisoformat(text)
        except ValueError:  # not Python's "Invalid isoformat string" on the page: what is expected
            reason = N_("expected YYYY-MM-DD, got %(value)s") % {"value": repr(shown(text))}
            raise InputError(field, reason) from None
        if not FIRST_DATE <= value <= LAST_DATE:
            reason = N_("must be between %(first)s and %(last)s, got %(value)s")
            raise InputError(field, reason % {"first": FIRST_DATE, "last": LAST_DATE, "value": value})
        return value

    try:
        to = day("to", last) if last else end
        start = day("from", first) if first else to - dt.timedelta(days=REPORT_PAGE_DAYS - 1)
        report = productivity(service.store, workshop_id, start, to, "all")
        times = labour_times(service, workshop_id, start, to)
        return ReportsPage(workshop, today, start, to, report, times)
    except (ValueError, OverflowError) as exc:  # Overflow: 28 days before 0001-01-05
        problem = exc
    start = end - dt.timedelta(days=REPORT_PAGE_DAYS - 1)
    report = productivity(service.store, workshop_id, start, end, "all")
    times = labour_times(service, workshop_id, start, end)
    return ReportsPage(workshop, today, start, end, report, times, problem)


class Applied:
    def __init__(self, version: int, previous: int, workshop: Workshop, times: LabourTimes) -> None:
        self.version, self.previous, self.workshop, self.times = version, previous, workshop, times

    @property
    def changed(self) -> bool:
        """A new version was made: an apply that learned nothing new makes none (tidy-s35)."""
        return self.version != self.previous


def apply_labour_times(
    service: PlanningService,
    workshop_id: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
    force: bool = False,
    now: dt.datetime | None = None,
) -> Applied:
    """The suggested standard minutes and efficiencies (learned up to the day before `now` unless
    `last` is given) as a new version of the workshop (the old version kept); refused like any
    workshop change that breaks accepted bookings, unless `force`. A day is past only when past by
    both `now` and the service's clock (`workshop_changes.past_from`): a `now` ahead of the clock
    cannot skip the bookings between, a `now` behind it (a day replayed) has its days checked.
    InputError on `to` for a `last` after the workshop's today as of `now` (default the clock)."""
    if last is not None:
        # Days not yet worked teach nothing: such a range would apply nothing and read as if it had.
        today = (now or service.clock.now()).astimezone(service.workshop(workshop_id).tz).date()
        if last > today:
            reason = N_("%(last)s is after today (%(today)s): nothing is learned from days not yet worked")
            raise InputError("to", reason % {"last": last, "today": today})
    times = labour_times(service, workshop_id, first, last, now)
    previous = current_version(service, workshop_id)
    new = applied(service.workshop(workshop_id), times)
    note = f"labour times learned from {times.first}..{times.last} ({times.samples} operations)"
    service.put_workshop(new, force=force, note=note, route="apply", as_of=now)
    return Applied(current_version(service, workshop_id), previous, new, times)


# Versions
def current_version(service: PlanningService, workshop_id: str) -> int:
    found = versions(service, workshop_id)
    return found[-1][0] if found else 0


def versions(service: PlanningService, workshop_id: str) -> list[tuple[int, dt.datetime, str | None]]:
    """(version, when, note) of each version, oldest first; when on the workshop's clock, as its
    other times read (it read UTC, or the database session's zone)."""
    with service.store.sessions() as session:
        if workshops_db.body(session, workshop_id) is None:
            raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
        tz = service.workshop(workshop_id, session).tz
        return [
            (r.version, _aware(r.created_at).astimezone(tz), r.note)
            for r in workshops_db.versions(session, workshop_id)
        ]


def version(service: PlanningService, workshop_id: str, number: int) -> Workshop:
    with service.store.sessions() as session:
        row = workshops_db.version(session, workshop_id, number)
        if row is None:  # an unknown workshop named as such, not as a version it lacks
            raise service.not_found(
                session,
                workshop_id,
                N_("version %(number)s of workshop %(workshop_id)r")
                % {"number": number, "workshop_id": workshop_id},
            )
        return stored_workshop(row.body)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class LearnedSpeedCache:
    """The learned minutes (technician, service, operation) a live day projects with: learned from
    the LEARNING_DAYS before it, recomputed only when those days' events or the workshop change.
    Each past day's worked operations are kept too (keyed by that day's event revision), so the
    next day reads only what is new."""

    def __init__(self, service: PlanningService) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._cached: dict[tuple[str, dt.date], tuple[int | None, Workshop, LearnedSpeeds]] = {}
        self._days: dict[tuple[str, dt.date], tuple[tuple[int, int], list[WorkedOperation]]] = {}

    def speeds(self, workshop: Workshop, date: dt.date, session: Session | None = None) -> LearnedSpeeds:
        """`session`: a reading session of the caller's to check the cache in (else one of its own)."""
        first, last = date - dt.timedelta(days=LEARNING_DAYS), date - dt.timedelta(days=1)
        with nullcontext(session) if session is not None else self.service.store.sessions() as session:
            summary = events_db.newest_id(session, workshop.id, first, last)
            with self._lock:
                found = self._cached.get((workshop.id, date))
            if found is not None and found[0] == summary and found[1] == workshop:
                return found[2]
            revisions = events_db.day_revisions(session, workshop.id, first, last)
        speeds: LearnedSpeeds = {}
        if revisions:
            worked = self._worked(workshop.id, revisions)
            speeds = live_minutes(workshop, worked)
        with self._lock:
            if len(self._cached) > 256:
                self._cached.clear()
            self._cached[(workshop.id, date)] = (summary, workshop, speeds)
        return speeds

    def _worked(self, workshop_id: str, revisions: dict[dt.date, tuple[int, int]]) -> list[WorkedOperation]:
        with self._lock:
            known = {d: self._days.get((workshop_id, d)) for d in revisions}
        stale = sorted(d for d, kept in known.items() if kept is None or kept[0] != revisions[d])
        if stale:
            with self.service.store.sessions() as session:
                services = bookings_db.services_on(session, workshop_id, stale)
                days = _events(events_db.plain_on(session, workshop_id, stale))
            fresh = worked_operations(days, services)
            by_day: dict[dt.date, list[WorkedOperation]] = {d: [] for d in stale}
            for w in fresh:
                by_day[w.date].append(w)
            with self._lock:
                if len(self._days) > 4096:
                    self._days.clear()
                for d in stale:
                    self._days[(workshop_id, d)] = (revisions[d], by_day[d])
                    known[d] = (revisions[d], by_day[d])
        return [w for d in sorted(known) for w in known[d][1]]  # type: ignore[index]


_CACHES: weakref.WeakKeyDictionary[PlanningService, LearnedSpeedCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def learned_speeds(
    service: PlanningService, workshop: Workshop, date: dt.date, session: Session | None = None
) -> LearnedSpeeds:
    """The learned minutes a live day projects with (one cache per planning service); `session`: a
    reading session of the caller's to check the cache in (one session less for a clock event)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(service)
        if cache is None:
            cache = _CACHES[service] = LearnedSpeedCache(service)
    return cache.speeds(workshop, date, session)
