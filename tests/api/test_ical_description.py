"""A technician's iCalendar feed describes each job (zh-s29): DESCRIPTION with the service, the
operation, the vehicle, the promised pickup (交车) and the technician, in the reader's language,
texts from outside escaped as RFC 5545 says; a repair carried over from an earlier day names its
service and operation in SUMMARY (before: its booking id alone, and no DESCRIPTION at all)."""

from __future__ import annotations

import warnings

import pytest
from icalendar import Calendar

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.scenarios import load_scenario
from tests.builders import DATE, WORKSHOP_ID, multi_day_workshop, put_workshop

pytestmark = pytest.mark.sqlite_only

W = "/v1/workshops/small-dealer"
ZH = {"Accept-Language": "zh-CN"}
#: A vehicle's text from outside holding every character iCalendar escapes in a TEXT value but a
#: line break (a free text is one line: refused at the door).
HOSTILE = 'Tucson, blue; "fleet" \\ DESCRIPTION:x'


def _events(content: bytes) -> list[dict[str, str]]:
    return [
        {k: str(e[k]) for k in ("summary", "description", "location")}
        for e in Calendar.from_ical(content).walk("VEVENT")
    ]


@pytest.fixture
def booked(client: TestClient) -> tuple[TestClient, str, str]:
    """small-dealer with a first free service booked for a car whose vehicle text is hostile and
    planned; the booking and the technician who does it."""
    workshop = load_scenario("small-dealer").workshop
    put = client.put(W, content=workshop.model_dump_json(), headers={"content-type": "application/json"})
    assert put.status_code == 200
    slots = client.get(f"{W}/slots", params={"service": "FIRST", "date": DATE}).json()["slots"]
    body = {"service": "FIRST", "drop_off": slots[0]["drop_off"], "customer": "Ann, Example; \\x",
            "plate": "沪A·12345", "model": "Hyundai Tucson", "vehicle": HOSTILE}  # fmt: skip
    made = client.post(f"{W}/bookings", json=body)
    assert made.status_code == 201, made.text
    plan = client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    booking = made.json()["id"]
    tech = next(a["technician"] for a in plan.json()["assignments"] if a["booking"] == booking)
    return client, booking, tech


def test_each_job_is_described_in_the_readers_language(booked: tuple[TestClient, str, str]) -> None:
    client, booking, tech = booked
    promised = client.get(f"{W}/bookings/{booking}").json()["promised"]
    pickup = promised[11:16]  # its local HH:MM (the day's own: the time alone)
    workshop = load_scenario("small-dealer").workshop
    person = next(t for t in workshop.technicians if t.id == tech)
    url = f"{W}/technicians/{tech}/day/{DATE}.ics"
    [zh] = [e for e in _events(client.get(url, headers=ZH).content) if e["summary"].startswith(booking)]
    assert zh["description"].split("\n") == [
        "服务项目：首保",
        "作业：首保",
        f"车辆：沪A·12345 · Hyundai Tucson · {HOSTILE}",
        f"承诺交车：{pickup}",
        f"技师：{person.name_i18n['zh-CN']}",
    ], zh
    for got in (client.get(url), client.get(url, params={"lang": "en"}, headers=ZH)):
        [en] = [e for e in _events(got.content) if e["summary"].startswith(booking)]
        assert en["description"].split("\n") == [
            "Service: First free service",
            "Operation: first service",
            f"Vehicle: 沪A·12345 · Hyundai Tucson · {HOSTILE}",
            f"Promised pickup: {pickup}",
            f"Technician: {person.name}",
        ], en


def test_a_hostile_text_is_escaped_in_the_feed_and_a_line_break_refused_at_the_door(
    booked: tuple[TestClient, str, str],
) -> None:
    client, _, tech = booked
    raw = client.get(f"{W}/technicians/{tech}/day/{DATE}.ics").content.decode()
    unfolded = raw.replace("\r\n ", "")  # RFC 5545 3.1: a long line folded
    [line] = [x for x in unfolded.split("\r\n") if x.startswith("DESCRIPTION:") and "Tucson" in x]
    assert 'Tucson\\, blue\\; "fleet" \\\\ DESCRIPTION:x' in line, line
    assert "\\nPromised pickup: " in line  # the lines of the description: one property line
    assert not any(x.startswith("DESCRIPTION:x") for x in unfolded.split("\r\n"))
    assert "Ann" not in unfolded  # no customer's name in a feed
    for broken in ("two\nlines", "a\rb"):
        slots = client.get(f"{W}/slots", params={"service": "FIRST", "date": DATE}).json()["slots"]
        body = {"service": "FIRST", "drop_off": slots[0]["drop_off"], "vehicle": broken}
        refused = client.post(f"{W}/bookings", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "vehicle"]
    assert len(client.get(f"{W}/bookings", params={"date": DATE}).json()) == 1  # nothing stored


def test_a_repair_carried_over_names_its_work_and_its_drop_off(client: TestClient) -> None:
    """Wednesday's paint of Tuesday's repair: SUMMARY named "BK-… · 事故车维修: 喷漆" (was "BK-…"),
    carried in from Tuesday; DESCRIPTION with its drop-off and its promise on that day."""
    ws = multi_day_workshop()
    repair = ws.services[-1]
    chinese = ["拆解钣金", "钣金填补", "喷漆", "装复"]
    ops = [
        op.model_copy(update={"name_i18n": {"zh-CN": zh}})
        for op, zh in zip(repair.operations, chinese, strict=True)
    ]
    repair = repair.model_copy(update={"name_i18n": {"zh-CN": "事故车维修（多日）"}, "operations": ops})
    put_workshop(client, ws.model_copy(update={"services": [*ws.services[:-1], repair]}))
    bookings = f"/v1/workshops/{WORKSHOP_ID}/bookings"
    body = {"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00", "plate": "SH-R 808"}
    rid = client.post(bookings, json=body).json()["id"]
    wed = "2026-11-25"
    assert DATE == "2026-11-24"
    plan = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": wed, "time_limit_seconds": 2})
    assert plan.status_code == 200, plan.text
    url = f"/v1/workshops/{WORKSHOP_ID}/technicians/zhou/day/{wed}.ics"
    [zh] = _events(client.get(url, headers=ZH).content)
    assert zh["summary"] == f"{rid} · 事故车维修（多日）: 喷漆（11月24日 周二 送修，跨日转入）", zh
    lines = zh["description"].split("\n")
    assert lines[:3] == ["服务项目：事故车维修（多日）", "作业：喷漆", "车辆：SH-R 808"], lines
    assert lines[3].startswith("承诺交车：") and lines[-1] == "送车：11月24日 周二 08:00", lines
    [en] = _events(client.get(url).content)
    assert en["summary"] == f"{rid} · Accident repair (multi-day): paint (carried in from 2026-11-24)", en
    assert en["description"].split("\n")[-1] == "Drop-off: 2026-11-24 08:00"
