"""Multi-day work over HTTP: offers carry the days the work touches and the promised pickup on the
last one; a booking of it holds its later days (the loading chart shows the carried-over work)."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.gantt import colours
from scheduler.actuals import labour_times
from scheduler.contract import PinnedOperation, Plan, PlanOptions, Workshop
from scheduler.multiday import day_workshop
from scheduler.validator import assert_valid
from tests.builders import (
    CLOCK_NOW,
    DATE,
    DAY,
    WORKSHOP_ID,
    multi_day_workshop,
    on_grid,
    put_workshop,
    settled,
    tiny_workshop,
)

# Multi-day work over HTTP: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

SLOTS = f"/v1/workshops/{WORKSHOP_ID}/slots"
BOOKINGS = f"/v1/workshops/{WORKSHOP_ID}/bookings"
WED = (DAY + dt.timedelta(days=1)).isoformat()
THU = (DAY + dt.timedelta(days=2)).isoformat()


def test_offers_for_multi_day_work_carry_the_days_and_the_promised_pickup(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop())
    slots = client.get(SLOTS, params={"service": "REPAIR", "date": DATE}).json()["slots"]
    by_time = {s["drop_off"]: s for s in slots}
    assert by_time[f"{DATE}T08:00:00+08:00"] == {
        "drop_off": f"{DATE}T08:00:00+08:00", "promised": f"{WED}T15:30:00+08:00", "days": [DATE, WED],
    }  # fmt: skip
    assert by_time[f"{DATE}T10:00:00+08:00"]["days"] == [DATE, WED, THU]
    assert all(s["promised"].startswith(s["days"][-1]) for s in slots)
    one_day = client.get(SLOTS, params={"service": "MAINT", "date": DATE}).json()["slots"]
    assert one_day and all("days" not in s for s in one_day)
    # A waiter does not wait for days: the repair never fits one day, so nothing is offered.
    waiting = client.get(SLOTS, params={"service": "REPAIR", "date": DATE, "waiter": "true"}).json()
    assert waiting["slots"] == []


def test_a_booked_repair_is_promised_on_its_last_day_and_holds_it(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop())
    booked = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == f"{WED}T15:30:00+08:00"
    chart = client.get(f"/v1/workshops/{WORKSHOP_ID}/capacity", params={"from": WED, "to": WED}).json()
    booked_minutes = {p.get("skill"): p["booked"] for p in chart["days"][0]["pools"]}
    assert booked_minutes["paint"] == 150 and booked_minutes["body"] == 120
    plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": WED, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    placed = {a["booking"] for a in plan.json()["assignments"]}
    assert booked.json()["id"] in placed
    cancelled = client.delete(f"{BOOKINGS}/{booked.json()['id']}")
    assert cancelled.status_code in (200, 204)
    chart = client.get(f"/v1/workshops/{WORKSHOP_ID}/capacity", params={"from": WED, "to": WED}).json()
    assert {p.get("skill"): p["booked"] for p in chart["days"][0]["pools"]}["paint"] == 0


def test_the_day_bookings_list_shows_the_repairs_carried_in(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop())
    drop_off = f"{DATE}T08:00:00+08:00"
    repair = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": drop_off, "vehicle": "粤B-12345"})
    assert repair.status_code == 201, repair.text
    wed_own = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{WED}T09:00:00+08:00"})
    assert wed_own.status_code == 201, wed_own.text
    on_drop_off_day = client.get(BOOKINGS, params={"date": DATE}).json()
    assert [(b["id"], b.get("carried_in")) for b in on_drop_off_day] == [(repair.json()["id"], None)]
    wed = client.get(BOOKINGS, params={"date": WED}).json()
    # The day's own bookings first, then the repair carried in: its own drop-off and promised pickup.
    assert [(b["id"], b.get("carried_in")) for b in wed] == [
        (wed_own.json()["id"], None),
        (repair.json()["id"], True),
    ]
    carried = wed[1]
    assert carried["drop_off"] == drop_off and carried["promised"] == f"{WED}T15:30:00+08:00"
    assert carried["service"] == "REPAIR" and carried["vehicle"] == "粤B-12345"
    assert client.get(BOOKINGS, params={"date": THU}).json() == []  # the work ends on Wednesday
    client.delete(f"{BOOKINGS}/{repair.json()['id']}")
    assert [b["id"] for b in client.get(BOOKINGS, params={"date": WED}).json()] == [wed_own.json()["id"]]


def test_the_plan_page_counts_the_repairs_carried_in(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop())
    booked = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert booked.status_code == 201, booked.text
    page = client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}")
    assert page.status_code == 200 and "1 booking on this day." in page.text


def _clock(client: TestClient, booking: str, action: str, when: str, tech: str, op: int) -> Any:
    body = {"booking": booking, "operation": op, "technician": tech, "action": action, "at": when}
    return client.post(f"/v1/workshops/{WORKSHOP_ID}/clock", params=CLOCK_NOW, json=body)


@pytest.mark.both_backends  # the only PostgreSQL run of some of storage's clock-event lines
def test_the_carried_over_part_is_clocked_on_its_later_day(client: TestClient) -> None:
    """On Wednesday the repair is its part of the day (paint, reassembly: operations 0 and 1 as in
    Wednesday's plan), clocked there, projected there and guarded against its promise there."""
    put_workshop(client, multi_day_workshop())
    repair = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"}).json()
    rid, promised = repair["id"], repair["promised"]
    assert promised == f"{WED}T15:30:00+08:00"
    plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": WED, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    mine = {a["operation"]: a for a in plan.json()["assignments"] if a["booking"] == rid}
    assert sorted(mine) == [0, 1] and mine[0]["technician"] == "zhou"  # paint, then reassembly
    # Not an operation of Wednesday's part: refused naming the field.
    beyond = _clock(client, rid, "start", f"{WED}T08:00:00+08:00", "zhou", 2)
    assert beyond.status_code == 422 and "operation" in beyond.text, beyond.text
    assert _clock(client, rid, "start", f"{WED}T13:00:00+08:00", "zhao", 1).status_code == 409  # paint first
    started = _clock(client, rid, "start", f"{WED}T08:00:00+08:00", "zhou", 0)
    assert started.status_code == 201, started.text
    assert started.json()["booking"]["promised"] == promised  # the promise is Wednesday's: the last day
    done = _clock(client, rid, "finish", f"{WED}T11:00:00+08:00", "zhou", 0)
    assert done.status_code == 201, done.text
    events = client.get(f"/v1/workshops/{WORKSHOP_ID}/days/{WED}/events").json()
    assert [(e["operation"], e["action"]) for e in events] == [(0, "start"), (0, "finish")]
    assert client.get(f"/v1/workshops/{WORKSHOP_ID}/days/{DATE}/events").json() == []
    # Reassembly started late and running: projected past the promise, at risk.
    late = _clock(client, rid, "start", f"{WED}T15:00:00+08:00", "zhao", 1)
    assert late.status_code == 201, late.text
    settled(client, f"/v1/workshops/{WORKSHOP_ID}", WED)  # the live plan re-planned in the background
    status = client.get(
        f"/v1/workshops/{WORKSHOP_ID}/days/{WED}/status", params={"now": f"{WED}T15:10:00+08:00"}
    ).json()
    mine_now = next(b for b in status["bookings"] if b["booking"] == rid)
    assert [o["state"] for o in mine_now["operations"]] == ["done", "in_progress"]
    assert mine_now["promised"] == promised and mine_now["at_risk"] is True
    assert mine_now["projected_end"] == f"{WED}T17:00:00+08:00"  # 15:00 + 120 min of reassembly
    # The live plan keeps the clocked work and is valid for Wednesday's bookings as the day sees them.
    service = client.app.state.services.service  # type: ignore[attr-defined]
    request, _, _ = service.plan_inputs(WORKSHOP_ID, DAY + dt.timedelta(days=1), 1.0)
    live = Plan.model_validate(client.get(f"/v1/workshops/{WORKSHOP_ID}/plans/{WED}").json())
    placed = {(a.booking, a.operation): a for a in live.assignments}
    assert placed[(rid, 0)].start.isoformat() == f"{WED}T08:00:00+08:00"
    assert placed[(rid, 0)].end.isoformat() == f"{WED}T11:00:00+08:00"
    pins = [
        PinnedOperation(operation=k, bay=placed[(rid, k)].bay, technician=placed[(rid, k)].technician,
                        start=placed[(rid, k)].start, end=placed[(rid, k)].end)
        for k in (0, 1)
    ]  # fmt: skip
    clocked = [b.model_copy(update={"pinned": pins}) if b.id == rid else b for b in request.bookings]
    check = request.model_copy(update={"bookings": clocked, "options": PlanOptions(keep_promises=False)})
    assert_valid(check, live)
    # Reports from actuals count Wednesday's paint as the repair's paint (its operation 2).
    times = labour_times(service, WORKSHOP_ID, DAY, DAY + dt.timedelta(days=1))
    counted = {(o.service, o.operation): o.n for o in times.operations if o.n}
    assert counted == {("REPAIR", 2): 1}, counted


def test_on_the_drop_off_day_only_that_days_part_is_seen(client: TestClient) -> None:
    """The drop-off day's status holds the operations done that day, with no promise to guard there."""
    put_workshop(client, multi_day_workshop())
    rid = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"}).json()["id"]
    status = client.get(
        f"/v1/workshops/{WORKSHOP_ID}/days/{DATE}/status", params={"now": f"{DATE}T08:00:00+08:00"}
    ).json()
    mine = next(b for b in status["bookings"] if b["booking"] == rid)
    assert [o["operation"] for o in mine["operations"]] == [0, 1]
    assert mine["promised"] is None and mine["at_risk"] is False


def test_explain_says_where_multi_day_work_runs_out_of_its_days(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop(max_days=2))
    params = {"service": "REPAIR", "date": DATE, "explain": "true"}
    body = client.get(SLOTS, params=params).json()
    reasons = {r["drop_off"][11:16]: r["reason"] for r in on_grid(body["refused"])}
    assert [s["drop_off"][11:16] for s in body["slots"]] == ["08:00", "08:30", "09:00"]
    # Taken in on Tuesday but not done by Wednesday: the reassembly, after Wednesday's paint, finds
    # no body technician with its 120 minutes there (before: "the work does not finish within 2
    # opening days", the same for every time).
    reassembly = (
        f"day {WED}: no body technician grade >= 1 has 120 min before 17:00"
        " (for operation 'reassembly', from 15:30, longest working block 90 min)"
    )
    assert reasons["09:30"] == reasons["14:00"] == reassembly
    # From 14:30 not even the first stage fits Tuesday; a start on Wednesday gets furthest, and its
    # paint finds no room after the body work there.
    paint = (
        f"day {WED}: no paint technician grade >= 1 has 150 min before 17:00"
        " (for operation 'paint', from 16:00, longest working block 60 min)"
    )
    assert reasons["14:30"] == reasons["17:00"] == paint
    zh = client.get(SLOTS, params=params, headers={"accept-language": "zh-CN"}).json()
    in_chinese = {r["drop_off"][11:16]: r["reason"] for r in on_grid(zh["refused"])}
    assert in_chinese["09:30"] == (
        f"{WED} 当天：没有一名 1 级及以上的钣金技师在 17:00 之前有连续 120 分钟的空闲"
        "（工序「reassembly」，15:30 起，最长连续工作时段 90 分钟）"
    )


def test_explain_names_the_loan_car_when_the_fleet_blocks_multi_day_work(client: TestClient) -> None:
    """One loan car, out on Wednesday morning: a repair dropped off on Tuesday with a loan car
    would keep it into Wednesday, so it is refused for the car, not for its days."""
    put_workshop(client, multi_day_workshop(loan_cars=1))
    out = {"service": "MAINT", "drop_off": f"{WED}T08:00:00+08:00", "loan_car": True}
    booked = client.post(BOOKINGS, json=out)
    assert booked.status_code == 201, booked.text
    back = booked.json()["promised"]
    assert back.startswith(WED)
    params = {"service": "REPAIR", "date": DATE, "explain": "true"}
    carless = client.get(SLOTS, params=params).json()
    fits = [s["drop_off"] for s in carless["slots"]]
    assert fits and all(len(s["days"]) >= 2 for s in carless["slots"])  # every one keeps a car into Wednesday
    body = client.get(SLOTS, params={**params, "loan_car": "true"}).json()
    assert body["slots"] == []
    reasons = {r["drop_off"]: r["reason"] for r in on_grid(body["refused"])}
    until = f"{WED} {back[11:16]}"
    assert {reasons[t] for t in fits} == {f"no loan car free until {until}"}, reasons
    # Where the work does not fit even without a car, the day's own reason stands.
    assert all("loan car" not in why for t, why in reasons.items() if t not in fits)
    zh = client.get(SLOTS, params={**params, "loan_car": "true"}, headers={"accept-language": "zh-CN"})
    in_chinese = {r["drop_off"]: r["reason"] for r in zh.json()["refused"]}
    assert in_chinese[fits[0]] == f"{until} 之前没有空闲的代步车"


def test_explain_names_the_loan_car_out_on_the_drop_off_day(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop(loan_cars=1))
    booked = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T09:00:00+08:00",
                                         "loan_car": True})  # fmt: skip
    assert booked.status_code == 201, booked.text
    back = booked.json()["promised"][11:16]
    params = {"service": "REPAIR", "date": DATE, "explain": "true", "loan_car": "true"}
    body = client.get(SLOTS, params=params).json()
    reasons = {r["drop_off"][11:16]: r["reason"] for r in on_grid(body["refused"])}
    # The car is back after the last time Tuesday takes the first stage in: from then on the
    # repair is offered with its work from Wednesday (the vehicle held on Tuesday, the car out).
    offered = [s["drop_off"][11:16] for s in body["slots"]]
    assert offered and offered[0] == back and all(t >= back for t in offered)
    assert all(s["days"] == [DATE, WED, THU] for s in body["slots"])
    assert reasons["08:00"] == reasons["14:00"] == f"no loan car free until {back}", reasons
    # 14:30: not even the first stage fits Tuesday, but a start on Wednesday does: the car blocks it.
    assert set(reasons) == {t for t in reasons if t < back} and reasons["14:30"] == reasons["08:00"]


def test_the_plan_and_my_jobs_pages_name_the_carried_over_steps(client: TestClient) -> None:
    put_workshop(client, multi_day_workshop())
    rid = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"}).json()["id"]
    plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": WED, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    page = client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}").text
    # Wednesday's bars of the repair: its paint and reassembly, in the repair's colour and legend.
    # Named by the repair's own code and numbered on from Tuesday's (zhreview-s25: the day's part
    # code "REPAIR:ops2-3" and "operation 1" were on the bar); the re-plan still gets the day's index.
    assert (
        f'data-booking="{rid}" data-operation="0" data-number="3" data-vehicle="{rid}" data-service="REPAIR"'
        in (page)
    )
    ws = multi_day_workshop()
    assert colours(day_workshop(ws))["REPAIR:ops2-3"] == colours(ws)["REPAIR"]
    assert 'data-step="paint"' in page and 'data-step="reassembly"' in page
    assert "REPAIR · Accident repair (multi-day)" in page
    mine = client.get(f"/workshops/{WORKSHOP_ID}/me", params={"technician": "zhou", "date": WED}).text
    assert "Accident repair (multi-day) · paint" in mine


def test_job_cards_and_day_sheets_list_the_repair_carried_in(client: TestClient) -> None:
    """Wednesday's job cards and the painter's day sheet hold Tuesday's repair with its paint and
    reassembly (the operations done that day), marked carried in; in Chinese too."""
    import io

    import pypdf

    def text(pdf: bytes) -> str:
        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)

    put_workshop(client, multi_day_workshop())
    body = {
        "service": "REPAIR",
        "drop_off": f"{DATE}T08:00:00+08:00",
        "plate": "SH-R 808",
        "customer": "Li Na",
    }
    rid = client.post(BOOKINGS, json=body).json()["id"]
    plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": WED, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    painter = {
        a["technician"] for a in plan.json()["assignments"] if a["booking"] == rid and a["operation"] == 0
    }
    assert painter == {"zhou"}  # Wednesday's first step of the repair is its paint
    cards = client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}/cards.pdf")
    assert cards.status_code == 200, cards.text
    card = next(page for page in text(cards.content).split("Job card ") if page.startswith(rid))
    assert "SH-R 808" in card and "Li Na" in card and "Carried in" in card
    assert "operations 3–4 of 4 today" in card
    assert "paint" in card and "reassembly" in card and "strip and body" not in card
    assert "15:30" in card  # the promised pickup, on this last day
    sheet = client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}/technicians/zhou.pdf")
    assert sheet.status_code == 200
    painted = text(sheet.content)
    assert rid[:10] in painted and "SH-R 808" in painted and "paint · carried in" in painted  # id cut to fit
    assert "reassembly" not in painted  # the body technician's, not the painter's
    # Tuesday's cards show the repair as its own booking (dropped off that day), not carried in.
    tuesday = client.get(f"/workshops/{WORKSHOP_ID}/plan/{DATE}/cards.pdf")
    assert "SH-R 808" in text(tuesday.content) and "Carried in" not in text(tuesday.content)
    client.cookies.set("bayplan_lang", "zh_CN")
    zh = "".join(text(client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}/cards.pdf").content).split())
    assert "跨日转入" in zh and "今日做第3–4道工序" in zh  # (the PDF's text runs split at each script)
    assert "跨日转入" in text(client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}/technicians/zhou.pdf").content)


def test_a_repair_shown_for_wednesday_is_refused_not_booked_for_friday_once_another_took_its_room(
    client: TestClient,
) -> None:
    """A repair is shown 08:00 on Tuesday, promised Wednesday 15:30. Another desk books a repair at
    08:00 first: the body technician's next days are taken, so the repair would now be ready
    Friday. The booking at the shown time is refused (409, saying so, with the times that fit now),
    not booked for Friday in silence (promise16-s39: before, 201 promised Friday)."""
    put_workshop(client, multi_day_workshop(max_days=4))
    eight = f"{DATE}T08:00:00+08:00"
    slots = client.get(SLOTS, params={"service": "REPAIR", "date": DATE}).json()["slots"]
    shown = next(s for s in slots if s["drop_off"] == eight)
    assert shown["promised"] == f"{WED}T15:30:00+08:00"
    assert client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight}).status_code == 201
    refused = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight})
    assert refused.status_code == 409, refused.text
    fri = (DAY + dt.timedelta(days=3)).isoformat()
    assert refused.json()["reason"] == (
        f"it would now be ready at {fri} 15:30, after the pickup {WED} 15:30 it was offered"
    )
    now = {a["drop_off"]: a["promised"] for a in refused.json()["alternatives"]}
    assert now[eight] == f"{fri}T15:30:00+08:00"
    assert len(client.get(BOOKINGS, params={"date": DATE}).json()) == 1


def test_a_repair_whose_work_starts_the_next_day_loads_only_its_work_days(client: TestClient) -> None:
    """Tuesday's body technician is taken: a second repair dropped off on Tuesday works from
    Wednesday. The loading chart holds its minutes on its work days only; Tuesday counts its
    check-in, its loan car and the vehicle; Tuesday's plan has no work of it and its job card says so."""
    advisors = [{"id": f"a{i}", "name": f"A{i}", "shift": {"start": "08:00", "end": "17:00"}} for i in (1, 2)]
    put_workshop(client, multi_day_workshop(max_days=4, loan_cars=2, advisors=advisors))
    eight = f"{DATE}T08:00:00+08:00"
    first = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight})
    assert first.status_code == 201, first.text
    fri = (DAY + dt.timedelta(days=3)).isoformat()
    days = [DATE, WED, THU, fri]

    def chart() -> dict[str, Any]:
        params = {"from": DATE, "to": fri}
        got = client.get(f"/v1/workshops/{WORKSHOP_ID}/capacity", params=params)
        assert got.status_code == 200, got.text
        return {d["date"]: d for d in got.json()["days"]}

    def booked(c: dict[str, Any], date: str) -> dict[str, int]:
        return {p["pool"]: p["booked"] for p in c[date]["pools"]}

    before = chart()
    slots = client.get(SLOTS, params={"service": "REPAIR", "date": DATE, "loan_car": "true"}).json()["slots"]
    offer = next(s for s in slots if s["drop_off"] == eight)
    assert offer["days"] == days and offer["promised"].startswith(fri)
    second = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight, "loan_car": True})
    assert second.status_code == 201, second.text
    # Exactly as shown: multi-day answers get no background refinement (found afresh per day
    # versions, cached whole; an explain only adds times), so the booking takes the very offer
    # shown at its time (PlanningService._multi_day_fit), nothing booked in between.
    assert second.json()["promised"] == offer["promised"]
    after = chart()
    added = {d: {k: booked(after, d)[k] - booked(before, d)[k] for k in booked(after, d)} for d in days}
    assert set(added[DATE].values()) == {0}  # held on Tuesday: no minutes
    assert all(sum(added[d].values()) > 0 for d in days[1:])  # its work: Wednesday to Friday
    per_pool = {k: sum(added[d][k] for d in days) for k in added[DATE]}  # a technician counts in each pool
    assert {k: v for k, v in per_pool.items() if v} == {
        **{k: 180 + 180 + 120 for k in per_pool if k.startswith("body:")},
        **{k: 150 for k in per_pool if k.startswith("paint:")},
    }
    assert [before[d]["loan_cars_free"] for d in days] == [2, 2, 2, 2]
    assert [after[d]["loan_cars_free"] for d in days] == [1, 1, 1, 1]
    assert after[DATE]["bookings"] == before[DATE]["bookings"] + 1

    def intake(c: dict[str, Any], date: str) -> dict[str, int]:
        return {w["start"]: w["minutes"] for w in c[date]["advisor_intake"]}

    assert intake(after, DATE)["08:00"] == intake(before, DATE)["08:00"] - 10  # its check-in
    assert intake(after, WED) == intake(before, WED)
    rid = second.json()["id"]
    plans = {}
    for date in days:
        plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": date, "time_limit_seconds": 2})
        assert plan.status_code == 200, plan.text
        assert plan.json()["unassigned"] == []
        plans[date] = {a["booking"] for a in plan.json()["assignments"]}
    assert rid not in plans[DATE] and all(rid in plans[d] for d in days[1:])
    status = client.get(f"/v1/workshops/{WORKSHOP_ID}/days/{DATE}/status", params={"now": eight})
    assert status.status_code == 200, status.text  # the shop floor has no work of it on Tuesday
    assert rid not in {b["booking"] for b in status.json()["bookings"]}
    page = client.get(f"/workshops/{WORKSHOP_ID}/plan/{DATE}")
    assert page.status_code == 200, page.text  # no bar of it on Tuesday's chart
    assert f'data-booking="{rid}"' not in page.text
    import io

    import pypdf

    cards = client.get(f"/workshops/{WORKSHOP_ID}/plan/{DATE}/cards.pdf")
    assert cards.status_code == 200, cards.text
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(cards.content)).pages)
    card = next(page for page in text.split("Job card ") if page.startswith(rid))
    assert "no work today: held for later days" in card
    assert "not planned" in card


def test_explain_gives_the_first_blocking_rule_when_no_later_start_finishes_either(
    client: TestClient,
) -> None:
    """Tuesday's body technician is taken and a start on Wednesday does not finish within the 3
    opening days from Tuesday: nothing is offered, and each time names the rule that blocks it
    (not the lack of room on Tuesday alone, which a later start gets round): Thursday's reassembly
    after the paint (before: "the work does not finish within 3 opening days"), in Chinese too."""
    put_workshop(client, multi_day_workshop())
    first = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert first.status_code == 201, first.text
    params = {"service": "REPAIR", "date": DATE, "explain": "true"}
    body = client.get(SLOTS, params=params).json()
    assert body["slots"] == []
    reasons = {r["drop_off"][11:16]: r["reason"] for r in on_grid(body["refused"])}
    reassembly = (
        f"day {THU}: no body technician grade >= 1 has 120 min before 17:00"
        " (for operation 'reassembly', from 15:30, longest working block 90 min)"
    )
    assert len(reasons) == 19 and set(reasons.values()) == {reassembly}
    zh = client.get(SLOTS, params=params, headers={"accept-language": "zh-CN"}).json()
    assert {r["reason"] for r in on_grid(zh["refused"])} == {
        f"{THU} 当天：没有一名 1 级及以上的钣金技师在 17:00 之前有连续 120 分钟的空闲"
        "（工序「reassembly」，15:30 起，最长连续工作时段 90 分钟）"
    }
    # With a larger allowance it is offered, the work from Wednesday.
    put_workshop(client, multi_day_workshop(max_days=4))
    again = client.get(SLOTS, params=params).json()
    assert again["slots"] and all(s["days"][:2] == [DATE, WED] for s in again["slots"])


def test_a_held_repairs_loan_car_is_neither_offered_nor_booked_again(client: TestClient) -> None:
    """One loan car, taken by a repair dropped off on Tuesday and held there (its work from
    Wednesday): Tuesday offers no other loan-car booking (explained), refuses one, and its plan
    stays valid against the request that lists the held vehicle."""
    put_workshop(client, multi_day_workshop(max_days=4, loan_cars=1))
    eight = f"{DATE}T08:00:00+08:00"
    assert client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight}).status_code == 201
    held = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight, "loan_car": True})
    assert held.status_code == 201, held.text
    params = {"service": "LUBE", "date": DATE, "explain": "true", "loan_car": "true"}
    body = client.get(SLOTS, params=params).json()
    assert body["slots"] == []
    # Not "until midnight": the car is back days later, which is the repair's promise, not Tuesday's.
    reasons = {r["drop_off"][11:16]: r["reason"] for r in on_grid(body["refused"])}
    assert reasons["08:00"] == reasons["14:00"] == "no loan car free", reasons
    assert client.get(SLOTS, params={**params, "loan_car": "false"}).json()["slots"]
    refused = client.post(
        BOOKINGS, json={"service": "LUBE", "drop_off": f"{DATE}T14:00:00+08:00", "loan_car": True}
    )
    assert refused.status_code == 409, refused.text
    plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    assert held.json()["id"] not in {a["booking"] for a in plan.json()["assignments"]}


def test_a_stateless_plan_names_the_held_vehicle_field_it_refuses(client: TestClient) -> None:
    workshop = multi_day_workshop(loan_cars=1).model_dump(mode="json")
    vehicle = {"id": "h1", "service": "REPAIR", "drop_off": f"{WED}T08:00:00+08:00", "loan_car": True}
    response = client.post("/v1/plan", json={"workshop": workshop, "date": DATE, "held": [vehicle]})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "held", 0, "drop_off"]


def test_multi_day_work_at_the_end_of_the_date_range_is_carried_no_further(sqlite_url: str) -> None:
    """The last plannable day (2199-12-31) has no day after it: work that needs one is not offered
    and a booking of it is refused with 409, as on any day without room (the search of later days
    planned 2200-01-01 and failed: a 500); the day before carries the work to the last day."""
    from api.app import create_app
    from scheduler.contract import LAST_DATE
    from tests.builders import fixed_clock

    client = TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock()))
    put_workshop(client, multi_day_workshop())
    last, before = LAST_DATE.isoformat(), (LAST_DATE - dt.timedelta(days=1)).isoformat()
    offered = client.get(SLOTS, params={"service": "REPAIR", "date": last})
    assert offered.status_code == 200 and offered.json()["slots"] == [], offered.text
    booked = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{last}T08:00:00+08:00"})
    assert booked.status_code == 409, booked.text
    slots = client.get(SLOTS, params={"service": "REPAIR", "date": before}).json()["slots"]
    assert slots and all(s["days"] == [before, last] for s in slots)
    booked = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": slots[0]["drop_off"]})
    assert booked.status_code == 201 and booked.json()["promised"].startswith(last), booked.text


def test_a_refused_change_of_multi_day_work_offers_the_times_it_would_fit(client: TestClient) -> None:
    """A PATCH of multi-day work that fits none of its days is refused with the times the changed
    booking would fit, its old place on every day counted free (issue 16: "refused with
    alternatives"). Before (audit16-s19): the stored days' offers for one more such booking
    beside it, none on days with room for one."""
    data = tiny_workshop(closing="17:00", shift_end="17:00").model_dump()
    data["technicians"][0]["shift"]["breaks"] = [{"start": "12:00", "end": "13:00"}]
    work = {"name": "work", "minutes": 240, "skill": "maintenance", "bay_kinds": ["general"]}
    data["services"] = [{"code": "LONG", "name": "Long", "max_days": 2, "operations": [work]}]
    put_workshop(client, Workshop.model_validate(data))  # room for one LONG a day (the holdback)
    url = "/v1/workshops/tiny/bookings"
    mine = client.post(url, json={"service": "LONG", "drop_off": f"{DATE}T08:00:00+08:00"})
    other = client.post(url, json={"service": "LONG", "drop_off": f"{WED}T08:00:00+08:00"})
    assert mine.status_code == other.status_code == 201, (mine.text, other.text)
    refused = client.patch(f"{url}/{mine.json()['id']}", json={"drop_off": f"{DATE}T17:00:00+08:00"})
    assert refused.status_code == 409, refused.text
    alternatives = refused.json()["alternatives"]
    assert alternatives and alternatives[0] == {
        "drop_off": f"{DATE}T08:00:00+08:00", "promised": f"{DATE}T15:30:00+08:00", "days": [DATE],
    }  # fmt: skip
    assert client.get(f"{url}/{mine.json()['id']}").json() == mine.json()  # nothing changed
    taken = client.patch(f"{url}/{mine.json()['id']}", json={"drop_off": alternatives[-1]["drop_off"]})
    assert taken.status_code == 200 and taken.json()["promised"] == alternatives[-1]["promised"], taken.text


def test_a_refused_change_of_multi_day_work_offers_later_days_with_its_own_place_free(
    client: TestClient,
) -> None:
    """A refused PATCH of multi-day work whose new day has no time offers the first later day with
    one, its own place there (work carried over included) counted free: a two-day repair booked
    Wednesday-Thursday, moved to Tuesday with its parts due Thursday (three days: refused), is
    offered Wednesday again, where only its own place stood. Before (desk16-s21): no alternatives
    at all (the later days were never looked at for a change of multi-day work)."""
    data = tiny_workshop(closing="17:00", shift_end="17:00").model_dump()
    data["technicians"][0]["shift"]["breaks"] = [{"start": "12:00", "end": "13:00"}]
    work = {"name": "work", "minutes": 240, "skill": "maintenance", "bay_kinds": ["general"]}
    fit = {**work, "name": "fit", "needs_parts": True}
    data["services"] = [{"code": "LONG", "name": "Long", "max_days": 2, "operations": [work, fit]}]
    put_workshop(client, Workshop.model_validate(data))
    url = "/v1/workshops/tiny/bookings"
    mine = client.post(url, json={"service": "LONG", "drop_off": f"{WED}T08:00:00+08:00"})
    assert mine.status_code == 201 and mine.json()["promised"].startswith(THU), mine.text
    eta = f"{THU}T08:00:00+08:00"
    slots = [client.get("/v1/workshops/tiny/slots", params={"service": "LONG", "date": d, "parts_eta": eta})
             for d in (DATE, WED, THU)]  # fmt: skip
    assert [s.json()["slots"] for s in slots] == [[], [], []]  # as stored, its own place taken
    refused = client.patch(
        f"{url}/{mine.json()['id']}", json={"drop_off": f"{DATE}T08:00:00+08:00", "parts_eta": eta}
    )
    assert refused.status_code == 409, refused.text
    alternatives = refused.json()["alternatives"]
    assert alternatives and all(a["days"] == [WED, THU] for a in alternatives), alternatives
    assert alternatives[0]["drop_off"] == f"{WED}T08:00:00+08:00"
    assert client.get(f"{url}/{mine.json()['id']}").json() == mine.json()  # nothing changed
    taken = client.patch(
        f"{url}/{mine.json()['id']}", json={"drop_off": alternatives[-1]["drop_off"], "parts_eta": eta}
    )
    assert taken.status_code == 200 and taken.json()["promised"] == alternatives[-1]["promised"], taken.text


def test_a_refused_multi_day_booking_says_why_as_explain_does(client: TestClient) -> None:
    """The 409 of multi-day work gives its `reason` as `explain=true` words that time (the README's
    409 contract). Before (audit16-s19) it had none: only one-day work's refusals said why."""
    put_workshop(client, multi_day_workshop(max_days=2))
    slots = client.get(SLOTS, params={"service": "REPAIR", "date": DATE, "explain": "true"}).json()
    refused = {r["drop_off"]: r["reason"] for r in on_grid(slots["refused"])}
    late = max(refused)
    response = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": late})
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == refused[late], (late, refused[late])


def test_explain_and_the_booking_name_the_parts_that_push_multi_day_work_past_its_days(
    client: TestClient,
) -> None:
    """A 2-day repair whose paint waits for parts due Thursday 10:00: at 08:00 it fits Tuesday and
    Wednesday with the parts on the shelf, so the ETA is the rule that blocks it, dated (before:
    "the work does not finish within 2 opening days"); a booking there is refused with the same
    words, in Chinese too."""
    put_workshop(client, multi_day_workshop(max_days=2))
    eight = f"{DATE}T08:00:00+08:00"
    params = {"service": "REPAIR", "date": DATE, "explain": "true"}
    assert eight in {s["drop_off"] for s in client.get(SLOTS, params=params).json()["slots"]}
    due = {"parts_eta": f"{THU}T10:00:00+08:00"}
    body = client.get(SLOTS, params={**params, **due}).json()
    assert body["slots"] == []
    reasons = {r["drop_off"]: r["reason"] for r in on_grid(body["refused"])}
    assert reasons[eight] == f"parts arrive {THU} 10:00", reasons[eight]
    refused = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight, **due})
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == reasons[eight]
    zh = client.get(SLOTS, params={**params, **due}, headers={"accept-language": "zh-CN"}).json()
    assert {r["drop_off"]: r["reason"] for r in zh["refused"]}[eight] == f"配件 {THU} 10:00 到货"


def test_explain_and_the_booking_date_the_room_reason_of_a_later_day(client: TestClient) -> None:
    """The body technician does not work Wednesdays: a 2-day repair dropped off Tuesday 08:00 has
    its body work on Tuesday and its paint on Wednesday, but its reassembly finds no one there.
    The reason is the planner's for that operation on that day, dated (before: "the work does not
    finish within 2 opening days"); the booking's 409 says the same; later times that run out of
    room on Tuesday itself (none of the work from Wednesday either) keep Tuesday's reason undated."""
    workshop = multi_day_workshop(max_days=2)
    off_wednesday = [0, 1, 3, 4, 5, 6]
    technicians = [
        t.model_copy(update={"weekdays": off_wednesday}) if t.id == "zhao" else t
        for t in workshop.technicians
    ]
    put_workshop(client, workshop.model_copy(update={"technicians": technicians}))
    params = {"service": "REPAIR", "date": DATE, "explain": "true"}
    body = client.get(SLOTS, params=params).json()
    assert body["slots"] == []
    reasons = {r["drop_off"]: r["reason"] for r in on_grid(body["refused"])}
    eight = f"{DATE}T08:00:00+08:00"
    wednesday = f"day {WED}: no body technician grade >= 1 on shift Wednesday (operation 'reassembly')"
    assert reasons[eight] == wednesday, reasons[eight]
    refused = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": eight})
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == wednesday
    zh = client.get(SLOTS, params=params, headers={"accept-language": "zh-CN"}).json()
    in_chinese = {r["drop_off"]: r["reason"] for r in zh["refused"]}
    assert in_chinese[eight] == f"{WED} 当天：星期三没有当班的 1 级及以上的钣金技师（工序「reassembly」）"
    assert reasons[f"{DATE}T14:30:00+08:00"] == (
        "no body technician grade >= 1 has 180 min before 17:00"
        " (for operation 'strip and body', longest working block 150 min)"
    )
    # Every refused time names a rule, none the generic "does not finish".
    assert not any("opening days" in why for why in reasons.values()), reasons


PARTS_DUE = f"{WED}T10:00:00+08:00"


def _repair_waiting_for_parts(client: TestClient) -> tuple[str, str]:
    """A REPAIR dropped off Tuesday 08:00 whose paint waits for parts due Wednesday 10:00: its id and
    the workshop's route."""
    put_workshop(client, multi_day_workshop())
    due = {"parts_eta": PARTS_DUE}
    repair = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00", **due})
    assert repair.status_code == 201, repair.text
    return repair.json()["id"], f"/v1/workshops/{WORKSHOP_ID}"


@pytest.mark.both_backends  # a refused change of clocked work rolled back, on each backend
def test_a_change_never_moves_clocked_work_off_its_day(client: TestClient) -> None:
    """A repair whose paint waits for parts due Wednesday 10:00, its strip clocked Tuesday: the parts
    delayed to Wednesday 15:00 would move all its work to Wednesday and Thursday, leaving Tuesday's
    clock events naming work the day no longer has. Refused (409) instead; forced, it is kept at
    risk on Tuesday, where its work was clocked; Tuesday's status, clock and plan still answer.
    Fails before (review-s20 D2): the change was stored, then Tuesday's status, clock and plan were
    500s (KeyError replaying the day's events)."""
    rid, base = _repair_waiting_for_parts(client)
    assert _clock(client, rid, "start", f"{DATE}T08:00:00+08:00", "zhao", 0).status_code == 201
    assert _clock(client, rid, "finish", f"{DATE}T11:00:00+08:00", "zhao", 0).status_code == 201
    later = {"parts_eta": f"{WED}T15:00:00+08:00"}
    refused = client.patch(f"{BOOKINGS}/{rid}", json=later)
    assert refused.status_code == 409 and DATE in refused.json()["detail"], refused.text
    assert client.get(f"{BOOKINGS}/{rid}").json()["parts_eta"] == PARTS_DUE  # unchanged
    forced = client.patch(f"{BOOKINGS}/{rid}", json={**later, "force": True})
    assert forced.status_code == 200 and forced.json()["at_risk"] is True, forced.text
    status = client.get(f"{base}/days/{DATE}/status", params={"now": f"{DATE}T11:30:00+08:00"})
    assert status.status_code == 200, status.text
    mine = next(b for b in status.json()["bookings"] if b["booking"] == rid)
    assert mine["operations"][0]["state"] == "done" and mine["at_risk"] is True
    assert _clock(client, rid, "start", f"{DATE}T13:00:00+08:00", "zhao", 1).status_code == 201
    plan = client.post(f"{base}/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text


def test_a_repair_at_risk_has_its_parts_work_clocked_on_its_drop_off_day_alone(client: TestClient) -> None:
    """loanrev-s27, the parts-ETA-after-clocked-work rule (etaclocked-s26) for a repair at risk: it
    has no witness, so the rule cannot tell which operations a later day's events name. No such
    events can exist: kept at risk (the strip clocked Tuesday, the parts forced to Wednesday 15:00)
    it holds its drop-off day alone, and its paint clocked on Wednesday is refused there (a repair
    clocked on a later day is never put at risk: 173f578, review-s20 D3). Clocked on Tuesday, the
    paint (it needs the parts) was started at 14:00: a later ETA is refused, not forceable, naming it;
    an ETA before 14:00 is taken (still at risk)."""
    rid, _ = _repair_waiting_for_parts(client)
    assert _clock(client, rid, "start", f"{DATE}T08:00:00+08:00", "zhao", 0).status_code == 201
    assert _clock(client, rid, "finish", f"{DATE}T11:00:00+08:00", "zhao", 0).status_code == 201
    forced = client.patch(f"{BOOKINGS}/{rid}", json={"parts_eta": f"{WED}T15:00:00+08:00", "force": True})
    assert forced.status_code == 200 and forced.json()["at_risk"] is True, forced.text
    on_wednesday = _clock(client, rid, "start", f"{WED}T10:00:00+08:00", "zhou", 0)
    assert on_wednesday.status_code == 409, on_wednesday.text
    assert _clock(client, rid, "start", f"{DATE}T11:00:00+08:00", "zhao", 1).status_code == 201
    assert _clock(client, rid, "finish", f"{DATE}T14:00:00+08:00", "zhao", 1).status_code == 201
    assert _clock(client, rid, "start", f"{DATE}T14:00:00+08:00", "zhou", 2).status_code == 201
    later = {"parts_eta": f"{WED}T16:00:00+08:00"}
    for body in (later, {**later, "force": True}):
        refused = client.patch(f"{BOOKINGS}/{rid}", json=body)
        assert refused.status_code == 409 and refused.json()["forceable"] is False, refused.text
        assert "its operation 3 (paint) was clocked at" in refused.json()["detail"], refused.text
    assert client.get(f"{BOOKINGS}/{rid}").json()["parts_eta"] == f"{WED}T15:00:00+08:00"
    earlier = client.patch(f"{BOOKINGS}/{rid}", json={"parts_eta": f"{DATE}T13:00:00+08:00", "force": True})
    assert earlier.status_code == 200 and earlier.json()["parts_eta"] == f"{DATE}T13:00:00+08:00", (
        earlier.text
    )


def _started_on_tuesday(client: TestClient) -> str:
    """A MAINT booking of the tiny workshop, dropped off Tuesday 08:00 and started then: its id."""
    put_workshop(client, tiny_workshop())
    booked = client.post(
        "/v1/workshops/tiny/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"}
    )
    bid: str = booked.json()["id"]
    body = {
        "booking": bid,
        "operation": 0,
        "technician": "t",
        "action": "start",
        "at": f"{DATE}T08:00:00+08:00",
    }
    started = client.post(f"/v1/workshops/tiny/clock?now={WED}T00:00:00%2B08:00", json=body)
    assert started.status_code == 201, started.text
    return bid


@pytest.mark.both_backends  # a refused change of clocked work rolled back, on each backend
def test_a_clocked_booking_is_not_moved_to_another_day(client: TestClient) -> None:
    """A booking started on Tuesday cannot be moved to Wednesday (409): Tuesday's events would name
    a booking the day no longer has (review-s20 D2: before, Tuesday's status and plan were 500s)."""
    bid = _started_on_tuesday(client)
    moved = client.patch(f"/v1/workshops/tiny/bookings/{bid}", json={"drop_off": f"{WED}T08:00:00+08:00"})
    assert moved.status_code == 409, moved.text
    status = client.get(f"/v1/workshops/tiny/days/{DATE}/status", params={"now": f"{DATE}T08:30:00+08:00"})
    assert status.status_code == 200 and status.json()["bookings"][0]["booking"] == bid, status.text
    assert (
        client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code
        == 200
    )


@pytest.mark.both_backends  # a refused change of clocked work rolled back, on each backend
def test_a_booking_with_clocked_work_is_not_cancelled(client: TestClient) -> None:
    """A booking started on Tuesday cannot be cancelled (409, still there); the day still answers.
    Fails before (review-s20 D4): 204, then Tuesday's status and plan were 500s."""
    bid = _started_on_tuesday(client)
    cancelled = client.delete(f"/v1/workshops/tiny/bookings/{bid}")
    assert cancelled.status_code == 409 and DATE in cancelled.json()["detail"], cancelled.text
    assert client.get(f"/v1/workshops/tiny/bookings/{bid}").status_code == 200
    status = client.get(f"/v1/workshops/tiny/days/{DATE}/status", params={"now": f"{DATE}T08:30:00+08:00"})
    assert status.status_code == 200, status.text
    assert (
        client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code
        == 200
    )


@pytest.mark.both_backends  # a refused change of clocked work rolled back, on each backend
def test_a_booking_with_clocked_work_keeps_its_service(client: TestClient) -> None:
    """MAINT started at 08:00, then the booking changed to LUBE: 200 before (review-s25), and the
    day's events, status, productivity and learned labour times counted the MAINT work clocked as
    LUBE's (the events name an operation by its index in the service). Now 409 naming the day (and
    a forced change is refused as any forced service change); the booking keeps its service; its
    details still change."""
    put_workshop(client, tiny_workshop(services={"MAINT": ("Maintenance", 60), "LUBE": ("Oil", 30)}))
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"}
    bid = client.post("/v1/workshops/tiny/bookings", json=body).json()["id"]
    start = {"booking": bid, "operation": 0, "technician": "t", "action": "start", "at": body["drop_off"]}
    assert client.post(f"/v1/workshops/tiny/clock?now={WED}T00:00:00%2B08:00", json=start).status_code == 201
    refused = client.patch(f"/v1/workshops/tiny/bookings/{bid}", json={"service": "LUBE"})
    assert refused.status_code == 409 and DATE in refused.json()["detail"], refused.text
    forced = client.patch(f"/v1/workshops/tiny/bookings/{bid}", json={"service": "LUBE", "force": True})
    assert forced.status_code == 422, forced.text
    assert client.get(f"/v1/workshops/tiny/bookings/{bid}").json()["service"] == "MAINT"
    same = client.patch(f"/v1/workshops/tiny/bookings/{bid}", json={"service": "MAINT", "customer": "Wang"})
    assert same.status_code == 200 and same.json()["customer"] == "Wang", same.text


@pytest.mark.both_backends  # a refused change of clocked work rolled back, on each backend
def test_a_forced_workshop_change_never_takes_clocked_work_off_its_day(client: TestClient) -> None:
    """The repair's paint clocked on Wednesday, its second day; a workshop change that breaks the
    repair (the paint longer than any day) would put it at risk on its drop-off day alone, leaving
    Wednesday's events naming work the day no longer has. Refused even with force, naming the
    booking and the clocked day; the days keep answering. Failed before (review-s20 D3): the
    forced change was stored, then Wednesday's status and plan were 500s."""
    ws = multi_day_workshop()
    put_workshop(client, ws)
    repair = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"})
    rid = repair.json()["id"]
    assert _clock(client, rid, "start", f"{WED}T08:00:00+08:00", "zhou", 0).status_code == 201
    data = ws.model_dump(mode="json")
    paint = next(s for s in data["services"] if s["code"] == "REPAIR")["operations"][2]
    paint["minutes"] = 720
    base = f"/v1/workshops/{WORKSHOP_ID}"
    unforced = client.put(base, json=data)
    assert unforced.status_code == 409 and unforced.json()["forceable"] is True, unforced.text
    forced = client.put(base, params={"force": "true"}, json=data)
    assert forced.status_code == 409 and forced.json()["forceable"] is False, forced.text
    assert forced.json()["bookings"] == [
        {
            "booking": rid,
            "date": DATE,
            "reasons": [f"its work was clocked on {WED}, a later day of the repair"],
        }
    ], forced.text
    assert client.get(base).json()["services"] == ws.model_dump(mode="json")["services"]  # nothing stored
    assert client.get(f"{BOOKINGS}/{rid}").json()["at_risk"] is False
    status = client.get(f"{base}/days/{WED}/status", params={"now": f"{WED}T09:00:00+08:00"})
    assert status.status_code == 200, status.text
    assert any(b["booking"] == rid for b in status.json()["bookings"])
    assert client.post(f"{base}/plans", json={"date": WED, "time_limit_seconds": 2}).status_code == 200


@pytest.mark.both_backends  # the only PostgreSQL run of some of clock_intake's and storage's lines
def test_a_forced_parts_eta_change_never_takes_clocked_work_off_a_later_day(client: TestClient) -> None:
    """review-s20 D3, last sentence: a repair whose paint waits for parts due Wednesday 10:00, its
    paint started on Wednesday (its second day); the parts delayed to 15:00 no longer fit, and
    forced, it would be kept at risk on its drop-off day alone, Wednesday's events naming work the
    day no longer has. Refused (409) even forced, naming the booking and the clocked day, as a forced
    workshop change is (173f578); nothing changes and every day's status and plan answer. (Already a
    409 on main since af740f5, but one that said "a parts_eta change may be forced": to a request
    that was.) Since etaclocked-s26 the reason is the paint itself: it needs the parts and was
    started at 10:00 Wednesday, before the new ETA (`forceable: false`)."""
    rid, base = _repair_waiting_for_parts(client)
    assert _clock(client, rid, "start", f"{WED}T10:00:00+08:00", "zhou", 0).status_code == 201
    later = {"parts_eta": f"{WED}T15:00:00+08:00"}
    assert client.patch(f"{BOOKINGS}/{rid}", json=later).status_code == 409
    forced = client.patch(f"{BOOKINGS}/{rid}", json={**later, "force": True})
    assert forced.status_code == 409, forced.text
    detail = forced.json()["detail"]
    # etaclocked-s26: the paint needs the parts and was started: refused for that, dated, not forceable.
    assert "parts_eta" in detail and f"{WED} 10:00" in detail and forced.json()["forceable"] is False, detail
    assert "may be forced" not in detail, detail
    kept = client.get(f"{BOOKINGS}/{rid}").json()
    assert kept["parts_eta"] == PARTS_DUE and kept["at_risk"] is False
    for day in (DATE, WED, THU):
        status = client.get(f"{base}/days/{day}/status", params={"now": f"{day}T12:00:00+08:00"})
        assert status.status_code == 200, (day, status.text)
        plan = client.post(f"{base}/plans", json={"date": day, "time_limit_seconds": 2})
        assert plan.status_code == 200, (day, plan.text)
    wed = client.get(f"{base}/days/{WED}/status", params={"now": f"{WED}T12:00:00+08:00"}).json()
    mine = next(b for b in wed["bookings"] if b["booking"] == rid)
    assert mine["operations"][0]["actual_start"] == f"{WED}T10:00:00+08:00"


def test_explain_on_a_closed_day_offers_no_multi_day_work(client: TestClient) -> None:
    """Explain tries multi-day work at the times it refuses (the booking's own fits); on a closed
    day every time stays refused "workshop closed" (work held there and started on a later day
    would fit, but a booking on a closed day is a 422)."""
    put_workshop(client, multi_day_workshop(closed_days=[DATE]))
    answer = client.get(SLOTS, params={"service": "REPAIR", "date": DATE, "explain": "true"}).json()
    assert answer["slots"] == []
    assert answer["refused"] and {r["reason"] for r in answer["refused"]} == {"workshop closed"}
