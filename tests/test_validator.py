"""The validator catches each hard rule broken on purpose in a hand-written valid plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from scheduler import validator as v
from scheduler.contract import (
    Assignment,
    Booking,
    Kpis,
    PinnedOperation,
    Plan,
    PlanOptions,
    PlanRequest,
    Unassigned,
)
from tests.workshops import DAY, at, workshop

KPIS = Kpis(
    bookings=0,
    placed=0,
    on_time=0,
    late=0,
    total_lateness_minutes=0,
    waiter_lateness_minutes=0,
    overtime_minutes=0,
    technician_utilisation=0.0,
    bay_utilisation=0.0,
)


def _request() -> PlanRequest:
    return PlanRequest(
        workshop=workshop(),
        date=DAY,
        bookings=[
            Booking(id="b1", service="LUBE", drop_off=at("08:00")),
            Booking(id="b2", service="MINOR", drop_off=at("08:00")),
            Booking(id="b3", service="MINOR", drop_off=at("09:00"), fleet_partner="TAXI"),
            Booking(
                id="b4",
                service="LUBE",
                drop_off=at("09:00"),
                pinned=[PinnedOperation(operation=0, bay="E1", technician="jun", start=at("09:00"))],
            ),
            Booking(id="b5", service="PAINT", drop_off=at("08:00")),
            Booking(id="b6", service="LUBE", drop_off=at("16:00"), waiter=True),
        ],
    )


def _a(booking: str, op: int, bay: str, tech: str, start: str, end: str) -> Assignment:
    return Assignment(booking=booking, operation=op, bay=bay, technician=tech, start=at(start), end=at(end))


VALID = [
    _a("b1", 0, "E1", "jun", "08:00", "08:40"),
    _a("b2", 0, "G1", "sen", "08:00", "08:24"),  # 30 min at efficiency 1.25
    _a("b2", 1, "G1", "sen", "08:24", "09:36"),
    _a("b4", 0, "E1", "jun", "09:00", "09:40"),  # pinned, end by default
    _a("b3", 0, "F1", "sen", "09:36", "10:00"),
    _a("b3", 1, "F1", "sen", "10:00", "11:12"),
    _a("b6", 0, "G1", "sen", "16:50", "17:22"),  # in allowed overtime
]


def _plan(assignments: list[Assignment], unassigned: list[Unassigned] | None = None, **kw: object) -> Plan:
    return Plan(
        workshop=str(kw.get("workshop", "w1")),
        date=DAY,
        planner="hand",
        status="feasible",
        objective=0,
        solve_seconds=0,
        assignments=assignments,
        unassigned=unassigned if unassigned is not None else [Unassigned(booking="b5", reason="no painter")],
        kpis=KPIS,
    )


def _replace(booking: str, op: int, new: Assignment | None) -> list[Assignment]:
    out = [a for a in VALID if (a.booking, a.operation) != (booking, op)]
    return [*out, new] if new is not None else out


def _rules(request: PlanRequest, plan: Plan) -> set[str]:
    return {violation.rule for violation in v.validate_plan(request, plan)}


def test_the_hand_written_plan_is_valid() -> None:
    assert v.validate_plan(_request(), _plan(VALID)) == []


def test_instants_not_offsets_are_compared() -> None:
    utc = [
        a.model_copy(update={"start": a.start.astimezone(dt.UTC), "end": a.end.astimezone(dt.UTC)})
        for a in VALID
    ]
    assert v.validate_plan(_request(), _plan(utc)) == []


Case = tuple[str, Callable[[], tuple[PlanRequest, Plan]], bool]

CASES: list[Case] = [
    (v.RULE_HEADER, lambda: (_request(), _plan(VALID, workshop="other")), True),
    (
        v.RULE_REFERENCE,
        lambda: (_request(), _plan(_replace("b1", 0, _a("b1", 0, "ZZ", "jun", "08:00", "08:40")))),
        False,  # the operation then also counts as missing
    ),
    (
        v.RULE_BAY_KIND,
        lambda: (_request(), _plan(_replace("b2", 0, _a("b2", 0, "P1", "sen", "08:00", "08:24")))),
        True,
    ),
    (
        v.RULE_QUALIFICATION,
        lambda: (
            _request().model_copy(
                update={
                    "workshop": workshop(
                        services=[
                            s.model_dump()
                            if s.code != "MINOR"
                            else {
                                **s.model_dump(),
                                "operations": [
                                    {**s.operations[0].model_dump(), "min_grade": 5},
                                    s.operations[1].model_dump(),
                                ],
                            }
                            for s in workshop().services
                        ]
                    )
                }
            ),
            _plan(VALID),
        ),
        True,
    ),
    (
        v.RULE_DURATION,
        lambda: (_request(), _plan(_replace("b3", 1, _a("b3", 1, "F1", "sen", "10:00", "11:20")))),
        True,
    ),
    (
        v.RULE_RELEASE,
        lambda: (_request(), _plan(_replace("b6", 0, _a("b6", 0, "G1", "sen", "15:50", "16:22")))),
        True,
    ),
    (
        v.RULE_PRECEDENCE,
        lambda: (_request(), _plan(_replace("b3", 1, _a("b3", 1, "F1", "sen", "09:50", "11:02")))),
        False,  # with one senior, starting early also overlaps his own work
    ),
    (
        v.RULE_NOT_BEFORE,
        lambda: (
            _request().model_copy(update={"options": PlanOptions(not_before=at("08:30"))}),
            _plan(VALID),
        ),
        True,
    ),
    (
        v.RULE_SHIFT,
        lambda: (_request(), _plan(_replace("b6", 0, _a("b6", 0, "G1", "sen", "17:30", "18:02")))),
        True,
    ),
    (
        v.RULE_BREAK,
        lambda: (_request(), _plan(_replace("b3", 1, _a("b3", 1, "F1", "sen", "11:50", "13:02")))),
        True,
    ),
    (
        v.RULE_BAY_OVERLAP,
        lambda: (_request(), _plan(_replace("b1", 0, _a("b1", 0, "G1", "jun", "08:00", "08:40")))),
        True,
    ),
    (
        v.RULE_TECHNICIAN_OVERLAP,
        lambda: (_request(), _plan(_replace("b1", 0, _a("b1", 0, "G1", "jun", "09:36", "10:16")))),
        True,
    ),
    (
        v.RULE_FLEET_BAY,
        lambda: (_request(), _plan(_replace("b1", 0, _a("b1", 0, "F1", "jun", "08:00", "08:40")))),
        True,
    ),
    (
        v.RULE_EXPRESS_BAY,
        lambda: (
            _request().model_copy(
                update={
                    "workshop": workshop(
                        services=[{**s.model_dump(), "express": False} for s in workshop().services]
                    )
                }
            ),
            _plan(VALID),
        ),
        True,
    ),
    (
        v.RULE_PINNED,
        lambda: (_request(), _plan(_replace("b4", 0, _a("b4", 0, "E1", "jun", "09:05", "09:45")))),
        True,
    ),
    (v.RULE_COMPLETENESS, lambda: (_request(), _plan(_replace("b3", 1, None))), True),
    (
        v.RULE_COMPLETENESS,
        lambda: (
            _request(),
            _plan(VALID, [Unassigned(booking="b5", reason="x"), Unassigned(booking="b1", reason="x")]),
        ),
        True,
    ),
    (v.RULE_COMPLETENESS, lambda: (_request(), _plan(_replace("b1", 0, None))), True),
    (v.RULE_COMPLETENESS, lambda: (_request(), _plan(VALID, [Unassigned(booking="b5", reason=" ")])), True),
    (v.RULE_COMPLETENESS, lambda: (_request(), _plan(VALID, [Unassigned(booking="zz", reason="x")])), False),
    (
        v.RULE_PINNED,
        lambda: (
            _request(),
            _plan(
                _replace("b4", 0, None),
                [Unassigned(booking="b5", reason="x"), Unassigned(booking="b4", reason="x")],
            ),
        ),
        True,
    ),
]


@pytest.mark.parametrize(("rule", "make", "only"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_broken_rule_is_reported(
    rule: str, make: Callable[[], tuple[PlanRequest, Plan]], only: bool
) -> None:
    request, plan = make()
    rules = _rules(request, plan)
    assert rule in rules
    if only:
        assert rules == {rule}


def test_overtime_within_the_limit_is_fine_and_beyond_is_not() -> None:
    request = _request()
    within = _plan(_replace("b6", 0, _a("b6", 0, "G1", "sen", "17:28", "18:00")))
    beyond = _plan(_replace("b6", 0, _a("b6", 0, "G1", "sen", "17:29", "18:01")))
    assert v.validate_plan(request, within) == []
    assert _rules(request, beyond) == {v.RULE_SHIFT}


def test_nested_overlaps_are_all_found() -> None:
    request = _request()
    long = _a("b1", 0, "G1", "jun", "08:00", "08:40")
    plan = _plan(_replace("b1", 0, long))
    messages = [x.message for x in v.validate_plan(request, plan) if x.rule == v.RULE_BAY_OVERLAP]
    assert len(messages) == 2  # b1 on G1 overlaps both of b2's operations


def test_dst_day_uses_the_zone_not_a_fixed_offset() -> None:
    berlin = workshop(timezone="Europe/Berlin")
    day = dt.date(2026, 3, 29)  # clocks go forward at 02:00: 08:00 local is +02:00
    cest = dt.timezone(dt.timedelta(hours=2))

    def when(hh: int, mm: int) -> dt.datetime:
        return dt.datetime(2026, 3, 29, hh, mm, tzinfo=cest)

    request = PlanRequest(
        workshop=berlin, date=day, bookings=[Booking(id="b1", service="LUBE", drop_off=when(8, 0))]
    )

    def plan(start: dt.datetime) -> Plan:
        a = Assignment(
            booking="b1",
            operation=0,
            bay="E1",
            technician="jun",
            start=start,
            end=start + dt.timedelta(minutes=40),
        )
        return Plan(workshop="w1", date=day, planner="hand", status="feasible", objective=0, solve_seconds=0,
                    assignments=[a], unassigned=[], kpis=KPIS)  # fmt: skip

    assert v.validate_plan(request, plan(when(8, 30))) == []
    assert _rules(request, plan(when(7, 30))) == {v.RULE_SHIFT, v.RULE_RELEASE}
