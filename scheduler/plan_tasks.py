"""What computing a day's plan runs: pure, picklable functions for a worker process, and the basis
a result is stored under.

The planning service gathers a day's inputs (`PlanningService.plan_work`); these functions turn
them into a validated plan away from the service's state, so the job runner can run them in its
plan lane (scheduler.day_plans) and the shop floor's live re-plans can call them in a thread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.compiler import CompiledDay
from scheduler.contract import Assignment, Plan, PlanRequest, ReplanRequest
from scheduler.integrity import DEFAULT_AFTERNOON_HANDOVER, checked_plan, finish, plannable, witness_breaks
from scheduler.optimise import optimise
from scheduler.planning import to_plan
from scheduler.replan import on_time, replan, replan_request, said_on_time, with_changes
from solver.objective import objective
from solver.problem import DaySolution, Placement


@dataclass(frozen=True)
class PlanBasis:
    """What a computed plan is stored under: the day's version it was computed for, and the
    request it must pass the validator against."""

    version: tuple[object, ...]
    request: PlanRequest


def basis_text(version: tuple[object, ...]) -> str:
    """A day version as stored beside its plan (a plan is stale once the day's version moves)."""
    return json.dumps([str(v) for v in version])


def replan_check_request(rr: ReplanRequest) -> PlanRequest:
    """The request a re-planned day must pass the validator against: started work pinned, nothing
    unpinned before `now`, and the bookings the workshop can no longer plan (listed unassigned)."""
    compiled, dropped = plannable(rr.request)
    bookings, now = replan_request(rr.model_copy(update={"request": compiled.request}))
    gone = {u.booking for u in dropped}
    bookings += [b for b in rr.request.bookings if b.id in gone]
    options = rr.request.options.model_copy(update={"not_before": now})
    return rr.request.model_copy(update={"bookings": bookings, "options": options})


def replan_plan(rr: ReplanRequest, afternoon_handover: str = DEFAULT_AFTERNOON_HANDOVER) -> Plan:
    """The re-planned day, validated (`afternoon_handover`: the desk's, for the gate's warning)."""
    compiled, dropped = plannable(rr.request)
    plan = replan(rr.model_copy(update={"request": compiled.request})).plan
    check = replan_check_request(rr)
    kept = on_time(check, rr.plan)
    checked = checked_plan(
        check, finish(check, plan, dropped), carry=True, keep=kept, afternoon_handover=afternoon_handover
    )
    return with_changes(rr.plan, said_on_time(checked, kept), rr)


def witness_hint(compiled: CompiledDay, witness: Sequence[Assignment]) -> DaySolution:
    """The witness as a warm start: a booking whose witness no longer holds (unknown bay or
    technician, or any hard rule broken) starts unplaced."""
    request = compiled.request
    index = {b.id: j for j, b in enumerate(request.bookings)}
    own: dict[str, list[Assignment]] = {}
    for a in witness:
        own.setdefault(a.booking, []).append(a)
    broken = witness_breaks(
        request.workshop, request.date, [(b, own.get(b.id, [])) for b in request.bookings], request.held
    )
    placements: dict[tuple[int, int], Placement] = {}
    for booking_id, assignments in own.items():
        j = index.get(booking_id)
        if j is None or booking_id in broken:
            continue
        job = compiled.problem.jobs[j]
        if sorted(a.operation for a in assignments) != list(range(len(job.operations))):
            continue
        mine = {(j, a.operation): compiled.frame.placement(a) for a in assignments}
        ops = job.operations
        if all(p.bay in ops[k].bays and p.technician in ops[k].technicians for (_, k), p in mine.items()):
            placements.update(mine)
    unplaced = {j for j in range(len(request.bookings)) if (j, 0) not in placements}
    return DaySolution(placements=placements, unplaced=unplaced)


def keeping_promises(compiled: CompiledDay, hint: DaySolution) -> CompiledDay:
    """`compiled` with every booking the witness still places kept (`JobData.kept`): a booking at
    risk or without a witness is placed only where it takes no accepted booking's place. Without
    this a plan traded an accepted booking for one at risk of the same or higher priority wherever
    that lowered the rest of the objective (which one depended on the search)."""
    problem = compiled.problem
    jobs = tuple(job if j in hint.unplaced else replace(job, kept=True) for j, job in enumerate(problem.jobs))
    return replace(compiled, problem=replace(problem, jobs=jobs))


def plan_from_witness(
    request: PlanRequest, witness: list[Assignment], afternoon_handover: str = DEFAULT_AFTERNOON_HANDOVER
) -> Plan:
    """CP-SAT warm-started from the accepted bookings' witness (every booking placed on time),
    validated against `request` (the greedy plan if it breaks a hard rule). Bookings the workshop
    can no longer plan are listed unassigned. `afternoon_handover`: the desk's (the service's
    CapacityRules), which the gate's handover warning reads."""
    compiled, dropped = plannable(request)
    hint = witness_hint(compiled, witness)
    compiled = keeping_promises(compiled, hint)
    plan = finish(request, to_plan(compiled, optimise(compiled, hint=hint), "cpsat"), dropped)
    kept = {compiled.request.bookings[j].id for j, job in enumerate(compiled.problem.jobs) if job.kept}

    def witnessed() -> Plan:
        """The accepted bookings' own placements: never expected to be needed (the search starts from
        them and keeps them valid), but where the greedy plan knows no promise, they keep every one."""
        hint.objective = objective(compiled.problem, hint)
        return finish(request, to_plan(compiled, hint, "witness"), dropped)

    return checked_plan(
        request,
        plan,
        keep=kept,
        before_greedy=witnessed if kept else None,
        afternoon_handover=afternoon_handover,
    )
