"""Shop-floor clocking, pure: clock events replayed into each operation's and technician's state
(refusing impossible transitions with the reason), and the live day projected from that state and
the live plan. No I/O and no clock: "now" is always an argument."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from scheduler.capacity import HandoverRule, after_desk_hours
from scheduler.contract import Booking, ClockedBayConflict, Plan, Workshop, hhmm_minutes
from scheduler.i18n import N_, moment_words

Action = Literal["start", "pause", "resume", "finish"]
OpState = Literal["not_started", "in_progress", "paused", "done"]
BookingState = Literal["not_arrived", "waiting", "in_progress", "paused", "done"]
TechState = Literal["idle", "working", "on_break", "off_shift"]


class Impossible(RuntimeError):
    """A clock event that cannot have happened (409 with the reason, a text made from a marked
    template so that the API says it in the caller's language, `Translator.phrase`)."""


#: The words filled into the refusals, marked so that each is translated where it is shown.
WORDS = (
    N_("start"),
    N_("pause"),
    N_("resume"),
    N_("finish"),
    N_("not started"),
    N_("in progress"),
    N_("paused"),
    N_("done"),
)


class ClockEvent(BaseModel):
    """One recorded event (append-only). A correction (`action` "correct") names the event it
    corrects and carries the corrected fields in full."""

    id: int
    booking: str
    operation: int
    technician: str
    action: Literal["start", "pause", "resume", "finish", "correct"]
    corrected_action: Action | None = None
    at: AwareDatetime
    corrects: int | None = None
    recorded_at: AwareDatetime
    by: str | None = None
    bay: str | None = None
    """The bay the work is in, as the shop floor clocked it (a start or resume, or a correction of
    one); None: not named (the live plan guesses it)."""


class EventRecord(Protocol):
    """A stored clock event as the storage reads it (a table row or a plain tuple of its columns)."""

    @property
    def id(self) -> int: ...
    @property
    def booking_id(self) -> str: ...
    @property
    def operation(self) -> int: ...
    @property
    def technician(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def corrected_action(self) -> str | None: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def corrects(self) -> int | None: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def key_id(self) -> str | None: ...
    @property
    def bay(self) -> str | None: ...


def event_from_record(record: EventRecord, tz: dt.tzinfo = dt.UTC) -> ClockEvent:
    """The one translation of a stored event into the contract's, its instants in `tz`."""
    event = ClockEvent.model_validate(
        {
            "id": record.id,
            "booking": record.booking_id,
            "operation": record.operation,
            "technician": record.technician,
            "action": record.action,
            "corrected_action": record.corrected_action,
            "at": record.at,
            "corrects": record.corrects,
            "recorded_at": record.recorded_at,
            "by": record.key_id,
            "bay": record.bay,
        }
    )
    return event.model_copy(
        update={"at": event.at.astimezone(tz), "recorded_at": event.recorded_at.astimezone(tz)}
    )


@dataclass(frozen=True)
class Effective:
    """An event as it stands after its corrections."""

    id: int
    booking: str
    operation: int
    technician: str
    action: Action
    at: dt.datetime
    bay: str | None = None
    """The bay clocked (a start or resume), None: not named."""


def effective(events: Iterable[ClockEvent]) -> list[Effective]:
    """The day's events with the newest correction of each applied, by time (then id)."""
    originals: dict[int, ClockEvent] = {}
    corrections: dict[int, ClockEvent] = {}
    for e in sorted(events, key=lambda e: e.id):
        if e.action == "correct":
            corrections[root(e.corrects, originals, corrections)] = e  # newest wins
        else:
            originals[e.id] = e
    out: list[Effective] = []
    for ident, e in originals.items():
        c = corrections.get(ident)
        if c is None:
            out.append(Effective(ident, e.booking, e.operation, e.technician, e.action, e.at, e.bay))  # type: ignore[arg-type]
        else:
            assert c.corrected_action is not None
            out.append(
                Effective(ident, c.booking, c.operation, c.technician, c.corrected_action, c.at, c.bay)
            )
    return sorted(out, key=lambda e: (e.at, e.id))


def root(
    target: int | None, originals: Mapping[int, ClockEvent], corrections: Mapping[int, ClockEvent]
) -> int:
    """The original event a correction (of a correction...) refers to."""
    if target is None:
        raise ValueError("a correction names the event it corrects")
    by_id = {c.id: c for c in corrections.values()}
    while target in by_id and target not in originals:
        following = by_id[target].corrects
        if following is None:
            break
        target = following
    return target


@dataclass
class OpTrack:
    state: OpState = "not_started"
    technician: str | None = None
    actual_start: dt.datetime | None = None
    actual_end: dt.datetime | None = None
    segment_start: dt.datetime | None = None
    resumed: dt.datetime | None = None
    """When its latest stretch began, if it was paused and resumed (kept once done)."""
    worked: dt.timedelta = dt.timedelta()
    last: dt.datetime | None = None
    bay: str | None = None
    """The bay its latest stretch was clocked in (its start's or resume's; None: not named), kept
    once paused or done: where the work was."""
    bay_changed: bool = False
    """Resumed in another bay than its stretch before was clocked in (a pin is one stretch in one
    bay: the live plan pins it from its resume)."""

    def clocked(self, now: dt.datetime) -> dt.timedelta:
        running = now - self.segment_start if self.state == "in_progress" and self.segment_start else None
        return self.worked + (max(running, dt.timedelta()) if running is not None else dt.timedelta())


@dataclass
class DayState:
    ops: dict[tuple[str, int], OpTrack] = field(default_factory=dict)
    busy: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Technician → the operation they are working on."""
    last_event: dict[str, dt.datetime] = field(default_factory=dict)
    """Technician → their last event's time."""
    latest: dt.datetime | None = None

    def op(self, booking: str, operation: int) -> OpTrack:
        return self.ops.setdefault((booking, operation), OpTrack())


def day_end(workshop: Workshop, date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=workshop.tz)


def local_instant(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """`moment` at the workshop (`tz`): the wall clock and offset `astimezone(tz)` gives, under a
    fixed offset, so that it compares and subtracts as an instant. Two datetimes sharing a ZoneInfo
    compare and subtract by wall clock: on the night the clocks go back, a finish at 02:10+01:00
    came before a start at 02:30+02:00 forty minutes earlier ("before its last event"), and work
    across the change counted an hour too few or too many."""
    local = moment.astimezone(tz)
    offset = local.utcoffset()
    assert offset is not None
    return local.replace(tzinfo=dt.timezone(offset))


def minute_up(moment: dt.datetime) -> dt.datetime:
    """`moment` up to its next whole minute (itself when it is one): a projected end reads in the
    whole minutes every other time does, and never before the moment it was projected from."""
    if moment.second == 0 and moment.microsecond == 0:
        return moment
    return moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def _hm(moment: dt.datetime, workshop: Workshop) -> str:
    return moment.astimezone(workshop.tz).strftime("%H:%M")


def operation_words(workshop: Workshop, booking: Booking, operation: int) -> str:
    """How a sentence a person reads names a booking's operation: numbered from 1, as the phone
    page and the job cards number them (the API's `operation` field is the 0-based index), with
    its name where the workshop knows it: "booking B operation 2 (paint)". The car by its plate
    where the booking has one, its booking id beside it for machines (the pages and the phone
    show plates: "粤B82011 (booking BK-…) operation 1 (work)"; review-s42)."""
    values = {"booking": booking.id, "number": operation + 1, "name": _name(workshop, booking, operation)}
    if booking.plate:
        values["plate"] = booking.plate
        if values["name"] is None:
            return N_("%(plate)s (booking %(booking)s) operation %(number)d") % values
        return N_("%(plate)s (booking %(booking)s) operation %(number)d (%(name)s)") % values
    if values["name"] is None:  # (a booking whose service changed since its events: no name to give)
        return N_("booking %(booking)s operation %(number)d") % values
    return N_("booking %(booking)s operation %(number)d (%(name)s)") % values


def car_words(booking: Booking) -> str:
    """How a sentence names a booking's car where no operation is meant: by its plate with its
    booking id beside it ("粤B82011 (booking BK-…)"), else by the booking id ("booking BK-…");
    review3-s42's leftover: some clock sentences named a car by its id alone."""
    if booking.plate:
        return N_("%(plate)s (booking %(booking)s)") % {"plate": booking.plate, "booking": booking.id}
    return N_("booking %(booking)s") % {"booking": booking.id}


def to_the_minute(moment: dt.datetime) -> dt.datetime:
    """`moment` without its seconds, as a refusal says a clocked time: "09:31", not "09:31:13" (the
    phone clocks at the second; nobody reads it off a phone, review-s42)."""
    return moment.replace(second=0, microsecond=0)


def bay_conflict_words(
    workshop: Workshop, bookings: Mapping[str, Booking], conflict: ClockedBayConflict
) -> str:
    """A clocked bay conflict (`Plan.clocked_bay_conflicts`) as a sentence, made from a marked
    template (shown with `Translator.phrase`)."""
    booking = bookings.get(conflict.booking)
    what = (
        operation_words(workshop, booking, conflict.operation)
        if booking is not None
        else N_("booking %(booking)s operation %(number)d")
        % {"booking": conflict.booking, "number": conflict.operation + 1}
    )
    # `where`, not `operation`: an "operation" part is kept verbatim (an operation's name), and the
    # Chinese page read "booking B operation 1 (work) 打卡时…" (floor13-s30). The other car by its
    # plate where it has one (review3-s42's leftover: "while booking X's clocked work held bay …").
    holder = bookings.get(conflict.with_booking)
    with_car = (
        car_words(holder)
        if holder is not None
        else N_("booking %(booking)s") % {"booking": conflict.with_booking}
    )
    return N_(
        "%(where)s was clocked while the clocked work of %(with_car)s held bay %(bay)s,"
        " its bay in the plan: the live plan has it in no bay"
    ) % {"where": what, "with_car": with_car, "bay": conflict.bay}


def _name(workshop: Workshop, booking: Booking, operation: int) -> str | None:
    service = workshop.service(booking.service)
    if service is None or not 0 <= operation < len(service.operations):
        return None
    return service.operations[operation].name


def apply(
    state: DayState, e: Effective, workshop: Workshop, bookings: Mapping[str, Booking], date: dt.date
) -> None:
    """Apply one event to `state`, or raise Impossible saying why it cannot have happened."""
    booking = bookings[e.booking]

    # The words of a refusal, made only for one (every event of the day is applied at each clock
    # event and status read: made for each, they were a third of `apply`'s time, clock13-s45).
    def where() -> str:
        return operation_words(workshop, booking, e.operation)

    def at() -> str:
        # The event's time with its date when it is not on the day's: an event clocked days before
        # the booking's drop-off read "start at 14:36 is before its drop-off 09:00" (hostile-s40).
        return moment_words(to_the_minute(e.at), workshop.tz, date)

    if e.at < booking.drop_off:
        arrival = {
            "action": e.action,
            "at": at(),
            "booking": e.booking,
            "drop_off": moment_words(to_the_minute(booking.drop_off), workshop.tz, date),
        }
        if booking.plate:
            raise Impossible(
                N_(
                    "%(action)s at %(at)s is before the drop-off of %(plate)s (booking %(booking)s)"
                    " %(drop_off)s"
                )
                % {**arrival, "plate": booking.plate}
            )
        raise Impossible(N_("%(action)s at %(at)s is before %(booking)s's drop-off %(drop_off)s") % arrival)
    if e.at >= day_end(workshop, date):
        raise Impossible(
            N_("%(action)s at %(at)s is after the day %(date)s")
            % {"action": e.action, "at": at(), "date": date}
        )
    op = state.op(e.booking, e.operation)
    if op.last is not None and e.at < op.last:
        raise Impossible(
            N_("%(action)s of %(where)s at %(at)s is before its last event")
            % {"action": e.action, "where": where(), "at": at()}
        )

    def free() -> None:
        other = state.busy.get(e.technician)
        if other is not None and other != (e.booking, e.operation):
            raise Impossible(
                N_("technician %(technician)s is on %(other)s at %(at)s: finish or pause it first")
                % {
                    "technician": e.technician,
                    "other": operation_words(workshop, bookings[other[0]], other[1]),
                    "at": at(),
                }
            )

    def same_technician() -> None:
        if op.technician != e.technician:
            raise Impossible(
                N_("%(where)s is clocked by %(clocked_by)s, not %(technician)s")
                % {"where": where(), "clocked_by": op.technician, "technician": e.technician}
            )

    def state_word() -> str:
        return op.state.replace("_", " ")

    if e.action == "start":
        if op.state != "not_started":
            raise Impossible(N_("%(where)s was already started") % {"where": where()})
        if e.operation > 0:
            before = state.ops.get((e.booking, e.operation - 1))
            if before is None or before.state != "done":
                # the operation before, numbered from 1 as people read it: e.operation
                values = {
                    "where": where(),
                    "previous": e.operation,
                    "name": _name(workshop, booking, e.operation - 1),
                }
                if values["name"] is None:
                    raise Impossible(
                        N_("%(where)s cannot start before its operation %(previous)s is finished") % values
                    )
                raise Impossible(
                    N_("%(where)s cannot start before its operation %(previous)s (%(name)s) is finished")
                    % values
                )
        free()
        op.state, op.technician, op.actual_start, op.segment_start = "in_progress", e.technician, e.at, e.at
        op.bay = e.bay
        state.busy[e.technician] = (e.booking, e.operation)
    elif e.action == "pause":
        if op.state != "in_progress":
            raise Impossible(
                N_("%(where)s is %(state)s: only work in progress pauses")
                % {"where": where(), "state": state_word()}
            )
        same_technician()
        assert op.segment_start is not None
        op.worked += e.at - op.segment_start
        op.state, op.segment_start = "paused", None
        state.busy.pop(e.technician, None)
    elif e.action == "resume":
        if op.state != "paused":
            raise Impossible(
                N_("%(where)s is %(state)s: only paused work resumes")
                % {"where": where(), "state": state_word()}
            )
        free()
        op.state, op.technician, op.segment_start, op.resumed = "in_progress", e.technician, e.at, e.at
        op.bay_changed = op.bay_changed or (op.bay is not None and e.bay != op.bay)
        op.bay = e.bay
        state.busy[e.technician] = (e.booking, e.operation)
    else:  # finish
        if op.state == "not_started":
            raise Impossible(N_("%(where)s cannot finish before it started") % {"where": where()})
        if op.state == "paused":
            raise Impossible(N_("%(where)s is paused: resume it before finishing") % {"where": where()})
        if op.state == "done":
            raise Impossible(N_("%(where)s was already finished") % {"where": where()})
        same_technician()
        assert op.segment_start is not None
        op.worked += e.at - op.segment_start
        op.state, op.actual_end, op.segment_start = "done", e.at, None
        state.busy.pop(e.technician, None)
    op.last = e.at
    state.last_event[e.technician] = e.at
    state.latest = e.at if state.latest is None else max(state.latest, e.at)


def replay(
    events: Sequence[Effective],
    workshop: Workshop,
    bookings: Mapping[str, Booking],
    date: dt.date,
    until: dt.datetime | None = None,
) -> DayState:
    """The state after `events` (those at or before `until`); Impossible at the first bad one (a
    clocked bay is checked after every event of its moment: a finish and a start at 09:00 in one
    bay are a handover)."""
    state = DayState()
    named: list[Effective] = []  # the events of the moment applied last that name a bay
    for e in events:
        e = _local(e, workshop.tz)
        if named and e.at != named[0].at:
            _bays_held(state, named, workshop, bookings)
            named = []
        if until is not None and e.at > until:
            break
        apply(state, e, workshop, bookings, date)
        if e.bay is not None:
            named.append(e)
    if named:
        _bays_held(state, named, workshop, bookings)
    return state


def _local(e: Effective, tz: dt.tzinfo) -> Effective:
    return Effective(e.id, e.booking, e.operation, e.technician, e.action, local_instant(e.at, tz), e.bay)


def _bays_held(
    state: DayState, group: Sequence[Effective], workshop: Workshop, bookings: Mapping[str, Booking]
) -> None:
    """Impossible if work started or resumed at this moment (`group`, applied) was clocked into a bay
    that other work in progress was clocked into: the shop floor said where both cars are. Work whose
    bay was not clocked holds none here (its bay is the plan's guess: `replay_in_bays`)."""
    for e in group:
        if e.bay is None or e.action not in ("start", "resume"):
            continue
        key = (e.booking, e.operation)
        other = next(
            (k for k, op in sorted(state.ops.items())
             if k != key and op.state == "in_progress" and op.bay == e.bay),
            None,
        )  # fmt: skip
        if other is None:
            continue
        # The car in it by its plate (in `other`, the operation's words), not by its id alone
        # (review3-s42's leftover: "booking BK-… is in it (粤B… (booking BK-…) operation 1 …)").
        raise Impossible(
            N_(
                "bay %(bay)s is taken at %(at)s: %(other)s is in it, clocked in progress there;"
                " finish or pause that work first, or name another bay"
            )
            % {
                "bay": e.bay,
                "at": _hm(e.at, workshop),
                "other": operation_words(workshop, bookings[other[0]], other[1]),
            }
        )


def bays_for(workshop: Workshop, booking: Booking, operation: int) -> list[str]:
    """The bays the operation may be in, as the planner allows them (its bay kinds; an express lane
    only for an express service; a fleet partner's bay only for its vehicles, its own bays first);
    any bay of its kinds if none is left (the plan's checks then say why)."""
    service = workshop.service(booking.service)
    assert service is not None
    kinds = service.operations[operation].bay_kinds
    of_kind = [b for b in workshop.bays if b.kind in kinds]
    allowed = [
        b
        for b in of_kind
        if (b.kind != "express" or service.express)
        and (b.fleet_partner is None or b.fleet_partner == booking.fleet_partner)
    ]
    allowed.sort(key=lambda b: b.fleet_partner != booking.fleet_partner)
    return [b.id for b in allowed or of_kind]


def replay_in_bays(
    events: Sequence[Effective],
    workshop: Workshop,
    bookings: Mapping[str, Booking],
    date: dt.date,
    changed: tuple[str, int],
) -> tuple[DayState, str | None]:
    """`replay` of the whole day (Impossible at the first bad event), and why its events put more
    vehicles in work than their bays hold at a moment the `changed` operation (booking, index) is
    in progress (None if they never do): one pass for both. A clock event may name no bay, so the
    check is a matching: the operations in progress at a start or resume (after every event of
    that moment: a finish and a start at 09:00 are a handover) each need a bay of their own among
    those they may be in (work clocked into a bay: that one); `changed` clocked into a bay is
    where it was said to be (`_bays_held` refuses it in a bay other clocked work is in; the matching
    where work clocked with no bay has no other bay left: clockbay13-s38). Work clocked with no bay
    stays in one bay from its start or resume to its pause or finish (as the live plan pins it), so
    a bay other work held during that stretch (clocked into it, or its only bay left) is not among
    its bays (onepin13-s38: `_bar_held_bays`). Paused work is taken to have left its bay (a car
    waiting for parts is pushed out of the lift). Only moments with `changed` in progress count,
    and only if `changed` takes a bay more than the others' best matching holds, so a day recorded
    before this check, with a clash of its own, still takes its other events."""
    state = DayState()
    tz = workshop.tz
    local = [_local(e, tz) for e in events]
    bays = {b.id: i for i, b in enumerate(workshop.bays)}
    clash: str | None = None
    barred: dict[tuple[str, int], set[str]] = {}
    allowed: dict[tuple[str, int, str | None], list[str]] = {}  # (`bays_for`, once per kind of work)
    for _, moment in itertools.groupby(local, key=lambda e: e.at):
        group = list(moment)
        for e in group:
            apply(state, e, workshop, bookings, date)
            if e.action in ("start", "resume"):
                barred[(e.booking, e.operation)] = set()  # a new stretch: in any bay so far
        _bays_held(state, group, workshop, bookings)
        if not any(e.action in ("start", "resume") for e in group):
            continue  # (nothing enters a bay: no check, and no stretch meets a bay it had not met)
        if clash is None:
            clash = _bay_clash(state, workshop, bookings, bays, changed, group[0].at, barred)
        # After the check: this moment's bays are in its matching.
        _bar_held_bays(state, barred, workshop, bookings, allowed)
    if clash is None:
        clash = _day_clash(local, state, workshop, bookings, bays, changed, allowed)
    return state, clash


OPEN = 10**9
"""A stretch still in progress ends here (seconds after the day's first event)."""


def _day_clash(
    local: Sequence[Effective],
    state: DayState,
    workshop: Workshop,
    bookings: Mapping[str, Booking],
    bays: Mapping[str, int],
    changed: tuple[str, int],
    allowed: dict[tuple[str, int, str | None], list[str]],
) -> str | None:
    """`replay_in_bays`'s check over the whole day, where the check at each moment let the
    `changed` work in: why its stretch in progress leaves the day's stretches of work no bays (each
    stretch, from its start or resume to its pause or finish, in one bay of its own all through:
    the one clocked, else one it may be in); else None. The bar of `_bar_held_bays` counts only
    bays that were certain at a moment; three cars and two bays (two in the general lift and the
    body bay, the third, which may use the alignment bay or the general lift, started beside
    them: in the alignment bay) leave the third in the alignment bay, and a wheel job there was
    taken, and the live plan then had one of them in no bay (clockleft13-s40). Only where some
    other work in progress with no clocked bay could be in a bay `changed` may use, and not where
    `changed`, started at the day's newest moment, may use more bays than there is other work in
    progress that may use them (one is then left for it); else the moment's check is the whole
    answer, from a cheap look at the work in progress (a large workshop's day rarely goes further).
    Then a first fit of the day's
    stretches in order of start, and only where that fails, the stretches joined to `changed`'s
    (`_joined`) first fitted, then matched exactly (`solver.bay_matching`, CP-SAT within its
    deterministic limit; refused only where it proves none). As at a moment: `changed` counts only
    if those stretches without it have bays."""
    op = state.ops.get(changed)
    if op is None or op.state != "in_progress":
        return None

    def domain(key: tuple[str, int], bay: str | None) -> list[str]:
        if bay is not None and bay in bays:
            return [bay]
        booking = bookings[key[0]]
        kind = (booking.service, key[1], booking.fleet_partner)
        if kind not in allowed:
            allowed[kind] = bays_for(workshop, booking, key[1])
        return allowed[kind]

    mine = set(domain(changed, op.bay))
    rivals = [
        key
        for key, other in state.ops.items()
        if key != changed
        and other.state == "in_progress"
        and (other.bay is None or other.bay not in bays)
        and len(theirs := domain(key, None)) > 1
        and not mine.isdisjoint(theirs)
    ]
    if not rivals:
        return None
    if op.segment_start is not None and op.segment_start == state.latest:
        # Started at the day's newest moment, it meets only the work in progress: with more bays
        # than that work has among them, one is left for it, whichever bays the others are in.
        beside = sum(
            1
            for key, other in state.ops.items()
            if key != changed and other.state == "in_progress" and not mine.isdisjoint(domain(key, other.bay))
        )
        if len(mine) > beside:
            return None
    stretches = _stretches(local)
    first = local[0].at

    def seconds(moment: dt.datetime | None) -> int:
        return OPEN if moment is None else int((moment - first).total_seconds())

    work = [
        (key, seconds(start), seconds(end), tuple(bays[b] for b in domain(key, bay)))
        for key, start, end, bay in stretches
    ]
    work = [w for w in work if w[3] and w[1] < w[2]]  # (a stretch of no time holds no bay)
    if _first_fit([w[1:] for w in work]) is not None:
        return None  # (the day's stretches have bays: the usual answer, in one pass)
    # Only the stretches `changed` shares a bay with, and those they share one with, and so on, can
    # leave it none (a clash elsewhere, recorded before this check, is not its own).
    mine_at = [n for n, w in enumerate(work) if w[0] == changed]
    group = [work[n] for n in _joined([w[1:] for w in work], mine_at)]
    if _bays_fit([w[1:] for w in group]) or not _bays_fit([w[1:] for w in group if w[0] != changed]):
        return None
    at = max(start for key, start, _, _ in stretches if key == changed)
    # Refused: which of the cars listed, moved alone (paused and resumed naming another of its bays
    # when `changed` came), would leave it a bay (only here, on a refusal: clockbay13-s41).
    movers = [key for key in sorted(rivals) if _moves_free(group, (key,), seconds(at)) is not None]
    two = None if movers else _two_moves(group, changed, rivals, seconds(at))
    values = {
        "where": operation_words(workshop, bookings[changed[0]], changed[1]),
        "at": _hm(at, workshop),
        "others": "; ".join(operation_words(workshop, bookings[b], o) for b, o in movers or sorted(rivals)),
        "bays": ", ".join(domain(changed, op.bay)),
    }
    if len(movers) == 1:
        template = N_(
            "no bay free for %(where)s at %(at)s: its bays (%(bays)s) are needed by work in progress"
            " clocked with no bay (%(others)s), which stays in one bay from its start or resume, and the"
            " day's other work left it no other since; if that car was moved, pause its work and resume"
            " it naming its bay, or name another bay"
        )
    elif movers:
        template = N_(
            "no bay free for %(where)s at %(at)s: its bays (%(bays)s) are needed by work in progress"
            " clocked with no bay, which stays in one bay from its start or resume, and the day's other"
            " work left it no other since; any one of %(others)s moved to another of its bays would"
            " free one: if one of those cars was moved, pause its work and resume it naming its bay,"
            " or name another bay"
        )
    elif two is not None:
        names = {index: bay for bay, index in bays.items()}
        (lead, lead_bay), (then, then_bay) = two
        values |= {
            "first": operation_words(workshop, bookings[lead[0]], lead[1]),
            "first_bay": names[lead_bay],
            "second": operation_words(workshop, bookings[then[0]], then[1]),
            "second_bay": names[then_bay],
        }
        template = N_(
            "no bay free for %(where)s at %(at)s: its bays (%(bays)s) are needed by work in progress"
            " clocked with no bay (%(others)s), which stays in one bay from its start or resume, and the"
            " day's other work left it no other since; no car moved alone would free one, but two moves"
            " would: %(first)s to %(first_bay)s, then %(second)s to %(second_bay)s (pause each one's work"
            " and resume it naming that bay), or name another bay"
        )
    else:
        template = N_(
            "no bay free for %(where)s at %(at)s: its bays (%(bays)s) are needed by work in progress"
            " clocked with no bay (%(others)s), which stays in one bay from its start or resume, and the"
            " day's other work left it no other since; moved alone to another of its bays, none of those"
            " cars would free one: if cars were moved, pause their work and resume it naming their bays,"
            " or name another bay"
        )
    return template % values


Stretch = tuple[tuple[str, int], int, int, tuple[int, ...]]
"""(booking, operation), start, end, bays: a stretch of work as `_day_clash` matches them."""


def _moves_free(
    group: Sequence[Stretch],
    movers: Sequence[tuple[str, int]],
    at: int,
    to: Sequence[Sequence[int]] | None = None,
) -> tuple[int, ...] | None:
    """A bay for each of the works in progress `movers` (of its bays, or of `to`'s for it) such
    that, each moved at `at` (its stretch cut there, as a pause, and resumed clocked into that bay,
    as the 409 asks), the stretches of `group` (those joined to the refused work's) have bays: a
    first fit, else the exact matching (a search cut by its limit finds none). None: no such bays."""
    mine = [next((w for w in group if w[0] == mover and w[2] == OPEN), None) for mover in movers]
    moved = [w for w in mine if w is not None]
    if len(moved) < len(movers):
        return None
    rest = [w[1:] for w in group if all(w is not m for m in moved)]
    before = [(start, at, allowed) for _, start, _, allowed in moved if start < at]
    for choice in itertools.product(*(to or [allowed for *_, allowed in moved])):
        after = [(max(start, at), OPEN, (bay,)) for (_, start, _, _), bay in zip(moved, choice, strict=True)]
        if _bays_fit([*rest, *before, *after], proven=False):
            return choice
    return None


def _two_moves(
    group: Sequence[Stretch], changed: tuple[str, int], rivals: Sequence[tuple[str, int]], at: int
) -> tuple[tuple[tuple[str, int], int], tuple[tuple[str, int], int]] | None:
    """Where no car moved alone frees a bay for `changed`: two works in progress (one of them among
    `rivals`) that, moved together at `at`, would, each with its bay, in an order the clock takes
    (the first move alone leaves the day's other work bays: `_day_clash` refuses it otherwise).
    None: no two do."""
    others = sorted({w[0] for w in group if w[2] == OPEN and w[0] != changed and len(w[3]) > 1})
    without = [w for w in group if w[0] != changed]
    for pair in itertools.combinations(others, 2):
        if not set(pair) & set(rivals):
            continue
        bays = _moves_free(group, pair, at)
        if bays is None:
            continue
        moves = list(zip(pair, bays, strict=True))
        for first, second in (moves, moves[::-1]):
            if _moves_free(without, (first[0],), at, [(first[1],)]) is not None:
                return first, second
    return None


def _stretches(
    local: Sequence[Effective],
) -> list[tuple[tuple[str, int], dt.datetime, dt.datetime | None, str | None]]:
    """The day's stretches of work: (booking, operation), its start or resume, its pause or finish
    (None: in progress), the bay clocked (None: not named)."""
    open_: dict[tuple[str, int], tuple[dt.datetime, str | None]] = {}
    out: list[tuple[tuple[str, int], dt.datetime, dt.datetime | None, str | None]] = []
    for e in local:
        key = (e.booking, e.operation)
        if e.action in ("start", "resume"):
            open_[key] = (e.at, e.bay)
        elif key in open_:
            start, bay = open_.pop(key)
            out.append((key, start, e.at, bay))
    out.extend((key, start, None, bay) for key, (start, bay) in open_.items())
    return out


def _joined(work: Sequence[tuple[int, int, tuple[int, ...]]], of: Sequence[int]) -> list[int]:
    """The pieces of `work` (start, end, bays) joined to the pieces `of` (indices): overlapping in
    time one of them with a bay both may use, or one so joined, and so on; in order (the groups
    the bay matching solves apart, `solver.bay_matching.groups`)."""
    from solver.bay_matching import HeldWork, groups

    wanted = set(of)
    held = [HeldWork(start, end, bays) for start, end, bays in work]
    return sorted(n for group in groups(held) if wanted.intersection(group) for n in group)


def _bays_fit(work: Sequence[tuple[int, int, tuple[int, ...]]], proven: bool = True) -> bool:
    """Whether each (start, end, bays) can have a bay of its own all through (none of two that
    overlap in time in one): a first fit (`_first_fit`), else the exact matching (True where it
    finds none within its limit but proves nothing; with `proven` False, only where it finds bays)."""
    if _first_fit(work) is not None:
        return True
    # Imported here: only a clash the first fit cannot settle solves (a day of clock events rarely).
    from solver.bay_matching import HeldWork, match_bays

    matched = match_bays([HeldWork(s, e, b) for s, e, b in work])
    return matched.bays is not None or (proven and matched.status != "INFEASIBLE")


def _first_fit(work: Sequence[tuple[int, int, tuple[int, ...]]]) -> list[int] | None:
    """A bay for each (start, end, bays), taken in order of start (of the bays free then, the one
    the fewest pieces may use), in that order; None where one finds none free."""
    free_at: dict[int, int] = {}
    wanted = Counter(b for _, _, mine in work for b in mine)
    bays: list[int] = []
    for start, end, mine in sorted(work):
        bay = min((b for b in mine if free_at.get(b, start) <= start), key=wanted.__getitem__, default=None)
        if bay is None:
            return None
        free_at[bay] = end
        bays.append(bay)
    return bays


def _bar_held_bays(
    state: DayState,
    barred: dict[tuple[str, int], set[str]],
    workshop: Workshop,
    bookings: Mapping[str, Booking],
    allowed: dict[tuple[str, int, str | None], list[str]],
) -> None:
    """Adds to each stretch of work in progress with no clocked bay (`barred`: since its start or
    resume) the bays other work in progress holds now: the bay it was clocked into, or the only bay
    left to work with no clocked bay. A stretch is in one bay from its start or resume to its pause
    or finish (a pin is one stretch in one bay), so it was never in a bay other work held during it,
    even after that work leaves (onepin13-s38). As `_clocked_or_allowed`: none if none would be left."""
    working = {key: op for key, op in state.ops.items() if op.state == "in_progress"}
    held = {key: op.bay for key, op in working.items() if op.bay is not None}
    guessed = [key for key, op in working.items() if op.bay is None]
    for key in guessed:
        booking = bookings[key[0]]
        kind = (booking.service, key[1], booking.fleet_partner)  # what `bays_for` reads
        if kind not in allowed:
            allowed[kind] = bays_for(workshop, booking, key[1])
        left = [b for b in allowed[kind] if b not in barred.get(key, ())] or allowed[kind]
        if len(left) == 1:
            held[key] = left[0]
    counts = Counter(held.values())
    for key in guessed:
        own = held.get(key)
        barred.setdefault(key, set()).update(b for b in counts if b != own or counts[b] > 1)


def _bay_clash(
    state: DayState,
    workshop: Workshop,
    bookings: Mapping[str, Booking],
    bays: Mapping[str, int],
    changed: tuple[str, int],
    at: dt.datetime,
    barred: Mapping[tuple[str, int], set[str]] | None = None,
) -> str | None:
    """`replay_in_bays`'s check at one moment: why the `changed` operation's work, in progress in
    `state`, has no bay of its own beside the other work in progress (each in a bay it may be in:
    clocked work in its clocked bay); else None. `changed` counts only if it takes a bay more: where
    the others alone have no bays each (a day recorded before this check, with a clash of its own),
    work that does not add to it is not refused for it. `changed` clocked into a bay is where it was
    said to be (`_bays_held` refuses it in a bay other clocked work is in); it is refused where work
    clocked with no bay can be in no other bay (clockbay13-s38: that start was taken, and the live
    plan then had no bays for the day)."""
    working = sorted(key for key, op in state.ops.items() if op.state == "in_progress")
    if changed not in working:
        return None
    mine = state.ops[changed].bay
    clocked = mine if mine in bays else None
    domains = {
        key: _clocked_or_allowed(
            state.ops[key], workshop, bookings[key[0]], key[1], bays, (barred or {}).get(key)
        )
        for key in working
    }
    others = [key for key in working if key != changed]
    if clocked is not None and not any(clocked in domains[key] for key in others):
        return None  # (no other work may be in its bay: nothing to match)
    alone = _matched(others, domains, bays)
    if _matched(working, domains, bays).count(-1) <= alone.count(-1):
        return None  # it has a bay of its own
    if clocked is not None:
        holder = others[alone.index(bays[clocked])]  # in every best matching: else `changed` had it
        return N_(
            "bay %(bay)s is taken at %(at)s: %(other)s is in it, in progress, clocked with no bay (its"
            " bays, %(bays)s, have no other one free); finish or pause that work first, or name another bay"
        ) % {
            "bay": clocked,
            "at": _hm(at, workshop),
            "other": operation_words(workshop, bookings[holder[0]], holder[1]),
            "bays": ", ".join(domains[holder]),
        }
    allowed = bays_for(workshop, bookings[changed[0]], changed[1])
    others_words = [
        operation_words(workshop, bookings[b], o) for b, o in others if set(domains[(b, o)]) & set(allowed)
    ]
    return N_(
        "no bay free for %(where)s at %(at)s: its bays (%(bays)s) hold work in progress (%(others)s)"
    ) % {
        "where": operation_words(workshop, bookings[changed[0]], changed[1]),
        "at": _hm(at, workshop),
        "bays": ", ".join(allowed),
        "others": "; ".join(others_words),
    }


def _matched(
    work: Sequence[tuple[str, int]], domains: Mapping[tuple[str, int], list[str]], bays: Mapping[str, int]
) -> list[int]:
    """A largest matching of `work` to bays of its `domains`, a bay each: each piece's bay (its index
    in `bays`), -1 for work left with none."""
    if not work:
        return []
    rows, cols = [], []
    for r, key in enumerate(work):
        for bay in domains[key]:
            rows.append(r)
            cols.append(bays[bay])
    # Imported here, not at the top: SciPy's sparse graphs are ~10 % of a server's start-up imports
    # (bench/RESULTS-suitespeed-s34.md) and only this rare check (work that may share a bay) uses them.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    graph = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(work), len(bays)))
    return [int(c) for c in maximum_bipartite_matching(graph, perm_type="column")]


def _clocked_or_allowed(
    op: OpTrack,
    workshop: Workshop,
    booking: Booking,
    operation: int,
    bays: Mapping[str, int],
    barred: set[str] | None = None,
) -> list[str]:
    """The bays work in progress may be in: the one it was clocked into (a fact), else those the
    planner allows it (`bays_for`) but the `barred` ones (other work held them during its stretch);
    all it is allowed if none is left (a day recorded with a clash of its own: as before the bar)."""
    if op.bay is not None and op.bay in bays:
        return [op.bay]
    allowed = bays_for(workshop, booking, operation)
    return [b for b in allowed if not barred or b not in barred] or allowed


def expected_minutes(
    workshop: Workshop,
    booking: Booking,
    operation: int,
    technician: str | None,
    learned: Mapping[tuple[str, str, int], float] | None = None,
) -> int:
    """The technician's learned minutes on that operation where known (`learned`: (technician,
    service, operation) → minutes), else standard minutes / his efficiency (rounded up)."""
    if learned and technician is not None:
        known = learned.get((technician, booking.service, operation))
        if known is not None:
            return max(1, math.ceil(known))
    service = workshop.service(booking.service)
    assert service is not None
    minutes = service.operations[operation].minutes
    tech = next((t for t in workshop.technicians if t.id == technician), None)
    return math.ceil(minutes / (tech.efficiency if tech else 1.0))


def projected_end(op: OpTrack, expected: int, now: dt.datetime) -> dt.datetime | None:
    """Done: its end. Started: the remaining expected time after what was clocked, never before now
    (up to the whole minute)."""
    if op.state == "done":
        return op.actual_end
    if op.state == "not_started":
        return None
    remaining = dt.timedelta(minutes=expected) - op.worked
    if op.state == "in_progress":
        assert op.segment_start is not None
        return minute_up(max(now, op.segment_start + remaining))
    return minute_up(now + max(remaining, dt.timedelta()))


# The live day (the status route's body)
class OperationStatus(BaseModel):
    operation: int
    state: OpState
    technician: str | None
    bay: str | None
    planned_start: AwareDatetime | None
    planned_end: AwareDatetime | None
    actual_start: AwareDatetime | None
    actual_end: AwareDatetime | None
    clocked_minutes: int
    projected_end: AwareDatetime | None
    bay_clocked: bool = False
    """`bay` as the shop floor clocked it (a start's or resume's `bay`): a fact; False: the plan's
    guess (or none), so that a page can tell the two apart (floor13-s30)."""


class RiskSpell(BaseModel):
    """A spell a booking was at risk, as the promise guard recorded it: from when, to when (None:
    still at risk as of the moment read)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime | None = None


class BookingStatus(BaseModel):
    booking: str
    state: BookingState
    promised: AwareDatetime | None
    projected_end: AwareDatetime | None
    projected_lateness_minutes: int
    at_risk: bool
    at_risk_since: AwareDatetime | None
    operations: list[OperationStatus]
    on_time_probability: float | None = None
    """P(ready by the promised pickup): a Monte Carlo of the rest of the day (None: no promise)."""
    at_risk_spells: list[RiskSpell] = []
    """Every spell the promise guard recorded it at risk up to the moment read, oldest first (the
    last one open, `to` null, while it lasts); `at_risk_since` is the first one's `from`. A spell
    recorded after that moment is left out, one ended after it reads open."""
    after_desk_hours: bool = False
    """Its car is promised when the desk hands no car back (capacity.after_desk_hours: a drop-off's
    promise stored before the offers kept to the desk's hours; never a waiter's), as the desk's
    list of the day marks it (desk16-s26)."""
    carried_over: list[int] | None = None
    """The operations the live plan carries over to a later day (they do not fit today after the
    booking's clocked work: the plan lists them unassigned); then `projected_end` is null, the
    booking is at risk, and `projected_lateness_minutes` counts at least up to the workshop's closing
    today (the work is not finished today). None: nothing carried over."""


class TechnicianStatus(BaseModel):
    technician: str
    state: TechState
    booking: str | None = None
    operation: int | None = None
    since: AwareDatetime | None = None


class DayStatus(BaseModel):
    as_of: AwareDatetime
    bookings: list[BookingStatus]
    technicians: list[TechnicianStatus]
    plan_as_of_event: int | None = None
    """The newest clock event the live plan was re-planned from (None: no plan made from events)."""
    latest_event: int | None = None
    """The day's newest clock event (None: none yet)."""
    replanning: bool = False
    """True while the live plan lags the newest event and its re-plan (in the background) is on its
    way, until that re-plan has recorded its risks: work in progress is already projected from the
    events, work not started is not yet."""
    clocked_bay_conflicts: list[ClockedBayConflict] = []
    """The live plan's clocked work that has no bay (its operation's `bay` null): clocked while other
    clocked work held the bay the plan had it in (`Plan.clocked_bay_conflicts`)."""


def _booking_state(ops: Sequence[OperationStatus], booking: Booking, now: dt.datetime) -> BookingState:
    states = [o.state for o in ops]
    if all(s == "done" for s in states):
        return "done"
    if "in_progress" in states:
        return "in_progress"
    if "paused" in states:
        return "paused"
    if now < booking.drop_off and all(s == "not_started" for s in states):
        return "not_arrived"
    return "waiting"


def booking_status(
    workshop: Workshop,
    booking: Booking,
    plan: Plan | None,
    state: DayState,
    now: dt.datetime,
    since: dt.datetime | None,
    learned: Mapping[tuple[str, str, int], float] | None = None,
    handovers: HandoverRule | None = None,
) -> BookingStatus:
    """One booking's live state: clocked work as clocked, the rest from the live plan, pushed back
    behind `now` and behind the booking's earlier operations; `handovers`: the desk's promise rule
    (the service's CapacityRules), which `after_desk_hours` reads (None: not marked)."""
    service = workshop.service(booking.service)
    assert service is not None
    planned = {a.operation: a for a in plan.assignments if a.booking == booking.id} if plan else {}
    ops: list[OperationStatus] = []
    ready: dt.datetime | None = booking.drop_off
    for k in range(len(service.operations)):
        track = state.ops.get((booking.id, k), OpTrack())
        a = planned.get(k)
        technician = track.technician or (a.technician if a else None)
        end: dt.datetime | None
        if track.state != "not_started":
            end = projected_end(track, expected_minutes(workshop, booking, k, technician, learned), now)
        elif a is None or ready is None:
            end = None
        else:
            start = max(a.start, now, ready)
            end = start + (a.end - a.start)
        ready = end
        ops.append(
            OperationStatus(
                operation=k,
                state=track.state,
                technician=technician,
                bay=track.bay or (a.bay if a else None),  # clocked: a fact, ahead of its re-plan
                planned_start=a.start if a else None,
                planned_end=a.end if a else None,
                actual_start=track.actual_start,
                actual_end=track.actual_end,
                clocked_minutes=int(track.clocked(now).total_seconds() // 60),
                projected_end=end,
                bay_clocked=track.bay is not None,
            )
        )
    projected = ops[-1].projected_end
    carried = next(
        (u.operations for u in plan.unassigned if u.booking == booking.id and u.operations is not None), None
    ) if plan else None  # fmt: skip
    late = 0
    at_risk = False
    if booking.promised is not None:
        if projected is None:
            at_risk = True  # not in the live plan: nothing says it will be ready
            if carried and plan is not None:
                _, close = workshop.opening_window()
                midnight = dt.datetime.combine(plan.date, dt.time(), tzinfo=workshop.tz)
                closing = (midnight + dt.timedelta(minutes=hhmm_minutes(close))).astimezone(dt.UTC)
                floor = max(now.astimezone(dt.UTC), closing) - booking.promised.astimezone(dt.UTC)
                late = max(0, math.ceil(floor.total_seconds() / 60))
        else:
            late = max(0, math.ceil((projected - booking.promised).total_seconds() / 60))
            at_risk = projected > booking.promised
    return BookingStatus(
        booking=booking.id,
        state=_booking_state(ops, booking, now),
        promised=booking.promised,
        projected_end=projected,
        projected_lateness_minutes=late,
        at_risk=at_risk,
        at_risk_since=(since or now) if at_risk else None,
        operations=ops,
        after_desk_hours=handovers is not None and after_desk_hours(workshop, booking, handovers),
        carried_over=carried,
    )


def technician_status(
    workshop: Workshop, date: dt.date, state: DayState, now: dt.datetime
) -> list[TechnicianStatus]:
    local = now.astimezone(workshop.tz)
    out: list[TechnicianStatus] = []
    for t in workshop.technicians:
        busy = state.busy.get(t.id)
        if busy is not None:
            track = state.ops[busy]
            out.append(TechnicianStatus(technician=t.id, state="working", booking=busy[0], operation=busy[1],
                                        since=track.segment_start))  # fmt: skip
            continue

        def wall(hhmm: str) -> dt.datetime:
            m = hhmm_minutes(hhmm)
            return dt.datetime.combine(date, dt.time(m // 60, m % 60), tzinfo=workshop.tz)

        start, end = wall(t.shift.start), wall(t.shift.end)
        if (
            not workshop.on_duty(t, date)
            or local < start
            or local >= end + dt.timedelta(minutes=t.max_overtime_minutes)
        ):
            out.append(
                TechnicianStatus(technician=t.id, state="off_shift", since=end if local >= end else None)
            )
            continue
        brk = next((b for b in t.shift.breaks if wall(b.start) <= local < wall(b.end)), None)
        if brk is not None:
            out.append(TechnicianStatus(technician=t.id, state="on_break", since=wall(brk.start)))
            continue
        last = state.last_event.get(t.id)
        out.append(TechnicianStatus(technician=t.id, state="idle", since=max(start, last) if last else start))
    return out
