"""The promised pickup is when the desk hands cars back (scheduler.capacity.handover_hours): work
ready after the desk closes, one-day work in overtime or the last day of multi-day work, is
promised for the next handover day's first handover time, in the offer, the stored booking, the
day plan's due time and the loan car's span."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.pages import at_risk
from scheduler.clocking import BookingStatus, DayStatus
from scheduler.contract import Advisor, Plan, Workshop
from scheduler.validator import assert_valid
from tests.builders import DATE, DAY, WORKSHOP_ID, multi_day_workshop, put_workshop, tiny_workshop

# Promised pickups over HTTP: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

WED = (DAY + dt.timedelta(days=1)).isoformat()
THU = (DAY + dt.timedelta(days=2)).isoformat()


def _at(date: str, hhmm: str) -> str:
    return f"{date}T{hhmm}:00+08:00"


def _overtime_tiny() -> Workshop:
    """The tiny workshop open 08:00-17:00, its technician 08:00-17:00 with an hour of overtime and
    one loan car; LONG is 300 minutes of work."""
    ws = tiny_workshop(
        closing="17:00", shift_end="17:00", services={"MAINT": ("Maint", 60), "LONG": ("Long", 300)}
    )
    techs = [t.model_copy(update={"max_overtime_minutes": 60}) for t in ws.technicians]
    return ws.model_copy(update={"technicians": techs, "loan_cars": 1})


def _within_handover(promised: str) -> bool:
    """On the five minutes from 08:00 to 17:30 (the desk's last handover: the promise rule's
    afternoon handover, after the 17:00 opening hours' end)."""
    return "08:00" <= promised[11:16] <= "17:30"


def _plan_is_valid(client: TestClient, workshop: str, date: dt.date) -> Plan:
    made = client.post(
        f"/v1/workshops/{workshop}/plans", json={"date": date.isoformat(), "time_limit_seconds": 2}
    )
    assert made.status_code == 200, made.text
    plan = Plan.model_validate(made.json())
    service = client.app.state.services.service  # type: ignore[attr-defined]
    request, _, _ = service.plan_inputs(workshop, date, 1.0)
    assert_valid(request, plan)
    return plan


def test_one_day_work_ending_in_overtime_is_promised_the_next_morning(client: TestClient) -> None:
    put_workshop(client, _overtime_tiny())
    slots = client.get("/v1/workshops/tiny/slots", params={"service": "LONG", "date": DATE}).json()["slots"]
    by_time = {s["drop_off"][11:16]: s["promised"] for s in slots}
    assert by_time["08:00"] == _at(DATE, "15:30")  # ready 13:15: the morning handover
    assert by_time["13:00"] == _at(WED, "08:00")  # work to 18:00 in overtime: not 18:15 today
    assert all(_within_handover(p) for p in by_time.values()), by_time
    # A waiter waits at the desk for his car: promised the work's end (+ the buffer), only while
    # the desk is open then (desk16-s26: at 13:00 the work would end 18:15, after it closes).
    waiting = client.get(
        "/v1/workshops/tiny/slots", params={"service": "LONG", "date": DATE, "waiter": "true"}
    )
    by_waiter = {s["drop_off"][11:16]: s["promised"] for s in waiting.json()["slots"]}
    assert by_waiter["12:00"] == _at(DATE, "17:15") and "13:00" not in by_waiter
    booked = client.post(
        "/v1/workshops/tiny/bookings",
        json={"service": "LONG", "drop_off": _at(DATE, "13:00"), "loan_car": True},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == _at(WED, "08:00")
    stored = client.get(f"/v1/workshops/tiny/bookings/{booked.json()['id']}").json()
    assert stored["promised"] == _at(WED, "08:00")
    plan = _plan_is_valid(client, "tiny", DAY)
    mine = [a for a in plan.assignments if a.booking == booked.json()["id"]]
    assert mine and max(a.end for a in mine).isoformat() == _at(DATE, "18:00")
    # The loan car is out until Wednesday 08:00 and back for Wednesday's first drop-off.
    today = client.get(
        "/v1/workshops/tiny/slots", params={"service": "MAINT", "date": DATE, "loan_car": "true"}
    )
    assert today.json()["slots"] == []
    wed = client.get("/v1/workshops/tiny/slots", params={"service": "MAINT", "date": WED, "loan_car": "true"})
    assert wed.json()["slots"][0]["drop_off"] == _at(WED, "08:00"), wed.text


def test_multi_day_work_ending_in_overtime_is_promised_the_next_opening_day(client: TestClient) -> None:
    """Parts on Wednesday at 14:00: paint 14:00-16:30, reassembly in Zhao's overtime to 18:30, so
    the car is promised on Thursday at 08:00 (not Wednesday 18:45)."""
    ws = multi_day_workshop()
    techs = [
        t.model_copy(update={"max_overtime_minutes": 120}) if t.id == "zhao" else t for t in ws.technicians
    ]
    put_workshop(client, ws.model_copy(update={"technicians": techs, "loan_cars": 1}))
    eta = _at(WED, "14:00")
    query = {"service": "REPAIR", "date": DATE, "parts_eta": eta}
    slots = client.get(f"/v1/workshops/{WORKSHOP_ID}/slots", params=query).json()["slots"]
    assert slots and all(_within_handover(s["promised"]) for s in slots), slots
    first = slots[0]
    assert first["drop_off"] == _at(DATE, "08:00") and first["days"] == [DATE, WED]
    assert first["promised"] == _at(THU, "08:00")
    booked = client.post(
        f"/v1/workshops/{WORKSHOP_ID}/bookings",
        json={"service": "REPAIR", "drop_off": _at(DATE, "08:00"), "parts_eta": eta, "loan_car": True},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == _at(THU, "08:00")
    plan = _plan_is_valid(client, WORKSHOP_ID, DAY + dt.timedelta(days=1))
    mine = [a for a in plan.assignments if a.booking == booked.json()["id"]]
    assert mine and max(a.end for a in mine).isoformat() > _at(WED, "17:30")  # in overtime
    _plan_is_valid(client, WORKSHOP_ID, DAY)
    # The loan car stays out on Wednesday and is back for Thursday's first drop-off.
    wed = client.get(
        f"/v1/workshops/{WORKSHOP_ID}/slots", params={"service": "MAINT", "date": WED, "loan_car": "true"}
    )
    assert wed.json()["slots"] == []
    thu = client.get(
        f"/v1/workshops/{WORKSHOP_ID}/slots", params={"service": "MAINT", "date": THU, "loan_car": "true"}
    )
    assert thu.json()["slots"][0]["drop_off"] == _at(THU, "08:00"), thu.text


def _listed(client: TestClient, workshop: str, date: str, **params: str) -> list[dict[str, object]]:
    got = client.get(f"/v1/workshops/{workshop}/bookings", params={"date": date, **params})
    assert got.status_code == 200, got.text
    return list(got.json())


def test_a_car_promised_the_next_morning_is_listed_for_pickup_on_that_day(client: TestClient) -> None:
    """deskpick-s24: LONG dropped off Tuesday 13:00 is promised Wednesday 08:00; Wednesday's list with
    pickups=true gives it, marked pickup_only (no work that day), after the day's own bookings.
    Without the flag, and on other days, the lists are as before."""
    put_workshop(client, _overtime_tiny())
    booked = client.post(
        "/v1/workshops/tiny/bookings",
        json={"service": "LONG", "drop_off": _at(DATE, "13:00"), "plate": "粤B·LONG1", "loan_car": True},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == _at(WED, "08:00")
    same_day = client.post(
        "/v1/workshops/tiny/bookings", json={"service": "MAINT", "drop_off": _at(WED, "09:00")}
    )
    assert same_day.status_code == 201, same_day.text
    wed = _listed(client, "tiny", WED, pickups="true")
    assert [b["id"] for b in wed] == [same_day.json()["id"], booked.json()["id"]]
    assert wed[1]["pickup_only"] is True and "carried_in" not in wed[1]
    assert wed[1]["drop_off"] == _at(DATE, "13:00") and wed[1]["promised"] == _at(WED, "08:00")
    assert wed[1]["plate"] == "粤B·LONG1" and wed[1]["loan_car"] is True
    assert "pickup_only" not in wed[0]
    # Existing consumers: without the flag Wednesday lists its own booking only, as before.
    assert [b["id"] for b in _listed(client, "tiny", WED)] == [same_day.json()["id"]]
    # Tuesday lists the booking as its own (not a pickup), Thursday has none.
    tue = _listed(client, "tiny", DATE, pickups="true")
    assert [b["id"] for b in tue] == [booked.json()["id"]] and "pickup_only" not in tue[0]
    assert _listed(client, "tiny", THU, pickups="true") == []
    assert (
        client.get("/v1/workshops/tiny/bookings", params={"date": WED, "pickups": "maybe"}).status_code == 422
    )


def test_a_multi_day_repair_promised_the_morning_after_is_listed_on_that_morning(client: TestClient) -> None:
    """The repair works Tuesday and Wednesday (in overtime) and is promised Thursday 08:00: Wednesday
    lists it carried in (not again as a pickup), Thursday lists it for pickup only."""
    ws = multi_day_workshop()
    techs = [
        t.model_copy(update={"max_overtime_minutes": 120}) if t.id == "zhao" else t for t in ws.technicians
    ]
    put_workshop(client, ws.model_copy(update={"technicians": techs, "loan_cars": 1}))
    booked = client.post(
        f"/v1/workshops/{WORKSHOP_ID}/bookings",
        json={"service": "REPAIR", "drop_off": _at(DATE, "08:00"), "parts_eta": _at(WED, "14:00")},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == _at(THU, "08:00")
    wed = _listed(client, WORKSHOP_ID, WED, pickups="true")
    assert [(b["id"], b.get("carried_in"), b.get("pickup_only")) for b in wed] == [
        (booked.json()["id"], True, None)
    ]
    thu = _listed(client, WORKSHOP_ID, THU, pickups="true")
    assert [(b["id"], b.get("carried_in"), b.get("pickup_only")) for b in thu] == [
        (booked.json()["id"], None, True)
    ]
    assert _listed(client, WORKSHOP_ID, THU) == []


def test_the_loading_chart_counts_a_car_still_out_from_an_earlier_day(client: TestClient) -> None:
    """review2-s24: with no advisor on Wednesday the desk hands no car back then, so LONG dropped off
    Tuesday 13:00 with the only loan car is promised Thursday 08:00 and the car is out all Wednesday:
    the loading chart said 1 car free on Wednesday. A car back at the next morning's opening (the
    advisor on duty every day) leaves that day's count as it was."""
    advisor = {"id": "a", "name": "A", "shift": {"start": "08:00", "end": "17:30"}}
    for weekdays, promised, wed_free in (([0, 1, 3, 4, 5, 6], THU, 0), (list(range(7)), WED, 1)):
        advisors = [Advisor.model_validate({**advisor, "weekdays": weekdays})]
        put_workshop(client, _overtime_tiny().model_copy(update={"advisors": advisors}))
        booked = client.post(
            "/v1/workshops/tiny/bookings",
            json={"service": "LONG", "drop_off": _at(DATE, "13:00"), "loan_car": True},
        )
        assert booked.status_code == 201, booked.text
        assert booked.json()["promised"] == _at(promised, "08:00")
        chart = client.get("/v1/workshops/tiny/capacity", params={"from": DATE, "to": THU})
        assert chart.status_code == 200, chart.text
        free = {d["date"]: d["loan_cars_free"] for d in chart.json()["days"]}
        assert free == {DATE: 0, WED: wed_free, THU: 1}, (weekdays, free)
        assert client.delete(f"/v1/workshops/tiny/bookings/{booked.json()['id']}").status_code == 204


def test_the_technicians_page_dates_a_promise_on_a_later_day(client: TestClient) -> None:
    """review2-s24: the technician's page said "promised 08:00" for LONG dropped off Tuesday 13:00
    (work to 18:00, promised Wednesday 08:00), as though it were five hours late already; a promise
    on another day is dated (as the job cards and the desk date it); today's stays a time."""
    put_workshop(client, _overtime_tiny())
    promised = []
    for service, hhmm in (("LONG", "13:00"), ("MAINT", "08:00")):
        body = {"service": service, "drop_off": _at(DATE, hhmm)}
        booked = client.post("/v1/workshops/tiny/bookings", json=body)
        assert booked.status_code == 201, booked.text
        promised.append(booked.json()["promised"])
    assert promised[0] == _at(WED, "08:00") and promised[1].startswith(DATE)
    _plan_is_valid(client, "tiny", DAY)
    page = client.get("/workshops/tiny/me", params={"technician": "t", "date": DATE}).text
    assert f"promised {promised[1][11:16]}<" in page  # MAINT's, today: a time
    assert f"promised {WED} 08:00<" in page and "promised 08:00<" not in page


def test_the_plan_pages_at_risk_list_dates_a_promise_on_a_later_day() -> None:
    """review2-s24: the plan page's "at risk" table showed a next-morning promise as a bare time
    ("08:00" beside a projected end of 18:30 the day before); it is dated, as on the job cards."""
    ws = _overtime_tiny()
    tomorrow = dt.datetime.fromisoformat(_at(WED, "08:00"))
    today = dt.datetime.fromisoformat(_at(DATE, "15:30"))
    status = DayStatus.model_construct(
        bookings=[
            BookingStatus.model_construct(
                booking=b, promised=p, projected_end=p + dt.timedelta(hours=1), projected_lateness_minutes=60,
                at_risk=True, carried_over=None,
            )
            for b, p in (("late-today", today), ("late-tomorrow", tomorrow))
        ]
    )  # fmt: skip
    rows = {r["booking"]: r for r in at_risk(ws, status, date=DAY)}
    assert rows["late-today"]["promised"] == "15:30" and rows["late-today"]["projected_end"] == "16:30"
    assert rows["late-tomorrow"]["promised"] == f"{WED} 08:00"
    assert rows["late-tomorrow"]["projected_end"] == f"{WED} 09:00"


def _promise_as_stored_before(client: TestClient, booking_id: str, promised: str) -> None:
    """The booking's promise as a booking stored before the offers kept to the desk's hours has it
    (an after-hours promise made to the customer): written into its stored row."""
    import json

    from sqlalchemy import select

    from scheduler.storage.tables import BookingRow

    service = client.app.state.services.service  # type: ignore[attr-defined]
    with service.store.sessions() as session, session.begin():
        row = session.execute(select(BookingRow).where(BookingRow.id == booking_id)).scalar_one()
        row.body = json.dumps({**json.loads(row.body), "promised": promised})


def test_an_old_after_hours_promise_is_kept_marked_and_its_day_still_plans(client: TestClient) -> None:
    """handover-s25: a drop-off stored before with an 18:35 promise (as the offers promised before
    session 24) is not rewritten (the customer was told 18:35): the day's list marks it
    `after_desk_hours`, the day plans (validator: a warning, not a broken rule), and the day's other
    bookings and a waiter promised after hours are not marked."""
    put_workshop(client, _overtime_tiny())
    made = {}
    for plate, body in {
        "OLD": {"service": "MAINT", "drop_off": _at(DATE, "13:00")},
        "NEW": {"service": "MAINT", "drop_off": _at(DATE, "08:00")},
        "WAIT": {"service": "MAINT", "drop_off": _at(DATE, "10:00"), "waiter": True},
    }.items():
        booked = client.post("/v1/workshops/tiny/bookings", json={**body, "plate": plate})
        assert booked.status_code == 201, booked.text
        made[plate] = booked.json()["id"]
    _promise_as_stored_before(client, made["OLD"], _at(DATE, "18:35"))
    _promise_as_stored_before(client, made["WAIT"], _at(DATE, "18:35"))
    listed = {b["plate"]: b for b in _listed(client, "tiny", DATE, pickups="true")}
    assert listed["OLD"]["promised"] == _at(DATE, "18:35")  # kept as told
    assert listed["OLD"]["after_desk_hours"] is True
    assert "after_desk_hours" not in listed["NEW"] and "after_desk_hours" not in listed["WAIT"]
    _plan_is_valid(client, "tiny", DAY)


def test_a_waiter_is_offered_only_times_whose_work_ends_while_the_desk_is_open(client: TestClient) -> None:
    """desk16-s26: a waiter waits at the desk for his car, so nobody hands it back if his work
    (+ the promise buffer) ends after the desk's last handover (17:30 here). LONG (300 min) from
    12:00 ends 17:00, promised 17:15: offered; from 12:30 it ends 17:30 in overtime, promised
    17:45: not offered, explain says why in the request's language, and a booking asked for that
    time is refused with the same words (nothing stored); a drop-off customer still gets 12:30,
    promised the next morning."""
    put_workshop(client, _overtime_tiny())
    url = "/v1/workshops/tiny"
    waiting = client.get(f"{url}/slots", params={"service": "LONG", "date": DATE, "waiter": "true"})
    times = [s["drop_off"][11:16] for s in waiting.json()["slots"]]
    assert times and times[-1] == "12:00", times
    assert all(s["promised"] <= _at(DATE, "17:30") for s in waiting.json()["slots"])
    for language, words in (
        ("en", "work ends 17:45, after the desk closes at 17:30"),
        ("zh-CN", "工作 17:45 结束，晚于前台 17:30 下班"),
    ):
        headers = {"Accept-Language": language}
        params = {"service": "LONG", "date": DATE, "waiter": "true", "explain": "true"}
        explained = client.get(f"{url}/slots", params=params, headers=headers).json()
        why = {r["drop_off"][11:16]: r["reason"] for r in explained["refused"]}
        assert why["12:30"] == words, why
        refused = client.post(
            f"{url}/bookings",
            json={"service": "LONG", "drop_off": _at(DATE, "12:30"), "waiter": True},
            headers=headers,
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["reason"] == words
    assert client.get(f"{url}/bookings", params={"date": DATE}).json() == []
    left = client.get(f"{url}/slots", params={"service": "LONG", "date": DATE}).json()["slots"]
    assert {s["drop_off"][11:16]: s["promised"] for s in left}["12:30"] == _at(WED, "08:00")
    booked = client.post(
        f"{url}/bookings", json={"service": "LONG", "drop_off": _at(DATE, "12:00"), "waiter": True}
    )
    assert booked.status_code == 201 and booked.json()["promised"] == _at(DATE, "17:15"), booked.text


def test_the_live_status_and_the_plan_pages_at_risk_list_mark_an_after_hours_promise(
    client: TestClient,
) -> None:
    """desk16-s26: the day status's bookings say `after_desk_hours` (true for a drop-off stored with
    an 18:35 promise, false for the others, a waiter after hours too), and the foreman's plan page
    marks it in its at-risk list as the desk does ("· ⚠ after desk hours", zh 前台下班后): at 18:50
    with nothing clocked both drop-offs are at risk."""
    put_workshop(client, _overtime_tiny())
    made = {}
    for plate, body in {
        "OLD": {"service": "MAINT", "drop_off": _at(DATE, "13:00")},
        "NEW": {"service": "MAINT", "drop_off": _at(DATE, "08:00")},
        "WAIT": {"service": "MAINT", "drop_off": _at(DATE, "10:00"), "waiter": True},
    }.items():
        booked = client.post("/v1/workshops/tiny/bookings", json={**body, "plate": plate})
        assert booked.status_code == 201, booked.text
        made[plate] = booked.json()["id"]
    _promise_as_stored_before(client, made["OLD"], _at(DATE, "18:35"))
    _promise_as_stored_before(client, made["WAIT"], _at(DATE, "18:35"))
    _plan_is_valid(client, "tiny", DAY)
    now = _at(DATE, "18:50")
    status = client.get(f"/v1/workshops/tiny/days/{DATE}/status", params={"now": now})
    assert status.status_code == 200, status.text
    flags = {b["booking"]: b["after_desk_hours"] for b in status.json()["bookings"]}
    assert flags == {made["OLD"]: True, made["NEW"]: False, made["WAIT"]: False}
    risky = {b["booking"] for b in status.json()["bookings"] if b["at_risk"]}
    assert {made["OLD"], made["NEW"]} <= risky
    for language, mark in (("en", "18:35 · ⚠ after desk hours"), ("zh-CN", "18:35 · ⚠ 前台下班后")):
        page = client.get(
            f"/workshops/tiny/plan/{DATE}", params={"now": now}, headers={"Accept-Language": language}
        ).text
        table = page[page.index('id="at-risk"') : page.index("</table>", page.index('id="at-risk"'))]
        rows = {r.split("</strong>")[0].rsplit(">", 1)[-1]: r for r in table.split("<tr>")[2:]}
        assert mark in rows["OLD"], rows
        assert "⚠" not in rows["NEW"], rows


def test_a_car_out_from_an_earlier_day_keeps_the_next_mornings_loan_car_taken(client: TestClient) -> None:
    """review-s26 L1: opening 10:00, LONG dropped off Tuesday 13:00 with the only loan car is promised
    Wednesday 10:00; the opening then moves to 08:00 (nothing breaks). Wednesday's offers gave 08:00
    with a loan car and booked it: two cars out 08:00-10:00. The car out from Tuesday counts on
    Wednesday for the offers, the booking, the day's plan request (the validator) and the chart."""
    late = _overtime_tiny().model_dump(mode="json")
    put_workshop(client, Workshop.model_validate({**late, "opening": {"start": "10:00", "end": "17:00"}}))
    body = {"service": "LONG", "drop_off": _at(DATE, "13:00"), "loan_car": True}
    booked = client.post("/v1/workshops/tiny/bookings", json=body)
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == _at(WED, "10:00")
    put_workshop(client, _overtime_tiny())  # opening 08:00
    params = {"service": "MAINT", "date": WED, "loan_car": "true", "explain": "true"}
    offered = client.get("/v1/workshops/tiny/slots", params=params).json()
    assert offered["slots"] and all(s["drop_off"] >= _at(WED, "10:00") for s in offered["slots"])
    reasons = {r["drop_off"]: r["reason"] for r in offered["refused"]}
    assert reasons[_at(WED, "08:00")] == "no loan car free until 10:00"
    early = {"service": "MAINT", "drop_off": _at(WED, "08:00"), "loan_car": True}
    refused = client.post("/v1/workshops/tiny/bookings", json=early)
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == "no loan car free until 10:00"
    carless = client.post("/v1/workshops/tiny/bookings", json={**early, "loan_car": False})
    assert carless.status_code == 201, carless.text
    chart = client.get("/v1/workshops/tiny/capacity", params={"from": WED, "to": WED}).json()
    assert chart["days"][0]["loan_cars_free"] == 0
    service = client.app.state.services.service  # type: ignore[attr-defined]
    request, _, _ = service.plan_inputs("tiny", DAY + dt.timedelta(days=1), 1.0)
    assert [b.id for b in request.held] == [booked.json()["id"]]
    _plan_is_valid(client, "tiny", DAY + dt.timedelta(days=1))


def test_a_workshop_change_sees_the_cars_out_from_earlier_days(client: TestClient) -> None:
    """review-s26 L1: two loan cars, opening 10:00: LONG dropped off Tuesday 13:00 with a car is
    promised Wednesday 10:00; the opening moves to 08:00 and a Wednesday 08:00 booking takes the
    second car. Cutting the fleet to one car breaks that booking (two cars out 08:00-10:00): the
    change is refused, naming it."""
    two = _overtime_tiny().model_copy(update={"loan_cars": 2})
    late = two.model_dump(mode="json")
    put_workshop(client, Workshop.model_validate({**late, "opening": {"start": "10:00", "end": "17:00"}}))
    body = {"service": "LONG", "drop_off": _at(DATE, "13:00"), "loan_car": True}
    booked = client.post("/v1/workshops/tiny/bookings", json=body)
    assert booked.status_code == 201 and booked.json()["promised"] == _at(WED, "10:00"), booked.text
    put_workshop(client, two)
    early = {"service": "MAINT", "drop_off": _at(WED, "08:00"), "loan_car": True}
    wed = client.post("/v1/workshops/tiny/bookings", json=early)
    assert wed.status_code == 201, wed.text  # the second car
    one = two.model_copy(update={"loan_cars": 1}).model_dump_json()
    changed = client.put("/v1/workshops/tiny", content=one, headers={"content-type": "application/json"})
    assert changed.status_code == 409, changed.text
    assert wed.json()["id"] in changed.text


def test_a_change_that_keeps_the_car_into_the_next_morning_sees_that_mornings_cars(
    client: TestClient,
) -> None:
    """loanrev-s27 (the reverse of review-s26 L1): one loan car. MAINT on Wednesday 08:00 takes it
    (promised 15:30); the opening then moves to 09:00 by force, so that booking is at risk, but its
    customer still comes at 08:00 and drives the car (the desk counts it). LONG on Tuesday 10:00 with
    the car is promised Tuesday 15:30; moved to 13:00 its work ends 18:00, so it would be promised
    Wednesday 09:00: two cars out on Wednesday 08:00-09:00. The move was checked on Tuesday only
    (200); it is refused now, Wednesday's car named, nothing changed, and its alternatives bring
    the car back in time. So is taking the car on a booking promised on Wednesday, and a new
    booking promised then; without a car the move is taken. (desk16-s30: the at-risk MAINT, its
    drop-off now before the opening, is in no plan of Wednesday: its car is out until its work can
    be done on Thursday, so Wednesday reads "no loan car free" with no time, not "until 15:30".)"""
    put_workshop(client, _overtime_tiny())
    url = "/v1/workshops/tiny/bookings"
    wed = client.post(url, json={"service": "MAINT", "drop_off": _at(WED, "08:00"), "loan_car": True})
    assert wed.status_code == 201 and wed.json()["promised"] == _at(WED, "15:30"), wed.text
    tue = client.post(url, json={"service": "LONG", "drop_off": _at(DATE, "10:00"), "loan_car": True})
    assert tue.status_code == 201 and tue.json()["promised"] == _at(DATE, "15:30"), tue.text
    nine = Workshop.model_validate(
        {**_overtime_tiny().model_dump(mode="json"), "opening": {"start": "09:00", "end": "17:00"}}
    )
    forced = client.put(
        "/v1/workshops/tiny?force=true",
        content=nine.model_dump_json(),
        headers={"content-type": "application/json"},
    )
    assert forced.status_code == 200, forced.text
    assert client.get(f"{url}/{wed.json()['id']}").json()["at_risk"] is True
    mine = f"{url}/{tue.json()['id']}"
    reason = f"day {WED}: no loan car free"
    moved = client.patch(mine, json={"drop_off": _at(DATE, "13:00")})
    assert moved.status_code == 409, moved.text
    assert moved.json()["reason"] == reason
    alternatives = moved.json()["alternatives"]
    assert alternatives and all(a["promised"].startswith(DATE) for a in alternatives), alternatives
    kept = client.get(mine).json()
    assert (kept["drop_off"], kept["promised"], kept["loan_car"]) == (
        _at(DATE, "10:00"),
        _at(DATE, "15:30"),
        True,
    )
    assert client.patch(mine, json={"drop_off": _at(DATE, "13:00"), "force": True}).status_code == 422
    zh = client.patch(mine, json={"drop_off": _at(DATE, "13:00")}, headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 409 and zh.json()["reason"] == f"{WED} 当天：没有空闲的代步车", zh.text
    # Without the car the move is taken; taking the car then is refused the same way.
    carless = client.patch(mine, json={"drop_off": _at(DATE, "13:00"), "loan_car": False})
    assert carless.status_code == 200 and carless.json()["promised"] == _at(WED, "09:00"), carless.text
    with_car = client.patch(mine, json={"loan_car": True})
    assert with_car.status_code == 409 and with_car.json()["reason"] == reason, with_car.text
    assert client.get(mine).json()["loan_car"] is False
    assert client.delete(mine).status_code == 204
    new = client.post(url, json={"service": "LONG", "drop_off": _at(DATE, "13:00"), "loan_car": True})
    assert new.status_code == 409 and new.json()["reason"] == reason, new.text


def test_multi_day_work_promised_the_morning_after_its_last_day_sees_that_mornings_cars(
    client: TestClient,
) -> None:
    """loanrev-s27: the multi-day search checks the loan car on the repair's own days (Tuesday,
    Wednesday); its promise falls on Thursday's first handover, a day it does not check. One car:
    Thursday 08:00 MAINT takes it, then the opening moves to 09:00 by force (that booking at risk,
    its car still out). A repair dropped off Tuesday 09:00 with a car, parts on Wednesday 14:00,
    works into Wednesday's overtime and would be promised Thursday 09:00: refused, naming
    Thursday's car; without a car it is booked, promised then. (desk16-s30: Thursday's MAINT, its
    drop-off now before the opening, is in no plan of Thursday: its car is out until its work can
    be done on Friday, so Thursday reads "no loan car free" with no time.)"""
    ws = multi_day_workshop()
    techs = [
        t.model_copy(update={"max_overtime_minutes": 120}) if t.id == "zhao" else t for t in ws.technicians
    ]
    ws = ws.model_copy(update={"technicians": techs, "loan_cars": 1})
    put_workshop(client, ws)
    url = f"/v1/workshops/{WORKSHOP_ID}/bookings"
    thu = client.post(url, json={"service": "MAINT", "drop_off": _at(THU, "08:00"), "loan_car": True})
    assert thu.status_code == 201, thu.text
    nine = {**ws.model_dump(mode="json"), "opening": {"start": "09:00", "end": "17:00"}}
    forced = client.put(f"/v1/workshops/{WORKSHOP_ID}?force=true", json=nine)
    assert forced.status_code == 200, forced.text
    body = {"service": "REPAIR", "drop_off": _at(DATE, "09:00"), "parts_eta": _at(WED, "14:00")}
    refused = client.post(url, json={**body, "loan_car": True})
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == f"day {THU}: no loan car free"
    carless = client.post(url, json=body)
    assert carless.status_code == 201, carless.text
    assert carless.json()["promised"] == _at(THU, "09:00"), carless.text
