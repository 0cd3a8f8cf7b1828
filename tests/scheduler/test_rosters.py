"""Weekly rosters and closed days: who works which day, and no work on holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.contract import Assignment, Booking, PlanRequest
from scheduler.planning import make_plan
from scheduler.validator import RULE_SHIFT, assert_valid, validate_plan
from tests.builders import DAY, at
from tests.builders import four_bay_workshop as workshop

SATURDAY = dt.date(2026, 11, 28)


def _saturday(hhmm: str) -> dt.datetime:
    return at(hhmm).replace(year=SATURDAY.year, month=SATURDAY.month, day=SATURDAY.day)


def _weekday_senior() -> dict[str, object]:
    base = workshop()
    techs = [t.model_dump() for t in base.technicians]
    techs[1]["weekdays"] = [0, 1, 2, 3, 4]  # the only diagnosis technician works Monday to Friday
    return {"technicians": techs}


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_off_duty_technician_is_not_planned(planner: str) -> None:
    ws = workshop(**_weekday_senior())
    bookings = [
        Booking(id="minor", service="MINOR", drop_off=_saturday("08:00")),
        Booking(id="lube", service="LUBE", drop_off=_saturday("08:00")),
    ]
    request = PlanRequest(workshop=ws, date=SATURDAY, bookings=bookings)
    plan = make_plan(request, planner)
    assert_valid(request, plan)
    reasons = {u.booking: u.reason for u in plan.unassigned}
    assert "on shift Saturday" in reasons["minor"]
    assert {a.technician for a in plan.assignments} == {"jun"}
    # On a Tuesday the same senior is on duty and does the repair.
    tuesday = PlanRequest(
        workshop=ws, date=DAY, bookings=[Booking(id="minor", service="MINOR", drop_off=at("08:00"))]
    )
    assert make_plan(tuesday, planner).kpis.placed == 1


def test_closed_day_places_nothing_and_says_why() -> None:
    ws = workshop(closed_days=[DAY])
    request = PlanRequest(
        workshop=ws, date=DAY, bookings=[Booking(id="b", service="LUBE", drop_off=at("09:00"))]
    )
    plan = make_plan(request, "cpsat")
    assert_valid(request, plan)
    assert plan.unassigned[0].reason == f"the workshop is closed on {DAY}"
    assert plan.kpis.technician_utilisation == 0.0


def test_validator_rejects_work_by_an_off_duty_technician() -> None:
    ws = workshop(**_weekday_senior())
    request = PlanRequest(
        workshop=ws, date=SATURDAY, bookings=[Booking(id="b", service="LUBE", drop_off=_saturday("08:00"))]
    )
    plan = make_plan(request, "greedy")
    forged = plan.model_copy(
        update={
            "assignments": [
                Assignment(booking="b", operation=0, bay="E1", technician="sen",
                           start=_saturday("08:00"), end=_saturday("08:32"))
            ],
            "unassigned": [],
        }
    )  # fmt: skip
    assert RULE_SHIFT in {v.rule for v in validate_plan(request, forged)}
