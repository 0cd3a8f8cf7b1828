"""Reports from actuals: per technician, grade and the whole workshop, per day or ISO week, what
the clock recorded against what was planned. Pure: worked operations, bookings, baseline plans
and the workshop in, rows out.

- attendance minutes: the technician's shift minus its breaks, on each day he clocked any work
  (a day he did not clock is a day off, not an unproductive day; overtime is not attendance);
- clocked minutes: every closed segment he clocked (finished or not);
- standard minutes: the standard minutes of finished operations, shared between the technicians
  who clocked them in proportion to their clocked minutes;
- efficiency = standard minutes / the minutes clocked on those finished operations;
- productivity = clocked minutes / attendance minutes;
- start deviation: actual start - planned start in the day's baseline plan (the stored plan as
  it stood at the day's first clock event), in minutes, for each operation he started that the
  baseline placed (mean and 90th percentile; positive: late);
- on-time share: of the bookings with a promised pickup he clocked work on, those whose last
  operation finished by the promise (a booking not finished counts as late).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel

from scheduler.contract import Booking, Plan, Technician, Workshop, hhmm_minutes
from scheduler.exchange import spreadsheet_cell
from scheduler.i18n import N_, Translator
from scheduler.worked import WorkedOperation

Group = Literal["day", "week", "all"]
"""A row set per day, per ISO week, or one for the whole range (the report page's charts)."""
Level = Literal["technician", "grade", "workshop"]
MAX_DAYS = 366


class ProductivityRow(BaseModel):
    level: Level
    period: dt.date
    """The day, or the Monday of the ISO week."""
    period_end: dt.date
    technician: str | None
    grade: int | None
    attendance_minutes: int
    clocked_minutes: int
    standard_minutes: int
    finished_operations: int
    efficiency: float | None
    productivity: float | None
    started_operations: int
    """Operations started that the baseline plan placed (the start deviation's sample)."""
    start_deviation_mean_minutes: float | None
    start_deviation_p90_minutes: float | None
    bookings: int
    on_time: int
    on_time_share: float | None


class ProductivityReport(BaseModel):
    workshop: str
    first: dt.date
    last: dt.date
    group: Group
    rows: list[ProductivityRow]


COLUMNS: tuple[str, ...] = tuple(ProductivityRow.model_fields)


@dataclass
class _Tally:
    days: set[dt.date] = field(default_factory=set)
    attendance: float = 0.0
    clocked: float = 0.0
    standard: float = 0.0
    finished_clocked: float = 0.0
    finished: float = 0.0
    deviations: list[float] = field(default_factory=list)
    bookings: set[str] = field(default_factory=set)
    on_time: set[str] = field(default_factory=set)

    def add(self, other: _Tally) -> None:
        self.attendance += other.attendance
        self.clocked += other.clocked
        self.standard += other.standard
        self.finished_clocked += other.finished_clocked
        self.finished += other.finished
        self.deviations += other.deviations
        self.bookings |= other.bookings
        self.on_time |= other.on_time


def period_of(date: dt.date, group: Group, whole: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    if group == "all":
        return whole
    if group == "day":
        return date, date
    monday = date - dt.timedelta(days=date.weekday())
    return monday, monday + dt.timedelta(days=6)


def shift_minutes(tech: Technician) -> int:
    """The shift's length less its breaks."""
    shift = hhmm_minutes(tech.shift.end) - hhmm_minutes(tech.shift.start)
    return shift - sum(hhmm_minutes(b.end) - hhmm_minutes(b.start) for b in tech.shift.breaks)


def productivity_report(
    workshop: Workshop,
    bookings: Mapping[str, Booking],
    worked: Sequence[WorkedOperation],
    baselines: Mapping[dt.date, Plan],
    first: dt.date,
    last: dt.date,
    group: Group = "day",
) -> ProductivityReport:
    techs = {t.id: t for t in workshop.technicians}
    tallies: dict[tuple[dt.date, str], _Tally] = defaultdict(_Tally)
    planned = {
        (date, a.booking, a.operation): a.start for date, plan in baselines.items() for a in plan.assignments
    }
    last_op = {
        b.id: len(s.operations) - 1
        for b in bookings.values()
        if (s := workshop.service(b.service)) is not None
    }
    finished_at = {
        w.booking: w.finished_at for w in worked if w.operation == last_op.get(w.booking) and w.finished_at
    }
    for w in worked:
        if not first <= w.date <= last:
            continue
        period = period_of(w.date, group, (first, last))[0]
        service = workshop.service(w.service)
        booking = bookings[w.booking]
        standard = service.operations[w.operation].minutes if service else 0
        by_tech = w.minutes_of()
        total = sum(by_tech.values())
        for tech, minutes in by_tech.items():
            t = tallies[(period, tech)]
            t.days.add(w.date)
            t.clocked += minutes
            if w.finished_at is not None and total > 0:
                t.finished_clocked += minutes
                t.standard += standard * minutes / total
                t.finished += minutes / total
        started = tallies[(period, w.started_by)]
        started.days.add(w.date)
        planned_start = planned.get((w.date, w.booking, w.operation))
        if planned_start is not None:
            started.deviations.append((w.first_start - planned_start).total_seconds() / 60)
        if booking.promised is not None:
            ready = finished_at.get(w.booking)
            for tech in {*by_tech, w.started_by}:
                tallies[(period, tech)].bookings.add(w.booking)
                if ready is not None and ready <= booking.promised:
                    tallies[(period, tech)].on_time.add(w.booking)
    for (_, tech), t in tallies.items():
        found = techs.get(tech)
        t.attendance = len(t.days) * shift_minutes(found) if found else 0.0
    rows: list[ProductivityRow] = []
    for period in sorted({p for p, _ in tallies}):
        end = period_of(period, group, (first, last))[1]
        grades: dict[int, _Tally] = defaultdict(_Tally)
        everyone = _Tally()
        for tech in sorted(t for p, t in tallies if p == period):
            tally = tallies[(period, tech)]
            grade = techs[tech].grade if tech in techs else None
            rows.append(_row("technician", period, end, tech, grade, tally))
            if grade is not None:
                grades[grade].add(tally)
            everyone.add(tally)
        rows += [_row("grade", period, end, None, g, grades[g]) for g in sorted(grades)]
        rows.append(_row("workshop", period, end, None, None, everyone))
    return ProductivityReport(workshop=workshop.id, first=first, last=last, group=group, rows=rows)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b > 0 else None


def _row(
    level: Level, period: dt.date, end: dt.date, tech: str | None, grade: int | None, t: _Tally
) -> ProductivityRow:
    deviations = np.array(t.deviations, dtype=float)
    return ProductivityRow(
        level=level,
        period=period,
        period_end=end,
        technician=tech,
        grade=grade,
        attendance_minutes=round(t.attendance),
        clocked_minutes=round(t.clocked),
        standard_minutes=round(t.standard),
        finished_operations=round(t.finished),
        efficiency=_ratio(t.standard, t.finished_clocked),
        productivity=_ratio(t.clocked, t.attendance),
        started_operations=len(t.deviations),
        start_deviation_mean_minutes=round(float(deviations.mean()), 1) if len(deviations) else None,
        start_deviation_p90_minutes=round(float(np.percentile(deviations, 90)), 1)
        if len(deviations)
        else None,
        bookings=len(t.bookings),
        on_time=len(t.on_time),
        on_time_share=_ratio(len(t.on_time), len(t.bookings)),
    )


def report_csv(report: ProductivityReport) -> str:
    """The report's rows as CSV with a header (COLUMNS); empty cells for figures with no data; a
    technician's id (it may start with '-') behind a ' where a spreadsheet would run it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in report.rows:
        values = row.model_dump(mode="json")
        writer.writerow([_machine_cell(values[c]) for c in COLUMNS])
    return out.getvalue()


def _machine_cell(value: object) -> object:
    if value is None:
        return ""
    return spreadsheet_cell(value) if isinstance(value, str) else value


#: The CSV's columns as a person reads them (`readable_csv`), in COLUMNS' order.
COLUMN_WORDS: dict[str, str] = {
    "level": N_("Level"),
    "period": N_("From"),
    "period_end": N_("To"),
    "technician": N_("Technician"),
    "grade": N_("Grade"),
    "attendance_minutes": N_("Attendance min"),
    "clocked_minutes": N_("Clocked min"),
    "standard_minutes": N_("Standard min"),
    "finished_operations": N_("Finished operations"),
    "efficiency": N_("Efficiency"),
    "productivity": N_("Productivity"),
    "started_operations": N_("Planned operations started"),
    "start_deviation_mean_minutes": N_("Start deviation min, mean"),
    "start_deviation_p90_minutes": N_("Start deviation min, p90"),
    "bookings": N_("Bookings with a promise"),
    "on_time": N_("On time"),
    "on_time_share": N_("On-time share"),
}
#: A row's level in words.
LEVEL_WORDS: dict[str, str] = {
    "technician": N_("Technician"),
    "grade": N_("Grade"),
    "workshop": N_("workshop"),
}
#: The columns that are shares, read as percents.
SHARES = frozenset({"efficiency", "productivity", "on_time_share"})


def readable_csv(report: ProductivityReport, workshop: Workshop, t: Translator) -> str:
    """The report's rows as `report_csv` has them, for a person opening it in a spreadsheet: the
    columns named in `t`'s language, each technician by his name, the levels in words, shares as
    percents and minutes as numbers; a byte order mark first (a spreadsheet then reads the UTF-8).
    The machine CSV (`report_csv`) stays the API's contract."""
    names = {tech.id: tech.name for tech in workshop.in_language(t.locale).technicians}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([t.gettext(COLUMN_WORDS[c]) for c in COLUMNS])
    for row in report.rows:
        values = row.model_dump(mode="json")
        cells: list[object] = []
        for c in COLUMNS:
            value = values[c]
            if value is None:
                cells.append("")
            elif c == "level":
                cells.append(t.gettext(LEVEL_WORDS[value]))
            elif c == "technician":  # a name is free text: quoted where a spreadsheet would run it
                cells.append(spreadsheet_cell(names.get(value, value)))
            elif c in SHARES:
                cells.append(t.percent(value, 1))
            else:
                cells.append(value)
        writer.writerow(cells)
    return out.getvalue()
