"""Why a booking is not in the plan, computed from the workshop and the plan, in a foreman's words.

Each reason is made from templates marked with `N_` (and so in the catalogs); the pages and the
command line show it in the reader's language with `Translator.phrase`. Plans store it in English.
"""

from __future__ import annotations

from scheduler.availability import Availability, first_fit
from scheduler.compiler import CompiledDay, parts_release
from scheduler.contract import GRADE_NAMES, Operation, Service
from scheduler.i18n import N_, moment_words
from solver.problem import DayProblem, DaySolution, OperationData, Placement

#: The weekdays as reasons name them (`date.weekday()` order), marked for translation.
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))  # fmt: skip
#: The technicians' grades as reasons name them (contract.GRADE_NAMES), marked for translation.
GRADE_WORDS = (N_("apprentice"), N_("junior"), N_("intermediate"), N_("senior"), N_("master"))
#: The bundled scenarios' skills as reasons name them, marked for translation (a workshop's own
#: skills read as written).
SKILL_WORDS = (N_("maintenance"), N_("diagnosis"), N_("mechanical"), N_("electrical"), N_("hv"))


def _who(op: Operation, desk: bool = False) -> str:
    if desk:  # the front desk's short form (issue 16): the grade's name adds nothing to its number
        return N_("%(skill)s technician grade >= %(grade)s") % {"skill": op.skill, "grade": op.min_grade}
    return N_("%(skill)s technician with grade >= %(grade)s (%(grade_name)s)") % {
        "skill": op.skill,
        "grade": op.min_grade,
        "grade_name": GRADE_NAMES[op.min_grade],
    }


def _takes(op_data: OperationData) -> str:
    """The minutes the work takes the qualified technicians, each at their own efficiency."""
    low, high = min(op_data.durations), max(op_data.durations)
    return f"{low}" if low == high else f"{low}-{high}"


def _end(compiled: CompiledDay, op_data: OperationData) -> str:
    """The latest time the work may end: the last qualified technician's day end (overtime
    included); a new booking has no promise yet, so that is the only limit."""
    techs = compiled.problem.technicians
    return compiled.clock.hhmm(max(techs[t].day_end for t in op_data.technicians))


def _detail(compiled: CompiledDay, j: int, op: Operation, ready: int, longest: str) -> str:
    """The desk reason's short second clause: the longest stretch there is (`longest`, a
    filled-in template), after the time the work can start when later than the drop-off (parts,
    an earlier operation) and the operation when the service has several."""
    detail = longest
    if ready > compiled.clock.minutes(compiled.bookings[j].drop_off, round_up=True):
        detail = N_("from %(after)s, %(detail)s") % {"after": _after(compiled, ready), "detail": detail}
    if len(compiled.services[j].operations) > 1:
        detail = N_("for operation '%(operation)s', %(detail)s") % {"operation": op.name, "detail": detail}
    return detail


def _bays_wording(op: Operation) -> str:
    return N_("%(kinds)s bays") % {"kinds": "/".join(op.bay_kinds)}


def _after(compiled: CompiledDay, ready: int) -> str:
    """The time a booking is ready from, as a foreman says it: a car left on an earlier day is
    ready from the opening (never "after 00:00")."""
    opening = compiled.clock.wall(compiled.workshop.opening_window()[0])
    return compiled.clock.hhmm(max(ready, opening))


def _no_bay(compiled: CompiledDay, j: int, op: Operation, service: Service, desk: bool = False) -> str:
    booking = compiled.bookings[j]
    kinds = [b for b in compiled.workshop.bays if b.kind in op.bay_kinds]
    values = {"operation": op.name, "bays": _bays_wording(op)}
    if not kinds:
        if desk:
            return N_("the workshop has no %(bays)s (operation '%(operation)s')") % values
        return N_("operation '%(operation)s': the workshop has no %(bays)s") % values
    if all(b.kind == "express" for b in kinds) and not service.express:
        if desk:
            return N_(
                "only express lanes fit operation '%(operation)s', and %(service)s is not an express service"
            ) % {"operation": op.name, "service": service.code}
        return N_(
            "operation '%(operation)s': only express lanes fit it, and %(service)s is not an express service"
        ) % {"operation": op.name, "service": service.code}
    if booking.fleet_partner and not compiled.request.options.allow_fleet_overflow:
        if desk:
            return N_(
                "fleet overflow is forbidden and partner %(partner)s has no %(bays)s"
                " (operation '%(operation)s')"
            ) % {**values, "partner": booking.fleet_partner}
        return N_(
            "operation '%(operation)s': fleet overflow is forbidden and partner %(partner)s has no %(bays)s"
        ) % {**values, "partner": booking.fleet_partner}
    if desk:
        return N_("all %(bays)s are reserved for fleet partners (operation '%(operation)s')") % values
    return N_("operation '%(operation)s': every %(bays)s is reserved for a fleet partner") % values


def _static_reason(compiled: CompiledDay, j: int, desk: bool = False) -> str | None:
    """Reasons that hold whatever else is planned: no bay, no technician, no time left."""
    problem = compiled.problem
    job = problem.jobs[j]
    service = compiled.services[j]
    ready = job.release
    booking = compiled.bookings[j]
    clock = compiled.clock
    if booking.parts_eta is not None and parts_release(booking, service, clock) >= clock.horizon:
        # Parts due after the day (their release clamped to its end): no start today at all.
        when = moment_words(booking.parts_eta, compiled.workshop.tz, compiled.request.date)
        return N_("parts arrive %(when)s") % {"when": when}
    for op_data, op in zip(job.operations, service.operations, strict=True):
        if op_data.pin is not None:
            ready = max(ready, op_data.pin.end)
            continue
        ready = max(ready, op_data.release)  # parts on order: this operation waits for them
        if not op_data.bays:
            return _no_bay(compiled, j, op, service, desk)
        if not op_data.technicians:
            values = {
                "operation": op.name,
                "who": _who(op, desk),
                "weekday": WEEKDAYS[compiled.request.date.weekday()],
            }
            if desk:
                return N_("no %(who)s on shift %(weekday)s (operation '%(operation)s')") % values
            return N_("operation '%(operation)s': no %(who)s on shift %(weekday)s") % values
        ends = []
        longest = 0
        for t, d in zip(op_data.technicians, op_data.durations, strict=True):
            gaps = [(max(s, ready), e) for s, e in problem.technicians[t].windows() if e > ready]
            longest = max([longest, *(e - s for s, e in gaps)])
            start = first_fit(gaps, d)
            if start is not None:
                ends.append(start + d)
        if not ends:
            blocks = _blocks(problem, op_data, ready)
            if desk:
                return _desk_technicians(compiled, j, op_data, op, ready, blocks, True)
            short: dict[str, object] = {
                "operation": op.name,
                "need": min(op_data.durations),
                "who": _who(op),
                "after": _after(compiled, ready),
                "longest": longest,
            }
            whose = _whose(compiled, op_data, blocks)
            if whose is not None:
                return N_(
                    "operation '%(operation)s': needs %(takes)s min of a %(who)s after %(after)s;"
                    " the longest working block left is %(longest)s min, %(name)s's, who needs %(need)s min"
                ) % {**short, "takes": _takes(op_data), **whose}
            return (
                N_(
                    "operation '%(operation)s': needs %(need)s min of a %(who)s after %(after)s;"
                    " the longest working block left is %(longest)s min"
                )
                % short
            )
        ready = min(ends)
    return None


def _whose(
    compiled: CompiledDay, op_data: OperationData, stretches: dict[int, int]
) -> dict[str, object] | None:
    """Where the qualified technicians take the work at different paces (durations 72-90): whose
    the longest stretch is (`name`, of the one that needs the least where several have it) and the
    minutes that technician needs (`need`). "72-90 min … (longest free 73 min)" read as if the car
    fitted: the 73 minutes were a technician's who needs 90 (review-s42). None: one pace for all."""
    if min(op_data.durations) == max(op_data.durations):
        return None
    takes = dict(zip(op_data.technicians, op_data.durations, strict=True))
    holder = max(op_data.technicians, key=lambda t: (stretches.get(t, 0), -takes[t]))
    return {"name": compiled.frame.workshop.technicians[holder].name, "need": takes[holder]}


def _blocks(problem: DayProblem, op_data: OperationData, ready: int) -> dict[int, int]:
    """Each qualified technician's longest working block from `ready` on (bookings aside)."""
    return {
        t: max((e - max(s, ready) for s, e in problem.technicians[t].windows() if e > ready), default=0)
        for t in op_data.technicians
    }


def _desk_technicians(
    compiled: CompiledDay,
    j: int,
    op_data: OperationData,
    op: Operation,
    ready: int,
    stretches: dict[int, int],
    blocks: bool,
) -> str:
    """The front desk's "no paint technician grade >= 3 has 140 min before 17:30" (issue 16):
    none of them has the time the work takes them (each at their own efficiency) in one piece
    between when it can start and their day's end. `stretches`: each one's longest stretch from
    then on (working blocks when `blocks`, else free time). Technicians whose day is over by then
    are left out when others are not."""
    techs = compiled.problem.technicians
    takes = dict(zip(op_data.technicians, op_data.durations, strict=True))
    still = [t for t in op_data.technicians if techs[t].day_end > ready] or list(op_data.technicians)
    low, high = min(takes[t] for t in still), max(takes[t] for t in still)
    if low == high:
        longest = max(stretches[t] for t in still)
        template = (
            N_("longest working block %(longest)s min") if blocks else N_("longest free %(longest)s min")
        )
        clause = template % {"longest": longest}
    else:  # at their own pace: the nearest to fitting, lest "longest free 110 min" read as room for 100
        nearest = min(still, key=lambda t: takes[t] - stretches[t])
        clause = N_("at best %(free)s of the %(need)s min") % {
            "free": stretches[nearest],
            "need": takes[nearest],
        }
    return N_("no %(who)s has %(minutes)s min before %(end)s (%(detail)s)") % {
        "who": _who(op, desk=True),
        "minutes": f"{low}" if low == high else f"{low}-{high}",
        "end": _end(compiled, op_data),
        "detail": _detail(compiled, j, op, ready, clause),
    }


def _capacity_reason(
    compiled: CompiledDay, j: int, availability: Availability, reserved: list[Placement], desk: bool = False
) -> str:
    """Why booking j does not fit in `availability`; what it reserves on the way is in `reserved`."""
    problem = compiled.problem
    job = problem.jobs[j]
    service = compiled.services[j]
    ready = job.release
    for op_data, op in zip(job.operations, service.operations, strict=True):
        if op_data.pin is not None:
            ready = max(ready, op_data.pin.end)
            continue
        ready = max(ready, op_data.release)
        placement = availability.earliest(op_data, ready)
        if placement is None:
            if desk:  # the desk asks about this booking alone: who else took the room is the plan's
                return _bottleneck(compiled, op_data, op, ready, availability, j)
            why = _bottleneck(compiled, op_data, op, ready, availability)
            return _displaced(compiled, j, why)
        availability.reserve(placement)
        reserved.append(placement)
        ready = placement.end
    return N_("not placed within the time limit (it would still fit: re-plan to place it)")


def _bottleneck(
    compiled: CompiledDay,
    op_data: OperationData,
    op: Operation,
    ready: int,
    availability: Availability,
    desk_for: int | None = None,
) -> str:
    """Which resource runs out: technicians (each against its own duration), bays, or their overlap.
    `desk_for`: the booking's index, for the front desk's wording (issue 16)."""
    after = _after(compiled, ready)
    need = min(op_data.durations)
    tech_fits = [
        t
        for t, d in zip(op_data.technicians, op_data.durations, strict=True)
        if first_fit(availability.tech_gaps(t, ready), d) is not None
    ]
    bay_gap = max((e - s for b in op_data.bays for s, e in availability.bay_gaps(b, ready)), default=0)
    if not tech_fits:
        free = {
            t: max((e - s for s, e in availability.tech_gaps(t, ready)), default=0)
            for t in op_data.technicians
        }
        longest = max(free.values(), default=0)
        if desk_for is not None:
            return _desk_technicians(compiled, desk_for, op_data, op, ready, free, False)
        values: dict[str, object] = {
            "operation": op.name,
            "who": _who(op),
            "takes": _takes(op_data),
            "after": after,
            "longest": longest,
        }
        whose = _whose(compiled, op_data, free)
        if whose is not None:
            return N_(
                "operation '%(operation)s': no %(who)s has the %(takes)s min it takes them in one piece"
                " after %(after)s (longest free stretch %(longest)s min, %(name)s's, who needs %(need)s min)"
            ) % {**values, **whose}
        return (
            N_(
                "operation '%(operation)s': no %(who)s has the %(takes)s min it takes them in one piece"
                " after %(after)s (longest free stretch %(longest)s min)"
            )
            % values
        )
    if bay_gap < need:
        if desk_for is not None:
            return N_("no %(bays)s free for %(need)s min before %(end)s (%(detail)s)") % {
                "bays": _bays_wording(op),
                "need": need,
                "end": _end(compiled, op_data),
                "detail": _detail(
                    compiled, desk_for, op, ready, N_("longest %(longest)s min") % {"longest": bay_gap}
                ),
            }
        return N_(
            "operation '%(operation)s': no %(bays)s free for %(need)s min after %(after)s"
            " (longest %(longest)s min)"
        ) % {
            "operation": op.name,
            "bays": _bays_wording(op),
            "need": need,
            "after": after,
            "longest": bay_gap,
        }
    if desk_for is not None:
        values = {
            "bays": _bays_wording(op),
            "who": _who(op, desk=True),
            "need": need,
            "after": after,
            "end": _end(compiled, op_data),
        }
        if len(compiled.services[desk_for].operations) == 1:
            return (
                N_("no %(bays)s and %(who)s free together for %(need)s min between %(after)s and %(end)s")
                % values
            )
        return N_(
            "no %(bays)s and %(who)s free together for %(need)s min between %(after)s and %(end)s"
            " (operation '%(operation)s')"
        ) % {**values, "operation": op.name}
    return N_(
        "operation '%(operation)s': %(bays)s and %(who)ss are never free together for %(need)s min"
        " after %(after)s"
    ) % {"operation": op.name, "bays": _bays_wording(op), "who": _who(op), "need": need, "after": after}


def _displaced(compiled: CompiledDay, j: int, why: str) -> str:
    priority = compiled.problem.jobs[j].priority
    higher = sum(1 for job in compiled.problem.jobs if job.priority > priority)
    if higher:
        return N_("day full: %(why)s (taken by %(count)s higher-priority bookings among others)") % {
            "why": why,
            "count": higher,
        }
    return N_("day full: %(why)s") % {"why": why}


def unplaced_reasons(compiled: CompiledDay, solution: DaySolution, desk: bool = False) -> dict[int, str]:
    """Why each unplaced booking of `solution` is not in the plan. `desk`: in the front desk's
    words for a refused slot (issue 16: "no paint technician grade >= 3 has 140 min before 17:30",
    the rule first), for a booking asked about alone."""
    if compiled.workshop.is_closed(compiled.request.date):
        closed = (
            N_("workshop closed")
            if desk
            else N_("the workshop is closed on %(date)s") % {"date": compiled.request.date}
        )
        return dict.fromkeys(solution.unplaced, closed)
    reasons: dict[int, str] = {}
    pending = []
    for j in sorted(solution.unplaced):
        static = _static_reason(compiled, j, desk)
        if static is not None:
            reasons[j] = static
        else:
            pending.append(j)
    if pending:
        availability = Availability(compiled.problem)
        for p in solution.placements.values():
            availability.reserve(p)
        for j in pending:
            # One booking's trial must not block the next: its reservations are undone (cheaper
            # than a copy per booking on a 1,000-booking day).
            reserved: list[Placement] = []
            reasons[j] = _capacity_reason(compiled, j, availability, reserved, desk)
            for p in reserved:
                availability.free(p)
    return reasons
