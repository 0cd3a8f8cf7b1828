"""The cars handed back on a day that were dropped off on an earlier one (pickday-s25), where the
foreman reads the day: the bay plan page lists them apart ("Pickups from earlier days": plate,
service, customer, dated drop-off, promised pickup, the loan car to take back), and the day's
bookings CSV with `pickups=true` adds them as rows, the kind of each in a last column. The job
cards, the technicians' printouts, leave them out: they have no work that day."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import warnings
from html.parser import HTMLParser

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Plan
from scheduler.exchange import EXPORT_COLUMNS
from scheduler.validator import assert_valid
from tests.api.test_pickup import _promise_as_stored_before
from tests.builders import DATE, DAY, WORKSHOP_ID, multi_day_workshop, overtime_tiny_workshop, put_workshop

# The day's pickups on its pages and CSV: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

pypdf = pytest.importorskip("pypdf")

WED = (DAY + dt.timedelta(days=1)).isoformat()
THU = (DAY + dt.timedelta(days=2)).isoformat()
PLATE = "<b>L1</b>"  # markup if the page ever left a plate unescaped
ZH = {"Accept-Language": "zh-CN"}


def _at(date: str, hhmm: str) -> str:
    return f"{date}T{hhmm}:00+08:00"


class _Table(HTMLParser):
    """The header and body cells' text of the table with id `table_id`."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.cell = table_id, False, None
        self.head: list[str] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell, self.text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell:
            text = " ".join("".join(self.text).split())
            (self.head if self.cell == "th" else self.rows[-1]).append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell:
            self.text.append(data)


def _table(page: str, table_id: str) -> tuple[list[str], list[list[str]]]:
    parser = _Table(table_id)
    parser.feed(page)
    return parser.head, [r for r in parser.rows if r]


def _booked(client: TestClient, workshop: str, **body: object) -> dict[str, object]:
    made = client.post(f"/v1/workshops/{workshop}/bookings", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def _valid_plan(client: TestClient, workshop: str, date: str) -> Plan:
    made = client.post(f"/v1/workshops/{workshop}/plans", json={"date": date, "time_limit_seconds": 2})
    assert made.status_code == 200, made.text
    plan = Plan.model_validate(made.json())
    service = client.app.state.services.service  # type: ignore[attr-defined]
    request, _, _ = service.plan_inputs(workshop, dt.date.fromisoformat(date), 1.0)
    assert_valid(request, plan)
    return plan


def _tuesday_long_and_wednesday_maint(client: TestClient) -> tuple[dict[str, object], dict[str, object]]:
    """LONG dropped off Tuesday 13:00 with the loan car (ready 18:00: promised Wednesday 08:00) and
    MAINT, Wednesday's own, at 09:00."""
    put_workshop(client, overtime_tiny_workshop())
    long = _booked(client, "tiny", service="LONG", drop_off=_at(DATE, "13:00"), plate=PLATE,
                   customer="王芳", model="Tucson", phone="+86 138 0000 0001", loan_car=True)  # fmt: skip
    assert long["promised"] == _at(WED, "08:00")
    maint = _booked(client, "tiny", service="MAINT", drop_off=_at(WED, "09:00"), plate="粤B00002")
    return long, maint


def test_the_plan_page_lists_the_cars_from_earlier_days_promised_for_pickup_that_day(
    client: TestClient,
) -> None:
    long, maint = _tuesday_long_and_wednesday_maint(client)
    plan = _valid_plan(client, "tiny", WED)
    assert {a.booking for a in plan.assignments} == {maint["id"]}  # no work for the car handed back
    assert long["id"] not in {u.booking for u in plan.unassigned}

    page = client.get(f"/workshops/tiny/plan/{WED}").text
    head, rows = _table(page, "pickups")
    assert head == ["Plate", "Service", "Customer", "Drop-off", "Promised pickup", "Loan car to return"]
    assert rows == [[PLATE, "LONG · Long", "王芳 · Tucson", f"{DATE} 13:00", "08:00", "yes"]]
    assert html.escape(PLATE) in page and PLATE not in page  # the plate as text, never as markup
    assert "+86 138" not in page.split('id="pickups"')[1]  # no phone in the foreman's list
    assert 'href="#pickups-h"' in page and "1 car from an earlier day to hand back." in page
    assert f'href="/v1/workshops/tiny/bookings.csv?date={WED}&amp;pickups=true"' in page
    zh_head, zh_rows = _table(client.get(f"/workshops/tiny/plan/{WED}", headers=ZH).text, "pickups")
    assert zh_head == ["车牌", "服务项目", "客户", "送车", "承诺交车", "待还代步车"]
    assert zh_rows == [[PLATE, "LONG · Long", "王芳 · Tucson", "11月24日 周二 13:00", "08:00", "是"]]

    # Tuesday: the car is dropped off (the day's own booking), not handed back; no plan needed.
    tuesday = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert 'id="pickups"' not in tuesday and 'href="#pickups-h"' not in tuesday
    assert _table(client.get(f"/workshops/tiny/plan/{THU}").text, "pickups") == ([], [])


def test_the_plan_page_lists_its_pickups_before_the_day_is_planned(client: TestClient) -> None:
    _tuesday_long_and_wednesday_maint(client)
    page = client.get(f"/workshops/tiny/plan/{WED}").text
    assert "Generate plan" in page  # no plan yet
    assert _table(page, "pickups")[1][0][0] == PLATE


def test_the_days_csv_with_pickups_adds_the_cars_from_earlier_days_with_their_listing(
    client: TestClient,
) -> None:
    long, maint = _tuesday_long_and_wednesday_maint(client)
    plain = client.get("/v1/workshops/tiny/bookings.csv", params={"date": WED})
    assert plain.status_code == 200
    assert list(csv.reader(io.StringIO(plain.text))) == [list(EXPORT_COLUMNS), _row_start(plain.text)]

    got = client.get("/v1/workshops/tiny/bookings.csv", params={"date": WED, "pickups": "true"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert list(rows[0]) == [*EXPORT_COLUMNS, "listing", "after_desk_hours"]  # as before, new ones last
    assert [(r["id"], r["listing"]) for r in rows] == [(maint["id"], "own"), (long["id"], "pickup_only")]
    assert rows[1]["promised"] == _at(WED, "08:00") and rows[1]["loan_car"] == "1"
    assert rows[1]["plate"] == PLATE and rows[1]["drop_off"] == _at(DATE, "13:00")
    # The plain columns of the day's own row are the plain export's.
    assert [rows[0][c] for c in EXPORT_COLUMNS] == _row_start(plain.text)

    bad = client.get("/v1/workshops/tiny/bookings.csv", params={"date": WED, "pickups": "maybe"})
    assert bad.status_code == 422 and "pickups" in bad.text


def _row_start(text: str) -> list[str]:
    return list(csv.reader(io.StringIO(text)))[1]


def test_the_days_csv_lists_a_multi_day_repair_carried_in_then_for_pickup(client: TestClient) -> None:
    """The repair works Tuesday and Wednesday (in overtime) and is promised Thursday 08:00:
    Wednesday's file lists it carried in, Thursday's for pickup only."""
    ws = multi_day_workshop()
    techs = [
        t.model_copy(update={"max_overtime_minutes": 120}) if t.id == "zhao" else t for t in ws.technicians
    ]
    put_workshop(client, ws.model_copy(update={"technicians": techs, "loan_cars": 1}))
    repair = _booked(client, WORKSHOP_ID, service="REPAIR", drop_off=_at(DATE, "08:00"),
                     parts_eta=_at(WED, "14:00"), plate="沪A·R1")  # fmt: skip
    assert repair["promised"] == _at(THU, "08:00")

    def listed(date: str) -> list[tuple[str, str]]:
        got = client.get(
            f"/v1/workshops/{WORKSHOP_ID}/bookings.csv", params={"date": date, "pickups": "true"}
        )
        assert got.status_code == 200, got.text
        return [(r["id"], r["listing"]) for r in csv.DictReader(io.StringIO(got.text))]

    assert listed(DATE) == [(repair["id"], "own")]
    assert listed(WED) == [(repair["id"], "carried_in")]
    assert listed(THU) == [(repair["id"], "pickup_only")]
    _valid_plan(client, WORKSHOP_ID, WED)
    thursday = client.get(f"/workshops/{WORKSHOP_ID}/plan/{THU}").text
    assert _table(thursday, "pickups")[1][0][:2] == ["沪A·R1", "REPAIR · " + ws.service("REPAIR").name]


def test_a_pickup_promised_after_the_desks_hours_is_marked_on_the_day_page_and_in_the_csv(
    client: TestClient,
) -> None:
    """followups-s25: a car from an earlier day promised when the desk does not hand cars back (an
    old promise, kept as told: capacity.after_desk_hours) reads "18:35 · ⚠ after desk hours" on the
    plan page as at the desk (zh 前台下班后), and the day's CSV with pickups says so in a last column
    `after_desk_hours` (true/false), after the columns as they were; the import still reads it."""
    long, maint = _tuesday_long_and_wednesday_maint(client)
    _promise_as_stored_before(client, str(long["id"]), _at(WED, "18:35"))
    _valid_plan(client, "tiny", WED)
    page = client.get(f"/workshops/tiny/plan/{WED}").text
    assert _table(page, "pickups")[1] == [
        [PLATE, "LONG · Long", "王芳 · Tucson", f"{DATE} 13:00", "18:35 · ⚠ after desk hours", "yes"]
    ]
    zh_rows = _table(client.get(f"/workshops/tiny/plan/{WED}", headers=ZH).text, "pickups")[1]
    assert zh_rows[0][4] == "18:35 · ⚠ 前台下班后"

    got = client.get("/v1/workshops/tiny/bookings.csv", params={"date": WED, "pickups": "true"})
    assert got.status_code == 200, got.text
    header, *rows = list(csv.reader(io.StringIO(got.text)))
    assert header == [*EXPORT_COLUMNS, "listing", "after_desk_hours"]
    assert [(r[0], r[-2], r[-1]) for r in rows] == [
        (maint["id"], "own", "false"),
        (long["id"], "pickup_only", "true"),
    ]
    assert rows[1][header.index("promised")] == _at(WED, "18:35")  # kept as told
    imported = client.post(
        "/v1/workshops/tiny/bookings/import", content=got.text, headers={"Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text  # the column read past, as id and promised
    assert [r["line"] for r in imported.json()["refused"]] == [3]  # the pickup, not booked again


def test_the_job_cards_leave_out_the_cars_handed_back(client: TestClient) -> None:
    """Decision (pickday-s25): a job card is the technicians' sheet for work on the day; a car
    handed back has none, so it gets no card (the day page and the CSV list it)."""
    long, maint = _tuesday_long_and_wednesday_maint(client)
    _valid_plan(client, "tiny", WED)
    cards = client.get(f"/workshops/tiny/plan/{WED}/cards.pdf")
    assert cards.status_code == 200
    text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(cards.content)).pages)
    assert str(maint["id"]) in text and str(long["id"]) not in text and "L1" not in text
