"""Printable job cards (A5, one per booking) and technicians' day sheets (A4), as PDF.

Pure: contract objects in, PDF bytes out (reportlab's canvas). Chinese text uses reportlab's
built-in CID font STSong-Light (no font files); a text that Helvetica can show uses Helvetica.
Times are the workshop's local clock; `lang` chooses the translator (en, zh_CN).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from babel import dates
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from scheduler.contract import Assignment, Booking, Plan, Service, Workshop
from scheduler.i18n import Translator
from scheduler.multiday import split_part

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "STSong-Light"
MARGIN = 12 * mm
LINE = 6 * mm


def _register_cjk() -> None:
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def _latin(char: str) -> bool:
    """Whether Helvetica (WinAnsi: Latin-1, dashes, quotes, ellipsis) has the character."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """`text` cut into (font, piece) runs: Helvetica where it can, else the CID font (no bold)."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = (LATIN_BOLD if bold else LATIN) if _latin(char) else CJK
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def _width(text: str, size: float, bold: bool = False) -> float:
    return float(sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in _runs(text, bold)))


SHRINK = 0.75
"""How far a cell's text may shrink to fit its column before it is cut (`_Page.text`)."""


def _fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """`text`, cut with an ellipsis to fit `width` points."""
    if _width(text, size, bold) <= width:
        return text
    while text and _width(text + "…", size, bold) > width:
        text = text[:-1]
    return text + "…"


class _Page:
    """A canvas with the few drawing moves the cards need."""

    def __init__(self, canvas: Canvas, size: tuple[float, float]) -> None:
        self.c = canvas
        self.width, self.height = size
        self.y = self.height - MARGIN

    def text(
        self, x: float, text: str, size: float = 10, bold: bool = False, width: float | None = None
    ) -> None:
        if width is not None:
            # A cell too narrow shrinks its text first (to three quarters, a booking id read whole
            # beats one font size), then cuts it.
            smallest = size * SHRINK
            while size > smallest and _width(text, size, bold) > width:
                size = max(smallest, size - 0.25)
        shown = _fit(text, size, width, bold) if width is not None else text
        at = x
        for font, piece in _runs(shown, bold):
            self.c.setFont(font, size)
            self.c.drawString(at, self.y, piece)
            at += pdfmetrics.stringWidth(piece, font, size)

    def down(self, by: float = LINE) -> None:
        self.y -= by

    def rule(self, x0: float | None = None, x1: float | None = None, width: float = 0.5) -> None:
        self.c.setLineWidth(width)
        self.c.line(MARGIN if x0 is None else x0, self.y, self.width - MARGIN if x1 is None else x1, self.y)

    def notes(self, t: Translator, bottom: float = MARGIN) -> None:
        """The heading Notes and ruled lines down to `bottom`."""
        self.down(LINE)
        self.text(MARGIN, t.gettext("Notes"), size=10, bold=True)
        self.c.setStrokeGray(0.6)
        self.down(LINE + 1 * mm)
        while self.y > bottom:
            self.rule(width=0.3)
            self.down(LINE + 1 * mm)
        self.c.setStrokeGray(0)

    def columns(self, cells: Sequence[str], xs: Sequence[float], size: float = 9, bold: bool = False) -> None:
        edges = [*xs[1:], self.width - MARGIN]
        for cell, x, end in zip(cells, xs, edges, strict=True):
            self.text(x, cell, size=size, bold=bold, width=end - x - 2 * mm)


@dataclass(frozen=True)
class _Line:
    """One planned (or unplanned) operation of a booking, in words."""

    booking: Booking
    name: str
    minutes: int
    assignment: Assignment | None
    carried_over: bool = False  # left out of the day after its clocked work (scheduler.replan)


def _service(workshop: Workshop, booking: Booking) -> tuple[Service | None, int, int]:
    """The booking's service with the operations it has on the day (first, last): all of them, or
    for multi-day work carried in (its part, scheduler.multiday) the operations done that day."""
    part = split_part(booking.service)
    code = part[0] if part else booking.service
    service = next((s for s in workshop.services if s.code == code), None)
    if service is None:
        return None, 0, -1
    first, last = (part[1], part[2]) if part else (0, len(service.operations) - 1)
    return service, first, min(last, len(service.operations) - 1)


def _lines(workshop: Workshop, plan: Plan | None, booking: Booking) -> list[_Line]:
    service, first, last = _service(workshop, booking)
    # A part's placements are numbered from its first operation (scheduler.multiday.day_part).
    placed = {first + a.operation: a for a in (plan.assignments if plan else []) if a.booking == booking.id}
    if service is None:
        return []
    unassigned = plan.unassigned if plan else []
    later = {first + k for u in unassigned if u.booking == booking.id for k in u.operations or ()}
    return [
        _Line(booking, service.operations[i].name, service.operations[i].minutes, placed.get(i), i in later)
        for i in range(first, last + 1)
    ]


def _hm(moment: dt.datetime | None, workshop: Workshop, t: Translator) -> str:
    return t.time(moment.astimezone(workshop.tz)) if moment is not None else "–"


def _dated(moment: dt.datetime | None, workshop: Workshop, date: dt.date, t: Translator) -> str:
    """A moment of the card's or sheet's day as HH:MM; of another day with that day before it, short
    enough for the day sheet's column ("Nov 25 08:00", "11月25日 08:00"): a pickup promised for the
    next morning must not read as this morning's, nor a car dropped off days ago as today's."""
    if moment is None or moment.astimezone(workshop.tz).date() == date:
        return _hm(moment, workshop, t)
    day = dates.format_skeleton("MMMd", moment.astimezone(workshop.tz).date(), locale=t.locale)
    return f"{day} {_hm(moment, workshop, t)}"


def _span(a: Assignment | None, workshop: Workshop, t: Translator, carried_over: bool = False) -> str:
    if a is not None:
        return f"{_hm(a.start, workshop, t)}–{_hm(a.end, workshop, t)}"
    return t.gettext("carried over") if carried_over else t.gettext("not planned")


def _names(workshop: Workshop) -> dict[str, str]:
    return {tech.id: tech.name for tech in workshop.technicians}


def _yes_no(value: bool, t: Translator) -> str:
    return t.gettext("yes") if value else t.gettext("no")


def _header(page: _Page, title: str, workshop: Workshop, date: dt.date, t: Translator) -> None:
    page.text(MARGIN, title, size=16, bold=True)
    page.down(LINE)
    page.text(MARGIN, f"{workshop.name} · {t.weekday_date(date)}", size=10)
    page.down(3 * mm)
    page.rule(width=1)
    page.down(LINE)


def _card(
    page: _Page,
    workshop: Workshop,
    date: dt.date,
    plan: Plan | None,
    booking: Booking,
    t: Translator,
    carried: bool = False,
) -> None:
    _header(page, t.gettext("Job card %(booking)s", booking=booking.id), workshop, date, t)
    lines = _lines(workshop, plan, booking)
    found, first, last = _service(workshop, booking)
    code = found.code if found else booking.service
    service = found.name if found else booking.service
    drop_off = _hm(booking.drop_off, workshop, t)
    if booking.drop_off.astimezone(workshop.tz).date() != date:  # carried in, or held since an earlier day
        drop_off = f"{t.date(booking.drop_off.astimezone(workshop.tz).date())} {drop_off}"
    promised = _hm(booking.promised, workshop, t)
    if booking.promised is not None and booking.promised.astimezone(workshop.tz).date() != date:
        promised = f"{t.date(booking.promised.astimezone(workshop.tz).date())} {promised}"  # multi-day work
    fields = [
        (t.gettext("Plate"), booking.plate or "–"),
        (t.gettext("Customer"), booking.customer or "–"),
        (t.gettext("Model"), booking.model or booking.vehicle or "–"),
        (t.gettext("Service"), f"{code} · {service}"),
        (t.gettext("Drop-off"), drop_off),
        (t.gettext("Promised pickup"), promised),
        (t.gettext("Waiter"), _yes_no(booking.waiter, t)),
    ]
    if carried and found is not None:
        share = t.gettext(
            "operations %(first)s–%(last)s of %(count)s today",
            first=first + 1,
            last=last + 1,
            count=len(found.operations),
        )
        fields.append((t.gettext("Carried in"), share))
    multi_day = found is not None and found.max_days > 1 and not carried
    if multi_day and plan is not None and lines and all(line.assignment is None for line in lines):
        # Multi-day work whose work starts on a later day (scheduler.multiday): checked in today.
        fields.append((t.gettext("Today"), t.gettext("no work today: held for later days")))
    for label, value in fields:
        page.text(MARGIN, label, size=10, bold=True)
        page.text(
            MARGIN + 35 * mm,
            value,
            size=11 if label == fields[0][0] else 10,
            width=page.width - 2 * MARGIN - 35 * mm,
        )
        page.down()
    page.down(2 * mm)
    usable = page.width - 2 * MARGIN
    xs = [MARGIN + usable * f for f in (0, 0.34, 0.46, 0.68, 0.8)]
    page.columns([t.gettext("Operation"), t.gettext("Std. min"), t.gettext("Planned"), t.gettext("Bay"),
                  t.gettext("Technician")], xs, bold=True)  # fmt: skip
    page.down(2 * mm)
    page.rule()
    page.down(LINE - 1 * mm)
    names = _names(workshop)
    for line in lines:
        a = line.assignment
        span = _span(a, workshop, t, line.carried_over)
        page.columns([line.name, t.number(line.minutes), span, a.bay if a and a.bay else "–",
                      names.get(a.technician, a.technician) if a else "–"], xs)  # fmt: skip
        page.down()
    page.notes(t)


def job_cards(
    workshop: Workshop,
    date: dt.date,
    plan: Plan | None,
    bookings: Sequence[Booking],
    lang: str | None = None,
    carried: Sequence[Booking] = (),
) -> bytes:
    """One A5 job card per booking of the day, in order of planned start (unplanned last).
    `carried`: the multi-day repairs of earlier days with work on this one, as the day sees them
    (scheduler.multiday.day_part: the part of that day's operations): each gets a card of its
    operations that day, marked carried in."""
    _register_cjk()
    t = Translator(lang)
    workshop = workshop.in_language(t.locale)  # the names the workshop gives in that language
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, pageCompression=1)
    canvas.setTitle(t.gettext("Job cards %(date)s", date=t.date(date)))
    starts: dict[str, dt.datetime] = {}
    for a in plan.assignments if plan else []:
        starts[a.booking] = min(starts.get(a.booking, a.start), a.start)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    carried_in = {b.id for b in carried}
    ordered = sorted([*bookings, *carried], key=lambda b: (starts.get(b.id, far), b.id))
    if not ordered:
        page = _Page(canvas, A5)
        _header(page, t.gettext("Job cards %(date)s", date=t.date(date)), workshop, date, t)
        page.text(MARGIN, t.gettext("No bookings on this day."))
        canvas.showPage()
    for booking in ordered:
        _card(_Page(canvas, A5), workshop, date, plan, booking, t, booking.id in carried_in)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def day_sheet(
    workshop: Workshop,
    date: dt.date,
    plan: Plan | None,
    bookings: Sequence[Booking],
    technician: str,
    lang: str | None = None,
    carried: Sequence[Booking] = (),
) -> bytes:
    """A technician's day on A4: his operations in planned order, each with the car, the customer,
    the standard minutes, the bay and the promised pickup; then ruled space for notes. `carried`:
    as for `job_cards`; their operations are marked carried in."""
    _register_cjk()
    t = Translator(lang)
    workshop = workshop.in_language(t.locale)  # the names the workshop gives in that language
    name = _names(workshop).get(technician, technician)
    by_id = {b.id: b for b in [*bookings, *carried]}
    carried_in = {b.id for b in carried}
    mine = sorted((a for a in (plan.assignments if plan else []) if a.technician == technician),
                  key=lambda a: (a.start, a.booking, a.operation))  # fmt: skip
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    title = t.gettext("Day sheet: %(technician)s", technician=name)
    canvas.setTitle(title)
    page = _Page(canvas, A4)
    _header(page, title, workshop, date, t)
    usable = page.width - 2 * MARGIN
    # The promised pickup's column is wide enough for a date beside the time (a next-day promise).
    xs = [MARGIN + usable * f for f in (0, 0.115, 0.245, 0.345, 0.45, 0.55, 0.7, 0.765, 0.825, 0.945)]
    heads = [t.gettext("Planned"), t.gettext("Booking"), t.gettext("Plate"), t.gettext("Customer"),
             t.gettext("Model"), t.gettext("Operation"), t.gettext("Std. min"), t.gettext("Bay"),
             t.gettext("Promised"), t.gettext("Waiter")]  # fmt: skip

    def head() -> None:
        page.columns(heads, xs, size=7, bold=True)
        page.down(2 * mm)
        page.rule()
        page.down(LINE - 1 * mm)

    head()
    if not mine:
        page.text(MARGIN, t.gettext("No operations planned for this technician."))
        page.down()
    carried_word = t.gettext("carried in")  # outside the f-string, where the extractor sees it
    for a in mine:
        if page.y < MARGIN + LINE:
            canvas.showPage()
            page = _Page(canvas, A4)
            head()
        b = by_id.get(a.booking)
        service, first, last = _service(workshop, b) if b else (None, 0, -1)
        at = first + a.operation  # a part's placements are numbered from its first operation
        op = service.operations[at] if service and at <= last else None
        what = op.name if op else "–"
        if a.booking in carried_in:
            what = f"{what} · {carried_word}"
        page.columns(
            [
                _span(a, workshop, t),
                a.booking,
                (b.plate if b else None) or "–",
                (b.customer if b else None) or "–",
                (b.model if b else None) or "–",
                what,
                t.number(op.minutes) if op else "–",
                a.bay or "–",
                _dated(b.promised if b else None, workshop, date, t),
                _yes_no(bool(b and b.waiter), t),
            ],
            xs,
            size=8,
        )
        page.down()
    if page.y < MARGIN + 4 * LINE:
        canvas.showPage()
        page = _Page(canvas, A4)
    page.notes(t)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
