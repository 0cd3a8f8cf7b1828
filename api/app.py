"""The HTTP routes: a thin FastAPI layer over scheduler.service (pydantic in, pydantic out)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import AwareDatetime, BaseModel, Field, StrictBool

from api import login, pages
from api.auth import ensure_workshop, guard
from scheduler.clock import Clock, clock_from
from scheduler.contract import (
    Booking,
    Day,
    Finite,
    Identifier,
    Moment,
    OperationEvent,
    Overrun,
    Plan,
    PlanRequest,
    Workshop,
)
from scheduler.errors import InputError
from scheduler.integrity import validated_plan
from scheduler.jobs import Busy, ElsewhereError, JobCancelled, JobRecord, JobRunner, Lane
from scheduler.keys import KeyInfo, KeyStore, Role
from scheduler.service import Conflict, NotFound, PlanningService, WorkshopConflict
from scheduler.slots import Offer
from scheduler.storage import Store

logger = logging.getLogger("bayplan")


class Slot(BaseModel):
    drop_off: AwareDatetime
    promised: AwareDatetime


class Slots(BaseModel):
    slots: list[Slot]


class BookingIn(BaseModel):
    model_config = {"extra": "forbid"}
    service: Identifier
    drop_off: Moment
    waiter: StrictBool = False
    fleet_partner: Identifier | None = None
    priority: int = Field(default=1, ge=1, le=100)
    customer: str | None = Field(default=None, max_length=200)
    vehicle: str | None = Field(default=None, max_length=200)


class BookingChange(BaseModel):
    model_config = {"extra": "forbid"}
    service: Identifier | None = None
    drop_off: Moment | None = None
    waiter: StrictBool | None = None
    fleet_partner: Identifier | None = None
    priority: int | None = Field(default=None, ge=1, le=100)
    customer: str | None = Field(default=None, max_length=200)
    vehicle: str | None = Field(default=None, max_length=200)


MAX_SOLVE_SECONDS = 60.0
MAX_BOOKINGS = 1_000
MAX_BODY_BYTES = 2 * 1024 * 1024
SIMULATION_BUDGET = 6_000
"""Most simulated days per simulation request: days x replications x rule sets x growth (if above
1); dealer-2011 simulates about 100 such days a second on one core, so about a minute."""


class PlanDay(BaseModel):
    model_config = {"extra": "forbid"}
    date: Day
    time_limit_seconds: Finite = Field(default=10.0, gt=0, le=MAX_SOLVE_SECONDS)
    background: StrictBool = Field(default=False, description="202 with a job to poll instead of waiting")
    now: Moment | None = Field(
        default=None, description="re-plan the stored plan from this moment: work started before it stays"
    )
    overruns: list[Overrun] = Field(
        default_factory=list, max_length=500, description="with `now`: started work that will end later"
    )
    finished: list[OperationEvent] = Field(default_factory=list, max_length=500, description="with `now`")


class JobView(BaseModel):
    id: str
    kind: str
    status: str = Field(description="queued, running, done, failed or cancelled")
    submitted: AwareDatetime
    finished: AwareDatetime | None
    error: str | None
    url: str
    result: dict[str, object] | None = None


class SimulationIn(BaseModel):
    model_config = {"extra": "forbid"}
    scenario: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        default="dealer-2011", description="a bundled scenario's name (scenarios/<name>), not a path"
    )
    rules: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default=["current"],
        min_length=1,
        max_length=4,
        description="names of rules bundled with the scenario (scenarios/<name>/rules/<rules>.toml)",
    )
    days: int = Field(default=30, ge=1, le=62)
    replications: int = Field(default=10, ge=2, le=50)
    seed: int = Field(default=1, ge=0, le=2**31)
    policy: Literal["fcfs", "shortest", "waiters", "promise"] = "fcfs"
    season: Literal["peak", "low", "average"] | None = None
    month: str | None = Field(default=None, max_length=9)
    growth: Finite = Field(default=1.0, gt=0, le=5)


def _job_view(job: JobRecord) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        status=job.status,
        submitted=job.submitted,
        finished=job.finished,
        error=job.error,
        url=f"/v1/jobs/{job.id}",
        result=json.loads(job.result) if job.result is not None else None,
    )


class KeyIn(BaseModel):
    model_config = {"extra": "forbid"}
    role: Role
    workshops: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=100)
    label: str | None = Field(default=None, max_length=200)


class KeyView(BaseModel):
    id: str
    role: Role
    workshops: list[str]
    label: str | None
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None


class KeyOut(KeyView):
    key: str = Field(description="shown once; only its hash is stored")


class Problem(BaseModel):
    detail: str


class InputIssue(BaseModel):
    loc: list[str | int] = Field(description="where: ['header', 'Idempotency-Key'], ['body', 'drop_off']")
    msg: str
    type: str


class InputProblem(BaseModel):
    detail: list[InputIssue]


class ConflictProblem(Problem):
    alternatives: list[Slot] = []


class BrokenBooking(BaseModel):
    booking: str
    date: dt.date
    reasons: list[str]


class WorkshopConflictProblem(Problem):
    bookings: list[BrokenBooking] = Field(description="the accepted bookings the change would break, and why")


ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "the body is not JSON"},
    401: {"model": Problem, "description": "no API key, or an unknown or revoked one"},
    403: {
        "model": Problem,
        "description": "the key's role or workshops do not cover this, or a signed-in browser's"
        " request came from another site (Origin/Referer)",
    },
    404: {"model": Problem, "description": "unknown workshop, booking, plan, job or key"},
    409: {
        "model": ConflictProblem,
        "description": "it no longer fits (with alternatives), or the day changed",
    },
    413: {"model": Problem, "description": "the body is too large"},
    429: {"model": Problem, "description": "the solver pool (plans, or simulations) is busy: retry later"},
    503: {"model": Problem, "description": "a solver process died: retry"},
}


def _key_fields(info: KeyInfo) -> dict[str, object]:
    def aware(moment: dt.datetime | None) -> dt.datetime | None:
        return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    return {
        "id": info.id,
        "role": info.role,
        "workshops": list(info.workshops),
        "label": info.label,
        "created_at": aware(info.created_at),
        "revoked_at": aware(info.revoked_at),
    }


def _slots(offers: list[Offer]) -> list[Slot]:
    return [Slot(drop_off=o.drop_off, promised=o.promised) for o in offers]


#: A 422 echoes at most this much of the offending input (a string cut short; a larger value left out).
MAX_ECHO = 200


def _json_safe(value: object) -> object:
    """`value` as plain JSON: non-finite floats (NaN, Infinity: not JSON) and exceptions as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, BaseException):
        return str(value)
    if value is None or isinstance(value, str | int | float):
        return value
    try:
        return _json_safe(jsonable_encoder(value))
    except Exception:  # anything else is shown as text
        return str(value)


def validation_problem(errors: Sequence[Any]) -> list[dict[str, object]]:
    """A request's validation errors as a JSON-safe 422 detail: loc, msg, type, ctx, and the input
    only while it is short (a long string cut to MAX_ECHO characters)."""
    detail: list[dict[str, object]] = []
    for error in errors:
        item: dict[str, object] = {
            "type": str(error.get("type", "value_error")),
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
        }
        if "input" in error:
            shown = _json_safe(error["input"])
            if isinstance(shown, str) and len(shown) > MAX_ECHO:
                item["input"] = shown[:MAX_ECHO] + "…"
            elif len(json.dumps(shown)) <= MAX_ECHO:
                item["input"] = shown
        if error.get("ctx"):
            item["ctx"] = _json_safe(error["ctx"])
        detail.append(item)
    return detail


AUTH_ENVIRONMENT = "BAYPLAN_AUTH"
NOW_ENVIRONMENT = "BAYPLAN_NOW"


def clock_from_environment() -> Clock:
    """The machine's clock, or (BAYPLAN_NOW set: replaying or demonstrating a day) one that starts
    at that instant and runs on from there."""
    text = os.environ.get(NOW_ENVIRONMENT, "").strip()
    if not text:
        return clock_from(None)
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(NOW_ENVIRONMENT, f"not an ISO 8601 instant: {text!r}") from None
    if start.tzinfo is None:
        raise InputError(NOW_ENVIRONMENT, "needs a timezone offset, e.g. 2026-11-24T08:00:00+08:00")
    return clock_from(start)


def auth_from_environment() -> bool:
    """The local-development switch: BAYPLAN_AUTH=off turns API keys off (on by default)."""
    return os.environ.get(AUTH_ENVIRONMENT, "on").strip().lower() not in {"off", "0", "false", "no"}


def create_app(
    db_url: str, *, auth: bool | None = None, clock: Clock | None = None, secure_cookies: bool | None = None
) -> FastAPI:
    """The app over the database at `db_url`. `auth` None: from BAYPLAN_AUTH (on unless "off").
    `clock` None: the machine's, or one started at BAYPLAN_NOW (an aware ISO 8601 instant).
    `secure_cookies` (the sign-in cookie is Secure over plain HTTP too, behind a TLS proxy) None:
    from BAYPLAN_SECURE_COOKIES; over HTTPS the cookie is Secure anyway."""
    store = Store(db_url)
    clock = clock or clock_from_environment()
    service = PlanningService(store, clock=clock)
    # Plans and simulations in separate lanes: simulations filling theirs never hold up a plan.
    runner = JobRunner(
        processes=1, capacity=2, store=store, lanes={"simulation": Lane(processes=1, capacity=2)}
    )
    keys = KeyStore(store, clock=clock) if (auth_from_environment() if auth is None else auth) else None
    if keys is None:
        logger.warning("API keys are OFF (local development): anyone who reaches this port may do anything")
    booking = Depends(guard(keys, Role.booking))
    reading = Depends(guard(keys, Role.booking, Role.foreman, Role.manager))
    bookings_read = Depends(guard(keys, Role.booking, Role.foreman))
    foreman = Depends(guard(keys, Role.foreman))
    plans_read = Depends(guard(keys, Role.foreman, Role.manager))
    manager = Depends(guard(keys, Role.manager))
    jobs_read = Depends(guard(keys, Role.foreman, Role.manager))
    admin = Depends(guard(keys))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()  # stops the background offer refinement
        runner.close()

    app = FastAPI(
        title="bayplan",
        version="1",
        description="Workshop bay planning: slots, bookings, day plans, simulations.",
        lifespan=lifespan,
        responses=ERRORS,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": validation_problem(exc.errors())})

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        loc = exc.field.replace("]", "").replace("[", ".").split(".")
        detail = [{"loc": loc, "msg": exc.reason, "type": "value_error"}]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": f"unknown {exc}"})

    @app.exception_handler(BrokenProcessPool)
    async def _broken(_: Request, exc: BrokenProcessPool) -> JSONResponse:
        detail = "a solver process died; the pool restarts with the next request: retry"
        return JSONResponse(status_code=503, content={"detail": detail}, headers={"Retry-After": "1"})

    @app.exception_handler(JobCancelled)
    async def _cancelled(_: Request, exc: JobCancelled) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": f"the job was cancelled ({exc})"})

    @app.exception_handler(ElsewhereError)
    async def _elsewhere(_: Request, exc: ElsewhereError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(Busy)
    async def _busy(_: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(status_code=429, content={"detail": str(exc)}, headers={"Retry-After": "5"})

    @app.middleware("http")
    async def _body_limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        too_big = f"the body is over {MAX_BODY_BYTES} bytes"
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse(status_code=413, content={"detail": too_big})
        if length is None and request.method in ("POST", "PUT", "PATCH"):
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return JSONResponse(
                        status_code=413, content={"detail": f"body over {MAX_BODY_BYTES} bytes"}
                    )
            request._body = body  # read once here; the route reads it again from this copy
        return await call_next(request)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        alternatives = [s.model_dump(mode="json") for s in _slots(exc.alternatives)]
        return JSONResponse(status_code=409, content={"detail": str(exc), "alternatives": alternatives})

    @app.exception_handler(WorkshopConflict)
    async def _workshop_conflict(_: Request, exc: WorkshopConflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc), "bookings": exc.bookings})

    secure = login.secure_cookies_from_environment() if secure_cookies is None else secure_cookies
    app.include_router(login.make_router(keys, secure))
    app.include_router(pages.make_router(service, keys, runner, clock))
    app.mount("/static", StaticFiles(directory=Path(pages.__file__).parent / "static"), name="static")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.put(
        "/v1/workshops/{workshop_id}",
        dependencies=[manager],
        responses={
            409: {"model": WorkshopConflictProblem, "description": "it would break accepted bookings"}
        },
    )
    def put_workshop(
        workshop_id: str,
        workshop: Workshop,
        force: Annotated[
            bool, Query(description="accept a change that breaks accepted bookings: they are kept at risk")
        ] = False,
    ) -> Workshop:
        if workshop.id != workshop_id:
            raise InputError("id", f"body id {workshop.id!r} differs from the path's {workshop_id!r}")
        return service.put_workshop(workshop, force=force)

    @app.get("/v1/workshops/{workshop_id}", dependencies=[reading])
    def get_workshop(workshop_id: str) -> Workshop:
        return service.workshop(workshop_id)

    @app.get("/v1/workshops/{workshop_id}/slots", dependencies=[booking])
    def slots(
        workshop_id: str,
        service_code: Annotated[str, Query(alias="service", min_length=1, max_length=64)],
        date: Day,
        waiter: bool = False,
        fleet_partner: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Slots:
        return Slots(slots=_slots(service.slots(workshop_id, service_code, date, waiter, fleet_partner)))

    @app.post(
        "/v1/workshops/{workshop_id}/bookings",
        status_code=201,
        responses={
            200: {"model": Booking, "description": "a replay: this API key sent this request with this key"},
            422: {
                "model": InputProblem,
                "description": "a bad body, or an `Idempotency-Key` that is empty or was used for another"
                " booking request by this API key",
            },
        },
    )
    def book(
        workshop_id: str,
        body: BookingIn,
        response: Response,
        idempotency_key: Annotated[
            str | None,
            Header(
                max_length=200,
                description="a unique key per booking of this API key: a retry with it returns the"
                " first answer; reused for another booking it is refused (422)",
            ),
        ] = None,
        key: KeyInfo | None = booking,
    ) -> Booking:
        try:
            wanted = Booking(id=PlanningService.new_booking_id(), **body.model_dump())
        except ValueError as exc:
            raise InputError("body", str(exc)) from None
        stored, created = service.book(workshop_id, wanted, idempotency_key, None if key is None else key.id)
        if not created:
            response.status_code = 200  # a replay of an acknowledged booking
        return stored

    @app.get("/v1/workshops/{workshop_id}/bookings/{booking_id}", dependencies=[bookings_read])
    def get_booking(workshop_id: str, booking_id: str) -> Booking:
        return service.booking(workshop_id, booking_id)

    @app.patch("/v1/workshops/{workshop_id}/bookings/{booking_id}", dependencies=[booking])
    def change_booking(workshop_id: str, booking_id: str, body: BookingChange) -> Booking:
        return service.change(workshop_id, booking_id, body.model_dump(exclude_unset=True))

    @app.delete("/v1/workshops/{workshop_id}/bookings/{booking_id}", status_code=204, dependencies=[booking])
    def cancel_booking(workshop_id: str, booking_id: str) -> Response:
        service.cancel(workshop_id, booking_id)
        return Response(status_code=204)

    @app.get("/v1/workshops/{workshop_id}/bookings", dependencies=[bookings_read])
    def list_bookings(workshop_id: str, date: Day) -> list[Booking]:
        return service.bookings(workshop_id, date)

    @app.post(
        "/v1/workshops/{workshop_id}/plans",
        dependencies=[foreman],
        responses={202: {"model": JobView, "description": "background: poll the job"}},
    )
    def plan_day(workshop_id: str, body: PlanDay, response: Response) -> Plan | JobView:
        compute, args, version = service.plan_work(
            workshop_id, body.date, body.time_limit_seconds, body.now, body.overruns, body.finished
        )
        if not body.background:
            plan: Plan = runner.run("plan", workshop_id, compute, *args)
            return service.store_plan(workshop_id, body.date, plan, version)
        job = runner.submit("plan", workshop_id, compute, *args)

        def keep(done: Future[Plan]) -> None:
            if not done.cancelled() and done.exception() is None:
                with contextlib.suppress(Conflict):  # the day changed meanwhile: the job shows the plan
                    service.store_plan(workshop_id, body.date, done.result(), version)

        job.future.add_done_callback(keep)
        response.status_code = 202
        return _job_view(runner.record(job))

    @app.get("/v1/jobs/{job_id}", dependencies=[jobs_read])
    def get_job(job_id: str, key: KeyInfo | None = jobs_read) -> JobView:
        job = runner.get(job_id)
        if job is None:
            raise NotFound(f"job {job_id!r}")
        if job.workshop is not None:
            ensure_workshop(key, job.workshop)
        return _job_view(job)

    @app.delete("/v1/jobs/{job_id}", dependencies=[jobs_read])
    def cancel_job(job_id: str, key: KeyInfo | None = jobs_read) -> JobView:
        """Cancel a queued or running job (a running one's worker process is ended); it then
        shows "cancelled". A finished job stays as it is."""
        job = runner.get(job_id)
        if job is None:
            raise NotFound(f"job {job_id!r}")
        if job.workshop is not None:
            ensure_workshop(key, job.workshop)
        elif key is not None and key.role is Role.foreman:
            raise HTTPException(403, "a foreman key may not cancel a simulation (needs: manager)")
        cancelled = runner.cancel(job_id)
        if cancelled is None:
            raise NotFound(f"job {job_id!r}")
        return _job_view(cancelled)

    @app.post("/v1/simulations", status_code=202)
    def simulate(body: SimulationIn, key: KeyInfo | None = manager) -> JobView:
        from simulation.design import run_experiment
        from simulation.inputs import bundled_scenario, prepare

        scenario = bundled_scenario(body.scenario)  # a bundled name, never a path
        ensure_workshop(key, scenario.workshop.id)
        rule_sets, period = prepare(scenario, body.rules, body.days, body.month, body.season, body.growth)

        size = body.days * body.replications * len(body.rules) * max(1.0, body.growth)
        if size > SIMULATION_BUDGET:
            why = (
                f"days x replications x rule sets{' x growth' if body.growth > 1 else ''} = {size:,.0f} "
                f"simulated days, over the budget of {SIMULATION_BUDGET:,}: ask for fewer"
            )
            fields = ["days", "replications", "rules"] + (["growth"] if body.growth > 1 else [])
            detail = [{"loc": ["body", name], "msg": why, "type": "value_error"} for name in fields]
            raise RequestValidationError(detail)
        run = partial(run_experiment, replications=body.replications, seed=body.seed, policy=body.policy,
                      growth=body.growth, workers=1)  # fmt: skip
        job = runner.submit("simulation", scenario.workshop.id, run, scenario, rule_sets, period)
        return _job_view(runner.record(job))

    @app.get("/v1/workshops/{workshop_id}/plans/{date}", dependencies=[plans_read])
    def get_plan(workshop_id: str, date: Day) -> Plan:
        return service.stored_plan(workshop_id, date)

    @app.post("/v1/plan")
    def plan_stateless(request: PlanRequest, key: KeyInfo | None = foreman) -> Plan:
        ensure_workshop(key, request.workshop.id)
        if len(request.bookings) > MAX_BOOKINGS:
            raise InputError("bookings", f"at most {MAX_BOOKINGS} bookings per request")
        if request.options.time_limit_seconds > MAX_SOLVE_SECONDS:
            raise InputError("options.time_limit_seconds", f"at most {MAX_SOLVE_SECONDS:g} s per request")
        plan: Plan = runner.run("plan", request.workshop.id, validated_plan, request)
        return plan

    @app.post("/v1/keys", status_code=201)
    def create_key(body: KeyIn, key: KeyInfo | None = admin) -> KeyOut:
        store = keys_or_off()
        if key is not None and not key.covers(body.workshops):
            outside = [w for w in body.workshops if not key.may_act_on(w)]
            raise HTTPException(403, f"this key may not create keys for workshop {outside[0]!r}")
        made, info = store.create(body.role, body.workshops, body.label)
        return KeyOut(key=made, **_key_fields(info))

    @app.get("/v1/keys")
    def list_keys(key: KeyInfo | None = admin) -> list[KeyView]:
        return [KeyView(**_key_fields(info)) for info in keys_or_off().list(within=key)]

    @app.delete("/v1/keys/{key_id}", status_code=204)
    def revoke_key(key_id: str, key: KeyInfo | None = admin) -> Response:
        if not keys_or_off().revoke(key_id, within=key):  # a key outside the caller's scope: unknown
            raise NotFound(f"key {key_id!r}")
        return Response(status_code=204)

    def keys_or_off() -> KeyStore:
        if keys is None:
            raise HTTPException(404, "API keys are off on this server (BAYPLAN_AUTH=off)")
        return keys

    return app


DB_ENVIRONMENT = "BAYPLAN_DB"


def app_from_environment() -> FastAPI:
    """The app for `uvicorn --factory` with several workers: the database URL comes from BAYPLAN_DB."""
    return create_app(os.environ[DB_ENVIRONMENT])  # keys on unless BAYPLAN_AUTH=off
