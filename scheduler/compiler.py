"""Checks a plan request against its workshop and turns it into the solver's plain-data day problem."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from scheduler.clock import DayClock
from scheduler.contract import Booking, Plan, PlanRequest, Service, Workshop
from scheduler.errors import InputError
from scheduler.i18n import N_, moment_words
from scheduler.translate import DayFrame, technician_data
from solver.problem import BayData, DayProblem, JobData, ObjectiveWeights, OperationData, Placement

__all__ = ["NO_BAY_KIND", "CompiledDay", "compile_request", "duration", "parts_release", "technician_data"]

NO_BAY_KIND = ""
"""The kind of the bay a pin given without one holds alone (no operation needs a kind "")."""


def duration(minutes: int, efficiency: float) -> int:
    """Worked minutes for `minutes` standard minutes; the tolerance keeps 60/1.2 at 50, not 51."""
    return max(1, math.ceil(minutes / efficiency - 1e-9))


def parts_release(booking: Booking, service: Service, clock: DayClock) -> int:
    """The minute the booking's parts are in (0 when none are awaited): the release of each of the
    service's operations that needs parts (`OperationData.release`); the operations before it run
    from the drop-off, those after it follow it in order. Parts arriving after the plan day (the
    minute clamped to the day's end) make such an operation, so the booking, unplaceable today."""
    if booking.parts_eta is None or not service.needs_parts:
        return 0
    return min(max(clock.minutes(booking.parts_eta, round_up=True), 0), clock.horizon)


class PinCollision(InputError):
    """Two bookings' started work on one bay or technician at once (`bookings`: both indices,
    the earlier first), for a caller that names the input behind the pins (`scheduler.replan`)."""

    def __init__(self, field: str, reason: str, bookings: tuple[int, int]) -> None:
        super().__init__(field, reason)
        self.bookings = bookings


class PinsOutOfOrder(InputError):
    """A booking's pinned operation `operation` (0-based) starting before its previous one ends,
    for a caller that names the input behind the pins and says it as people number operations
    (`scheduler.replan`)."""

    def __init__(self, field: str, reason: str, operation: int) -> None:
        super().__init__(field, reason)
        self.operation = operation


@dataclass(frozen=True)
class CompiledDay:
    request: PlanRequest
    frame: DayFrame
    """Ids to indices and times to minutes for this day (scheduler.translate)."""
    problem: DayProblem
    services: tuple[Service, ...]
    """The service of each job, in job order."""

    @property
    def clock(self) -> DayClock:
        return self.frame.clock

    @property
    def workshop(self) -> Workshop:
        return self.request.workshop

    @property
    def bookings(self) -> list[Booking]:
        return self.request.bookings


def compile_request(request: PlanRequest, previous: Plan | None = None) -> CompiledDay:
    """Raise InputError naming the field for anything the contract's schema cannot catch.

    `previous` (re-planning) is the current plan: moving its operations costs stability.
    """
    workshop = request.workshop
    frame = DayFrame.of(workshop, request.date)
    clock = frame.clock
    not_before = 0
    if request.options.not_before is not None:
        if clock.local_date(request.options.not_before) != request.date:
            raise InputError(
                "options.not_before",
                N_("must be on the plan date %(request_date)s") % {"request_date": request.date},
            )
        not_before = clock.minutes(request.options.not_before, round_up=True)
    before = _previous_placements(previous, frame) if previous is not None else {}
    open_hhmm, close_hhmm = workshop.opening_window()
    opening, closing = clock.wall(open_hhmm), clock.wall(close_hhmm)

    partners_with_bays = {b.fleet_partner for b in workshop.bays if b.fleet_partner}
    weights = request.options.weights
    bays = tuple(BayData(b.kind, b.fleet_partner) for b in workshop.bays)
    techs = tuple(technician_data(t, clock) for t in workshop.technicians)

    # Asked once per request, not per booking and operation (the slot search compiles a day per
    # probe): who is on duty that day, and each service by its code (the first of a code, as
    # `Workshop.service` finds it).
    on_duty = [workshop.on_duty(tech, request.date) for tech in workshop.technicians]
    by_code: dict[str, Service] = {}
    for known_service in workshop.services:
        by_code.setdefault(known_service.code, known_service)

    seen: dict[str, int] = {}
    nowhere: list[int] = []  # the bays of pins given without one (`_pins`)
    jobs: list[JobData] = []
    services: list[Service] = []
    for i, booking in enumerate(request.bookings):
        where = f"bookings[{i}]"
        if booking.id in seen:
            raise InputError(
                f"{where}.id",
                N_("duplicate booking id %(booking_id)r (also bookings[%(other)s])")
                % {"booking_id": booking.id, "other": seen[booking.id]},
            )
        seen[booking.id] = i
        service = by_code.get(booking.service)
        if service is None:
            known = ", ".join(s.code for s in workshop.services)
            raise InputError(
                f"{where}.service",
                N_("unknown service code %(booking_service)r (known: %(known)s)")
                % {"booking_service": booking.service, "known": known},
            )

        drop_day = clock.local_date(booking.drop_off)
        if drop_day > request.date:
            raise InputError(
                f"{where}.drop_off",
                N_("%(at)s is after the plan date %(date)s")
                % {"at": moment_words(booking.drop_off, clock.tz, request.date), "date": request.date},
            )
        release = 0
        if drop_day == request.date:
            release = clock.minutes(booking.drop_off, round_up=True)
            if not opening <= release <= closing:
                raise InputError(
                    f"{where}.drop_off",
                    N_("%(at)s is outside opening hours %(open)s-%(close)s")
                    % {
                        "at": moment_words(booking.drop_off, clock.tz, request.date),
                        "open": open_hhmm,
                        "close": close_hhmm,
                    },
                )
        due = None
        if booking.promised is not None:
            if booking.promised <= booking.drop_off:
                raise InputError(f"{where}.promised", N_("promised pickup must be after drop_off"))
            due = clock.minutes(booking.promised)

        release = max(release, not_before)
        parts = parts_release(booking, service, clock)
        pins = _pins(booking, service, where, frame, nowhere)
        operations = []
        for k, op in enumerate(service.operations):
            eligible: list[int] = []
            costs: list[int] = []
            for b, bay in enumerate(workshop.bays):
                if bay.kind not in op.bay_kinds:
                    continue
                if bay.kind == "express" and not service.express:
                    continue  # express lanes take only express services
                if bay.fleet_partner is not None and bay.fleet_partner != booking.fleet_partner:
                    continue  # a partner's bay takes only that partner's vehicles
                cost = 0
                own_bays = booking.fleet_partner in partners_with_bays
                if own_bays and bay.fleet_partner != booking.fleet_partner:
                    if not request.options.allow_fleet_overflow:
                        continue
                    cost += weights.fleet_overflow
                if service.express and "express" in op.bay_kinds and bay.kind != "express":
                    cost += weights.express_outside_lane
                eligible.append(b)
                costs.append(cost)
            qualified = [
                t
                for t, tech in enumerate(workshop.technicians)
                if op.skill in tech.skills and tech.grade >= op.min_grade and on_duty[t]
            ]
            operations.append(
                OperationData(
                    bays=tuple(eligible),
                    bay_costs=tuple(costs),
                    technicians=tuple(qualified),
                    durations=tuple(
                        duration(op.minutes, workshop.technicians[t].efficiency) for t in qualified
                    ),
                    pin=pins.get(k),
                    previous=before.get((booking.id, k)),
                    release=parts if op.needs_parts else 0,
                )
            )
        jobs.append(
            JobData(
                release=release,
                due=due,
                waiter=booking.waiter,
                priority=booking.priority,
                operations=tuple(operations),
            )
        )
        services.append(service)

    _check_held(request, seen, clock)
    problem = DayProblem(
        keep_promises=request.options.keep_promises,
        horizon=clock.horizon,
        bays=(*bays, *(BayData(NO_BAY_KIND) for _ in nowhere)),
        technicians=techs,
        jobs=tuple(jobs),
        weights=ObjectiveWeights(
            unplaced=weights.unplaced,
            lateness=weights.lateness,
            waiter_lateness=weights.waiter_lateness,
            overtime=weights.overtime,
            technician_change=weights.technician_change,
            stability_reassign=weights.stability_reassign,
            stability_minutes=weights.stability_minutes,
        ),
    )
    _check_pins_do_not_collide(problem, request)
    return CompiledDay(request=request, frame=frame, problem=problem, services=tuple(services))


def _check_held(request: PlanRequest, seen: dict[str, int], clock: DayClock) -> None:
    """The held vehicles (no work of theirs in the day, never planned: only their loan cars count,
    scheduler.validator) are vehicles already dropped off, each once and none a booking of the day."""
    held: dict[str, int] = {}
    for i, booking in enumerate(request.held):
        where = f"held[{i}]"
        if booking.id in seen:
            raise InputError(
                f"{where}.id",
                N_("%(booking_id)r is also bookings[%(other)s]")
                % {"booking_id": booking.id, "other": seen[booking.id]},
            )
        if booking.id in held:
            raise InputError(
                f"{where}.id",
                N_("duplicate held vehicle %(booking_id)r (also held[%(other)s])")
                % {"booking_id": booking.id, "other": held[booking.id]},
            )
        held[booking.id] = i
        if clock.local_date(booking.drop_off) > request.date:
            raise InputError(
                f"{where}.drop_off",
                N_("%(at)s is after the plan date %(date)s")
                % {"at": moment_words(booking.drop_off, clock.tz, request.date), "date": request.date},
            )
        if booking.promised is not None and booking.promised <= booking.drop_off:
            raise InputError(f"{where}.promised", N_("promised pickup must be after drop_off"))
        if booking.pinned:
            raise InputError(f"{where}.pinned", N_("a held vehicle has no work on the plan date"))


def _previous_placements(plan: Plan, frame: DayFrame) -> dict[tuple[str, int], Placement]:
    return {(a.booking, a.operation): frame.placement(a) for a in plan.assignments if frame.knows(a)}


def _pins(
    booking: Booking, service: Service, where: str, frame: DayFrame, nowhere: list[int]
) -> dict[int, Placement]:
    """The booking's pinned operations (work started or finished) as fixed placements. A pin with no
    bay (clocked work whose bay is unknown) gets a bay of its own after the workshop's, added to
    `nowhere`, that no other work may use: it holds its technician and none of the workshop's bays,
    and no solver or planner needs a case for it (`DayFrame.assignment` gives it no bay)."""
    clock, bay_index, tech_index = frame.clock, frame.bay_index, frame.tech_index
    pins: dict[int, Placement] = {}
    for p, pinned in enumerate(booking.pinned):
        field = f"{where}.pinned[{p}]"
        if pinned.operation >= len(service.operations):
            raise InputError(
                f"{field}.operation",
                N_("service %(service)s has operations 0..%(last)d only")
                % {"service": service.code, "last": len(service.operations) - 1},
            )
        if pinned.operation in pins:
            raise InputError(
                f"{field}.operation",
                N_("operation %(pinned_operation)s is pinned twice") % {"pinned_operation": pinned.operation},
            )
        if pinned.bay is None:
            bay_at = len(frame.workshop.bays) + len(nowhere)
            nowhere.append(bay_at)
        elif pinned.bay not in bay_index:
            raise InputError(f"{field}.bay", N_("unknown bay %(pinned_bay)r") % {"pinned_bay": pinned.bay})
        else:
            bay_at = bay_index[pinned.bay]
        # The vehicle's bay rules bind pinned work too (the validator's): no plan could keep it.
        bay = frame.workshop.bays[bay_at] if pinned.bay is not None else None
        if bay is not None and bay.fleet_partner is not None and bay.fleet_partner != booking.fleet_partner:
            raise InputError(
                f"{field}.bay",
                N_("bay %(bay)s is %(partner)s's, the vehicle is not")
                % {"bay": bay.id, "partner": bay.fleet_partner},
            )
        if bay is not None and bay.kind == "express" and not service.express:
            raise InputError(
                f"{field}.bay",
                N_("bay %(bay)s is an express lane, %(service)s is no express service")
                % {"bay": bay.id, "service": service.code},
            )
        if pinned.technician not in tech_index:
            raise InputError(
                f"{field}.technician",
                N_("unknown technician %(pinned_technician)r") % {"pinned_technician": pinned.technician},
            )
        if clock.local_date(pinned.start) != clock.date:
            raise InputError(
                f"{field}.start",
                N_("%(at)s is not on the plan date %(date)s")
                % {"at": moment_words(pinned.start, clock.tz), "date": clock.date},
            )
        start = clock.minutes(pinned.start)
        tech = frame.workshop.technicians[tech_index[pinned.technician]]
        if pinned.end is not None:
            if pinned.end < pinned.start:  # (at it: done by then, with no time of its own)
                raise InputError(f"{field}.end", N_("must be after start"))
            end = clock.minutes(pinned.end, round_up=True)
        else:
            end = start + duration(service.operations[pinned.operation].minutes, tech.efficiency)
        pins[pinned.operation] = Placement(bay_at, tech_index[pinned.technician], start, end)
    for k in sorted(pins):
        if k > 0 and k - 1 not in pins:
            raise InputError(
                f"{where}.pinned",
                N_("operation %(operation)d is pinned but operation %(before)d is not: pin finished work too")
                % {"operation": k, "before": k - 1},
            )
        if k > 0 and pins[k].start < pins[k - 1].end:
            raise PinsOutOfOrder(
                f"{where}.pinned",
                N_("operation %(k)s starts before operation %(k_1)s ends") % {"k": k, "k_1": k - 1},
                k,
            )
    return pins


def _check_pins_do_not_collide(problem: DayProblem, request: PlanRequest) -> None:
    by_resource: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
    for j, job in enumerate(problem.jobs):
        for op in job.operations:
            if op.pin is not None:
                for resource in (("bay", op.pin.bay), ("technician", op.pin.technician)):
                    by_resource.setdefault(resource, []).append((op.pin.start, op.pin.end, j))
    for (kind, index), pins in by_resource.items():
        pins.sort()
        for (_, end_a, job_a), (start_b, _, job_b) in itertools.pairwise(pins):
            if start_b < end_a:
                names = request.workshop.bays if kind == "bay" else request.workshop.technicians
                other, held = request.bookings[job_a].id, names[index].id
                reason = (
                    N_("overlaps pinned work of %(booking)s on bay %(bay)s") % {"booking": other, "bay": held}
                    if kind == "bay"
                    else N_("overlaps pinned work of %(booking)s on technician %(technician)s")
                    % {"booking": other, "technician": held}
                )
                raise PinCollision(f"bookings[{job_b}].pinned", reason, (job_a, job_b))
