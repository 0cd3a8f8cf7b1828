"""The plan page's chart (api/gantt.py) as a foreman reads it: the day's opening hours on the axis
(free time shows, not only the planned work), each technician's time off shift shaded and breaks
hatched, every service its own colour, and the bars naming their vehicle."""

from __future__ import annotations

import contextvars
import re
import xml.etree.ElementTree as ET

from api import gantt, i18n
from scheduler.clocking import BookingStatus, DayStatus, OperationStatus
from scheduler.contract import Workshop
from scheduler.i18n import Translator
from scheduler.scenarios import load_scenario
from tests.builders import (
    DAY,
    assignment,
    at,
    booking,
    lifts_workshop,
    plan,
    request,
    small_workshop,
    tiny_workshop,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> tuple[ET.Element, ET.Element]:
    """The row labels' SVG and the chart's."""
    labels, chart = ET.fromstring(f"<div>{svg}</div>")
    assert labels.get("class") == "gantt-labels" and chart.get("class") == "gantt"
    return labels, chart


def _hours(chart: ET.Element) -> list[str]:
    return [t.text or "" for t in chart.iter(f"{SVG}text") if t.get("class") == "hour-label"]


def test_the_axis_covers_the_opening_hours_not_just_the_planned_work() -> None:
    ws = tiny_workshop()  # open 08:00-10:00
    req = request([booking("b1", "MAINT", "08:00")], workshop=ws)
    one = plan(req, [assignment("b1", 0, "G1", "t", "08:00", "09:00")])
    _, chart = _parse(gantt.render(ws, one, {"b1": "MAINT"}))
    assert (chart.get("data-axis-start"), chart.get("data-axis-end")) == ("08:00", "10:00")
    assert _hours(chart) == ["08:00", "09:00", "10:00"]  # the free hour after the work shows


def test_the_axis_runs_from_the_earliest_opening_to_the_latest_closing() -> None:
    ws = load_scenario("dealer-2011").workshop  # reception 08:00-17:00; shifts 08:00-17:00, 08:15-17:30
    assert gantt.opening_hours(ws, DAY) == (8 * 60, 17 * 60 + 30)
    assert gantt.axis(ws, DAY, []) == gantt.Axis(8 * 60, 18 * 60)
    overtime = assignment("x", 0, "G1", "t", "16:00", "18:40").end
    assert gantt.axis(ws, DAY, [overtime]) == gantt.Axis(8 * 60, 19 * 60)  # planned overtime stays in view


def test_the_chart_fits_a_1280_pixel_page_for_a_whole_day() -> None:
    ws = load_scenario("dealer-2011").workshop
    req = request([], workshop=ws)
    labels, chart = _parse(gantt.render(ws, plan(req, []), {}))
    assert int(labels.get("width", 0)) + int(chart.get("width", 0)) <= 1280 - 2 * 16 - 2 - 15


def test_every_service_of_dealer_2011_has_its_own_colour() -> None:
    ws = load_scenario("dealer-2011").workshop
    colours = gantt.colours(ws)
    assert set(colours) == {s.code for s in ws.services} and len(ws.services) >= 10
    assert len(set(colours.values())) == len(colours)
    assert colours["FIRST"] != colours["ACC-PAINT"] and colours["LUBE"] != colours["MINOR"]
    # By code, not by place in the list: the same colours when the services are reordered.
    reordered = Workshop.model_validate(
        {**ws.model_dump(), "services": list(reversed(ws.model_dump()["services"]))}
    )
    assert gantt.colours(reordered) == colours
    # The legend shows the colours the bars have.
    req = request([booking("b1", "LUBE", "08:30")], workshop=ws)
    one = plan(req, [assignment("b1", 0, ws.bays[0].id, ws.technicians[0].id, "09:00", "09:30")])
    assert {item.code: item.colour for item in gantt.legend(ws, one, {"b1": "LUBE"})} == {
        "LUBE": colours["LUBE"]
    }


def test_many_services_still_get_distinct_colours() -> None:
    ws = tiny_workshop()
    data = ws.model_dump()
    service = data["services"][0]
    data["services"] = [{**service, "code": f"S{i:02d}", "name": f"S{i}"} for i in range(30)]
    colours = gantt.colours(Workshop.model_validate(data))
    assert len(set(colours.values())) == 30


def _rects(chart: ET.Element, cls: str) -> list[ET.Element]:
    return [r for r in chart.iter(f"{SVG}rect") if r.get("class") == cls]


def test_technician_rows_shade_off_shift_time_and_hatch_breaks() -> None:
    ws = load_scenario("dealer-2011").workshop
    off_duty = ws.technicians[-1].id  # not rostered on the plan's weekday
    data = ws.model_dump()
    data["technicians"][-1]["weekdays"] = [d for d in range(7) if d != DAY.weekday()]
    ws = Workshop.model_validate(data)
    req = request([], workshop=ws)
    svg = gantt.render(ws, plan(req, []), {}, rows_by="technicians")
    _, chart = _parse(svg)
    hour = float(chart.get("width", 0) or 0) - gantt.RIGHT
    per_minute = hour / (10 * 60)  # 08:00-18:00

    breaks = _rects(chart, "break")
    on_duty = [t for t in ws.technicians if t.id != off_duty]
    assert len(breaks) == sum(len(t.shift.breaks) for t in on_duty) > 0
    lunch = next(r for r in breaks if (r.get("data-start"), r.get("data-end")) == ("12:00", "13:30"))
    assert float(lunch.get("x", 0)) == round((12 * 60 - 8 * 60) * per_minute, 1)
    assert float(lunch.get("width", 0)) == round(90 * per_minute, 1)
    assert lunch.get("fill") == "url(#break-hatch)"
    assert "12:00–13:30" in (lunch.findtext(f"{SVG}title") or "")

    off = _rects(chart, "off-shift")
    late_start = [t for t in on_duty if t.shift.start == "08:15"]  # 08:00-08:15 and 17:30-18:00 grey
    early_end = [t for t in on_duty if t.shift.end == "17:00"]  # 17:00-18:00 grey
    assert len(off) == 2 * len(late_start) + len(early_end) + 1  # + the whole row of the one off duty
    row = gantt.TOP + (len(ws.technicians) - 1) * gantt.ROW
    whole = [r for r in off if float(r.get("y", 0)) == row]
    assert len(whole) == 1 and float(whole[0].get("width", 0)) == round(600 * per_minute, 1)
    # The bays' rows are not shaded: a bay is there all day.
    _, by_bays = _parse(gantt.render(ws, plan(req, []), {}))
    assert not _rects(by_bays, "break") and not _rects(by_bays, "off-shift")


def test_a_bar_names_its_vehicle_service_and_operation() -> None:
    ws = tiny_workshop()
    req = request([booking("b1", "MAINT", "08:00", plate="粤A12345")], workshop=ws)
    one = plan(req, [assignment("b1", 0, "G1", "t", "08:00", "09:00")])
    svg = gantt.render(ws, one, {"b1": "MAINT"}, people={"b1": req.bookings[0]})
    _, chart = _parse(svg)
    bar = next(g for g in chart.iter(f"{SVG}g") if "bar" in (g.get("class") or "").split())
    assert (bar.get("data-vehicle"), bar.get("data-service"), bar.get("data-step")) == (
        "粤A12345",
        "MAINT",
        "work",
    )
    assert re.match(r"粤A12345", bar.findtext(f"{SVG}svg/{SVG}text") or "")


def _lab(colour: str) -> tuple[float, float, float]:
    """sRGB hex to CIELAB (D65)."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_the_palette_colours_are_far_apart_and_none_is_the_off_shift_grey() -> None:
    from itertools import combinations
    from math import dist

    from api.palette import PALETTE

    assert len(PALETTE) >= 12
    assert min(dist(_lab(a), _lab(b)) for a, b in combinations(PALETTE, 2)) >= 25  # ΔE*76
    grey = _lab("#d9d9d9")
    assert all(dist(_lab(c), grey) >= 25 for c in PALETTE)


def test_a_booking_at_risk_is_outlined_on_every_bar_and_marked_once_after_its_last() -> None:
    """Two operations at risk: both bars outlined, one "⚠ +25 min" (it was drawn beside each bar)."""
    ws = small_workshop()  # MINOR: diagnosis 30 min, then repair 90
    req = request([booking("b1", "MINOR", "08:00")], workshop=ws)
    two = plan(
        req,
        [
            assignment("b1", 0, "G1", "wang", "08:00", "08:30"),
            assignment("b1", 1, "G1", "wang", "08:30", "10:00"),
        ],
    )
    status = DayStatus(
        as_of=at("08:00"),
        bookings=[
            BookingStatus(booking="b1", state="not_arrived", promised=at("09:35"),
                          projected_end=at("10:00"), projected_lateness_minutes=25, at_risk=True,
                          at_risk_since=at("08:00"), operations=[])
        ],
        technicians=[],
    )  # fmt: skip
    svg = gantt.render(ws, two, {"b1": "MINOR"}, status=status)
    _, chart = _parse(svg)
    outlines = [r for r in chart.iter(f"{SVG}rect") if r.get("class") == "risk-outline"]
    marks = [t for t in chart.iter(f"{SVG}text") if t.get("class") == "risk-label"]
    assert len(outlines) == 2 and [m.text for m in marks] == ["⚠ +25 min"]
    assert float(marks[0].get("x") or 0) > max(float(r.get("x") or 0) for r in outlines)  # after the last


def test_clocked_work_of_unknown_bay_reads_so_on_its_bar_never_none() -> None:
    """review-s29: a bar of clocked work with no bay (`Plan.clocked_bay_conflicts`) read "bay None"
    in its details, and by technicians its label was "粤A12345 · None"."""
    ws = tiny_workshop()
    req = request([booking("b1", "MAINT", "08:00", plate="粤A12345")], workshop=ws)
    clocked = assignment("b1", 0, "G1", "t", "08:00", "09:00").model_copy(update={"bay": None})
    one = plan(req, [clocked])
    for rows_by in ("bays", "technicians"):
        svg = gantt.render(ws, one, {"b1": "MAINT"}, rows_by=rows_by, people={"b1": req.bookings[0]})
        _, chart = _parse(svg)
        texts = " ".join(chart.itertext())
        assert "None" not in texts, rows_by
        assert "bay unknown" in texts.lower(), rows_by

    def in_chinese() -> str:
        i18n._current.set(Translator("zh_CN"))  # as `api.i18n.use` sets a page's
        return gantt.render(ws, one, {"b1": "MAINT"}, rows_by="technicians", people={"b1": req.bookings[0]})

    texts = " ".join(_parse(contextvars.copy_context().run(in_chinese))[1].itertext())
    assert "工位未知" in texts and "None" not in texts


def _clocked(booking_id: str, bay: str | None, bay_clocked: bool) -> BookingStatus:
    """A booking whose one operation was started at 08:00 (in `bay`, named by the clock if `bay_clocked`)."""
    op = OperationStatus(
        operation=0,
        state="in_progress",
        technician="t",
        bay=bay,
        planned_start=at("08:00"),
        planned_end=at("09:00"),
        actual_start=at("08:00"),
        actual_end=None,
        clocked_minutes=30,
        projected_end=at("09:00"),
        bay_clocked=bay_clocked,
    )
    return BookingStatus(
        booking=booking_id,
        state="in_progress",
        promised=None,
        projected_end=at("09:00"),
        projected_lateness_minutes=0,
        at_risk=False,
        at_risk_since=None,
        operations=[op],
    )


def test_a_clocked_bar_says_whether_the_shop_floor_named_its_bay_or_the_plan_guessed_it() -> None:
    """floor13-s30: clocked in the bay it is drawn in (the clock named it): a black corner and "bay
    clocked"; clocked with no bay named: "bay planned" (the plan's guess); clocked into another bay
    than the plan yet has (its re-plan on its way): the bay clocked; work not clocked: neither."""
    ws = lifts_workshop()
    req = request([booking(x, "MAINT", "08:00") for x in ("b1", "b2", "b3", "b4")], workshop=ws)
    day = plan(
        req,
        [
            assignment("b1", 0, "G1", "t", "08:00", "09:00"),
            assignment("b2", 0, "G2", "u", "08:00", "09:00"),
            assignment("b3", 0, "G1", "t", "09:00", "10:00"),
            assignment("b4", 0, "G2", "u", "09:00", "10:00"),
        ],
    )
    status = DayStatus(
        as_of=at("08:30"),
        technicians=[],
        bookings=[_clocked("b1", "G1", True), _clocked("b2", "G2", False), _clocked("b3", "E1", True)],
    )
    codes = dict.fromkeys(("b1", "b2", "b3", "b4"), "MAINT")

    def bars(svg: str) -> dict[str, ET.Element]:
        return {g.get("data-booking", ""): g for g in _parse(svg)[1].iter(f"{SVG}g") if g.get("data-booking")}

    def title(g: ET.Element) -> str:
        found = g.find(f"{SVG}title")
        assert found is not None and found.text is not None
        return found.text

    drawn = bars(gantt.render(ws, day, codes, status=status, now=at("08:30")))
    marked = {b for b, g in drawn.items() if g.find(f".//{SVG}path[@class='bay-mark']") is not None}
    assert marked == {b for b, g in drawn.items() if "bay-clocked" in (g.get("class") or "")} == {"b1"}
    assert title(drawn["b1"]).endswith("· bay clocked") and title(drawn["b1"]) == drawn["b1"].get(
        "aria-label"
    )
    assert title(drawn["b2"]).endswith("· bay planned")
    assert title(drawn["b3"]).endswith("· clocked in bay E1")
    assert not re.search(r"bay (clocked|planned)|clocked in", title(drawn["b4"]))
    by_technician = bars(gantt.render(ws, day, codes, "technicians", status))  # (its bay: in the details)
    assert title(by_technician["b1"]).endswith("· bay clocked")

    def in_chinese() -> str:
        i18n._current.set(Translator("zh_CN"))  # as `api.i18n.use` sets a page's
        return gantt.render(ws, day, codes, status=status)

    zh = bars(contextvars.copy_context().run(in_chinese))
    assert title(zh["b1"]).endswith("· 工位已打卡确认") and title(zh["b2"]).endswith(
        "· 工位按计划（未打卡确认）"
    )
    assert title(zh["b3"]).endswith("· 打卡确认在工位 E1")


def _loads(svg: str) -> dict[str, tuple[str, bool]]:
    """Each technician row's load as its label shows it, and whether it is marked over the shift."""
    labels, _ = _parse(svg)
    return {
        t.get("data-technician") or "": (t.text or "", "over" in (t.get("class") or "").split())
        for t in labels.iter(f"{SVG}text")
        if "row-load" in (t.get("class") or "").split()
    }


def test_each_technician_row_shows_his_planned_hours_and_share_of_his_shift() -> None:
    """review-s43 #15: the plan page gave only the workshop's "Technicians busy"; who is overloaded
    showed only as how dense his bars were. Each technician's row now says his planned hours and
    their share of his shift (breaks left out), in red past 100%; the bay rows say none."""
    ws = small_workshop()
    shift = {t.id: t.shift for t in ws.technicians}
    assert shift["wang"].start == "08:00" and shift["wang"].end == "17:00"
    assert [(b.start, b.end) for b in shift["wang"].breaks] == [("12:00", "13:00")]  # 480 min on shift
    bookings = [
        booking("b1", "MINOR", "08:00"),
        booking("b2", "MAINT", "08:00"),
        booking("b3", "MAINT", "08:00"),
    ]
    codes = {"b1": "MINOR", "b2": "MAINT", "b3": "MAINT"}
    req = request(bookings, workshop=ws)
    day = plan(
        req,
        [
            assignment("b1", 0, "G1", "wang", "08:00", "08:30"),
            assignment("b1", 1, "G1", "wang", "08:30", "10:00"),  # wang: 120 min of 480
            assignment("b2", 0, "G2", "li", "08:00", "12:00"),
            assignment("b3", 0, "G2", "li", "13:00", "18:30"),  # li: 570 min of 480, overtime
        ],
    )
    loads = _loads(gantt.render(ws, day, codes, rows_by="technicians"))
    assert loads["wang"] == ("2.0 h · 25% of shift", False)
    assert loads["li"] == ("9.5 h · 119% of shift", True)
    idle = [t.id for t in ws.technicians if t.id not in ("wang", "li")]
    assert idle and all(loads[t] == ("0.0 h · 0% of shift", False) for t in idle)

    def in_chinese() -> str:
        i18n._current.set(Translator("zh_CN"))  # as `api.i18n.use` sets a page's
        return gantt.render(ws, day, codes, rows_by="technicians")

    zh = _loads(contextvars.copy_context().run(in_chinese))
    assert zh["wang"] == ("2.0 小时 · 占班时 25%", False) and zh["li"] == ("9.5 小时 · 占班时 119%", True)
    assert not _loads(gantt.render(ws, day, codes))  # by bay: no loads
