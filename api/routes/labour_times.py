"""Learned labour times: suggested standard minutes and efficiencies from the clock, and applying
them as a new workshop version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import ManagerKey, PlansReadKey
from api.deps import ServiceDep
from api.errors import BodyRoute
from api.schemas import InputProblem, LabourTimesApplied, WorkshopConflictProblem
from scheduler import actuals
from scheduler.contract import Day, Moment
from scheduler.labour import LabourTimes

router = APIRouter(prefix="/v1/workshops", tags=["labour times"], route_class=BodyRoute)

# `Day`: a YYYY-MM-DD in the contract's range (a bare number is not a date here).
First = Annotated[
    Day | None, Query(alias="from", description="first day learned from (default: 90 days before `to`)")
]
Last = Annotated[Day | None, Query(alias="to", description="last day learned from (default: yesterday)")]
Now = Annotated[
    Moment | None,
    Query(
        description="the moment whose yesterday ends the default range (default: the server's clock);"
        " for the bookings a change may break, a day is past only when past by both `now` and the"
        " server's clock"
    ),
]


@router.get(
    "/{workshop_id}/labour-times",
    summary="Learned labour times",
    description="From the finished operations' clocked minutes (corrections applied): per operation the"
    " median standard minutes with an order-statistic interval and n, a suggestion once n >= 5; per"
    " technician an efficiency shrunk toward his grade's mean (weight n / (n + k)),"
    " beside the current values.",
    responses={422: {"model": InputProblem, "description": "a bad or inverted range"}},
)
def labour_times(
    workshop_id: str,
    service: ServiceDep,
    _: PlansReadKey,
    first: First = None,
    last: Last = None,
    now: Now = None,
) -> LabourTimes:
    return actuals.labour_times(service, workshop_id, first, last, now)


@router.post(
    "/{workshop_id}/labour-times/apply",
    summary="Apply learned labour times",
    description="The suggested standard minutes and efficiencies (as `GET labour-times` with the same"
    " range shows them) become a new version of the workshop; the old version stays readable"
    " (`GET /versions/{version}`). Refused with 409 when it would break accepted bookings, unless `force`."
    " When the suggestions are what the workshop already has, no version is made (`changed` false).",
    responses={
        409: {"model": WorkshopConflictProblem, "description": "it would break accepted bookings"},
        422: {"model": InputProblem, "description": "a bad or inverted range, or one ending after today"},
    },
)
def apply_labour_times(
    workshop_id: str,
    service: ServiceDep,
    _: ManagerKey,
    first: First = None,
    last: Last = None,
    force: Annotated[
        bool, Query(description="accept a change that breaks accepted bookings: they are kept at risk")
    ] = False,
    now: Now = None,
) -> LabourTimesApplied:
    done = actuals.apply_labour_times(service, workshop_id, first, last, force, now)
    return LabourTimesApplied(
        version=done.version,
        previous_version=done.previous,
        changed=done.changed,
        workshop=done.workshop,
        labour_times=done.times,
    )
