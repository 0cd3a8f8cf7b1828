"""Bookings: accepted only where they fit (409 with alternatives otherwise), changed, cancelled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError

from api.auth import BookingKey, BookingsReadKey
from api.deps import BookingNowQuery, ServiceDep
from api.errors import BodyRoute, located
from api.examples import EXAMPLE_BOOKING, json_body
from api.i18n import booking_in_words, workshop_translator
from api.schemas import BookingChange, BookingIn, DayBooking, InputProblem, PreconditionProblem
from scheduler import phases
from scheduler.contract import STORED_CONTEXT, Booking, Day
from scheduler.desk_checks import revision

router = APIRouter(prefix="/v1/workshops", tags=["bookings"], route_class=BodyRoute)

MAX_IF_MATCH = 1000
"""If-Match's longest value, its field lines together."""


def if_match_of(request: Request, first: str | None) -> str | None:
    """If-Match's tags: HTTP lets a list be sent as several field lines, one list together (RFC 9110
    5.3), so every line is read (review-s28: the first alone was, as FastAPI's header parameter reads
    it); together bounded as one line is (422 at ["header", "if-match"])."""
    lines = request.headers.getlist("if-match")
    if len(lines) <= 1:
        return first
    joined = ", ".join(lines)
    if len(joined) > MAX_IF_MATCH:
        raise RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": ("header", "if-match"),
                    "msg": f"String should have at most {MAX_IF_MATCH} characters",
                    "input": joined,
                    "ctx": {"max_length": MAX_IF_MATCH},
                }
            ]
        )
    return joined


IfMatchHeader = Annotated[
    str | None,
    Header(
        max_length=MAX_IF_MATCH,
        description="the booking's `ETag` as read (or a list of tags, or `*`): the change or"
        " cancellation applies only while the booking is still that revision, else 412",
    ),
]
"""`If-Match` on a PATCH or DELETE of a booking."""


@router.post(
    "/{workshop_id}/bookings",
    status_code=201,
    operation_id="book_booking",
    summary="Book a drop-off time",
    description="Accepted only where it fits the day's witness plan (201 with the promised pickup);"
    " 409 with alternatives when the time no longer fits; `Idempotency-Key` makes retries safe."
    " Send the slot's `promised` as `promised` (what the customer was shown): the booking is then"
    " promised no later than that, or refused (409 with the reason and alternatives); without it,"
    " no later than the last answer the server cached for that kind of booking at that time."
    " The answer's `ETag` names the booking's stored revision (for `If-Match` on a PATCH).",
    openapi_extra=json_body(EXAMPLE_BOOKING),
    responses={
        200: {"model": Booking, "description": "a replay: this API key sent this request with this key"},
        422: {
            "model": InputProblem,
            "description": "a bad body, or an `Idempotency-Key` that is empty or was used for another"
            " booking request by this API key",
        },
    },
)
async def book(
    workshop_id: str,
    body: BookingIn,
    request: Request,
    response: Response,
    service: ServiceDep,
    key: BookingKey,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",  # FastAPI's 422 at ["header", "Idempotency-Key"], as bayplan's own
            max_length=200,
            description="a unique key per booking of this API key: a retry with it returns the"
            " first answer; reused for another booking it is refused (422); once its booking is"
            " cancelled, a retry is a 409 naming it (not booked again)",
        ),
    ] = None,
    now: BookingNowQuery = None,
) -> Booking:
    # One hand-over to a worker thread (as the slot query's: a plain `def` route costs two).
    handed = phases.mark()

    def answer() -> tuple[Booking, bool]:
        phases.since("to thread", handed)
        with located("body", body.model_fields_set):  # ["body", "loan_car"], as FastAPI's own
            return service.book_request(
                workshop_id, body.model_dump(), idempotency_key, None if key is None else key.id, now
            )

    stored, created = await run_in_threadpool(answer)
    if not created:
        response.status_code = 200  # a replay of an acknowledged booking
    response.headers["ETag"] = revision(stored)  # a conditional PATCH needs no GET first
    return booking_in_words(stored, workshop_translator(request))


@router.get(
    "/{workshop_id}/bookings/{booking_id}",
    summary="A booking",
    description="One booking with its promised pickup. Its `ETag` header names the booking's stored"
    " revision (the same in every language): send it as `If-Match` on a PATCH to change the booking"
    " only if nobody changed it since.",
    responses={
        200: {
            "headers": {
                "ETag": {"description": "the booking's stored revision", "schema": {"type": "string"}}
            }
        }
    },
)
def get_booking(
    workshop_id: str,
    booking_id: str,
    request: Request,
    response: Response,
    service: ServiceDep,
    _: BookingsReadKey,
) -> Booking:
    booking = service.booking(workshop_id, booking_id)
    response.headers["ETag"] = revision(booking)
    return booking_in_words(booking, workshop_translator(request))


@router.patch(
    "/{workshop_id}/bookings/{booking_id}",
    summary="Change a booking",
    description="The change must fit the day without the booking's old place, or nothing changes (409"
    " with alternatives); with `force`, a parts_eta change that no longer fits is kept, the booking at risk."
    " With `If-Match` (the `ETag` a GET gave), only while the booking is still that revision, else 412"
    " naming the header and the current `etag`, nothing changed; without it the later change wins."
    " The answer's `ETag` names the changed booking's revision.",
    openapi_extra=json_body({"drop_off": "2026-11-24T10:00:00+08:00", "waiter": True}),
    responses={
        200: {
            "headers": {
                "ETag": {"description": "the changed booking's revision", "schema": {"type": "string"}}
            }
        },
        412: {
            "model": PreconditionProblem,
            "description": "`If-Match` does not name the booking's current revision",
        },
    },
)
def change_booking(
    workshop_id: str,
    booking_id: str,
    body: BookingChange,
    request: Request,
    response: Response,
    service: ServiceDep,
    _: BookingKey,
    if_match: IfMatchHeader = None,
    now: BookingNowQuery = None,
) -> Booking:
    changes = body.model_dump(exclude_unset=True, exclude={"force"})
    with located("body", body.model_fields_set):  # a field it sent: ["body", "drop_off"]
        changed = service.change(
            workshop_id,
            booking_id,
            changes,
            force=body.force,
            now=now,
            if_match=if_match_of(request, if_match),
        )
    response.headers["ETag"] = revision(changed)
    return booking_in_words(changed, workshop_translator(request))


@router.delete(
    "/{workshop_id}/bookings/{booking_id}",
    status_code=204,
    summary="Cancel a booking",
    description="Its room is free for other bookings at once; 409 when its work was clocked (the"
    " day's clock events name it). With `If-Match` (the `ETag` a GET, POST or PATCH gave), only while"
    " the booking is still that revision, else 412 naming the header and the current `etag`, nothing"
    " cancelled; without it the booking is cancelled whatever changed.",
    responses={
        412: {
            "model": PreconditionProblem,
            "description": "`If-Match` does not name the booking's current revision",
        },
    },
)
def cancel_booking(
    request: Request,
    workshop_id: str,
    booking_id: str,
    service: ServiceDep,
    _: BookingKey,
    if_match: IfMatchHeader = None,
) -> Response:
    service.cancel(workshop_id, booking_id, if_match=if_match_of(request, if_match))
    return Response(status_code=204)


@router.get(
    "/{workshop_id}/bookings",
    summary="A day's bookings",
    description="The bookings dropped off on `date`, then the multi-day repairs of earlier days whose"
    " work carries over to it, marked `carried_in`; with `pickups=true`, then the cars dropped off on"
    " an earlier day with no work on `date` whose promised pickup is on it, marked `pickup_only`. A"
    " drop-off promised when the desk does not hand cars back (a promise made before offers kept to the"
    " desk's hours) is marked `after_desk_hours`.",
)
def list_bookings(
    workshop_id: str,
    date: Day,
    request: Request,
    service: ServiceDep,
    _: BookingsReadKey,
    pickups: bool = False,
) -> list[DayBooking]:
    t = workshop_translator(request)
    listed = [
        DayBooking.model_validate(
            {
                **b.model_dump(),
                **({listing: True} if listing != "own" else {}),
                **({"after_desk_hours": True} if late else {}),
            },
            context=STORED_CONTEXT,
        )
        for b, listing, late in service.desk_list(workshop_id, date, pickups)
    ]
    return [booking_in_words(b, t) for b in listed]
