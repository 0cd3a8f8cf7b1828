"""Shop-floor clocking: clock events (technicians as themselves, foremen for anyone), the day's
audit trail of events and corrections, and the live day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Header, HTTPException, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.auth import require
from api.deps import ShopFloorDep
from api.errors import BodyRoute
from api.schemas import Clocked, ClockIn, ConflictProblem, InputProblem
from scheduler.clocking import ClockEvent, DayStatus
from scheduler.contract import Day, Moment
from scheduler.errors import InputError
from scheduler.keys import KeyInfo, Role
from scheduler.shopfloor import status_message

router = APIRouter(prefix="/v1/workshops", tags=["shop floor"], route_class=BodyRoute)

KEEP_ALIVE_SECONDS = 15.0

ClockKey = Annotated[KeyInfo | None, Depends(require(Role.technician, Role.foreman))]
EventsKey = Annotated[KeyInfo | None, Depends(require(Role.foreman, Role.manager))]
StatusKey = Annotated[KeyInfo | None, Depends(require(Role.foreman, Role.manager, Role.technician))]


@router.post(
    "/{workshop_id}/clock",
    status_code=201,
    responses={
        200: {"model": Clocked, "description": "a replay: this API key sent this event with this key"},
        409: {
            "model": ConflictProblem,
            "description": "an impossible transition, with the reason (`detail`); `alternatives` is always"
            " empty here (it lists a refused booking's times)",
        },
        422: {"model": InputProblem, "description": "a bad body, or an `Idempotency-Key` reused"},
    },
)
def clock(
    workshop_id: str,
    body: ClockIn,
    response: Response,
    background: BackgroundTasks,
    shopfloor: ShopFloorDep,
    key: ClockKey,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    now: Annotated[
        Moment | None,
        Query(
            description="the moment the event is received (default: the server's clock): an `at` more than"
            " 2 minutes after it is refused (409). A technician's key may not send a `now` more than"
            " 2 minutes after the server's clock (422), and its `at` counts from the server's clock;"
            " a foreman's key may send any `now` (a day replayed)"
        ),
    ] = None,
) -> Clocked:
    """A technician clocks on or off a job (start, pause, resume, finish), or a foreman corrects an
    event (both stay in the audit trail); the rest of the day is re-planned around it."""
    refused = None if key is None else key.clock_refusal(body.technician, body.action == "correct")
    if refused is not None:
        raise HTTPException(403, refused)
    try:
        event, status, created = shopfloor.clock(
            workshop_id,
            body.model_dump(exclude_unset=True),
            idempotency_key,
            None if key is None else key.id,
            now,
            replays=key is None or key.role is not Role.technician,
            # The re-plan asked for and the webhooks sent once the answer is out (clock13-s45).
            after=background.add_task,
        )
    except InputError as exc:
        if exc.field != "now":
            raise
        # `now` is this route's query parameter: named where FastAPI names its own errors of it.
        raise InputError("query.now", exc.reason, exc.source) from None
    if not created:
        response.status_code = 200
    return Clocked(event=event, booking=status)


@router.get("/{workshop_id}/days/{date}/events")
def day_events(workshop_id: str, date: Day, shopfloor: ShopFloorDep, _: EventsKey) -> list[ClockEvent]:
    """Every clock event of the day, corrections included, in the order recorded (the audit trail)."""
    return shopfloor.events(workshop_id, date)


@router.get("/{workshop_id}/days/{date}/status")
def day_status(
    workshop_id: str, date: Day, shopfloor: ShopFloorDep, _: StatusKey, now: Moment | None = None
) -> DayStatus:
    """The live day as of `now` (default: the server's clock): each booking's state, projected end
    and promise risk, and what each technician is doing."""
    return shopfloor.status(workshop_id, date, now)


@router.get(
    "/{workshop_id}/days/{date}/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`event: status` messages"}},
)
async def day_stream(
    workshop_id: str,
    date: Day,
    shopfloor: ShopFloorDep,
    _: StatusKey,
    max_events: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    now: Annotated[
        Moment | None,
        Query(description="the first message's moment, as the status route's `now` (default: live)"),
    ] = None,
) -> StreamingResponse:
    """Server-sent events: the day's status now (as of the clock, or the latest clock event if the
    clock is behind it; as of `now` when given), then again after each accepted clock event and each
    stored plan (`event: status`, `data:` the status JSON, as the shop floor knows it then);
    `max_events` ends the stream after that many. A client too slow to keep up is dropped
    (reconnect and read the status again)."""
    sub = shopfloor.hub.subscribe((workshop_id, date))
    try:
        if now is None:
            first = await run_in_threadpool(shopfloor.live_status, workshop_id, date)
        else:
            first = await run_in_threadpool(shopfloor.status, workshop_id, date, now)
    except BaseException:
        shopfloor.hub.unsubscribe(sub)
        raise

    async def messages() -> AsyncIterator[str]:
        try:
            yield status_message(first)
            sent = 1
            while max_events is None or sent < max_events:
                try:
                    message = await asyncio.wait_for(sub.get(), KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if message is None:  # dropped: too slow
                    break
                yield message
                sent += 1
        finally:
            shopfloor.hub.unsubscribe(sub)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(messages(), media_type="text/event-stream", headers=headers)
