"""Why a booking is not in the plan, computed from the workshop and the plan, in a foreman's words."""

from __future__ import annotations

from scheduler.availability import Availability, first_fit
from scheduler.compiler import CompiledDay
from scheduler.contract import GRADE_NAMES, Operation, Service
from solver.problem import DaySolution, OperationData


def _who(op: Operation) -> str:
    return f"{op.skill} technician with grade >= {op.min_grade} ({GRADE_NAMES[op.min_grade]})"


def _bays_wording(op: Operation) -> str:
    return "/".join(op.bay_kinds) + " bays"


def _after(compiled: CompiledDay, ready: int) -> str:
    """The time a booking is ready from, as a foreman says it: a car left on an earlier day is
    ready from the opening (never "after 00:00")."""
    opening = compiled.clock.wall(compiled.workshop.opening_window()[0])
    return compiled.clock.hhmm(max(ready, opening))


def _no_bay(compiled: CompiledDay, j: int, op: Operation, service: Service) -> str:
    booking = compiled.bookings[j]
    kinds = [b for b in compiled.workshop.bays if b.kind in op.bay_kinds]
    if not kinds:
        return f"operation '{op.name}': the workshop has no {_bays_wording(op)}"
    if all(b.kind == "express" for b in kinds) and not service.express:
        return (
            f"operation '{op.name}': only express lanes fit it, and {service.code} is not an express service"
        )
    if booking.fleet_partner and not compiled.request.options.allow_fleet_overflow:
        return (
            f"operation '{op.name}': fleet overflow is forbidden and partner {booking.fleet_partner} "
            f"has no {_bays_wording(op)}"
        )
    return f"operation '{op.name}': every {_bays_wording(op)} is reserved for a fleet partner"


def _static_reason(compiled: CompiledDay, j: int) -> str | None:
    """Reasons that hold whatever else is planned: no bay, no technician, no time left."""
    problem = compiled.problem
    job = problem.jobs[j]
    service = compiled.services[j]
    ready = job.release
    for op_data, op in zip(job.operations, service.operations, strict=True):
        if op_data.pin is not None:
            ready = max(ready, op_data.pin.end)
            continue
        if not op_data.bays:
            return _no_bay(compiled, j, op, service)
        if not op_data.technicians:
            return f"operation '{op.name}': no {_who(op)} on shift {compiled.request.date:%A}"
        ends = []
        longest = 0
        for t, d in zip(op_data.technicians, op_data.durations, strict=True):
            gaps = [(max(s, ready), e) for s, e in problem.technicians[t].windows() if e > ready]
            longest = max([longest, *(e - s for s, e in gaps)])
            start = first_fit(gaps, d)
            if start is not None:
                ends.append(start + d)
        if not ends:
            need = min(op_data.durations)
            return (
                f"operation '{op.name}': needs {need} min of a {_who(op)} after "
                f"{_after(compiled, ready)}; the longest working block left is {longest} min"
            )
        ready = min(ends)
    return None


def _capacity_reason(compiled: CompiledDay, j: int, availability: Availability) -> str:
    problem = compiled.problem
    job = problem.jobs[j]
    service = compiled.services[j]
    ready = job.release
    for op_data, op in zip(job.operations, service.operations, strict=True):
        if op_data.pin is not None:
            ready = max(ready, op_data.pin.end)
            continue
        placement = availability.earliest(op_data, ready)
        if placement is None:
            why = _bottleneck(compiled, op_data, op, ready, availability)
            return f"day full: {why}{_displaced(compiled, j)}"
        availability.reserve(placement)
        ready = placement.end
    return "not placed within the time limit (it would still fit: re-plan to place it)"


def _bottleneck(
    compiled: CompiledDay, op_data: OperationData, op: Operation, ready: int, availability: Availability
) -> str:
    """Which resource runs out: technicians (each against its own duration), bays, or their overlap."""
    after = _after(compiled, ready)
    need = min(op_data.durations)
    tech_fits = [
        t
        for t, d in zip(op_data.technicians, op_data.durations, strict=True)
        if first_fit(availability.tech_gaps(t, ready), d) is not None
    ]
    bay_gap = max((e - s for b in op_data.bays for s, e in availability.bay_gaps(b, ready)), default=0)
    if not tech_fits:
        longest = max(
            (e - s for t in op_data.technicians for s, e in availability.tech_gaps(t, ready)), default=0
        )
        low, high = min(op_data.durations), max(op_data.durations)
        takes = f"{low}" if low == high else f"{low}-{high}"
        return (
            f"operation '{op.name}': no {_who(op)} has the {takes} min it takes them in one piece "
            f"after {after} (longest free stretch {longest} min)"
        )
    if bay_gap < need:
        bays = _bays_wording(op)
        return f"operation '{op.name}': no {bays} free for {need} min after {after} (longest {bay_gap} min)"
    return (
        f"operation '{op.name}': {_bays_wording(op)} and {_who(op)}s are never free together "
        f"for {need} min after {after}"
    )


def _displaced(compiled: CompiledDay, j: int) -> str:
    priority = compiled.problem.jobs[j].priority
    higher = sum(1 for job in compiled.problem.jobs if job.priority > priority)
    return f" (taken by {higher} higher-priority bookings among others)" if higher else ""


def unplaced_reasons(compiled: CompiledDay, solution: DaySolution) -> dict[int, str]:
    if compiled.workshop.is_closed(compiled.request.date):
        return {j: f"the workshop is closed on {compiled.request.date}" for j in solution.unplaced}
    reasons: dict[int, str] = {}
    pending = []
    for j in sorted(solution.unplaced):
        static = _static_reason(compiled, j)
        if static is not None:
            reasons[j] = static
        else:
            pending.append(j)
    if pending:
        availability = Availability(compiled.problem)
        for p in solution.placements.values():
            availability.reserve(p)
        for j in pending:
            # A fresh copy per booking: one booking's trial must not block the next.
            trial = Availability(compiled.problem)
            trial.bay_busy = [list(b) for b in availability.bay_busy]
            trial.tech_busy = [list(t) for t in availability.tech_busy]
            reasons[j] = _capacity_reason(compiled, j, trial)
    return reasons
