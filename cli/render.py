"""The bay plan as the foreman reads it: one block per bay, then the unassigned, then KPIs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cli.i18n import N_, _, current
from scheduler.contract import GRADE_NAMES, Assignment, Change, Plan, PlanRequest, Workshop
from scheduler.kpis import elapsed_minutes, plan_quality_words

#: A plan's solver status as its reader reads it (the JSON keeps the contract's value).
STATUS_WORDS = {
    "optimal": N_("optimal"),
    "feasible": N_("feasible"),
    "infeasible": N_("infeasible"),
    "unknown": N_("unknown"),
}


def _hhmm(moment: object) -> str:
    return moment.strftime("%H:%M")  # type: ignore[attr-defined, no-any-return]


#: Bay kinds, grade names and change kinds as the domain spells them, marked for translation.
KIND_WORDS = (N_("general"), N_("express"), N_("alignment"), N_("body"), N_("paint"))
CHANGE_WORDS = (N_("moved"), N_("reassigned"), N_("added"), N_("dropped"), N_("unassigned"), N_("placed"))
GRADE_WORDS = (N_("apprentice"), N_("junior"), N_("intermediate"), N_("senior"), N_("master"))


def promise_words(promised: dt.datetime, day: dt.date, tz: dt.tzinfo) -> str:
    """A promised pickup as a foreman reads it: its time, and its date when on another day."""
    local = promised.astimezone(tz)
    if local.date() == day:
        return _hhmm(local)
    return f"{current().date(local.date())} {_hhmm(local)}"


def render_plan(
    request: PlanRequest, plan: Plan, rows: str = "bays", verbose: bool = False
) -> RenderableType:
    """One block per bay (or per technician with `rows="technicians"`), then the unassigned, then
    KPIs; the header says how the plan went in words (`verbose`: the objective and its bound too)."""
    # its names in the table's language, and in the sentences (the reasons) and its kinds' names too
    t = current().named(request.workshop.names_in(current().locale))
    workshop = request.workshop.in_language(t.locale)
    tz = workshop.tz
    bookings = {b.id: b for b in request.bookings}
    services = {s.code: s for s in workshop.services}
    techs = {t.id: t for t in workshop.technicians}
    by_row: dict[str, list[Assignment]] = defaultdict(list)
    for a in plan.assignments:
        # (clocked work of unknown bay: `Plan.clocked_bay_conflicts`, in a row of its own)
        by_row[a.technician if rows == "technicians" else a.bay or "–"].append(a)
    plates = any(b.plate for b in request.bookings)

    lines: list[str | tuple[str, str]] = [
        (_("Bay plan · %(name)s · %(date)s (%(timezone)s)", name=workshop.name,
           date=t.date(plan.date, "full"), timezone=workshop.timezone) + "\n", "bold"),
        plan_quality_words(plan, t),
    ]  # fmt: skip
    if verbose:
        gap = t.percent(plan.gap, 1) if plan.gap is not None else _("n/a")
        bound = f"{plan.best_bound:g}" if plan.best_bound is not None else _("n/a")
        technical = _(
            "planner %(planner)s · status %(status)s · objective %(objective)s · best bound %(bound)s"
            " · gap %(gap)s · %(seconds)s s", planner=plan.planner, status=_(STATUS_WORDS[plan.status]),
            objective=f"{plan.objective:g}", bound=bound, gap=gap, seconds=t.number(plan.solve_seconds, 2),
        )  # fmt: skip
        lines.append("\n" + technical)
    parts: list[RenderableType] = [Text.assemble(*lines)]
    if rows == "technicians":
        blocks = [(tech.id, f"{tech.name} ({_(GRADE_NAMES[tech.grade])})") for tech in workshop.technicians]
    else:
        blocks = [
            (bay.id, f"{bay.id} · {t.kind_label(bay.kind)}"
             + (" · " + _("fleet partner %(partner)s", partner=bay.fleet_partner)
                if bay.fleet_partner else ""))
            for bay in workshop.bays
        ]  # fmt: skip
        if "–" in by_row:  # clocked work of unknown bay (`Plan.clocked_bay_conflicts`), last
            blocks.append(("–", _("Bay unknown (clocked while its bay was taken)")))
    for row_id, title in blocks:
        jobs = sorted(by_row.get(row_id, []), key=lambda a: a.start)
        if not jobs:
            parts.append(Text(_("%(title)s: idle", title=title), style="dim"))
            continue
        # Names are text, never rich markup ("[/]…" raised MarkupError, "[red]" styled: review-s27).
        table = Table(
            title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False
        )
        columns = [_("time"), _("booking")] + ([_("plate")] if plates else [])
        other = _("bay") if rows == "technicians" else _("technician")
        columns += [_("service · operation"), other, _("notes")]
        for column in columns:
            table.add_column(column)
        for a in jobs:
            booking = bookings[a.booking]
            service = services[booking.service]
            tech = techs[a.technician]
            notes = []
            if booking.waiter:
                notes.append(_("waiter"))
            if booking.fleet_partner:
                notes.append(_("fleet %(partner)s", partner=booking.fleet_partner))
            if booking.promised is not None:
                notes.append(_("promised %(time)s", time=promise_words(booking.promised, plan.date, tz)))
                last = max((x.end for x in plan.assignments if x.booking == a.booking), default=a.end)
                if a.end == last and a.end > booking.promised:
                    notes.append(_("LATE %(minutes)s min", minutes=elapsed_minutes(booking.promised, a.end)))
            cells = [f"{_hhmm(a.start.astimezone(tz))}-{_hhmm(a.end.astimezone(tz))}", a.booking]
            if plates:
                cells.append(booking.plate or "")
            cells += [
                f"{service.name} · {service.operations[a.operation].name}",
                a.bay or "–"
                if rows == "technicians"
                else _("%(name)s (%(grade)s)", name=tech.name, grade=_(GRADE_NAMES[tech.grade])),
                _(", ").join(notes),
            ]
            table.add_row(*(Text(cell) for cell in cells))
        parts.append(table)

    if plan.unassigned:
        unassigned = Table(title=_("Unassigned"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        unassigned.add_column(_("booking"))
        unassigned.add_column(_("service"))
        unassigned.add_column(_("reason"))
        for u in plan.unassigned:
            unassigned.add_row(Text(u.booking), Text(bookings[u.booking].service), Text(t.phrase(u.reason)))
        parts.append(unassigned)
    else:
        parts.append(Text(_("Unassigned: none"), style="bold"))

    k = plan.kpis
    kpis = Table(
        title=_("KPIs"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_header=False
    )
    kpis.add_column("kpi")
    kpis.add_column("value", justify="right")

    def minutes(value: int) -> str:
        return _("%(minutes)s min", minutes=t.number(value))

    for name, value in (
        (_("bookings"), t.number(k.bookings)),
        (_("placed"), t.number(k.placed)),
        (_("on time"), f"{t.number(k.on_time)} ({t.percent(k.on_time / k.placed)})" if k.placed else "0"),
        (_("late"), t.number(k.late)),
        (_("total lateness"), minutes(k.total_lateness_minutes)),
        (_("waiter lateness"), minutes(k.waiter_lateness_minutes)),
        (_("overtime"), minutes(k.overtime_minutes)),
        (_("technician utilisation"), t.percent(k.technician_utilisation)),
        (_("bay utilisation"), t.percent(k.bay_utilisation)),
    ):
        kpis.add_row(name, value)
    parts.append(kpis)
    return Group(*parts)


def render_changes(changes: list[Change], workshop: Workshop | None = None) -> RenderableType:
    """A re-plan's changes, each in the reader's language (with `workshop`'s names in it)."""
    t = current() if workshop is None else current().named(workshop.names_in(current().locale))
    if not changes:
        return Text(_("Changes: none"), style="bold")
    table = Table(
        title=_("Changes (%(count)s)", count=len(changes)),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(_("kind"))
    table.add_column(_("what"))
    for c in changes:
        table.add_row(_(c.kind), Text(t.phrase(c.summary)))
    return table
