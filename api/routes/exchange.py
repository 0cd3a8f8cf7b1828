"""Files for other tools: a stored plan as CSV, a day's bookings as CSV and bookings imported from
CSV (each row booked through the same fit check as POST /bookings), and each technician's day as an
iCalendar feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from api import i18n
from api.auth import BookingKey, PlansReadKey, ReadingKey
from api.deps import BookingNowQuery, ServiceDep
from api.errors import BodyRoute, located
from api.i18n import LangQuery
from api.schemas import BookingsImport, ImportedRow, RefusedRow
from scheduler.contract import Day
from scheduler.exchange import (
    BOOKING_COLUMNS,
    EXPORT_COLUMNS,
    IDEMPOTENCY_COLUMN,
    LISTING_COLUMN,
    NAME_COLUMN,
    PLAN_NAME_COLUMNS,
    day_bookings_csv,
    day_plan_csv,
    import_file,
    technician_feed,
)
from scheduler.i18n import Translator
from scheduler.keys import sees_phones

router = APIRouter(prefix="/v1/workshops", route_class=BodyRoute)

CSV_EXAMPLE = (
    "service,drop_off,waiter,customer,vehicle,idempotency_key\r\n"
    "MAINT,2026-11-24T08:30:00+08:00,0,Wang Fang,Hyundai Tucson,desk-0001\r\n"
    "LUBE,2026-11-24T09:00:00+08:00,1,,,desk-0002\r\n"
)


@router.get(
    "/{workshop_id}/plans/{date}.csv",
    tags=["plans"],
    response_class=Response,
    summary="A stored day plan as CSV",
    description="The day's stored plan, one row per placed operation: booking, operation (index into"
    " the service's operations), bay, technician, start, end (aware ISO 8601). Read in another language"
    " than English (`lang`, else the cookie or Accept-Language), three last columns name them in it: "
    + ", ".join(PLAN_NAME_COLUMNS)
    + " (the workshop's names in that language, `name_i18n`); the columns before them are unchanged.",
    responses={200: {"content": {"text/csv": {"example": "booking,operation,bay,technician,start,end\r\n"}}}},
)
def plan_as_csv(
    request: Request,
    workshop_id: str,
    date: Day,
    service: ServiceDep,
    _: PlansReadKey,
    lang: LangQuery = None,
) -> Response:
    return Response(
        day_plan_csv(service, workshop_id, date, i18n.file_locale(request, lang)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{workshop_id}-{date}.csv"'},
    )


@router.get(
    "/{workshop_id}/bookings.csv",
    tags=["bookings"],
    response_class=Response,
    operation_id="export_bookings",
    summary="A day's bookings as CSV",
    description="The bookings dropped off on `date`, by drop-off, one row each: "
    + ", ".join(EXPORT_COLUMNS)
    + " (aware ISO 8601 times, waiter 1/0). A manager's export has no phone column (personal data"
    " only for the roles that call the customer). The file imports again as it is through"
    " POST /bookings/import (id and promised are read past: each row is booked anew)."
    " With `pickups=true`, what the day hands over: a last column `"
    + LISTING_COLUMN
    + "` (the other columns as they are, in their order) and after the day's own bookings (`own`)"
    " the multi-day repairs of earlier days with work that day (`carried_in`), then the cars dropped"
    " off on an earlier day with no work that day whose promised pickup is on it (`pickup_only`), by"
    " promised pickup; an import books only the `own` rows (the others are refused, not booked again)."
    " Read in another language than English (`lang`, else the cookie or Accept-Language), a very last"
    " column `" + NAME_COLUMN + "`: the service's name in that language (an import reads past it).",
    responses={200: {"content": {"text/csv": {"example": ",".join(EXPORT_COLUMNS) + "\r\n"}}}},
)
def export_bookings(
    request: Request,
    workshop_id: str,
    date: Day,
    service: ServiceDep,
    key: ReadingKey,
    pickups: bool = False,
    lang: LangQuery = None,
) -> Response:
    locale = i18n.file_locale(request, lang)
    return Response(
        day_bookings_csv(service, workshop_id, date, sees_phones(key), pickups, locale),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="bookings-{workshop_id}-{date}.csv"'},
    )


@router.post(
    "/{workshop_id}/bookings/import",
    tags=["bookings"],
    summary="Import bookings from CSV",
    description="A CSV file (header row; columns "
    + ", ".join((*BOOKING_COLUMNS, IDEMPOTENCY_COLUMN))
    + "; service and drop_off required). Each row is booked on its own through the same fit check as"
    " POST /bookings: a row is either booked whole or refused with its line number and reason, and"
    " refused rows leave nothing behind. With an idempotency_key a row imported again is a replay."
    " A bookings export (GET /bookings.csv) imports as it is: its id and promised are read past.",
    openapi_extra={"requestBody": {"content": {"text/csv": {"example": CSV_EXAMPLE}}}},
)
def import_bookings(
    request: Request,
    workshop_id: str,
    body: Annotated[str, Body(media_type="text/csv")],
    service: ServiceDep,
    key: BookingKey,
    now: BookingNowQuery = None,
) -> BookingsImport:
    key_id = None if key is None else key.id
    # The refusals in the request's language, as its errors are; the file's header row's errors
    # located as FastAPI's: ["body", "header", "colour"].
    with located("body", {"header"}):
        # (the workshop read first: an unknown one is the 404 it was; its names in the refusals)
        t = i18n.use(request, service.workshop(workshop_id))
        done = import_file(service, workshop_id, body, key_id, now, t.phrase)
    accepted = [ImportedRow(line=d.line, booking=d.booking, replay=d.replay) for d in done if d.booking]
    refused = [RefusedRow(line=d.line, reason=d.refusal) for d in done if d.refusal is not None]
    return BookingsImport(accepted=accepted, refused=refused)


@router.get(
    "/{workshop_id}/technicians/{technician_id}/day/{date}.ics",
    tags=["plans"],
    response_class=Response,
    summary="A technician's day as iCalendar",
    description="The technician's work in the day's stored plan as an iCalendar (RFC 5545) feed: one"
    " event per operation with its booking, service, operation and bay, a repair carried in from an"
    " earlier day marked so; DESCRIPTION: service, operation, vehicle, promised pickup, technician (no"
    " customer's name or phone); the names (calendar, SUMMARY, DESCRIPTION) and words (LOCATION,"
    " DESCRIPTION's labels) in `lang`, else the cookie's or Accept-Language's language (a calendar app"
    " subscribing sends neither: give `lang`).",
    responses={200: {"content": {"text/calendar": {}}}},
)
def technician_day(
    request: Request,
    workshop_id: str,
    technician_id: str,
    date: Day,
    service: ServiceDep,
    _: PlansReadKey,
    lang: LangQuery = None,
) -> Response:
    t = Translator(i18n.file_locale(request, lang))
    feed = technician_feed(service, workshop_id, technician_id, date, t.phrase, t.locale)
    return Response(
        feed,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{technician_id}-{date}.ics"'},
    )
