"""A day's bookings out as CSV and back in: plate, phone, model and customer travel with them, and a
manager's export has no phones."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.exchange import EXPORT_COLUMNS
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import DATE, fixed_clock, tiny_workshop

# The bookings CSV over HTTP: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

W = "/v1/workshops/tiny"
PHONE = "13800138000"
PERSON = {"customer": "Wang Fang", "phone": PHONE, "plate": "粤A12345", "model": "Hyundai Tucson"}


def _day_workshop(workshop_id: str = "tiny") -> dict[str, object]:
    return {**tiny_workshop("17:00", "17:00").model_dump(mode="json"), "id": workshop_id}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_bookings_go_out_as_csv_and_come_back_in_with_plate_phone_model_and_customer(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    for ws in ("tiny", "other"):
        assert client.put(f"/v1/workshops/{ws}", json=_day_workshop(ws)).status_code == 200
    made = client.post(
        f"{W}/bookings",
        json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "waiter": True, **PERSON},
    )
    assert made.status_code == 201, made.text
    plain = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert plain.status_code == 201, plain.text

    exported = client.get(f"{W}/bookings.csv", params={"date": DATE})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = _rows(exported.text)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    first = next(r for r in rows if r["id"] == made.json()["id"])
    assert {k: first[k] for k in PERSON} == PERSON and first["waiter"] == "1"
    assert first["promised"] == made.json()["promised"]

    # The same file, as it is, imported into another workshop: the same people and cars, new ids.
    imported = client.post(
        "/v1/workshops/other/bookings/import", content=exported.text, headers={"content-type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["refused"] == [] and len(imported.json()["accepted"]) == 2
    again = _rows(client.get("/v1/workshops/other/bookings.csv", params={"date": DATE}).text)
    strip = ("id", "promised")
    assert sorted(tuple(v for k, v in r.items() if k not in strip) for r in again) == sorted(
        tuple(v for k, v in r.items() if k not in strip) for r in rows
    )
    assert {r["id"] for r in again}.isdisjoint({r["id"] for r in rows})


def test_a_manager_exports_no_phones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roles.db'}"
    client = TestClient(create_app(url, auth=True, clock=fixed_clock()))
    keys = KeyStore(Store(url))
    tokens = {role: keys.create(role, ["tiny"])[0] for role in ("booking", "foreman", "manager", "admin")}
    admin = {"X-API-Key": tokens["admin"]}
    assert client.put(W, json=_day_workshop(), headers=admin).status_code == 200
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", **PERSON}
    assert client.post(f"{W}/bookings", json=body, headers=admin).status_code == 201

    def export_as(role: str) -> str:
        answer = client.get(f"{W}/bookings.csv", params={"date": DATE}, headers={"X-API-Key": tokens[role]})
        assert answer.status_code == 200, answer.text
        return answer.text

    for role in ("booking", "foreman"):
        assert PHONE in export_as(role) and "phone" in _rows(export_as(role))[0]
    manager = export_as("manager")
    assert PHONE not in manager and "phone" not in _rows(manager)[0]
    assert _rows(manager)[0]["plate"] == "粤A12345" and _rows(manager)[0]["customer"] == "Wang Fang"


def test_texts_that_a_spreadsheet_would_run_go_out_quoted_and_come_back_as_they_were(
    sqlite_url: str,
) -> None:
    """A customer's or car's text beginning with = + - @ (a formula to a spreadsheet opening the
    export: =HYPERLINK(...) sends the reader elsewhere) goes out behind a ' (shown as text); the
    file imports again as it is, the texts as they were booked."""
    client = TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock()))
    for ws in ("tiny", "other"):
        assert client.put(f"/v1/workshops/{ws}", json=_day_workshop(ws)).status_code == 200
    person = {"customer": '=HYPERLINK("http://evil.example","Wang")', "phone": "+86 138 0013 8000",
              "model": "@SUM(A1:A9)", "vehicle": "-1+1", "plate": "'=A1"}  # fmt: skip
    made = client.post(
        f"{W}/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", **person}
    )
    assert made.status_code == 201, made.text
    exported = client.get(f"{W}/bookings.csv", params={"date": DATE}).text
    row = _rows(exported)[0]
    assert {k: row[k] for k in person} == {k: "'" + v for k, v in person.items()}
    imported = client.post(
        "/v1/workshops/other/bookings/import", content=exported, headers={"content-type": "text/csv"}
    )
    assert imported.status_code == 200 and imported.json()["refused"] == [], imported.text
    again = imported.json()["accepted"][0]["booking"]
    assert {k: again[k] for k in person} == person


def test_an_import_says_why_a_row_does_not_fit(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    assert client.put(W, json=_day_workshop()).status_code == 200
    late = f"service,drop_off\nMAINT,{DATE}T16:30:00+08:00\n"
    imported = client.post(f"{W}/bookings/import", content=late, headers={"content-type": "text/csv"})
    assert imported.status_code == 200 and imported.json()["accepted"] == [], imported.text
    explained = client.get(f"{W}/slots", params={"service": "MAINT", "date": DATE, "explain": "true"}).json()
    why = next(r["reason"] for r in explained["refused"] if r["drop_off"] == f"{DATE}T16:30:00+08:00")
    assert imported.json()["refused"] == [
        {"line": 2, "reason": f"the drop-off time no longer fits the day's plan: {why}"}
    ]


def test_an_import_takes_the_moment_it_is_made_as_now(db_url: str) -> None:
    """An import accepts `now` as POST /bookings does: its rows' past is judged against it (a day
    replayed), the server's clock otherwise."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))  # the day before DATE
    assert client.put(W, json=_day_workshop()).status_code == 200
    row = f"service,drop_off\nMAINT,{DATE}T08:00:00+08:00\n"
    csv_type = {"content-type": "text/csv"}
    late = client.post(
        f"{W}/bookings/import", params={"now": f"{DATE}T10:00:00+08:00"}, content=row, headers=csv_type
    )
    assert late.status_code == 200 and late.json()["accepted"] == [], late.text
    assert late.json()["refused"] == [{"line": 2, "reason": "drop_off: 08:00 is in the past (it is 10:00)"}]
    naive = client.post(
        f"{W}/bookings/import", params={"now": f"{DATE}T07:00:00"}, content=row, headers=csv_type
    )
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"][-1] == "now", naive.text
    made = client.post(f"{W}/bookings/import", content=row, headers=csv_type)
    assert made.status_code == 200 and made.json()["refused"] == [], made.text


def test_a_loan_car_and_a_parts_eta_go_out_and_come_back_in(db_url: str) -> None:
    """The export left out `loan_car` and `parts_eta` and the import knew neither column: a day
    exported and imported again came back without its loan cars (the day then lent more than the
    shop has) and without the parts' arrival (work planned before its parts)."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    for ws in ("tiny", "other"):
        put = client.put(f"/v1/workshops/{ws}", json={**_day_workshop(ws), "loan_cars": 1})
        assert put.status_code == 200, put.text
    eta = f"{DATE}T10:00:00+08:00"
    made = client.post(
        f"{W}/bookings",
        json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "loan_car": True, "parts_eta": eta},
    )
    assert made.status_code == 201, made.text
    exported = client.get(f"{W}/bookings.csv", params={"date": DATE}).text
    (row,) = _rows(exported)
    assert row["loan_car"] == "1" and row["parts_eta"] == eta
    imported = client.post(
        "/v1/workshops/other/bookings/import", content=exported, headers={"content-type": "text/csv"}
    )
    assert imported.status_code == 200 and imported.json()["refused"] == [], imported.text
    (again,) = client.get("/v1/workshops/other/bookings", params={"date": DATE}).json()
    assert again["loan_car"] is True and again["parts_eta"] == eta
    # The one loan car is out: a second loan-car booking that day is refused.
    second = "service,drop_off,loan_car\r\nMAINT,2026-11-24T08:00:00+08:00,yes\r\n"
    refused = client.post(
        "/v1/workshops/other/bookings/import", content=second, headers={"content-type": "text/csv"}
    ).json()["refused"]
    assert len(refused) == 1 and "loan car" in refused[0]["reason"]


def test_an_import_gives_its_reasons_in_the_request_language(db_url: str) -> None:
    """A Chinese desk reads why its rows were refused in Chinese, as its other errors are worded."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    assert client.put(W, json=_day_workshop()).status_code == 200
    rows = f"service,drop_off\nNOPE,{DATE}T09:00:00+08:00\nMAINT,{DATE}T16:30:00+08:00\n"
    headers = {"content-type": "text/csv", "accept-language": "zh-CN"}
    refused = client.post(f"{W}/bookings/import", content=rows, headers=headers).json()["refused"]
    assert [r["line"] for r in refused] == [2, 3]
    assert refused[0]["reason"].startswith("service: 未知的服务代码 'NOPE'"), refused[0]
    assert "当天" in refused[1]["reason"] and "the day's plan" not in refused[1]["reason"], refused[1]


def test_an_imports_refusals_read_whole_in_chinese(db_url: str) -> None:
    """A row that no longer fits read "该送车时间已经排不下当天的排程: …" (an English colon between
    two Chinese clauses), and a yes/no column's bad value stayed English."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    assert client.put(W, json=_day_workshop()).status_code == 200
    rows = f"service,drop_off,waiter\nMAINT,{DATE}T16:30:00+08:00,0\nMAINT,{DATE}T09:00:00+08:00,maybe\n"
    headers = {"content-type": "text/csv", "accept-language": "zh-CN"}
    refused = client.post(f"{W}/bookings/import", content=rows, headers=headers).json()["refused"]
    assert refused[0]["reason"].startswith("该送车时间已经排不下当天的排程：没有"), refused[0]
    assert refused[1]["reason"] == "waiter: 应为 1/0、true/false 或 yes/no，收到 'maybe'", refused[1]
