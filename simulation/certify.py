"""Certified staffing: ranking and selection over staffing candidates with common random numbers
(`simulation.selection.select`: a screen on the first n0 replications, then KN on the survivors).

Candidates vary head count (one technician more or fewer in each team/grade group), bays (an
express lane, two general lifts) and shift patterns: a team's shift 30 minutes earlier or later,
a team off on Sundays, a team split into two halves off on different days (weekdays per group).
Each replication of a candidate gives one observation of the objective:

- `cost`: CNY a day (technician days, overtime, bays) plus `penalty` CNY per point (1 %) by which
  the replication misses each service target (relative shortfall, as the greedy search measures
  it), so a cheap staffing that misses the targets is not "best";
- `on_time`: minus the on-time share in points (larger on-time share is better).

Replication r of every candidate sees the same vehicles (common random numbers), so the variances
of differences are small and candidates separate with few replications (measured on dealer-2011,
April, bootstrapped days, 14 days a replication: the paired difference to the best candidate has a
standard deviation of about 140 CNY a day, an unpaired one about 460).

The defaults: delta 100 CNY a day (less than one apprentice's day, 150 CNY, the smallest step of
head count; the cost differences between candidates are multiples of such days and bays' 80 CNY) or
1 point of on-time share; alpha 0.05; n0 10; a budget of 100 replications a candidate. A target
no candidate comes near (e.g. waiter wait p90 <= 30 min where every candidate is near 90) makes
the objective mostly penalty, whose noise (a p90 of a few days) is far larger than 100 CNY: then
no delta of a staffing's size can be certified within a budget, and the result says so and gives
the smallest delta the budget would have certified. The choice is re-checked
on held-out days (another month, or held-out months of a history): the chosen staffing, the base
and the runners-up are simulated there with CRN and the paired difference is printed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from scheduler.contract import Shift, hhmm_minutes
from scheduler.i18n import N_
from scheduler.scenarios import MONTHS, Scenario
from simulation.arrivals import Period
from simulation.replication import Job, Outcome
from simulation.rules import StaffingRules
from simulation.runners import BatchRunner
from simulation.selection import select
from simulation.sources import DemandSpec
from simulation.staffing import TEAM_CHANGE, Target
from simulation.stats import mean_ci


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _shifted(shift: Shift, by: int) -> Shift:
    def move(t: str) -> str:
        return _hhmm(hhmm_minutes(t) + by)

    return Shift.model_validate(
        {
            "start": move(shift.start),
            "end": move(shift.end),
            "breaks": [{"start": move(b.start), "end": move(b.end)} for b in shift.breaks],
        }
    )


def candidate_rules(base: StaffingRules, limit: int = 60) -> list[tuple[str, StaffingRules]]:
    """(label, rules) of the candidates, the base first; at most `limit`."""
    out: list[tuple[str, StaffingRules]] = [(N_("base"), base)]  # (a label: read where shown)

    def add(label: str, rules: StaffingRules) -> None:
        out.append((label, rules.model_copy(update={"name": f"c{len(out):02d}", "description": label})))

    groups = base.technicians
    for i, g in enumerate(groups):
        for step in (+1, -1):
            if g.count + step >= 0:
                new = [
                    x.model_copy(update={"count": g.count + step}) if k == i else x
                    for k, x in enumerate(groups)
                ]
                label = TEAM_CHANGE % {"team": g.team, "grade": g.grade, "change": step}
                add(label, base.model_copy(update={"technicians": new}))
    for kind, step in (("express", 1), ("express", -1), ("general", 2), ("general", -2)):
        count = getattr(base.bays, kind) + step
        if count >= 0:
            add(
                N_("%(moved_kind)s bays %(change)+d") % {"moved_kind": kind, "change": step},
                base.model_copy(update={"bays": base.bays.model_copy(update={kind: count})}),
            )
    teams = list(dict.fromkeys(g.team for g in groups))
    for team in teams:
        for by in (-30, 30):
            shifts = dict(base.shifts)
            new = []
            for g in groups:
                if g.team == team:
                    name = f"{g.shift}{'-early' if by < 0 else '-late'}{abs(by)}"
                    shifts[name] = _shifted(base.shifts[g.shift], by)
                    new.append(g.model_copy(update={"shift": name}))
                else:
                    new.append(g)
            add(
                N_("%(team)s shift %(by)+d min") % {"team": team, "by": by},
                base.model_copy(update={"technicians": new, "shifts": shifts}),
            )
        off_sunday = [
            g.model_copy(update={"weekdays": list(range(6))}) if g.team == team else g for g in groups
        ]
        add(N_("%(team)s off Sundays") % {"team": team}, base.model_copy(update={"technicians": off_sunday}))
        split = []
        for g in groups:
            if g.team == team and g.count >= 2:
                half = g.count // 2
                split.append(g.model_copy(update={"count": g.count - half, "weekdays": [0, 1, 2, 3, 4, 5]}))
                split.append(g.model_copy(update={"count": half, "weekdays": [0, 1, 2, 3, 4, 6]}))
            else:
                split.append(g)
        add(
            N_("%(team)s rota: half off Sat, half off Sun") % {"team": team},
            base.model_copy(update={"technicians": split}),
        )
    # Head count and shift together: one more in each group on the early shift.
    for g in groups:
        if len(out) >= limit:
            break
        shifts = dict(base.shifts)
        name = f"{g.shift}-early30"
        shifts[name] = _shifted(base.shifts[g.shift], -30)
        extra = g.model_copy(update={"count": 1, "shift": name})
        add(
            N_("%(team)s g%(grade)d +1 on an early shift") % {"team": g.team, "grade": g.grade},
            base.model_copy(update={"technicians": [*groups, extra], "shifts": shifts}),
        )
    return out[:limit]


def objective(metrics: dict[str, float], kind: str, targets: list[Target], penalty: float) -> float:
    """Smaller is better."""
    if kind == "on_time":
        return -100.0 * metrics["on_time"]
    miss = 0.0
    for t in targets:
        value = metrics[t.metric]
        scale = abs(t.value) or 1.0
        gap = (t.value - value) if t.at_least else (value - t.value)
        miss += max(0.0, gap / scale)
    return metrics["cost_per_day"] + penalty * 100 * miss


class Checked(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    mean: float
    low: float
    high: float
    versus_chosen: tuple[float, float, float] | None = None  # paired difference (mean, low, high)


class Certified(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    period: str
    objective: str
    unit: str
    delta: float
    alpha: float
    n0: int
    candidates: list[str]
    best: str
    certified: bool
    means: dict[str, float]
    replications: dict[str, int]
    runners_up: list[str]
    total_replications: int
    seconds: float
    procedure: str = "screen (NSGS first stage, alpha/2) + KN (alpha/2) on fresh replications"
    budget: int = 0  # most replications a candidate (screen and KN together)
    screened_out: int = 0  # candidates the screen put out after n0 replications
    screen_survivors: int = 0  # candidates KN compared
    needed: int = 0  # most replications a candidate KN could have needed at this delta
    delta_for_budget: float = 0.0  # smallest delta the budget would surely have certified
    holdout_period: str
    holdout: list[Checked]
    holdout_holds: bool


@dataclass(frozen=True)
class Setting:
    """Where candidates are simulated: a period and its demand."""

    period: Period
    demand: DemandSpec | None = None


def _jobs(
    scenario: Scenario,
    rules: list[StaffingRules],
    systems: list[int],
    first: int,
    last: int,
    setting: Setting,
    seed: int,
    policy: str,
    growth: float,
) -> list[Job]:
    return [
        Job(
            str(scenario.path),
            rules[i].model_dump(mode="json"),
            i,
            rep,
            seed,
            setting.period.start,
            setting.period.days,
            policy,
            growth,
            demand=setting.demand,
        )
        for i in systems
        for rep in range(first, last)
    ]


def certify(
    scenario: Scenario,
    base: StaffingRules,
    setting: Setting,
    holdout: Setting,
    *,
    targets: list[Target],
    kind: str = "cost",
    delta: float = 100.0,
    penalty: float = 200.0,
    alpha: float = 0.05,
    n0: int = 10,
    max_replications: int = 100,
    limit: int = 50,
    seed: int = 1,
    policy: str = "fcfs",
    growth: float = 1.0,
    workers: int = 2,
    cluster: str | None = None,
    holdout_replications: int = 10,
    progress: Callable[[str], None] = lambda _: None,
) -> Certified:
    began = time.perf_counter()
    labelled = candidate_rules(base, limit)
    labels = [label for label, _ in labelled]
    rules = [r for _, r in labelled]
    taken = 0

    def observe(systems: list[int], first: int, last: int) -> dict[int, list[float]]:
        nonlocal taken
        jobs = _jobs(scenario, rules, systems, first, last, setting, seed, policy, growth)
        outcomes = runner.run(jobs)
        taken += len(outcomes)
        by: dict[int, dict[int, Outcome]] = {i: {} for i in systems}
        for o in outcomes:
            by[o.rule_index][o.replication] = o
        progress(
            N_("replications %(first)s..%(last)s of %(count)s candidates (%(taken)s so far)")
            % {"first": first, "last": last - 1, "count": len(systems), "taken": taken}
        )
        return {
            i: [objective(by[i][r].metrics, kind, targets, penalty) for r in range(first, last)]
            for i in systems
        }

    with BatchRunner(workers, cluster) as runner:
        # At least 4 jobs a worker per batch, so a pool is not left half idle between KN's stages.
        selection = select(
            observe,
            len(rules),
            delta,
            alpha=alpha,
            n0=n0,
            max_replications=max_replications,
            batch=4 * max(workers, 1),
        )
        runners = selection.runners_up()

        # The held-out check: chosen, base and up to four runners-up, paired by replication.
        check = list(dict.fromkeys([selection.best, 0, *runners[:4]]))
        jobs = _jobs(scenario, rules, check, 0, holdout_replications, holdout, seed + 1, policy, growth)
        outcomes = runner.run(jobs)
    values: dict[int, list[float]] = {i: [0.0] * holdout_replications for i in check}
    for o in outcomes:
        values[o.rule_index][o.replication] = objective(o.metrics, kind, targets, penalty)
    checked = []
    chosen = values[selection.best]
    for i in check:
        mean, low, high = mean_ci(values[i])
        versus = None
        if i != selection.best:
            versus = mean_ci([a - b for a, b in zip(values[i], chosen, strict=True)])
        checked.append(Checked(label=labels[i], mean=mean, low=low, high=high, versus_chosen=versus))
    holds = all(c.versus_chosen is None or c.versus_chosen[2] > -delta for c in checked)
    return Certified(
        scenario=scenario.name,
        period=setting.period.label,
        objective=kind,
        unit="points of on-time share" if kind == "on_time" else "CNY a day",
        delta=delta,
        alpha=alpha,
        n0=n0,
        candidates=labels,
        best=labels[selection.best],
        certified=selection.certified,
        means={labels[i]: m for i, m in selection.means.items()},
        replications={labels[i]: n for i, n in selection.replications.items()},
        runners_up=[labels[i] for i in runners],
        total_replications=taken,
        seconds=time.perf_counter() - began,
        budget=max_replications,
        screened_out=len(selection.screened_out),
        screen_survivors=selection.screen_survivors,
        needed=selection.needed,
        delta_for_budget=selection.delta_for_budget,
        holdout_period=holdout.period.label,
        holdout=checked,
        holdout_holds=holds,
    )


def next_month_period(period: Period, days: int) -> Period:
    """The month after the period's month (the held-out month of a scenario without a history)."""
    start = period.start
    nxt = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    # The month as the period labels name it ("peak (apr)"): the catalog reads it, %b did not (zh-s30).
    label = N_("held-out month %(month)s %(year)s") % {"month": MONTHS[nxt.month - 1], "year": nxt.year}
    return Period(nxt, days, label)
