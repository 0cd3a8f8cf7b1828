"""Shop-floor clocking over storage: clock events recorded (idempotent, append-only, corrections
as new events), each accepted event re-planning the rest of the day with the greedy planner
(started and finished work pinned at its clocked times; the bookings the promise guard has at risk
moved earlier where the plan has room, scheduler.replan.expedite), and the live day.

An event's request only checks the event, commits it and answers (work in progress is projected
from the events at once); the re-plan runs in the background, one per (workshop, day) at a time,
coalescing: events arriving during a re-plan only mark the day dirty, and one more re-plan from the
newest state follows (scheduler/coalesce.py). Each live plan is stored with the newest event it was
made from (`as_of_event`) and never replaced by one made from older events; the status says which
event the live plan reflects and whether a re-plan is on its way (`plan_as_of_event`,
`latest_event`, `replanning`). After a restart, a day whose stored plan lags its events is
re-planned in the background (at start, and whenever its status is read).
`BAYPLAN_LIVE_REPLAN=sync` re-plans inside the event's request instead (the old way: benchmarks)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from scheduler import multiday
from scheduler.actuals import learned_speeds
from scheduler.clocking import (
    BookingStatus,
    ClockEvent,
    DayState,
    DayStatus,
    Effective,
    Impossible,
    bays_for,
    booking_status,
    day_end,
    effective,
    event_from_record,
    expected_minutes,
    projected_end,
    replay,
    replay_in_bays,
    technician_status,
)
from scheduler.coalesce import Coalescer
from scheduler.contract import (
    Booking,
    OperationEvent,
    Overrun,
    PinnedOperation,
    Plan,
    ReplanRequest,
    Workshop,
)
from scheduler.desk_checks import IDEMPOTENCY_FIELD
from scheduler.errors import Conflict, InputError, NotFound
from scheduler.i18n import N_
from scheduler.integrity import checked_plan, finish, plannable
from scheduler.plan_tasks import PlanBasis, replan_check_request, witness_hint
from scheduler.planning import to_plan
from scheduler.promise_odds import (
    Snapshot,
    booking_projection,
    guarded,
    projected_ends,
    promise_guard,
    reprojected,
)
from scheduler.pubsub import Hub
from scheduler.replan import replan, with_changes
from scheduler.service import PlanningService
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage.tables import ClockEventRow
from scheduler.webhooks import Webhooks

logger = logging.getLogger("bayplan")

LIVE_PLAN_SECONDS = 1.0
LIVE_REPLAN_ENVIRONMENT = "BAYPLAN_LIVE_REPLAN"
"""`sync`: each clock event re-plans the day inside its request; else (the default) in the background."""
WARM_START_ENVIRONMENT = "BAYPLAN_WARM_START"
"""`off`: the server does not read the newest clocked days' status at start (benchmarks' baseline)."""
CLOCK_ANSWER_ENVIRONMENT = "BAYPLAN_CLOCK_ANSWER"
"""`day`: a clock event's answer is computed from the whole day's status (benchmarks' baseline)."""
RECENT_DAYS = 64
"""How many days' bookings the shop floor keeps parsed (the oldest are forgotten first)."""
_NEW = 2**62
"""The id an event under check has: after every recorded one (the newest correction wins)."""


_LOCKS: weakref.WeakKeyDictionary[PlanningService, weakref.WeakValueDictionary[str, threading.Lock]]
_LOCKS = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def workshop_lock(service: PlanningService, workshop_id: str) -> threading.Lock:
    """The lock a workshop's clock events and live re-plans take, per service (shared by every
    ShopFloor and day planner of that service): a plan is never computed from events one behind.
    It lives while someone holds it: an id from outside naming no workshop leaves nothing behind."""
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(service, weakref.WeakValueDictionary()).setdefault(
            workshop_id, threading.Lock()
        )


def day_bookings(session: Session, workshop: Workshop, date: dt.date) -> tuple[Workshop, list[Booking]]:
    """The day as the shop floor sees it, like its plan (scheduler.multiday): the workshop with the
    parts of its multi-day services, and the bookings with work that day in the order they were made,
    those of earlier days carried in after them. A multi-day repair is its part of the day: its
    operations that day numbered from 0 (as in the day's plan), the promised pickup on its last day."""
    own = bookings_db.day_accepted(session, workshop.id, date)
    carried = bookings_db.carried_into(session, workshop.id, date)
    carried.sort(key=lambda accepted: (accepted[0].drop_off, accepted[0].id))
    seen = multiday.day_accepted(workshop, date, own, carried)
    return multiday.day_workshop(workshop), [b for b, _ in seen]


def has_clock_events(service: PlanningService, workshop_id: str, date: dt.date) -> bool:
    with service.store.sessions() as session:
        return events_db.has_events(session, workshop_id, date)


def replan_live(
    service: PlanningService, workshop_id: str, date: dt.date, now: dt.datetime | None = None
) -> Plan:
    """Re-plan a day with clock events from `now` (default the service's clock; never before the
    latest event): started and finished work pinned at its clocked times, the rest planned greedily
    around it, and stored (unless a live plan from newer events was stored meanwhile: that one is
    returned). Conflict if that cannot be done (the stored plan stays)."""
    with service.store.sessions() as session:
        workshop, day = day_bookings(session, service.workshop(workshop_id, session), date)
        events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
    state = replay(effective(events), workshop, {b.id: b for b in day}, date)
    moment = _live_now(service, workshop, date, state, now)
    try:
        return _replan(service, workshop, date, state, moment, max((e.id for e in events), default=None))
    except (InputError, Conflict, RuntimeError) as exc:
        raise Conflict(
            f"the day has clock events and could not be re-planned around them: {exc}", []
        ) from None


def _live_now(
    service: PlanningService,
    workshop: Workshop,
    date: dt.date,
    state: DayState,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """The moment the day is known up to: `now` (default the clock), or the latest event if that is
    behind (events reported ahead of a replayed clock), kept within the day."""
    moment = now or service.clock.now()
    if state.latest is not None:
        moment = max(moment, state.latest)
    start = dt.datetime.combine(date, dt.time(), tzinfo=workshop.tz)
    return min(max(moment, start), day_end(workshop, date) - dt.timedelta(minutes=1))


def _replan(
    service: PlanningService,
    workshop: Workshop,
    date: dt.date,
    state: DayState,
    now: dt.datetime,
    as_of_event: int | None = None,
    expedite: bool = True,
    jump: bool = True,
) -> Plan:
    """Re-plan the rest of the day greedily around the clocked work and store it (as made from the
    day's events up to `as_of_event`). With `expedite`, the bookings the promise guard has at risk
    (as its last recorded status had them) are moved earlier where the plan has room
    (`scheduler.replan.expedite`): a warning either gets fixed by the plan or stays a real one."""
    request, witness, version = service.plan_inputs(workshop.id, date, LIVE_PLAN_SECONDS)
    learned = learned_speeds(service, workshop, date)
    try:
        current = service.stored_plan(workshop.id, date)
    except NotFound:
        compiled, dropped = plannable(request)
        current = finish(request, to_plan(compiled, witness_hint(compiled, witness), "witness"), dropped)
    placed = {(a.booking, a.operation): a for a in current.assignments}
    started: list[OperationEvent] = []
    finished: list[OperationEvent] = []
    overruns: list[Overrun] = []
    bookings: list[Booking] = []
    for b in request.bookings:
        pins = {p.operation: p for p in b.pinned}
        for (bid, k), track in state.ops.items():
            if bid != b.id or track.actual_start is None or track.technician is None:
                continue
            a = placed.get((bid, k))
            end = track.actual_end or projected_end(
                track, expected_minutes(workshop, b, k, track.technician, learned), now
            )
            assert end is not None
            end = max(end, track.actual_start + dt.timedelta(minutes=1))
            pins[k] = PinnedOperation(
                operation=k, bay=a.bay if a else _a_bay(workshop, b, k), technician=track.technician,
                start=track.actual_start, end=end,
            )  # fmt: skip
            started.append(OperationEvent(booking=bid, operation=k, at=track.actual_start))
            if track.state == "done":
                finished.append(OperationEvent(booking=bid, operation=k, at=end))
            else:
                overruns.append(Overrun(booking=bid, operation=k, expected_end=end))
        bookings.append(b.model_copy(update={"pinned": [pins[k] for k in sorted(pins)]}))
    bookings = _clocked_work_apart(workshop, bookings)
    # Work the plan had started before now but nobody clocked has not started: free to move.
    clocked = {key for key, track in state.ops.items() if track.actual_start is not None}
    kept = [a for a in current.assignments if (a.booking, a.operation) in clocked or a.start >= now]
    before, current = current, current.model_copy(update={"assignments": kept})
    options = request.options.model_copy(update={"keep_promises": False})
    request = request.model_copy(update={"bookings": bookings, "options": options})
    rr = ReplanRequest(
        request=request, plan=current, now=now, started=started, finished=finished, overruns=overruns
    )
    compiled, dropped = plannable(rr.request)
    at_risk: set[str] = set()
    if expedite:
        with service.store.sessions() as session:
            at_risk = set(events_db.risks(session, workshop.id, [b.id for b in compiled.request.bookings]))
    plan = replan(
        rr.model_copy(update={"request": compiled.request}), planner="greedy", at_risk=at_risk, jump=jump
    ).plan
    check = replan_check_request(rr)
    plan = with_changes(before, checked_plan(check, finish(check, plan, dropped)), rr)
    return service.store_plan(workshop.id, date, plan, PlanBasis(version, check), as_of_event)


def _hash(fields: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


class ShopFloor:
    """Clock events and the live day of a planning service's workshops."""

    def __init__(self, service: PlanningService, background: bool | None = None) -> None:
        self.service = service
        self.background = (
            os.environ.get(LIVE_REPLAN_ENVIRONMENT, "").strip().lower() != "sync"
            if background is None
            else background
        )
        """Re-plan after a clock event in the background (True), or inside its request (False)."""
        self.whole_day_answer = os.environ.get(CLOCK_ANSWER_ENVIRONMENT, "").strip().lower() == "day"
        """A clock event's request computes (and pushes) the whole day's status for its answer, and
        asks for its re-plan first, and the day's bookings are read anew each time: how it was
        before the answer computed its booking alone (the benchmarks' baseline)."""
        self.replanner: Coalescer[tuple[str, dt.date]] = Coalescer(
            lambda key: self._background_replan(*key), "live-replan"
        )
        """The background re-plans, one per (workshop id, date) at a time, coalescing."""
        self._failed: dict[tuple[str, dt.date], int] = {}
        self._pushed: dict[tuple[str, dt.date], tuple[int, int]] = {}
        """(workshop id, date) → (newest event, event of the live plan) of the status pushed last."""
        self._pushed_lock = threading.Lock()
        """(workshop id, date) → the newest event a re-plan failed for (logged; the stored plan stays)."""
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
        self._days_lock = threading.Lock()
        self._pusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="status-push")
        """Computes and pushes the status after each clock event, outside the event's request."""
        self.downstream = True
        """Project work not started through the live plan's sequences (scheduler/promise_odds.py):
        an overrun delays what is queued behind it. False: each booking on its own planned times."""
        self.expedite = True
        """Each live re-plan moves the bookings at risk earlier where the plan has room (the guard
        feeds the plan); False: the re-plan ignores the guard."""
        self.jump = True
        """With `expedite`: a booking at risk may also go ahead of work that keeps its promise with
        time to spare (scheduler.replan.expedite); False: only into room the plan has."""
        self.webhooks = Webhooks(service)
        """booking.at_risk, booking.done and plan.changed, delivered to the workshop's webhooks."""
        service.plan_listeners.append(self._plan_stored)

    # Pushes
    def _plan_stored(self, workshop_id: str, date: dt.date, plan: Plan) -> None:
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

    def _workshop_lock(self, workshop_id: str) -> threading.Lock:
        return workshop_lock(self.service, workshop_id)

    # Events
    def clock(
        self, workshop_id: str, fields: dict[str, object], idempotency_key: str | None, key_id: str | None
    ) -> tuple[ClockEvent, BookingStatus, bool]:
        """Record one event (or a correction); returns it, the booking's status and whether it is
        new (False: a replay of the same idempotency key and body). Impossible events: Conflict.

        The event is committed before the answer; the day is re-planned in the background (or
        here, when not `background`): the answer projects the event over the live plan as stored."""
        if idempotency_key is not None and not idempotency_key.strip():
            raise InputError(IDEMPOTENCY_FIELD, N_("must not be empty: send a unique key per event, or none"))
        request_hash = _hash(fields)
        replayed: tuple[ClockEvent, dt.date] | None = None
        replanned: DayStatus | None = None
        with self._workshop_lock(workshop_id):
            # One transaction: the idempotency lookup, the check and the event (committed before
            # the answer: the event is durable whatever happens next).
            with self.service.store.transaction() as session:
                if self.service.store.lock_workshop(session, workshop_id) is None:
                    raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
                if idempotency_key is not None:
                    done = events_db.by_idempotency_key(session, workshop_id, key_id, idempotency_key)
                    if done is not None:
                        if done.request_hash != request_hash:
                            raise InputError(
                                IDEMPOTENCY_FIELD,
                                N_(
                                    "key %(key)r was already used for another clock event;"
                                    " send a new key for a new event"
                                )
                                % {"key": idempotency_key},
                            )
                        tz = self.service.workshop(workshop_id, session).tz
                        replayed = (event_from_record(done, tz), done.date)
                if replayed is None:
                    parsed = self.service.workshop(workshop_id, session)
                    date = self._date_of(session, workshop_id, parsed.tz, fields)
                    workshop, day = self._day(session, workshop_id, date, parsed)
                    rows = events_db.day_events(session, workshop_id, date)
                    bookings = {b.id: b for b in day}
                    row = self._new_row(session, workshop, bookings, fields, rows, date)
                    row.workshop_id, row.key_id = workshop_id, key_id
                    row.idempotency_key, row.request_hash = idempotency_key, request_hash
                    row.recorded_at = self.service.clock.now()
                    candidate = [event_from_record(r) for r in rows] + [
                        event_from_record(row.__class__(**{**_row_fields(row), "id": _NEW}))
                    ]
                    changed = (row.booking_id, row.operation)
                    state = self._check(workshop, bookings, row.date, candidate, changed)
                    plan = self._plan(session, workshop_id, row.date)  # the live plan as stored
                    if not rows:  # the day's first event: its plan so far is the baseline of adherence
                        plans_db.keep_baseline(session, workshop_id, row.date, row.recorded_at)
                    plans_db.mark_live(session, workshop_id, row.date)  # it lags until re-planned
                    events_db.add(session, row)
                    event = event_from_record(row, workshop.tz)
                    past = candidate[:-1]  # the day's events before this one
            if replayed is not None:
                # The first answer may have been lost between the event's commit and its re-plan
                # (a crash): the live plan catches up if it lags the recorded events.
                if not self.background and self._lag(workshop_id, replayed[1])[0]:
                    self._live_replan(workshop_id, replayed[1])
            elif not self.background:  # the re-plan inside the request (under the lock)
                replanned = self._live_replan(workshop_id, row.date)
        if replayed is not None:
            if self.background:
                self._lag(workshop_id, replayed[1])  # asks for the re-plan if the plan lags
            return replayed[0], self._booking_now(workshop_id, replayed[1], replayed[0].booking), False
        if replanned is not None:
            found = next(b for b in replanned.bookings if b.booking == event.booking)
        elif self.whole_day_answer:  # before the answer computed its booking alone (benchmarks)
            if self.background:
                self.replanner.request((workshop_id, row.date))
            status = self._answer_status(workshop, row.date, day, [*past, event])
            self._changed(workshop_id, row.date, status)
            found = next(b for b in status.bookings if b.booking == event.booking)
        else:
            # The answer: the event's booking alone, projected over the live plan as stored (what
            # the whole day's status gives it); the day's status is pushed by the pusher thread.
            try:
                found = self._booking_answer(workshop, row.date, day, plan, state, event.booking)
                if self.hub.subscribers((workshop_id, row.date)):
                    events = [*past, event]
                    self._push_later(
                        workshop_id, row.date, lambda: self._answer_status(workshop, row.date, day, events)
                    )
            finally:
                if self.background:  # after the answer: its re-plan does not compete with it
                    self.replanner.request((workshop_id, row.date))
        if found.state == "done" and (event.corrected_action or event.action) == "finish":
            self.webhooks.emit(workshop_id, "booking.done", found.model_dump(mode="json"))
        return event, found, True

    def _date_of(
        self, session: Session, workshop_id: str, tz: dt.tzinfo, fields: dict[str, object]
    ) -> dt.date:
        booking_id = fields.get("booking")
        if fields.get("action") == "correct":
            corrects = fields.get("corrects")
            target = events_db.get(session, workshop_id, corrects) if isinstance(corrects, int) else None
            if target is None:
                raise InputError(
                    "corrects",
                    N_("unknown clock event %(fields_get_corrects)r") % {"fields_get_corrects": corrects},
                )
            return target.date
        row = bookings_db.get(session, workshop_id, str(booking_id))
        if row is None:
            raise InputError("booking", N_("unknown booking %(booking_id)r") % {"booking_id": booking_id})
        at = fields.get("at")
        if isinstance(at, dt.datetime):  # multi-day work: clocked on a later day it carries over to
            local = at.astimezone(tz).date()
            if local != row.date and bookings_db.carries_into(session, row.id, local):
                return local
        return row.date

    def _new_row(
        self,
        session: Session,
        workshop: Workshop,
        bookings: dict[str, Booking],
        fields: dict[str, object],
        rows: list[ClockEventRow],
        date: dt.date,
    ) -> ClockEventRow:
        if fields["action"] == "correct":
            by_id = {r.id: r for r in rows}
            target = by_id[int(fields["corrects"])]  # type: ignore[call-overload]
            while target.action == "correct":  # a correction of a correction: correct the original
                target = by_id[target.corrects]  # type: ignore[index]
            latest = max(
                (r for r in rows if r.action == "correct" and _root(r, by_id) == target.id),
                key=lambda r: r.id,
                default=target,
            )
            if fields.get("booking") not in (None, target.booking_id):
                raise InputError("booking", N_("a correction keeps the event's booking"))
            base_action = latest.corrected_action or latest.action
            values = {
                "booking_id": target.booking_id,
                "operation": fields.get("operation", latest.operation),
                "technician": fields.get("technician") or latest.technician,
                "action": "correct",
                "corrected_action": fields.get("corrected_action") or base_action,
                "at": fields.get("at") or latest.at,
                "corrects": target.id,
                "date": target.date,
            }
            if values["operation"] is None:
                values["operation"] = latest.operation
        else:
            for name in ("booking", "operation", "technician", "at"):
                if fields.get(name) is None:
                    raise InputError(
                        name, N_("required for %(fields_action)r") % {"fields_action": fields["action"]}
                    )
            values = {
                "booking_id": fields["booking"],
                "operation": fields["operation"],
                "technician": fields["technician"],
                "action": fields["action"],
                "corrected_action": None,
                "at": fields["at"],
                "corrects": None,
                "date": date,
            }
        booking_row = bookings_db.get(session, workshop.id, str(values["booking_id"]))
        assert booking_row is not None
        # As the day sees it: a multi-day repair's operations of that day (scheduler.multiday).
        booking = bookings.get(booking_row.id) or bookings_db.booking_of(booking_row)
        service = workshop.service(booking.service)
        assert service is not None
        operation = int(values["operation"])  # type: ignore[call-overload]
        if not 0 <= operation < len(service.operations):
            raise InputError(
                "operation",
                N_("booking %(booking_id)s has no operation %(operation)s")
                % {"booking_id": booking.id, "operation": operation},
            )
        if all(t.id != values["technician"] for t in workshop.technicians):
            raise InputError(
                "technician",
                N_("unknown technician %(values_technician)r") % {"values_technician": values["technician"]},
            )
        return ClockEventRow(**values)

    @staticmethod
    def _check(
        workshop: Workshop,
        bookings: dict[str, Booking],
        date: dt.date,
        events: list[ClockEvent],
        changed: tuple[str, int],
    ) -> DayState:
        """The day's state after `events`; Conflict if one of them cannot have happened, or if the
        `changed` operation's work would put a vehicle in a bay another one is in (`replay_in_bays`:
        the day replayed once for both)."""
        try:
            state, clash = replay_in_bays(effective(events), workshop, bookings, date, changed)
        except Impossible as exc:
            raise Conflict(str(exc), []) from None
        if clash is not None:
            raise Conflict(clash, [])
        return state

    def events(self, workshop_id: str, date: dt.date) -> list[ClockEvent]:
        """The day's audit trail: every event and correction, in the order recorded."""
        with self.service.store.sessions() as session:
            tz = self.service.workshop(workshop_id, session).tz
            return [event_from_record(r, tz) for r in events_db.day_events(session, workshop_id, date)]

    # The live plan
    def _lag(
        self, workshop_id: str, date: dt.date, newest: int | None = None
    ) -> tuple[bool, int | None, int | None]:
        """(Whether the live plan lags the day's events and a re-plan is on its way, the newest event
        the stored plan was made from, the day's newest event (`newest` if known)). In the
        background a lagging day is re-planned (once: a re-plan already queued or running is left
        alone); a re-plan that failed for the newest event is not retried until the next event."""
        with self.service.store.sessions() as session:
            has_plan, as_of = plans_db.as_of_event(session, workshop_id, date)
            if newest is None:
                newest = events_db.newest_id(session, workshop_id, date, date)
        # A plan stored before plans recorded their events (None) was re-planned with each event.
        lagging = newest is not None and (not has_plan or (as_of is not None and as_of < newest))
        key = (workshop_id, date)
        if lagging and self._failed.get(key) == newest:
            lagging = False
        if lagging and self.background and not self.replanner.pending(key):
            self.replanner.request(key)
        return lagging, as_of, newest

    def _background_replan(self, workshop_id: str, date: dt.date) -> None:
        """The re-planner's work: re-plan the day from its newest events, unless its live plan is
        already made from them (a re-plan asked for twice, or done by a plan request meanwhile)."""
        with self.service.store.sessions() as session:
            has_plan, as_of = plans_db.as_of_event(session, workshop_id, date)
            newest = events_db.newest_id(session, workshop_id, date, date)
        if newest is None or (has_plan and as_of is not None and as_of >= newest):
            return
        self._live_replan(workshop_id, date)

    def _live_replan(self, workshop_id: str, date: dt.date) -> DayStatus | None:
        """Re-plan the day from its recorded events and store the plan (as made from the newest of
        them), record newly at-risk bookings (webhooks) and push the status; the status (None: the
        day has no events). A re-plan that fails is logged and the stored plan stays."""
        with self.service.store.sessions() as session:
            workshop, day = self._day(session, workshop_id, date)
            events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
        if not events:
            return None
        newest = max(e.id for e in events)
        state = replay(effective(events), workshop, {b.id: b for b in day}, date)
        now = _live_now(self.service, workshop, date, state)
        self._quiet.on = True
        try:
            plan = self._replan(workshop, date, state, now, newest)
        finally:
            self._quiet.on = False
        lagging, as_of, latest = self._lag(workshop_id, date)
        status = _live(
            self._status(workshop, date, day, plan, state, now, persist=True),
            lagging,
            as_of,
            latest,
        )
        self._changed(workshop_id, date, status)
        return status

    def _replan(
        self, workshop: Workshop, date: dt.date, state: DayState, now: dt.datetime, newest: int
    ) -> Plan | None:
        """Re-plan the rest of the day around the clocked work and store it; the stored plan (None
        if there is none) if that cannot be done."""
        key = (workshop.id, date)
        try:
            plan = _replan(self.service, workshop, date, state, now, newest, self.expedite, self.jump)
            self._failed.pop(key, None)
            return plan
        except (InputError, Conflict, RuntimeError) as exc:
            self._failed[key] = newest
            logger.error(
                "live re-plan of %s for %s failed, the stored plan stays: %s", workshop.id, date, exc
            )
            try:
                return self.service.stored_plan(workshop.id, date)
            except NotFound:
                return None

    def _answer_status(
        self, workshop: Workshop, date: dt.date, day: list[Booking], events: list[ClockEvent]
    ) -> DayStatus:
        """What a new event answers and pushes before its re-plan: the events projected over the
        live plan as stored (work in progress from its clocked start, the rest as planned)."""
        state = replay(effective(events), workshop, {b.id: b for b in day}, date)
        now = _live_now(self.service, workshop, date, state)
        lagging, as_of, newest = self._lag(workshop.id, date, max(e.id for e in events))
        try:
            plan: Plan | None = self.service.stored_plan(workshop.id, date)
        except NotFound:
            plan = None
        return _live(
            self._status(workshop, date, day, plan, state, now, persist=False), lagging, as_of, newest
        )

    def _plan(self, session: Session, workshop_id: str, date: dt.date) -> Plan | None:
        """The day's stored plan (None: none), parsed once per stored text."""
        row = plans_db.get(session, workshop_id, date)
        if row is None:
            return None
        key = (workshop_id, date)
        with self._days_lock:
            cached = self._plans.get(key)
        if cached is not None and cached[0] == row.body:
            return cached[1]
        plan = Plan.model_validate_json(row.body)
        with self._days_lock:
            self._plans[key] = (row.body, plan)
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
    ) -> BookingStatus:
        """What a new event answers before its re-plan: its booking's entry of `_answer_status`
        (the events, replayed into `state`, projected over the live `plan` as stored), computed
        for that booking alone — the work it waits for through the plan's sequences, the same draws."""
        now = _live_now(self.service, workshop, date, state)
        learned = learned_speeds(self.service, workshop, date)
        booking = next(b for b in day if b.id == booking_id)
        ends, promise = booking_projection(
            Snapshot(workshop, date, day, plan, state, now, learned), booking_id
        )
        statuses = [booking_status(workshop, booking, plan, state, now, None, learned)]
        if self.downstream:
            statuses = reprojected(statuses, ends)
        found = guarded(statuses, {} if promise is None else {booking_id: promise})[0]
        if not found.at_risk:
            return found
        with self.service.store.sessions() as session:
            since = events_db.risks(session, workshop.id, [booking_id])
        return found.model_copy(update={"at_risk_since": since.get(booking_id, now).astimezone(workshop.tz)})

    def _push_later(self, workshop_id: str, date: dt.date, status: Callable[[], DayStatus]) -> None:
        """Push `status()` to the day's subscribers from the pusher thread (in order of asking)."""

        def push() -> None:
            try:
                self._changed(workshop_id, date, status())
            except Exception:  # a failed push never stops the next
                logger.exception("pushing the status of %s for %s failed", workshop_id, date)

        with contextlib.suppress(RuntimeError):  # closed
            self._pusher.submit(push)

    def catch_up(self) -> None:
        """Re-plan in the background every day whose live plan lags its recorded events (after a
        crash between an event's commit and its re-plan)."""
        with self.service.store.sessions() as session:
            days = plans_db.lagging_live_plans(session)
        for key in days:
            self.replanner.request(key)

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
        self.replanner.close()
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
    ) -> DayStatus:
        learned = learned_speeds(self.service, workshop, date)
        promises = promise_guard(Snapshot(workshop, date, day, plan, state, now, learned))
        statuses = [booking_status(workshop, b, plan, state, now, None, learned) for b in day]
        if self.downstream:
            statuses = reprojected(statuses, projected_ends(workshop, day, plan, state, now, learned))
        statuses = guarded(statuses, promises)
        if persist:
            with self.service.store.transaction() as session:
                before = events_db.risks(session, workshop.id, [s.booking for s in statuses])
                since = events_db.set_risks(
                    session, workshop.id, {s.booking: s.at_risk for s in statuses}, now
                )
        else:
            with self.service.store.sessions() as session:
                since = events_db.risks(session, workshop.id, [s.booking for s in statuses])
        if persist:
            for s in statuses:
                if s.at_risk and s.booking not in before:
                    self.webhooks.emit(workshop.id, "booking.at_risk", s.model_dump(mode="json"))
        statuses = [
            s.model_copy(update={"at_risk_since": since.get(s.booking, now).astimezone(workshop.tz)})
            if s.at_risk
            else s
            for s in statuses
        ]
        return DayStatus(
            as_of=now, bookings=statuses, technicians=technician_status(workshop, date, state, now)
        )

    def status(self, workshop_id: str, date: dt.date, now: dt.datetime | None = None) -> DayStatus:
        """The live day as of `now` (default the service's clock): events up to then, the live plan
        for the rest, and which event that plan was made from (`replanning` while it lags the
        newest or its re-plan is still running: the re-plan is on its way). As of the clock (and
        not before the latest event, and with a live plan made from every event and its re-plan
        ended), newly at-risk bookings are recorded."""
        with self.service.store.sessions() as session:
            workshop, day = self._day(session, workshop_id, date)
            events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
        as_of = now or self.service.clock.now()
        bookings = {b.id: b for b in day}
        all_events = effective(events)
        state = replay(all_events, workshop, bookings, date, until=as_of)
        lagging, plan_as_of, newest = self._lag(workshop_id, date, max((e.id for e in events), default=None))
        try:
            plan: Plan | None = self.service.stored_plan(workshop_id, date)
        except NotFound:
            plan = None
        latest = all_events[-1].at if all_events else None
        # A re-plan still running has stored its plan but may not yet have recorded its risks: the
        # day is re-planning until the run ends (nor does this read record them meanwhile).
        replanning = lagging or (self.background and self.replanner.pending((workshop_id, date)))
        persist = now is None and (latest is None or as_of >= latest) and not replanning
        return _live(
            self._status(workshop, date, day, plan, state, as_of, persist), replanning, plan_as_of, newest
        )

    def snapshot(self, workshop_id: str, date: dt.date, now: dt.datetime) -> Snapshot:
        """What the projection of `status(workshop_id, date, now)` works from."""
        with self.service.store.sessions() as session:
            workshop = self.service.workshop(workshop_id, session)
            day = bookings_db.day_bookings(session, workshop_id, date)
            events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
        state = replay(effective(events), workshop, {b.id: b for b in day}, date, until=now)
        try:
            plan: Plan | None = self.service.stored_plan(workshop_id, date)
        except NotFound:
            plan = None
        return Snapshot(workshop, date, day, plan, state, now, learned_speeds(self.service, workshop, date))

    def live_status(self, workshop_id: str, date: dt.date) -> DayStatus:
        """The day as the shop floor knows it: as of the clock, or the latest clock event if the
        clock is behind it (what a clock event answers with, and what is pushed)."""
        with self.service.store.sessions() as session:
            workshop, day = self._day(session, workshop_id, date)
            events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
        state = replay(effective(events), workshop, {b.id: b for b in day}, date)
        now = _live_now(self.service, workshop, date, state)
        return self.status(workshop_id, date, None if now == self.service.clock.now() else now)

    def _booking_now(self, workshop_id: str, date: dt.date, booking_id: str) -> BookingStatus:
        status = self.status(workshop_id, date)
        return next(b for b in status.bookings if b.booking == booking_id)


def _live(status: DayStatus, replanning: bool, plan_as_of: int | None, newest: int | None) -> DayStatus:
    return status.model_copy(
        update={"plan_as_of_event": plan_as_of, "latest_event": newest, "replanning": replanning}
    )


def status_message(status: DayStatus) -> str:
    """A day status as one server-sent event."""
    return f"event: status\ndata: {status.model_dump_json()}\n\n"


def _root(row: ClockEventRow, by_id: dict[int, ClockEventRow]) -> int:
    while row.action == "correct" and row.corrects in by_id:
        row = by_id[row.corrects]
    return row.id


def _row_fields(row: ClockEventRow) -> dict[str, object]:
    names = ("workshop_id", "date", "booking_id", "operation", "technician", "action", "corrected_action",
             "at", "corrects", "recorded_at", "key_id", "idempotency_key", "request_hash")  # fmt: skip
    return {n: getattr(row, n) for n in names}


def _a_bay(workshop: Workshop, booking: Booking, operation: int) -> str:
    return bays_for(workshop, booking, operation)[0]


def _clocked_work_apart(workshop: Workshop, bookings: list[Booking]) -> list[Booking]:
    """The clocked work in bays that are free at its times. A clock event names no bay: a clocked
    operation is put in its bay of the stored plan, but that plan may since have moved it behind other
    work (a re-plan from an event ahead of a late-reported start): two cars pinned in one bay at once
    made every live re-plan of the rest of the day fail. Earlier-started work keeps its bay; later
    work moves to another bay it may use that is free then, if there is one."""
    taken: dict[str, list[tuple[int, int]]] = {}
    moved: dict[tuple[int, int], str] = {}
    pins = [(p.start, i, p) for i, b in enumerate(bookings) for p in b.pinned]
    for _, i, p in sorted(pins, key=lambda pin: (pin[0], pin[1], pin[2].operation)):
        # In whole minutes, as the plan holds them (start rounded down, end up).
        start = math.floor(p.start.timestamp() / 60)
        end = math.ceil(p.end.timestamp() / 60) if p.end is not None else start + 1

        def free(bay: str, start: int = start, end: int = end) -> bool:
            return all(end <= s or e <= start for s, e in taken.get(bay, ()))

        bay = p.bay
        if not free(bay):
            bay = next((c for c in bays_for(workshop, bookings[i], p.operation) if free(c)), p.bay)
            if bay != p.bay:
                moved[(i, p.operation)] = bay
        taken.setdefault(bay, []).append((start, end))
    if not moved:
        return bookings
    return [
        b.model_copy(update={"pinned": [
            p.model_copy(update={"bay": moved[(i, p.operation)]}) if (i, p.operation) in moved else p
            for p in b.pinned
        ]}) if any(key[0] == i for key in moved) else b
        for i, b in enumerate(bookings)
    ]  # fmt: skip


__all__ = ["Effective", "ShopFloor", "has_clock_events", "replan_live", "status_message", "workshop_lock"]
