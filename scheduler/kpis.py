"""Plan KPIs, computed from the contract-level plan and request alone."""

from __future__ import annotations

import datetime as dt

from scheduler.clock import DayClock
from scheduler.contract import Assignment, Kpis, Plan, PlanRequest, Technician, Workshop
from scheduler.i18n import N_, Translator

NO_KPIS = Kpis(
    bookings=0,
    placed=0,
    on_time=0,
    late=0,
    total_lateness_minutes=0,
    waiter_lateness_minutes=0,
    overtime_minutes=0,
    technician_utilisation=0.0,
    bay_utilisation=0.0,
)
"""The KPIs of a plan that places nothing."""


def elapsed_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Real minutes between two aware times; in UTC, because Python subtracts two datetimes of the
    same zone by wall clock, which is an hour off across a DST change."""
    return int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _minutes(a: Assignment) -> int:
    return elapsed_minutes(a.start, a.end)


def on_shift_minutes(workshop: Workshop, technician: Technician, date: dt.date) -> int:
    """The minutes `technician` works on `date` by his shift, breaks left out (0 off duty): what
    the plan's technician utilisation and the plan page's load of each technician divide by."""
    if not workshop.on_duty(technician, date):
        return 0
    clock = DayClock(workshop.timezone, date)
    minutes = clock.wall(technician.shift.end) - clock.wall(technician.shift.start)
    return minutes - sum(clock.wall(b.end) - clock.wall(b.start) for b in technician.shift.breaks)


def technician_load(plan: Plan, workshop: Workshop) -> dict[str, tuple[int, int]]:
    """Each technician's planned minutes in `plan` and his minutes on shift that day (breaks left
    out): the plan page's "5.2 h · 78%" beside his row (review-s43 #15)."""
    planned = dict.fromkeys((t.id for t in workshop.technicians), 0)
    for a in plan.assignments:
        planned[a.technician] = planned.get(a.technician, 0) + _minutes(a)
    return {t.id: (planned[t.id], on_shift_minutes(workshop, t, plan.date)) for t in workshop.technicians}


def compute_kpis(request: PlanRequest, assignments: list[Assignment], placed_ids: set[str]) -> Kpis:
    workshop = request.workshop
    clock = DayClock(workshop.timezone, request.date)
    techs = {t.id: t for t in workshop.technicians}

    last_end: dict[str, Assignment] = {}
    overtime = 0
    worked = in_bays = 0
    for a in assignments:
        if a.booking not in last_end or a.end > last_end[a.booking].end:
            last_end[a.booking] = a
        shift_end = clock.at(clock.wall(techs[a.technician].shift.end))
        overtime += max(
            0, elapsed_minutes(max(a.start, shift_end, key=lambda t: t.astimezone(dt.UTC)), a.end)
        )
        worked += _minutes(a)
        if a.bay is not None:  # clocked work pinned with no bay holds none (`Plan.clocked_bay_conflicts`)
            in_bays += _minutes(a)

    on_time = late = lateness = waiter_lateness = 0
    for booking in request.bookings:
        if booking.id not in placed_ids:
            continue
        end = last_end[booking.id].end if booking.id in last_end else None
        if booking.promised is None or end is None or _utc(end) <= _utc(booking.promised):
            on_time += 1
            continue
        late += 1
        minutes = elapsed_minutes(booking.promised, end)
        lateness += minutes
        if booking.waiter:
            waiter_lateness += minutes

    shift_minutes = sum(on_shift_minutes(workshop, t, request.date) for t in workshop.technicians)
    open_hhmm, close_hhmm = workshop.opening_window()
    bay_minutes = len(workshop.bays) * (clock.wall(close_hhmm) - clock.wall(open_hhmm))

    return Kpis(
        bookings=len(request.bookings),
        placed=len(placed_ids),
        on_time=on_time,
        late=late,
        total_lateness_minutes=lateness,
        waiter_lateness_minutes=waiter_lateness,
        overtime_minutes=overtime,
        technician_utilisation=round(worked / shift_minutes, 4) if shift_minutes else 0.0,
        bay_utilisation=round(in_bays / bay_minutes, 4) if bay_minutes else 0.0,
    )


def plan_quality_words(plan: Plan, t: Translator | None = None) -> str:
    """How the plan went, in a foreman's words, in `t`'s language (English by default).

    E.g. "placed 149 of 152 · 12 late (51 min) · lateness within 8% of the best possible". The
    figure says what it measures: the lateness against its floor where someone is late, else (nobody
    late) "overtime and other costs within 23% of the best possible", the objective's gap, which is
    then those costs alone. The objective and its bound stay in the plan's JSON (and `bayplan plan
    --verbose`).
    """
    t = t or Translator()
    k = plan.kpis
    parts: list[str] = []
    if k.placed == k.bookings:
        parts.append(t.gettext(N_("all %(count)s placed"), count=t.number(k.bookings)))
    else:
        placed, count = t.number(k.placed), t.number(k.bookings)
        parts.append(t.gettext(N_("placed %(placed)s of %(count)s"), placed=placed, count=count))
        if plan.placement_bound is not None and plan.placement_bound <= k.placed:
            parts.append(t.gettext(N_("no more can fit")))
        elif plan.placement_bound is not None and plan.status != "optimal":  # optimal: a loose bound
            parts.append(t.gettext(N_("at most %(count)s can fit"), count=t.number(plan.placement_bound)))
    if k.late == 0:
        parts.append(t.gettext(N_("nobody late")))
    else:
        parts.append(
            t.gettext(
                N_("%(count)s late (%(minutes)s min)"),
                count=t.number(k.late),
                minutes=t.number(k.total_lateness_minutes),
            )
        )
    lateness_only = bool(k.total_lateness_minutes) and plan.lateness_gap is not None
    gap = plan.lateness_gap if lateness_only else plan.gap
    # The objective weighs a waiter's minute more than a drop-off's: where that changes the figure,
    # the gap said is the one on the lateness the plan optimises, the plain one beside it.
    weighing = _waiter_weighing(plan, t) if lateness_only and plan.status != "optimal" else None
    if weighing is not None:
        gap = plan.weighted_lateness_gap
    if lateness_only and k.placed < k.bookings and plan.status != "optimal":
        # The lateness gap holds for this many placements, not for placing more: say so.
        parts.append(_lateness_words(gap, k.placed, t))
    elif plan.status == "optimal" or (gap is not None and gap <= 1e-9):
        parts.append(t.gettext(N_("proven the best possible")))
    elif gap is not None and t.percent(gap) == t.percent(0.0):  # not "within 0%": the gap rounds away
        parts.append(t.gettext(N_("the best possible")))
    elif gap is not None and lateness_only:
        parts.append(
            t.gettext(N_("lateness within %(percent)s of the best possible"), percent=t.percent(gap))
        )
    elif gap is not None and k.total_lateness_minutes == 0:
        # Nobody late: the figure is the objective's, which is then all the other costs; a bare
        # "within 23%" right after "nobody late" read as being about lateness (review-s42, item 1).
        parts.append(
            t.gettext(
                N_("overtime and other costs within %(percent)s of the best possible"), percent=t.percent(gap)
            )
        )
    elif gap is not None:  # late, with no lateness floor: the objective's gap, lateness and the rest
        parts.append(
            t.gettext(
                N_("lateness, overtime and other costs within %(percent)s of the best possible"),
                percent=t.percent(gap),
            )
        )
    if weighing is not None:
        # No space before a full-width bracket (zh).
        parts[-1] += ("" if weighing.startswith("（") else " ") + weighing
    return " · ".join(parts)


def _waiter_weighing(plan: Plan, t: Translator) -> str | None:
    """The words "(waiters' minutes weighed 3×; 23% in plain minutes)" where the weighted lateness
    gap (the one the plan optimises) and the plain one read differently; None where they read the same, or
    there are no waiters' minutes (then they are the same) or no weighted gap."""
    k = plan.kpis
    weighted, plain = plan.weighted_lateness_gap, plan.lateness_gap
    if (
        weighted is None
        or plain is None
        or plan.weighted_minutes_late is None
        or not k.waiter_lateness_minutes
    ):
        return None
    if t.percent(weighted) == t.percent(plain):
        return None
    # weighted_minutes_late counts a drop-off's minute once and a waiter's `times` over.
    times = (plan.weighted_minutes_late - (k.total_lateness_minutes - k.waiter_lateness_minutes)) / (
        k.waiter_lateness_minutes
    )
    digits = 0 if abs(times - round(times)) < 0.05 else 1
    return t.gettext(
        N_("(waiters' minutes weighed %(times)s×; %(percent)s in plain minutes)"),
        times=t.number(times, digits),
        percent=t.percent(plain),
    )


def _lateness_words(gap: float | None, placed: int, t: Translator) -> str:
    """How close the lateness is to the least any plan placing as many could have."""
    count = t.number(placed)
    if gap is None or gap <= 1e-9:
        return t.gettext(N_("lateness proven the least for %(count)s placed"), count=count)
    if t.percent(gap) == t.percent(0.0):
        return t.gettext(N_("lateness the least for %(count)s placed"), count=count)
    return t.gettext(
        N_("lateness within %(percent)s of the least for %(count)s placed"),
        percent=t.percent(gap),
        count=count,
    )
