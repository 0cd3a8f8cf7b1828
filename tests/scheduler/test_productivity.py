"""The productivity report from worked operations, baseline plans and the workshop (pure)."""

from __future__ import annotations

import datetime as dt

from scheduler.contract import Booking, Plan
from scheduler.productivity import productivity_report, report_csv, shift_minutes
from scheduler.worked import Segment, WorkedOperation
from tests.builders import DAY, assignment, at, plan, request, tiny_workshop


def test_figures_per_technician_grade_and_workshop() -> None:
    ws = tiny_workshop()  # t: grade 3, shift 08:00-10:00, MAINT 60 standard minutes
    b1 = Booking(id="B1", service="MAINT", drop_off=at("08:00"), promised=at("09:30"))
    b2 = Booking(id="B2", service="MAINT", drop_off=at("08:00"), promised=at("09:30"))
    worked = [
        WorkedOperation(DAY, "B1", "MAINT", 0, at("08:10"), "t", at("09:10"), "t",
                        (Segment("t", at("08:10"), at("08:40")), Segment("t", at("08:45"), at("09:15")))),
        WorkedOperation(DAY, "B2", "MAINT", 0, at("09:15"), "t", None, "t",
                        (Segment("t", at("09:15"), at("09:35")),)),
    ]  # fmt: skip
    req = request([b1, b2], workshop=ws)
    baseline: Plan = plan(req, [assignment("B1", 0, "G1", "t", "08:00", "09:00"),
                                assignment("B2", 0, "G1", "t", "09:00", "10:00")])  # fmt: skip
    report = productivity_report(ws, {"B1": b1, "B2": b2}, worked, {DAY: baseline}, DAY, DAY)
    rows = {r.level: r for r in report.rows}
    t = rows["technician"]
    assert shift_minutes(ws.technicians[0]) == 120
    assert (t.attendance_minutes, t.clocked_minutes, t.standard_minutes) == (120, 80, 60)
    assert t.efficiency == 1.0  # 60 standard minutes in the 60 clocked on finished work
    assert t.productivity == round(80 / 120, 3)
    assert t.started_operations == 2
    assert t.start_deviation_mean_minutes == 12.5  # +10 and +15
    assert t.bookings == 2 and t.on_time == 1 and t.on_time_share == 0.5  # B2 never finished
    assert rows["grade"].grade == 3 and rows["grade"].clocked_minutes == 80
    assert rows["workshop"].clocked_minutes == 80
    csv_text = report_csv(report)
    assert csv_text.splitlines()[0].startswith("level,period,period_end,technician,grade,attendance_minutes")
    assert len(csv_text.splitlines()) == 4


def test_weeks_group_days_from_monday() -> None:
    ws = tiny_workshop()
    days = [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=7)]
    bookings = {
        f"B{i}": Booking(id=f"B{i}", service="MAINT", drop_off=at("08:00", d)) for i, d in enumerate(days)
    }
    worked = [
        WorkedOperation(d, f"B{i}", "MAINT", 0, at("08:00", d), "t", at("09:00", d), "t",
                        (Segment("t", at("08:00", d), at("09:00", d)),))
        for i, d in enumerate(days)
    ]  # fmt: skip
    report = productivity_report(ws, bookings, worked, {}, days[0], days[-1], "week")
    techs = [r for r in report.rows if r.level == "technician"]
    monday = DAY - dt.timedelta(days=DAY.weekday())
    assert [(r.period, r.attendance_minutes, r.clocked_minutes) for r in techs] == [
        (monday, 240, 120),
        (monday + dt.timedelta(days=7), 120, 60),
    ]
    assert techs[0].period_end == monday + dt.timedelta(days=6)
    assert techs[0].start_deviation_mean_minutes is None  # no baseline plan: no adherence figure
