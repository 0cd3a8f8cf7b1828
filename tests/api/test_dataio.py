"""Data in and out over HTTP: the OpenAPI a client generator reads, plans as CSV, bookings imported
from CSV, a technician's day as iCalendar, and what operators see (metrics, request ids, logs)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from api.observability import configure_logging
from api.schemas import BookingIn
from scheduler.contract import Plan, PlanRequest, Workshop
from scheduler.exchange import read_booking_rows
from scheduler.keys import KeyStore
from scheduler.service import PlanningService
from scheduler.storage import Store
from tests.builders import DATE, fixed_clock, tiny_workshop

W = "/v1/workshops/tiny"
JSON = {"content-type": "application/json"}
CSV = {"content-type": "text/csv"}


pytestmark = pytest.mark.sqlite_only


def _tiny(client: TestClient) -> None:
    """The tiny workshop open and staffed until 18:00."""
    roomy = tiny_workshop().model_dump(mode="json")
    roomy["opening"]["end"] = roomy["technicians"][0]["shift"]["end"] = "18:00"
    assert client.put(W, json=roomy).status_code == 200


def _book(client: TestClient, hhmm: str, **extra: object) -> dict[str, object]:
    body = {"service": "MAINT", "drop_off": f"{DATE}T{hhmm}:00+08:00", **extra}
    made = client.post(f"{W}/bookings", json=body)
    assert made.status_code == 201, made.text
    found: dict[str, object] = made.json()
    return found


def _planned(client: TestClient) -> Plan:
    _tiny(client)
    _book(client, "08:00", customer="Ann Example")
    _book(client, "08:00")
    made = client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1})
    assert made.status_code == 200, made.text
    return Plan.model_validate(made.json())


def test_every_operation_has_a_short_unique_id_a_summary_and_a_description(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ids = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            op_id = operation.get("operationId", "")
            assert op_id and "_v1_" not in op_id and len(op_id) <= 30, (method, path, op_id)
            assert operation.get("summary") and operation.get("description"), (method, path)
            ids.append(op_id)
    assert len(ids) == len(set(ids)), "operation ids repeat"
    assert {"book_booking", "put_workshop", "get_plan", "plan_stateless", "list_slots"} <= set(ids)

    def example(path: str, method: str) -> object:
        return spec["paths"][path][method]["requestBody"]["content"]["application/json"]["example"]

    workshop = Workshop.model_validate(example("/v1/workshops/{workshop_id}", "put"))
    assert workshop.id == "small-dealer"
    BookingIn.model_validate(example("/v1/workshops/{workshop_id}/bookings", "post"))
    request = PlanRequest.model_validate(example("/v1/plan", "post"))
    assert request.workshop.id == "small-dealer" and request.bookings
    imported = spec["paths"]["/v1/workshops/{workshop_id}/bookings/import"]["post"]["requestBody"]
    assert imported["content"]["text/csv"]["example"].startswith("service,drop_off")


def test_the_example_workshop_and_booking_are_accepted_as_they_stand(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    put = spec["paths"]["/v1/workshops/{workshop_id}"]["put"]["requestBody"]["content"]["application/json"]
    assert client.put("/v1/workshops/small-dealer", json=put["example"]).status_code == 200
    post = spec["paths"]["/v1/workshops/{workshop_id}/bookings"]["post"]["requestBody"]["content"]
    booked = client.post("/v1/workshops/small-dealer/bookings", json=post["application/json"]["example"])
    assert booked.status_code == 201, booked.text


def test_a_stored_plan_exports_as_csv(client: TestClient) -> None:
    plan = _planned(client)
    got = client.get(f"{W}/plans/{DATE}.csv")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert list(rows[0]) == ["booking", "operation", "bay", "technician", "start", "end"]
    expected = {(a.booking, a.operation, a.bay, a.technician, a.start, a.end) for a in plan.assignments}
    assert len(rows) == len(plan.assignments) == 2
    found = {
        (r["booking"], int(r["operation"]), r["bay"], r["technician"],
         dt.datetime.fromisoformat(r["start"]), dt.datetime.fromisoformat(r["end"]))
        for r in rows
    }  # fmt: skip
    assert found == expected
    assert "Ann Example" not in got.text
    assert client.get(f"{W}/plans/2026-11-25.csv").status_code == 404  # no plan stored that day


def test_bookings_import_books_each_row_through_the_fit_check(client: TestClient) -> None:
    _tiny(client)
    text = (
        "service,drop_off,waiter,customer,idempotency_key\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,0,Ann,k1\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,maybe,Ben,k2\r\n"  # line 3: a bad cell
        f"NOPE,{DATE}T08:00:00+08:00,0,Cy,k3\r\n"  # line 4: an unknown service
        "\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,1,Di,k4\r\n"  # line 6: fits
        f"MAINT,{DATE}T17:30:00+08:00,0,Ed,k5\r\n"  # line 7: 60 minutes do not fit before 18:00
        f"MAINT,{DATE}T08:00:00,0,Flo,k6\r\n"  # line 8: no time zone
    )
    done = client.post(f"{W}/bookings/import", content=text, headers=CSV)
    assert done.status_code == 200, done.text
    answer = done.json()
    assert [r["line"] for r in answer["accepted"]] == [2, 6]
    assert [r["booking"]["customer"] for r in answer["accepted"]] == ["Ann", "Di"]
    assert answer["accepted"][1]["booking"]["waiter"] is True
    refused = {r["line"]: r["reason"] for r in answer["refused"]}
    assert set(refused) == {3, 4, 7, 8}
    assert refused[3].startswith("waiter")
    assert "NOPE" in refused[4] or "service" in refused[4]
    assert "fit" in refused[7]
    assert "drop_off" in refused[8]
    listed = client.get(f"{W}/bookings?date={DATE}").json()
    assert sorted(b["customer"] for b in listed) == ["Ann", "Di"]  # refused rows left nothing
    again = client.post(f"{W}/bookings/import", content=text, headers=CSV).json()
    assert [(r["line"], r["replay"]) for r in again["accepted"]] == [(2, True), (6, True)]
    assert len(client.get(f"{W}/bookings?date={DATE}").json()) == 2


def test_an_import_refuses_an_idempotency_key_the_header_would_refuse(client: TestClient) -> None:
    """The idempotency_key column is held to the Idempotency-Key header's rule (at most 200
    characters; and no NUL, which PostgreSQL does not store): a longer key was stored on SQLite and
    a 500 on PostgreSQL, whose column holds 200."""
    _tiny(client)
    text = (
        "service,drop_off,idempotency_key\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,{'k' * 201}\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,a\x00b\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,{'k' * 200}\r\n"
    )
    answer = client.post(f"{W}/bookings/import", content=text.encode(), headers=CSV).json()
    assert [r["line"] for r in answer["accepted"]] == [4]
    refused = {r["line"]: r["reason"] for r in answer["refused"]}
    assert set(refused) == {2, 3} and all(reason.startswith("idempotency_key") for reason in refused.values())
    assert refused[2] == "idempotency_key: at most 200 characters, got 201"
    zh = client.post(
        f"{W}/bookings/import", content=text.encode(), headers={**CSV, "Accept-Language": "zh-CN"}
    ).json()
    in_zh = {r["line"]: r["reason"] for r in zh["refused"]}
    assert in_zh[2] == "idempotency_key: 最多 200 个字符，实际 201 个"


@pytest.mark.parametrize("character", ["\x01", "\t", "\x7f", "\x85"])
def test_an_import_refuses_an_idempotency_key_with_a_control_character(
    client: TestClient, character: str
) -> None:
    """The idempotency_key column follows the rule of every text from outside (NO_CONTROL): it
    refused only NUL, and a key with a tab or a C1 control was stored and shown back. The row is
    refused in the reader's language, naming the character; the other rows are booked."""
    _tiny(client)
    text = (
        "service,drop_off,idempotency_key\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,ab{character}c\r\n"
        f"MAINT,{DATE}T08:00:00+08:00,abc\r\n"
    )
    answer = client.post(f"{W}/bookings/import", content=text.encode(), headers=CSV).json()
    assert [r["line"] for r in answer["accepted"]] == [3]
    code = f"U+{ord(character):04X}"
    assert answer["refused"] == [{"line": 2, "reason": "idempotency_key: must not contain a control character"
                                  f" (tab, line break), got {code} at character 3"}]  # fmt: skip
    zh = client.post(
        f"{W}/bookings/import", content=text.encode(), headers={**CSV, "Accept-Language": "zh-CN"}
    ).json()
    reason = f"idempotency_key: 不得包含控制字符（制表符、换行符也不行），第 3 个字符是 {code}"
    assert zh["refused"][0]["reason"] == reason
    assert len(client.get(f"{W}/bookings?date={DATE}").json()) == 1


@pytest.mark.parametrize(
    ("text", "field"),
    [("service,drop_off,colour\r\n", "header.colour"), ("service,waiter\r\n", "header.drop_off"),
     ("", "body"), ("service,drop_off\r\n" + "MAINT,x\r\n" * 2001, "body")],
)  # fmt: skip
def test_a_bad_import_file_is_refused_whole_naming_the_field(
    client: TestClient, text: str, field: str
) -> None:
    _tiny(client)
    refused = client.post(f"{W}/bookings/import", content=text, headers=CSV)
    assert refused.status_code == 422, refused.text
    assert (
        ".".join(str(p) for p in refused.json()["detail"][0]["loc"]).endswith(field) or field in refused.text
    )
    assert client.get(f"{W}/bookings?date={DATE}").json() == []
    missing = client.post(
        "/v1/workshops/nowhere/bookings/import", content="service,drop_off\r\n", headers=CSV
    )
    assert missing.status_code == 404


def test_each_technician_has_his_day_as_icalendar(client: TestClient) -> None:
    plan = _planned(client)
    got = client.get(f"{W}/technicians/t/day/{DATE}.ics")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(got.content)
    events = calendar.walk("VEVENT")
    assert len(events) == len([a for a in plan.assignments if a.technician == "t"]) == 2
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts == sorted(a.start for a in plan.assignments)
    assert all("Maintenance: work" in str(e["summary"]) and str(e["location"]) == "bay G1" for e in events)
    assert "Ann Example" not in got.text  # no customer data in a feed
    assert client.get(f"{W}/technicians/nobody/day/{DATE}.ics").status_code == 404
    assert client.get(f"{W}/technicians/t/day/2026-11-25.ics").status_code == 404
    # in the reader's language: the bay as the Chinese pages say it (walk-s14 #24: "LOCATION:bay E01")
    chinese = client.get(f"{W}/technicians/t/day/{DATE}.ics", headers={"Accept-Language": "zh-CN"})
    assert {str(e["location"]) for e in Calendar.from_ical(chinese.content).walk("VEVENT")} == {"工位 G1"}


def test_a_calendar_name_with_a_line_break_stays_one_line_of_the_feed(
    client: TestClient, db_url: str
) -> None:
    """The feed's name is the technician's and the workshop's (texts from outside): a line feed in
    one was a 500 (icalendar refuses an unescaped new line), a bare CR went into the feed raw, where
    a reader that breaks lines at a CR reads a line of the sender's choosing. Such names are refused
    since (hygiene-s28: no control character in a name); one stored before still reads as one line."""
    plan = _planned(client)
    stored = Workshop.model_validate(client.get(W).json())
    named = stored.model_copy(update={"name": "Tiny\rBEGIN:VEVENT", "technicians": [
        x.model_copy(update={"name": "Li\nUID:evil"}) if x.id == "t" else x for x in stored.technicians
    ]})  # fmt: skip
    put = client.put(W, content=named.model_dump_json(), headers={"content-type": "application/json"})
    assert put.status_code == 422 and put.json()["detail"][0]["loc"] == ["body", "name"], put.text
    service = PlanningService(Store(db_url), refine_in_background=False, clock=fixed_clock())
    try:
        service.put_workshop(named)  # as stored before the rule
    finally:
        service.close()
    got = client.get(f"{W}/technicians/t/day/{DATE}.ics")
    assert got.status_code == 200, got.text
    assert "\r" not in got.text.replace("\r\n", "") and "\n" not in got.text.replace("\r\n", "")
    assert not any(line.startswith(("UID:evil", "BEGIN:VEVENT ")) for line in got.text.split("\r\n"))
    calendar = Calendar.from_ical(got.content)
    assert str(calendar["x-wr-calname"]) == f"Li\\nUID:evil · Tiny\\nBEGIN:VEVENT · {DATE}"  # escaped
    assert len(calendar.walk("VEVENT")) == len([a for a in plan.assignments if a.technician == "t"])


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in the metrics")


def test_metrics_count_requests_by_route_cache_hits_solver_time_and_queued_jobs(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    other = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))  # a second app: no clash
    _planned(client)
    for _ in range(2):
        assert client.get(f"{W}/slots?service=MAINT&date=2026-11-25").status_code == 200
    text = client.get("/metrics").text
    slots = "/v1/workshops/{workshop_id}/slots"
    assert _metric(text, "bayplan_http_request_duration_seconds_count", route=slots, status="200") == 2
    assert _metric(text, "bayplan_slot_cache_total", result="hit") >= 1
    assert _metric(text, "bayplan_solver_seconds_count") == 1
    assert _metric(text, "bayplan_job_run_seconds_count", kind="plan", status="done") == 1
    assert _metric(text, "bayplan_jobs_queued") == 0
    assert "/v1/workshops/tiny" not in text  # route templates, never raw paths
    assert "bayplan_solver_seconds_count 0.0" in other.get("/metrics").text


def test_made_up_methods_share_one_metrics_label(db_url: str) -> None:
    """The request metric labels the HTTP methods there are; any other method a client makes up
    (each one a new series of 18 lines, kept for the life of the process) is one `other`."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    for i in range(20):
        assert client.request(f"X{i:03d}", "/health").status_code == 405
    text = client.get("/metrics").text
    assert 'method="X0' not in text
    assert _metric(text, "bayplan_http_request_duration_seconds_count", method="other", status="405") == 20


def test_metrics_need_an_admin_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    client = TestClient(create_app(url, auth=True, clock=fixed_clock()))
    keys = KeyStore(Store(url))
    assert client.get("/metrics").status_code == 401
    assert (
        client.get("/metrics", headers={"X-API-Key": keys.create("manager", ["tiny"])[0]}).status_code == 403
    )
    admin = client.get("/metrics", headers={"X-API-Key": keys.create("admin", ["*"])[0]})
    assert admin.status_code == 200 and admin.headers["content-type"].startswith("text/plain")


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("json", stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_carry_the_request_id_and_no_personal_data(
    client: TestClient, json_logs: io.StringIO
) -> None:
    _tiny(client)
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "customer": "Ann Example",
            "vehicle": "粤A-SECRET"}  # fmt: skip
    made = client.post(f"{W}/bookings", json=body, headers={"X-Request-ID": "desk-42"})
    assert made.status_code == 201 and made.headers["X-Request-ID"] == "desk-42"
    fresh = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"}).headers["X-Request-ID"]
    assert fresh != "bad id\twith spaces" and len(fresh) == 32
    client.get(f"{W}/bookings?date={DATE}&customer=Ann%20Example")
    every = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    lines = [line for line in every if not line["logger"].startswith("httpx")]  # the test's client
    assert lines and all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    booked = [line for line in lines if line.get("route") == "/v1/workshops/{workshop_id}/bookings"]
    assert booked[0]["request_id"] == "desk-42" and booked[0]["status"] == 201
    text = json.dumps(lines, ensure_ascii=False)
    assert "Ann" not in text and "SECRET" not in text and "tiny" not in text


def test_import_line_numbers_follow_the_file_when_a_cell_spans_lines() -> None:
    rows = read_booking_rows('service,drop_off,customer\r\nMAINT,x,"two\r\nlines"\r\n\r\nLUBE,y,z\r\n')
    assert [(r.line, r.fields) for r in rows] == [
        (2, {"service": "MAINT", "drop_off": "x", "customer": "two\r\nlines"}),
        (5, {"service": "LUBE", "drop_off": "y", "customer": "z"}),
    ]
