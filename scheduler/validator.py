"""Independent plan validator: every hard rule of the v1 contract, recomputed from the request alone."""

# It reads only contract objects and the standard library and shares no code with the planners,
# so a planner's bug cannot hide behind its own bookkeeping.

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scheduler.contract import (
    Assignment,
    Booking,
    Kpis,
    Plan,
    PlanRequest,
    Service,
    Technician,
    Workshop,
)

RULE_HEADER = "header"
RULE_REFERENCE = "reference"
RULE_BAY_KIND = "bay_kind"
RULE_QUALIFICATION = "qualification"
RULE_DURATION = "duration"
RULE_RELEASE = "release"
RULE_NOT_BEFORE = "not_before"
RULE_PRECEDENCE = "precedence"
RULE_SHIFT = "shift"
RULE_BREAK = "break"
RULE_BAY_OVERLAP = "bay_overlap"
RULE_TECHNICIAN_OVERLAP = "technician_overlap"
RULE_FLEET_BAY = "fleet_bay"
RULE_FLEET_OVERFLOW = "fleet_overflow"
RULE_EXPRESS_BAY = "express_bay"
RULE_PINNED = "pinned"
RULE_COMPLETENESS = "completeness"
RULE_PARTS = "parts"
RULE_LOAN_CARS = "loan_cars"
RULE_MULTI_DAY = "multi_day"
RULE_ADVISORS = "advisors"

RULES: tuple[str, ...] = (
    RULE_HEADER,
    RULE_REFERENCE,
    RULE_BAY_KIND,
    RULE_QUALIFICATION,
    RULE_DURATION,
    RULE_RELEASE,
    RULE_NOT_BEFORE,
    RULE_PRECEDENCE,
    RULE_SHIFT,
    RULE_BREAK,
    RULE_BAY_OVERLAP,
    RULE_TECHNICIAN_OVERLAP,
    RULE_FLEET_BAY,
    RULE_FLEET_OVERFLOW,
    RULE_EXPRESS_BAY,
    RULE_PINNED,
    RULE_COMPLETENESS,
    RULE_PARTS,
    RULE_LOAN_CARS,
    RULE_MULTI_DAY,
    RULE_ADVISORS,
)


WARNING_HANDOVER = "handover"
"""A drop-off promised outside the desk's handover hours (handover_warnings): not a hard rule of a
plan (validate_plan never reports it: a plan cannot change a promise, and a booking stored before
the offers kept to the desk's hours may carry one made to the customer); a new offer's promise
must have none (bench.slots, the offer tests), a day's bookings are read as warnings
(plan_warnings)."""

WARNINGS: tuple[str, ...] = (WARNING_HANDOVER,)


def N_(message: str) -> str:
    """Marks a text for extraction (babel.cfg), translated where it is shown (the API's 409 of a
    workshop change); here, on purpose, not scheduler.i18n: the validator imports only the
    contract and the standard library."""
    return message


NO_LOAN_CAR = N_("no loan car free")
"""In an unassigned booking's reason: the plan leaves it out for want of a loan car, so its
customer drives none (integrity._without_cars_short; check_loan_cars)."""


#: Two placements at once on one bay or technician, by the resource's kind (check_overlaps).
DOUBLE_BOOKED = {
    "bay": N_("bay %(resource)s double-booked: %(placement)s and %(other_placement)s"),
    "technician": N_("technician %(resource)s double-booked: %(placement)s and %(other_placement)s"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule; `booking` is None for plan-wide rules such as the header."""

    rule: str  # one of RULES
    booking: str | None
    message: str


def worked_minutes(minutes: int, efficiency: float) -> int:
    """Worked minutes of `minutes` standard minutes; the tolerance keeps 60 / 1.2 at 50, not 51."""
    return max(1, math.ceil(minutes / efficiency - 1e-9))


def _bay_of(p: _Placed) -> str:
    assert p.a.bay is not None  # (only placements with a bay are grouped by it)
    return p.a.bay


def _utc(moment: dt.datetime) -> dt.datetime:
    # Aware datetimes sharing one tzinfo object subtract and compare by wall clock, which is wrong
    # across a DST change; in UTC every comparison and difference is between instants.
    return moment.astimezone(dt.UTC)


def _wall(date: dt.date, hhmm: str, tz: ZoneInfo) -> dt.datetime:
    """The instant of a local 'HH:MM' on `date`, with the zone's offset of that very moment."""
    hours, minutes = map(int, hhmm.split(":"))
    return _utc(dt.datetime.combine(date, dt.time(hours, minutes), tzinfo=tz))


@dataclass(frozen=True)
class _Placed:
    """One assignment with its instants in UTC and a label for messages."""

    a: Assignment
    start: dt.datetime
    end: dt.datetime
    label: str


class _Validator:
    def __init__(self, request: PlanRequest, plan: Plan) -> None:
        self.request = request
        self.plan = plan
        ws = request.workshop
        self.tz = ZoneInfo(ws.timezone)
        self.bays = {b.id: b for b in ws.bays}
        self.techs = {t.id: t for t in ws.technicians}
        self.services = {s.code: s for s in ws.services}
        self.bookings: dict[str, Booking] = {}
        for b in request.bookings:
            self.bookings.setdefault(b.id, b)
        self.partners_with_bays = {b.fleet_partner for b in ws.bays if b.fleet_partner is not None}
        self.found: list[Violation] = []

    def add(self, rule: str, booking: str | None, message: str) -> None:
        self.found.append(Violation(rule, booking, message))

    def add_repeated(self, rule: str, counts: dict[str, int], template: str) -> None:
        """Each id counted more than once, under `rule` (`template` names %(booking)s and %(count)d)."""
        for booking_id, count in counts.items():
            if count > 1:
                self.add(rule, booking_id, template % {"booking": booking_id, "count": count})

    def when(self, moment: dt.datetime) -> str:
        """A moment on the workshop's clock as a sentence says it: "08:00" on the plan's day, else
        "2026-11-25 08:00"; seconds only when there are any, never the offset (as
        scheduler.i18n.moment_words says it: the validator imports only the contract)."""
        local = moment.astimezone(self.tz)
        clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
        return local.strftime(clock if local.date() == self.request.date else f"%Y-%m-%d {clock}")

    def placed(self, a: Assignment) -> _Placed:
        booking = self.bookings.get(a.booking)
        service = self.services.get(booking.service) if booking is not None else None
        # (people read an operation numbered from 1, as on the job cards; `operation` is the index)
        values = {
            "booking": a.booking,
            "operation": a.operation + 1,
            "technician": a.technician,
            "starts": self.when(a.start),
            "ends": self.when(a.end),
        }
        named = service is not None and a.operation < len(service.operations)
        if named:
            assert service is not None
            values["name"] = service.operations[a.operation].name
        if a.bay is not None:
            values["bay"] = a.bay
            template = (
                N_(
                    "booking %(booking)s op %(operation)s (%(name)s) on bay %(bay)s with %(technician)s"
                    " %(starts)s..%(ends)s"
                )
                if named
                else N_(
                    "booking %(booking)s op %(operation)s on bay %(bay)s with %(technician)s"
                    " %(starts)s..%(ends)s"
                )
            )
        else:
            # A pin's given without one (clocked while another car's clocked work held its bay):
            # its own words, not "on bay -" (zh-s30).
            template = (
                N_(
                    "booking %(booking)s op %(operation)s (%(name)s), bay unknown, with %(technician)s"
                    " %(starts)s..%(ends)s"
                )
                if named
                else N_(
                    "booking %(booking)s op %(operation)s, bay unknown, with %(technician)s"
                    " %(starts)s..%(ends)s"
                )
            )
        label = template % values
        return _Placed(a, _utc(a.start), _utc(a.end), label)

    def run(self) -> list[Violation]:
        self.check_header()
        self.check_request_ids()
        placed = [self.placed(a) for a in self.plan.assignments]
        by_op: dict[str, dict[int, list[_Placed]]] = defaultdict(lambda: defaultdict(list))
        for p in placed:
            if self.check_references(p):
                by_op[p.a.booking][p.a.operation].append(p)
        pinned_ok = self.check_pins(by_op)
        for p in placed:
            if p.a.booking in by_op and p.a.operation in by_op[p.a.booking]:
                self.check_placement(p, exempt=id(p) in pinned_ok)
        # Work with no bay holds none (a faithful pin's only: check_placement).
        self.check_overlaps([p for p in placed if p.a.bay is not None], _bay_of, RULE_BAY_OVERLAP, "bay")
        self.check_overlaps(placed, lambda p: p.a.technician, RULE_TECHNICIAN_OVERLAP, "technician")
        self.check_precedence(by_op)
        self.check_completeness(by_op)
        self.check_loan_cars(by_op)
        self.check_advisors(by_op)
        return self.found

    def check_header(self) -> None:
        ws_id, date = self.request.workshop.id, self.request.date
        if self.plan.workshop != ws_id:
            self.add(
                RULE_HEADER,
                None,
                N_("plan is for workshop %(planned)s, request for %(asked)s")
                % {"planned": self.plan.workshop, "asked": ws_id},
            )
        if self.plan.date != date:
            self.add(
                RULE_HEADER,
                None,
                N_("plan is for %(planned)s, request for %(asked)s")
                % {"planned": self.plan.date, "asked": date},
            )

    def check_request_ids(self) -> None:
        # Duplicate booking ids make "each booking exactly once" meaningless, so say so.
        counts: dict[str, int] = defaultdict(int)
        for b in self.request.bookings:
            counts[b.id] += 1
        self.add_repeated(
            RULE_COMPLETENESS, counts, N_("booking id %(booking)s occurs %(count)d times in the request")
        )
        held: dict[str, int] = defaultdict(int)
        for b in self.request.held:
            held[b.id] += 1
            if b.id in counts and held[b.id] == 1:
                self.add(
                    RULE_REFERENCE,
                    b.id,
                    N_("held vehicle %(booking)s is also a booking of the request") % {"booking": b.id},
                )
        self.add_repeated(
            RULE_REFERENCE, held, N_("held vehicle %(booking)s occurs %(count)d times in the request")
        )

    def check_references(self, p: _Placed) -> bool:
        """Report unknown ids; True if the booking and its operation exist (bay and technician may not)."""
        a = p.a
        booking = self.bookings.get(a.booking)
        if booking is None:
            self.add(
                RULE_REFERENCE,
                a.booking,
                N_("%(placement)s: no booking %(booking)s in the request")
                % {"placement": p.label, "booking": a.booking},
            )
            return False
        if a.bay is not None and a.bay not in self.bays:
            self.add(
                RULE_REFERENCE,
                a.booking,
                N_("%(placement)s: unknown bay %(bay)s") % {"placement": p.label, "bay": a.bay},
            )
        if a.technician not in self.techs:
            self.add(
                RULE_REFERENCE,
                a.booking,
                N_("%(placement)s: unknown technician %(technician)s")
                % {"placement": p.label, "technician": a.technician},
            )
        service = self.services.get(booking.service)
        if service is None:
            self.add(
                RULE_REFERENCE,
                a.booking,
                N_("%(placement)s: booking names unknown service %(service)s")
                % {"placement": p.label, "service": booking.service},
            )
            return False
        if a.operation >= len(service.operations):
            self.add(
                RULE_REFERENCE,
                a.booking,
                N_("%(placement)s: service %(service)s has operations 0..%(last)d only")
                % {"placement": p.label, "service": service.code, "last": len(service.operations) - 1},
            )
            return False
        return True

    def check_pins(self, by_op: dict[str, dict[int, list[_Placed]]]) -> set[int]:
        """Each pinned operation must be placed exactly as given; returns ids of the faithful placements."""
        faithful: set[int] = set()
        for booking in self.bookings.values():
            service = self.services.get(booking.service)
            if service is None:
                continue
            for pin in booking.pinned:
                what = N_("booking %(booking)s pinned op %(operation)d") % {
                    "booking": booking.id,
                    "operation": pin.operation + 1,
                }
                if pin.operation >= len(service.operations):
                    self.add(
                        RULE_REFERENCE,
                        booking.id,
                        N_("%(what)s: service %(service)s has no such operation")
                        % {"what": what, "service": service.code},
                    )
                    continue
                tech = self.techs.get(pin.technician)
                if pin.end is not None:
                    end = _utc(pin.end)
                elif tech is not None:
                    op = service.operations[pin.operation]
                    end = _utc(pin.start) + dt.timedelta(minutes=worked_minutes(op.minutes, tech.efficiency))
                else:
                    self.add(
                        RULE_REFERENCE,
                        booking.id,
                        N_("%(what)s: unknown technician %(technician)s")
                        % {"what": what, "technician": pin.technician},
                    )
                    continue
                want = (pin.bay, pin.technician, _utc(pin.start), end)
                at = {"technician": pin.technician, "starts": self.when(pin.start), "ends": self.when(end)}
                where = (
                    N_("bay %(bay)s with %(technician)s %(starts)s..%(ends)s") % {"bay": pin.bay, **at}
                    if pin.bay is not None
                    else N_("no bay, with %(technician)s %(starts)s..%(ends)s") % at
                )
                placements = by_op.get(booking.id, {}).get(pin.operation, [])
                if not placements:
                    self.add(
                        RULE_PINNED,
                        booking.id,
                        N_("%(what)s (%(where)s) is missing from the plan") % {"what": what, "where": where},
                    )
                for p in placements:
                    if (p.a.bay, p.a.technician, p.start, p.end) == want:
                        faithful.add(id(p))
                    else:
                        self.add(
                            RULE_PINNED,
                            booking.id,
                            N_("%(placement)s: pinned as %(where)s") % {"placement": p.label, "where": where},
                        )
        return faithful

    def check_placement(self, p: _Placed, *, exempt: bool) -> None:
        """Rules of one placement; a faithful pinned one is a fact and keeps only the vehicle rules."""
        a = p.a
        booking = self.bookings[a.booking]
        service = self.services[booking.service]
        bay = self.bays.get(a.bay) if a.bay is not None else None
        tech = self.techs.get(a.technician)
        if bay is not None:
            # Fleet and express bays are about the vehicle, so pinned work obeys them too.
            if bay.fleet_partner is not None and bay.fleet_partner != booking.fleet_partner:
                partner = booking.fleet_partner or N_("no fleet partner")
                self.add(
                    RULE_FLEET_BAY,
                    a.booking,
                    N_("%(placement)s: bay %(bay)s is %(owner)s's, vehicle has %(partner)s")
                    % {"placement": p.label, "bay": bay.id, "owner": bay.fleet_partner, "partner": partner},
                )
            if bay.kind == "express" and not service.express:
                self.add(
                    RULE_EXPRESS_BAY,
                    a.booking,
                    N_("%(placement)s: service %(service)s is not an express service")
                    % {"placement": p.label, "service": service.code},
                )
        if exempt:
            return
        if a.bay is None:
            # Only work clocked while another car's clocked work held its bay (pinned without one,
            # so faithful, exempt) may have no bay: planned work always takes one.
            self.add(
                RULE_REFERENCE,
                a.booking,
                N_("%(placement)s: has no bay, and is not work pinned without one") % {"placement": p.label},
            )
        op = service.operations[a.operation]
        if bay is not None:
            if bay.kind not in op.bay_kinds:
                self.add(
                    RULE_BAY_KIND,
                    a.booking,
                    N_("%(placement)s: bay %(bay)s is %(kind)s, %(operation)s needs %(kinds)s")
                    % {
                        "placement": p.label,
                        "bay": bay.id,
                        "kind": bay.kind,
                        "operation": op.name,
                        "kinds": " or ".join(op.bay_kinds),
                    },
                )
            overflow = (
                not self.request.options.allow_fleet_overflow
                and booking.fleet_partner in self.partners_with_bays
                and bay.fleet_partner != booking.fleet_partner
            )
            if overflow:
                self.add(
                    RULE_FLEET_OVERFLOW,
                    a.booking,
                    N_("%(placement)s: fleet overflow is off, %(partner)s uses only its own bays")
                    % {"placement": p.label, "partner": booking.fleet_partner},
                )
        if p.start < _utc(booking.drop_off):
            self.add(
                RULE_RELEASE,
                a.booking,
                N_("%(placement)s: starts before drop-off %(at)s")
                % {"placement": p.label, "at": self.when(booking.drop_off)},
            )
        if op.needs_parts and booking.parts_eta is not None and p.start < _utc(booking.parts_eta):
            self.add(
                RULE_PARTS,
                a.booking,
                N_("%(placement)s: %(name)s needs parts, which arrive %(at)s")
                % {"placement": p.label, "name": op.name, "at": self.when(booking.parts_eta)},
            )
        not_before = self.request.options.not_before
        if not_before is not None and p.start < _utc(not_before):
            self.add(
                RULE_NOT_BEFORE,
                a.booking,
                N_("%(placement)s: starts before not_before %(at)s")
                % {"placement": p.label, "at": self.when(not_before)},
            )
        if tech is None:
            return
        if op.skill not in tech.skills or tech.grade < op.min_grade:
            self.add(
                RULE_QUALIFICATION,
                a.booking,
                N_(
                    "%(placement)s: %(operation)s needs skill %(skill)s grade >= %(grade)s,"
                    " %(technician)s has grade %(has)s and %(skills)s"
                )
                % {
                    "placement": p.label,
                    "operation": op.name,
                    "skill": op.skill,
                    "grade": op.min_grade,
                    "technician": tech.id,
                    "has": tech.grade,
                    "skills": ", ".join(tech.skills),
                },
            )
        expected = worked_minutes(op.minutes, tech.efficiency)
        if p.end - p.start != dt.timedelta(minutes=expected):
            actual = (p.end - p.start).total_seconds() / 60
            self.add(
                RULE_DURATION,
                a.booking,
                N_(
                    "%(placement)s: lasts %(actual)s min, %(standard)s standard min at efficiency"
                    " %(efficiency)s take %(expected)s min"
                )
                % {
                    "placement": p.label,
                    "actual": f"{actual:g}",
                    "standard": op.minutes,
                    "efficiency": f"{tech.efficiency:g}",
                    "expected": expected,
                },
            )
        self.check_shift(p, tech)

    def check_shift(self, p: _Placed, tech: Technician) -> None:
        date, shift = self.request.date, tech.shift
        if date.weekday() not in tech.weekdays or date in self.request.workshop.closed_days:
            self.add(
                RULE_SHIFT,
                p.a.booking,
                N_("%(placement)s: %(technician)s is not rostered on %(date)s (%(weekday)s)")
                % {"placement": p.label, "technician": tech.id, "date": date, "weekday": f"{date:%A}"},
            )
            return
        start = _wall(date, shift.start, self.tz)
        # Overtime is elapsed time after the shift's end, so it is added to the instant.
        end = _wall(date, shift.end, self.tz) + dt.timedelta(minutes=tech.max_overtime_minutes)
        if p.start < start or p.end > end:
            self.add(
                RULE_SHIFT,
                p.a.booking,
                N_(
                    "%(placement)s: outside %(technician)s's shift %(date)s %(start)s-%(end)s"
                    " with %(overtime)s min overtime allowed (until %(until)s)"
                )
                % {
                    "placement": p.label,
                    "technician": tech.id,
                    "date": date,
                    "start": shift.start,
                    "end": shift.end,
                    "overtime": tech.max_overtime_minutes,
                    "until": self.when(end),
                },
            )
        for brk in shift.breaks:
            b_start, b_end = _wall(date, brk.start, self.tz), _wall(date, brk.end, self.tz)
            if p.start < b_end and b_start < p.end:  # touching a break's edge is fine
                self.add(
                    RULE_BREAK,
                    p.a.booking,
                    N_("%(placement)s: overlaps %(technician)s's break %(start)s-%(end)s")
                    % {"placement": p.label, "technician": tech.id, "start": brk.start, "end": brk.end},
                )

    def check_overlaps(
        self, placed: list[_Placed], key: Callable[[_Placed], str], rule: str, what: str
    ) -> None:
        groups: dict[str, list[_Placed]] = defaultdict(list)
        for p in placed:
            groups[key(p)].append(p)
        for resource, items in groups.items():
            items.sort(key=lambda p: (p.start, p.end))
            active: list[_Placed] = []
            for p in items:
                # Half-open intervals: one ending at p.start does not clash; every pair is reported.
                active = [q for q in active if q.end > p.start]
                for q in active:
                    self.add(
                        rule,
                        p.a.booking,
                        DOUBLE_BOOKED[what]
                        % {"resource": resource, "placement": q.label, "other_placement": p.label},
                    )
                active.append(p)

    def check_precedence(self, by_op: dict[str, dict[int, list[_Placed]]]) -> None:
        for booking_id, ops in by_op.items():
            for k in sorted(ops):
                before, after = ops.get(k - 1, []), ops[k]
                if len(before) == 1 and len(after) == 1 and after[0].start < before[0].end:
                    self.add(
                        RULE_PRECEDENCE,
                        booking_id,
                        N_("%(placement)s: starts before op %(operation)d ends at %(at)s")
                        % {"placement": after[0].label, "operation": k, "at": self.when(before[0].end)},
                    )

    def check_loan_cars(self, by_op: dict[str, dict[int, list[_Placed]]]) -> None:
        """At no moment are more loan cars out than the workshop has: a car is out from a placed
        booking's drop-off until its promised pickup (the end of the plan day when none is set), and
        so is every held vehicle's (`PlanRequest.held`: dropped off, its work on a later day) and
        every booking's at risk that the plan leaves unplaced (accepted, its customer still drives
        the car: until its promise, which the desk's count never ends before; desk16-s30) unless
        the plan leaves it out for want of a car (`NO_LOAN_CAR` in its reason: the customer is
        told there is none, so a kept promise's booking has the car). Other unplaced bookings are
        not counted (not accepted), and the plan is only to blame while a car of its own is out,
        so a plan that places no loan-car booking always passes."""
        limit = self.request.workshop.loan_cars
        if limit is None:
            return
        day_end = _wall(self.request.date + dt.timedelta(days=1), "00:00", self.tz)

        def trip(b: Booking, placed: bool) -> list[tuple[dt.datetime, int, str, bool]]:
            """The car leaving at drop-off and back at the promised pickup (or the day's end)."""
            back = _utc(b.promised) if b.promised is not None else max(day_end, _utc(b.drop_off))
            return [(_utc(b.drop_off), 1, b.id, placed), (back, -1, b.id, placed)]

        # (moment, change, booking, placed by the plan): returns sort before departures.
        events = [e for b in self.bookings.values() if b.loan_car and by_op.get(b.id) for e in trip(b, True)]
        held = {b.id: b for b in self.request.held if b.id not in self.bookings}  # check_request_ids
        carless = {u.booking for u in self.plan.unassigned if NO_LOAN_CAR in u.reason}
        held.update(
            {
                b.id: b
                for b in self.bookings.values()
                if b.at_risk and not by_op.get(b.id) and b.id not in carless
            }
        )
        events += [e for b in held.values() if b.loan_car for e in trip(b, False)]
        placed_out: list[str] = []
        held_out: list[str] = []
        for moment, change, booking_id, placed in sorted(events, key=lambda e: (e[0], e[1])):
            group = placed_out if placed else held_out
            if change < 0:
                group.remove(booking_id)
                continue
            group.append(booking_id)
            out = len(placed_out) + len(held_out)
            if out > limit and placed_out:
                blamed = booking_id if placed else placed_out[-1]
                values = {"booking": blamed, "out": out, "at": self.when(moment), "limit": limit}
                if any(self.bookings.get(h) for h in held_out):  # an unplaced one at risk among them
                    message = N_(
                        "booking %(booking)s: %(out)d loan cars out at %(at)s (%(held)d of them with"
                        " vehicles not in the plan, at risk or held for later work: %(held_ids)s),"
                        " the workshop has %(limit)d"
                    ) % {**values, "held": len(held_out), "held_ids": ", ".join(held_out)}
                elif held_out:
                    message = N_(
                        "booking %(booking)s: %(out)d loan cars out at %(at)s (%(held)d of them with"
                        " vehicles held for later work: %(held_ids)s), the workshop has %(limit)d"
                    ) % {**values, "held": len(held_out), "held_ids": ", ".join(held_out)}
                else:
                    message = (
                        N_("booking %(booking)s: %(out)d loan cars out at %(at)s, the workshop has %(limit)d")
                        % values
                    )
                self.add(RULE_LOAN_CARS, blamed, message)

    def check_advisors(self, by_op: dict[str, dict[int, list[_Placed]]]) -> None:
        """Each vehicle dropped off on the plan day has a service advisor on duty free for its whole
        check-in (`check_in_minutes` from the drop-off), each advisor checking one vehicle in at a
        time, within a stretch of the shift between breaks (the walk-in holdback is the desk's, not
        a physical rule). Only when the workshop lists advisors and the request is the booking
        service's (`keep_promises`: its drop-offs were accepted by the desk, which keeps them within
        the advisors): a stateless request's drop-offs are the caller's, generated demand's too,
        and no plan can move a check-in (that no planner counts them, `integrity.checked_plan`
        leaves out the bookings blamed, as for loan cars). Counted as the loan-car rule counts:
        the placed bookings and the vehicles held for later work; the plan is only to blame for a
        placed booking's check-in. Where not all fit, the check-ins are taken in drop-off order
        (held vehicles first, bookings at risk last) and each one that no advisor can take with
        those before it is reported."""
        ws = self.request.workshop
        if not ws.advisors or not self.request.options.keep_promises:
            return
        date = self.request.date
        blocks: list[list[tuple[dt.datetime, dt.datetime]]] = []
        for a in ws.advisors:
            if date.weekday() not in a.weekdays or ws.is_closed(date):
                continue
            free: list[tuple[dt.datetime, dt.datetime]] = []
            at = _wall(date, a.shift.start, self.tz)
            end = _wall(date, a.shift.end, self.tz)
            for br in sorted(a.shift.breaks, key=lambda br: br.start):
                b_start, b_end = _wall(date, br.start, self.tz), _wall(date, br.end, self.tz)
                if at < b_start:
                    free.append((at, min(b_start, end)))
                at = max(at, b_end)
            if at < end:
                free.append((at, end))
            blocks.append(free)

        # (held first, at risk last, drop-off, booking): the order check-ins are taken in.
        check_ins: list[tuple[bool, bool, dt.datetime, str, dt.datetime]] = []
        held = [b for b in self.request.held if b.id not in self.bookings]
        for b, placed in [(b, True) for b in self.bookings.values() if by_op.get(b.id)] + [
            (b, False) for b in held
        ]:
            service = self.services.get(b.service)
            if service is None or b.drop_off.astimezone(self.tz).date() != date:
                continue
            start = _utc(b.drop_off)
            end = start + dt.timedelta(minutes=service.check_in_minutes)
            check_ins.append((placed, b.at_risk, start, b.id, end))
        check_ins.sort()
        taken: list[tuple[dt.datetime, dt.datetime]] = []
        for placed, _, start, booking_id, end in check_ins:
            # Only the check-ins linked to this one by a chain of overlaps compete with it.
            linked: list[tuple[dt.datetime, dt.datetime]] = []
            rest, lo, hi = list(taken), start, end
            while True:
                reach = [t for t in rest if t[0] < hi and lo < t[1]]
                if not reach:
                    break
                linked += reach
                rest = [t for t in rest if not (t[0] < hi and lo < t[1])]
                lo, hi = min([lo, *(t[0] for t in reach)]), max([hi, *(t[1] for t in reach)])
            if _advisors_suffice(blocks, [*linked, (start, end)]):
                taken.append((start, end))
            elif placed:
                values = {
                    "booking": booking_id,
                    "at": self.when(start),
                    "minutes": (end - start) // dt.timedelta(minutes=1),
                }
                self.add(
                    RULE_ADVISORS,
                    booking_id,
                    N_(
                        "booking %(booking)s: no service advisor free for its %(minutes)d min"
                        " check-in at %(at)s"
                    )
                    % values,
                )

    def check_completeness(self, by_op: dict[str, dict[int, list[_Placed]]]) -> None:
        listed: dict[str, int] = defaultdict(int)
        for u in self.plan.unassigned:
            listed[u.booking] += 1
            if u.booking not in self.bookings:
                self.add(
                    RULE_COMPLETENESS,
                    u.booking,
                    N_("unassigned %(booking)s is not a booking of the request") % {"booking": u.booking},
                )
            elif not u.reason.strip():
                self.add(
                    RULE_COMPLETENESS,
                    u.booking,
                    N_("unassigned booking %(booking)s has no reason") % {"booking": u.booking},
                )
        self.add_repeated(
            RULE_COMPLETENESS, listed, N_("booking %(booking)s is listed unassigned %(count)d times")
        )

        carried = {u.booking: u.operations for u in self.plan.unassigned if u.operations is not None}
        for booking in self.bookings.values():
            ops = by_op.get(booking.id, {})
            if booking.id in carried:
                self.check_carried(booking, ops, carried[booking.id] or [])
                continue
            if booking.id in listed:
                if ops:
                    self.add(
                        RULE_COMPLETENESS,
                        booking.id,
                        N_("booking %(booking)s is both assigned and unassigned") % {"booking": booking.id},
                    )
                elif booking.pinned:
                    self.add(
                        RULE_PINNED,
                        booking.id,
                        N_("booking %(booking)s has pinned work but is unassigned") % {"booking": booking.id},
                    )
                continue
            service: Service | None = self.services.get(booking.service)
            count = len(service.operations) if service is not None else 0
            missing = [k for k in range(count) if not ops.get(k)]
            doubled = [k for k in sorted(ops) if len(ops[k]) > 1]
            if service is None or len(missing) == count:
                self.add(
                    RULE_COMPLETENESS,
                    booking.id,
                    N_("booking %(booking)s is neither assigned nor listed unassigned")
                    % {"booking": booking.id},
                )
            elif missing:
                self.add(
                    RULE_COMPLETENESS,
                    booking.id,
                    N_("booking %(booking)s is partly assigned: ops %(ops)s missing")
                    % {"booking": booking.id, "ops": missing},
                )
            if doubled:
                self.add(
                    RULE_COMPLETENESS,
                    booking.id,
                    N_("booking %(booking)s: ops %(ops)s assigned more than once")
                    % {"booking": booking.id, "ops": doubled},
                )

    def check_carried(self, booking: Booking, ops: dict[int, list[_Placed]], carried: list[int]) -> None:
        """A booking listed unassigned with some of its operations (they carry over): only a
        booking with clocked (pinned) work may be cut, and only to a run of its first operations,
        every one of them placed once; the operations listed are all the rest, none of them pinned
        nor placed. Unclocked work is never left out of a day unsaid."""
        service: Service | None = self.services.get(booking.service)
        count = len(service.operations) if service is not None else 0
        first = min(carried, default=count)
        what = N_("booking %(booking)s carries over ops %(ops)s") % {"booking": booking.id, "ops": carried}
        if not booking.pinned:
            self.add(
                RULE_COMPLETENESS,
                booking.id,
                N_("%(what)s but has no pinned work: plan all of it or none") % {"what": what},
            )
        if not carried or carried != list(range(first, count)) or first == 0:
            self.add(
                RULE_COMPLETENESS,
                booking.id,
                N_("%(what)s: it may carry over only its last operations after the first (%(count)d in all)")
                % {"what": what, "count": count},
            )
        pinned = sorted(p.operation for p in booking.pinned if p.operation in carried)
        if pinned:
            self.add(
                RULE_PINNED,
                booking.id,
                N_("%(what)s: ops %(ops)s are pinned and stay in the plan") % {"what": what, "ops": pinned},
            )
        placed = sorted(k for k in ops if k in carried)
        if placed:
            self.add(
                RULE_COMPLETENESS,
                booking.id,
                N_("%(what)s: ops %(ops)s are both placed and carried over") % {"what": what, "ops": placed},
            )
        missing = [k for k in range(min(first, count)) if not ops.get(k)]
        if missing:
            self.add(
                RULE_COMPLETENESS,
                booking.id,
                N_("booking %(booking)s is partly assigned: ops %(ops)s missing")
                % {"booking": booking.id, "ops": missing},
            )
        doubled = [k for k in sorted(ops) if len(ops[k]) > 1]
        if doubled:
            self.add(
                RULE_COMPLETENESS,
                booking.id,
                N_("booking %(booking)s: ops %(ops)s assigned more than once")
                % {"booking": booking.id, "ops": doubled},
            )


def _advisors_suffice(
    blocks: list[list[tuple[dt.datetime, dt.datetime]]], spans: list[tuple[dt.datetime, dt.datetime]]
) -> bool:
    """Can each check-in of `spans` be given an advisor (by index into `blocks`, each advisor's
    stretches between breaks) holding all of it within one stretch, no advisor taking two at once?
    A depth-first search in start order; advisors with the same stretches, free at a check-in's
    start, are tried once; states that failed are remembered."""
    spans = sorted(spans)
    failed: set[tuple[int, tuple[dt.datetime, ...]]] = set()

    def fits(k: int, free_from: tuple[dt.datetime, ...]) -> bool:
        if k == len(spans):
            return True
        start, end = spans[k]
        state = (k, tuple(max(f, start) for f in free_from))
        if state in failed:
            return False
        tried: set[tuple[tuple[dt.datetime, dt.datetime], ...]] = set()
        for a, stretches in enumerate(blocks):
            if free_from[a] > start or not any(s <= start and end <= e for s, e in stretches):
                continue
            if tuple(stretches) in tried:
                continue
            tried.add(tuple(stretches))
            if fits(k + 1, (*free_from[:a], end, *free_from[a + 1 :])):
                return True
        failed.add(state)
        return False

    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return fits(0, tuple(never for _ in blocks))


def validate_plan(request: PlanRequest, plan: Plan) -> list[Violation]:
    """Every broken hard rule of `plan` for `request`; empty when the plan is valid."""
    return _Validator(request, plan).run()


def assert_valid(request: PlanRequest, plan: Plan) -> None:
    violations = validate_plan(request, plan)
    if violations:
        lines = "\n".join(f"  [{v.rule}] {v.message}" for v in violations)
        raise AssertionError(f"plan breaks {len(violations)} hard rule(s):\n{lines}")


def _handover_hours(workshop: Workshop, date: dt.date, afternoon_handover: str) -> tuple[str, str] | None:
    """When the desk hands cars back on `date` ('HH:MM' first and last; None: it does not): from the
    opening, or the first advisor on duty if later, to the last advisor's shift end (the opening's
    end without advisors), never before the promise rule's afternoon handover; none on a holiday or
    where the workshop has advisors and none works that weekday."""

    def minutes(hhmm: str) -> int:
        hours, mins = map(int, hhmm.split(":"))
        return 60 * hours + mins

    if date in workshop.closed_days:
        return None
    first, last = workshop.opening_window()
    if workshop.advisors:
        shifts = [a.shift for a in workshop.advisors if date.weekday() in a.weekdays]
        if not shifts:
            return None
        first = max(first, min((sh.start for sh in shifts), key=minutes), key=minutes)
        last = max((sh.end for sh in shifts), key=minutes)
    return first, max(last, afternoon_handover, key=minutes)


def handover_warnings(
    workshop: Workshop, bookings: Iterable[Booking], afternoon_handover: str = "17:30", waiters: bool = False
) -> list[Violation]:
    """The drop-off bookings whose promised pickup is not within the desk's handover hours of its
    day (WARNING_HANDOVER; `afternoon_handover`: the promise rule's, the latest the desk stays open
    for, CapacityRules.afternoon_handover). With `waiters`, a waiter's too (he waits at the desk for
    the car, so it must be ready by the last handover): a new offer's promise is checked so, where
    a stored day's waiters are not (they were told their time)."""
    tz = ZoneInfo(workshop.timezone)
    found: list[Violation] = []
    for b in bookings:
        if (b.waiter and not waiters) or b.promised is None:
            continue
        local = b.promised.astimezone(tz)
        hours = _handover_hours(workshop, local.date(), afternoon_handover)
        values = {"booking": b.id, "promised": local.strftime("%Y-%m-%d %H:%M")}
        if hours is None:
            why = N_("booking %(booking)s is promised for %(promised)s, a day the desk hands no car back")
            found.append(Violation(WARNING_HANDOVER, b.id, why % values))
            continue
        first, last = (_wall(local.date(), hhmm, tz) for hhmm in hours)
        if not first <= _utc(b.promised) <= last:
            why = N_(
                "booking %(booking)s is promised for %(promised)s, outside the desk's handover hours"
                " %(first)s..%(last)s"
            )
            found.append(
                Violation(WARNING_HANDOVER, b.id, why % {**values, "first": hours[0], "last": hours[1]})
            )
    return found


def plan_warnings(request: PlanRequest, afternoon_handover: str = "17:30") -> list[Violation]:
    """What a day's plan cannot mend but the desk should know: its bookings promised outside the
    desk's handover hours (handover_warnings). Never part of validate_plan: a plan with them is
    valid."""
    return handover_warnings(request.workshop, request.bookings, afternoon_handover)


def validate_multiday(workshop: Workshop, booking: Booking, witness: list[Assignment]) -> list[Violation]:
    """A multi-day booking's placements over all its days (its stored witness): every operation
    once and in order, each in one piece on one local day and within that day's rules (bay kind,
    qualification, duration, shift and breaks, drop-off, parts), the last done by the promised
    pickup, all within the service's `max_days` opening days from the drop-off day. Clashes with
    other bookings are each day's own plan's to check (validate_plan with the day's bookings)."""
    tz = ZoneInfo(workshop.timezone)
    found: list[Violation] = []
    service = next((s for s in workshop.services if s.code == booking.service), None)
    if service is None:
        why = N_("booking %(booking)s: unknown service %(service)s") % {
            "booking": booking.id,
            "service": booking.service,
        }
        return [Violation(RULE_REFERENCE, booking.id, why)]
    ops = sorted(witness, key=lambda a: a.operation)
    wanted = list(range(len(service.operations)))
    if [a.operation for a in ops] != wanted:
        found.append(
            Violation(
                RULE_COMPLETENESS,
                booking.id,
                N_("booking %(booking)s: operations %(placed)s placed, %(wanted)s wanted")
                % {"booking": booking.id, "placed": [a.operation for a in ops], "wanted": wanted},
            )
        )
    empty = Kpis(
        bookings=0, placed=0, on_time=0, late=0, total_lateness_minutes=0, waiter_lateness_minutes=0,
        overtime_minutes=0, technician_utilisation=0.0, bay_utilisation=0.0,
    )  # fmt: skip
    days: dict[dt.date, list[Assignment]] = defaultdict(list)
    for a in ops:
        start_day = a.start.astimezone(tz).date()
        if (a.end - dt.timedelta(microseconds=1)).astimezone(tz).date() != start_day:
            found.append(
                Violation(
                    RULE_MULTI_DAY,
                    booking.id,
                    N_("op %(operation)d runs over midnight") % {"operation": a.operation + 1},
                )
            )
        days[start_day].append(a)
    for date, placed in sorted(days.items()):
        alone = booking.model_copy(update={"pinned": []})
        request = PlanRequest(workshop=workshop, date=date, bookings=[alone])
        plan = Plan(
            workshop=workshop.id, date=date, planner="witness", status="feasible", objective=0.0,
            solve_seconds=0.0, assignments=placed, unassigned=[], kpis=empty,
        )  # fmt: skip
        day = _Validator(request, plan)
        for a in placed:
            p = day.placed(a)
            if day.check_references(p):
                day.check_placement(p, exempt=False)
        found += day.found
    for k in range(1, len(ops)):
        before, after = ops[k - 1], ops[k]
        if _utc(after.start) < _utc(before.end):
            found.append(
                Violation(
                    RULE_PRECEDENCE,
                    booking.id,
                    N_("booking %(booking)s op %(operation)d starts before op %(before)d ends")
                    % {
                        "booking": booking.id,
                        "operation": after.operation + 1,
                        "before": before.operation + 1,
                    },
                )
            )
    if ops and booking.promised is not None and _utc(ops[-1].end) > _utc(booking.promised):
        found.append(
            Violation(
                RULE_MULTI_DAY,
                booking.id,
                N_("booking %(booking)s is done after its promised pickup") % {"booking": booking.id},
            )
        )
    if days:
        first, last = booking.drop_off.astimezone(tz).date(), max(days)
        spanned = [
            first + dt.timedelta(days=i)
            for i in range((last - first).days + 1)
            if _opening_day(workshop, first + dt.timedelta(days=i))
        ]
        if len(spanned) > service.max_days:
            found.append(
                Violation(
                    RULE_MULTI_DAY,
                    booking.id,
                    N_(
                        "booking %(booking)s spans %(days)d opening days, service %(service)s"
                        " at most %(most)d"
                    )
                    % {
                        "booking": booking.id,
                        "days": len(spanned),
                        "service": service.code,
                        "most": service.max_days,
                    },
                )
            )
    return found


def _opening_day(workshop: Workshop, date: dt.date) -> bool:
    """Not a holiday, and some technician is rostered that weekday."""
    rostered = any(date.weekday() in t.weekdays for t in workshop.technicians)
    return rostered and date not in workshop.closed_days
