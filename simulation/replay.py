"""The "follow the optimiser's plan" policy: plan each day's known work, then execute it for real.

The evening before, the foreman plans the day's bookings (no-shows included: nobody knows yet who
will not come) and the multi-day stages already in the shop with `scheduler.planning.make_plan`.
In the day, work takes its random time. Repair rule: operations go in planned start order, to
the planned technician when he is free, otherwise to any qualified idle technician (shift left);
walk-ins and carried-over work, which the plan does not know, queue by drop-off time among them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scheduler.contract import Bay, Booking, PlanOptions, PlanRequest, Technician, Workshop
from scheduler.planning import make_plan
from scheduler.scenarios import Scenario
from simulation.model import DAY, Vehicle
from simulation.rules import StaffingRules


@dataclass(frozen=True)
class PlanningWorkshop:
    """The rule set as a v1 workshop, and the map from its technician ids to the model's indices."""

    workshop: Workshop
    tech_index: dict[str, int]


def planning_workshop(scenario: Scenario, rules: StaffingRules) -> PlanningWorkshop:
    techs: list[Technician] = []
    index: dict[str, int] = {}
    for group in rules.technicians:  # same order as compile_layout: index i is the model's tech i
        for _ in range(group.count):
            ident = f"T{len(techs) + 1:03d}"
            index[ident] = len(techs)
            techs.append(
                Technician(
                    id=ident,
                    name=f"{group.team} {ident}",
                    grade=group.grade,
                    skills=group.skills,
                    efficiency=group.efficiency,
                    max_overtime_minutes=group.overtime_minutes,
                    shift=rules.shifts[group.shift],
                    weekdays=group.weekdays,
                )
            )
    bays = []
    for kind, count in rules.bays.model_dump().items():
        bays += [Bay(id=f"{kind[:1].upper()}{n + 1:02d}", kind=kind) for n in range(count)]
    for partner, count in rules.fleet_bays.items():
        bays += [Bay(id=f"F{partner}-{n + 1}", kind="general", fleet_partner=partner) for n in range(count)]
    base = scenario.workshop
    workshop = Workshop(
        id=base.id,
        name=base.name,
        timezone=base.timezone,
        opening=base.opening,
        bays=bays,
        technicians=techs,
        services=base.services,
    )
    return PlanningWorkshop(workshop, index)


def plan_day(
    pw: PlanningWorkshop,
    vehicles: list[tuple[int, Vehicle]],
    date: dt.date,
    day: int,
    partners: tuple[str, ...],
    time_limit: float,
) -> None:
    """Plan the day's known vehicles and write the planned start and technician onto them."""
    tz = pw.workshop.tz
    codes = [s.code for s in pw.workshop.services]

    def at(minute: float) -> dt.datetime:
        local = dt.datetime.combine(date, dt.time(), tzinfo=tz)
        return local + dt.timedelta(minutes=round(minute - day * DAY))

    bookings = []
    for i, v in vehicles:
        # A multi-day stage's vehicle is in the shop from the start of the day.
        bookings.append(
            Booking(
                id=f"V{i}",
                service=codes[v.service],
                drop_off=at(v.arrival),
                promised=at(v.promised) if v.promised < (day + 30) * DAY else None,
                waiter=bool(v.waiter),
                fleet_partner=partners[v.fleet] if v.fleet >= 0 else None,
            )
        )
    if not bookings:
        return
    request = PlanRequest(
        workshop=pw.workshop,
        date=date,
        bookings=bookings,
        options=PlanOptions(time_limit_seconds=time_limit, workers=1, lower_bound=False),
    )
    plan = make_plan(request, "cpsat")
    by_id = dict(vehicles)
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=tz)
    for a in plan.assignments:
        v = by_id[int(a.booking[1:])]
        if v.plan_start is None:
            n = len(v.work)
            v.plan_start, v.plan_tech = [-1.0] * n, [-1] * n
        assert v.plan_tech is not None
        v.plan_start[a.operation] = day * DAY + (a.start - midnight).total_seconds() / 60
        v.plan_tech[a.operation] = pw.tech_index[a.technician]
