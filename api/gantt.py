"""The bay plan as an SVG Gantt chart, rendered on the server (no script needed to read it).

Rows are bays or technicians; each operation is a focusable bar coloured by service
(Okabe-Ito, a palette colour-blind readers can tell apart) with its details in a <title>.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from scheduler.contract import Assignment, Booking, Plan, Workshop

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
ROW = 34
LABEL = 150
HOUR = 90


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
        f"{code} operation {a.operation + 1}",
        f"{start:%H:%M}–{end:%H:%M}",
        f"bay {a.bay}",
        names.get(a.technician, a.technician),
    ]
    if booking is not None and booking.promised is not None:
        promised = booking.promised.astimezone(tz)
        day = "" if promised.date() == start.date() else f"{promised:%a %d %b} "
        details.append(f"promised {day}{promised:%H:%M}")
    if booking is not None and booking.waiter:
        details.append("waiter")
    return label, " · ".join(details)


def render(
    workshop: Workshop,
    plan: Plan,
    bookings: dict[str, str],
    rows_by: str = "bays",
    people: Mapping[str, Booking] | None = None,
    show_phone: bool = False,
) -> str:
    """`bookings` maps booking id to service code (for colours and labels); `people`: the bookings
    themselves, for plates, customers and promises in the bars' labels and details."""
    tz = workshop.tz
    if rows_by == "technicians":
        rows = [(t.id, f"{t.name} (grade {t.grade})") for t in workshop.technicians]
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
    first = min([s.hour for s in starts], default=8)
    last = max([e.hour + (e.minute > 0) for e in ends], default=18)
    first, last = min(first, 8), max(last, first + 1)
    width = LABEL + (last - first) * HOUR + 40
    height = 24 + ROW * len(rows)
    index = {row_id: i for i, (row_id, _) in enumerate(rows)}
    palette = colours(workshop)

    def x(moment: dt.datetime) -> float:
        minutes = (moment.astimezone(tz) - day).total_seconds() / 60 - first * 60
        return LABEL + minutes * HOUR / 60

    parts = [
        f'<svg class="gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" aria-label="Bay plan by {key}">'
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
        # A nested <svg> per bar clips its label to the bar.
        parts.append(
            f'<g class="bar" tabindex="0" role="img" aria-label="{escape(details)}" '
            f'data-booking="{escape(a.booking)}" data-operation="{a.operation}" '
            f'data-end="{end.isoformat()}"><title>{escape(details)}</title>'
            f'<svg x="{x0:.1f}" y="{y}" width="{max(2.0, x1 - x0):.1f}" height="{ROW - 8}" overflow="hidden">'
            f'<rect width="100%" height="100%" rx="3" fill="{fill}"/>'
            f'<text x="3" y="17" fill="{_text_colour(fill)}">'
            f"{escape(label)}</text></svg></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
