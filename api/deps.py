"""What a route may ask for (FastAPI `Annotated` dependencies): the planning service, the day
planner, the job runner, the key store, the clock, the shop floor and its webhooks, all made once
by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from scheduler.clock import Clock
from scheduler.contract import Moment
from scheduler.day_plans import DayPlanner
from scheduler.jobs import JobRunner
from scheduler.keys import KeyStore
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.webhooks import Webhooks


@dataclass(frozen=True)
class Services:
    """The app's composition root, kept on `app.state.services`."""

    service: PlanningService
    planner: DayPlanner
    runner: JobRunner
    keys: KeyStore | None  # None: API keys off (local development)
    clock: Clock
    secure_cookies: bool


# The dependencies below are `async def` although they only read the app's state: FastAPI runs a
# plain `def` dependency in the thread pool, one hand-over between the event loop and a worker
# thread (two thread wake-ups) per dependency and request, which a loaded server pays in latency.


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def shopfloor(request: Request) -> ShopFloor:
    found: ShopFloor = request.app.state.shopfloor
    return found


async def _service(request: Request) -> PlanningService:
    return services(request).service


async def _planner(request: Request) -> DayPlanner:
    return services(request).planner


async def _runner(request: Request) -> JobRunner:
    return services(request).runner


async def _keys(request: Request) -> KeyStore | None:
    return services(request).keys


async def _clock(request: Request) -> Clock:
    return services(request).clock


async def _shopfloor(request: Request) -> ShopFloor:
    return shopfloor(request)


async def _webhooks(request: Request) -> Webhooks:
    return shopfloor(request).webhooks


ServiceDep = Annotated[PlanningService, Depends(_service)]
PlannerDep = Annotated[DayPlanner, Depends(_planner)]
RunnerDep = Annotated[JobRunner, Depends(_runner)]
KeysDep = Annotated[KeyStore | None, Depends(_keys)]
ClockDep = Annotated[Clock, Depends(_clock)]
NowQuery = Annotated[
    Moment | None,
    Query(description="the moment the page is for (default: the server's clock), so a day can be replayed"),
]
"""`?now=` (aware ISO 8601) on every page that depends on the time; None: the server's clock."""
BookingNowQuery = Annotated[
    Moment | None,
    Query(
        description="the moment the booking is made (default: the server's clock): a drop-off more"
        " than 15 minutes before it is refused as past, and a refused booking's alternatives come after it"
    ),
]
"""`?now=` on the routes that book (POST, PATCH and the CSV import); None: the server's clock."""
ShopFloorDep = Annotated[ShopFloor, Depends(_shopfloor)]
WebhooksDep = Annotated[Webhooks, Depends(_webhooks)]
