"""Re-planning during the day: started work stays pinned, the rest changes as little as it can."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from scheduler.availability import Availability, first_common_fit
from scheduler.clocking import car_words, operation_words
from scheduler.compiler import CompiledDay, PinCollision, PinsOutOfOrder, compile_request
from scheduler.contract import (
    Assignment,
    Booking,
    Change,
    PinnedOperation,
    Plan,
    PlanRequest,
    ReplanRequest,
    ReplanResult,
    Service,
    Unassigned,
    Workshop,
)
from scheduler.dispatch import dispatch, dispatch_order, pinned_placements, place_job, rank
from scheduler.errors import InputError
from scheduler.i18n import N_, Translator, enumerated, filled_in, moment_words
from scheduler.kpis import compute_kpis
from scheduler.multiday import part_service
from scheduler.planning import DEFAULT_PLANNER, to_plan
from solver.objective import objective
from solver.problem import DayProblem, DaySolution, Placement

EXPEDITE_MINUTES = 15
"""A booking at risk is moved only if its work then ends at least this much earlier (smaller gains
are not worth a changed plan)."""
SLACK_MINUTES = 30
"""A booking at risk goes ahead of another only if that one still ends this much before its
promise (or no later than it did)."""


def _events_index(rr: ReplanRequest) -> None:
    """Every event must name a booking and operation that exist, a reported time must have happened
    by `now`, and an overrun must end on the plan date."""
    services = {s.code: s for s in rr.request.workshop.services}
    bookings = {b.id: b for b in rr.request.bookings}
    tz, date = rr.request.workshop.tz, rr.request.date
    day_end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    for name, reports in (("started", rr.started), ("finished", rr.finished)):
        for i, reported in enumerate(reports):
            if reported.at is not None and reported.at > rr.now:
                raise InputError(
                    f"{name}[{i}].at",
                    N_("reported at %(at)s, after now (%(now)s)")
                    % {"at": moment_words(reported.at, tz, date), "now": moment_words(rr.now, tz, date)},
                )
    for i, overrun in enumerate(rr.overruns):
        if overrun.expected_end >= day_end:
            raise InputError(
                f"overruns[{i}].expected_end",
                N_("%(at)s is after the plan date %(date)s")
                % {"at": moment_words(overrun.expected_end, tz, date), "date": date},
            )
    for name, events in (("started", rr.started), ("finished", rr.finished), ("overruns", rr.overruns)):
        for i, event in enumerate(events):
            booking = bookings.get(event.booking)
            if booking is None:
                raise InputError(
                    f"{name}[{i}].booking",
                    N_("unknown booking %(event_booking)r") % {"event_booking": event.booking},
                )
            if event.operation >= len(services[booking.service].operations):
                count = len(services[booking.service].operations)
                raise InputError(
                    f"{name}[{i}].operation",
                    N_("%(car)s has no operation %(operation)s: operation counts from 0, up to %(last)s")
                    % {"car": car_words(booking), "last": count - 1, "operation": event.operation},
                )
    for i, ident in enumerate(rr.cancelled):
        if ident not in bookings:
            raise InputError(f"cancelled[{i}]", N_("unknown booking %(ident)r") % {"ident": ident})


def check_now_on_day(now: dt.datetime, workshop: Workshop, date: dt.date) -> None:
    """Re-planning from `now` needs a moment before the plan date is over (before it begins, the
    whole day is re-planned)."""
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=workshop.tz)
    if now >= end:
        local = now.astimezone(workshop.tz).isoformat(timespec="minutes")
        raise InputError(
            "now",
            N_("%(now)s is after the plan date %(date)s ended: a past day cannot be re-planned from now")
            % {"now": local, "date": date},
        )


def replan_request(rr: ReplanRequest) -> tuple[list[Booking], dt.datetime]:
    """The day's bookings with everything started by `now` pinned (overruns and finishes applied)."""
    request, plan, now = rr.request, rr.plan, rr.now
    if plan.workshop != request.workshop.id or plan.date != request.date:
        raise InputError("plan", N_("the current plan is for another workshop or date than the request"))
    check_now_on_day(now, request.workshop, request.date)
    _events_index(rr)
    # Work with no bay is a fact only as clocked work pinned with none (onelift13-s29): a plan's
    # bay-less work the request does not pin (a plan from a file) is not taken as started where
    # it stands, holding no bay, but planned again (review-s29).
    pinned_ops = {(b.id, p.operation) for b in request.bookings for p in b.pinned}
    current = {
        (a.booking, a.operation): a
        for a in plan.assignments
        if a.bay is not None or (a.booking, a.operation) in pinned_ops
    }
    started = {(e.booking, e.operation): e for e in rr.started}
    finished = {(e.booking, e.operation): e for e in rr.finished}
    overruns = {(e.booking, e.operation): e for e in rr.overruns}
    cancelled = set(rr.cancelled)

    pinned: dict[str, dict[int, PinnedOperation]] = {}
    as_planned: list[Assignment] = []
    for b in request.bookings:
        pins = {p.operation: p for p in b.pinned}
        operations = request.workshop.service(b.service).operations  # type: ignore[union-attr]
        for k in range(len(operations)):
            key = (b.id, k)
            a = current.get(key)
            reported = key in started or key in finished or key in overruns
            if not reported and (a is None or a.start >= now):
                continue  # not started: free to move
            if b.id in cancelled:
                raise InputError(
                    "cancelled",
                    N_("booking %(b_id)s has started work and cannot be cancelled") % {"b_id": b.id},
                )
            if not reported and k not in pins and a is not None:
                as_planned.append(a)  # nobody said: taken as started as planned (`_taken_as_planned`)
                continue
            base = pins.get(k)
            planned = base is None  # its bay, technician and start from the plan, not reported
            if base is None:
                if a is None:
                    raise InputError(
                        "started",
                        N_(
                            "booking %(b_id)s operation %(operation)d is reported but has no bay and"
                            " technician in the plan"
                        )
                        % {"b_id": b.id, "operation": k},
                    )
                base = PinnedOperation(
                    operation=k, bay=a.bay, technician=a.technician, start=a.start, end=a.end
                )
            start = started[key].at if key in started and started[key].at else base.start
            end = base.end
            if key in finished and finished[key].at is not None:
                end = finished[key].at
            elif key in overruns:
                end = overruns[key].expected_end
            if planned and a is not None and key not in started and end is not None and end <= a.start:
                # Reported done (or to end) by its planned start, its start not reported (POST
                # …/plans has no `started`): done by then, as an earlier operation by a later one's
                # reported start (`_done_by`); pinned as planned, it ended before it started.
                done = PinnedOperation(operation=k, bay=a.bay, technician=a.technician, start=end, end=end)
                pins[k] = _done_by(done, a, b, request, pinned)
                continue
            # Validated again, not copied: reported moments go on the whole minutes a plan holds.
            pins[k] = PinnedOperation(
                operation=k, bay=base.bay, technician=base.technician, start=start, end=end
            )
        pinned[b.id] = pins
    as_planned = _done_before_reported(pinned, as_planned, current, request)
    _taken_as_planned(pinned, as_planned, now)
    bookings: list[Booking] = []
    for b in request.bookings:
        if b.id in cancelled:
            continue
        pins = pinned.get(b.id, {})
        bookings.append(b.model_copy(update={"pinned": [pins[k] for k in sorted(pins)]}))
    known = {b.id for b in bookings}
    for i, walk_in in enumerate(rr.walk_ins):
        if walk_in.id in known or walk_in.id in cancelled:
            raise InputError(
                f"walk_ins[{i}].id",
                N_("booking id %(walk_in_id)r is already in the plan request") % {"walk_in_id": walk_in.id},
            )
        known.add(walk_in.id)
        bookings.append(walk_in)
    return bookings, now


def _done_before_reported(
    pinned: dict[str, dict[int, PinnedOperation]],
    as_planned: list[Assignment],
    current: Mapping[tuple[str, int], Assignment],
    request: PlanRequest,
) -> list[Assignment]:
    """A booking's operation reported (or pinned) while an operation before it is neither: the
    earlier one is taken as done by the later one's start, where its plan has it, pinned into
    `pinned`. Planned to start before that start: from its planned start to its planned end or
    that start, whichever is first (a repair reported started at 09:10 with its diagnosis planned
    09:00-09:24: diagnosis 09:00-09:10; review-s17 R3(b)). Planned to start at or after it: it
    must have been done before all the same, so it ends at that start, in its planned length on its
    planned bay and technician (diagnosis planned 10:00-10:24: 08:46-09:10) where that fits (after
    the drop-off and its technician's shift start, clear of reported work on its bay and
    technician); else it counts as done at that start with no time of its own, on the later one's
    bay and technician (`_done_by`). It was pinned as planned, and the re-plan refused "operation 2
    (repair) starts before its operation 1 (diagnosis) ends" (review-s18 R4). Returns `as_planned`
    without those."""
    taken: set[tuple[str, int]] = set()
    for b in request.bookings:
        pins = pinned.get(b.id)
        if not pins:
            continue
        for k in sorted(pins, reverse=True):
            later, i = pins[k], k - 1
            while i >= 0 and i not in pins and (a := current.get((b.id, i))) is not None:
                if a.start < later.start:
                    end = min(a.end, later.start)
                    pins[i] = PinnedOperation(
                        operation=i, bay=a.bay, technician=a.technician, start=a.start, end=end
                    )
                else:
                    pins[i] = _done_by(later, a, b, request, pinned)
                later = pins[i]
                taken.add((b.id, i))
                i -= 1
    return [a for a in as_planned if (a.booking, a.operation) not in taken]


def _done_by(
    later: PinnedOperation,
    a: Assignment,
    booking: Booking,
    request: PlanRequest,
    pinned: Mapping[str, Mapping[int, PinnedOperation]],
) -> PinnedOperation:
    """Operation `a` (planned at or after `later`'s start) done by `later`'s start: ending there in
    its planned length, bay and technician where that fits the day, else at that very moment with
    no time of its own on `later`'s bay and technician (where the vehicle then was)."""
    utc = dt.UTC
    end = later.start.astimezone(utc)
    start = end - (a.end - a.start)
    tech = next((t for t in request.workshop.technicians if t.id == a.technician), None)
    shift_start = (
        dt.datetime.combine(request.date, dt.time.fromisoformat(tech.shift.start), tzinfo=request.workshop.tz)
        if tech is not None
        else end
    )
    busy = any(
        ((p.bay is not None and p.bay == a.bay) or p.technician == a.technician)
        and p.start.astimezone(utc) < end
        and start < (p.end.astimezone(utc) if p.end is not None else end)  # (running: until then at least)
        for pins in pinned.values()
        for p in pins.values()
        if p is not later
    )
    if start >= booking.drop_off.astimezone(utc) and start >= shift_start.astimezone(utc) and not busy:
        return PinnedOperation(
            operation=a.operation, bay=a.bay, technician=a.technician, start=start, end=later.start
        )
    return PinnedOperation(
        operation=a.operation, bay=later.bay, technician=later.technician, start=later.start, end=later.start
    )


def _taken_as_planned(
    pinned: dict[str, dict[int, PinnedOperation]], as_planned: list[Assignment], now: dt.datetime
) -> None:
    """The plan's work before `now` that nobody reported (`as_planned`) pinned into `pinned` (each
    booking's operation → its pin) as started as planned, but no earlier than the work before it
    on its bay or technician ends (a reported late finish, an overrun) or than its own previous
    operation ends: "it finished 5 min late" pushes the next job, it does not contradict it. Work
    pushed to `now` or later has not started and stays free to move (so does what follows it in
    its booking). Reported times that overlap each other are left as given: the compiler names
    the collision."""
    held = [p for pins in pinned.values() for p in pins.values()]
    for a in sorted(as_planned, key=lambda a: (a.start, a.booking, a.operation)):
        own = pinned.setdefault(a.booking, {})
        if a.operation > 0 and (a.operation - 1 not in own or own[a.operation - 1].end is None):
            continue  # its previous operation has not started, or still runs: it has not started
        start, length = a.start, a.end - a.start
        if a.operation > 0:
            start = max(start, own[a.operation - 1].end or start)
        pushed = True
        while pushed:  # each push moves the start to a later end: it stops
            pushed = False
            for p in held:
                if (p.bay is None or p.bay != a.bay) and p.technician != a.technician:
                    continue  # (work with no bay holds none)
                ends = p.end if p.end is not None else max(now, p.start)  # running: at least until now
                if p.start < start + length and start < ends:  # the whole job overlaps it, not its start only
                    start, pushed = ends, True
        if start >= now:
            continue  # pushed past now: not started, planned again
        pin = PinnedOperation(
            operation=a.operation, bay=a.bay, technician=a.technician, start=start, end=start + length
        )
        own[a.operation] = pin
        held.append(pin)


def stable_hint(compiled: CompiledDay, ahead: Sequence[Collection[int]] = ()) -> DaySolution:
    """The current plan kept where it still holds; the rest dispatched around it (warm start and fallback).
    The bookings go in the order of their operations' old starts; `ahead`: groups of bookings (job
    indices) placed before the rest, the first group first (each in that order too)."""
    problem = compiled.problem
    availability = Availability(problem)
    placements = pinned_placements(problem)
    for pinned in placements.values():
        availability.reserve(pinned)
    unplaced: set[int] = set()

    def group(j: int) -> int:
        return next((g for g, jobs in enumerate(ahead) if j in jobs), len(ahead))

    order = sorted(
        dispatch_order(problem),
        key=lambda j: (
            group(j),
            min(
                (op.previous.start for op in problem.jobs[j].operations if op.previous and op.pin is None),
                default=10**9,
            ),
        ),
    )
    for j in order:
        job = problem.jobs[j]
        ready = job.release
        placed: list[tuple[int, Placement]] = []
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                ready = max(ready, op.pin.end)
                continue
            ready = max(ready, op.release)  # parts on order: never before they are in
            p: Placement | None = None
            before = op.previous
            if before is not None and before.start >= ready and before.technician in op.technicians:
                d = op.duration_of(before.technician)
                if before.bay in op.bays:
                    t_gaps = availability.tech_gaps(before.technician, before.start)
                    b_gaps = availability.bay_gaps(before.bay, before.start)
                    if first_common_fit(t_gaps, b_gaps, d) == before.start:
                        p = Placement(before.bay, before.technician, before.start, before.start + d)
            if p is None:
                p = availability.earliest(op, ready)
            if p is None:
                for _, q in placed:
                    availability.free(q)
                placed = []
                unplaced.add(j)
                break
            availability.reserve(p)
            placed.append((k, p))
            ready = p.end
        if j not in unplaced:
            placements.update({(j, k): p for k, p in placed})
    for j in unplaced:
        for k in range(len(problem.jobs[j].operations)):
            placements.pop((j, k), None)
    solution = DaySolution(placements=placements, unplaced=unplaced, status="feasible")
    solution.objective = objective(problem, solution)
    return solution


def _restack(
    problem: DayProblem, availability: Availability, i: int, before: dict[tuple[int, int], Placement]
) -> list[tuple[tuple[int, int], Placement]] | None:
    """Job `i`'s work not started placed again: where it was (`before`) if that still fits, else
    as early as it can (as `stable_hint` does); None (nothing reserved) if it does not fit."""
    job = problem.jobs[i]
    ready = job.release
    placed: list[tuple[tuple[int, int], Placement]] = []
    for k, op in enumerate(job.operations):
        if op.pin is not None:
            ready = max(ready, op.pin.end)
            continue
        ready = max(ready, op.release)
        prev = before.get((i, k))
        p: Placement | None = None
        if prev is not None and prev.start >= ready:
            t_gaps = availability.tech_gaps(prev.technician, prev.start)
            b_gaps = availability.bay_gaps(prev.bay, prev.start)
            if first_common_fit(t_gaps, b_gaps, prev.end - prev.start) == prev.start:
                p = prev
        if p is None:
            p = availability.earliest(op, ready)
        if p is None:
            for _, q in placed:
                availability.free(q)
            return None
        availability.reserve(p)
        placed.append(((i, k), p))
        ready = p.end
    return placed


def _last_end(placed: list[tuple[tuple[int, int], Placement]]) -> int:
    return max(p.end for _, p in placed)


def _jump(
    problem: DayProblem,
    availability: Availability,
    placements: dict[tuple[int, int], Placement],
    j: int,
    urgent: Collection[int],
) -> bool:
    """Job `j` (at risk, its work not started out of `availability`) placed ahead of the work
    queued on the technicians who could do it, that work placed again after it (where it was if it
    still fits, else as early as it can); kept (`placements` updated) if `j` then ends at least
    `EXPEDITE_MINUTES` earlier and none of the work it overtook ends later than it did or than
    `SLACK_MINUTES` before its own promise, whichever is later (nobody's promise is put at risk for
    it). Else everything stays as it was (False)."""
    job = problem.jobs[j]
    free = [k for k, op in enumerate(job.operations) if op.pin is None]
    old_end = max(placements[(j, k)].end for k in range(len(job.operations)))
    ready = max([job.release] + [op.pin.end for op in job.operations if op.pin is not None])
    techs = {t for k in free for t in job.operations[k].technicians}
    overtaken = {
        i
        for (i, k), p in placements.items()
        if i != j
        and i not in urgent
        and problem.jobs[i].operations[k].pin is None
        and p.technician in techs
        and p.start < old_end
        and p.end > ready
    }
    if not overtaken:
        return False
    out = {
        (i, k): p
        for (i, k), p in placements.items()
        if i in overtaken and problem.jobs[i].operations[k].pin is None
    }
    for p in out.values():
        availability.free(p)
    mine = place_job(availability, job, j)
    new: list[tuple[tuple[int, int], Placement]] = []
    ok = mine is not None and mine[-1].end <= old_end - EXPEDITE_MINUTES
    if ok:
        for i in sorted(overtaken, key=lambda i: min(p.start for (x, _), p in out.items() if x == i)):
            again = _restack(problem, availability, i, out)
            if again is None:
                ok = False
                break
            new += again
            was = max(placements[(i, k)].end for k in range(len(problem.jobs[i].operations)))
            due = problem.jobs[i].due
            if _last_end(again) > (was if due is None else max(was, due - SLACK_MINUTES)):
                ok = False
                break
    if ok and mine is not None:
        placements.update(dict(new))
        placements.update({(j, k): p for k, p in zip(free, mine, strict=True)})
        return True
    for _, p in new:
        availability.free(p)
    for p in mine or []:
        availability.free(p)
    for p in out.values():
        availability.reserve(p)
    return False


def expedite(
    problem: DayProblem, solution: DaySolution, jobs: Collection[int], jump: bool = True
) -> DaySolution:
    """The plan with bookings at risk (`jobs`) moved earlier where it has room: the most urgent
    first (earliest due), each has its work not started taken out and placed again as early as the
    rest of the plan allows (a free or faster technician, a gap earlier in the day), kept if its
    last operation then ends at least `EXPEDITE_MINUTES` earlier; failing that, placed ahead of
    work queued on the technicians who could do it where that work keeps its promise with
    `SLACK_MINUTES` to spare (`_jump`); else put back where it was."""
    availability = Availability(problem)
    # Started work holds its resources even where its booking is left out of the plan.
    for p in {**pinned_placements(problem), **solution.placements}.values():
        availability.reserve(p)
    placements = dict(solution.placements)
    order = sorted(
        (j for j in jobs if j not in solution.unplaced),
        key=lambda j: (problem.jobs[j].due if problem.jobs[j].due is not None else 10**9, j),
    )
    for j in order:
        job = problem.jobs[j]
        last = len(job.operations) - 1
        free = [k for k, op in enumerate(job.operations) if op.pin is None and (j, k) in placements]
        if not free or (j, last) not in placements or job.operations[last].pin is not None:
            continue
        before = [placements[(j, k)] for k in free]
        for p in before:
            availability.free(p)
        after = place_job(availability, job, j)
        if after is not None and after[-1].end <= placements[(j, last)].end - EXPEDITE_MINUTES:
            placements.update({(j, k): p for k, p in zip(free, after, strict=True)})
            continue
        for p in after or []:
            availability.free(p)
        if jump and _jump(problem, availability, placements, j, jobs):
            continue
        for p in before:
            availability.reserve(p)
    moved = DaySolution(placements=placements, unplaced=set(solution.unplaced), status=solution.status)
    moved.objective = objective(problem, moved)
    return moved


#: A change as `Change.summary` says it (in English, the contract's text; each also read back by
#: `change_words`). With the operation's name and without, the named first: the plain one would
#: take "1 (oil)" for the operation's number.
DONE_BY_NEXT_NAMED = N_(
    "%(booking)s op %(operation)s (%(name)s): %(before)s -> counted done at %(at)s, when op %(next)s started"
)
DONE_BY_NEXT = N_(
    "%(booking)s op %(operation)s: %(before)s -> counted done at %(at)s, when op %(next)s started"
)
DONE_AS_REPORTED_NAMED = N_(
    "%(booking)s op %(operation)s (%(name)s): %(before)s -> counted done at %(at)s, as reported"
)
DONE_AS_REPORTED = N_("%(booking)s op %(operation)s: %(before)s -> counted done at %(at)s, as reported")
MOVED_NAMED = N_("%(booking)s op %(operation)s (%(name)s): %(before)s -> %(after)s")
MOVED = N_("%(booking)s op %(operation)s: %(before)s -> %(after)s")
NEW_NAMED = N_("%(booking)s op %(operation)s (%(name)s): new at %(where)s")
NEW = N_("%(booking)s op %(operation)s: new at %(where)s")
REMOVED_NAMED = N_("%(booking)s op %(operation)s (%(name)s): %(where)s removed (%(why)s)")
REMOVED = N_("%(booking)s op %(operation)s: %(where)s removed (%(why)s)")
#: The most specific first: a "counted done" text is also a move to "counted done at …".
CHANGE_TEMPLATES = (
    DONE_BY_NEXT_NAMED, DONE_BY_NEXT, DONE_AS_REPORTED_NAMED, DONE_AS_REPORTED,
    MOVED_NAMED, MOVED, NEW_NAMED, NEW, REMOVED_NAMED, REMOVED,
)  # fmt: skip


def _where(a: Assignment, tz: dt.tzinfo, technicians: Mapping[str, str] | None = None) -> str:
    """Where and when an operation is: bay/technician HH:MM-HH:MM (the technician by name when
    `technicians` names him)."""
    who = (technicians or {}).get(a.technician, a.technician)
    return f"{a.bay or '–'}/{who} {a.start.astimezone(tz):%H:%M}-{a.end.astimezone(tz):%H:%M}"


def change_words(change: Change, workshop: Workshop, plates: Mapping[str, str], t: Translator) -> str:
    """A re-plan's change as the plan page says it, in `t`'s language: the car by its plate (its
    booking id without one), each place by its bay and the technician's name, from the change's
    own fields (`before`, `after`); what they do not hold (the operation's name, why it was
    removed, when it counted done) read back from the stored summary. A summary no change template
    made (an older wording) reads as `Translator.phrase` reads it."""
    for template in CHANGE_TEMPLATES:
        values = filled_in(template, change.summary)
        if values is not None:
            break
    else:
        return t.phrase(change.summary)
    names = {tech.id: tech.name for tech in workshop.technicians}
    values["booking"] = plates.get(change.booking) or change.booking
    for part, placed in (("before", change.before), ("after", change.after)):
        if part in values and placed is not None:
            values[part] = _where(placed, workshop.tz, names)
    placed = change.before or change.after
    if "where" in values and placed is not None:
        values["where"] = _where(placed, workshop.tz, names)
    if "why" in values:
        values["why"] = t.gettext(values["why"])
    if "name" in values:  # the operation's name as the workshop gives it in `t`'s language
        values["name"] = t.thing(values["name"])
    return t.fill(template, values)


def _operation(booking: str, k: int, rr: ReplanRequest, services: dict[str, str]) -> dict[str, object]:
    """A change's operation as people read it: numbered from 1 (as the phone page and the job
    cards number them; `Change.operation` stays the 0-based index), with its name where known.
    `services`: each booking's service code (looked up once per diff, not per change)."""
    workshop = rr.request.workshop
    code = services.get(booking)
    service = workshop.service(code) if code is not None else None
    name = service.operations[k].name if service is not None and k < len(service.operations) else None
    return {"booking": booking, "operation": k + 1, "name": name}


def diff(before: Plan, after: Plan, rr: ReplanRequest) -> list[Change]:
    tz = rr.request.workshop.tz
    old = {(a.booking, a.operation): a for a in before.assignments}
    new = {(a.booking, a.operation): a for a in after.assignments}
    walk_ins = {b.id for b in rr.walk_ins}
    cancelled = set(rr.cancelled)
    carried = {u.booking: u.operations for u in after.unassigned if u.operations is not None}
    services = {b.id: b.service for b in [*rr.walk_ins, *rr.request.bookings]}
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        booking, k = key
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None:
            if (a.bay, a.technician) != (b.bay, b.technician):
                kind = "reassigned"
            elif (a.start, a.end) != (b.start, b.end):
                kind = "moved"
            else:
                continue
            values = {**_operation(booking, k, rr, services), "before": _where(a, tz), "after": _where(b, tz)}
            following = new.get((booking, k + 1))
            if b.start == b.end and following is not None and following.start == b.start:
                # done by its next operation's reported start, no time of its own (`_done_by`)
                values |= {"at": f"{b.start.astimezone(tz):%H:%M}", "next": k + 2}
                summary = (DONE_BY_NEXT if values["name"] is None else DONE_BY_NEXT_NAMED) % values
            elif b.start == b.end:  # reported done before its planned start, no time of its own
                values |= {"at": f"{b.start.astimezone(tz):%H:%M}"}
                summary = (DONE_AS_REPORTED if values["name"] is None else DONE_AS_REPORTED_NAMED) % values
            else:
                summary = (MOVED if values["name"] is None else MOVED_NAMED) % values
            changes.append(
                Change(booking=booking, operation=k, kind=kind, before=a, after=b, summary=summary)
            )
        elif b is not None:
            kind = "added" if booking in walk_ins else "placed"
            values = {**_operation(booking, k, rr, services), "where": _where(b, tz)}
            summary = (NEW if values["name"] is None else NEW_NAMED) % values
            changes.append(Change(booking=booking, operation=k, kind=kind, after=b, summary=summary))
        elif a is not None:
            kind = "dropped" if booking in cancelled else "unassigned"
            why = N_("cancelled") if kind == "dropped" else N_("no room")
            if k in carried.get(booking, ()):
                why = N_("carried over to a later day")
            values = {**_operation(booking, k, rr, services), "where": _where(a, tz), "why": why}
            summary = (REMOVED if values["name"] is None else REMOVED_NAMED) % values
            changes.append(Change(booking=booking, operation=k, kind=kind, before=a, summary=summary))
    return changes


def with_changes(before: Plan, after: Plan, rr: ReplanRequest) -> Plan:
    """`after` with its changes against `before` (the plan it replaces), as a re-plan answers."""
    return after.model_copy(update={"changes": diff(before, after, rr)})


_PINNED = re.compile(r"bookings\[(\d+)\]\.pinned.*")


def _as_given(exc: InputError, rr: ReplanRequest, bookings: list[Booking]) -> InputError:
    """Started work that cannot be as given (one booking's operations out of order, two bookings'
    work on one bay or technician at once), named in the caller's input: the event or the
    booking's own pins that put it there (the later work's first, then the earlier one's, as an
    overrun running into the next job), not the request `replan_request` built from them."""
    if isinstance(exc, PinCollision):
        involved = [bookings[exc.bookings[1]].id, bookings[exc.bookings[0]].id]
    elif (found := _PINNED.fullmatch(exc.field)) is not None:
        involved = [bookings[int(found.group(1))].id]
    else:
        return exc
    if isinstance(exc, PinsOutOfOrder):  # said as people number operations, from 1, with names
        late = next(b for b in bookings if b.id == involved[0])
        where = _out_of_order(rr.request.workshop, late, exc.operation)
    else:
        where = N_("booking %(booking)s: %(reason)s") % {"booking": involved[0], "reason": exc.reason}
    for booking in involved:
        for name, events in (("overruns", rr.overruns), ("started", rr.started), ("finished", rr.finished)):
            for i, event in enumerate(events):
                if event.booking == booking:
                    return InputError(f"{name}[{i}]", where)
        for i, b in enumerate(rr.request.bookings):
            if b.id == booking and b.pinned:
                return InputError(f"request.bookings[{i}].pinned", where)
    return InputError("plan", where)  # started in the plan before `now`


def _out_of_order(workshop: Workshop, booking: Booking, k: int) -> str:
    """Operation `k` (0-based) of `booking` starting before its previous one ends, as a person
    reads it: "booking b5 operation 2 (repair) starts before its operation 1 (diagnosis) ends"."""
    service = workshop.service(booking.service)
    values = {
        "where": operation_words(workshop, booking, k),
        "previous": k,  # operation k - 1, numbered from 1
        "name": service.operations[k - 1].name if service is not None else None,
    }
    if values["name"] is None:
        return N_("%(where)s starts before its operation %(previous)s ends") % values
    return N_("%(where)s starts before its operation %(previous)s (%(name)s) ends") % values


def cut_to_clocked(request: PlanRequest, first: Mapping[str, int]) -> PlanRequest:
    """`request` with each booking of `first` (id → its first operation carried over) cut to the
    operations before that one: a booking of the part service of its service's first operations
    (scheduler.multiday.part_service, "MINOR:ops0-0"), which the workshop gets too, so that the day's
    share compiles like any booking (operations numbered as in the whole service)."""
    workshop = request.workshop
    services: dict[str, Service] = {}
    bookings: list[Booking] = []
    for b in request.bookings:
        if b.id not in first:
            bookings.append(b)
            continue
        whole = workshop.service(b.service)
        assert whole is not None  # compiled before it was cut
        part = part_service(whole, 0, first[b.id] - 1)
        services[part.code] = part
        bookings.append(b.model_copy(update={"service": part.code}))
    known = {s.code for s in workshop.services}
    extra = [s for code, s in services.items() if code not in known]
    cut = workshop.model_copy(update={"services": [*workshop.services, *extra]}) if extra else workshop
    return request.model_copy(update={"workshop": cut, "bookings": bookings})


def stuck_bookings(request: PlanRequest, plan: Plan, carried: Mapping[str, int]) -> dict[str, int]:
    """The bookings `plan` leaves out although they have clocked (pinned) work and operations after
    it: the clocked work leaves the rest no room today. Id → the first operation after the last
    pinned one (from there the booking carries over)."""
    out = {u.booking for u in plan.unassigned if u.operations is None}
    stuck: dict[str, int] = {}
    for b in request.bookings:
        if b.id not in out or b.id in carried or not b.pinned:
            continue
        service = request.workshop.service(b.service)
        first = max(p.operation for p in b.pinned) + 1
        if service is not None and first < len(service.operations):
            stuck[b.id] = first
    return stuck


def carried_over(request: PlanRequest, plan: Plan, first: Mapping[str, int]) -> Plan:
    """`plan` (of `request` with the bookings of `first` cut to their clocked work) as a plan of
    `request`: each cut booking listed unassigned with the operations that carry over and why, and
    not counted placed by the KPIs (it is not finished today; its clocked work still counts as
    worked time)."""
    if not first:
        return plan
    extra: list[Unassigned] = []
    for b in request.bookings:
        if b.id not in first:
            continue
        operations = request.workshop.service(b.service).operations  # type: ignore[union-attr]
        rest = list(range(first[b.id], len(operations)))
        if len(rest) == 1:
            template = N_(
                "op %(operations)s (%(operation_names)s) does not fit today after the clocked work: it"
                " carries over to a later day"
            )
        else:
            template = N_(
                "ops %(operations)s (%(operation_names)s) do not fit today after the clocked work: they"
                " carry over to a later day"
            )
        reason = template % {
            "operations": enumerated(str(k + 1) for k in rest),  # numbered from 1, as people read them
            "operation_names": enumerated(operations[k].name for k in rest),  # data: as given
        }
        extra.append(Unassigned(booking=b.id, reason=reason, operations=rest))
    unassigned = [*plan.unassigned, *extra]
    out = {u.booking for u in unassigned}
    placed = {a.booking for a in plan.assignments} - out
    kpis = compute_kpis(request, plan.assignments, placed)
    return plan.model_copy(update={"unassigned": unassigned, "kpis": kpis})


def on_time(request: PlanRequest, plan: Plan) -> set[str]:
    """The bookings of `request` that `plan` places whole (every operation, none carried over) and
    on time (its last operation ends by the promised pickup; any end without one): those a re-plan
    keeps (`JobData.kept`) wherever some plan keeps them."""
    out = {u.booking for u in plan.unassigned}
    ends: dict[str, list[dt.datetime]] = {}
    for a in plan.assignments:
        ends.setdefault(a.booking, []).append(a.end)
    kept: set[str] = set()
    for b in request.bookings:
        service = request.workshop.service(b.service)
        mine = ends.get(b.id, [])
        if b.id in out or service is None or len(mine) != len(service.operations):
            continue
        if b.promised is None or max(mine) <= b.promised:
            kept.add(b.id)
    return kept


WAS_ON_TIME = N_("on time in the plan before this re-plan, now left out: %(reason)s")
"""The reason of a booking a re-plan leaves out that the plan before it had on time (`said_on_time`)."""


def said_on_time(plan: Plan, kept: Collection[str]) -> Plan:
    """`plan` with the reason of each booking it leaves out (whole, or carried over) that the plan
    before this re-plan had on time (`kept`, `on_time`) saying so: the foreman reads that a promise
    the day had kept is now lost, not only that the day is full. Said once (the validator gate's
    plan may be the re-plan's own, already said)."""
    said = WAS_ON_TIME.split("%", 1)[0]
    if not any(u.booking in kept and not u.reason.startswith(said) for u in plan.unassigned):
        return plan
    unassigned = [
        u.model_copy(update={"reason": WAS_ON_TIME % {"reason": u.reason}})
        if u.booking in kept and not u.reason.startswith(said)
        else u
        for u in plan.unassigned
    ]
    return plan.model_copy(update={"unassigned": unassigned})


def keeping(compiled: CompiledDay, jobs: Collection[int]) -> CompiledDay:
    """`compiled` with the bookings `jobs` (indices) kept (`JobData.kept`: CP-SAT keeps them placed,
    `rank` counts the kept ones left out first) and no other."""
    problem = compiled.problem
    marked = tuple(
        job if job.kept == (j in jobs) else replace(job, kept=j in jobs) for j, job in enumerate(problem.jobs)
    )
    return replace(compiled, problem=replace(problem, jobs=marked))


def clocked_first(request: PlanRequest, previous: Plan) -> Plan:
    """The dispatcher's plan of `request`: the bookings with clocked (pinned) work placed first,
    around nothing but clocked work (scheduler.dispatch), so one it leaves out has no room today."""
    compiled = compile_request(request, previous=previous)
    return to_plan(compiled, dispatch(compiled.problem), "greedy")


def _plan_rest(
    rr: ReplanRequest,
    request: PlanRequest,
    bookings: list[Booking],
    planner: str,
    at_risk: Collection[str],
    jump: bool,
    kept: Collection[str] = (),
    clocked: bool = False,
) -> Plan:
    """The rest of the day planned around the clocked work: the current plan kept where it still
    holds (`stable_hint`), the bookings at risk moved earlier (`expedite`), then the planner's search
    from there. `kept`: the bookings the current plan has on time; where the stable plan leaves one
    out, the stable plan with the kept bookings placed first is taken if it leaves fewer out
    (`rank`), and CP-SAT keeps every kept booking that plan places. `clocked`: the bookings with
    clocked work placed first (`clocked_first`'s order, kept stable)."""
    try:
        compiled = compile_request(request, previous=rr.plan)
    except InputError as exc:
        raise _as_given(exc, rr, bookings) from None
    mine = {j for j, b in enumerate(compiled.bookings) if b.id in kept}
    compiled = keeping(compiled, mine)
    pinned = {j for j, job in enumerate(compiled.problem.jobs) if job.pinned}
    ahead: list[Collection[int]] = [pinned] if clocked else []
    hint = stable_hint(compiled, ahead)
    if mine & hint.unplaced:
        # A kept booking whose old place is gone (an overrun, or planned before now and not
        # clocked) came after work that took its room: with the kept ones first it may fit.
        first = stable_hint(compiled, [*ahead, mine])
        if rank(compiled.problem, first) < rank(compiled.problem, hint):
            hint = first
    if planner == "cpsat" and pinned & hint.unplaced:
        # CP-SAT places every booking with clocked work: its start (and the kept bookings it must
        # place, below) from a plan that places them too, where the stable one does not.
        first = stable_hint(compiled, [pinned, mine])
        if not pinned & first.unplaced:
            hint = first
    # Only what the plan keeps is kept: CP-SAT then never searches a model no plan satisfies.
    compiled = keeping(compiled, mine - hint.unplaced)
    if at_risk:
        urgent = [j for j, b in enumerate(compiled.bookings) if b.id in at_risk]
        hint = expedite(compiled.problem, hint, urgent, jump)
    if planner == "cpsat":
        from scheduler.optimise import optimise

        solution = optimise(compiled, hint=hint)
    else:
        solution = hint
    return to_plan(compiled, solution, planner)


def replan(
    rr: ReplanRequest,
    planner: str = DEFAULT_PLANNER,
    at_risk: Collection[str] = (),
    jump: bool = True,
    kept: Collection[str] | None = None,
) -> ReplanResult:
    """Re-plan from `rr.now`; the bookings `at_risk` (the promise guard's) moved earlier where the
    plan has room (`expedite`; `jump`: also ahead of work that keeps its promise anyway).

    A booking the current plan places on time (`kept`, default `on_time` of `rr.plan`) is never
    left out for another booking (one at risk, one of a higher priority) where a plan keeping it
    is found; where none is (overruns left it no room), it is listed unassigned, and the live
    day's status has it at risk.

    Clocked work stays as clocked. A booking whose clocked work leaves the rest of it no room
    today (a diagnosis clocked late, its repair fitting no shift left) would make every plan
    invalid: such a booking is cut to its clocked work and its other operations carry over (listed
    unassigned with those operations, `carried_over`), the planner's own verdict deciding which
    (the bookings with pinned work it leaves out, cut one round after another until none is)."""
    bookings, now = replan_request(rr)
    options = rr.request.options.model_copy(update={"not_before": now})
    request = rr.request.model_copy(update={"bookings": bookings, "options": options})
    if kept is None:
        kept = on_time(request, rr.plan)
    plan = _plan_rest(rr, request, bookings, planner, at_risk, jump, kept)
    first: dict[str, int] = {}
    for _ in range(len(bookings)):  # each round cuts at least one more booking, or ends
        if not stuck_bookings(request, plan, first):
            break
        # The planner's verdict alone cut too much: the stable plan places the bookings in their
        # old order, and a repair whose old place is gone (before now, not clocked) came after
        # unstarted work that took its room. Carried over is only what does not fit even with the
        # bookings with clocked work placed first; if that places them all, its plan is the day's.
        # It is the stable plan with those bookings first (the planner's, kept promises and
        # bookings at risk as above), so the rest of the day moves as little as it can; the
        # dispatcher's plan (as the validator gate's fallback made it before carrying over) only
        # where that one still leaves one of them out.
        cut = cut_to_clocked(request, first)
        ahead = _plan_rest(rr, cut, bookings, planner, at_risk, jump, kept, clocked=True)
        if stuck_bookings(request, ahead, first):
            plain = clocked_first(cut, rr.plan)
            if not stuck_bookings(request, plain, first):
                ahead = plain
        stuck = stuck_bookings(request, ahead, first)
        if not stuck:
            plan = ahead
            break
        first.update(stuck)
        plan = _plan_rest(rr, cut_to_clocked(request, first), bookings, planner, at_risk, jump, kept)
    plan = said_on_time(carried_over(request, plan, first), kept)
    return ReplanResult(plan=plan, changes=diff(rr.plan, plan, rr))
