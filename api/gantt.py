"""The bay plan as an SVG Gantt chart, rendered on the server (no script needed to read it).

Rows are bays or technicians; each operation is a focusable bar coloured by service
(Okabe-Ito, a palette colour-blind readers can tell apart) with its details in a <title>.
Given the live day (`DayStatus`), clocked work is a thin hatched bar along the bottom of the planned
one (plan vs actual; work in progress runs to now), a vertical line marks now, and bookings at risk of
missing their promise are outlined with their projected lateness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from api.i18n import current
from scheduler.clocking import DayStatus
from scheduler.contract import Assignment, Booking, Plan, Workshop

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
ROW = 34
LABEL = 150
HOUR = 90
ACTUAL = 7
"""The height of a clocked (actual) bar, drawn over the bottom of the planned one."""
LABELS = {"now": "now", "actual": "actual %(start)s–%(end)s", "late": "+%(minutes)s min"}
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
    return {s.code: PALETTE[i % len(PALETTE)] for i, s in enumerate(workshop.services)}


def legend(workshop: Workshop, plan: Plan, bookings: dict[str, str]) -> list[Legend]:
    used = {bookings.get(a.booking, "") for a in plan.assignments}
    palette = colours(workshop)
    return [Legend(s.code, s.name, palette[s.code]) for s in workshop.services if s.code in used]


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


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
    other = names.get(a.technician, a.technician) if rows_by == "bays" else a.bay
    # Short: the bar clips it, and a long text would widen the bar's box past its end.
    label = f"{plate or a.booking[-6:]} · {str(other).split(' ')[0]}"
    details = [plate or a.booking] if plate is None else [plate, a.booking]
    if booking is not None:
        details += [x for x in (booking.model, booking.customer) if x]
        if show_phone and booking.phone:
            details.append(booking.phone)
    details += [
        gettext("%(service)s operation %(number)s", service=code, number=a.operation + 1),
        f"{start:%H:%M}–{end:%H:%M}",
        gettext("bay %(bay)s", bay=a.bay),
        names.get(a.technician, a.technician),
    ]
    if booking is not None and booking.promised is not None:
        promised = booking.promised.astimezone(tz)
        t = current()
        on = f"{promised:%a %d %b}" if t.locale == "en" else t.date(promised.date(), "MMMd日EEE")
        day = "" if promised.date() == start.date() else f"{on} "
        details.append(gettext("promised %(when)s", when=f"{day}{promised:%H:%M}"))
    if booking is not None and booking.waiter:
        details.append(gettext("waiter"))
    return label, " · ".join(details)


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
    if rows_by == "technicians":
        rows = [
            (t.id, gettext("%(name)s (grade %(grade)s)", name=t.name, grade=t.grade))
            for t in workshop.technicians
        ]
        key = "technician"
    else:
        rows = [
            (b.id, f"{b.id} · {b.kind}" + (f" · {b.fleet_partner}" if b.fleet_partner else ""))
            for b in workshop.bays
        ]
        key = "bay"
    starts = [a.start.astimezone(tz) for a in plan.assignments]
    ends = [a.end.astimezone(tz) for a in plan.assignments]
    day = dt.datetime.combine(plan.date, dt.time(), tzinfo=tz)
    for o in actual.values():
        assert o.actual_start is not None
        starts.append(o.actual_start.astimezone(tz))
        ends.append((o.actual_end or o.actual_start).astimezone(tz))
    first = min([s.hour for s in starts], default=8)
    last = max([e.hour + (e.minute > 0) for e in ends], default=18)
    first, last = min(first, 8), max(last, first + 1)
    chart_name = gettext("Bay plan by technician") if key == "technician" else gettext("Bay plan by bay")
    width = LABEL + (last - first) * HOUR + 40
    height = 24 + ROW * len(rows)
    index = {row_id: i for i, (row_id, _) in enumerate(rows)}
    palette = colours(workshop)

    def x(moment: dt.datetime) -> float:
        minutes = (moment.astimezone(tz) - day).total_seconds() / 60 - first * 60
        return LABEL + minutes * HOUR / 60

    parts = [
        f'<svg class="gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" aria-label="{escape(chart_name)}">',
        '<defs><pattern id="actual-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="3" height="6" fill="#000"/></pattern></defs>',
    ]
    for h in range(first, last + 1):
        hx = LABEL + (h - first) * HOUR
        parts.append(f'<line class="hour" x1="{hx}" y1="18" x2="{hx}" y2="{height}"/>')
        parts.append(f'<text class="hour-label" x="{hx + 2}" y="13">{h:02d}:00</text>')
    for i, (_, label) in enumerate(rows):
        y = 24 + i * ROW
        parts.append(
            f'<rect class="row{" odd" if i % 2 else ""}" x="0" y="{y}" width="{width}" height="{ROW}"/>'
        )
        parts.append(f'<text class="row-label" x="6" y="{y + ROW / 2 + 4}">{escape(label)}</text>')
    for a in sorted(plan.assignments, key=lambda a: (a.start, a.booking)):
        row = index.get(a.bay if key == "bay" else a.technician)
        if row is None:
            continue
        code = bookings.get(a.booking, "")
        fill = palette.get(code, PALETTE[-1])
        x0, x1 = x(a.start), x(a.end)
        y = 24 + row * ROW + 4
        end = a.end.astimezone(tz)
        label, details = bar_text(a, (people or {}).get(a.booking), code, workshop, rows_by, show_phone)
        risk = risky.get(a.booking)
        late = words["late"].replace("%(minutes)s", str(risk.projected_lateness_minutes)) if risk else ""
        done = actual.get((a.booking, a.operation))
        if done is not None and done.actual_start is not None:
            actual_end = done.actual_end or max(now or done.actual_start, done.actual_start)
            done_text = (
                words["actual"]
                .replace("%(start)s", f"{done.actual_start.astimezone(tz):%H:%M}")
                .replace("%(end)s", f"{actual_end.astimezone(tz):%H:%M}" if done.actual_end else "…")
            )
            details += f" · {done_text}"
        if risk:
            details += f" · {late}"
        classes = "bar" + (" at-risk" if risk else "") + (" clocked" if done else "")
        # A nested <svg> per bar clips its label to the bar.
        parts.append(
            f'<g class="{classes}" tabindex="0" role="img" aria-label="{escape(details)}" '
            f'data-booking="{escape(a.booking)}" data-operation="{a.operation}" '
            f'data-end="{end.isoformat()}"><title>{escape(details)}</title>'
            f'<svg x="{x0:.1f}" y="{y}" width="{max(2.0, x1 - x0):.1f}" height="{ROW - 8}" overflow="hidden">'
            f'<rect width="100%" height="100%" rx="3" fill="{fill}"/>'
            f'<text x="3" y="17" fill="{_text_colour(fill)}">'
            f"{escape(label)}</text></svg>"
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
                f'<text class="risk-label" x="{x1 + 3:.1f}" y="{y + 11}" fill="#B00020">'
                f"⚠ {escape(late)}</text>"
            )
        parts.append("</g>")
    if now is not None:
        nx = x(now)
        if LABEL <= nx <= width - 40:
            parts.append(
                f'<g class="now" data-now="{now.astimezone(tz).isoformat()}">'
                f'<line x1="{nx:.1f}" y1="16" x2="{nx:.1f}" y2="{height}" stroke="#B00020" stroke-width="2"/>'
                f'<text x="{nx + 3:.1f}" y="22" fill="#B00020">{escape(words["now"])} '
                f"{now.astimezone(tz):%H:%M}</text></g>"
            )
    parts.append("</svg>")
    return "".join(parts)
