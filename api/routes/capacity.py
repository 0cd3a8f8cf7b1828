"""The loading chart: per day and pool, the minutes available, booked, held back and free."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import ReadingKey
from api.deps import ServiceDep
from scheduler.contract import Day
from scheduler.loading import DayLoad

router = APIRouter(prefix="/v1/workshops", tags=["capacity"])


class PoolView(BaseModel):
    pool: str = Field(
        description="`skill:grade` (technicians with the skill at that grade or above) or `express`"
    )
    skill: str | None = None
    min_grade: int | None = None
    available: int = Field(description="regular shift minutes (express: lane minutes over opening hours)")
    booked: int = Field(description="minutes of accepted bookings' witness placements")
    held_back: int = Field(description="minutes kept off the booking system for walk-ins")
    free: int = Field(description="available less held back less booked (never below 0)")
    overbooked: int | None = Field(
        default=None,
        description="minutes sold beyond the witness (no-show overbooking); only when the workshop overbooks",
    )


class IntakeView(BaseModel):
    start: str = Field(description="HH:MM, the quarter hour's start")
    minutes: int = Field(
        description="check-in minutes the desk may still sell in it: the advisors' minutes there not on a"
        " break nor taken by a booked check-in, at most what the walk-in holdback leaves of its clock hour"
    )


class DayView(BaseModel):
    date: dt.date
    closed: bool
    bookings: int
    pools: list[PoolView]
    loan_cars_free: int | None = Field(
        default=None, description="loan cars not out at the day's busiest moment (only with a loan-car limit)"
    )
    advisor_intake: list[IntakeView] | None = Field(
        default=None, description="per quarter hour of the opening hours (only if advisors are listed)"
    )


class Loading(BaseModel):
    workshop: str
    days: list[DayView]


def day_view(load: DayLoad) -> DayView:
    return DayView(
        date=load.date,
        closed=load.closed,
        bookings=load.bookings,
        pools=[
            PoolView(
                pool=p.pool,
                skill=p.skill,
                min_grade=p.min_grade,
                available=p.available,
                booked=p.booked,
                held_back=p.held_back,
                free=p.free,
                overbooked=p.overbooked,
            )
            for p in load.pools
        ],
        loan_cars_free=load.loan_cars_free,
        advisor_intake=None
        if load.advisor_intake is None
        else [IntakeView(start=w.start, minutes=w.minutes) for w in load.advisor_intake],
    )


@router.get(
    "/{workshop_id}/capacity",
    operation_id="get_capacity",
    summary="Loading chart",
    response_model_exclude_none=True,
)
def capacity(
    workshop_id: str,
    first: Annotated[Day, Query(alias="from", description="first day")],
    last: Annotated[Day, Query(alias="to", description="last day (included; at most 62 days)")],
    service: ServiceDep,
    _: ReadingKey,
) -> Loading:
    """Per day and pool (skill at a minimum grade, and the express lanes): the minutes available,
    booked by accepted bookings, held back for walk-ins and still free; loan cars free (with a
    loan-car limit) and advisors' check-in minutes left per quarter hour (with advisors)."""
    workshop, loads = service.loading(workshop_id, first, last)
    return Loading(workshop=workshop.id, days=[day_view(d) for d in loads])
