"""The HTTP routes: a thin FastAPI layer over scheduler.service (pydantic in, pydantic out)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from scheduler.contract import Booking, Identifier, Plan, PlanRequest, Workshop
from scheduler.errors import InputError
from scheduler.planning import make_plan
from scheduler.service import Conflict, NotFound, PlanningService
from scheduler.slots import Offer
from scheduler.storage import Store


class Slot(BaseModel):
    drop_off: AwareDatetime
    promised: AwareDatetime


class Slots(BaseModel):
    slots: list[Slot]


class BookingIn(BaseModel):
    model_config = {"extra": "forbid"}
    service: Identifier
    drop_off: AwareDatetime
    waiter: bool = False
    fleet_partner: Identifier | None = None
    priority: int = Field(default=1, ge=1, le=100)
    customer: str | None = Field(default=None, max_length=200)
    vehicle: str | None = Field(default=None, max_length=200)


class BookingChange(BaseModel):
    model_config = {"extra": "forbid"}
    service: Identifier | None = None
    drop_off: AwareDatetime | None = None
    waiter: bool | None = None
    fleet_partner: Identifier | None = None
    priority: int | None = Field(default=None, ge=1, le=100)
    customer: str | None = Field(default=None, max_length=200)
    vehicle: str | None = Field(default=None, max_length=200)


class PlanDay(BaseModel):
    model_config = {"extra": "forbid"}
    date: dt.date
    time_limit_seconds: float = Field(default=10.0, gt=0, le=60)


def _slots(offers: list[Offer]) -> list[Slot]:
    return [Slot(drop_off=o.drop_off, promised=o.promised) for o in offers]


def create_app(db_url: str) -> FastAPI:
    service = PlanningService(Store(db_url))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()  # stops the background offer refinement

    app = FastAPI(
        title="bayplan",
        version="1",
        description="Workshop bay planning: slots, bookings, day plans.",
        lifespan=lifespan,
    )

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        detail = [{"loc": exc.field.replace("]", "").replace("[", ".").split("."), "msg": exc.reason}]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": f"unknown {exc}"})

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        alternatives = [s.model_dump(mode="json") for s in _slots(exc.alternatives)]
        return JSONResponse(status_code=409, content={"detail": str(exc), "alternatives": alternatives})

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.put("/v1/workshops/{workshop_id}")
    def put_workshop(workshop_id: str, workshop: Workshop) -> Workshop:
        if workshop.id != workshop_id:
            raise InputError("id", f"body id {workshop.id!r} differs from the path's {workshop_id!r}")
        return service.put_workshop(workshop)

    @app.get("/v1/workshops/{workshop_id}")
    def get_workshop(workshop_id: str) -> Workshop:
        return service.workshop(workshop_id)

    @app.get("/v1/workshops/{workshop_id}/slots")
    def slots(
        workshop_id: str,
        service_code: Annotated[str, Query(alias="service", min_length=1, max_length=64)],
        date: dt.date,
        waiter: bool = False,
        fleet_partner: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Slots:
        return Slots(slots=_slots(service.slots(workshop_id, service_code, date, waiter, fleet_partner)))

    @app.post("/v1/workshops/{workshop_id}/bookings", status_code=201)
    def book(
        workshop_id: str,
        body: BookingIn,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Booking:
        try:
            booking = Booking(id=PlanningService.new_booking_id(), **body.model_dump())
        except ValueError as exc:
            raise InputError("body", str(exc)) from None
        stored, created = service.book(workshop_id, booking, idempotency_key)
        if not created:
            response.status_code = 200  # a replay of an acknowledged booking
        return stored

    @app.get("/v1/workshops/{workshop_id}/bookings/{booking_id}")
    def get_booking(workshop_id: str, booking_id: str) -> Booking:
        return service.booking(workshop_id, booking_id)

    @app.patch("/v1/workshops/{workshop_id}/bookings/{booking_id}")
    def change_booking(workshop_id: str, booking_id: str, body: BookingChange) -> Booking:
        return service.change(workshop_id, booking_id, body.model_dump(exclude_unset=True))

    @app.delete("/v1/workshops/{workshop_id}/bookings/{booking_id}", status_code=204)
    def cancel_booking(workshop_id: str, booking_id: str) -> Response:
        service.cancel(workshop_id, booking_id)
        return Response(status_code=204)

    @app.get("/v1/workshops/{workshop_id}/bookings")
    def list_bookings(workshop_id: str, date: dt.date) -> list[Booking]:
        return service.bookings(workshop_id, date)

    @app.post("/v1/workshops/{workshop_id}/plans")
    def plan_day(workshop_id: str, body: PlanDay) -> Plan:
        return service.plan_day(workshop_id, body.date, body.time_limit_seconds)

    @app.get("/v1/workshops/{workshop_id}/plans/{date}")
    def get_plan(workshop_id: str, date: dt.date) -> Plan:
        return service.stored_plan(workshop_id, date)

    @app.post("/v1/plan")
    def plan_stateless(request: PlanRequest) -> Plan:
        return make_plan(request)

    return app


DB_ENVIRONMENT = "BAYPLAN_DB"


def app_from_environment() -> FastAPI:
    """The app for `uvicorn --factory` with several workers: the database URL comes from BAYPLAN_DB."""
    return create_app(os.environ[DB_ENVIRONMENT])
