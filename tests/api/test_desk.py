"""The booking desk and the plan page in a foreman's words: plates, customers and phones where
they are needed (and only there), the plan's quality in words, moves and cancels from the desk."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api import gantt
from api.app import create_app
from api.pages import zone_offsets
from scheduler.contract import Booking
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import DATE, fixed_clock, tiny_workshop

# The booking desk's fields and pages: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

W = "/v1/workshops/tiny"
PAGE = f"/workshops/tiny/plan/{DATE}"
PHONE = "13800138000"
FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}


def _book(client: TestClient, hhmm: str, **extra: object) -> dict[str, object]:
    made = client.post(
        f"{W}/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T{hhmm}:00+08:00", **extra}
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def _planned_day(client: TestClient) -> tuple[dict[str, object], dict[str, object]]:
    assert client.put(W, json=tiny_workshop("17:00", "17:00").model_dump(mode="json")).status_code == 200
    person = {"customer": "Wang Fang", "phone": PHONE, "plate": "粤A12345", "model": "Hyundai Tucson"}
    first = _book(client, "08:00", waiter=True, **person)
    second = _book(client, "08:00")
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code == 200
    return first, second


def test_a_booking_keeps_its_plate_phone_and_model_and_they_can_change(client: TestClient) -> None:
    assert client.put(W, json=tiny_workshop().model_dump(mode="json")).status_code == 200
    made = _book(client, "08:00", customer="Wang Fang", phone=PHONE, plate="粤A12345", model="Hyundai Tucson")
    assert (made["customer"], made["phone"], made["plate"], made["model"]) == (
        "Wang Fang", PHONE, "粤A12345", "Hyundai Tucson"
    )  # fmt: skip
    changed = client.patch(f"{W}/bookings/{made['id']}", json={"plate": "粤B54321"})
    assert changed.status_code == 200 and changed.json()["plate"] == "粤B54321"
    assert changed.json()["phone"] == PHONE  # what was not sent stays
    too_long = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00",
                                                  "plate": "X" * 21})  # fmt: skip
    assert too_long.status_code == 422 and "plate" in too_long.text
    # Older clients without the new fields are served as before.
    assert (
        Booking.model_validate({"id": "B", "service": "S", "drop_off": f"{DATE}T08:00:00+08:00"}).plate
        is None
    )


def test_the_plan_page_shows_plates_on_bars_and_people_in_the_details(client: TestClient) -> None:
    _, second = _planned_day(client)
    page = client.get(PAGE).text
    bars = re.findall(r'<g class="bar"[^>]*aria-label="([^"]*)"', page)
    labels = re.findall(r'<text x="3" y="17"[^>]*>([^<]*)</text>', page)
    assert any(label.startswith("粤A12345 · ") for label in labels), labels
    assert any(label.startswith(f"{str(second['id'])[-6:]} · ") for label in labels), labels  # the id
    mine = next(b for b in bars if "粤A12345" in b)
    for part in ("Hyundai Tucson", "Wang Fang", "MAINT", "promised ", PHONE, "waiter"):
        assert part in mine, (part, mine)
    theirs = next(b for b in bars if str(second["id"]) in b)
    assert "promised" in theirs and "waiter" not in theirs


def test_the_plan_header_says_placed_late_and_how_close_in_words(client: TestClient) -> None:
    _planned_day(client)
    page = client.get(PAGE).text
    quality = re.search(r'<p class="quality" id="quality"><strong>([^<]*)</strong>', page)
    assert quality is not None
    assert re.match(r"(all 2 placed|placed \d of 2)", quality.group(1)), quality.group(1)
    assert "late" in quality.group(1)
    assert "objective" not in page  # the objective stays in the JSON
    assert "objective" in client.get(f"{W}/plans/{DATE}").json()
    chinese = client.get(PAGE, headers={"Accept-Language": "zh-CN"}).text
    assert "objective" not in chinese and ("全部排入" in chinese or "已排入" in chinese)


def test_the_desk_takes_the_vehicle_and_can_search_move_and_cancel(client: TestClient) -> None:
    assert client.put(W, json=tiny_workshop().model_dump(mode="json")).status_code == 200
    page = client.get("/workshops/tiny/book").text
    for field in ('id="customer"', 'id="phone" name="phone" type="tel"', 'id="plate"', 'id="model"',
                  'id="find-plate" type="search"'):  # fmt: skip
        assert field in page, field
    for key in ("cancel_booking", "confirm_cancel", "move", "moved", "cancelled"):
        assert f'"{key}":' in page, key  # the desk script's texts
    script = client.get("/static/app.js").text
    assert '"DELETE"' in script and '"PATCH"' in script and "find-plate" in script
    # The calls the page's buttons make.
    made = _book(client, "09:00", plate="粤A12345")
    moved = client.patch(f"{W}/bookings/{made['id']}", json={"drop_off": f"{DATE}T08:00:00+08:00"})
    assert moved.status_code == 200 and moved.json()["drop_off"].startswith(f"{DATE}T08:00")
    assert client.delete(f"{W}/bookings/{made['id']}").status_code == 204
    assert client.get(f"{W}/bookings", params={"date": DATE}).json() == []


@pytest.mark.both_backends  # the driver's own messages differ by backend
def test_personal_data_are_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _planned_day(client)
        client.get(PAGE)
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    for secret in (PHONE, "Wang Fang", "粤A12345"):
        assert secret not in logged


def test_a_manager_sees_no_phone_a_foreman_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roles.db'}"
    client = TestClient(create_app(url, auth=True, clock=fixed_clock()))
    keys = KeyStore(Store(url))
    tokens = {role: keys.create(role, ["tiny"])[0] for role in ("booking", "foreman", "manager", "admin")}
    client.headers["X-API-Key"] = tokens["admin"]
    _planned_day(client)
    del client.headers["X-API-Key"]

    def page_as(role: str) -> str:
        client.cookies.clear()
        signed = client.post(
            "/login", content=f"key={tokens[role]}&next=/", headers=FORM, follow_redirects=False
        )
        assert signed.status_code == 303
        return client.get(PAGE).text

    foreman, manager = page_as("foreman"), page_as("manager")
    assert PHONE in foreman and "粤A12345" in foreman
    assert PHONE not in manager and "粤A12345" in manager and "Wang Fang" in manager


def test_bar_text_falls_back_to_the_booking_id_and_dates_a_promise_on_another_day() -> None:
    from tests.builders import assignment, at

    ws = tiny_workshop()
    a = assignment("BK-0042", 0, "G1", "t", "08:00", "09:00")
    label, details = gantt.bar_text(a, None, "MAINT", ws)
    assert label.startswith("K-0042 · ") and "promised" not in details and "BK-0042" in details
    import datetime as dt

    later = Booking(id="BK-0042", service="MAINT", drop_off=at("08:00"),
                    promised=at("16:00", dt.date(2026, 11, 25)), phone=PHONE)  # fmt: skip
    _, details = gantt.bar_text(a, later, "MAINT", ws)
    assert "promised Wed 25 Nov 16:00" in details and PHONE not in details
    assert PHONE in gantt.bar_text(a, later, "MAINT", ws, show_phone=True)[1]


def _parts_workshop(timezone: str = "Asia/Shanghai") -> dict[str, object]:
    """tiny with PARTS: a 30-minute check, then a 60-minute fitting that waits for ordered parts."""
    data = tiny_workshop().model_dump(mode="json")
    check = {"name": "check", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}
    data["services"].append({"code": "PARTS", "name": "Parts", "operations": [
        check, {**check, "name": "fit", "minutes": 60, "needs_parts": True}]})  # fmt: skip
    data["timezone"] = timezone
    return data


@pytest.mark.both_backends  # its clock events read back as stored (aware or not by backend)
def test_the_desk_has_a_parts_field_for_services_that_wait_for_parts(client: TestClient) -> None:
    """A workshop with a service whose operations need parts: the desk page has a "Parts arrive"
    date and time (hidden until such a service is chosen: its option is marked), a column for it
    in the day's bookings, and the workshop zone's offsets to turn the local time into an aware one
    (api.pages.zone_offsets). A workshop without one has none of it. Fails before (deskparts-s24)."""
    assert client.put(W, json=tiny_workshop().model_dump(mode="json")).status_code == 200
    plain = client.get("/workshops/tiny/book").text
    assert 'id="parts-eta"' not in plain and 'id="workshop-zone"' not in plain
    assert ">Parts arrive<" not in plain  # no column
    assert client.put(W, json=_parts_workshop("Europe/Berlin")).status_code == 200
    page = client.get("/workshops/tiny/book").text
    assert 'id="parts-eta"' in page and 'id="parts-date"' in page and 'id="parts-time"' in page
    assert '<option value="PARTS" data-parts="yes">' in page and '<option value="MAINT">' in page
    assert '<th scope="col">Parts arrive</th>' in page and "(Europe/Berlin)" in page
    block = re.search(r'<script type="application/json" id="workshop-zone">(.*?)</script>', page, re.S)
    assert block is not None
    zone = json.loads(block.group(1))
    assert zone["zone"] == "Europe/Berlin" and zone["offsets"][0][1] == 60  # 1 January 2025: winter
    assert [m for _, m in zone["offsets"]] == [60, 120] * 4 + [60]  # 2025-2028: four summers
    assert '"parts_eta_invalid":' in page
    zh = client.get("/workshops/tiny/book", headers={"accept-language": "zh-CN"}).text
    assert "配件到货" in zh and "Parts arrive" not in zh


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                      "Pacific/Chatham", "Asia/Shanghai", "America/Sao_Paulo"])  # fmt: skip
def test_zone_offsets_are_the_offsets_zoneinfo_has_at_every_moment(timezone: str) -> None:
    """The desk page's zone offsets (api.pages.zone_offsets): at each transition and a minute
    before it, and at every six hours of the four years covered, the offset in force is zoneinfo's
    (half-hour and 45-minute offsets, a half-hour DST shift, a zone with no DST)."""
    zone = ZoneInfo(timezone)
    table = zone_offsets(timezone, 2026)
    offsets, until = table["offsets"], table["until"]
    assert isinstance(offsets, list) and isinstance(until, int)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def listed(ms: int) -> int:
        return [m for start, m in offsets if start <= ms][-1]

    def actual(ms: int) -> int:
        moment = epoch + dt.timedelta(milliseconds=ms)
        return int((moment.astimezone(zone).utcoffset() or dt.timedelta()).total_seconds() // 60)

    assert offsets[0][0] == int((dt.datetime(2025, 1, 1, tzinfo=dt.UTC) - epoch).total_seconds() * 1000)
    assert until == int((dt.datetime(2029, 1, 1, tzinfo=dt.UTC) - epoch).total_seconds() * 1000)
    moments = [ms for start, _ in offsets[1:] for ms in (start, start - 60_000)]
    moments += list(range(offsets[0][0], until, 6 * 3_600_000))
    assert all(listed(ms) == actual(ms) for ms in moments)
    changes = {"Asia/Shanghai": 0, "America/Sao_Paulo": 0}.get(timezone, 8)
    assert len(offsets) == 1 + changes
