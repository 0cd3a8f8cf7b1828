"""Compiles a rule set against a scenario's service catalogue into the model's plain Layout."""

from __future__ import annotations

from scheduler.contract import Shift, hhmm_minutes
from scheduler.scenarios import Scenario
from simulation.model import Layout, OpSpec, ServiceSpec, TechSpec
from simulation.rules import StaffingRules


def working_periods(shift: Shift) -> tuple[tuple[float, float], ...]:
    """The shift less its breaks, as (start, end) minutes of the day."""
    periods = []
    at = hhmm_minutes(shift.start)
    for brk in sorted(shift.breaks, key=lambda b: hhmm_minutes(b.start)):
        if hhmm_minutes(brk.start) > at:
            periods.append((float(at), float(hhmm_minutes(brk.start))))
        at = hhmm_minutes(brk.end)
    if hhmm_minutes(shift.end) > at:
        periods.append((float(at), float(hhmm_minutes(shift.end))))
    return tuple(periods)


def compile_layout(scenario: Scenario, rules: StaffingRules) -> Layout:
    techs: list[TechSpec] = []
    skills: list[frozenset[str]] = []
    for group in rules.technicians:
        periods = working_periods(rules.shifts[group.shift])
        for _ in range(group.count):
            techs.append(
                TechSpec(
                    group.grade,
                    group.efficiency,
                    periods,
                    float(group.overtime_minutes),
                    frozenset(group.weekdays),
                )
            )
            skills.append(frozenset(group.skills))
    # The least qualified technician who can do the work takes it: seniors stay free for hard jobs.
    order = sorted(range(len(techs)), key=lambda t: (techs[t].grade, techs[t].efficiency, t))
    services = []
    for service in scenario.workshop.services:
        ops = tuple(
            OpSpec(
                float(op.minutes),
                tuple(t for t in order if op.skill in skills[t] and techs[t].grade >= op.min_grade),
                tuple(op.bay_kinds),
                float(sum(later.minutes for later in service.operations[k + 1 :])),
            )
            for k, op in enumerate(service.operations)
        )
        services.append(ServiceSpec(service.code, service.express, ops))
    pools = {kind: count for kind, count in rules.bays.model_dump().items() if count > 0}
    pools.update({f"fleet:{p}": n for p, n in rules.fleet_bays.items() if n > 0})
    costs = rules.costs
    return Layout(
        techs=tuple(techs),
        services=tuple(services),
        pools=pools,
        partners=tuple(scenario.demand.fleet.partners),
        service_advisors=rules.service_advisors,
        reception_minutes=rules.reception_minutes,
        grade_cost=(0.0, *(costs.per_day(g) for g in range(1, 6))),
        overtime_factor=costs.overtime_factor,
    )
