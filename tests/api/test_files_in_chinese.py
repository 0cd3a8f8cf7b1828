"""The files a person opens outside the pages name the workshop's things in his language (zh-s28):
the technician's iCalendar feed (calendar name, SUMMARY) and the plan and bookings CSV (added last
columns). Before: the feed said "First free service: first service · Zhang Wei" to a Chinese
technician, and the CSV carried ids and codes only. English files and the CSV's contract columns
are unchanged; `?lang=` says the language where a calendar app sends no cookie."""

from __future__ import annotations

import csv
import io
import warnings

import pytest
from icalendar import Calendar

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Workshop
from scheduler.exchange import EXPORT_COLUMNS, LISTING_COLUMN, PLAN_COLUMNS
from scheduler.scenarios import load_scenario
from tests.builders import DATE

pytestmark = pytest.mark.sqlite_only

W = "/v1/workshops/small-dealer"
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def planned(client: TestClient) -> tuple[TestClient, Workshop, str]:
    """small-dealer with a first free service and an inspection booked and planned; the technician
    who does the first service."""
    workshop = load_scenario("small-dealer").workshop
    assert (
        client.put(
            W, content=workshop.model_dump_json(), headers={"content-type": "application/json"}
        ).status_code
        == 200
    )
    for code in ("FIRST", "INSPECT"):
        slots = client.get(f"{W}/slots", params={"service": code, "date": DATE}).json()
        body = {"service": code, "drop_off": slots["slots"][0]["drop_off"], "customer": "=cmd|x"}
        assert client.post(f"{W}/bookings", json=body).status_code == 201
    made = client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert made.status_code == 200, made.text
    codes = {b["id"]: b["service"] for b in client.get(f"{W}/bookings", params={"date": DATE}).json()}
    tech = next(a["technician"] for a in made.json()["assignments"] if codes[a["booking"]] == "FIRST")
    return client, workshop, tech


def _events(text: bytes) -> tuple[str, list[str]]:
    calendar = Calendar.from_ical(text)
    return str(calendar["x-wr-calname"]), [str(e["summary"]) for e in calendar.walk("VEVENT")]


def test_the_feed_names_the_work_in_chinese_for_a_chinese_reader(
    planned: tuple[TestClient, Workshop, str],
) -> None:
    client, workshop, tech = planned
    person = next(t for t in workshop.technicians if t.id == tech)
    url = f"{W}/technicians/{tech}/day/{DATE}.ics"
    for got in (client.get(url, headers=ZH), client.get(url, params={"lang": "zh-CN"})):
        assert got.status_code == 200, got.text
        name, summaries = _events(got.content)
        assert name.startswith(f"{person.name_i18n['zh-CN']} · 小型4S店（日均进厂20台）")
        assert any(s.endswith(" · 首保: 首保") for s in summaries), summaries
        assert not any("First free service" in s or "first service" in s for s in summaries)
    # English, and ?lang=en over a Chinese Accept-Language: `name` as before
    for got in (client.get(url), client.get(url, params={"lang": "en"}, headers=ZH)):
        name, summaries = _events(got.content)
        assert name.startswith(f"{person.name} · Small dealer (20 vehicles a day)")
        assert any(s.endswith(" · First free service: first service") for s in summaries), summaries
    refused = client.get(url, params={"lang": "fr"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "lang"]


def test_the_plan_csv_adds_the_chinese_names_after_its_columns(
    planned: tuple[TestClient, Workshop, str],
) -> None:
    client, workshop, _ = planned
    english = client.get(f"{W}/plans/{DATE}.csv")
    chinese = client.get(f"{W}/plans/{DATE}.csv", headers=ZH)
    assert english.text.splitlines()[0] == ",".join(PLAN_COLUMNS)  # unchanged
    rows = list(csv.DictReader(io.StringIO(chinese.text)))
    assert list(rows[0]) == [*PLAN_COLUMNS, "service_name", "operation_name", "technician_name"]
    machine = [{c: r[c] for c in PLAN_COLUMNS} for r in rows]
    assert machine == list(csv.DictReader(io.StringIO(english.text)))  # the contract's columns as they are
    zh_people = {t.id: t.name_i18n["zh-CN"] for t in workshop.technicians}
    assert {(r["service_name"], r["operation_name"]) for r in rows} == {
        ("首保", "首保"),
        ("免费检测活动", "检测"),
    }
    assert all(r["technician_name"] == zh_people[r["technician"]] for r in rows)
    assert client.get(f"{W}/plans/{DATE}.csv", params={"lang": "en"}, headers=ZH).text == english.text


def test_the_bookings_csv_adds_the_service_name_and_imports_again(
    planned: tuple[TestClient, Workshop, str],
) -> None:
    client, _, _ = planned
    for pickups, last in ((False, []), (True, [LISTING_COLUMN, "after_desk_hours"])):
        params = {"date": DATE, "pickups": str(pickups).lower()}
        english = client.get(f"{W}/bookings.csv", params=params)
        chinese = client.get(f"{W}/bookings.csv", params=params, headers=ZH)
        assert english.text.splitlines()[0] == ",".join([*EXPORT_COLUMNS, *last])
        rows = list(csv.DictReader(io.StringIO(chinese.text)))
        assert list(rows[0]) == [*EXPORT_COLUMNS, *last, "service_name"]
        assert {(r["service"], r["service_name"]) for r in rows} == {
            ("FIRST", "首保"),
            ("INSPECT", "免费检测活动"),
        }
        assert all(r["customer"] == "'=cmd|x" for r in rows)  # the free text still behind a '
    # a Chinese export imports as an English one does: the name column read past
    text = client.get(f"{W}/bookings.csv", params={"date": DATE}, headers=ZH).text
    done = client.post(f"{W}/bookings/import", content=text, headers={"content-type": "text/csv"})
    assert done.status_code == 200, done.text
    assert not [r for r in done.json()["refused"] if "service_name" in r["reason"]]
