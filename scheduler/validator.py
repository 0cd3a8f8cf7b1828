"""An independent plan validator: every hard rule of the v1 contract, checked from the request alone.

It reads only contract objects (PlanRequest, Plan) and the standard library; it shares no
code with the planners, so a planner's bug cannot hide behind its own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scheduler.contract import Assignment, Plan, PlanRequest, Technician

RULE_HEADER = "header"
RULE_REFERENCE = "reference"
RULE_BAY_KIND = "bay_kind"
RULE_QUALIFICATION = "qualification"
RULE_DURATION = "duration"
RULE_RELEASE = "release"
RULE_PRECEDENCE = "precedence"
RULE_NOT_BEFORE = "not_before"
RULE_SHIFT = "shift"
RULE_BREAK = "break"
RULE_BAY_OVERLAP = "bay_overlap"
RULE_TECHNICIAN_OVERLAP = "technician_overlap"
RULE_FLEET_BAY = "fleet_bay"
RULE_EXPRESS_BAY = "express_bay"
RULE_PINNED = "pinned"
RULE_COMPLETENESS = "completeness"


@dataclass(frozen=True)
class Violation:
    rule: str
    booking: str | None
    message: str


def _local(date: dt.date, hhmm: str, tz: ZoneInfo) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(date, dt.time(hours, minutes), tzinfo=tz)


def _worked_minutes(minutes: int, efficiency: float) -> int:
    return max(1, math.ceil(minutes / efficiency - 1e-9))


def _label(a: Assignment) -> str:
    return (
        f"{a.booking} op {a.operation} on {a.bay}/{a.technician} {a.start.isoformat()}..{a.end.isoformat()}"
    )


def _overlaps(items: list[Assignment], rule: str, what: str) -> list[Violation]:
    found: list[Violation] = []
    ordered = sorted(items, key=lambda a: a.start)
    if not ordered:
        return found
    first = ordered[0]  # the one reaching furthest so far, so nested overlaps are caught too
    for second in ordered[1:]:
        if second.start < first.end:
            found.append(
                Violation(rule, second.booking, f"{what}: {_label(first)} overlaps {_label(second)}")
            )
        if second.end > first.end:
            first = second
    return found


def _shift_violations(a: Assignment, tech: Technician, date: dt.date, tz: ZoneInfo) -> list[Violation]:
    found = []
    start = _local(date, tech.shift.start, tz)
    end = _local(date, tech.shift.end, tz) + dt.timedelta(minutes=tech.max_overtime_minutes)
    if a.start < start or a.end > end:
        found.append(
            Violation(
                RULE_SHIFT,
                a.booking,
                f"{_label(a)} lies outside {tech.id}'s shift {tech.shift.start}-{tech.shift.end} "
                f"+{tech.max_overtime_minutes} min overtime",
            )
        )
    for brk in tech.shift.breaks:
        b_start, b_end = _local(date, brk.start, tz), _local(date, brk.end, tz)
        if a.start < b_end and b_start < a.end:
            found.append(
                Violation(RULE_BREAK, a.booking, f"{_label(a)} overlaps the break {brk.start}-{brk.end}")
            )
    return found


def validate_plan(request: PlanRequest, plan: Plan) -> list[Violation]:
    ws = request.workshop
    tz = ZoneInfo(ws.timezone)
    found: list[Violation] = []
    if plan.workshop != ws.id or plan.date != request.date:
        found.append(
            Violation(
                RULE_HEADER, None, f"plan is for {plan.workshop} {plan.date}, not {ws.id} {request.date}"
            )
        )

    bays = {b.id: b for b in ws.bays}
    techs = {t.id: t for t in ws.technicians}
    services = {s.code: s for s in ws.services}
    bookings = {b.id: b for b in request.bookings}
    not_before = request.options.not_before

    by_booking: dict[str, dict[int, list[Assignment]]] = defaultdict(lambda: defaultdict(list))
    usable: list[Assignment] = []
    for a in plan.assignments:
        booking = bookings.get(a.booking)
        if (
            booking is None
            or a.bay not in bays
            or a.technician not in techs
            or booking.service not in services
        ):
            found.append(
                Violation(
                    RULE_REFERENCE, a.booking, f"{_label(a)} names an unknown booking, bay or technician"
                )
            )
            continue
        service = services[booking.service]
        if a.operation >= len(service.operations):
            found.append(
                Violation(RULE_REFERENCE, a.booking, f"{_label(a)}: {service.code} has no such operation")
            )
            continue
        usable.append(a)
        by_booking[a.booking][a.operation].append(a)

        op = service.operations[a.operation]
        bay, tech = bays[a.bay], techs[a.technician]
        pinned = next((p for p in booking.pinned if p.operation == a.operation), None)
        # Fleet and express bays are about the vehicle, so they hold for pinned work as well.
        if bay.fleet_partner is not None and bay.fleet_partner != booking.fleet_partner:
            found.append(
                Violation(
                    RULE_FLEET_BAY,
                    a.booking,
                    f"{_label(a)}: bay {bay.id} is reserved for {bay.fleet_partner}",
                )
            )
        if bay.kind == "express" and not service.express:
            found.append(
                Violation(
                    RULE_EXPRESS_BAY, a.booking, f"{_label(a)}: {service.code} is not an express service"
                )
            )
        if pinned is not None:
            continue  # started work is a fact: kind, skill, shift and timing are not re-judged
        if bay.kind not in op.bay_kinds:
            found.append(
                Violation(RULE_BAY_KIND, a.booking, f"{_label(a)}: bay kind {bay.kind} not in {op.bay_kinds}")
            )
        if op.skill not in tech.skills or tech.grade < op.min_grade:
            found.append(
                Violation(
                    RULE_QUALIFICATION,
                    a.booking,
                    f"{_label(a)}: {tech.id} (grade {tech.grade}) lacks {op.skill} grade >= {op.min_grade}",
                )
            )
        expected = _worked_minutes(op.minutes, tech.efficiency)
        if a.end - a.start != dt.timedelta(minutes=expected):
            found.append(
                Violation(
                    RULE_DURATION, a.booking, f"{_label(a)}: must last {expected} min at {tech.efficiency}"
                )
            )
        if a.start < booking.drop_off:
            found.append(Violation(RULE_RELEASE, a.booking, f"{_label(a)} starts before drop-off"))
        if not_before is not None and a.start < not_before:
            found.append(
                Violation(RULE_NOT_BEFORE, a.booking, f"{_label(a)} starts before {not_before.isoformat()}")
            )
        found.extend(_shift_violations(a, tech, request.date, tz))

    by_bay: dict[str, list[Assignment]] = defaultdict(list)
    by_tech: dict[str, list[Assignment]] = defaultdict(list)
    for a in usable:
        by_bay[a.bay].append(a)
        by_tech[a.technician].append(a)
    for bay_id, items in by_bay.items():
        found.extend(_overlaps(items, RULE_BAY_OVERLAP, f"bay {bay_id}"))
    for tech_id, items in by_tech.items():
        found.extend(_overlaps(items, RULE_TECHNICIAN_OVERLAP, f"technician {tech_id}"))

    unassigned: dict[str, int] = defaultdict(int)
    for u in plan.unassigned:
        unassigned[u.booking] += 1
        if u.booking not in bookings:
            found.append(
                Violation(
                    RULE_COMPLETENESS, u.booking, f"unassigned {u.booking} is not a booking of the request"
                )
            )
        elif not u.reason.strip():
            found.append(Violation(RULE_COMPLETENESS, u.booking, f"unassigned {u.booking} has no reason"))
    for booking_id, count in unassigned.items():
        if count > 1:
            found.append(
                Violation(RULE_COMPLETENESS, booking_id, f"{booking_id} is listed unassigned {count} times")
            )

    for booking in request.bookings:
        if booking.service not in services:
            continue
        service = services[booking.service]
        ops = by_booking.get(booking.id, {})
        if booking.id in unassigned:
            if ops:
                found.append(
                    Violation(RULE_COMPLETENESS, booking.id, f"{booking.id} is both assigned and unassigned")
                )
            if booking.pinned:
                found.append(
                    Violation(RULE_PINNED, booking.id, f"{booking.id} has started work but is unassigned")
                )
            continue
        missing = [k for k in range(len(service.operations)) if not ops.get(k)]
        doubled = [k for k, items in ops.items() if len(items) > 1]
        if missing or doubled:
            found.append(
                Violation(
                    RULE_COMPLETENESS,
                    booking.id,
                    f"{booking.id}: operations missing {missing}, assigned more than once {doubled}",
                )
            )
            continue
        for k in range(1, len(service.operations)):
            before, after = ops[k - 1][0], ops[k][0]
            if after.start < before.end:
                found.append(
                    Violation(RULE_PRECEDENCE, booking.id, f"{_label(after)} starts before op {k - 1} ends")
                )
        for pin in booking.pinned:
            placed = ops.get(pin.operation)
            if not placed:
                continue
            a = placed[0]
            pin_tech = techs.get(pin.technician)
            end = pin.end
            if end is None and pin_tech is not None:
                end = pin.start + dt.timedelta(
                    minutes=_worked_minutes(service.operations[pin.operation].minutes, pin_tech.efficiency)
                )
            if (a.bay, a.technician, a.start, a.end) != (pin.bay, pin.technician, pin.start, end):
                found.append(
                    Violation(RULE_PINNED, booking.id, f"{_label(a)} differs from its pinned placement")
                )
    return found


def assert_valid(request: PlanRequest, plan: Plan) -> None:
    violations = validate_plan(request, plan)
    if violations:
        lines = "\n".join(f"  [{v.rule}] {v.message}" for v in violations)
        raise AssertionError(f"plan breaks {len(violations)} hard rule(s):\n{lines}")
