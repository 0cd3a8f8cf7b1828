"""The bay plan as an SVG Gantt chart, rendered on the server (no script needed to read it).

Rows are bays or technicians; each operation is a focusable bar coloured by service (a distinct
colour per service code, `api/palette.py`) with its details in a <title>. The time axis covers the
day's opening hours (the reception window and every shift on duty, whole hours), so free capacity
shows; technician rows shade their time off shift grey and hatch their breaks. The row labels are a
separate SVG beside the chart, so that the page can keep them in view (sticky) when the chart scrolls.
Given the live day (`DayStatus`), clocked work is a thin hatched bar along the bottom of the planned
one (plan vs actual; work in progress runs to now), a vertical line marks now, and bookings at risk of
missing their promise are outlined with their projected lateness. A clocked bar says whose word its
bay is: a small black corner and "bay clocked" where the shop floor named it, "bay planned" where
the plan guessed it (`bay_said`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from api import palette as service_palette
from api.i18n import current
from scheduler.clocking import DayStatus, OperationStatus
from scheduler.contract import Assignment, Booking, Plan, Workshop, hhmm_minutes
from scheduler.kpis import technician_load
from scheduler.multiday import PART, split_part

ROW = 34
UNKNOWN_BAY_ROW = ""
"""The bay view's row of clocked work with no bay (no bay id is empty)."""
LABEL = 150
"""The row labels' width (their own SVG, beside the chart)."""
HOUR = 96
"""An hour's width at most; less when the day is long, so that the page fits 1280 px."""
MIN_HOUR = 56
"""An hour's width at least (a longer day scrolls, its row labels kept in view)."""
FIT = 1150
"""The labels and chart together fit this width (1280 px less the page's margins) while they can."""
RIGHT = 40
"""Room right of the last hour (its label, an at-risk mark)."""
TOP = 38
"""The rows start below two bands: the hours' labels (baseline 13) and the now line's label
(baseline `NOW_Y`), so that "now 11:00" is never drawn over the axis's "11:00" (zh-s26)."""
NOW_Y = 31
ACTUAL = 7
"""The height of a clocked (actual) bar, drawn over the bottom of the planned one."""
LABELS = {"now": "now", "actual": "actual %(start)s–%(end)s", "late": "+%(minutes)s min",
          "off": "off shift", "break": "break %(start)s–%(end)s", "carried": "carried over"}  # fmt: skip
"""The chart's words (English; pages.py passes them translated)."""


def gettext(message: str, **values: object) -> str:
    """The chart's words in the page's language (the one `api.i18n.use` chose; English outside a page)."""
    return current().gettext(message, **values)


@dataclass(frozen=True)
class Legend:
    code: str
    name: str
    colour: str


def colours(workshop: Workshop) -> dict[str, str]:
    """Each service code's colour: distinct within the workshop, chosen by the code; a day's part
    of multi-day work (scheduler.multiday, "CODE:ops2-3") has its service's colour."""
    own = [s.code for s in workshop.services if PART not in s.code]
    palette = service_palette.assign(own)
    for s in workshop.services:
        if PART in s.code:
            palette[s.code] = palette.get(s.code.split(PART, 1)[0], "#777777")
    return palette


@dataclass(frozen=True)
class Axis:
    """The chart's time axis in minutes after local midnight, whole hours."""

    start: int
    end: int

    @property
    def hours(self) -> int:
        return (self.end - self.start) // 60


def opening_hours(workshop: Workshop, date: dt.date) -> tuple[int, int]:
    """The day's earliest opening and latest closing (minutes after midnight): the reception window
    and the shifts of the technicians on duty."""
    start, end = (hhmm_minutes(x) for x in workshop.opening_window())
    for t in workshop.technicians:
        if workshop.on_duty(t, date):
            start = min(start, hhmm_minutes(t.shift.start))
            end = max(end, hhmm_minutes(t.shift.end))
    return start, end


def axis(workshop: Workshop, date: dt.date, moments: list[dt.datetime]) -> Axis:
    """The opening hours in whole hours, widened to any planned or clocked time outside them."""
    start, end = opening_hours(workshop, date)
    day = dt.datetime.combine(date, dt.time(), tzinfo=workshop.tz)
    for moment in moments:
        minute = int((moment.astimezone(workshop.tz) - day).total_seconds() // 60)
        start, end = min(start, max(0, minute)), max(end, min(24 * 60, minute))
    first, last = start // 60 * 60, -(-end // 60) * 60
    return Axis(first, max(last, first + 60))


def hour_width(hours: int) -> int:
    """Pixels per hour: the whole day within FIT when it can be, never below MIN_HOUR."""
    return max(MIN_HOUR, min(HOUR, (FIT - LABEL - RIGHT) // max(1, hours)))


def legend(workshop: Workshop, plan: Plan, bookings: dict[str, str]) -> list[Legend]:
    used = {bookings.get(a.booking, "").split(PART, 1)[0] for a in plan.assignments}
    palette = colours(workshop)
    return [Legend(s.code, s.name, palette[s.code]) for s in workshop.services if s.code in used]


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def shown_code(code: str) -> str:
    """A service code as a person reads it: a day's part of multi-day work ("ACC-REPAIR:ops2-3",
    scheduler.multiday) as its service's own code, "ACC-REPAIR"."""
    part = split_part(code)
    return code if part is None else part[0]


def operation_number(code: str, a: Assignment) -> int:
    """The operation's number in its booking, from 1: a day's part of multi-day work numbers its
    operations from its first one ("ACC-REPAIR:ops2-3"'s first is operation 3)."""
    part = split_part(code)
    return a.operation + 1 + (0 if part is None else part[1])


def bar_text(
    a: Assignment,
    booking: Booking | None,
    code: str,
    workshop: Workshop,
    rows_by: str = "bays",
    show_phone: bool = False,
) -> tuple[str, str]:
    """A bar's label (the plate, else the booking id's end, and the other resource) and its details (the
    vehicle, customer, service, times, promise and waiter). `show_phone`: only for the roles that
    call the customer (the foreman, the booking desk), not a manager."""
    tz = workshop.tz
    names = {t.id: t.name for t in workshop.technicians}
    start, end = a.start.astimezone(tz), a.end.astimezone(tz)
    plate = booking.plate if booking is not None and booking.plate else None
    # (clocked work of unknown bay, `Plan.clocked_bay_conflicts`: "bay unknown", never "None")
    where = gettext("bay %(bay)s", bay=a.bay) if a.bay is not None else gettext("bay unknown")
    other = names.get(a.technician, a.technician) if rows_by == "bays" else (a.bay or "–")
    # Short: the bar clips it, and a long text would widen the bar's box past its end.
    label = f"{plate or a.booking[-6:]} · {str(other).split(' ')[0]}"
    details = [plate or a.booking] if plate is None else [plate, a.booking]
    if booking is not None:
        details += [x for x in (booking.model, booking.customer) if x]
        if show_phone and booking.phone:
            details.append(booking.phone)
    details += [
        gettext(
            "%(service)s operation %(number)d", service=shown_code(code), number=operation_number(code, a)
        ),
        f"{start:%H:%M}–{end:%H:%M}",
        where,
        names.get(a.technician, a.technician),
    ]
    if booking is not None and booking.promised is not None:
        promised = booking.promised.astimezone(tz)
        t = current()
        on = f"{promised:%a %d %b}" if t.locale == "en" else t.short_day(promised.date())
        day = "" if promised.date() == start.date() else f"{on} "
        details.append(gettext("promised %(when)s", when=f"{day}{promised:%H:%M}"))
    if booking is not None and booking.waiter:
        details.append(gettext("waiter"))
    return label, " · ".join(details)


def bay_said(a: Assignment, done: OperationStatus | None) -> str:
    """Whose word a clocked bar's bay is (empty for work not clocked, or clocked with no bay: "bay
    unknown" says it): "bay clocked" where a start or resume named the bay it is in, "bay planned"
    where the clock named none (the plan's guess), and the bay clocked where the plan has not yet
    caught up with it (its re-plan on its way)."""
    if done is None or a.bay is None:
        return ""
    if not done.bay_clocked:
        return gettext("bay planned")
    if done.bay == a.bay:
        return gettext("bay clocked")
    return gettext("clocked in bay %(bay)s", bay=done.bay)


def _bay_mark(width: float) -> str:
    """A clocked bay's mark: a small black corner at the bar's top right (its <title> says it)."""
    side = min(9.0, width)
    return (
        f'<path class="bay-mark" d="M{width - side:.1f} 0H{width:.1f}V{side:.1f}Z" fill="#000" '
        f'stroke="#fff" stroke-width="1"/>'
    )


def render(
    workshop: Workshop,
    plan: Plan,
    bookings: dict[str, str],
    rows_by: str = "bays",
    status: DayStatus | None = None,
    now: dt.datetime | None = None,
    labels: dict[str, str] | None = None,
    people: Mapping[str, Booking] | None = None,
    show_phone: bool = False,
) -> str:
    """`bookings` maps booking id to service code (for colours and labels); `status` the live day
    (actual bars, at-risk marks), `now` the server's clock (a vertical line if within the chart);
    `people`: the bookings themselves, for plates, customers and promises in the bars' texts."""
    words = {**LABELS, **(labels or {})}
    tz = workshop.tz
    risky = {b.booking: b for b in status.bookings if b.at_risk} if status else {}
    actual = {
        (b.booking, o.operation): o
        for b in (status.bookings if status else [])
        for o in b.operations
        if o.actual_start is not None
    }
    loads: dict[str, tuple[str, bool]] = {}
    if rows_by == "technicians":
        rows = [
            (t.id, gettext("%(name)s (grade %(grade)s)", name=t.name, grade=t.grade))
            for t in workshop.technicians
        ]
        loads = _loads(plan, workshop)
        key = "technician"
    else:
        kind_name = current().kind_label
        rows = [
            # the kind as the workshop names it (`bay_kind_names`), else the five built-in kinds in the
            # page's language (marked in cli/render.py, KIND_WORDS), else as written
            (b.id, f"{b.id} · {kind_name(b.kind)}" + (f" · {b.fleet_partner}" if b.fleet_partner else ""))
            for b in workshop.bays
        ]
        if any(a.bay is None for a in plan.assignments):
            # Clocked work of unknown bay (`Plan.clocked_bay_conflicts`): a row of its own, last.
            rows.append((UNKNOWN_BAY_ROW, gettext("Bay unknown (clocked while its bay was taken)")))
        key = "bay"
    moments = [m for a in plan.assignments for m in (a.start, a.end)]
    for o in actual.values():
        assert o.actual_start is not None
        moments += [o.actual_start, o.actual_end or o.actual_start]
    span = axis(workshop, plan.date, moments)
    hour = hour_width(span.hours)
    width = span.hours * hour + RIGHT
    height = TOP + ROW * len(rows)
    index = {row_id: i for i, (row_id, _) in enumerate(rows)}
    palette = colours(workshop)

    def x(moment: dt.datetime) -> float:
        local = moment.astimezone(tz)
        minutes = local.hour * 60 + local.minute + local.second / 60 - span.start
        minutes += (local.date() - plan.date).days * 24 * 60
        return minutes * hour / 60

    def at(minute: int) -> float:
        return (minute - span.start) * hour / 60

    chart_name = gettext("Bay plan by technician") if key == "technician" else gettext("Bay plan by bay")
    labels_svg = [
        f'<svg class="gantt-labels" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LABEL} {height}" '
        f'width="{LABEL}" height="{height}" aria-hidden="true">'
    ]
    parts = [
        f'<svg class="gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" aria-label="{escape(chart_name)}" '
        f'data-axis-start="{span.start // 60:02d}:00" data-axis-end="{span.end // 60:02d}:00">',
        '<defs><pattern id="actual-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="3" height="6" fill="#000"/></pattern>'
        '<pattern id="break-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#e6e6e6"/>'
        '<rect width="3" height="8" fill="#b8b8b8"/></pattern></defs>',
    ]
    for i, (row_id, label) in enumerate(rows):
        y = TOP + i * ROW
        odd = " odd" if i % 2 else ""
        parts.append(f'<rect class="row{odd}" x="0" y="{y}" width="{width}" height="{ROW}"/>')
        labels_svg.append(f'<rect class="row{odd}" x="0" y="{y}" width="{LABEL}" height="{ROW}"/>')
        load = loads.get(row_id)
        if load is None:
            labels_svg.append(f'<text class="row-label" x="6" y="{y + ROW / 2 + 4}">{escape(label)}</text>')
            continue
        # A technician's row: his name, and below it his planned load (over his shift: in red).
        text, over = load
        labels_svg.append(f'<text class="row-label" x="6" y="{y + 14}">{escape(label)}</text>')
        labels_svg.append(
            f'<text class="row-load{" over" if over else ""}" x="6" y="{y + 28}" '
            f'data-technician="{escape(row_id)}">{escape(text)}</text>'
        )
    if rows_by == "technicians":
        parts += _shifts(workshop, plan.date, span, at, words)
    for h in range(span.start // 60, span.end // 60 + 1):
        hx = at(h * 60)
        parts.append(f'<line class="hour" x1="{hx:.1f}" y1="18" x2="{hx:.1f}" y2="{height}"/>')
        parts.append(f'<text class="hour-label" x="{hx + 2:.1f}" y="13">{h:02d}:00</text>')
    last: dict[str, int] = {}
    for a in plan.assignments:
        last[a.booking] = max(a.operation, last.get(a.booking, a.operation))
    for a in sorted(plan.assignments, key=lambda a: (a.start, a.booking)):
        row = index.get((a.bay or UNKNOWN_BAY_ROW) if key == "bay" else a.technician)
        if row is None:
            continue
        code = bookings.get(a.booking, "")
        fill = palette.get(code, "#777777")
        x0, x1 = x(a.start), x(a.end)
        y = TOP + row * ROW + 4
        end = a.end.astimezone(tz)
        label, details = bar_text(a, (people or {}).get(a.booking), code, workshop, rows_by, show_phone)
        risk = risky.get(a.booking)
        # Work that cannot finish today has no projected end: its mark says it carries over.
        late = (
            ""
            if risk is None
            else words["carried"]
            if risk.carried_over
            else words["late"].replace("%(minutes)s", str(risk.projected_lateness_minutes))
        )
        done = actual.get((a.booking, a.operation))
        if done is not None and done.actual_start is not None:
            actual_end = done.actual_end or max(now or done.actual_start, done.actual_start)
            done_text = (
                words["actual"]
                .replace("%(start)s", f"{done.actual_start.astimezone(tz):%H:%M}")
                .replace("%(end)s", f"{actual_end.astimezone(tz):%H:%M}" if done.actual_end else "…")
            )
            details += f" · {done_text}"
        # Clocked work's bay: the shop floor's word (a start or resume named it) or the plan's guess.
        said = bay_said(a, done)
        if said:
            details += f" · {said}"
        if risk:
            details += f" · {late}"
        bay_clocked = done is not None and done.bay_clocked and done.bay == a.bay
        classes = "bar" + (" at-risk" if risk else "") + (" clocked" if done else "")
        classes += " bay-clocked" if bay_clocked else ""
        who = (people or {}).get(a.booking)
        found = workshop.service(code)
        step = found.operations[a.operation].name if found and a.operation < len(found.operations) else ""
        # What the "running late" dialog names: the vehicle (plate, else booking), service and step.
        named = (
            f'data-vehicle="{escape(who.plate if who is not None and who.plate else a.booking)}" '
            f'data-service="{escape(shown_code(code))}" data-step="{escape(step)}" '
        )
        # A nested <svg> per bar clips its label to the bar.
        parts.append(
            f'<g class="{classes}" tabindex="0" role="img" aria-label="{escape(details)}" '
            f'data-booking="{escape(a.booking)}" data-operation="{a.operation}" '
            f'data-number="{operation_number(code, a)}" {named}'
            f'data-end="{end.isoformat()}"><title>{escape(details)}</title>'
            f'<svg x="{x0:.1f}" y="{y}" width="{max(2.0, x1 - x0):.1f}" height="{ROW - 8}" overflow="hidden">'
            f'<rect width="100%" height="100%" rx="3" fill="{fill}"/>'
            f'<text x="3" y="17" fill="{_text_colour(fill)}">'
            f"{escape(label)}</text>" + (_bay_mark(max(2.0, x1 - x0)) if bay_clocked else "") + "</svg>"
        )
        if done is not None and done.actual_start is not None:
            ax0, ax1 = x(done.actual_start), x(actual_end)
            running = " running" if done.actual_end is None else ""
            parts.append(
                f'<rect class="actual{running}" x="{ax0:.1f}" y="{y + ROW - 8 - ACTUAL}" '
                f'width="{max(2.0, ax1 - ax0):.1f}" height="{ACTUAL}" fill="url(#actual-hatch)" '
                f'stroke="#000" stroke-width="1"><title>{escape(done_text)}</title></rect>'
            )
        if risk:
            parts.append(
                f'<rect class="risk-outline" x="{x0 - 1:.1f}" y="{y - 1}" '
                f'width="{max(2.0, x1 - x0) + 2:.1f}" height="{ROW - 6}" rx="4" fill="none" '
                f'stroke="#B00020" stroke-width="2" stroke-dasharray="5 3"/>'
            )
            if a.operation == last[a.booking]:  # every bar outlined; the mark once, after the last
                parts.append(
                    f'<text class="risk-label" x="{x1 + 3:.1f}" y="{y + 11}" fill="#B00020">'
                    f"⚠ {escape(late)}</text>"
                )
        parts.append("</g>")
    if now is not None:
        nx = x(now)
        if 0 <= nx <= width - RIGHT:
            parts.append(
                f'<g class="now" data-now="{now.astimezone(tz).isoformat()}">'
                f'<line x1="{nx:.1f}" y1="16" x2="{nx:.1f}" y2="{height}" stroke="#B00020" stroke-width="2"/>'
                f'<text x="{nx + 3:.1f}" y="{NOW_Y}" fill="#B00020">{escape(words["now"])} '
                f"{now.astimezone(tz):%H:%M}</text></g>"
            )
    parts.append("</svg>")
    labels_svg.append("</svg>")
    return "".join(labels_svg) + "".join(parts)


def _loads(plan: Plan, workshop: Workshop) -> dict[str, tuple[str, bool]]:
    """Each technician's planned load as his row says it, "5.2 h · 78%" of his shift (breaks left
    out), and whether it is over his shift; his hours alone when he has no shift that day, and
    nothing when he has neither work nor shift (review-s43 #15: the page gave only the workshop's
    utilisation, so who was overloaded showed only as the density of his bars)."""
    t = current()
    out: dict[str, tuple[str, bool]] = {}
    for technician, (planned, shift) in technician_load(plan, workshop).items():
        hours = t.number(planned / 60, 1)
        if shift:
            text = gettext("%(hours)s h · %(share)s of shift", hours=hours, share=t.percent(planned / shift))
            out[technician] = (text, planned > shift)
        elif planned:
            out[technician] = (gettext("%(hours)s h, off shift", hours=hours), True)
    return out


def _shifts(
    workshop: Workshop, date: dt.date, span: Axis, at: Callable[[int], float], words: Mapping[str, str]
) -> list[str]:
    """Technician rows' shading: grey outside the shift (the whole row when off duty), breaks hatched."""
    out: list[str] = []
    off = escape(words["off"])
    for i, t in enumerate(workshop.technicians):
        y = TOP + i * ROW
        windows = [(span.start, span.end)]
        if workshop.on_duty(t, date):
            start, end = hhmm_minutes(t.shift.start), hhmm_minutes(t.shift.end)
            windows = [(span.start, start), (end, span.end)]
        for a, b in windows:
            if b > a:
                out.append(
                    f'<rect class="off-shift" x="{at(a):.1f}" y="{y}" width="{at(b) - at(a):.1f}" '
                    f'height="{ROW}"><title>{off}</title></rect>'
                )
        if not workshop.on_duty(t, date):
            continue
        for brk in t.shift.breaks:
            a, b = hhmm_minutes(brk.start), hhmm_minutes(brk.end)
            text = words["break"].replace("%(start)s", brk.start).replace("%(end)s", brk.end)
            out.append(
                f'<rect class="break" x="{at(a):.1f}" y="{y}" width="{at(b) - at(a):.1f}" height="{ROW}" '
                f'fill="url(#break-hatch)" data-start="{brk.start}" data-end="{brk.end}">'
                f"<title>{escape(text)}</title></rect>"
            )
    return out
