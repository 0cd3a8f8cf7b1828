"""Multi-day work over HTTP: offers carry the days the work touches and the promised pickup on the
last one; a booking of it holds its later days (the loading chart shows the carried-over work)."""

from __future__ import annotations

import datetime as dt
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Workshop
from tests.builders import DATE, DAY, WORKSHOP_ID, multi_day_workshop

SLOTS = f"/v1/workshops/{WORKSHOP_ID}/slots"
BOOKINGS = f"/v1/workshops/{WORKSHOP_ID}/bookings"
WED = (DAY + dt.timedelta(days=1)).isoformat()
THU = (DAY + dt.timedelta(days=2)).isoformat()


def _put(client: TestClient, workshop: Workshop) -> None:
    response = client.put(
        f"/v1/workshops/{workshop.id}",
        content=workshop.model_dump_json(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


def test_offers_for_multi_day_work_carry_the_days_and_the_promised_pickup(client: TestClient) -> None:
    _put(client, multi_day_workshop())
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
    _put(client, multi_day_workshop())
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
    _put(client, multi_day_workshop())
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
    _put(client, multi_day_workshop())
    booked = client.post(BOOKINGS, json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert booked.status_code == 201, booked.text
    page = client.get(f"/workshops/{WORKSHOP_ID}/plan/{WED}")
    assert page.status_code == 200 and "1 booking on this day." in page.text
