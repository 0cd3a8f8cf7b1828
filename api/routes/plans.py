"""Day plans of stored workshops (computed, re-planned from now, stored) and stateless plans."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api import i18n
from api.auth import ForemanKey, PlansReadKey, ensure_workshop
from api.deps import PlannerDep, ServiceDep
from api.errors import BodyRoute
from api.examples import json_body, plan_request
from api.schemas import JobView, PlanDay, job_view
from scheduler.contract import Day, Plan, PlanRequest

router = APIRouter(tags=["plans"], route_class=BodyRoute)


@router.post(
    "/v1/workshops/{workshop_id}/plans",
    summary="Plan a stored workshop's day",
    description="Plans the day's accepted bookings (warm-started from the witness) and stores the plan;"
    " with `now`, re-plans the stored plan from that moment (its `changes` say what moved); with"
    " `background`, 202 and a job. Reasons and changes read in the Accept-Language (en, zh-CN).",
    openapi_extra=json_body({"date": "2026-11-24", "time_limit_seconds": 10}),
    responses={202: {"model": JobView, "description": "background: poll the job"}},
)
def plan_day(
    workshop_id: str, body: PlanDay, request: Request, response: Response, planner: PlannerDep, _: ForemanKey
) -> Plan | JobView:
    done = planner.plan_day(
        workshop_id,
        body.date,
        body.time_limit_seconds,
        now=body.now,
        overruns=body.overruns,
        finished=body.finished,
        background=body.background,
    )
    if isinstance(done, Plan):
        return i18n.plan_in_words(done, i18n.workshop_translator(request))
    response.status_code = 202
    return job_view(done)


@router.get(
    "/v1/workshops/{workshop_id}/plans/{date}",
    summary="A stored day plan",
    description="The day's stored plan; `stale` when bookings or the workshop changed since; reasons"
    " read in the Accept-Language (en, zh-CN).",
)
def get_plan(workshop_id: str, date: Day, request: Request, service: ServiceDep, _: PlansReadKey) -> Plan:
    return i18n.plan_in_words(service.stored_plan(workshop_id, date), i18n.workshop_translator(request))


@router.post(
    "/v1/plan",
    summary="Plan a v1 request (stateless)",
    description="Plans the request's workshop, day and bookings; nothing is stored. Reasons read in"
    " the Accept-Language (en, zh-CN).",
    openapi_extra=json_body(plan_request()),
)
def plan_stateless(request: PlanRequest, http: Request, planner: PlannerDep, key: ForemanKey) -> Plan:
    ensure_workshop(key, request.workshop.id)
    t = i18n.named(i18n.translator(http), request.workshop)  # the request's own workshop
    return i18n.plan_in_words(planner.plan_request(request), t)
