"""Bay kinds are the workshop's own: an EV high-voltage bay declared by the workshop takes the EV
service, and nothing else does; slots, bookings, the day's plan and the greedy plan agree; an
undeclared kind is a 422 naming the field."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Booking, Plan, PlanRequest, Workshop
from scheduler.planning import make_plan
from scheduler.slots import DayBook
from scheduler.validator import assert_valid
from tests.builders import DATE, DAY, booking, tiny_workshop

# Bay kinds over HTTP: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only


def _ev_workshop() -> Workshop:
    """tiny with an EV bay (kind "ev", declared) beside its general bay, a second technician
    qualified for high voltage, and an EV service that needs the EV bay."""
    data = tiny_workshop().model_dump()
    data["bay_kinds"] = ["general", "ev"]
    data["bays"].append({"id": "V1", "kind": "ev"})
    data["technicians"][0]["shift"] = {"start": "08:00", "end": "17:00"}
    data["technicians"].append(
        {
            "id": "hv",
            "name": "HV",
            "grade": 3,
            "skills": ["high_voltage"],
            "shift": {"start": "08:00", "end": "17:00"},
        }
    )
    work = {"name": "battery check", "minutes": 60, "skill": "high_voltage", "bay_kinds": ["ev"]}
    data["services"].append({"code": "EV", "name": "EV battery check", "operations": [work]})
    return Workshop.model_validate(data)


def _put(client: TestClient, body: str) -> dict[str, object]:
    response = client.put("/v1/workshops/tiny", content=body, headers={"content-type": "application/json"})
    return {"status": response.status_code, "body": response.json()}


def test_an_ev_service_is_offered_booked_and_planned_only_on_the_ev_bay(client: TestClient) -> None:
    workshop = _ev_workshop()
    assert _put(client, workshop.model_dump_json())["status"] == 200
    slots = client.get("/v1/workshops/tiny/slots", params={"service": "EV", "date": DATE}).json()["slots"]
    assert slots, "the EV bay is free all day"
    for hhmm in ("08:00", "09:00", "10:00"):
        for code in ("EV", "MAINT"):
            drop_off = f"{DATE}T{hhmm}:00+08:00"
            response = client.post(
                "/v1/workshops/tiny/bookings", json={"service": code, "drop_off": drop_off}
            )
            assert response.status_code == 201, response.text
    response = client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert response.status_code == 200, response.text
    plan = Plan.model_validate(response.json())
    bookings = [Booking.model_validate(b) for b in client.get("/v1/workshops/tiny/bookings",
                                                              params={"date": DATE}).json()]  # fmt: skip
    codes = {b.id: b.service for b in bookings}
    assert not plan.unassigned and len(plan.assignments) == 6
    for a in plan.assignments:
        assert (a.bay == "V1") == (codes[a.booking] == "EV"), a
    assert_valid(PlanRequest(workshop=workshop, date=DAY, bookings=bookings), plan)


def test_every_offer_of_the_ev_service_sits_on_the_ev_bay_and_others_never_do() -> None:
    day = DayBook(_ev_workshop(), DAY, [])
    ev = day.offers("EV", waiter=False)
    maint = day.offers("MAINT", waiter=False)
    assert ev and maint
    assert {a.bay for o in ev for a in o.assignments} == {"V1"}
    assert {a.bay for o in maint for a in o.assignments} == {"G1"}


def test_the_greedy_plan_keeps_ev_work_on_the_ev_bay() -> None:
    workshop = _ev_workshop()
    bookings = [booking("e1", "EV", "08:00"), booking("m1", "MAINT", "08:00"), booking("e2", "EV", "08:00")]
    request = PlanRequest(workshop=workshop, date=DAY, bookings=bookings)
    plan = make_plan(request, "greedy")
    assert not plan.unassigned
    assert {a.booking: a.bay for a in plan.assignments} == {"e1": "V1", "e2": "V1", "m1": "G1"}
    assert_valid(request, plan)


def test_an_undeclared_kind_is_a_422_naming_the_field(client: TestClient) -> None:
    data = _ev_workshop().model_dump(mode="json")
    data["bays"][1]["kind"] = "hydrogen"
    refused = _put(client, _json(data))
    assert (
        refused["status"] == 422
        and "bays[1].kind" in str(refused["body"])
        and "hydrogen" in str(refused["body"])
    )
    data = _ev_workshop().model_dump(mode="json")
    data["services"][1]["operations"][0]["bay_kinds"] = ["ev", "tyre"]
    refused = _put(client, _json(data))
    assert refused["status"] == 422
    assert "services[1].operations[0].bay_kinds[1]" in str(refused["body"])


def test_old_workshops_validate_unchanged_with_the_default_kinds() -> None:
    workshop = tiny_workshop()
    assert workshop.bay_kinds == ["general", "express", "alignment", "body", "paint"]
    assert Workshop.model_validate_json(workshop.model_dump_json()) == workshop


def _json(data: object) -> str:
    return json.dumps(data)


def _broken_kind(data: dict[str, Any]) -> None:
    data["bays"][1]["kind"] = "hydrogen"


def _broken_service_kind(data: dict[str, Any]) -> None:
    data["services"][1]["operations"][0]["bay_kinds"] = ["ev", "tyre"]


def _overlapping_breaks(data: dict[str, Any]) -> None:
    lunch, overlap = {"start": "12:00", "end": "13:00"}, {"start": "12:30", "end": "13:30"}
    shift = {"start": "08:00", "end": "17:00", "breaks": [overlap, lunch]}
    data["advisors"] = [{"id": "a1", "name": "A1", "shift": {"start": "08:00", "end": "17:00"}},
                        {"id": "a2", "name": "A2", "shift": shift}]  # fmt: skip


def _undeclared_duplicate(data: dict[str, Any]) -> None:
    data["bay_kinds"] = ["general", "ev", "general"]


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        (_broken_kind, ["body", "bays", 1, "kind"], "'hydrogen' is not a declared bay kind"),
        (_broken_service_kind, ["body", "services", 1, "operations", 0, "bay_kinds", 1], "'tyre'"),
        # Sorted by start, the lunch (listed second) comes first: the overlapping one is breaks[0].
        (_overlapping_breaks, ["body", "advisors", 1, "shift", "breaks", 0], "overlaps another break"),
        (_undeclared_duplicate, ["body", "bay_kinds", 2], "duplicate kind 'general'"),
    ],
)
def test_a_cross_field_refusal_names_the_exact_field_and_changes_nothing(
    client: TestClient, change: Callable[[dict[str, Any]], None], loc: list[object], words: str
) -> None:
    workshop = _ev_workshop()
    assert _put(client, workshop.model_dump_json())["status"] == 200
    before = client.get("/v1/workshops/tiny").json()
    versions = client.get("/v1/workshops/tiny/versions").json()
    english = ""
    for language in ("en", "zh-CN"):
        data = workshop.model_dump(mode="json")
        change(data)
        headers = {"content-type": "application/json", "accept-language": language}
        response = client.put("/v1/workshops/tiny", content=_json(data), headers=headers)
        assert response.status_code == 422, response.text
        [detail] = response.json()["detail"]
        assert detail["loc"] == loc, detail
        assert "input" not in detail  # the workshop's, not the field's
        if language == "en":
            assert words in detail["msg"]
            english = detail["msg"]
        else:  # the same loc, the text in Chinese
            assert detail["msg"] != english and "Value error" not in detail["msg"], detail
    assert client.get("/v1/workshops/tiny").json() == before
    assert client.get("/v1/workshops/tiny/versions").json() == versions
    assert Workshop.model_validate(before) == workshop
