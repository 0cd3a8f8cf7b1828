"""Slot offers: drop-off times that really fit the day, each with its promised pickup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.auth import BookingKey
from api.deps import ServiceDep
from api.errors import BodyRoute, located
from api.i18n import workshop_translator
from api.schemas import Refusal, Slots, slot_list
from scheduler import phases
from scheduler.contract import Day, Moment
from scheduler.offer import SlotQuery, Wants

router = APIRouter(prefix="/v1/workshops", tags=["slots"], route_class=BodyRoute)

QUERY = ("service", "date", "waiter", "fleet_partner", "loan_car", "parts_eta", "explain", "now")
"""The slot query's parameters: an error the service finds in one is located in the query."""


@router.get(
    "/{workshop_id}/slots",
    operation_id="list_slots",
    summary="Free drop-off times",
    description="Drop-off times that really fit the day, each with its promised pickup; with"
    " `explain=true` also the times refused and the first rule that blocks each, and on a time sold"
    " beyond the day's plan the overbooking allowance it draws on (in the request's language).",
    response_model_exclude_none=True,
)
async def slots(
    request: Request,
    workshop_id: str,
    service_code: Annotated[str, Query(alias="service", min_length=1, max_length=64)],
    date: Day,
    service: ServiceDep,
    _: BookingKey,
    waiter: bool = False,
    fleet_partner: Annotated[str | None, Query(max_length=64)] = None,
    loan_car: bool = False,
    parts_eta: Annotated[Moment | None, Query(description="when ordered parts arrive")] = None,
    explain: Annotated[bool, Query(description="also list each quarter hour not offered and why")] = False,
    now: Annotated[
        Moment | None,
        Query(
            description="the moment the answer is for (default: the server's clock): times before it are past"
        ),
    ] = None,
) -> Slots:
    # One hand-over to a worker thread for the whole answer (a plain `def` route costs three: its
    # body, then its response's validation, each there and back): under a booking storm every
    # thread wake-up waits its turn for the interpreter.
    query = SlotQuery(workshop_id, service_code, date, waiter, fleet_partner, now, Wants(loan_car, parts_eta))
    handed = phases.mark()

    def answer() -> Slots:
        with located("query", QUERY):  # ["query", "loan_car"], as FastAPI's own
            return explained()

    def explained() -> Slots:
        phases.since("to thread", handed)
        if not explain:
            offers = service.slots(query)
            with phases.phase("response"):
                return Slots(slots=slot_list(offers))
        offers, refused, notes = service.explained_slots(query)
        t = workshop_translator(request)
        return Slots(
            slots=slot_list(offers, {when: t.phrase(note) for when, note in notes.items()}),
            refused=[Refusal(drop_off=when, reason=t.phrase(why)) for when, why in refused],
        )

    return await run_in_threadpool(answer)
