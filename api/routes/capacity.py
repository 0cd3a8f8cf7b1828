"""The loading chart: per day and pool, the minutes available, booked, held back and free."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import ReadingKey
from api.deps import ServiceDep
from api.errors import BodyRoute
from api.schemas import Loading, day_view
from scheduler.contract import Day, Moment

router = APIRouter(prefix="/v1/workshops", tags=["capacity"], route_class=BodyRoute)


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
    now: Annotated[
        Moment | None,
        Query(
            description="the moment the chart is for (default: the server's clock): `free_from_now`,"
            " `loan_cars_free_from_now` and `advisor_intake_from_now` count what can still be booked from it"
        ),
    ] = None,
) -> Loading:
    """Per day and pool (skill at a minimum grade, and the express lanes): the minutes available,
    booked by accepted bookings, held back for walk-ins and still free, and of the free minutes those
    the desk can still sell from `now` (`free_from_now`: none on a past day or today after closing,
    only the time after `now` today, all of `free` on a day ahead); loan cars free (with a loan-car
    limit) and advisors' check-in minutes left per quarter hour (with advisors), the whole day's
    and as of `now` (`loan_cars_free_from_now`, `advisor_intake_from_now`)."""
    workshop, loads = service.loading(workshop_id, first, last, now)
    return Loading(workshop=workshop.id, days=[day_view(d) for d in loads])
