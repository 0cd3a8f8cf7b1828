"""Computing and storing plans: one call per request, the CPU-heavy part in a worker process.

The planning service says what a day's plan takes (`plan_work`: a pure function, its arguments and
the basis to store the result under); this module runs it in the job runner's plan lane and keeps
the result, so the API never handles a function or a day version itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from scheduler.contract import OperationEvent, Overrun, Plan, PlanRequest
from scheduler.desk_checks import check_loan_cars_wanted
from scheduler.errors import Conflict, InputError
from scheduler.i18n import N_
from scheduler.integrity import NoValidPlan, no_valid_plan, validated_plan
from scheduler.jobs import JobRecord, JobRunner
from scheduler.live_replan import has_clock_events, replan_live
from scheduler.service import PlanningService

MAX_SOLVE_SECONDS = 60.0
MAX_BOOKINGS = 1_000


class DayPlanner:
    """Day plans of stored workshops, and stateless plans of whole requests."""

    def __init__(self, service: PlanningService, runner: JobRunner) -> None:
        self.service = service
        self.runner = runner

    def plan_day(
        self,
        workshop_id: str,
        date: dt.date,
        time_limit_seconds: float,
        *,
        now: dt.datetime | None = None,
        overruns: Sequence[Overrun] = (),
        finished: Sequence[OperationEvent] = (),
        background: bool = False,
    ) -> Plan | JobRecord:
        """The day's plan, stored (with `now`: re-planned from that moment); in the background, the
        job computing it (the plan is stored when it is done, unless the day changed meanwhile).

        A day with clock events is always re-planned around them, from `now` (default the clock),
        the way each event re-plans it (greedily, at once, in the foreground): a stored plan never
        ignores recorded work. Overruns and finished work are then clocked, not reported: Conflict."""
        if has_clock_events(self.service, workshop_id, date):
            if overruns or finished:
                raise Conflict(
                    N_(
                        "the day has clock events: clock overruns and finished work instead of reporting them"
                    ),
                    [],
                )
            return replan_live(self.service, workshop_id, date, now)
        compute, args, basis = self.service.plan_work(
            workshop_id, date, time_limit_seconds, now, overruns, finished
        )
        if not background:
            plan: Plan = self.runner.run("plan", workshop_id, compute, *args)
            return self.service.store_plan(workshop_id, date, plan, basis)

        def keep(plan: Plan) -> Plan:
            """Stored before the job says done, so a client polling the job finds the plan stored."""
            try:
                return self.service.store_plan(workshop_id, date, plan, basis)
            except Conflict:  # the day changed meanwhile: the job shows the plan, nothing is stored
                return plan

        job = self.runner.submit("plan", workshop_id, compute, *args, then=keep)
        return self.runner.record(job)

    def plan_request(self, request: PlanRequest) -> Plan:
        """A whole v1 request planned statelessly (nothing stored), within the request limits."""
        if len(request.bookings) > MAX_BOOKINGS:
            raise InputError(
                "bookings",
                N_("at most %(max_bookings)s bookings per request") % {"max_bookings": MAX_BOOKINGS},
            )
        if request.options.time_limit_seconds > MAX_SOLVE_SECONDS:
            raise InputError(
                "options.time_limit_seconds",
                N_("at most %(max_solve_seconds)g s per request") % {"max_solve_seconds": MAX_SOLVE_SECONDS},
            )
        check_loan_cars_wanted(request)
        try:
            plan: Plan = self.runner.run("plan", request.workshop.id, validated_plan, request)
        except NoValidPlan as exc:  # the request's own pinned work: a 409 saying why, not a 500
            raise no_valid_plan(exc) from None
        return plan
