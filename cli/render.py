"""The bay plan as the foreman reads it: one block per bay, then the unassigned, then KPIs."""

from __future__ import annotations

from collections import defaultdict

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from scheduler.contract import GRADE_NAMES, Assignment, Change, Plan, PlanRequest
from scheduler.kpis import elapsed_minutes, plan_quality_words


def _hhmm(moment: object) -> str:
    return moment.strftime("%H:%M")  # type: ignore[attr-defined, no-any-return]


def render_plan(request: PlanRequest, plan: Plan) -> RenderableType:
    workshop = request.workshop
    tz = workshop.tz
    bookings = {b.id: b for b in request.bookings}
    services = {s.code: s for s in workshop.services}
    techs = {t.id: t for t in workshop.technicians}
    by_bay: dict[str, list[Assignment]] = defaultdict(list)
    for a in plan.assignments:
        by_bay[a.bay].append(a)

    gap = f"{plan.gap:.1%}" if plan.gap is not None else "n/a"
    bound = f"{plan.best_bound:g}" if plan.best_bound is not None else "n/a"
    header = Text.assemble(
        (f"Bay plan · {workshop.name} · {plan.date.isoformat()} ({workshop.timezone})\n", "bold"),
        f"planner {plan.planner} · status {plan.status} · objective {plan.objective:g} · "
        f"best bound {bound} · gap {gap} · {plan.solve_seconds:.2f} s\n",
        plan_quality_words(plan),
    )
    parts: list[RenderableType] = [header]
    for bay in workshop.bays:
        title = f"{bay.id} · {bay.kind}" + (
            f" · fleet partner {bay.fleet_partner}" if bay.fleet_partner else ""
        )
        jobs = sorted(by_bay.get(bay.id, []), key=lambda a: a.start)
        if not jobs:
            parts.append(Text(f"{title}: idle", style="dim"))
            continue
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
        for column in ("time", "booking", "service · operation", "technician", "notes"):
            table.add_column(column)
        for a in jobs:
            booking = bookings[a.booking]
            service = services[booking.service]
            tech = techs[a.technician]
            notes = []
            if booking.waiter:
                notes.append("waiter")
            if booking.fleet_partner:
                notes.append(f"fleet {booking.fleet_partner}")
            if booking.promised is not None:
                notes.append(f"promised {_hhmm(booking.promised.astimezone(tz))}")
                last = max((x.end for x in plan.assignments if x.booking == a.booking), default=a.end)
                if a.end == last and a.end > booking.promised:
                    notes.append(f"LATE {elapsed_minutes(booking.promised, a.end)} min")
            table.add_row(
                f"{_hhmm(a.start.astimezone(tz))}-{_hhmm(a.end.astimezone(tz))}",
                a.booking,
                f"{service.name} · {service.operations[a.operation].name}",
                f"{tech.name} ({GRADE_NAMES[tech.grade]})",
                ", ".join(notes),
            )
        parts.append(table)

    if plan.unassigned:
        unassigned = Table(title="Unassigned", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        unassigned.add_column("booking")
        unassigned.add_column("service")
        unassigned.add_column("reason")
        for u in plan.unassigned:
            unassigned.add_row(u.booking, bookings[u.booking].service, u.reason)
        parts.append(unassigned)
    else:
        parts.append(Text("Unassigned: none", style="bold"))

    k = plan.kpis
    kpis = Table(title="KPIs", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_header=False)
    kpis.add_column("kpi")
    kpis.add_column("value", justify="right")
    for name, value in (
        ("bookings", str(k.bookings)),
        ("placed", str(k.placed)),
        ("on time", f"{k.on_time} ({k.on_time / k.placed:.0%})" if k.placed else "0"),
        ("late", str(k.late)),
        ("total lateness", f"{k.total_lateness_minutes} min"),
        ("waiter lateness", f"{k.waiter_lateness_minutes} min"),
        ("overtime", f"{k.overtime_minutes} min"),
        ("technician utilisation", f"{k.technician_utilisation:.0%}"),
        ("bay utilisation", f"{k.bay_utilisation:.0%}"),
    ):
        kpis.add_row(name, value)
    parts.append(kpis)
    return Group(*parts)


def render_changes(changes: list[Change]) -> RenderableType:
    if not changes:
        return Text("Changes: none", style="bold")
    table = Table(
        title=f"Changes ({len(changes)})", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    table.add_column("kind")
    table.add_column("what")
    for c in changes:
        table.add_row(c.kind, c.summary)
    return table
