"""Accepted bookings against a changed workshop, and the gate every stored or returned plan passes.

- `witness_breaks`: which accepted bookings' witness placements no longer hold under a workshop
  (by the independent validator, plus what the compiler refuses, such as a drop-off now outside
  the opening hours or a service no longer offered).
- `plannable`: a day's request without the bookings the workshop can no longer plan at all; those
  are listed unassigned with the reason instead of making the whole day unplannable.
- `checked_plan`: a plan that breaks a hard rule is never kept: the greedy planner's plan (also
  validated) replaces it, and the event is logged.

Module-level and pure (apart from logging), so that they run in worker processes too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence

from scheduler.capacity import CapacityRules
from scheduler.compiler import CompiledDay, compile_request
from scheduler.contract import Assignment, Booking, Plan, PlanOptions, PlanRequest, Unassigned, Workshop
from scheduler.dispatch import dispatch, dispatch_order, rank
from scheduler.errors import Conflict, InputError
from scheduler.i18n import N_
from scheduler.kpis import NO_KPIS, compute_kpis
from scheduler.planning import DEFAULT_PLANNER, make_plan, to_plan
from scheduler.replan import carried_over, cut_to_clocked, keeping, stuck_bookings
from scheduler.validator import (
    NO_LOAN_CAR,
    RULE_ADVISORS,
    RULE_LOAN_CARS,
    Violation,
    plan_warnings,
    validate_plan,
)
from solver.problem import DaySolution

logger = logging.getLogger("bayplan")


def _unplannable(workshop: Workshop, date: dt.date, bookings: Sequence[Booking]) -> dict[str, str]:
    """Bookings the workshop cannot plan at all on `date`, with the reason (one compile when none)."""
    try:
        compile_request(PlanRequest(workshop=workshop, date=date, bookings=list(bookings)))
        return {}
    except InputError:
        pass
    reasons: dict[str, str] = {}
    for booking in bookings:
        if workshop.service(booking.service) is None:
            reasons[booking.id] = N_("service %(service)s is no longer offered by the workshop") % {
                "service": booking.service
            }
            continue
        try:
            compile_request(PlanRequest(workshop=workshop, date=date, bookings=[booking]))
        except InputError as exc:
            field = exc.field.split(".", 1)[1] if "." in exc.field else exc.field
            reasons[booking.id] = f"{field}: {exc.reason}"
    return reasons


def unplannable(workshop: Workshop, date: dt.date, bookings: Sequence[Booking]) -> dict[str, str]:
    """The bookings `workshop` cannot plan at all on `date` (a drop-off outside its opening hours,
    a service it no longer has, ...), each with the reason."""
    return _unplannable(workshop, date, bookings)


def promise_request(
    workshop: Workshop, date: dt.date, bookings: Sequence[Booking], held: Sequence[Booking] = ()
) -> PlanRequest:
    """The day's bookings as a request whose plan must keep every promise (what a witness of the
    day is checked against, or packed for), with the vehicles `held` on it."""
    return PlanRequest(
        workshop=workshop,
        date=date,
        bookings=list(bookings),
        options=PlanOptions(keep_promises=True),
        held=list(held),
    )


def witness_breaks(
    workshop: Workshop,
    date: dt.date,
    accepted: Sequence[tuple[Booking, Sequence[Assignment]]],
    held: Sequence[Booking] = (),
) -> dict[str, list[str]]:
    """The accepted bookings whose witness no longer holds under `workshop`, with every reason.
    Bookings without a witness (at risk already) are not looked at. `held`: the vehicles held on
    the day with no work of theirs (PlanRequest.held: their loan cars are out too)."""
    witnessed = [(b, list(w)) for b, w in accepted if w]
    bookings = [b for b, _ in witnessed]
    reasons: dict[str, list[str]] = defaultdict(list)
    for booking_id, why in _unplannable(workshop, date, bookings).items():
        reasons[booking_id].append(why)
    request = promise_request(workshop, date, bookings, held)
    witness = Plan(
        workshop=workshop.id,
        date=date,
        planner="witness",
        status="feasible",
        objective=0.0,
        solve_seconds=0.0,
        assignments=[a for _, w in witnessed for a in w],
        unassigned=[],
        kpis=NO_KPIS,
    )
    for v in validate_plan(request, witness):
        if v.booking is not None and v.message not in reasons[v.booking]:
            reasons[v.booking].append(v.message)
    return {b.id: reasons[b.id] for b in bookings if reasons.get(b.id)}


def plannable(request: PlanRequest) -> tuple[CompiledDay, list[Unassigned]]:
    """The request compiled without the bookings its workshop can no longer plan, and those as
    unassigned with the reason."""
    try:
        return compile_request(request), []
    except InputError:
        reasons = _unplannable(request.workshop, request.date, request.bookings)
        if not reasons:
            raise
    keep = [b for b in request.bookings if b.id not in reasons]
    dropped = [
        Unassigned(booking=b.id, reason=_at_risk(b, reasons[b.id]))
        for b in request.bookings
        if b.id in reasons
    ]
    return compile_request(request.model_copy(update={"bookings": keep})), dropped


FORCED_PARTS_ETA = "parts_eta changed by force to "
"""How the at-risk reason of a booking kept by a forced parts ETA change starts (service.change)."""


def _at_risk(booking: Booking | None, reason: str) -> str:
    if booking is None or not booking.at_risk:
        return reason
    if (booking.at_risk_reason or "").startswith(FORCED_PARTS_ETA):
        return N_("at risk since its parts ETA was changed by force: %(reason)s") % {"reason": reason}
    return N_("at risk since a workshop change: %(reason)s") % {"reason": reason}


def finish(request: PlanRequest, plan: Plan, dropped: Sequence[Unassigned]) -> Plan:
    """`plan` (of the plannable part of `request`) as the plan of all of `request`: the dropped
    bookings listed unassigned, at-risk bookings' reasons saying so, KPIs over every booking."""
    bookings = {b.id: b for b in request.bookings}
    unassigned = [
        u.model_copy(update={"reason": _at_risk(bookings.get(u.booking), u.reason)}) for u in plan.unassigned
    ]
    unassigned += dropped
    if not dropped and unassigned == plan.unassigned:
        return plan
    placed = {a.booking for a in plan.assignments} - {u.booking for u in unassigned}
    kpis = compute_kpis(request, plan.assignments, placed) if dropped else plan.kpis
    return plan.model_copy(update={"unassigned": unassigned, "kpis": kpis})


def _dispatched(compiled: CompiledDay, keep: Collection[str]) -> DaySolution:
    """The dispatcher's plan of `compiled`; with `keep` (bookings whose promise holds), also the
    dispatcher's plan with those placed first (after the pinned work), taken where it leaves fewer
    of them out (then fewer by priority, then the lower objective), as the re-plan's main path
    (`scheduler.replan._plan_rest`) does with its stable plan."""
    plain = dispatch(compiled.problem)
    mine = {j for j, b in enumerate(compiled.request.bookings) if b.id in keep}
    if not mine & plain.unplaced:
        return plain
    jobs = compiled.problem.jobs
    order = sorted(dispatch_order(compiled.problem), key=lambda j: (not jobs[j].pinned, j not in mine))
    first = dispatch(compiled.problem, order)
    marked = keeping(compiled, mine).problem  # `rank` counts the kept ones left out first
    return min((plain, first), key=lambda solution: rank(marked, solution))  # a tie keeps plain


def greedy_plan(request: PlanRequest, carry: bool = False, keep: Collection[str] = ()) -> Plan:
    """The baseline dispatcher's plan of every plannable booking of `request`. `carry` (a re-plan
    of the day): a booking whose pinned work leaves the rest of it no room is cut to that work, the
    rest carried over (scheduler.replan.carried_over), as the re-plan does. `keep`: the bookings
    whose promise holds (a live re-plan's `JobData.kept`): never left out for another booking where
    the dispatcher placing them first keeps more of them (`_dispatched`; review-s16 F5)."""
    compiled, dropped = plannable(request)
    plan = to_plan(compiled, _dispatched(compiled, keep), "greedy")
    first: dict[str, int] = {}
    for _ in range(len(compiled.request.bookings) if carry else 0):  # each round cuts one more
        stuck = stuck_bookings(compiled.request, plan, first)
        if not stuck:
            break
        first.update(stuck)
        cut = compile_request(cut_to_clocked(compiled.request, first))
        plan = to_plan(cut, _dispatched(cut, keep), "greedy")
    return finish(request, carried_over(compiled.request, plan, first), dropped)


def _nothing_placed(request: PlanRequest, reason: str) -> Plan:
    return Plan(
        workshop=request.workshop.id,
        date=request.date,
        planner="none",
        status="unknown",
        objective=0.0,
        solve_seconds=0.0,
        assignments=[],
        unassigned=[Unassigned(booking=b.id, reason=reason) for b in request.bookings],
        kpis=compute_kpis(request, [], set()),
    )


def _summary(violations: Sequence[Violation]) -> str:
    """The first three broken rules, each as "[rule] reason" (the rule's code as it is)."""
    values = {"count": len(violations), "shown": "; ".join(f"[{v.rule}] {v.message}" for v in violations[:3])}
    if len(violations) > 3:
        return N_("%(count)d hard rule(s) broken: %(shown)s (and %(more)d more)") % {
            **values,
            "more": len(violations) - 3,
        }
    return N_("%(count)d hard rule(s) broken: %(shown)s") % values


def _out_with(bookings: dict[str, Booking], placed: set[str], kept: str, keep: Collection[str]) -> str | None:
    """A placed loan-car booking not in `keep` whose car is out when the car of `kept` (blamed by
    the validator, its promise holds) leaves: the one to leave out instead (lowest priority, then
    the latest drop-off); None when there is none."""
    leaves = bookings[kept].drop_off
    out = [
        b
        for b in bookings.values()
        if b.id in placed
        and b.id not in keep
        and b.loan_car
        and b.drop_off <= leaves
        and (b.promised is None or b.promised > leaves)
    ]
    return min(out, key=lambda b: (b.priority, -b.drop_off.timestamp(), b.id)).id if out else None


SHORT_RULES = {RULE_LOAN_CARS: NO_LOAN_CAR, RULE_ADVISORS: N_("no advisor free for check-in")}
"""The rules no planner counts, each with the reason a booking it blames is left out for
(`_without_cars_short`)."""


def _without_cars_short(
    request: PlanRequest, plan: Plan, violations: list[Violation], keep: Collection[str] = ()
) -> Plan | None:
    """`plan` with the bookings the loan-car or advisor rule blames listed unassigned, when that is
    all it breaks (None otherwise). The planners count neither loan cars nor check-ins: the front
    desk keeps the accepted ones within the fleet and the advisors, so more are out (or more
    check-ins than advisors at once) only after a workshop change accepted by force, and then the
    bookings blamed are the ones to leave out, not the whole day. `keep`: the bookings whose
    promise holds (plan_tasks.keeping_promises): where one is blamed for a loan car, a booking
    not kept whose car is out then is left out instead, so one at risk never takes its car (the
    advisor rule blames bookings at risk before the others itself)."""
    unassigned = list(plan.unassigned)
    bookings = {b.id: b for b in request.bookings}
    for _ in range(len(request.bookings)):  # each round unassigns at least one booking
        if not violations or any(v.rule not in SHORT_RULES or v.booking is None for v in violations):
            break
        blamed = {v.booking: v.rule for v in violations if v.booking is not None}
        placed = {a.booking for a in plan.assignments}
        cars = {b for b, rule in blamed.items() if rule == RULE_LOAN_CARS}
        instead = {_out_with(bookings, placed, b, keep) for b in cars if b in keep and b in bookings}
        if instead and None not in instead:
            blamed = {b: rule for b, rule in blamed.items() if rule != RULE_LOAN_CARS}
            blamed.update({b: RULE_LOAN_CARS for b in instead if b is not None})
        unassigned += [
            Unassigned(booking=b, reason=_at_risk(bookings.get(b), SHORT_RULES[blamed[b]]))
            for b in sorted(blamed)
        ]
        assignments = [a for a in plan.assignments if a.booking not in blamed]
        placed = {a.booking for a in assignments}
        kpis = compute_kpis(request, assignments, placed)
        plan = plan.model_copy(update={"assignments": assignments, "unassigned": unassigned, "kpis": kpis})
        violations = validate_plan(request, plan)
    return None if violations else plan


DEFAULT_AFTERNOON_HANDOVER = CapacityRules.afternoon_handover
"""The promise rule's afternoon handover where no service's rules are given (a stateless plan)."""


def _warn_of_promises(request: PlanRequest, afternoon_handover: str) -> None:
    """Logs the day's bookings promised outside the desk's handover hours (validator.plan_warnings,
    with the desk's `afternoon_handover`): promises made before the offers kept to those hours,
    which no plan can change; the plan is valid all the same."""
    warnings = plan_warnings(request, afternoon_handover)
    if warnings:
        logger.warning(
            "plan of %s for %s: %d booking(s) promised outside the desk's handover hours: %s%s",
            request.workshop.id,
            request.date,
            len(warnings),
            "; ".join(w.message for w in warnings[:3]),
            " …" if len(warnings) > 3 else "",
        )


class NoValidPlan(RuntimeError):
    """No plan of the request keeps its pinned work within the hard rules (work clocked so late
    that the rest of its booking fits nowhere in the day, say): not even one placing nothing else."""


def checked_plan(
    request: PlanRequest,
    plan: Plan,
    carry: bool = False,
    keep: Collection[str] = (),
    before_greedy: Callable[[], Plan] | None = None,
    afternoon_handover: str = DEFAULT_AFTERNOON_HANDOVER,
) -> Plan:
    """`plan` if it passes the validator against `request` (or, breaking only the loan-car or
    advisor rule, without the bookings they blame); else the greedy plan (validated, the same;
    `carry`: a re-plan's, carrying over what clocked work leaves no room, `greedy_plan`), else a
    plan that places nothing. Never returns a plan that breaks a hard rule (pinned work aside: then
    it raises). `keep`: the bookings whose promise holds, never left out for one that is not
    (`_without_cars_short`).
    `before_greedy`: a plan tried before the greedy one (the day plan's witness, which keeps every
    promise where the greedy plan knows none). `afternoon_handover`: the desk's promise rule's
    (CapacityRules.afternoon_handover of the service planning the day), which the handover warning
    reads (`_warn_of_promises`)."""
    _warn_of_promises(request, afternoon_handover)
    violations = validate_plan(request, plan)
    if not violations:
        return plan
    trimmed = _without_cars_short(request, plan, violations, keep)
    if trimmed is not None:
        logger.warning(
            "plan of %s for %s: more loan cars out or check-ins than the workshop has,"
            " %d booking(s) unassigned",
            request.workshop.id,
            request.date,
            len(trimmed.unassigned) - len(plan.unassigned),
        )
        return trimmed
    what = f"plan of {request.workshop.id} for {request.date} by {plan.planner}"
    if before_greedy is not None:
        instead = before_greedy()
        if not validate_plan(request, instead):
            logger.error(
                "%s is invalid, the %s plan replaces it: %s", what, instead.planner, _summary(violations)
            )
            return instead
    logger.error("%s is invalid, the greedy plan replaces it: %s", what, _summary(violations))
    try:
        fallback = greedy_plan(request, carry, keep)
        violations = validate_plan(request, fallback)
    except InputError as exc:
        violations = [Violation("reference", None, str(exc))]
    if not violations:
        return fallback
    trimmed = _without_cars_short(request, fallback, violations, keep)
    if trimmed is not None:
        return trimmed
    logger.error("the greedy %s is invalid too: %s", what, _summary(violations))
    empty = _nothing_placed(request, N_("no valid plan could be made for the day: plan it again"))
    violations = validate_plan(request, empty)
    if violations:
        raise NoValidPlan(
            N_("no valid plan of %(workshop)s for %(date)s by %(planner)s: %(why)s")
            % {
                "workshop": request.workshop.id,
                "date": request.date,
                "planner": plan.planner,
                "why": _summary(violations),
            }
        )
    return empty


def validated_plan(request: PlanRequest, planner: str = DEFAULT_PLANNER) -> Plan:
    """`make_plan` with the validator's gate: the stateless plan, by the API (in a worker process)
    and by `bayplan plan`. NoValidPlan when the request's own pinned work leaves no valid plan
    (`no_valid_plan` says it as the API's 409 and the CLI's error do)."""
    return checked_plan(request, make_plan(request, planner))


def no_valid_plan(exc: NoValidPlan) -> Conflict:
    """A stateless request whose pinned work leaves no valid plan (`validated_plan`), as a 409
    says it: the validator's reasons (the booking named)."""
    return Conflict(N_("the pinned work leaves no valid plan: %(why)s") % {"why": exc}, [])
