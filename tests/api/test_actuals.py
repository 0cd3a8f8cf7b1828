"""Reports from actuals and learned labour times over the API: clock events posted for a few
days, the productivity report (JSON and CSV), the suggestions, applying them as a new workshop
version (the old one still readable), and the live projection using the learned speed."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from tests.builders import CLOCK_NOW, DAY, at, book_waiter, clocked_history, fixed_clock, two_bay_workshop
from tests.builders import HISTORY_DAYS as DAYS
from tests.builders import clock_event as ev

W = "/v1/workshops/tiny"
LATER = DAY + dt.timedelta(days=3)


pytestmark = pytest.mark.sqlite_only


PROMISED: dict[str, dt.datetime] = {}
"""Each booking's promised pickup, as the booking service made it."""


def _unclocked_waiters(client: TestClient, days: list[dt.date] = DAYS) -> set[str]:
    """A waiter on each of `days` whose work nobody clocked, dropped off at 10:15: 60 standard
    minutes keep his promise, the 90 learned do not, on a day packed again too (the day closes at
    12:00). The clocked bookings of those days are what happened: never listed (issue 13 item 7)."""
    return {book_waiter(client, day, "10:15") for day in days}


def test_the_productivity_report_json_and_csv(client: TestClient) -> None:
    (a, a_end), (b, b_end), *_ = clocked_history(client, PROMISED)
    r = client.get(
        f"{W}/reports/productivity", params={"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
    )
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    t = next(
        x
        for x in rows
        if x["level"] == "technician" and x["technician"] == "t" and x["period"] == DAYS[0].isoformat()
    )
    assert t["attendance_minutes"] == 225 and t["clocked_minutes"] == 90 and t["standard_minutes"] == 60
    assert t["efficiency"] == round(60 / 90, 3) and t["productivity"] == round(90 / 225, 3)
    assert t["start_deviation_mean_minutes"] is not None and t["start_deviation_mean_minutes"] >= 10
    assert t["bookings"] == 1 and t["on_time_share"] == (1.0 if a_end <= PROMISED[a] else 0.0)
    u = next(x for x in rows if x["technician"] == "u" and x["period"] == DAYS[0].isoformat())
    assert u["bookings"] == 1 and u["on_time_share"] == (1.0 if b_end <= PROMISED[b] else 0.0)
    weekly = client.get(f"{W}/reports/productivity", params={"from": DAYS[0].isoformat(),
                        "to": DAYS[-1].isoformat(), "group": "week"}).json()  # fmt: skip
    total = next(x for x in weekly["rows"] if x["level"] == "workshop")
    assert total["clocked_minutes"] == 6 * 90 and total["attendance_minutes"] == 6 * 225
    csv = client.get(f"{W}/reports/productivity", params={"from": DAYS[0].isoformat(),
                     "to": DAYS[-1].isoformat(), "format": "csv"})  # fmt: skip
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].split(",")[:4] == ["level", "period", "period_end", "technician"]
    assert len(lines) == 1 + len(rows)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-11-24"}, "from"),
        ({"from": "2026-11-24"}, "to"),
        ({"from": "2026-11-30", "to": "2026-11-24"}, "to"),
        ({"from": "2026-01-01", "to": "2027-06-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-11-24"}, "from"),
        ({"from": "2026-11-24", "to": "2026-11-24", "group": "month"}, "group"),
    ],
)
def test_bad_ranges_are_422_naming_the_field(client: TestClient, params: dict[str, str], field: str) -> None:
    assert client.put(W, json=two_bay_workshop().model_dump(mode="json")).status_code == 200
    r = client.get(f"{W}/reports/productivity", params=params)
    assert r.status_code == 422, r.text
    assert field in r.text


def test_labour_times_are_suggested_and_applied_as_a_new_version(client: TestClient) -> None:
    clocked_history(client, PROMISED)
    waiters = _unclocked_waiters(client)
    window = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
    times = client.get(f"{W}/labour-times", params=window).json()
    op = times["operations"][0]
    assert (op["n"], op["current_minutes"], op["suggested_minutes"]) == (6, 60, 90)
    assert op["low_minutes"] <= 90 <= op["high_minutes"]
    assert {t["technician"]: t["n"] for t in times["technicians"]} == {"t": 3, "u": 3}
    before = client.get(f"{W}/versions").json()
    assert [v["version"] for v in before] == [1]
    # By the tests' clock these days are still ahead: longer work would break their bookings.
    # Applied as of the day after them (a range ending after today is 422, tidy-s35).
    window = {**window, "now": at("12:00", DAYS[-1] + dt.timedelta(days=1)).isoformat()}
    refused = client.post(f"{W}/labour-times/apply", params=window)
    assert refused.status_code == 409, refused.text
    assert {b["booking"] for b in refused.json()["bookings"]} == waiters  # not the six clocked
    # The route's own force=true, not the workshop's PUT (walk-s17 A4).
    assert "apply again with force=true" in refused.json()["detail"], refused.text
    assert "PUT" not in refused.json()["detail"]
    zh = client.post(f"{W}/labour-times/apply", params=window, headers={"Accept-Language": "zh-CN"})
    assert "force=true" in zh.json()["detail"] and "PUT" not in zh.json()["detail"], zh.text
    assert [v["version"] for v in client.get(f"{W}/versions").json()] == [1]  # nothing changed
    r = client.post(f"{W}/labour-times/apply", params={**window, "force": "true"})
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["previous_version"], r.json()["changed"]) == (2, 1, True)
    at_risk = {b["id"] for day in DAYS for b in client.get(f"{W}/bookings", params={"date": day}).json()
               if b["at_risk"]}  # fmt: skip
    assert at_risk == waiters
    again = client.post(f"{W}/labour-times/apply", params={**window, "force": "true"}).json()
    assert (again["version"], again["previous_version"], again["changed"]) == (2, 2, False)  # the same times
    assert client.get(W).json()["services"][0]["operations"][0]["minutes"] == 90
    old = client.get(f"{W}/versions/1").json()
    assert old["services"][0]["operations"][0]["minutes"] == 60
    listed = client.get(f"{W}/versions").json()
    assert [v["version"] for v in listed] == [1, 2] and "labour times" in listed[1]["note"]
    assert client.get(f"{W}/versions/9").status_code == 404


def test_the_live_projection_uses_the_learned_speed(client: TestClient) -> None:
    clocked_history(client, PROMISED)
    booking = book_waiter(client, LATER, "08:00", PROMISED)
    assert (
        client.post(
            f"{W}/clock", params=CLOCK_NOW, json=ev(booking, "start", at("08:00", LATER), "t")
        ).status_code
        == 201
    )
    status = client.get(f"{W}/days/{LATER}/status", params={"now": at("08:30", LATER).isoformat()}).json()
    op = next(b for b in status["bookings"] if b["booking"] == booking)["operations"][0]
    # Standard 60 at efficiency 1.0 would say 09:00; t's earlier days say 90 minutes.
    assert dt.datetime.fromisoformat(op["projected_end"]) == at("09:30", LATER)


def test_the_report_page_charts_the_range_in_both_languages(client: TestClient) -> None:
    clocked_history(client, PROMISED)
    params = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
    page = client.get("/workshops/tiny/reports", params=params, headers={"Accept-Language": "en"}).text
    assert page.count('<svg class="bars"') == 3 and "Efficiency (standard / clocked minutes)" in page
    assert 'id="to-plan" href' not in page and 'href="/workshops/tiny/plan/' in page  # back to the plan
    assert "https://" not in page.split("<main", 1)[1]  # no CDN: the charts are inline SVG
    assert 'id="labour-operations"' in page and "apply-labour" in page
    zh = client.get("/workshops/tiny/reports", params=params, headers={"Accept-Language": "zh-CN"}).text
    assert "打卡数据报表" in zh and "效率（标准工时 / 打卡工时）" in zh and "Efficiency" not in zh
    bad = client.get("/workshops/tiny/reports", params={"from": "2026-11-30", "to": "2026-11-24"}).text
    assert 'role="alert"' in bad  # said, and the default range shown instead


def test_a_bad_date_on_the_report_page_says_the_format_in_the_pages_language(client: TestClient) -> None:
    """Not Python's "Invalid isoformat string": what is expected, translated, the value escaped."""
    assert client.put(W, json=two_bay_workshop().model_dump(mode="json")).status_code == 200
    params = {"from": "garbage", "to": "<b>2026-13-01"}
    for lang, expected in (("en", "expected YYYY-MM-DD"), ("zh-CN", "应为 YYYY-MM-DD 格式")):
        page = client.get("/workshops/tiny/reports", params=params, headers={"Accept-Language": lang}).text
        alert = page.split('role="alert">', 1)[1].split("</p>", 1)[0]
        assert expected in alert and "isoformat" not in alert, alert
        assert "<b>" not in alert and "&lt;b&gt;2026-13-01" in alert
    bad_from = client.get("/workshops/tiny/reports", params={"from": "x" * 5000}).text
    alert = bad_from.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert "From" in alert and len(alert) < 400  # the field as the page labels it (zhreview-s25)


def test_applying_as_of_a_replayed_now_checks_the_days_not_yet_past_by_it(tmp_path: Path) -> None:
    """audit13-s19 R5: apply's `now` also says which days are past, with the server's clock: a day
    is past only when past by both. Replayed as of the history's last morning, long after by the
    server's clock, longer work breaks that day's bookings: 409 (it went through unchecked). (As of
    its first morning the range ends after today: 422 on `to`, tidy-s35.)"""
    clock = fixed_clock()
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'apply.db'}", auth=False, clock=clock))
    clocked_history(client)
    waiter = _unclocked_waiters(client, [DAYS[-1]])
    clock.set(at("12:00", DAYS[-1] + dt.timedelta(days=10)))
    span = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
    replayed = client.post(
        f"{W}/labour-times/apply", params={**span, "now": at("07:00", DAYS[-1]).isoformat()}
    )
    assert replayed.status_code == 409, replayed.text
    assert {b["booking"] for b in replayed.json()["bookings"]} == waiter  # the day's clocked two: not
    first = client.post(f"{W}/labour-times/apply", params={**span, "now": at("07:00", DAYS[0]).isoformat()})
    assert first.status_code == 422 and first.json()["detail"][0]["loc"][-1] == "to", first.text
    assert client.post(f"{W}/labour-times/apply", params=span).status_code == 200  # by the clock: past


def test_labour_times_refuse_a_bad_range_and_unknown_workshops_are_404(client: TestClient) -> None:
    assert client.put(W, json=two_bay_workshop().model_dump(mode="json")).status_code == 200
    r = client.get(f"{W}/labour-times", params={"from": "2026-11-30", "to": "2026-11-24"})
    assert r.status_code == 422 and "to" in r.text
    empty = client.get(f"{W}/labour-times").json()  # default: the 90 days up to yesterday
    assert empty["samples"] == 0 and empty["operations"][0]["suggested_minutes"] is None
    unknown = "/v1/workshops/ghost"
    assert client.get(f"{unknown}/reports/productivity", params={"from": DAY, "to": DAY}).status_code == 404
    assert client.get(f"{unknown}/labour-times").status_code == 404
    assert client.get(f"{unknown}/versions").status_code == 404
    assert client.post(f"{unknown}/labour-times/apply").status_code == 404


def test_labour_times_take_now_as_every_time_dependent_route_does(client: TestClient) -> None:
    """audit13-s19: issue 13 says every time-dependent route accepts `now`. The learning window's
    default ends yesterday by the server's clock, with no `now`: a day replayed after these days
    learned nothing from them by default. Which days are past for the bookings a change may break
    stays the server's clock's (a `now` ahead of it would break the bookings between unmarked)."""
    clocked_history(client, PROMISED)
    waiters = _unclocked_waiters(client)
    after = {"now": at("12:00", DAYS[-1] + dt.timedelta(days=1)).isoformat()}
    learned = client.get(f"{W}/labour-times", params=after)
    assert learned.status_code == 200, learned.text
    assert (learned.json()["last"], learned.json()["samples"]) == (DAYS[-1].isoformat(), 6)
    assert client.get(f"{W}/labour-times").json()["samples"] == 0  # by the server's clock: ahead
    bad = client.get(f"{W}/labour-times", params={"now": "2026-11-27T12:00:00"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "now", bad.text
    # Applied as of `after`: the same suggestions; the days are still ahead by the server's clock.
    refused = client.post(f"{W}/labour-times/apply", params=after)
    assert refused.status_code == 409, refused.text
    assert {b["booking"] for b in refused.json()["bookings"]} == waiters
    applied = client.post(f"{W}/labour-times/apply", params={**after, "force": "true"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["labour_times"] == learned.json()
    assert client.get(W).json()["services"][0]["operations"][0]["minutes"] == 90


def test_an_apply_that_changes_nothing_says_no_version_was_made(client: TestClient) -> None:
    """review-s35: with nothing learned the apply makes no version, yet its answer read like a new
    one (`version` 1 as "the workshop's new version"); `changed` says it, and the page words it."""
    assert client.put(W, json=two_bay_workshop().model_dump(mode="json")).status_code == 200
    for _ in range(2):
        r = client.post(f"{W}/labour-times/apply")  # the 90 days up to yesterday: no clock data
        assert r.status_code == 200, r.text
        assert (r.json()["version"], r.json()["previous_version"], r.json()["changed"]) == (1, 1, False)
    assert [v["version"] for v in client.get(f"{W}/versions").json()] == [1]
    for lang, words in (
        ("en", "Nothing changed: the workshop already has these times (still version %(version)s)."),
        ("zh-CN", "没有变化：车间已采用这些工时（仍为版本 %(version)s）。"),
    ):
        page = client.get("/workshops/tiny/reports", headers={"Accept-Language": lang}).text
        assert f'data-unchanged="{words}"' in page, page
    script = client.get("/static/app.js").text
    assert "result.data.changed === false" in script and "box.dataset.unchanged" in script


def test_applying_a_range_that_ends_after_today_is_422_on_to(client: TestClient) -> None:
    """review-s35: days not yet worked teach nothing, so such a range changed nothing and was
    accepted. Today is the workshop's as of `now` (default the server's clock, the tests' fixed one)."""
    clocked_history(client, PROMISED)
    _unclocked_waiters(client, [DAYS[-1]])
    span = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
    for lang, reason in (("en", "is after today"), ("zh-CN", "晚于今天")):
        r = client.post(f"{W}/labour-times/apply", params=span, headers={"Accept-Language": lang})
        assert r.status_code == 422, r.text
        (issue,) = r.json()["detail"]
        assert issue["loc"][-1] == "to" and reason in issue["msg"], r.text
        assert DAYS[-1].isoformat() in issue["msg"]
    on_the_day = {**span, "now": at("07:00", DAYS[-1]).isoformat()}  # today itself is not after today
    assert client.post(f"{W}/labour-times/apply", params=on_the_day).status_code == 409  # not 422
    ahead = {**span, "now": at("07:00", DAYS[-2]).isoformat()}
    assert client.post(f"{W}/labour-times/apply", params=ahead).status_code == 422
    assert [v["version"] for v in client.get(f"{W}/versions").json()] == [1]


def test_the_applys_409_names_each_car_by_its_plate_with_the_booking_beside_it(client: TestClient) -> None:
    """review-s43 #12: a manager knows the cars by plate; the 409 listed booking ids alone. Each
    listed booking now has its `plate` and the car in words, in the reader's language."""
    clocked_history(client, PROMISED)
    made = client.post(
        f"{W}/bookings",
        json={
            "service": "MAINT",
            "drop_off": at("10:15", DAYS[-1]).isoformat(),
            "waiter": True,
            "plate": "粤B82011",
        },
    )
    assert made.status_code == 201, made.text
    booking = made.json()["id"]
    after = {"now": at("12:00", DAYS[-1] + dt.timedelta(days=1)).isoformat()}
    for lang, car in (("en", f"粤B82011 (booking {booking})"), ("zh-CN", f"粤B82011（预约 {booking}）")):
        refused = client.post(f"{W}/labour-times/apply", params=after, headers={"Accept-Language": lang})
        assert refused.status_code == 409, refused.text
        (listed,) = refused.json()["bookings"]
        assert (listed["booking"], listed["plate"], listed["car"]) == (booking, "粤B82011", car), listed
