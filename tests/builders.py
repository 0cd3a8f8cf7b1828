"""Small hand-made workshops, requests and plans for tests, with every bay kind and grade that matters."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import math
import threading
import time
import traceback
import warnings
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import strategies as st

from scheduler.clock import FixedClock
from scheduler.compiler import CompiledDay, compile_request
from scheduler.contract import (
    Assignment,
    Booking,
    PinnedOperation,
    Plan,
    PlanOptions,
    PlanRequest,
    Service,
    Unassigned,
    Workshop,
)
from scheduler.kpis import NO_KPIS
from scheduler.planning import to_plan
from scheduler.scenarios import load_scenario
from scheduler.slots import DayBook, Offer
from scheduler.validator import validate_plan
from simulation.results import METRIC_UNITS, WAIT_EDGES, ExperimentResult, Metric, RuleSetResult
from solver.problem import (
    BayData,
    DayProblem,
    DaySolution,
    JobData,
    ObjectiveWeights,
    OperationData,
    Placement,
    TechnicianData,
)

if TYPE_CHECKING:
    import pytest
    from fastapi.testclient import TestClient

    from scheduler.service import PlanningService

TZ = "Asia/Shanghai"
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo(TZ))
"""The tests' clock: every app, service and server in the suite runs on it, never on the machine's."""
DAY = (NOW + dt.timedelta(days=1)).date()  # tomorrow by that clock: a Tuesday
DATE = DAY.isoformat()
CLOCK_RECEIVED = "2027-01-01T00:00:00+08:00"
"""When the tests' clock events are received: they clock days after their server's clock (NOW), and
`POST …/clock` refuses an event after the moment it is received (`?now=`, default the server's)."""
CLOCK_NOW = {"now": CLOCK_RECEIVED}
"""The clock route's query as of CLOCK_RECEIVED."""
CLOCK_AS_OF = "?now=2027-01-01T00:00:00%2B08:00"
"""The same query in a URL."""
WORKSHOP_ID = "ws-small"
SHIFT: dict[str, Any] = {"start": "08:00", "end": "17:00", "breaks": [{"start": "12:00", "end": "13:00"}]}


def fixed_clock() -> FixedClock:
    return FixedClock(NOW)


def at(hhmm: str, day: dt.date = DAY, tz: str = TZ) -> dt.datetime:
    """The aware datetime of local 'HH:MM' on `day` in `tz` (DST-correct: built, not offset)."""
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=ZoneInfo(tz))


def small_workshop(**overrides: Any) -> Workshop:
    """Bays G1 G2 general, E1 express, B1 body, P1 paint, F1 general for fleet partner TAXI.

    Technicians: li (junior, maintenance), wang (senior, efficiency 1.25, 30 min overtime),
    chen (apprentice, efficiency 0.9), zhao (body) and zhou (paint), all 08:00-17:00 with lunch
    12:00-13:00. Services: LUBE (express, 40 min), MAINT (60 min, grade >= 2), MINOR (diagnosis 30
    then repair 90, grade >= 3) and ACCIDENT (body 120 then paint 90). Top-level fields in
    `overrides` replace the defaults.
    """
    data: dict[str, Any] = {
        "id": WORKSHOP_ID,
        "name": "Small test workshop",
        "timezone": TZ,
        "bays": [
            {"id": "G1", "kind": "general"},
            {"id": "G2", "kind": "general"},
            {"id": "E1", "kind": "express"},
            {"id": "B1", "kind": "body"},
            {"id": "P1", "kind": "paint"},
            {"id": "F1", "kind": "general", "fleet_partner": "TAXI"},
        ],
        "technicians": [
            {"id": "li", "name": "Li", "grade": 2, "skills": ["maintenance"], "shift": SHIFT},
            {
                "id": "wang",
                "name": "Wang",
                "grade": 4,
                "skills": ["maintenance", "diagnosis", "mechanical"],
                "efficiency": 1.25,
                "max_overtime_minutes": 30,
                "shift": SHIFT,
            },
            {
                "id": "chen",
                "name": "Chen",
                "grade": 1,
                "skills": ["maintenance"],
                "efficiency": 0.9,
                "shift": SHIFT,
            },
            {"id": "zhao", "name": "Zhao", "grade": 3, "skills": ["body"], "shift": SHIFT},
            {"id": "zhou", "name": "Zhou", "grade": 3, "skills": ["paint"], "shift": SHIFT},
        ],
        "services": [
            {
                "code": "LUBE",
                "name": "Lube service",
                "express": True,
                "operations": [
                    {
                        "name": "oil and filter",
                        "minutes": 40,
                        "skill": "maintenance",
                        "bay_kinds": ["express", "general"],
                    }
                ],
            },
            {
                "code": "MAINT",
                "name": "Regular maintenance",
                "operations": [
                    {
                        "name": "maintenance",
                        "minutes": 60,
                        "skill": "maintenance",
                        "min_grade": 2,
                        "bay_kinds": ["general"],
                    }
                ],
            },
            {
                "code": "MINOR",
                "name": "Minor repair",
                "operations": [
                    {
                        "name": "diagnosis",
                        "minutes": 30,
                        "skill": "diagnosis",
                        "min_grade": 3,
                        "bay_kinds": ["general"],
                    },
                    {
                        "name": "repair",
                        "minutes": 90,
                        "skill": "mechanical",
                        "min_grade": 3,
                        "bay_kinds": ["general"],
                    },
                ],
            },
            {
                "code": "ACCIDENT",
                "name": "Accident repair",
                "operations": [
                    {"name": "body", "minutes": 120, "skill": "body", "min_grade": 3, "bay_kinds": ["body"]},
                    {
                        "name": "paint",
                        "minutes": 90,
                        "skill": "paint",
                        "min_grade": 3,
                        "bay_kinds": ["paint"],
                    },
                ],
            },
        ],
    }
    data.update(overrides)
    return Workshop.model_validate(data)


def with_service(ws: Workshop, code: str, **changes: Any) -> Workshop:
    """`ws` with the fields of service `code` changed."""
    services = [s.model_copy(update=changes) if s.code == code else s for s in ws.services]
    return ws.model_copy(update={"services": services})


def with_technician(ws: Workshop, tech_id: str, **changes: Any) -> Workshop:
    """`ws` with the fields of technician `tech_id` changed."""
    techs = [t.model_copy(update=changes) if t.id == tech_id else t for t in ws.technicians]
    return ws.model_copy(update={"technicians": techs})


def booking(id: str, service: str, drop_off_hhmm: str, **kw: Any) -> Booking:
    """A booking dropped off at local `drop_off_hhmm` on the default day; `kw` sets other fields."""
    return Booking(id=id, service=service, drop_off=at(drop_off_hhmm), **kw)


def request(
    bookings: list[Booking],
    date: dt.date = DAY,
    workshop: Workshop | None = None,
    **options: Any,
) -> PlanRequest:
    """A request on `date` for `workshop` (default the small one); `options` are PlanOptions fields."""
    return PlanRequest(
        workshop=workshop if workshop is not None else small_workshop(),
        date=date,
        bookings=bookings,
        options=PlanOptions(**options),
    )


def assignment(
    booking: str, operation: int, bay: str, technician: str, start: str, end: str, day: dt.date = DAY
) -> Assignment:
    """A placement from local 'HH:MM' start to end on `day`."""
    return Assignment(
        booking=booking,
        operation=operation,
        bay=bay,
        technician=technician,
        start=at(start, day),
        end=at(end, day),
    )


def plan(
    req: PlanRequest,
    assignments: list[Assignment],
    unassigned: list[Unassigned] | None = None,
) -> Plan:
    """A hand-made plan for `req` with zero KPIs (the validator ignores them)."""
    return Plan(
        workshop=req.workshop.id,
        date=req.date,
        planner="hand",
        status="feasible",
        objective=0.0,
        solve_seconds=0.0,
        assignments=assignments,
        unassigned=unassigned or [],
        kpis=NO_KPIS,
    )


def tiny_workshop(
    closing: str = "10:00", shift_end: str = "10:00", services: dict[str, tuple[str, int]] | None = None
) -> Workshop:
    """One technician, one bay, from 08:00: by default two hours, room for exactly two 60-minute
    bookings; `services`: code -> (name, minutes of its one maintenance operation)."""
    services = services if services is not None else {"MAINT": ("Maintenance", 60)}
    return Workshop.model_validate(
        {
            "id": "tiny",
            "name": "Tiny",
            "timezone": "Asia/Shanghai",
            "opening": {"start": "08:00", "end": closing},
            "bays": [{"id": "G1", "kind": "general"}],
            "technicians": [{"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": shift_end}}],
            "services": [{"code": code, "name": name, "operations": [
                {"name": "work", "minutes": minutes, "skill": "maintenance", "bay_kinds": ["general"]}]}
                for code, (name, minutes) in services.items()],
        }
    )  # fmt: skip


def overtime_tiny_workshop() -> Workshop:
    """The tiny workshop open 08:00-17:00, its technician 08:00-17:00 with an hour of overtime and
    one loan car; LONG is 300 minutes of work: dropped off on DAY at 13:00 it is ready at 18:00,
    after the desk closed, and promised the next morning at 08:00 (a pickup on a later day, with
    no work on it)."""
    ws = tiny_workshop(
        closing="17:00", shift_end="17:00", services={"MAINT": ("Maint", 60), "LONG": ("Long", 300)}
    )
    techs = [t.model_copy(update={"max_overtime_minutes": 60}) for t in ws.technicians]
    return ws.model_copy(update={"technicians": techs, "loan_cars": 1})


THREE_BAYS = "three"
"""The id of `three_bay_workshop`."""


def three_bay_workshop(frame: bool = False) -> Workshop:
    """Three bays, each service its own: alignment (ALIGN: the alignment bay or the general lift),
    maintenance (MAINT: the general lift or the body bay), body work (BODY: the body bay only), and
    wheels (WHEEL: the alignment bay only). Four technicians, 08:00-17:00. With `frame`, a frame
    check too (FRAME: the alignment bay or the body bay)."""
    services = {"ALIGN": (90, ["alignment", "general"]), "MAINT": (60, ["general", "body"]),
                "BODY": (30, ["body"]), "WHEEL": (60, ["alignment"])}  # fmt: skip
    if frame:
        services["FRAME"] = (45, ["alignment", "body"])
    return Workshop.model_validate(
        {
            "id": THREE_BAYS,
            "name": "Three bays",
            "timezone": "Asia/Shanghai",
            "opening": {"start": "08:00", "end": "17:00"},
            "bays": [{"id": "C1", "kind": "body"}, {"id": "B1", "kind": "general"},
                     {"id": "A1", "kind": "alignment"}],
            "technicians": [{"id": t, "name": t.upper(), "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "17:00"}} for t in ("t", "u", "v", "w")],
            "services": [{"code": code, "name": code.title(), "operations": [
                {"name": "work", "minutes": minutes, "skill": "maintenance", "bay_kinds": kinds}]}
                for code, (minutes, kinds) in services.items()],
        }
    )  # fmt: skip


def valid_with_pins(service: PlanningService, live: Plan, clocked: set[str]) -> None:
    """The independent validator accepts the live plan of `three_bay_workshop`'s day for the day's
    request with the clocked work pinned where the plan placed it (a pin with no bay as one given
    with no bay)."""
    request, _, _ = service.plan_inputs(THREE_BAYS, DAY, 1.0)
    placed = {x.booking: x for x in live.assignments}
    bookings = []
    for b in request.bookings:
        if b.id in clocked:
            x = placed[b.id]
            pin = PinnedOperation(operation=0, bay=x.bay, technician=x.technician, start=x.start, end=x.end)
            b = b.model_copy(update={"pinned": [pin]})
        bookings.append(b)
    options = request.options.model_copy(update={"keep_promises": False})
    assert validate_plan(request.model_copy(update={"bookings": bookings, "options": options}), live) == []


def four_bay_workshop(**changes: object) -> Workshop:
    """An express lane, a general lift, a fleet partner's lift and a paint booth; a junior and a
    senior technician; lube, minor repair and paint services."""
    data: dict[str, object] = {
        "id": "w1",
        "name": "Test workshop",
        "timezone": TZ,
        "bays": [
            {"id": "E1", "kind": "express"},
            {"id": "G1", "kind": "general"},
            {"id": "F1", "kind": "general", "fleet_partner": "TAXI"},
            {"id": "P1", "kind": "paint"},
        ],
        "technicians": [
            {"id": "jun", "name": "Junior", "grade": 2, "skills": ["maintenance"], "shift": SHIFT},
            {
                "id": "sen",
                "name": "Senior",
                "grade": 4,
                "skills": ["maintenance", "diagnosis", "mechanical"],
                "efficiency": 1.25,
                "max_overtime_minutes": 60,
                "shift": SHIFT,
            },
        ],
        "services": [
            {
                "code": "LUBE",
                "name": "Lube",
                "express": True,
                "operations": [
                    {
                        "name": "oil",
                        "minutes": 40,
                        "skill": "maintenance",
                        "bay_kinds": ["express", "general"],
                    }
                ],
            },
            {
                "code": "MINOR",
                "name": "Minor repair",
                "operations": [
                    {
                        "name": "diagnosis",
                        "minutes": 30,
                        "skill": "diagnosis",
                        "min_grade": 3,
                        "bay_kinds": ["general"],
                    },
                    {
                        "name": "repair",
                        "minutes": 90,
                        "skill": "mechanical",
                        "min_grade": 3,
                        "bay_kinds": ["general"],
                    },
                ],
            },
            {
                "code": "PAINT",
                "name": "Paint",
                "operations": [
                    {"name": "paint", "minutes": 60, "skill": "paint", "min_grade": 3, "bay_kinds": ["paint"]}
                ],
            },
        ],
    }
    data.update(changes)
    return Workshop.model_validate(data)


def four_bay_request(bookings: list[Booking], ws: Workshop | None = None, limit: float = 5.0) -> PlanRequest:
    """A request on DAY for `ws` (default the four-bay workshop) with a `limit`-second solver."""
    return PlanRequest(
        workshop=ws or four_bay_workshop(),
        date=DAY,
        bookings=bookings,
        options=PlanOptions(time_limit_seconds=limit),
    )


def multi_day_workshop(max_days: int = 3, **overrides: Any) -> Workshop:
    """The small workshop with REPAIR, accident repair over up to `max_days` days: body (zhao on B1)
    180 + 180 min, paint (zhou on P1) 150 min, reassembly (body) 120 min: 630 minutes of one body
    technician and one painter with 8 h shifts, so it never fits one day."""
    ws = small_workshop(**overrides)
    repair = Service.model_validate(
        {
            "code": "REPAIR",
            "name": "Accident repair (multi-day)",
            "max_days": max_days,
            "operations": [
                {"name": "strip and body", "minutes": 180, "skill": "body", "bay_kinds": ["body"]},
                {"name": "body and filler", "minutes": 180, "skill": "body", "bay_kinds": ["body"]},
                {
                    "name": "paint",
                    "minutes": 150,
                    "skill": "paint",
                    "bay_kinds": ["paint"],
                    "needs_parts": True,
                },
                {"name": "reassembly", "minutes": 120, "skill": "body", "bay_kinds": ["body"]},
            ],
        }
    )  # fmt: skip
    return ws.model_copy(update={"services": [*ws.services, repair]})


def experiment_result(
    versus: dict[str, tuple[float, float, float]], names: tuple[str, str] = ("current", "stagger-lunch")
) -> ExperimentResult:
    """A two-rule-set simulation result (an `ExperimentResult`) whose second rule set differs from the
    first by `versus`: metric -> (mean, low, high) of the paired difference, in the metric's unit."""

    def rule_set(name: str, shift: float, diffs: dict[str, Metric]) -> RuleSetResult:
        metrics = {
            "served_per_day": Metric(mean=50.0, low=48.0, high=52.0, unit="vehicles"),
            "waiter_wait_p90": Metric(mean=70.0 + shift, low=60.0 + shift, high=80.0 + shift, unit="min"),
            "on_time": Metric(mean=0.998, low=0.993, high=1.0, unit="share"),
            "overtime_hours_per_day": Metric(mean=1.5, low=1.0, high=2.0, unit="h"),
            "cost_per_day": Metric(mean=12000.0, low=11800.0, high=12200.0, unit="CNY"),
            "utilisation_senior": Metric(mean=0.81, low=0.78, high=0.84, unit="share"),
        }
        return RuleSetResult(
            name=name, description=f"{name} rules", technicians=32, metrics=metrics,
            utilisation_by_hour=[0.0] * 8 + [0.8] * 10 + [0.0] * 6,
            waiter_wait_histogram=[1 / (len(WAIT_EDGES) - 1)] * (len(WAIT_EDGES) - 1),
            on_time_by_replication=[0.99, 1.0], versus_first=diffs,
        )  # fmt: skip

    diffs = {k: Metric(mean=m, low=lo, high=hi, unit=METRIC_UNITS[k]) for k, (m, lo, hi) in versus.items()}
    return ExperimentResult(
        scenario="dealer-2011", period="peak (apr)", start=DAY, days=5, replications=10, seed=1,
        policy="fcfs", growth=1.0, backend="process pool x2", wall_seconds=3.2, events=120_000,
        wait_edges=WAIT_EDGES,
        rule_sets=[rule_set(names[0], 0.0, {}), rule_set(names[1], -31.0, diffs)],
    )  # fmt: skip


def settled_slots(client: TestClient, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """`GET path` (a slot query) once every background refinement asked so far is delivered
    (`PlanningService.refine_idle`): the answer as a booking made right after finds it. It is a
    cache hit on the day version already answered, which asks for no refinement, so none can land
    before that booking, and the booking's promise at a time it shows is exactly the one shown. (A
    refinement landing between a query and its booking may make the booked promise earlier than
    that query showed, never later: promise16-s37, promise16-s39.)"""
    service = client.app.state.services.service  # type: ignore[attr-defined]
    assert service.refine_idle(timeout=300), "the background refinements never finished"
    got = client.get(path, params=dict(params))
    assert got.status_code == 200, got.text
    slots: list[dict[str, Any]] = got.json()["slots"]
    return slots


class _Getter(Protocol):
    def get(self, url: str, *, params: dict[str, str]) -> Any: ...


class _Putter(Protocol):
    def put(self, url: str, *, content: str, headers: dict[str, str]) -> Any: ...


def put_workshop(http: _Putter, workshop: Workshop, headers: dict[str, str] | None = None) -> None:
    """Store `workshop` through the API (PUT /v1/workshops/{id}), which must accept it (`headers`:
    the key's, where keys are on)."""
    response = http.put(
        f"/v1/workshops/{workshop.id}",
        content=workshop.model_dump_json(),
        headers={"content-type": "application/json", **(headers or {})},
    )
    assert response.status_code == 200, response.text


def clock_event(
    booking: str, action: str, when: str | dt.datetime, tech: str = "t", op: int = 0, bay: str | None = None
) -> dict[str, Any]:
    """A clock event's body: `tech` does `action` on `booking`'s operation `op` at `when` (HH:MM
    on DAY, or an instant), in `bay` if given (sent only then)."""
    moment = at(when) if isinstance(when, str) else when
    body = {
        "booking": booking,
        "operation": op,
        "technician": tech,
        "action": action,
        "at": moment.isoformat(),
    }
    return body if bay is None else {**body, "bay": bay}


def settled(http: _Getter, workshop_path: str, date: str = DATE, seconds: float = 120.0) -> dict[str, Any]:
    """Poll the day's status (`workshop_path`: "/v1/workshops/{id}") until its live plan is made from
    every clock event recorded (the background re-plan done: `replanning` false); that status (as
    of the day's start: reading it records nothing). Sleeps between polls, never a timed wait."""
    deadline = time.monotonic() + seconds
    while True:
        r = http.get(f"{workshop_path}/days/{date}/status", params={"now": f"{date}T00:00:00+00:00"})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if not body["replanning"]:
            return body
        assert time.monotonic() < deadline, "the live plan never caught up with the clock events"
        time.sleep(0.01)


class _JobGetter(Protocol):
    def get(self, url: str) -> Any: ...


def poll_job(http: _JobGetter, url: str, seconds: float = 180.0) -> dict[str, Any]:
    """Poll a job (`url`: the job's, as its start answered) until it is done or failed, or
    `seconds` have passed; its last answer. Sleeps between polls, never a timed wait."""
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = http.get(url).json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


# The shop floor's day through the API (tests/api/test_shopfloor.py and the live day's tests): the tiny
# workshop with two technicians, two waiters booked, the day's stream.
TINY_PATH = "/v1/workshops/tiny"


def two_technician_workshop() -> Workshop:
    """The tiny workshop with two technicians working 08:00-12:00 (drop-offs 08:00-10:00)."""
    ws = tiny_workshop()
    shift = {"start": "08:00", "end": "12:00"}
    techs = [
        {"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"], "shift": shift},
        {"id": "u", "name": "U", "grade": 3, "skills": ["maintenance"], "shift": shift},
    ]
    return Workshop.model_validate({**ws.model_dump(mode="json"), "technicians": techs})


def lifts_workshop() -> Workshop:
    """`two_technician_workshop` with bays G1 and G2 (general), B1 (body: no kind MAINT may use),
    E1 (an express lane; MAINT is no express service) and F1 (general, fleet partner TAXI's)."""
    ws = two_technician_workshop().model_dump(mode="json")
    bays = [{"id": "G1", "kind": "general"}, {"id": "G2", "kind": "general"},
            {"id": "B1", "kind": "body"}, {"id": "E1", "kind": "express"},
            {"id": "F1", "kind": "general", "fleet_partner": "TAXI"}]  # fmt: skip
    return Workshop.model_validate({**ws, "bays": bays})


def two_waiters_day(client: TestClient, plates: tuple[str, str] | None = None) -> tuple[str, str]:
    """Two waiters: A dropped off at 08:00, B at 09:00 (one bay: A 08:00-09:00, B 09:00-10:00),
    with `plates` if given."""
    assert client.put(TINY_PATH, json=two_technician_workshop().model_dump(mode="json")).status_code == 200
    ids = []
    for i, hhmm in enumerate(("08:00", "09:00")):
        body: dict[str, Any] = {"service": "MAINT", "drop_off": at(hhmm).isoformat(), "waiter": True}
        if plates:
            body["plate"] = plates[i]
        r = client.post(f"{TINY_PATH}/bookings", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids[0], ids[1]


def two_cars_on_one_lift(
    client: TestClient, plates: tuple[str, str] | None = None
) -> tuple[str, str, dict[str, Any]]:
    """Two lifts G1, G2: t starts A and u B at 08:00/08:05 (no bay named), the day settled; then G2
    is taken out of the workshop (by force, it broke down) as of 08:30 and the day re-planned: A
    in G1, B clocked later with no bay (`clocked_bay_conflicts`). A, B and the workshop as sent.
    With `plates`, A's and B's."""
    ws = two_technician_workshop().model_dump(mode="json")
    two_lifts = {**ws, "bays": [{"id": "G1", "kind": "general"}, {"id": "G2", "kind": "general"}]}
    assert client.put(TINY_PATH, json=two_lifts).status_code == 200
    drop_off = {"service": "MAINT", "drop_off": at("08:00").isoformat()}
    a, b = (
        client.post(f"{TINY_PATH}/bookings", json=drop_off | ({"plate": plates[i]} if plates else {})).json()[
            "id"
        ]
        for i in range(2)
    )
    assert client.post(f"{TINY_PATH}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    for event in (clock_event(a, "start", "08:00"), clock_event(b, "start", "08:05", tech="u")):
        assert client.post(f"{TINY_PATH}/clock", params=CLOCK_NOW, json=event).status_code == 201
    settled(client, TINY_PATH)
    one_lift = {**ws, "bays": [{"id": "G1", "kind": "general"}]}
    changed = client.put(TINY_PATH, params={"force": "true", "now": at("08:30").isoformat()}, json=one_lift)
    assert changed.status_code == 200, changed.text
    return a, b, one_lift


def two_waiters_at_risk(client: TestClient) -> tuple[str, str]:
    """`two_waiters_day` with plates 粤A00000 and 粤A00001, planned, A started at 08:00 by t and not
    finished, the live plan settled: by 10:30-11:00 both are at risk of missing their promises."""
    first, second = two_waiters_day(client, plates=("粤A00000", "粤A00001"))
    assert client.post(f"{TINY_PATH}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    event = {
        "booking": first,
        "operation": 0,
        "technician": "t",
        "action": "start",
        "at": at("08:00").isoformat(),
    }
    assert client.post(f"{TINY_PATH}/clock", params=CLOCK_NOW, json=event).status_code == 201
    settled(client, TINY_PATH)
    return first, second


def day_status(client: TestClient, hhmm: str) -> dict[str, Any]:
    """The tiny workshop's status of DAY as of `hhmm` (GET …/days/{DATE}/status?now=), which must answer."""
    r = client.get(f"{TINY_PATH}/days/{DATE}/status", params={"now": at(hhmm).isoformat()})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def clocked_request(
    client: TestClient, plan: dict[str, Any], pins: dict[str, tuple[str, str]]
) -> PlanRequest:
    """The day's request with the clocked work pinned at its actual times (what the plan must pass)."""
    service = client.app.state.services.service  # type: ignore[attr-defined]
    mine = {x["booking"]: x for x in plan["assignments"]}
    bookings = []
    for b in service.bookings("tiny", DAY):
        if b.id in pins:
            start, end = pins[b.id]
            pin = PinnedOperation(operation=0, bay=mine[b.id]["bay"], technician=mine[b.id]["technician"],
                                  start=at(start), end=at(end))  # fmt: skip
            b = b.model_copy(update={"pinned": [pin]})
        bookings.append(b)
    return PlanRequest(workshop=two_technician_workshop(), date=DAY, bookings=bookings,
                       options=PlanOptions(keep_promises=False))  # fmt: skip


def _read_stream(client: TestClient, url: str, out: list[str], opened: threading.Event) -> None:
    """Read the whole stream into `out`; `opened` is set once its first message (the status the
    route computed on connecting) has arrived, so later events cannot race into that first one."""
    text = ""
    with client.stream("GET", url) as response:
        for chunk in response.iter_text():
            text += chunk
            if "event: status" in text and "\n\n" in text.split("event: status", 1)[1]:
                opened.set()
    out.append(text)
    opened.set()


def open_stream(client: TestClient, url: str) -> tuple[threading.Thread, list[str]]:
    """Start reading the day's stream in a thread; return once its first message has arrived."""
    out: list[str] = []
    opened = threading.Event()
    reader = threading.Thread(target=_read_stream, args=(client, url, out, opened))
    reader.start()
    assert opened.wait(20), "the stream never sent its first message"
    return reader, out


def stream_messages(text: str) -> list[dict[str, Any]]:
    """The day statuses in a stream's text (its `event: status` messages), in order."""
    found = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if lines and lines[0] == "event: status":
            assert lines[1].startswith("data: ")
            found.append(json.loads(lines[1].removeprefix("data: ")))
    return found


# Three days of clocked work through the API, for the reports from actuals (tests/api/test_actuals.py,
# tests/cli/test_report.py, tests/e2e/test_reports_page.py).
HISTORY_DAYS = [DAY + dt.timedelta(days=i) for i in range(3)]  # Tuesday .. Thursday


def two_bay_workshop() -> Workshop:
    """Two grade-3 technicians working 08:00-12:00 with a 10:00-10:15 break, two bays; MAINT is
    60 minutes."""
    shift = {"start": "08:00", "end": "12:00", "breaks": [{"start": "10:00", "end": "10:15"}]}
    techs = [
        {"id": t, "name": t.upper(), "grade": 3, "skills": ["maintenance"], "shift": shift} for t in "tu"
    ]
    bays = [{"id": "G1", "kind": "general"}, {"id": "G2", "kind": "general"}]
    body = tiny_workshop().model_dump(mode="json")
    return Workshop.model_validate(
        {**body, "technicians": techs, "opening": {"start": "08:00", "end": "12:00"}, "bays": bays}
    )


def book_waiter(
    client: TestClient, day: dt.date, hhmm: str, promised: dict[str, dt.datetime] | None = None
) -> str:
    """A waiter (the booking service promises his pickup, kept in `promised`) dropped off at `hhmm`."""
    r = client.post(
        f"{TINY_PATH}/bookings",
        json={"service": "MAINT", "drop_off": at(hhmm, day).isoformat(), "waiter": True},
    )
    assert r.status_code == 201, r.text
    assert r.json()["promised"] is not None
    if promised is not None:
        promised[r.json()["id"]] = dt.datetime.fromisoformat(r.json()["promised"])
    return str(r.json()["id"])


def clocked_history(
    client: TestClient, promised: dict[str, dt.datetime] | None = None
) -> list[tuple[str, dt.datetime]]:
    """Three days (`HISTORY_DAYS`) on `two_bay_workshop()`: each day t does a 08:00 booking in 90
    minutes (starting 08:10, 10 minutes after the plan), u one at 09:00 in 90 minutes; the day's plan
    made before the first event. Returns (booking, finished at) of each."""
    finished = []
    assert client.put(TINY_PATH, json=two_bay_workshop().model_dump(mode="json")).status_code == 200
    for day in HISTORY_DAYS:
        a = book_waiter(client, day, "08:00", promised)
        b = book_waiter(client, day, "09:00", promised)
        planned = client.post(f"{TINY_PATH}/plans", json={"date": day.isoformat(), "time_limit_seconds": 1})
        assert planned.status_code == 200
        start_a, start_b = at("08:10", day), at("09:00", day)
        for body in (clock_event(a, "start", start_a, "t"), clock_event(b, "start", start_b, "u"),
                     clock_event(a, "finish", start_a + dt.timedelta(minutes=90), "t"),
                     clock_event(b, "finish", start_b + dt.timedelta(minutes=90), "u")):  # fmt: skip
            r = client.post(f"{TINY_PATH}/clock", params=CLOCK_NOW, json=body)
            assert r.status_code == 201, r.text
        finished += [(a, start_a + dt.timedelta(minutes=90)), (b, start_b + dt.timedelta(minutes=90))]
    return finished


# Random small days for property tests.
_RANDOM_SERVICES = ["LUBE", "MAINT", "MINOR", "ACCIDENT"]
_RANDOM_TECHNICIANS = ["li", "wang", "chen", "zhao", "zhou"]
_RANDOM_BAYS = ["G1", "G2", "E1", "B1", "P1", "F1"]


@st.composite
def random_days(draw: st.DrawFn) -> PlanRequest:
    """A random small day (hypothesis): some of `small_workshop()`'s technicians on random shifts,
    efficiencies and overtime, some of its bays, 1-12 bookings dropped off 09:00-15:00, ACCIDENT's
    paint waiting for parts some of them expect during the day (released per operation: the body
    work does not wait) (the property tests, tests/scheduler/test_properties.py, and the bounds',
    tests/solver/test_bounds_slots.py)."""
    base = _paint_needs_parts(small_workshop())
    names = draw(st.lists(st.sampled_from(_RANDOM_TECHNICIANS), min_size=1, max_size=5, unique=True))
    technicians = []
    for t in base.technicians:
        if t.id not in names:
            continue
        start = draw(st.sampled_from(["07:00", "08:00", "09:00"]))
        end = draw(st.sampled_from(["15:00", "16:00", "17:00", "18:00"]))
        shift: dict[str, Any] = {**SHIFT, "start": start, "end": end}
        technicians.append(t.model_copy(update={
            "shift": type(t.shift).model_validate(shift),
            "efficiency": draw(st.sampled_from([0.8, 1.0, 1.25])),
            "max_overtime_minutes": draw(st.sampled_from([0, 30, 60])),
        }))  # fmt: skip
    bays = [
        b for b in base.bays if b.id in draw(st.lists(st.sampled_from(_RANDOM_BAYS), min_size=1, unique=True))
    ]
    workshop = base.model_copy(update={"technicians": technicians, "bays": bays})
    bookings = []
    for i in range(draw(st.integers(1, 12))):
        quarter = draw(st.integers(0, 24))  # drop-offs 09:00 .. 15:00
        bookings.append(Booking(
            id=f"b{i}",
            service=draw(st.sampled_from(_RANDOM_SERVICES)),
            drop_off=at(f"{9 + quarter // 4:02d}:{15 * (quarter % 4):02d}"),
            waiter=draw(st.booleans()),
            fleet_partner=draw(st.sampled_from([None, None, "TAXI"])),
            priority=draw(st.integers(1, 3)),
        ))  # fmt: skip
        if bookings[-1].service == "ACCIDENT":
            eta = draw(st.sampled_from([None, "10:00", "12:00", "14:00", "16:00"]))
            bookings[-1] = bookings[-1].model_copy(update={"parts_eta": at(eta) if eta else None})
    return request(bookings, workshop=workshop, time_limit_seconds=0.5, workers=2)


def _paint_needs_parts(workshop: Workshop) -> Workshop:
    """`workshop` with ACCIDENT's paint (its last operation) waiting for the booking's parts."""
    services = []
    for service in workshop.services:
        if service.code == "ACCIDENT":
            last = service.operations[-1].model_copy(update={"needs_parts": True})
            service = service.model_copy(update={"operations": [*service.operations[:-1], last]})
        services.append(service)
    return workshop.model_copy(update={"services": services})


def witness_plan(day: DayBook, probe: Booking, offer: Offer) -> tuple[PlanRequest, Plan]:
    """The day as a slot offer claims it: accepted bookings where the (re)witness puts them, plus
    the probe booked at the offer's promise (for the independent validator)."""
    booked = probe.model_copy(update={"promised": offer.promised})
    bookings = [b for b, _ in day.accepted] + [booked]
    held = [b for b, _ in day.held]  # vehicles held for later work: their loan cars count
    request = PlanRequest(workshop=day.workshop, date=day.date, bookings=bookings, held=held)
    compiled = compile_request(request)
    witness = {b.id: list(offer.rewitness[b.id]) if offer.rewitness else a for b, a in day.accepted}
    witness[probe.id] = list(offer.assignments)
    placements = {
        (j, a.operation): compiled.frame.placement(a) for j, b in enumerate(bookings) for a in witness[b.id]
    }
    return request, to_plan(compiled, DaySolution(placements=placements, unplaced=set()), "witness")


def on_grid(refused: list[dict[str, Any]], minutes: int = 30) -> list[dict[str, Any]]:
    """An explained answer's refusals on the desk's booking grid (the quarter hours between say
    only that bookings are on the grid)."""
    return [r for r in refused if int(r["drop_off"][14:16]) % minutes == 0]


class CountedThreadClock:
    """Stands in for the `time` module of the slot search (scheduler.slots, .ejection, .repack):
    `thread_time` advances `step` seconds at every read, so a search budget is a count of reads,
    the same on any machine and under any load."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 0.0
        self.reads = 0

    def thread_time(self) -> float:
        self.reads += 1
        self.now += self.step
        return self.now


def counted_search_clock(monkeypatch: pytest.MonkeyPatch, step: float) -> CountedThreadClock:
    """A `CountedThreadClock` standing in for `time` in every module of the slot search (slots,
    ejection, repack, multiday, contention): a budget becomes a count of reads, so no stall of a
    loaded machine (a full garbage collection, flake-s36) cuts a search a test needs finished."""
    from scheduler import contention, ejection, multiday, repack, slots

    clock = CountedThreadClock(step)
    for module in (slots, ejection, repack, multiday, contention):
        monkeypatch.setattr(module, "time", clock)
    return clock


# Solver data: one general bay and one technician on shift 08:00-10:00, whose first job ran to 09:50.
STARTED_TO_0950 = Placement(bay=0, technician=0, start=480, end=590)
THIRTY_MINUTES = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(30,))


@st.composite
def small_solver_day(
    draw: st.DrawFn,
    *,
    breaks: tuple[tuple[int, int], tuple[int, int]],
    latest_drop_off: int,
    longest: int,
    slack: int,
    priorities: tuple[int, int] = (1, 1),
) -> tuple[tuple[TechnicianData, ...], tuple[JobData, ...]]:
    """Solver data of a small random day for the floors' property tests: two grade-2 technicians
    (one of two shift ends, overtime or none, no break or one of `breaks`), two to five bookings of
    one or two operations on technician 0, 1 or either and bay 0, 1 or either (15-`longest`
    minutes), dropped off 08:00-`latest_drop_off`, promised 20-`slack` minutes later, waiters and
    drop-offs; sometimes the first booking's first operation started at 08:00 (pinned)."""
    technicians = tuple(
        TechnicianData(
            grade=2,
            shift_start=480,
            shift_end=draw(st.sampled_from([660, 720])),
            max_overtime=draw(st.sampled_from([0, 30])),
            breaks=draw(st.sampled_from([(), (breaks[0],), (breaks[1],)])),
        )
        for _ in range(2)
    )
    jobs = []
    for _ in range(draw(st.integers(2, 5))):
        release = draw(st.integers(480, latest_drop_off))
        operations = []
        for _ in range(draw(st.integers(1, 2))):
            techs = draw(st.sampled_from([(0,), (1,), (0, 1)]))
            bays = draw(st.sampled_from([(0,), (1,), (0, 1)]))
            durations = tuple(draw(st.integers(15, longest)) for _ in techs)
            operations.append(
                OperationData(bays=bays, bay_costs=(0,) * len(bays), technicians=techs, durations=durations)
            )
        due = release + draw(st.integers(20, slack))
        waiter = draw(st.booleans())
        priority = draw(st.integers(*priorities)) if priorities[0] != priorities[1] else priorities[0]
        jobs.append(JobData(release, due, waiter, priority, tuple(operations)))
    if draw(st.booleans()):  # started work: the first booking's first operation is pinned
        first = jobs[0].operations[0]
        pin = Placement(
            bay=first.bays[0], technician=first.technicians[0], start=480, end=480 + first.durations[0]
        )
        jobs[0] = replace(jobs[0], release=480, operations=(replace(first, pin=pin), *jobs[0].operations[1:]))
    return technicians, tuple(jobs)


def one_technician_morning(*jobs: JobData) -> DayProblem:
    """`jobs` on one general bay and one technician on shift 08:00-10:00."""
    return DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),),
        technicians=(TechnicianData(grade=1, shift_start=480, shift_end=600),),
        jobs=jobs,
    )


def one_technician_day(*jobs: JobData, weights: ObjectiveWeights | None = None) -> DayProblem:
    """`jobs` on one general bay and one technician working minutes 0-600 (the horizon)."""
    return DayProblem(
        horizon=600,
        bays=(BayData("general"),),
        technicians=(TechnicianData(grade=1, shift_start=0, shift_end=600),),
        jobs=jobs,
        weights=weights if weights is not None else ObjectiveWeights(),
    )


def alike_workshop(technicians: int = 4, bays: int = 4) -> Workshop:
    """`technicians` alike (grade 3, 08:00-17:00, lunch 12:00-13:00, maintenance and diagnosis) and
    one more senior, on `bays` general lifts; MAINT (60 min) and MINOR (diagnosis 30, repair 90)."""
    skills, lifts = ["maintenance", "diagnosis"], ["general"]
    return Workshop.model_validate(
        {
            "id": "alike",
            "name": "Alike",
            "timezone": TZ,
            "bays": [{"id": f"G{i}", "kind": "general"} for i in range(bays)],
            "technicians": [{"id": f"t{i}", "name": f"T{i}", "grade": 3, "skills": skills, "shift": SHIFT}
                            for i in range(technicians)]
            + [{"id": "senior", "name": "Senior", "grade": 4, "skills": skills, "efficiency": 1.25,
                "shift": SHIFT}],
            "services": [
                {"code": "MAINT", "name": "Maintenance", "operations": [
                    {"name": "maintenance", "minutes": 60, "skill": "maintenance", "bay_kinds": lifts}]},
                {"code": "MINOR", "name": "Minor repair", "operations": [
                    {"name": "diagnosis", "minutes": 30, "skill": "diagnosis", "bay_kinds": lifts},
                    {"name": "repair", "minutes": 90, "skill": "maintenance", "bay_kinds": lifts}]},
            ],
        }
    )  # fmt: skip


# Planner tests' days (tests/scheduler/test_optimise.py, test_lns.py, test_dispatch.py; the bounds'
# enumerations in tests/solver/).
def one_lift_workshop() -> Workshop:
    """`four_bay_workshop` cut to one general lift and one grade-3 technician, 08:00-12:00 with a
    break 10:00-10:30 (30 minutes' overtime); services S30, S45, S60, S75 of one operation that long."""
    return four_bay_workshop(
        bays=[{"id": "G1", "kind": "general"}],
        technicians=[
            {"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"], "max_overtime_minutes": 30,
             "shift": {"start": "08:00", "end": "12:00", "breaks": [{"start": "10:00", "end": "10:30"}]}}
        ],
        services=[
            {"code": f"S{m}", "name": f"{m} min", "operations": [
                {"name": "work", "minutes": int(m), "skill": "maintenance", "bay_kinds": ["general"]}]}
            for m in (30, 45, 60, 75)
        ],
    )  # fmt: skip


def without_timing(plan: object) -> dict[str, object]:
    """A plan as JSON without its solve time: two runs of a deterministic search compare equal."""
    data = plan.model_dump(mode="json")  # type: ignore[attr-defined]
    data.pop("solve_seconds")
    return data  # type: ignore[no-any-return]


def fifty_bookings() -> list[Booking]:
    """More bookings than the full-solve threshold (the neighbourhood search runs), with promises."""
    return [
        Booking(id=f"b{i:02d}", service=["MINOR", "LUBE", "MINOR"][i % 3], drop_off=at(f"{8 + i % 6:02d}:00"),
                promised=at(f"{10 + i % 6:02d}:00"), waiter=i % 4 == 0)
        for i in range(50)
    ]  # fmt: skip


def tiny_day(seed: int, count: int = 6, waiters: bool = False) -> PlanRequest:
    """`count` bookings drawn from `seed` on `one_lift_workshop()`, each promised up to 50 minutes
    after its earliest end, priority 1 or 2 (small enough to enumerate every subset and order);
    `waiters`: each a waiter or not, drawn too (after the rest: the same days otherwise)."""
    rng = np.random.default_rng(seed)
    one = one_lift_workshop()
    bookings = []
    for i in range(count):
        drop = 8 * 60 + int(rng.integers(0, 9)) * 15
        minutes = int(rng.choice([30, 45, 60, 75]))
        due = drop + minutes + int(rng.integers(0, 6)) * 10
        bookings.append(Booking(
            id=f"b{i}", service=f"S{minutes}", drop_off=at(f"{drop // 60:02d}:{drop % 60:02d}"),
            promised=at(f"{due // 60:02d}:{due % 60:02d}"), priority=int(rng.integers(1, 3)),
            waiter=bool(rng.integers(0, 2)) if waiters else False,
        ))  # fmt: skip
    return four_bay_request(bookings, one, limit=5)


def least_lateness(
    problem: DayProblem, subset: tuple[int, ...], weights: ObjectiveWeights | None = None
) -> float:
    """Fewest minutes late placing exactly `subset` on the one technician and bay (inf if impossible);
    `weights`: the least of the objective's lateness terms instead (a waiter's minute at
    `waiter_lateness`, a drop-off's at `lateness`)."""
    windows = problem.technicians[0].windows()
    best = math.inf
    for order in itertools.permutations(subset):
        cursor, late = 0, 0
        for j in order:
            job = problem.jobs[j]
            d = job.operations[0].durations[0]
            start = next(
                (max(s, cursor, job.release) for s, e in windows if max(s, cursor, job.release) + d <= e),
                None,
            )
            if start is None:
                break
            cursor = start + d
            price = 1 if weights is None else weights.waiter_lateness if job.waiter else weights.lateness
            late += price * max(0, cursor - (job.due or cursor))
        else:
            best = min(best, late)
    return best


def started_and_waiting(second_minutes: int) -> DayProblem:
    """One technician and one lift 08:00-10:00: booking 0 started at 08:00 (its first hour pinned,
    a second operation of `second_minutes` to come), booking 1 an hour of work ready at 08:00."""

    def op(minutes: int, pin: Placement | None = None) -> OperationData:
        return OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(minutes,), pin=pin)

    started = JobData(
        release=480,
        due=None,
        waiter=False,
        priority=1,
        operations=(op(60, Placement(0, 0, 480, 540)), op(second_minutes)),
    )
    waiting = JobData(release=480, due=None, waiter=False, priority=1, operations=(op(60),))
    return one_technician_morning(started, waiting)


@dataclass(frozen=True)
class Ran:
    """What a `bayplan` command did, named as subprocess.CompletedProcess names it."""

    returncode: int
    stdout: str
    stderr: str


# A fresh interpreter's default warning filters (no -W): these categories are not shown.
_HIDDEN_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def bayplan(*args: str, env: Mapping[str, str | None] | None = None) -> Ran:
    """`bayplan ARGS` run in this process (typer's CliRunner on cli.main's app), not in a new
    interpreter: a subprocess imports the planning code again (1-3 CPU seconds a command, some 130
    commands in the suite). What a user would see on stderr is kept: an exception that escapes the
    command is written there as a traceback (exit 1, as the interpreter does), and so are the
    warnings a fresh interpreter shows and the log records its last-resort handler prints (pytest
    would otherwise capture both). `env`: variables set for the command, None unsets one. The
    language is set back to the environment's after it (a new process starts from it). The true
    `python -m cli.main` runs stay in tests/cli/test_cli.py (and `serve`, which must not start here)."""
    from typer.testing import CliRunner

    from cli.i18n import set_language
    from cli.main import app

    root = logging.getLogger()
    with warnings.catch_warnings(record=True) as shown:
        warnings.resetwarnings()
        for category in _HIDDEN_WARNINGS:
            warnings.simplefilter("ignore", category)
        last_resort = logging.lastResort  # writes to the sys.stderr of the moment: the runner's
        assert last_resort is not None
        root.addHandler(last_resort)
        try:
            result = CliRunner().invoke(app, list(args), env=env, prog_name="bayplan")
        finally:
            root.removeHandler(last_resort)
            set_language(None)
    stderr = result.stderr
    stderr += "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in shown)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def store_workshop(url: str, workshop_id: str, technician: str) -> None:
    """The tiny workshop stored in the database at `url` as `workshop_id`, its one technician
    `technician` (a technician key is made only for a stored workshop's technician)."""
    from scheduler.service import PlanningService
    from scheduler.storage import Store

    workshop = with_technician(tiny_workshop(), "t", id=technician).model_copy(update={"id": workshop_id})
    service = PlanningService(Store(url), clock=fixed_clock())
    try:
        service.put_workshop(workshop)
    finally:
        service.close()


def booth_workshop() -> dict[str, Any]:
    """small-dealer whose paint work is its own: the operation "spray and bake" (喷烤漆), the skill
    "refinish" (烤漆) and the bay kind "booth" (烤漆房), none of which the catalog knows; its body
    work is "panel beating" (钣金修复)."""
    data = load_scenario("small-dealer").workshop.model_dump(mode="json")
    data["bay_kinds"] = [*data["bay_kinds"], "booth"]
    for bay in data["bays"]:
        if bay["kind"] == "paint":
            bay["kind"] = "booth"
    for tech in data["technicians"]:
        tech["skills"] = ["refinish" if s == "paint" else s for s in tech["skills"]]
    for service in data["services"]:
        for op in service["operations"]:
            if op["skill"] == "body":
                op.update(name="panel beating", name_i18n={"zh-CN": "钣金修复"})
            if op["skill"] == "paint":
                op.update(
                    name="spray and bake",
                    name_i18n={"zh-CN": "喷烤漆"},
                    skill="refinish",
                    bay_kinds=["booth"],
                )
    data["bay_kind_names"] = {"booth": {"name": "Paint booth", "name_i18n": {"zh-CN": "烤漆房"}}}
    data["skill_names"] = {"refinish": {"name": "Refinish", "name_i18n": {"zh-CN": "烤漆"}}}
    return data


def two_general_bay_day(
    technicians: tuple[TechnicianData, ...], jobs: tuple[JobData, ...], weights: ObjectiveWeights
) -> DayProblem:
    """A solver day on two general bays (the floors' hand-built days)."""
    return DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"), BayData(kind="general")),
        technicians=technicians,
        jobs=jobs,
        weights=weights,
    )


class FakeRefinerPool:
    """The background refinement's worker process, faked in the test's process (install it with
    `fake_refiner_pool`): every job's key and day version is recorded, in the order the refiner
    starts them, and the job is `"run"` at once in the asking thread, answered at once with no
    offers (`"none"`), or `"held"` until the test sets the future's result (`pending`)."""

    _processes = None

    def __init__(self, mode: str = "run") -> None:
        self.mode = mode
        self.keys: list[tuple[object, ...]] = []
        self.versions: list[tuple[object, ...]] = []
        self.pending: list[Future[Any]] = []

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass

    def submit(self, fn: Any, job: Any, *args: Any) -> Future[Any]:
        self.keys.append(job.key)
        self.versions.append(job.version)
        future: Future[Any] = Future()
        if self.mode == "run":
            future.set_result(fn(job, *args))
        elif self.mode == "none":
            future.set_result(([], None))
        else:
            self.pending.append(future)
        return future

    def finish_pending(self) -> None:
        """Every held job answered with no offers, the newest first."""
        while self.pending:
            self.pending.pop().set_result(([], None))


def fake_refiner_pool(monkeypatch: pytest.MonkeyPatch, mode: str = "run") -> FakeRefinerPool:
    """A `FakeRefinerPool` in place of the refiner's process pool for this test."""
    import scheduler.refiner as refiner_module

    pool = FakeRefinerPool(mode)
    monkeypatch.setattr(refiner_module, "worker_pool", lambda workers: pool)
    return pool


@dataclass(frozen=True)
class SolvedDay:
    """A day's request, compiled, the optimiser's solution and its plan (checked by the validator)."""

    request: PlanRequest
    compiled: CompiledDay
    solution: DaySolution
    plan: Plan
