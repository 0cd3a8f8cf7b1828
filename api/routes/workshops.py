"""Workshops: their set-up (bays, technicians, services, hours) as the v1 Workshop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api import i18n
from api.auth import ManagerKey, ReadingKey
from api.deps import ServiceDep
from api.errors import BodyRoute
from api.examples import json_body, small_dealer_workshop
from api.schemas import WorkshopConflictProblem, WorkshopVersion
from scheduler import actuals
from scheduler.contract import Moment, Workshop
from scheduler.errors import InputError
from scheduler.i18n import N_

router = APIRouter(prefix="/v1/workshops", tags=["workshops"], route_class=BodyRoute)

#: The largest version number storage holds (a 32-bit column): past it, a 422, not the driver's overflow.
MAX_VERSION = 2**31 - 1


@router.put(
    "/{workshop_id}",
    summary="Create or replace a workshop",
    description="The workshop's set-up (bays, technicians, services, hours) as the v1 Workshop; refused"
    " with 409 when it would break accepted bookings, unless `force`.",
    openapi_extra=json_body(small_dealer_workshop()),
    responses={409: {"model": WorkshopConflictProblem, "description": "it would break accepted bookings"}},
)
def put_workshop(
    workshop_id: str,
    workshop: Workshop,
    request: Request,
    service: ServiceDep,
    _: ManagerKey,
    force: Annotated[
        bool, Query(description="accept a change that breaks accepted bookings: they are kept at risk")
    ] = False,
    now: Annotated[
        Moment | None,
        Query(
            description="the moment of the change (default: the server's clock; a day replayed): the"
            " bookings it may break are those of days not yet past, a day being past only when past by"
            " both `now` and the server's clock"
        ),
    ] = None,
) -> Workshop:
    if workshop.id != workshop_id:
        raise InputError(
            "id",
            N_("body id %(workshop_id)r differs from the path's %(workshop_id2)r")
            % {"workshop_id": workshop.id, "workshop_id2": workshop_id},
        )
    i18n.carries(request, workshop)  # its refusals name what it renames as it names it
    return service.put_workshop(workshop, force=force, as_of=now)


@router.get("/{workshop_id}", summary="A workshop's set-up", description="The stored v1 Workshop.")
def get_workshop(workshop_id: str, service: ServiceDep, _: ReadingKey) -> Workshop:
    return service.workshop(workshop_id)


@router.get(
    "/{workshop_id}/versions",
    summary="A workshop's versions",
    description="Every text the workshop had, oldest first: its version number, when and why (the newest"
    " is the current one).",
)
def workshop_versions(workshop_id: str, service: ServiceDep, _: ReadingKey) -> list[WorkshopVersion]:
    return [
        WorkshopVersion(version=v, created_at=at, note=note)
        for v, at, note in actuals.versions(service, workshop_id)
    ]


@router.get(
    "/{workshop_id}/versions/{version}",
    summary="One version of a workshop",
    description="The v1 Workshop as it was in that version.",
)
def workshop_version(
    workshop_id: str,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION, description="1 the workshop's first text")],
    service: ServiceDep,
    _: ReadingKey,
) -> Workshop:
    return actuals.version(service, workshop_id, version)
