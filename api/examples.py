"""Example bodies for the OpenAPI document (route decorators' `openapi_extra`): the bundled
small-dealer workshop, a booking request and a plan request for one of its days, so a generated
client's docs and /docs show real, valid requests."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

EXAMPLE_DATE = dt.date(2026, 11, 24)
EXAMPLE_BOOKING: dict[str, Any] = {
    "service": "MAINT",
    "drop_off": "2026-11-24T08:30:00+08:00",
    "waiter": False,
    "customer": "Wang Fang",
    "vehicle": "Hyundai Tucson, 粤A·12345",
}


@cache
def small_dealer_workshop() -> dict[str, Any]:
    from scheduler.scenarios import load_scenario

    dumped: dict[str, Any] = load_scenario("small-dealer").workshop.model_dump(mode="json")
    return dumped


@cache
def plan_request() -> dict[str, Any]:
    """A small-dealer day with its first three generated bookings."""
    from scheduler.demand import day_request
    from scheduler.scenarios import load_scenario

    request = day_request(load_scenario("small-dealer"), EXAMPLE_DATE, seed=0)
    short = request.model_copy(update={"bookings": request.bookings[:3]})
    dumped: dict[str, Any] = short.model_dump(mode="json", exclude_defaults=True)
    dumped["date"] = EXAMPLE_DATE.isoformat()
    return dumped


def json_body(example: object) -> dict[str, Any]:
    """`openapi_extra` giving the JSON request body this example."""
    return {"requestBody": {"content": {"application/json": {"example": example}}}}
