"""The shop floor's live day: clock events taken in (scheduler/clock_intake.py), each accepted one
re-planning the rest of the day (scheduler/live_replan.py), and the day's status as of any moment:
work in progress projected from the events, the rest through the live plan, the bookings the
promise guard has at risk, pushed to the day's subscribers (SSE) and the workshop's webhooks.

An event's request only checks the event, commits it and answers (work in progress is projected
from the events at once); the re-plan runs in the background (`LiveReplans`). The status says which
event the live plan reflects and whether a re-plan is on its way (`plan_as_of_event`,
`latest_event`, `replanning`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from scheduler.actuals import learned_speeds
from scheduler.clock_intake import Replayed, answer_moment, record, stored_events, workshop_lock
from scheduler.clocking import (
    BookingStatus,
    ClockEvent,
    DayState,
    DayStatus,
    Effective,
    RiskSpell,
    booking_status,
    effective,
    event_from_record,
    replay,
    technician_status,
)
from scheduler.contract import Booking, Plan, Workshop
from scheduler.errors import DayChanged, NotFound
from scheduler.live_replan import (
    LIVE_PLAN_SECONDS,
    LIVE_REPLAN_TRIES,
    LiveReplans,
    day_bookings,
    live_now,
    witness_plan,
)
from scheduler.promise_odds import (
    Snapshot,
    booking_projection,
    guarded,
    projected_ends,
    promise_guard,
    reprojected,
)
from scheduler.pubsub import Hub
from scheduler.service import PlanningService
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage.clock_events import PlainEvent, Spell
from scheduler.storage.tables import ClockEventRow
from scheduler.webhooks import Webhooks

logger = logging.getLogger("bayplan")

WARM_START_ENVIRONMENT = "BAYPLAN_WARM_START"
"""`off`: the server does not read the newest clocked days' status at start (benchmarks' baseline)."""
CLOCK_ANSWER_ENVIRONMENT = "BAYPLAN_CLOCK_ANSWER"
"""`day`: a clock event's answer is computed from the whole day's status (benchmarks' baseline)."""
RECENT_DAYS = 64
"""How many days' bookings the shop floor keeps parsed (the oldest are forgotten first)."""


class ShopFloor:
    """Clock events and the live day of a planning service's workshops."""

    def __init__(self, service: PlanningService, background: bool | None = None) -> None:
        self.service = service
        self.whole_day_answer = os.environ.get(CLOCK_ANSWER_ENVIRONMENT, "").strip().lower() == "day"
        """A clock event's request computes (and pushes) the whole day's status for its answer, and
        asks for its re-plan first, and the day's bookings are read anew each time: how it was
        before the answer computed its booking alone (the benchmarks' baseline)."""
        self.replans = LiveReplans(
            service, lambda workshop_id, day: self._live_replan(workshop_id, day), background
        )
        """The live re-plans after clock events (in the background unless `background` is False or
        BAYPLAN_LIVE_REPLAN=sync), and whether they move the bookings at risk earlier."""
        self._pushed: dict[tuple[str, dt.date], tuple[int, int]] = {}
        """(workshop id, date) → (newest event, event of the live plan) of the status pushed last."""
        self._pushed_lock = threading.Lock()
        self.hub = Hub()
        """The day's status pushed on topic (workshop id, date) after each change (SSE)."""
        self._quiet = threading.local()
        self._days: dict[
            tuple[str, dt.date], tuple[tuple[object, ...], Workshop, tuple[Workshop, list[Booking]]]
        ]
        self._days = {}
        """(workshop id, date) → (the day's version, the workshop, its `day_bookings`): `_day`."""
        self._plans: dict[tuple[str, dt.date], tuple[str, Plan]] = {}
        """(workshop id, date) → the stored plan's text and the plan parsed from it: `_plan`."""
        self._witnessed: dict[tuple[str, dt.date], tuple[tuple[object, ...], Plan]] = {}
        """(workshop id, date) → the day's version and its witness plan: `_witness_plan`."""
        self._read: dict[tuple[str, dt.date], dict[int, tuple[PlainEvent, ClockEvent]]] = {}
        """(workshop id, date) → each of the day's events read so far, by id: `_events`."""
        self._days_lock = threading.Lock()
        self._pusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="status-push")
        """Computes and pushes the status after each clock event, outside the event's request."""
        self.downstream = True
        """Project work not started through the live plan's sequences (scheduler/promise_odds.py):
        an overrun delays what is queued behind it. False: each booking on its own planned times."""
        self.webhooks = Webhooks(service)
        """booking.at_risk, booking.done and plan.changed, delivered to the workshop's webhooks."""
        service.plan_listeners.append(self._plan_stored)

    # The live re-plans' switches, set where the shop floor is made (cli/replay_day.py, tests): on
    # the shop floor as before, so that a setter elsewhere does not silently set a dead attribute.
    @property
    def background(self) -> bool:
        return self.replans.background

    @background.setter
    def background(self, value: bool) -> None:
        self.replans.background = value

    @property
    def expedite(self) -> bool:
        return self.replans.expedite

    @expedite.setter
    def expedite(self, value: bool) -> None:
        self.replans.expedite = value

    @property
    def jump(self) -> bool:
        return self.replans.jump

    @jump.setter
    def jump(self, value: bool) -> None:
        self.replans.jump = value

    # Pushes
    def _plan_stored(self, workshop_id: str, date: dt.date, plan: Plan) -> None:
        self._keep_plan(workshop_id, date, plan.model_dump_json())
        self.webhooks.emit(
            workshop_id, "plan.changed", {"date": date.isoformat(), "plan": plan.model_dump(mode="json")}
        )
        if not getattr(self._quiet, "on", False):  # a clock event's own re-plan: pushed with its status
            self._changed(workshop_id, date, None)

    def _changed(self, workshop_id: str, date: dt.date, status: DayStatus | None) -> None:
        """Push the day's status to its subscribers (computed only if anyone listens), unless one
        from newer events or a newer live plan went out already (an event's answer computed before
        its background re-plan was pushed)."""
        key = (workshop_id, date)
        if self.hub.subscribers(key) == 0:
            return
        if status is None:
            status = self.live_status(workshop_id, date)
        newness = (status.latest_event or 0, status.plan_as_of_event or 0)
        with self._pushed_lock:
            if newness < self._pushed.get(key, (0, 0)):
                return
            self._pushed[key] = newness
            self.hub.publish(key, status_message(status))

    def _day(
        self, session: Session, workshop_id: str, date: dt.date, workshop: Workshop | None = None
    ) -> tuple[Workshop, list[Booking]]:
        """`day_bookings` of the workshop's day (`workshop`: the workshop as just read), reused
        while the day's version holds (one query instead of reading and parsing every booking of
        the day at each event and status)."""
        workshop = workshop or self.service.workshop(workshop_id, session)
        if self.whole_day_answer:  # as before (benchmarks' baseline)
            return day_bookings(session, workshop, date)
        version = bookings_db.day_version(session, workshop_id, date)
        key = (workshop_id, date)
        with self._days_lock:
            cached = self._days.get(key)
        if cached is not None and cached[0] == version and cached[1] is workshop:
            return cached[2]
        found = day_bookings(session, workshop, date)
        with self._days_lock:
            self._days[key] = (version, workshop, found)
            while len(self._days) > RECENT_DAYS:
                self._days.pop(next(iter(self._days)))
        return found

    def _events(
        self, session: Session, workshop_id: str, date: dt.date
    ) -> tuple[list[PlainEvent], list[ClockEvent]]:
        """The day's events as stored, in the order recorded: as plain rows and as events (instants
        in UTC). Each event is read and converted once: events are append-only and their ids only
        grow, so one query of the day's ids says which are new, and only those rows are read (a
        clock event read and converted every event of its day, ~4 ms of its ~15 ms CPU at
        mid-day on dealer-2011: clock13-s45). The dict kept per day is replaced, never changed."""
        if self.whole_day_answer:  # as before (benchmarks' baseline)
            return stored_events(session, workshop_id, date)
        ids = events_db.day_ids(session, workshop_id, date)
        key = (workshop_id, date)
        with self._days_lock:
            known = self._read.get(key, {})
        # A day with an event kept above its newest lost events: a database restored from an older
        # dump while this server ran hands their ids out again, to other events (review-s46).
        rewound = bool(known) and (not ids or max(known) > ids[-1])
        if rewound:
            known = {}
        missing = [i for i in ids if i not in known]
        if missing or rewound:
            fresh = {
                p.id: (p, event_from_record(p))
                for p in (events_db.plain_from(session, workshop_id, date, missing[0]) if missing else [])
            }
            with self._days_lock:
                kept = self._read.pop(key, {})
                known = fresh if rewound else {**kept, **fresh}
                self._read[key] = known  # the newest read last: the oldest days are forgotten first
                while len(self._read) > RECENT_DAYS:
                    self._read.pop(next(iter(self._read)))
        pairs = [known[i] for i in ids]
        return [p for p, _ in pairs], [e for _, e in pairs]

    # Events
    def clock(
        self,
        workshop_id: str,
        fields: dict[str, object],
        idempotency_key: str | None,
        key_id: str | None,
        now: dt.datetime | None = None,
        replays: bool = True,
        after: Callable[[Callable[[], object]], object] | None = None,
    ) -> tuple[ClockEvent, BookingStatus, bool]:
        """Record one event (or a correction); returns it, the booking's status and whether it is
        new (False: a replay of the same idempotency key and body). Impossible events: Conflict.
        `replays`: `now` may be any moment (not for a technician's key: `record`). `after`: how to
        run what the answer does not wait for, once it is given (the route: once the 201 is sent,
        FastAPI's background tasks): asking for the background re-plan, which would otherwise take
        the interpreter from the answer while it is serialised and sent (clock13-s45), and the
        `booking.done` webhooks; None: at once. An answer that fails asks for its re-plan at once.
        (A re-plan never asked for, the process gone, is still made: a status read or the next
        event asks for it where the live plan lags, `LiveReplans.lag`, and so does a restart.)

        The event is committed before the answer; the day is re-planned in the background (or
        here, when not `background`): the answer projects the event over the live plan as stored,
        as the shop floor knows the day (`live_now`) or, given `now`, as of it (`answer_moment`:
        the booking's entry of the day's status as of that moment)."""
        replanned: DayStatus | None = None
        with workshop_lock(self.service, workshop_id):
            taken = record(
                self.service,
                workshop_id,
                fields,
                idempotency_key,
                key_id,
                self._day,
                self._plan,
                now,
                replays,
                self._events,
            )
            if isinstance(taken, Replayed):
                # The first answer may have been lost between the event's commit and its re-plan
                # (a crash): the live plan catches up if it lags the recorded events.
                if not self.replans.background and self.replans.lag(workshop_id, taken.date)[0]:
                    self._live_replan(workshop_id, taken.date)
            elif not self.replans.background:  # the re-plan inside the request (under the lock)
                replanned = self._live_replan(workshop_id, taken.date)
        as_of = answer_moment(now, self.service.clock.now(), replays, taken.event.at)
        if isinstance(taken, Replayed):
            if self.replans.background:
                self.replans.lag(workshop_id, taken.date)  # asks for the re-plan if the plan lags
            booking = self._booking_now(workshop_id, taken.date, taken.event.booking, as_of)
            return taken.event, booking, False
        event, date, workshop, day = taken.event, taken.date, taken.workshop, taken.day
        if replanned is not None:
            if as_of is not None:
                replanned = self.status(workshop_id, date, as_of)
            found = next(b for b in replanned.bookings if b.booking == event.booking)
        elif self.whole_day_answer:  # before the answer computed its booking alone (benchmarks)
            if self.replans.background:
                self.replans.replanner.request((workshop_id, date))
            status = self._answer_status(workshop, date, day, [*taken.past, event])
            self._changed(workshop_id, date, status)
            if as_of is not None:
                status = self._answer_status(workshop, date, day, [*taken.past, event], as_of)
            found = next(b for b in status.bookings if b.booking == event.booking)
        else:
            # The answer: the event's booking alone, projected over the live plan as stored (what
            # the whole day's status gives it); the day's status is pushed by the pusher thread.
            answered = False
            try:
                state = taken.state
                if as_of is not None and state.latest is not None and state.latest > as_of:
                    # Events recorded before this one but after `now` (a day entered out of order):
                    # not yet known as of `now`, as the status route as of it leaves them out.
                    known = effective([*taken.past, event])
                    state = replay(known, workshop, {b.id: b for b in day}, date, until=as_of)
                found = self._booking_answer(workshop, date, day, taken.plan, state, event.booking, as_of)
                if self.hub.subscribers((workshop_id, date)):
                    events = [*taken.past, event]
                    self._push_later(
                        workshop_id, date, lambda: self._answer_status(workshop, date, day, events)
                    )
                answered = True
            finally:
                if self.replans.background:  # after the answer: its re-plan does not compete with it
                    replan = functools.partial(self.replans.replanner.request, (workshop_id, date))
                    if after is None or not answered:
                        replan()
                    else:
                        after(replan)
        if found.state == "done" and (event.corrected_action or event.action) == "finish":
            done = found

            def emit() -> None:
                self.webhooks.emit(workshop_id, "booking.done", done.model_dump(mode="json"))

            if after is None:
                emit()
            else:
                after(emit)
        return event, found, True

    def events(self, workshop_id: str, date: dt.date) -> list[ClockEvent]:
        """The day's audit trail: every event and correction, in the order recorded."""
        with self.service.store.sessions() as session:
            tz = self.service.workshop(workshop_id, session).tz
            return [event_from_record(r, tz) for r in events_db.day_events(session, workshop_id, date)]

    # The live plan
    def _live_replan(self, workshop_id: str, date: dt.date) -> DayStatus | None:
        """Re-plan the day from its recorded events and store the plan (as made from the newest of
        them), record newly at-risk bookings (webhooks) and push the status; the status (None: the
        day has no events). A re-plan that fails is logged and the stored plan stays."""
        for attempt in range(1, LIVE_REPLAN_TRIES + 1):  # read again where a booking change raced it
            with self.service.store.sessions() as session:
                workshop, day = self._day(session, workshop_id, date)
                rows = events_db.day_events(session, workshop_id, date)
            if not rows:
                return None
            events = [event_from_record(r) for r in rows]
            newest = max(e.id for e in events)
            state = replay(effective(events), workshop, {b.id: b for b in day}, date)
            now = live_now(self.service, workshop, date, state, replan_moment(max(rows, key=lambda r: r.id)))
            self._quiet.on = True
            try:
                plan = self.replans.replan(
                    workshop, date, state, now, newest, last_try=attempt == LIVE_REPLAN_TRIES
                )
                break
            except DayChanged:
                continue
            finally:
                self._quiet.on = False
        lagging, as_of, latest = self.replans.lag(workshop_id, date)
        status = _live(
            self._status(workshop, date, day, plan, state, now, persist=True),
            lagging,
            as_of,
            latest,
        )
        self._changed(workshop_id, date, status)
        return status

    def _answer_status(
        self,
        workshop: Workshop,
        date: dt.date,
        day: list[Booking],
        events: list[ClockEvent],
        as_of: dt.datetime | None = None,
    ) -> DayStatus:
        """What a new event answers and pushes before its re-plan: the events projected over the
        live plan as stored (work in progress from its clocked start, the rest as planned), as the
        shop floor knows the day (`live_now`), or as of `as_of` (the request's `now`)."""
        until = None if as_of is None else as_of.astimezone(workshop.tz)
        state = replay(effective(events), workshop, {b.id: b for b in day}, date, until=until)
        now = until or live_now(self.service, workshop, date, state)
        lagging, plan_as_of, newest = self.replans.lag(workshop.id, date, max(e.id for e in events))
        plan = self._live_plan(workshop.id, date)
        status = self._status(
            workshop, date, day, plan, state, now, persist=False, replayed=until is not None
        )
        return _live(status, lagging, plan_as_of, newest)

    def _live_plan(self, workshop_id: str, date: dt.date) -> Plan | None:
        """The day's live plan: the stored one, else its witness plan (`_witness_plan`)."""
        try:
            return self.service.stored_plan(workshop_id, date)
        except NotFound:
            return self._witness_plan(workshop_id, date)

    def _witness_plan(self, workshop_id: str, date: dt.date) -> Plan | None:
        """The plan of a day none is stored for (nobody planned it, no clock event re-planned it
        yet): its accepted bookings as their witnesses place them, each keeping its promise
        (`live_replan.witness_plan`, what its first live re-plan starts from), made once per day
        version. None: no bookings. Without it, every booking of the day read as unplaced: at risk,
        no projected end, P 0, and `booking.at_risk` sent for each (audit13-s19)."""
        request, witness, version = self.service.plan_inputs(workshop_id, date, LIVE_PLAN_SECONDS)
        if not request.bookings:
            return None
        key = (workshop_id, date)
        with self._days_lock:
            cached = self._witnessed.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        plan = witness_plan(request, witness)
        with self._days_lock:
            self._witnessed[key] = (version, plan)
            while len(self._witnessed) > RECENT_DAYS:
                self._witnessed.pop(next(iter(self._witnessed)))
        return plan

    def _plan(self, session: Session, workshop_id: str, date: dt.date) -> Plan | None:
        """The day's stored plan, parsed once per stored text (`_keep_plan`); else its witness plan."""
        row = plans_db.get(session, workshop_id, date)
        if row is None:
            return self._witness_plan(workshop_id, date)
        with self._days_lock:
            cached = self._plans.get((workshop_id, date))
        if cached is not None and cached[0] == row.body:
            return cached[1]
        return self._keep_plan(workshop_id, date, row.body)

    def _keep_plan(self, workshop_id: str, date: dt.date, body: str) -> Plan:
        """The plan stored as `body`, parsed and kept for `_plan`. Called with each plan as it is
        stored (`_plan_stored`: in the thread that stored it, a live re-plan's in the background),
        so that the next clock event finds the day's new plan parsed instead of parsing it in its
        request (a plan stored after every event: ~1 ms of each event's CPU, clock13-s45). Kept as
        parsed back from its text, the very plan `_plan` would read."""
        plan = Plan.model_validate_json(body)
        key = (workshop_id, date)
        with self._days_lock:
            self._plans.pop(key, None)
            self._plans[key] = (body, plan)  # the newest last: the oldest days are forgotten first
            while len(self._plans) > RECENT_DAYS:
                self._plans.pop(next(iter(self._plans)))
        return plan

    def _booking_answer(
        self,
        workshop: Workshop,
        date: dt.date,
        day: list[Booking],
        plan: Plan | None,
        state: DayState,
        booking_id: str,
        as_of: dt.datetime | None = None,
    ) -> BookingStatus:
        """What a new event answers before its re-plan: its booking's entry of `_answer_status`
        (the events, replayed into `state`, projected over the live `plan` as stored), computed
        for that booking alone — the work it waits for through the plan's sequences, the same draws.
        As the shop floor knows the day (`live_now`), or as of `as_of` (the request's `now`: `state`
        holds the events up to it)."""
        now = (
            live_now(self.service, workshop, date, state) if as_of is None else as_of.astimezone(workshop.tz)
        )
        with self.service.store.sessions() as session:  # one session for the answer's two reads
            learned = learned_speeds(self.service, workshop, date, session)
            recorded = events_db.spells(session, workshop.id, [booking_id])
        booking = next(b for b in day if b.id == booking_id)
        ends, promise = booking_projection(
            Snapshot(workshop, date, day, plan, state, now, learned), booking_id
        )
        statuses = [booking_status(workshop, booking, plan, state, now, None, learned, self.service.rules)]
        if self.downstream:
            statuses = reprojected(statuses, ends)
        found = guarded(statuses, {} if promise is None else {booking_id: promise})[0]
        return with_risk_history(found, recorded.get(booking_id, []), now, as_of is not None, workshop.tz)

    def _push_later(self, workshop_id: str, date: dt.date, status: Callable[[], DayStatus]) -> None:
        """Push `status()` to the day's subscribers from the pusher thread (in order of asking)."""

        def push() -> None:
            try:
                self._changed(workshop_id, date, status())
            except Exception:  # a failed push never stops the next
                logger.exception("pushing the status of %s for %s failed", workshop_id, date)

        with contextlib.suppress(RuntimeError):  # closed
            self._pusher.submit(push)

    def warm(self, days: int = 2) -> None:
        """Read the status of the `days` days with the newest clock events once, so that the first
        status read after a start does not pay for the cold caches (the database layer's compiled
        queries, the parsed workshop, the learned speeds...). Records nothing; a database that
        goes away meanwhile (a server shutting down) only ends the warm-up."""
        try:
            with self.service.store.sessions() as session:
                recent = events_db.recent_days(session, days)
        except Exception:  # a warm-up never stops the server
            logger.exception("warming up the live days failed")
            return
        for workshop_id, date in recent:
            try:
                self.status(workshop_id, date, dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC))
            except Exception:  # a warm-up never stops the server
                logger.exception("warming the status of %s for %s failed", workshop_id, date)

    def close(self) -> None:
        self.replans.close()
        self._pusher.shutdown(wait=False, cancel_futures=True)

    # The live day
    def _status(
        self,
        workshop: Workshop,
        date: dt.date,
        day: list[Booking],
        plan: Plan | None,
        state: DayState,
        now: dt.datetime,
        persist: bool,
        replayed: bool = False,
    ) -> DayStatus:
        """The day's status as of `now`; `persist`: record the bookings newly at risk (and those back
        on time); `replayed`: `now` is a moment asked for (`with_risk_history`)."""
        learned = learned_speeds(self.service, workshop, date)
        promises = promise_guard(Snapshot(workshop, date, day, plan, state, now, learned))
        statuses = [
            booking_status(workshop, b, plan, state, now, None, learned, self.service.rules) for b in day
        ]
        if self.downstream:
            statuses = reprojected(statuses, projected_ends(workshop, day, plan, state, now, learned))
        statuses = guarded(statuses, promises)
        ids = [s.booking for s in statuses]
        new: frozenset[str] = frozenset()
        if persist:
            with self.service.store.transaction() as session:
                new = events_db.set_risks(
                    session, workshop.id, {s.booking: s.at_risk for s in statuses}, now
                ).new
                recorded = events_db.spells(session, workshop.id, ids)
        else:
            with self.service.store.sessions() as session:
                recorded = events_db.spells(session, workshop.id, ids)
        statuses = [
            with_risk_history(s, recorded.get(s.booking, []), now, replayed, workshop.tz) for s in statuses
        ]
        for s in statuses:  # once per booking going at risk, whichever update wrote it
            if s.booking in new:
                self.webhooks.emit(workshop.id, "booking.at_risk", s.model_dump(mode="json"))
        return DayStatus(  # as_of on the workshop's clock, to the second, as its other times read
            as_of=now.astimezone(workshop.tz).replace(microsecond=0),
            bookings=statuses,
            technicians=technician_status(workshop, date, state, now),
            clocked_bay_conflicts=plan.clocked_bay_conflicts if plan is not None else [],
        )

    def status(
        self, workshop_id: str, date: dt.date, now: dt.datetime | None = None, live: bool = False
    ) -> DayStatus:
        """The live day as of `now` (default the service's clock): events up to then, the live plan
        for the rest, and which event that plan was made from (`replanning` while it lags the
        newest or its re-plan is still running: the re-plan is on its way). As of the clock (and
        not before the latest event, and with a live plan made from every event and its re-plan
        ended), newly at-risk bookings are recorded. A `now` given is a moment replayed
        (`with_risk_history`) unless `live` (the moment the shop floor knows the day up to: `live_status`)."""
        with self.service.store.sessions() as session:
            workshop, day = self._day(session, workshop_id, date)
            events = self._events(session, workshop_id, date)[1]
        # On the workshop's clock: the projections keep the offset of the moment they start from.
        as_of = (now or self.service.clock.now()).astimezone(workshop.tz)
        bookings = {b.id: b for b in day}
        all_events = effective(events)
        state = replay(all_events, workshop, bookings, date, until=as_of)
        lagging, plan_as_of, newest = self.replans.lag(
            workshop_id, date, max((e.id for e in events), default=None)
        )
        plan = self._live_plan(workshop_id, date)
        latest = all_events[-1].at if all_events else None
        # A re-plan still running has stored its plan but may not yet have recorded its risks: the
        # day is re-planning until the run ends (nor does this read record them meanwhile).
        replanning = lagging or (
            self.replans.background and self.replans.replanner.pending((workshop_id, date))
        )
        persist = now is None and (latest is None or as_of >= latest) and not replanning
        replayed = now is not None and not live
        return _live(
            self._status(workshop, date, day, plan, state, as_of, persist, replayed),
            replanning,
            plan_as_of,
            newest,
        )

    def snapshot(self, workshop_id: str, date: dt.date, now: dt.datetime) -> Snapshot:
        """What the projection of `status(workshop_id, date, now)` works from."""
        with self.service.store.sessions() as session:
            workshop = self.service.workshop(workshop_id, session)
            day = bookings_db.day_bookings(session, workshop_id, date)
            events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
        state = replay(effective(events), workshop, {b.id: b for b in day}, date, until=now)
        plan = self._live_plan(workshop_id, date)
        return Snapshot(workshop, date, day, plan, state, now, learned_speeds(self.service, workshop, date))

    def live_status(self, workshop_id: str, date: dt.date) -> DayStatus:
        """The day as the shop floor knows it: as of the clock, or the latest clock event if the
        clock is behind it (what a clock event answers with, and what is pushed)."""
        with self.service.store.sessions() as session:
            workshop, day = self._day(session, workshop_id, date)
            events = self._events(session, workshop_id, date)[1]
        state = replay(effective(events), workshop, {b.id: b for b in day}, date)
        now = live_now(self.service, workshop, date, state)
        return self.status(workshop_id, date, None if now == self.service.clock.now() else now, live=True)

    def _booking_now(
        self, workshop_id: str, date: dt.date, booking_id: str, as_of: dt.datetime | None = None
    ) -> BookingStatus:
        """A replayed event's answer: its booking as the shop floor knows it (`live_status`: as of
        the clock, or the latest event if the clock is behind it), or as of `as_of` (the request's
        `now`), as a new event's answer is; as of the clock alone, a day replayed ahead of it
        answered the booking as before the event."""
        status = (
            self.live_status(workshop_id, date) if as_of is None else self.status(workshop_id, date, as_of)
        )
        return next(b for b in status.bookings if b.booking == booking_id)


def with_risk_history(
    status: BookingStatus, recorded: list[Spell], now: dt.datetime, replayed: bool, tz: dt.tzinfo
) -> BookingStatus:
    """`status` (as of `now`) with its spells at risk (`at_risk_spells`) and, at risk, when it first
    went at risk (`at_risk_since`), as the promise guard recorded them (`set_risks`; `recorded`,
    oldest first), on the workshop's clock (`tz`). As of a moment asked for (`replayed`: a day
    replayed, `?now=`), only spells begun at or before it count, one ended after it reads open; at
    risk with none by then, `at_risk_since` is None: the guard had not flagged it yet (audit13-s19
    R6). Live (not `replayed`), spells read as recorded, and a risk not recorded yet is new as of
    `now` (a reading that records writes that moment); on time as of `now`, a spell the record has
    open ends at `now` (the same). `at_risk_since` is the start of the first
    spell, not the latest (issue 13: "when that first became true")."""
    if not recorded and not status.at_risk:
        return status  # never at risk (most bookings): nothing to add, no copy
    if replayed:
        recorded = [
            (start, None if end is None or end > now else end) for start, end in recorded if start <= now
        ]
    elif status.at_risk and (not recorded or recorded[-1][1] is not None):
        recorded = [*recorded, (now, None)]
    if not status.at_risk and recorded and recorded[-1][1] is None:
        # On time as of `now`: a spell still open in the record ends then (what a recording read writes).
        recorded = [*recorded[:-1], (recorded[-1][0], max(now, recorded[-1][0]))]
    spells = [RiskSpell(from_=start.astimezone(tz), to=None if end is None else end.astimezone(tz))
              for start, end in recorded]  # fmt: skip
    since = spells[0].from_ if status.at_risk and spells else None
    return status.model_copy(update={"at_risk_since": since, "at_risk_spells": spells})


def replan_moment(newest: ClockEventRow) -> dt.datetime:
    """The moment the live re-plan after the day's `newest` event plans the rest of the day from
    (before `live_now` keeps it within the day and not before the latest event): the moment its
    request was answered as of (`asked_now`: max(`now`, `at`), a technician's `now` no later than the
    server's clock), so that a day replayed (`?now=` behind the server's clock) is re-planned from
    where the replay is; but no later than the server's clock when it was received (a `now` ahead of
    it names a moment not yet come: the answer reads the day as of it, the shared live plan is not
    made from it). An event with no `asked_now` (no `now` given, or recorded before migration 0011
    kept it): the moment it was received, `recorded_at`, so that the plan stored for the event is
    the same whenever its re-plan runs (the server's clock then made a re-plan run late, after a
    restart's `catch_up`, plan from another moment than one run at once)."""
    if newest.asked_now is None:
        return newest.recorded_at
    return min(newest.asked_now, newest.recorded_at)


def _live(status: DayStatus, replanning: bool, plan_as_of: int | None, newest: int | None) -> DayStatus:
    return status.model_copy(
        update={"plan_as_of_event": plan_as_of, "latest_event": newest, "replanning": replanning}
    )


def status_message(status: DayStatus) -> str:
    """A day status as one server-sent event."""
    return f"event: status\ndata: {status.model_dump_json()}\n\n"


__all__ = ["Effective", "ShopFloor", "status_message"]
