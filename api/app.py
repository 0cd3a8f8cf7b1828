"""The HTTP service: `create_app` composes the store, the planning service, the job runner, the
keys and the clock, installs the error handlers and includes one router per resource."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from api import errors, login, observability, pages
from api.deps import Services
from api.routes import ROUTERS
from api.settings import (
    DB_ENVIRONMENT,
    auth_from_environment,
    clock_from_environment,
    cluster_from_environment,
    secure_cookies_from_environment,
)
from scheduler.clock import Clock
from scheduler.cluster import ClusterExecutor, cluster_workers
from scheduler.day_plans import DayPlanner
from scheduler.jobs import JobRunner, Lane
from scheduler.keys import KeyStore
from scheduler.service import PlanningService
from scheduler.shopfloor import WARM_START_ENVIRONMENT, ShopFloor
from scheduler.storage import Store

logger = logging.getLogger("bayplan")
SWITCH_INTERVAL_SECONDS = 0.0005
"""The interpreter's thread switch interval while live re-plans run in the background (see create_app)."""


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI operationId: its function's name (`get_plan`, not
    `get_plan_v1_workshops__workshop_id__plans__date__get`), so generated clients read well."""
    return route.name


def _runner(store: Store, cluster: str | None, clock: Clock) -> JobRunner:
    """Plans and simulations in separate lanes: simulations filling theirs never hold up a plan.
    On a cluster each lane runs as many jobs at once as the cluster has workers."""
    if cluster is None:
        lanes = {"simulation": Lane(processes=1, capacity=2)}
        return JobRunner(processes=1, capacity=2, store=store, lanes=lanes, clock=clock)
    n = cluster_workers(cluster)
    lanes = {"simulation": Lane(processes=n, capacity=2 * n)}
    return JobRunner(
        processes=n,
        capacity=2 * n,
        store=store,
        lanes=lanes,
        cluster=lambda: ClusterExecutor(cluster),
        clock=clock,
    )


def settled(service: PlanningService) -> None:
    """Ready the process for its first requests. The offer refinement's worker starts now (spawned
    on the first slot query, it cost that query tens of milliseconds and competed with the first
    storm for the CPU); the database reads of a slot query and a booking are compiled now
    (`PlanningService.warm`), not by the first four desks at once. And the objects of the start-up
    (about 220,000: FastAPI, pydantic, SQLAlchemy, OR-Tools...) are frozen: they live as long as
    the process, yet each full collection walked them: the first came during the first booking
    storm, and again every few storms, a pause of every thread of 155-307 ms of CPU that set the
    storm's slot and booking p99 (bench/RESULTS-storm-s6.md). Frozen, a full collection walks only
    what the requests have kept since. The bay matching's SciPy graphs are imported now too
    (lazily imported for the tests' start-up, `clocking._matched`): the first clock event that
    needed them paid ~64 ms of CPU, 137 ms wall at load ~2 (bench/RESULTS-clock13-s45.md)."""
    service.start_background()
    service.warm()
    import scipy.sparse.csgraph  # noqa: F401  (the clock's bay matching, before the freeze)

    gc.collect()
    gc.freeze()


def create_app(
    db_url: str,
    *,
    auth: bool | None = None,
    clock: Clock | None = None,
    secure_cookies: bool | None = None,
    cluster: str | None = None,
    settle: bool = False,
) -> FastAPI:
    """The app over the database at `db_url`. `auth` None: from BAYPLAN_AUTH (on unless "off").
    `clock` None: the machine's, or one started at BAYPLAN_NOW (an aware ISO 8601 instant).
    `secure_cookies` (the sign-in cookie is Secure over plain HTTP too, behind a TLS proxy) None:
    from BAYPLAN_SECURE_COOKIES; over HTTPS the cookie is Secure anyway. `cluster` (a Dask scheduler's
    address) None: from BAYPLAN_CLUSTER, else plans and simulations run in local processes. `settle`
    (a served process, `bayplan serve`; not tests, whose heap would stay frozen): at start-up, start
    the background workers and freeze the start-up heap out of the garbage collector (`settled`)."""
    store = Store(db_url)
    clock = clock or clock_from_environment()
    service = PlanningService(store, clock=clock)
    runner = _runner(store, cluster or cluster_from_environment(), clock)
    keys = KeyStore(store, clock=clock) if (auth_from_environment() if auth is None else auth) else None
    # Off by the environment: a port is served. A caller's auth=False (replay-day, tests) serves none.
    if keys is None and auth is None:
        logger.warning("API keys are OFF (local development): anyone who reaches this port may do anything")
    secure = secure_cookies_from_environment() if secure_cookies is None else secure_cookies

    shopfloor = ShopFloor(service)
    if shopfloor.background:
        # A request thread hands the GIL back and forth at every database round trip; against a
        # CPU-bound background re-plan each hand-back waits up to the switch interval (5 ms by
        # default), which made a clock event's answer wait for the re-plan after all.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        shopfloor.replans.catch_up()  # live plans a crash left behind their clock events: re-planned
        if os.environ.get(WARM_START_ENVIRONMENT, "").strip().lower() != "off":
            threading.Thread(target=shopfloor.warm, name="warm-status", daemon=True).start()
        if settle:
            settled(service)
        yield
        shopfloor.close()  # stops the background live re-plans
        service.close()  # stops the background offer refinement
        runner.close()

    app = FastAPI(
        title="bayplan",
        version="1",
        description="Workshop bay planning: slots, bookings, day plans, simulations.",
        lifespan=lifespan,
        responses=errors.ERRORS,
        generate_unique_id_function=operation_id,
    )
    app.state.services = Services(service, DayPlanner(service, runner), runner, keys, clock, secure)
    app.state.shopfloor = shopfloor
    errors.install(app)
    app.state.metrics = observability.Metrics(service, runner)
    app.add_middleware(observability.RequestMiddleware, metrics=app.state.metrics)

    @app.get("/health", summary="Liveness", description="200 while the service answers; needs no key.")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(observability.router)
    app.include_router(login.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(pages.__file__).parent / "static"), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app for `uvicorn --factory` with several workers: the database URL comes from BAYPLAN_DB."""
    if os.environ.get(observability.LOG_FORMAT_ENVIRONMENT) == "json":
        observability.configure_logging("json")
    return create_app(os.environ[DB_ENVIRONMENT], settle=True)  # keys on unless BAYPLAN_AUTH=off
