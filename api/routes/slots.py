"""Slot offers: drop-off times that really fit the day, each with its promised pickup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import BookingKey
from api.deps import ServiceDep
from api.schemas import Slots, slot_list
from scheduler.contract import Day

router = APIRouter(prefix="/v1/workshops", tags=["slots"])


@router.get(
    "/{workshop_id}/slots",
    operation_id="list_slots",
    summary="Free drop-off times",
    description="Drop-off times that really fit the day, each with its promised pickup.",
)
def slots(
    workshop_id: str,
    service_code: Annotated[str, Query(alias="service", min_length=1, max_length=64)],
    date: Day,
    service: ServiceDep,
    _: BookingKey,
    waiter: bool = False,
    fleet_partner: Annotated[str | None, Query(max_length=64)] = None,
) -> Slots:
    return Slots(slots=slot_list(service.slots(workshop_id, service_code, date, waiter, fleet_partner)))
