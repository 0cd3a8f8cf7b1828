"""The clock-event intake: one event (or a correction) checked, made idempotent and recorded,
append-only (corrections as new events), in one transaction, under the workshop's lock. What the
shop floor answers and re-plans after it is scheduler/shopfloor.py's and scheduler/live_replan.py's."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from scheduler.clocking import (
    ClockEvent,
    DayState,
    Impossible,
    car_words,
    effective,
    event_from_record,
    operation_words,
    replay,
    replay_in_bays,
    to_the_minute,
)
from scheduler.contract import Booking, Plan, Workshop
from scheduler.desk_checks import IDEMPOTENCY_FIELD
from scheduler.errors import Conflict, InputError, NotFound
from scheduler.i18n import N_, moment_words
from scheduler.service import PlanningService
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage.clock_events import PlainEvent
from scheduler.storage.tables import ClockEventRow

FUTURE_TOLERANCE = dt.timedelta(minutes=2)
"""How far after the server's now (or the request's `now`) an event's `at` may be: a phone's clock
a little ahead of the server's. Later is an event in the future (409). Also how far after the
server's clock a technician key's `now` may be (`received_now`)."""

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


@dataclass(frozen=True)
class Replayed:
    """An event recorded before under the same idempotency key and body: it, and its day."""

    event: ClockEvent
    date: dt.date


@dataclass(frozen=True)
class Recorded:
    """A new event, committed, and what its answer is computed from: the day (`workshop`, `day`:
    as the shop floor sees it), its live plan as stored, its state after the event and the day's
    events before it."""

    event: ClockEvent
    date: dt.date
    workshop: Workshop
    day: list[Booking]
    plan: Plan | None
    state: DayState
    past: list[ClockEvent]


DayReader = Callable[[Session, str, dt.date, Workshop], tuple[Workshop, list[Booking]]]
"""The day as the shop floor sees it (`ShopFloor._day`: cached per day version)."""
PlanReader = Callable[[Session, str, dt.date], Plan | None]
"""The day's live plan as stored (`ShopFloor._plan`: parsed once per stored text)."""
EventsReader = Callable[[Session, str, dt.date], tuple[list[PlainEvent], list[ClockEvent]]]
"""The day's events as stored, in the order recorded: as plain rows and as events (instants in UTC)
(`ShopFloor._events`: each event read once)."""


def stored_events(
    session: Session, workshop_id: str, date: dt.date
) -> tuple[list[PlainEvent], list[ClockEvent]]:
    """The day's events read anew (an EventsReader keeping nothing)."""
    rows = events_db.day_events(session, workshop_id, date)
    return [events_db.plain(r) for r in rows], [event_from_record(r) for r in rows]


def record(
    service: PlanningService,
    workshop_id: str,
    fields: dict[str, object],
    idempotency_key: str | None,
    key_id: str | None,
    read_day: DayReader,
    read_plan: PlanReader,
    now: dt.datetime | None = None,
    replays: bool = True,
    read_events: EventsReader = stored_events,
) -> Replayed | Recorded:
    """Record one event (or a correction), under the workshop's lock (`workshop_lock`): Replayed
    for a replay of the same idempotency key and body. Impossible events: Conflict; a key reused
    for another body, a bad field: InputError; an unknown workshop: NotFound. `replays`: `now` may
    be any moment (a foreman replaying a day); else no later than the service's clock allows
    (`received_now`: a technician key).

    One transaction: the idempotency lookup, the check and the event (committed before the answer:
    the event is durable whatever happens next)."""
    _correction_named(fields)
    if idempotency_key is not None and not idempotency_key.strip():
        raise InputError(IDEMPOTENCY_FIELD, N_("must not be empty: send a unique key per event, or none"))
    request_hash = _hash(fields)
    hashes = {request_hash, _hash_as_sent(fields)}  # events stored before: hashed as sent
    with service.store.transaction() as session:
        if service.store.lock_workshop(session, workshop_id) is None:
            raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
        if idempotency_key is not None:
            done = events_db.by_idempotency_key(session, workshop_id, key_id, idempotency_key)
            if done is not None:
                if done.request_hash not in hashes:
                    raise InputError(
                        IDEMPOTENCY_FIELD, _key_used(session, service, workshop_id, done, idempotency_key)
                    )
                tz = service.workshop(workshop_id, session).tz
                return Replayed(event_from_record(done, tz), done.date)
        parsed = service.workshop(workshop_id, session)
        _required(fields)
        asked = now
        now = received_now(now, service.clock.now(), replays, parsed)
        _not_in_future(fields.get("at"), now, parsed)
        date = _date_of(session, workshop_id, parsed.tz, fields)
        workshop, day = read_day(session, workshop_id, date, parsed)
        rows, events = read_events(session, workshop_id, date)
        bookings = {b.id: b for b in day}
        values = _event_values(session, workshop, bookings, fields, rows, date)
        recorded_at = service.clock.now()
        row = events_db.new_event(
            workshop_id,
            **values,
            recorded_at=recorded_at,
            key_id=key_id,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            # Its live re-plan plans the rest of the day as of the moment its answer is as of.
            asked_now=answer_moment(asked, recorded_at, replays, values["at"]),
        )
        candidate = [*events, event_from_record(events_db.plain(row, _NEW))]
        changed = (row.booking_id, row.operation)
        # A finish or a pause takes a car out of its bay: it is never refused for a bay (the day's
        # other cars may share one, clocked before a lift was taken out: onelift13-s29).
        bays = values["action"] not in ("finish", "pause")
        state = _check(workshop, bookings, row.date, candidate, changed, bays)
        plan = read_plan(session, workshop_id, row.date)  # the live plan as stored
        if not rows:  # the day's first event: its plan so far is the baseline of adherence
            plans_db.keep_baseline(session, workshop_id, row.date, row.recorded_at)
        plans_db.mark_live(session, workshop_id, row.date)  # it lags until re-planned
        events_db.add(session, row)
        event = event_from_record(row, workshop.tz)
        past = candidate[:-1]  # the day's events before this one
    return Recorded(event, row.date, workshop, day, plan, state, past)


def _key_used(
    session: Session, service: PlanningService, workshop_id: str, done: ClockEventRow, key: str
) -> str:
    """The 422 of an idempotency key sent again with another event: which event it was used for, the
    car by its plate where it has one (review3-s42's leftover: the text named no car at all)."""
    row = bookings_db.get(session, workshop_id, done.booking_id)
    if row is None:  # (not kept: a booking with clock events is never deleted)
        return N_("key %(key)r was already used for another clock event; send a new key for a new event") % {
            "key": key
        }
    workshop = service.workshop(workshop_id, session)
    return N_(
        "key %(key)r was already used for another clock event, of %(where)s at %(at)s;"
        " send a new key for a new event"
    ) % {
        "key": key,
        "where": operation_words(workshop, bookings_db.booking_of(row), done.operation),
        "at": moment_words(to_the_minute(done.at), workshop.tz, done.date),
    }


def answer_moment(
    now: dt.datetime | None, server: dt.datetime, replays: bool, at: dt.datetime
) -> dt.datetime | None:
    """The moment a clock event's answer is as of: the request's `now` (None: not given, the answer
    is as the shop floor knows the day, `live_now`), as `received_now` takes it (a technician's no
    later than the server's clock), and not before the event's own `at` (up to FUTURE_TOLERANCE
    after `now`): the answer is the booking's entry of the day's status as of that moment, the
    event in it (audit13-s19 R2: it was as of the server's clock, or the latest event)."""
    if now is None:
        return None
    moment = now if replays else min(now, server)
    return max(moment, at)


def received_now(
    now: dt.datetime | None, server: dt.datetime, replays: bool, workshop: Workshop
) -> dt.datetime:
    """The moment an event is received: `now` (default `server`, the service's clock). Only a key
    that `replays` days (a foreman's, a manager's, an admin's) may send any `now`; a technician's
    `now` is at most FUTURE_TOLERANCE after the server's clock (a phone's clock a little ahead),
    else an event in the future could be recorded by sending `now` with it (review-s17 C1):
    InputError on `now`. Earlier is fine (a request sent as of a moment before it arrives). A
    technician's `now` ahead of the server's clock counts as the server's clock: the event's `at` may
    be FUTURE_TOLERANCE after the server's clock, not twice that (review-s18)."""
    if now is None:
        return server
    if replays:
        return now
    if now > server + FUTURE_TOLERANCE:
        raise InputError(
            "now",
            N_(
                "%(now)s is after the server's clock (%(server)s): a technician's key clocks as of the"
                " server's time (a foreman's key may replay a day)"
            )
            # To the minute on the workshop's clock, as every clock refusal says a time (review3-s42:
            # "16:00:30 is after the server's clock (08:00:12)"); `loc` keeps the field, `now`.
            % {
                "now": moment_words(to_the_minute(now), workshop.tz, server.astimezone(workshop.tz).date()),
                "server": moment_words(
                    to_the_minute(server), workshop.tz, now.astimezone(workshop.tz).date()
                ),
            },
        )
    return min(now, server)


def _not_in_future(at: object, now: dt.datetime, workshop: Workshop) -> None:
    """An event's `at` no later than `now` (with FUTURE_TOLERANCE for clocks a little ahead)."""
    if isinstance(at, dt.datetime) and at > now + FUTURE_TOLERANCE:
        raise Conflict(
            N_("event in the future: %(at)s is after now (%(now)s)")
            % {
                "at": moment_words(to_the_minute(at), workshop.tz, now.astimezone(workshop.tz).date()),
                "now": moment_words(to_the_minute(now), workshop.tz, at.astimezone(workshop.tz).date()),
            },
            [],
        )


CORRECTED_FIELDS = ("corrected_action", "at", "technician", "operation", "bay")
"""What a correction may change of the event it corrects (its booking stays)."""


def _correction_named(fields: dict[str, object]) -> None:
    """A correction names the event it corrects and something of it to change, and only a correction
    names one (`corrects`, `corrected_action`): InputError naming `corrects`, before anything is read."""
    correcting = fields.get("action") == "correct"
    if correcting and fields.get("corrects") is None:
        raise InputError("corrects", N_("a correction names the event it corrects"))
    # One naming nothing to change was stored as a copy of the event: a no-op in the audit trail.
    if correcting and all(fields.get(name) is None for name in CORRECTED_FIELDS):
        raise InputError(
            "corrects", N_("a correction changes the event's action, time, technician, operation or bay")
        )
    if not correcting and (fields.get("corrects") is not None or fields.get("corrected_action") is not None):
        raise InputError("corrects", N_("only a correction names another event"))


def _required(fields: dict[str, object]) -> None:
    """An event (not a correction) names its booking, operation, technician and time: InputError
    naming the first missing, before the booking is looked up (else: "unknown booking None")."""
    if fields.get("action") == "correct":
        return
    for name in ("booking", "operation", "technician", "at"):
        if fields.get(name) is None:
            # the action as a word the catalog reads ("开工"), not quoted as sent ('start' in Chinese)
            action = {"clock_action": fields["action"]}
            raise InputError(name, N_("required to clock a %(clock_action)s") % action)


def _date_of(session: Session, workshop_id: str, tz: dt.tzinfo, fields: dict[str, object]) -> dt.date:
    booking_id = fields.get("booking")
    if fields.get("action") == "correct":
        corrects = fields.get("corrects")
        target = events_db.get(session, workshop_id, corrects) if isinstance(corrects, int) else None
        if target is None:
            raise InputError(
                "corrects",
                N_("unknown clock event %(event)d") % {"event": corrects},
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


def _event_values(
    session: Session,
    workshop: Workshop,
    bookings: dict[str, Booking],
    fields: dict[str, object],
    rows: Sequence[PlainEvent],
    date: dt.date,
) -> dict[str, Any]:
    """The new event's columns (`events_db.new_event`'s) that the body and the day's events give:
    a correction's from the event it corrects, its latest correction and the body."""
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
            # As every corrected field: the bay the event named unless the correction names one.
            "bay": fields.get("bay") or latest.bay,
        }
        if values["operation"] is None:
            values["operation"] = latest.operation
        if fields.get("bay") is None and values["corrected_action"] not in ("start", "resume"):
            values["bay"] = None  # corrected to a pause or a finish: it names no bay
    else:
        values = {
            "booking_id": fields["booking"],
            "operation": fields["operation"],
            "technician": fields["technician"],
            "action": fields["action"],
            "corrected_action": None,
            "at": fields["at"],
            "corrects": None,
            "date": date,
            "bay": fields.get("bay"),
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
            # The car by its plate where it has one (car_words: "booking B" without one).
            N_("%(car)s has no operation %(operation)s: operation counts from 0, up to %(last)s")
            % {"car": car_words(booking), "last": len(service.operations) - 1, "operation": operation},
        )
    if all(t.id != values["technician"] for t in workshop.technicians):
        raise InputError(
            "technician",
            N_("unknown technician %(values_technician)r") % {"values_technician": values["technician"]},
        )
    if values["bay"] is not None:
        _bay_allowed(
            workshop, booking, str(values["bay"]), str(values["corrected_action"] or values["action"])
        )
    return values


def _bay_allowed(workshop: Workshop, booking: Booking, bay_id: str, action: str) -> None:
    """A bay named by a start or a resume (or a correction to one): one of the workshop's, and one
    the vehicle may be in (a fleet partner's bay only for its vehicles, an express lane only for an
    express service: the plan's hard rules bind clocked work too, so no live plan could keep it
    there). Any bay kind is taken: the car is where the shop floor says it is (a pin's bay is a
    fact to the validator). InputError naming `bay`."""
    if action not in ("start", "resume"):
        raise InputError(
            "bay",
            N_(
                "only a start or a resume names the bay the work is in: a %(action)s takes the car"
                " out of it, send it without a bay"
            )
            % {"action": action},
        )
    bay = next((b for b in workshop.bays if b.id == bay_id), None)
    if bay is None:
        raise InputError("bay", N_("unknown bay %(bay)r") % {"bay": bay_id})
    if bay.fleet_partner is not None and bay.fleet_partner != booking.fleet_partner:
        raise InputError(
            "bay",
            N_("bay %(bay)s is %(partner)s's, the vehicle is not")
            % {"bay": bay.id, "partner": bay.fleet_partner},
        )
    service = workshop.service(booking.service)
    if bay.kind == "express" and service is not None and not service.express:
        raise InputError(
            "bay",
            N_("bay %(bay)s is an express lane, %(service)s is no express service")
            % {"bay": bay.id, "service": service.code},
        )


def _check(
    workshop: Workshop,
    bookings: dict[str, Booking],
    date: dt.date,
    events: list[ClockEvent],
    changed: tuple[str, int],
    bays: bool = True,
) -> DayState:
    """The day's state after `events`; Conflict if one of them cannot have happened, or (`bays`) if
    the `changed` operation's work would put a vehicle in a bay another one is in (`replay_in_bays`:
    the day replayed once for both)."""
    try:
        if not bays:
            return replay(effective(events), workshop, bookings, date)
        state, clash = replay_in_bays(effective(events), workshop, bookings, date, changed)
    except Impossible as exc:
        raise Conflict(str(exc), []) from None
    if clash is not None:
        raise Conflict(clash, [])
    return state


EVENT_FIELDS = ("action", "booking", "operation", "technician", "at", "corrects", "corrected_action")
"""A clock event's body's fields (the API's ClockIn); those not sent are None. And `bay`, hashed
only when it names one (a body without it hashes as before 0013: a retry of an event stored then
is still a replay)."""


def _hash(fields: dict[str, object]) -> str:
    """The body's hash for its idempotency key: of what it says, not how it is written: every field
    (None those not sent: `"corrects": null` or omitted alike) and `at` as an instant (in UTC: the
    same moment in another offset is the same event). audit13-s19 R1: a retry written differently
    was "another body" (422)."""
    normal: dict[str, object] = {name: None for name in EVENT_FIELDS} | fields
    if normal.get("bay") is None:
        normal.pop("bay", None)
    at = normal["at"]
    if isinstance(at, dt.datetime):
        normal["at"] = at.astimezone(dt.UTC)
    return _hash_as_sent(normal)


def _hash_as_sent(fields: dict[str, object]) -> str:
    """The hash of the fields as sent: what events stored before the normal hash (`_hash`) carry,
    still matched, so a retry of one of them is still a replay."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _root(row: PlainEvent, by_id: dict[int, PlainEvent]) -> int:
    while row.action == "correct" and row.corrects in by_id:
        row = by_id[row.corrects]
    return row.id
