"""The live re-plan of a day with clock events: the rest of the day re-planned with the greedy
planner around the clocked work (started and finished work pinned at its clocked times; the
bookings the promise guard has at risk moved earlier where the plan has room,
scheduler.replan.expedite), stored with the newest event it was made from (`as_of_event`) and never
replaced by one made from older events.

On the shop floor (scheduler/shopfloor.py) the re-plans run in the background, one per (workshop,
day) at a time, coalescing: events arriving during a re-plan only mark the day dirty, and one more
re-plan from the newest state follows (scheduler/coalesce.py, `LiveReplans`). After a restart, a day
whose stored plan lags its events is re-planned in the background (at start, and whenever its
status is read). `BAYPLAN_LIVE_REPLAN=sync` re-plans inside the event's request instead (the old
way: benchmarks)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet

from sqlalchemy.orm import Session

from scheduler import multiday
from scheduler.actuals import learned_speeds
from scheduler.clocking import (
    DayState,
    OpTrack,
    bays_for,
    day_end,
    effective,
    event_from_record,
    expected_minutes,
    projected_end,
    replay,
)
from scheduler.coalesce import Coalescer
from scheduler.contract import (
    Assignment,
    Booking,
    ClockedBayConflict,
    OperationEvent,
    Overrun,
    PinnedOperation,
    Plan,
    PlanRequest,
    ReplanRequest,
    Service,
    Workshop,
    stored_workshop,
)
from scheduler.errors import Conflict, DayChanged, InputError, NotFound
from scheduler.i18n import N_
from scheduler.integrity import checked_plan, finish, plannable
from scheduler.plan_tasks import PlanBasis, replan_check_request, witness_hint
from scheduler.planning import to_plan
from scheduler.replan import check_now_on_day, on_time, replan, said_on_time, with_changes
from scheduler.service import PlanningService
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage import workshops as workshops_db
from solver.bay_matching import HeldWork, clashes, match_bays

logger = logging.getLogger("bayplan")

LIVE_PLAN_SECONDS = 1.0
LIVE_REPLAN_ENVIRONMENT = "BAYPLAN_LIVE_REPLAN"
"""`sync`: each clock event re-plans the day inside its request; else (the default) in the background."""


def day_bookings(session: Session, workshop: Workshop, date: dt.date) -> tuple[Workshop, list[Booking]]:
    """The day as the shop floor sees it, like its plan (scheduler.multiday): the workshop with the
    parts of its multi-day services, and the bookings with work that day in the order they were made,
    those of earlier days carried in after them. A multi-day repair is its part of the day: its
    operations that day numbered from 0 (as in the day's plan), the promised pickup on its last day."""
    own = bookings_db.day_accepted(session, workshop.id, date)
    carried = bookings_db.carried_into(session, workshop.id, date)
    carried.sort(key=lambda accepted: (accepted[0].drop_off, accepted[0].id))
    workshop = with_retired_services(session, workshop, {b.service for b, _ in [*own, *carried]})
    seen = multiday.day_accepted(workshop, date, own, carried)
    return multiday.day_workshop(workshop), [b for b, _ in seen]


def with_retired_services(session: Session, workshop: Workshop, codes: set[str]) -> Workshop:
    """The workshop, with each of the `codes` it no longer offers as its newest earlier version had
    it: a day's bookings (and their clock events) keep reading after their service was removed
    (a past day, or today's work forced at risk), instead of failing its status and pages."""
    missing = codes - {s.code for s in workshop.services}
    if not missing:
        return workshop
    retired: list[Service] = []
    for row in reversed(workshops_db.versions(session, workshop.id)):
        for service in stored_workshop(row.body).services:
            if service.code in missing:
                retired.append(service)
                missing.discard(service.code)
        if not missing:
            break
    return workshop.model_copy(update={"services": [*workshop.services, *retired]}) if retired else workshop


def has_clock_events(service: PlanningService, workshop_id: str, date: dt.date) -> bool:
    with service.store.sessions() as session:
        return events_db.has_events(session, workshop_id, date)


def replan_live(
    service: PlanningService, workshop_id: str, date: dt.date, now: dt.datetime | None = None
) -> Plan:
    """Re-plan a day with clock events from `now` (default the service's clock; never before the
    latest event): started and finished work pinned at its clocked times, the rest planned greedily
    around it, and stored (unless a live plan from newer events was stored meanwhile: that one is
    returned). Conflict if that cannot be done (the stored plan stays). A `now` (or clock) after the
    day is refused as a re-plan without clock events is: as of its last minute every booking not
    clocked would be left out, and its plan and events are the day's record (review-s34: "Re-plan
    now" on yesterday's page left 17 of 21 bookings out)."""
    for attempt in range(1, LIVE_REPLAN_TRIES + 1):
        with service.store.sessions() as session:
            workshop, day = day_bookings(session, service.workshop(workshop_id, session), date)
            events = [event_from_record(r) for r in events_db.day_events(session, workshop_id, date)]
        check_now_on_day(now or service.clock.now(), workshop, date)
        state = replay(effective(events), workshop, {b.id: b for b in day}, date)
        moment = live_now(service, workshop, date, state, now)
        try:
            return _replan(service, workshop, date, state, moment, max((e.id for e in events), default=None))
        except (InputError, Conflict, RuntimeError) as exc:
            if isinstance(exc, DayChanged) and attempt < LIVE_REPLAN_TRIES:
                # A booking change of the day raced it: read the day again and plan once more, as
                # the live re-plan after an event does (before, "Re-plan now" answered 409 for it).
                continue
            why = N_("the day has clock events and could not be re-planned around them: %(why)s")
            raise Conflict(why % {"why": exc}, []) from None
    raise AssertionError("unreachable: the last try returns or raises")


def witness_plan(request: PlanRequest, witness: list[Assignment]) -> Plan:
    """The day as its accepted bookings' witnesses place them (each keeping its promise; a booking
    whose witness no longer holds, or without one, unassigned): the day's plan until one is stored,
    what its first live re-plan starts from and what its status projects."""
    compiled, dropped = plannable(request)
    return finish(request, to_plan(compiled, witness_hint(compiled, witness), "witness"), dropped)


def live_now(
    service: PlanningService,
    workshop: Workshop,
    date: dt.date,
    state: DayState,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """The moment the day is known up to: `now` (default the clock), or the latest event if that is
    behind (events reported ahead of a replayed clock), kept within the day, on the workshop's clock
    (what is projected from it keeps its offset). Kept before the day's last minute, unless an
    event was clocked in it (23:59:30: a re-plan from 23:59 refused it, review-s25)."""
    moment = now or service.clock.now()
    last = day_end(workshop, date) - dt.timedelta(minutes=1)
    if state.latest is not None:
        moment = max(moment, state.latest)
        last = max(last, state.latest)
    start = dt.datetime.combine(date, dt.time(), tzinfo=workshop.tz)
    return min(max(moment, start), last).astimezone(workshop.tz)


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
        current = witness_plan(request, witness)
    placed = {(a.booking, a.operation): a for a in current.assignments}
    started: list[OperationEvent] = []
    finished: list[OperationEvent] = []
    overruns: list[Overrun] = []
    bookings: list[Booking] = []
    clocked_keys: set[tuple[str, int]] = set()
    last_minute = day_end(workshop, date) - dt.timedelta(minutes=1)
    done: set[tuple[str, int]] = set()
    ended: set[tuple[str, int]] = set()  # paused, its technician on other work since
    bay_ids = {bay.id for bay in workshop.bays}
    fixed: set[tuple[str, int]] = set()  # clocked into a bay: a fact, never moved
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
            if _left_for_other_work(state, (bid, k)):
                # Paused, and its technician clocked on other work since: they are on that, not
                # on this (projected from now, it overlapped it and every live re-plan of the day
                # failed, clockseq-s28). Held as clocked, to its pause; planned again on resume.
                assert track.last is not None
                end = track.last
                ended.add((bid, k))
            if track.state != "done":  # a plan holds the day only: work running past midnight ends
                end = min(end, last_minute)  # in its last minute (else every re-plan of it failed)
            end = max(end, track.actual_start + dt.timedelta(minutes=1))
            # The bay clocked (a fact: any kind, the car is there); else the plan's bay, guessed
            # again where it has none (the conflict may be gone) or one the workshop no longer has
            # (taken out while cars were on it: `_clocked_bay_unknown`).
            if track.bay is not None and track.bay in bay_ids:
                bay = track.bay
                fixed.add((bid, k))
            else:
                bay = a.bay if a and a.bay in bay_ids else _a_bay(workshop, b, k)
            pins[k] = PinnedOperation(
                operation=k, bay=bay, technician=track.technician, start=track.actual_start, end=end
            )
            clocked_keys.add((bid, k))
            if track.state == "done":
                done.add((bid, k))
        bookings.append(b.model_copy(update={"pinned": [pins[k] for k in sorted(pins)]}))
    pinned = bookings
    bookings = _clocked_work_in_bays(
        workshop, date, _from_resume_past_other_work(pinned, state), state, fixed, done, ended
    )
    if _bays_clash(workshop, bookings):  # no bays still: work resumed from its resume, where that fits
        bookings = _resumed_in_another_bay(workshop, date, pinned, bookings, state, fixed, done, ended)
    bookings, conflicts = _clocked_bay_unknown(bookings, fixed)  # where two cars were clocked in one still
    # Work clocked in the day's last minute holds it, to midnight; reported as ending a second
    # before, it is pinned the same (`PinnedOperation`: its first minute whole) and the re-plan's
    # moments stay on the day (else every live re-plan of the day failed, clockseq-s28).
    latest = day_end(workshop, date) - dt.timedelta(seconds=1)
    for b in bookings:  # the events as the clocked work is pinned (`_clocked_work_in_turn`)
        for p in b.pinned:
            if (b.id, p.operation) not in clocked_keys:
                continue
            assert p.end is not None
            started.append(OperationEvent(booking=b.id, operation=p.operation, at=p.start))
            end = min(p.end, latest)
            if (b.id, p.operation) in done:
                finished.append(OperationEvent(booking=b.id, operation=p.operation, at=end))
            else:
                overruns.append(Overrun(booking=b.id, operation=p.operation, expected_end=end))
    # Work clocked done within the minute it started still holds that minute (a plan's whole
    # minutes): the day is re-planned as of its end at least, else its finish read as reported after
    # now and every live re-plan of the day failed until the next event (hostile-s28).
    # So is work started a minute late after a job before it in its minute (`_clocked_work_in_turn`):
    # a job paused within its minute and its technician's next started in that minute began at the
    # next, after now, and the re-plan failed until the next event (lastmin13-s39).
    moments = [e.at for e in [*finished, *started] if e.at is not None]
    now = max([now, *moments]).astimezone(workshop.tz)
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
    # The bookings the live plan has on time stay in the day wherever a plan keeps them: judged
    # on the stored plan, not `current` (a booking planned before now and not clocked is still on
    # the board: it has not lost its place to a booking at risk).
    promised = on_time(request, before)
    plan = replan(
        rr.model_copy(update={"request": compiled.request}),
        planner="greedy",
        at_risk=at_risk,
        jump=jump,
        kept=promised,
    ).plan
    check = replan_check_request(rr)
    handover = service.rules.afternoon_handover
    plan = checked_plan(
        check, finish(check, plan, dropped), carry=True, keep=promised, afternoon_handover=handover
    )
    plan = with_changes(before, said_on_time(plan, promised), rr)
    plan = plan.model_copy(update={"clocked_bay_conflicts": conflicts})
    return service.store_plan(workshop.id, date, plan, PlanBasis(version, check), as_of_event)


def _clocked_work_in_bays(
    workshop: Workshop,
    date: dt.date,
    bookings: list[Booking],
    state: DayState,
    fixed: AbstractSet[tuple[str, int]],
    done: set[tuple[str, int]],
    ended: set[tuple[str, int]],
) -> list[Booking]:
    """The clocked work's pins (`bookings`, each from its start or resume) in turn and in bays: the
    moves of `_clocked_work_in_turn`, `_clocked_work_apart`, `_paused_out_of_the_bay`,
    `_clocked_work_matched` and `_paused_making_room`, in that order. Two cars may still share a
    bay (`_bays_clash`): `_clocked_bay_unknown` then reports the later."""
    guessed = bookings
    clocked_at = _clocked_at(bookings, state)
    paused = {key for key in clocked_at if state.ops[key].state == "paused"}
    in_turn = _clocked_work_in_turn(bookings, done | ended, day_end(workshop, date), clocked_at, paused)
    left = {key: track.last for key in done | ended if (track := state.ops[key]).last is not None}
    handed_over = _handed_over(left, clocked_at)
    bookings = _clocked_work_apart(workshop, in_turn, fixed, handed_over)
    if bookings is not in_turn:  # (a car moved: one moved to a bay a done car left in its minute
        # waits that minute there, as in its own)
        bookings = _clocked_work_in_turn(bookings, done | ended, day_end(workshop, date), clocked_at, paused)
    out = _paused_out(bookings, state, ended)
    bookings = _paused_out_of_the_bay(bookings, state, ended, out=out)  # where no other bay was free
    if out:  # work held to a pause within its minute holds that minute: the next in its bay after it
        bookings = _clocked_work_in_turn(
            bookings, done | ended | out.keys(), day_end(workshop, date), clocked_at, paused
        )
    # Where the moves were too short: the bays matched over the whole day. A car a minute late after
    # a handover there: the work after it on its technician or booking waits, as after the moves.
    matched = _clocked_work_matched(workshop, bookings, guessed, fixed, handed_over)
    if matched is not bookings and _starts(matched) != _starts(bookings):
        matched = _clocked_work_in_turn(
            matched, done | ended | out.keys(), day_end(workshop, date), clocked_at, paused
        )
    bookings = matched
    # Where no bays fit still: paused work out of its bay (and a car may follow it in its minute).
    made, cut = _paused_making_room(workshop, matched, guessed, fixed, state, ended, left, clocked_at)
    if cut and _starts(made) != _starts(matched):
        made = _clocked_work_in_turn(
            made, done | ended | out.keys() | cut, day_end(workshop, date), clocked_at, paused
        )
    return made


def _resumed_in_another_bay(
    workshop: Workshop,
    date: dt.date,
    pinned: list[Booking],
    placed: list[Booking],
    state: DayState,
    fixed: AbstractSet[tuple[str, int]],
    done: set[tuple[str, int]],
    ended: set[tuple[str, int]],
) -> list[Booking]:
    """Where the clocked work has no bays (`placed`: two cars still in one bay) with each job pinned
    from its first start: the day's pins (`pinned`) with work paused and resumed pinned from its
    resume instead, the first that leaves no two cars in one bay of: each such job alone, those of
    the cars `_clocked_bay_unknown` would report (either side) first, then the day's order; then all
    of them. Else `placed`. The clock takes each stretch of work on its own, in a bay of its own
    (`clocking.replay_in_bays`), so work paused and resumed with no bay named may have been resumed
    in another bay than it was first in; a pin is one stretch in one bay, and pinned from its first
    start the car (or one beside it) was left with no bay and reported, a conflict the clock had not
    seen (days 1185 and 2217 of clockbay13-s41's random three-bay days, pin13-s43). What it worked
    before its resume is counted in its expected end, and the shop floor's status still shows its
    clocked start and minutes (the clock's, not the pin's)."""
    first = _from_resume_past_other_work(pinned, state)
    resumed = [
        (b.id, p.operation)
        for b in first
        for p in b.pinned
        if (track := state.ops.get((b.id, p.operation))) is not None
        and track.resumed is not None
        and track.actual_start is not None
        and p.start < track.resumed.replace(second=0, microsecond=0)
    ]
    if not resumed:
        return placed
    _, conflicts = _clocked_bay_unknown(placed, fixed)
    involved = {(c.booking, c.operation) for c in conflicts} | {
        (b.id, p.operation) for c in conflicts for b in placed if b.id == c.with_booking for p in b.pinned
    }
    ordered = sorted(resumed, key=lambda key: key not in involved)
    tries = [{key} for key in ordered] + ([set(resumed)] if len(resumed) > 1 else [])
    for cut in tries:
        bookings = _clocked_work_in_bays(
            workshop, date, _from_resume_past_other_work(pinned, state, cut), state, fixed, done, ended
        )
        if not _bays_clash(workshop, bookings):
            return bookings
    return placed


LIVE_REPLAN_TRIES = 3
"""How many times a live re-plan is planned again at once when a booking change of the workshop
raced it (DayChanged); after that, once more in the background (`LiveReplans.replan`)."""


class LiveReplans:
    """The live re-plans of a shop floor's days: after each clock event in the background (one per
    day at a time, coalescing; the newest state wins) or inside its request, and for the days whose
    live plan lags their recorded events. `run` re-plans one day and pushes its status (the shop
    floor's: ShopFloor._live_replan)."""

    def __init__(
        self, service: PlanningService, run: Callable[[str, dt.date], object], background: bool | None = None
    ) -> None:
        self.service = service
        self.background = (
            os.environ.get(LIVE_REPLAN_ENVIRONMENT, "").strip().lower() != "sync"
            if background is None
            else background
        )
        """Re-plan after a clock event in the background (True), or inside its request (False)."""
        self._run = run
        self.replanner: Coalescer[tuple[str, dt.date]] = Coalescer(
            lambda key: self._background_replan(*key), "live-replan"
        )
        """The background re-plans, one per (workshop id, date) at a time, coalescing."""
        self._failed: dict[tuple[str, dt.date], int] = {}
        """(workshop id, date) → the newest event a re-plan failed for (logged; the stored plan stays)."""
        self.expedite = True
        """Each live re-plan moves the bookings at risk earlier where the plan has room (the guard
        feeds the plan); False: the re-plan ignores the guard."""
        self.jump = True
        """With `expedite`: a booking at risk may also go ahead of work that keeps its promise with
        time to spare (scheduler.replan.expedite); False: only into room the plan has."""

    def lag(
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
        self._run(workshop_id, date)

    def replan(
        self,
        workshop: Workshop,
        date: dt.date,
        state: DayState,
        now: dt.datetime,
        newest: int,
        last_try: bool = True,
    ) -> Plan | None:
        """Re-plan the rest of the day around the clocked work and store it; the stored plan (None
        if there is none) if that cannot be done.

        A booking change touching the day (or a change of the workshop's text) while the re-plan
        ran (DayChanged: the day's version moved) is no failure of the
        day: unless `last_try`, DayChanged is raised for the caller to plan again from the day as
        it is now (ShopFloor._live_replan); on the last try the day is asked for once more in the
        background. Before, it was logged as an error and the day's live plan stayed behind its
        newest event until the day's next event (tidy-s43, review-s43 #22)."""
        key = (workshop.id, date)
        try:
            plan = _replan(self.service, workshop, date, state, now, newest, self.expedite, self.jump)
            self._failed.pop(key, None)
            return plan
        except DayChanged:
            logger.info(
                "live re-plan of %s for %s after event %s: the workshop's bookings changed meanwhile,"
                " planned again from them",
                workshop.id,
                date,
                newest,
            )
            if not last_try:
                raise
            if self.background:  # once more after this run (Coalescer: the key is marked dirty)
                self.replanner.request(key)
            try:
                return self.service.stored_plan(workshop.id, date)
            except NotFound:
                return None
        except (InputError, Conflict, RuntimeError) as exc:
            self._failed[key] = newest
            logger.error(
                "live re-plan of %s for %s failed, the stored plan stays: %s", workshop.id, date, exc
            )
            try:
                return self.service.stored_plan(workshop.id, date)
            except NotFound:
                return None

    def catch_up(self) -> None:
        """Re-plan in the background every day whose live plan lags its recorded events (after a
        crash between an event's commit and its re-plan)."""
        with self.service.store.sessions() as session:
            days = plans_db.lagging_live_plans(session)
        for key in days:
            self.replanner.request(key)

    def close(self) -> None:
        self.replanner.close()


def _a_bay(workshop: Workshop, booking: Booking, operation: int) -> str:
    return bays_for(workshop, booking, operation)[0]


def _left_for_other_work(state: DayState, key: tuple[str, int]) -> bool:
    """Whether the operation `key` is paused and its technician clocked other work after the pause,
    or at its second (paused at 10:03:09 and the next job started at 10:03:09: else it was projected
    from now on him, over that job, and the re-plan failed, lastmin13-s39)."""
    track = state.ops[key]
    if track.state != "paused" or track.last is None:
        return False
    return any(
        other != key and op.technician == track.technician and op.last is not None and op.last >= track.last
        for other, op in state.ops.items()
    )


def _paused_out_of_the_bay(
    bookings: list[Booking],
    state: DayState,
    ended: set[tuple[str, int]],
    may_use: Callable[[str, PinnedOperation], AbstractSet[str | None]] | None = None,
    out: dict[tuple[str, int], dt.datetime] | None = None,
) -> list[Booking]:
    """Paused work whose bay (the plan's) another car was clocked into since the pause: that car is
    in the bay, so the paused one was moved out of it (waiting for a part, say). Held as clocked, to
    its pause, as when its technician went on to other work; planned again on resume. Projected
    from now in the bay, it overlapped that car and every live re-plan of the day failed when no
    other bay was free (clockseq-s28). After `_clocked_work_apart`: a car that could go to a free
    bay went there. With `may_use` ((booking, pin) → the bays that work may be in), paused work is
    held to its pause where a car clocked since may use its bay (`_paused_making_room`). `out`: the
    work to hold, if known (`_paused_out`)."""
    out = _paused_out(bookings, state, ended, may_use) if out is None else out
    if not out:
        return bookings
    minute = dt.timedelta(minutes=1)

    def held(bid: str, p: PinnedOperation) -> PinnedOperation:
        end = out[(bid, p.operation)]
        return PinnedOperation(operation=p.operation, bay=p.bay, technician=p.technician, start=p.start,
                               end=max(end, p.start + minute))  # fmt: skip

    return [
        b.model_copy(
            update={"pinned": [held(b.id, p) if (b.id, p.operation) in out else p for p in b.pinned]}
        )
        for b in bookings
    ]


def _paused_out(
    bookings: list[Booking],
    state: DayState,
    ended: set[tuple[str, int]],
    may_use: Callable[[str, PinnedOperation], AbstractSet[str | None]] | None = None,
) -> dict[tuple[str, int], dt.datetime]:
    """The paused work `_paused_out_of_the_bay` holds to its pause: its (booking, operation) → pause.
    A car started, or resumed, since the pause is in the bay since (a car paused before and resumed
    into it after counted as in it from its first start: the paused one was projected in the bay
    with it and one of them reported with no bay, days 2027-10-07 and 2027-12-08 of
    bench/clock_endofday13, mid narrow, lastmin13-s39)."""
    pins = [(b.id, p) for b in bookings for p in b.pinned]
    out: dict[tuple[str, int], dt.datetime] = {}

    def near(bid: str, q: PinnedOperation, bay: str | None) -> bool:
        return q.bay == bay if may_use is None else bay in may_use(bid, q)

    for bid, p in pins:
        key = (bid, p.operation)
        track = state.ops.get(key)
        if track is None or track.state != "paused" or track.last is None or key in ended:
            continue
        pause = track.last
        since = [_entered(state.ops[(o, q.operation)]) for o, q in pins
                 if (o, q.operation) != key and (o, q.operation) in state.ops
                 and near(o, q, p.bay)]  # fmt: skip
        if any(start is not None and start >= pause for start in since):
            out[key] = pause
    return out


def _entered(track: OpTrack) -> dt.datetime | None:
    """When the work last entered its bay: its resume, else its start."""
    return track.resumed if track.resumed is not None else track.actual_start


def _entries(state: DayState, key: tuple[str, int], pin: PinnedOperation) -> list[dt.datetime]:
    """When the clocked work `key` entered its bay, to the second (its start, its latest resume); its
    pin's start where it has no clocked track. Its pin's start is on the minute: work started at
    23:56:52 read as started before work paused at 23:56:27 and resumed after it, and that one was
    pinned from its start through it (day 2028-02-12 of bench/clock_endofday13, end narrow)."""
    track = state.ops.get(key)
    if track is None or track.actual_start is None:
        return [pin.start]
    return [track.actual_start, *([track.resumed] if track.resumed is not None else [])]


def _from_resume_past_other_work(
    bookings: list[Booking], state: DayState, also: AbstractSet[tuple[str, int]] = frozenset()
) -> list[Booking]:
    """Work paused and resumed is pinned from its resume if other clocked work started on its
    technician or in its bay while it was paused: a pin is one stretch, and from its first start it
    ran through that work, and every live re-plan of the day failed (clockseq-s28). So is work
    resumed in another bay than it was clocked in before (a pin is in one bay). What it worked
    before is already counted in its expected end. So is work started with no bay named and resumed
    into a bay other clocked work held since its start: it was not in that bay before (the clock
    takes each stretch of work on its own, `clocking.replay_in_bays`); pinned from its start it
    overlapped that work and one of them was reported with no bay (the day 2027-02-02 of
    bench/clock_endofday13, end three, lastmin13-s39). So is the resumed work in `also` ((booking,
    operation)): `_resumed_in_another_bay`."""
    pins = [(b.id, p) for b in bookings for p in b.pinned]
    minute = dt.timedelta(minutes=1)
    late: dict[tuple[str, int], dt.datetime] = {}
    for bid, p in pins:
        track = state.ops.get((bid, p.operation))
        if track is None or track.resumed is None or track.actual_start is None:
            continue
        between = track.actual_start, track.resumed
        into = track.bay if track.bay is not None and track.bay == p.bay else None  # (named on resume)
        if track.bay_changed or (bid, p.operation) in also or any(
            (other, q.operation) != (bid, p.operation)
            and (
                ((q.technician == p.technician or q.bay == p.bay)
                 and any(between[0] <= t < between[1] for t in _entries(state, (other, q.operation), q)))
                or (q.bay == into and q.start < between[1] and between[0] < (q.end or q.start + minute))
            )
            for other, q in pins
        ):  # fmt: skip
            late[(bid, p.operation)] = track.resumed
    if not late:
        return bookings

    def from_resume(bid: str, p: PinnedOperation) -> PinnedOperation:
        start = PinnedOperation(operation=p.operation, bay=p.bay, technician=p.technician,
                                start=late[(bid, p.operation)]).start  # fmt: skip
        end = max(p.end or start, start + dt.timedelta(minutes=1))  # its minute at least, as a pin
        return PinnedOperation(
            operation=p.operation, bay=p.bay, technician=p.technician, start=start, end=end
        )

    return [
        b.model_copy(update={"pinned": [from_resume(b.id, p) if (b.id, p.operation) in late else p
                                        for p in b.pinned]})
        for b in bookings
    ]  # fmt: skip


def _technician_of(key: tuple[str, int], pin: PinnedOperation) -> str:
    return pin.technician


def _booking_of(key: tuple[str, int], pin: PinnedOperation) -> str:
    return key[0]


def _bay_of(key: tuple[str, int], pin: PinnedOperation) -> str | None:
    return pin.bay


def _clocked_at(bookings: list[Booking], state: DayState) -> dict[tuple[str, int], dt.datetime]:
    """When each clocked pin's stretch was clocked on, to the second (its start, or its resume where
    it is pinned from there: `_from_resume_past_other_work`)."""
    at: dict[tuple[str, int], dt.datetime] = {}
    for b in bookings:
        for p in b.pinned:
            track = state.ops.get((b.id, p.operation))
            if track is None or track.actual_start is None:
                continue
            resumed = track.resumed
            from_resume = resumed is not None and resumed.replace(second=0, microsecond=0) == p.start
            at[(b.id, p.operation)] = resumed if from_resume and resumed is not None else track.actual_start
    return at


def _clocked_work_in_turn(
    bookings: list[Booking],
    done: set[tuple[str, int]],
    until: dt.datetime | None = None,
    clocked_at: Mapping[tuple[str, int], dt.datetime] | None = None,
    paused: AbstractSet[tuple[str, int]] = frozenset(),
) -> list[Booking]:
    """The clocked work one after another as it was done, in the whole minutes a plan holds. Work
    done within a minute of its start still holds that minute (`PinnedOperation`), so the
    technician's next job, or the booking's next operation, started within that minute (after the
    finish: the clock refuses it before) began before the work before it ended, and every live
    re-plan of the day failed ("overlaps pinned work", hostile-s28). So did the next car in the
    same bay (its bay as the stored plan has it: the clock names none) by another technician in
    that minute (clockseq-s28). Such work starts when the done work before it ends (a minute later
    per such job before it in that minute): the bay was shared for seconds, and a minute late in
    its planned bay is nearer what happened than the same minute in a bay the car was not in.
    Never to `until` (the day's end) or after: work clocked in the day's last minute after work
    done within it started at midnight, after the re-plan's now, and every live re-plan failed
    until the next event (day 2027-06-08 of the clockbay13-s38 probe, lastmin13-s38). There the
    done work ends when the next starts instead, a minute earlier than clocked where it must
    (`_done_work_moved_back`, and the done work before it back a minute each where it must); where
    work still running is in the way, both keep their clocked minute (a bay shared with a car whose
    bay was guessed is then sorted out as any two cars in one bay). `clocked_at`: when each pin was
    clocked on, to the second (`_clocked_at`): which of two jobs done within one minute came first.
    `paused`: paused work, taken in its minute as done work is (its pause clocked before the work
    after it; counted as running, a job started and done after the pause was drawn before it, the
    two minutes the wrong way round: day 2027-01-06 of bench/clock_endofday13, end narrow,
    clockleft13-s40); only the order: what waits for it is as `done` says."""
    minute = dt.timedelta(minutes=1)
    pins = {(b.id, p.operation): p for b in bookings for p in b.pinned}
    # The turn is the order the work was clocked in, as the pins were before any move: a move keeps
    # it (else a booking's next operation, started in the minute its done one was moved to by the
    # technician's turn, sorted before it and was not moved after it: "operation 1 starts before
    # operation 0 ends", the booking dropped and the re-plan failed, lastmin13-s39).
    stopped = done | paused if paused else done
    turn = {key: _in_turn_order(key, p, stopped, (clocked_at or {}).get(key)) for key, p in pins.items()}
    clocked = dict(pins)
    moved = False
    for _ in range(len(pins)):  # a move may make another: until none (at most one pass per pin)
        again = False
        for group_of in (_technician_of, _booking_of, _bay_of):
            before: dict[str, tuple[tuple[str, int], PinnedOperation]] = {}
            # In a minute, done work before work still running (the clock took its finish first,
            # and a job expected to take a minute ties with it: clockseq-s28).
            for key, p in sorted(pins.items(), key=lambda kp: turn[kp[0]]):
                group = group_of(key, p)
                if group is None:
                    continue  # (work with no bay holds none)
                last = before.get(group)
                # A bay is not clocked: two cars really in one bay at once (a start reported late)
                # go to bays free then (`_clocked_work_apart`); only the minute a done job holds
                # past its finish is waited out here (as clocked: a job moved a minute for the one
                # before it is still a handover, lastmin13-s39).
                held = clocked[last[0]].end if last is not None else None
                within = group_of is not _bay_of or (held is not None and held - clocked[key].start <= minute)
                if (
                    last is not None and last[0] in done and last[1].end is not None
                    and p.start < last[1].end and within
                ):  # fmt: skip
                    if until is not None and last[1].end >= until:  # never to the day's end
                        earlier = _done_work_moved_back(last[0], p.start, key, pins, done, turn)
                        if earlier:
                            pins.update(earlier)
                            again = moved = True
                    else:
                        start = last[1].end
                        end = p.end if p.end is not None and p.end >= start + minute else start + minute
                        p = PinnedOperation(
                            operation=p.operation, bay=p.bay, technician=p.technician, start=start, end=end
                        )
                        pins[key] = p
                        again = moved = True
                if group_of is not _bay_of or key in done or group not in before:
                    before[group] = (key, p)
                # (In a bay, the car after a done one waits out its minute even behind another car
                # still running there: those two are sorted out as two cars in one bay, after. Else
                # a car clocked into the bay in the done car's minute, after a car guessed there,
                # kept that minute and was reported with no bay: day 2027-08-12 of
                # bench/clock_endofday13, end three, lastmin13-s39.)
        if not again:
            break
    if not moved:
        return bookings
    return [b.model_copy(update={"pinned": [pins[(b.id, p.operation)] for p in b.pinned]}) for b in bookings]


Turn = tuple[dt.datetime, bool, dt.datetime, dt.datetime, tuple[str, int]]


def _in_turn_order(
    key: tuple[str, int],
    p: PinnedOperation,
    done: AbstractSet[tuple[str, int]],
    at: dt.datetime | None = None,
) -> Turn:
    """The order `_clocked_work_in_turn` takes clocked work in: by start; in a minute, done work
    (`done`: and paused work) before work still running (the clock took its finish first), then as
    clocked (`at`: to the second; two jobs of one technician done within a minute were else taken in
    the order of their ids, and the second one's next operation, moved after the first, overlapped
    it, lastmin13-s39)."""
    return p.start, key not in done, at or p.start, p.end or p.start, key


def _done_work_moved_back(
    first: tuple[str, int],
    by: dt.datetime,
    key: tuple[str, int],
    pins: dict[tuple[str, int], PinnedOperation],
    done: AbstractSet[tuple[str, int]],
    turn: Mapping[tuple[str, int], Turn],
) -> dict[tuple[str, int], PinnedOperation] | None:
    """The done work `first` ending by `by` (when the work `key` after it starts, in the day's last
    minute), from a minute before that at the latest (a pin holds its first minute whole); and each
    done job before it, of its technician, booking or bay, that then overlaps it ending when it
    starts, and so on back, a minute at a time: the moved pins. A job started and finished at
    23:59:59 is pinned 23:58-23:59, not started past midnight (after now); one done within 23:58
    before it on its technician or bay goes to 23:57 (three handovers within the day's last two
    minutes: the lone minute-earlier move gave up there, and the technician's next job overlapped
    the done one and the re-plan failed, or the next car in its bay went without one, reported as a
    clash the clock had not seen, lastmin13-s39). Each moved job keeps its bay, technician and
    order; its finish (and start, by a minute or more) is earlier than clocked: it took seconds, and
    the work still running is where and when it was clocked. None (nothing moves) where work of its
    technician or booking still running is in the way; a car still in its bay is left there (the
    two are sorted out as any two cars in one bay, `_clocked_work_apart` and on: giving up there
    left the technician's next job overlapping the done one, and the re-plan failed, day 2027-08-06
    of bench/clock_endofday13, end three). `turn`: the order the work was clocked in."""
    minute = dt.timedelta(minutes=1)
    moved: dict[tuple[str, int], PinnedOperation] = {}
    todo = [(first, by)]
    for _ in range(4 * len(pins) + 4):  # each step ends a done job a minute earlier at least
        if not todo:
            return moved
        k, end = todo.pop()
        q = moved.get(k, pins[k])
        if q.end is None or q.end <= end:
            continue
        start = min(q.start, end - minute)
        moved[k] = PinnedOperation(
            operation=q.operation, bay=q.bay, technician=q.technician, start=start, end=end
        )
        for other, o in pins.items():  # the work before it in its turn must end by its new start
            o = moved.get(other, o)
            if other in (k, key) or not (o.technician == q.technician or other[0] == k[0]
                                         or (o.bay is not None and o.bay == q.bay)):  # fmt: skip
                continue
            if turn[other] >= turn[k]:
                continue  # (after it: it ends no later than before)
            o_end = o.end if o.end is not None and o.end > o.start else o.start + minute
            if o_end <= start:
                continue
            if other not in done:
                if o.technician == q.technician or other[0] == k[0]:
                    return None  # (running work is where it was clocked)
                continue  # (a car in its bay: two cars in one bay are sorted out as such, after)
            todo.append((other, start))
    return None


def _minutes_held(pin: PinnedOperation) -> tuple[int, int]:
    """The minutes (since the epoch) a pin holds its bay, in whole minutes as the plan holds them
    (its start rounded down, its end up); running work, its first minute."""
    start = math.floor(pin.start.timestamp() / 60)
    return start, math.ceil(pin.end.timestamp() / 60) if pin.end is not None else start + 1


def _handed_over(
    left: Mapping[tuple[str, int], dt.datetime], clocked_at: Mapping[tuple[str, int], dt.datetime]
) -> Callable[[tuple[str, int], tuple[str, int]], bool]:
    """Whether the clocked work `key` came into a bay after `other` had left it, to the second
    (`left`: when done or paused work was last clocked, its finish or pause; `clocked_at`: when
    each pin's stretch was clocked on): a handover in one minute, which the clock takes."""

    def handed_over(key: tuple[str, int], other: tuple[str, int]) -> bool:
        gone, came = left.get(other), clocked_at.get(key)
        return gone is not None and came is not None and gone <= came

    return handed_over


def _clocked_work_apart(
    workshop: Workshop,
    bookings: list[Booking],
    fixed: AbstractSet[tuple[str, int]] = frozenset(),
    handed_over: Callable[[tuple[str, int], tuple[str, int]], bool] | None = None,
) -> list[Booking]:
    """The clocked work in bays that are free at its times. A clock event may name no bay: such a
    clocked operation is put in its bay of the stored plan, but that plan may since have moved it behind other
    work (a re-plan from an event ahead of a late-reported start): two cars pinned in one bay at once
    made every live re-plan of the rest of the day fail. Earlier-started work keeps its bay; later
    work moves to another bay it may use that is free then, if there is one; else, if the car in the
    bay it may use could be in another bay free for all its clocked time, that car moves there and
    the later one takes the bay (the clock's own check is such a matching, `clocking.replay_in_bays`:
    an express job in the general bay, the express lane free, and a job only the general bay takes,
    clocked on with it, onelift13-s29). Work clocked into a bay (`fixed`: (booking, operation)) is
    where the shop floor said: it takes its bay first and is never moved; the guessed work moves.
    Last, where neither frees a bay, the later work moves to a bay only done work held in its first
    minute, work it came after (`handed_over`: (its (booking, operation), the other's) → whether
    the other had left when it came, `_handed_over`): it starts there when that minute ends (the
    caller takes the clocked work in turn again, `_clocked_work_in_turn`). The clock took such a
    start as a handover; kept in a bay another car was clocked into, the car was reported with no
    bay (day 2030-01-15 of bench/clock_endofday13 600, mid three, clockleft13-s40)."""
    taken: dict[str, list[tuple[int, int, tuple[int, int]]]] = {}
    where: dict[tuple[int, int], str] = {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    pins = [(p.start, i, p) for i, b in enumerate(bookings) for p in b.pinned]
    stays = {(i, p.operation) for _, i, p in pins if (bookings[i].id, p.operation) in fixed}

    def free(bay: str, start: int, end: int, but: tuple[int, int] | None = None) -> bool:
        return all(end <= s or e <= start or key == but for s, e, key in taken.get(bay, ()))

    for _, i, p in sorted(
        pins, key=lambda pin: ((pin[1], pin[2].operation) not in stays, pin[0], pin[1], pin[2].operation)
    ):
        if p.bay is None:
            continue  # (work with no bay holds none)
        start, end = _minutes_held(p)
        me = (i, p.operation)
        bay = p.bay
        if me not in stays and not free(bay, start, end):
            mine = bays_for(workshop, bookings[i], p.operation)
            bay = next((c for c in mine if free(c, start, end)), bay)
        if me not in stays and not free(bay, start, end):
            for c in [bay, *(c for c in bays_for(workshop, bookings[i], p.operation) if c != bay)]:
                there = [key for s, e, key in taken.get(c, ()) if not (end <= s or e <= start)]
                if len(there) != 1:
                    continue
                other = there[0]
                if other in stays:
                    continue
                o_start, o_end = spans[other]
                elsewhere = next((d for d in bays_for(workshop, bookings[other[0]], other[1])
                                  if d != c and free(d, o_start, o_end, but=other)), None)  # fmt: skip
                if elsewhere is None:
                    continue
                taken[c] = [t for t in taken[c] if t[2] != other]
                taken.setdefault(elsewhere, []).append((o_start, o_end, other))
                where[other] = elsewhere
                bay = c
                break
        if me not in stays and not free(bay, start, end) and handed_over is not None:
            for c in bays_for(workshop, bookings[i], p.operation):
                there = [key for s, e, key in taken.get(c, ()) if not (end <= s or e <= start)]
                if there and all(
                    spans[o][1] == start + 1
                    and handed_over((bookings[i].id, p.operation), (bookings[o[0]].id, o[1]))
                    for o in there
                ):
                    bay = c
                    start, end = start + 1, max(end, start + 2)
                    break
        where[me] = bay
        spans[me] = (start, end)
        taken.setdefault(bay, []).append((start, end, me))
    moved = {key: bay for key, bay in where.items()
             if bay != next(q.bay for q in bookings[key[0]].pinned if q.operation == key[1])}  # fmt: skip
    if not moved:
        return bookings
    return [
        b.model_copy(update={"pinned": [
            p.model_copy(update={"bay": moved[(i, p.operation)]}) if (i, p.operation) in moved else p
            for p in b.pinned
        ]}) if any(key[0] == i for key in moved) else b
        for i, b in enumerate(bookings)
    ]  # fmt: skip


def _bays_clash(workshop: Workshop, bookings: list[Booking]) -> bool:
    """Whether two clocked pins hold a minute together in one bay."""
    pins = [p for b in bookings for p in b.pinned if p.bay is not None]
    index = {bay.id: n for n, bay in enumerate(workshop.bays)}
    return clashes([(*_minutes_held(p), index.get(p.bay or "", -1)) for p in pins])


def _paused_making_room(
    workshop: Workshop,
    bookings: list[Booking],
    guessed: list[Booking],
    fixed: AbstractSet[tuple[str, int]],
    state: DayState,
    ended: set[tuple[str, int]],
    left: Mapping[tuple[str, int], dt.datetime] | None = None,
    clocked_at: Mapping[tuple[str, int], dt.datetime] | None = None,
) -> tuple[list[Booking], set[tuple[str, int]]]:
    """Where the clocked work still has no bays for the whole day (`_clocked_work_matched` found
    none), paused work holds no bay a car clocked since its pause may use: held to its pause (as
    `_paused_out_of_the_bay`), and the bays matched again. The clock takes paused work as out of
    its bay (`clocking.replay_in_bays`) and accepts a start it leaves room for; held in its bay up
    to now (clocked there, so never moved), the paused car left that later car with no bay and a
    reported conflict the clock had not seen (day 2027-03-03 of the clockbay13-s38 probe,
    lastmin13-s38). Only where no bays fit otherwise: the paused car's rest stays projected in its
    bay where it is in nobody's way. Where that still leaves no bays, every paused job is held to
    its pause, and a car may follow it into its bay in the minute it left, where the clock saw it
    leave first (`left`, `clocked_at`: as `_handed_over` reads them, the pauses added): a paused
    car guessed in a bay another car needed only once a third moved (and one that a car came into
    seconds after its pause) left a car with no bay (clockbay13-s41's random three-bay days).
    Also the paused work held to its pause that second time (none: the first, or none needed)."""
    if not _bays_clash(workshop, bookings):
        return bookings, set()
    handed_over = _handed_over(left or {}, clocked_at) if clocked_at is not None else None

    by_id = {b.id: b for b in bookings}

    def may_use(bid: str, q: PinnedOperation) -> AbstractSet[str | None]:
        if (bid, q.operation) in fixed:
            return {q.bay}
        return set(bays_for(workshop, by_id[bid], q.operation))

    cut = _paused_out_of_the_bay(bookings, state, ended, may_use)
    matched = cut if cut == bookings else _clocked_work_matched(workshop, cut, guessed, fixed, handed_over)
    if not _bays_clash(workshop, matched) or clocked_at is None:
        return matched, set()
    out = {
        (b.id, p.operation): track.last
        for b in bookings
        for p in b.pinned
        if (track := state.ops.get((b.id, p.operation))) is not None
        and track.state == "paused"
        and track.last is not None
        and (b.id, p.operation) not in ended
    }
    if not out:
        return matched, set()
    every = _paused_out_of_the_bay(bookings, state, ended, out=out)
    paused_left = _handed_over({**(left or {}), **out}, clocked_at)
    again = _clocked_work_matched(workshop, every, guessed, fixed, paused_left)
    if _bays_clash(workshop, again):
        return matched, set()  # (no better: as before)
    return again, set(out)


def _clocked_work_matched(
    workshop: Workshop,
    bookings: list[Booking],
    guessed: list[Booking],
    fixed: AbstractSet[tuple[str, int]] = frozenset(),
    handed_over: Callable[[tuple[str, int], tuple[str, int]], bool] | None = None,
) -> list[Booking]:
    """The clocked work given bays over the whole day where the moves of `_clocked_work_apart` (one
    car out of the way at most) left two cars in one bay: each pin a bay it may use (`bays_for`),
    the work clocked into its bay (`fixed`) where it was, no two pins that hold a minute together
    (`_minutes_held`) in one bay, and as few pins as can be out of the bay they were guessed in
    (their bay in `guessed`: the stored plan's) (`solver.bay_matching`, a small CP-SAT model with a
    deterministic limit). A consistent set of bays may need two or more cars moved, one of them done
    hours before (the narrow probe's last no-bay pin, onelift13-s29). Where two pins share a bay no
    more, nothing is solved (the clock event's re-plan stays as cheap); where no such bays exist
    (or none is found within the limit) the pins stay as they were, and the later work goes without
    a bay and is reported (`_clocked_bay_unknown`). With `handed_over` (as `_clocked_work_apart`
    takes it), a pin may also take a bay done work held in its first minute, work the clock saw
    leave before it came, starting there a minute late (the caller takes the clocked work in turn
    again): a handover the whole day's bays need, with two cars or more moved (`_clocked_work_apart`
    moves one), left a car the clock had placed with no bay (clockbay13-s41)."""
    if not _bays_clash(workshop, bookings):
        return bookings
    pins = [(i, p) for i, b in enumerate(bookings) for p in b.pinned if p.bay is not None]
    held = [_minutes_held(p) for _, p in pins]
    index = {bay.id: n for n, bay in enumerate(workshop.bays)}
    if any(p.bay not in index for _, p in pins):
        return bookings  # (the re-plan gives every clocked pin one of the workshop's bays)
    guesses = {(b.id, p.operation): p.bay for b in guessed for p in b.pinned}
    keys = [(bookings[i].id, p.operation) for i, p in pins]
    work: list[HeldWork] = []
    for n, ((i, p), (start, end)) in enumerate(zip(pins, held, strict=True)):
        key = keys[n]
        assert p.bay is not None
        after = tuple(
            j for j, (s, e) in enumerate(held)
            if j != n and s <= start and e == start + 1 and handed_over(key, keys[j])
        ) if handed_over is not None else ()  # fmt: skip
        if key in fixed:
            work.append(HeldWork(start, end, (index[p.bay],), index[p.bay], after))
            continue
        mine = tuple(index[c] for c in bays_for(workshop, bookings[i], p.operation))
        guess = guesses.get(key, p.bay)
        work.append(HeldWork(start, end, mine, index.get(guess or ""), after))
    matched = match_bays(work)
    if matched.bays is None:
        logger.info("no bays for the clocked work of %s: %s", workshop.id, matched.status)
        return bookings
    bay_ids = [bay.id for bay in workshop.bays]
    now_in = {(i, p.operation): bay_ids[n] for (i, p), n in zip(pins, matched.bays, strict=True)}
    late = {(pins[n][0], pins[n][1].operation) for n in matched.late}
    minute = dt.timedelta(minutes=1)

    def placed(i: int, p: PinnedOperation) -> PinnedOperation:
        if (i, p.operation) not in now_in:
            return p
        if (i, p.operation) not in late:
            return p.model_copy(update={"bay": now_in[(i, p.operation)]})
        start = p.start + minute  # (on the minute: a pin's start is)
        end = max(p.end or start, start + minute)
        return PinnedOperation(
            operation=p.operation, bay=now_in[(i, p.operation)], technician=p.technician, start=start, end=end
        )

    return [b.model_copy(update={"pinned": [placed(i, p) for p in b.pinned]}) for i, b in enumerate(bookings)]


def _starts(bookings: list[Booking]) -> list[list[dt.datetime]]:
    """Each booking's pins' starts."""
    return [[p.start for p in b.pinned] for b in bookings]


def _clocked_bay_unknown(
    bookings: list[Booking],
    fixed: AbstractSet[tuple[str, int]] = frozenset(),
) -> tuple[list[Booking], list[ClockedBayConflict]]:
    """Clocked work still on a bay other clocked work held at the time (two technicians clocked on
    two cars whose only bay is one lift: after `_clocked_work_in_turn`, `_clocked_work_apart`,
    `_paused_out_of_the_bay` and `_clocked_work_matched`, no bay was free, no bays fit the whole
    day and no minute explains it). The clock is a fact, the bay
    the plan's guess (its clock event named none): the work started later (at one start, the later
    booking of the day) keeps its times and technician with no bay, holding none, and the conflict
    is reported (`Plan.clocked_bay_conflicts`). Pinned in the bay, it overlapped the other car and
    every live re-plan of the day failed ("overlaps pinned work … on bay", onelift13-s29). Work not
    started is planned as before: its bays are never double-booked. Work clocked into its bay
    (`fixed`) holds it first: a guessed bay gives way to a clocked one."""
    held: dict[str, list[tuple[int, int, str]]] = {}
    unknown: dict[tuple[int, int], ClockedBayConflict] = {}
    pins = [(p.start, i, p) for i, b in enumerate(bookings) for p in b.pinned]
    order = sorted(
        pins,
        key=lambda pin: (
            (bookings[pin[1]].id, pin[2].operation) not in fixed,
            pin[0],
            pin[1],
            pin[2].operation,
        ),
    )
    for _, i, p in order:
        if p.bay is None:
            continue
        start, end = _minutes_held(p)
        other = next((bid for s, e, bid in held.get(p.bay, ()) if start < e and s < end), None)
        if other is None:
            held.setdefault(p.bay, []).append((start, end, bookings[i].id))
            continue
        unknown[(i, p.operation)] = ClockedBayConflict(
            booking=bookings[i].id, operation=p.operation, bay=p.bay, with_booking=other
        )
    if not unknown:
        return bookings, []
    return [
        b.model_copy(update={"pinned": [
            p.model_copy(update={"bay": None}) if (i, p.operation) in unknown else p for p in b.pinned
        ]}) if any(key[0] == i for key in unknown) else b
        for i, b in enumerate(bookings)
    ], list(unknown.values())  # fmt: skip
