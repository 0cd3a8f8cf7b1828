"""The staffing search: the cheapest staffing that meets service targets, and the cost/service frontier.

From a base rule set, a greedy search adds the technician (one more in a team/grade group), the
general bay or the express lane that closes most of the shortfall against the targets per CNY of
daily cost, until the targets are met; then it takes away whatever can go without missing them.
Every candidate of a step is simulated in one experiment with common random numbers, so
candidates differ by their staffing only. Targets are judged on the replication mean; the 95 %
interval is reported alongside.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from scheduler.i18n import N_
from scheduler.scenarios import Scenario
from simulation.arrivals import Period
from simulation.design import run_experiment
from simulation.results import DerivedRules, Metric, RulesChange, RuleSetResult, with_derived
from simulation.rules import BAY_CHANGE as BAY_CHANGE
from simulation.rules import TEAM_CHANGE as TEAM_CHANGE
from simulation.rules import StaffingRules
from simulation.targets import KNOWN_TARGETS as KNOWN_TARGETS
from simulation.targets import Target as Target
from simulation.targets import parse_target as parse_target


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    changes: list[RulesChange] = Field(
        default_factory=list, description="what `label` says, for a reader's language (none: the base)"
    )
    technicians: int
    general_bays: int
    express_lanes: int
    groups: list[int]
    cost_per_day: Metric
    meets_targets: bool
    shortfall: float
    metrics: dict[str, Metric]


class StaffingResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    period: str
    base: str
    targets: list[str]
    days: int
    replications: int
    seed: int
    policy: str
    growth: float
    groups: list[str]
    evaluated: list[Candidate]
    frontier: list[Candidate]
    recommendation: Candidate | None


def group_label(rules: StaffingRules, i: int) -> str:
    g = rules.technicians[i]
    return N_("%(team)s grade %(grade)d") % {"team": g.team, "grade": g.grade}


#: Bay kinds the search may add or take away (they cost `costs.bay_per_day`).
BAY_MOVES = ("general", "express")

Config = tuple[int, ...]  # technicians per group, then bays per BAY_MOVES kind


def changes(base: StaffingRules, config: Config) -> list[RulesChange]:
    """What a configuration changes from the base, in the base's order."""
    n = len(base.technicians)
    out = [
        RulesChange(team=g.team, grade=g.grade, change=c - g.count)
        for g, c in zip(base.technicians, config[:n], strict=True)
        if c != g.count
    ]
    base_bays = base.bays.model_dump()
    out += [
        RulesChange(bay_kind=kind, change=count - base_bays[kind])
        for kind, count in zip(BAY_MOVES, config[n:], strict=True)
        if count != base_bays[kind]
    ]
    return out


def change_label(base: StaffingRules, config: Config) -> str:
    """What a configuration changes from the base, e.g. 'express g2 +1, general bays +2' (English: the
    JSON's; `simulation.rules.change_words` says it in a reader's language)."""
    labels = [
        TEAM_CHANGE % {"team": c.team, "grade": c.grade, "change": c.change}
        if c.team is not None
        else BAY_CHANGE % {"moved_kind": c.bay_kind, "change": c.change}
        for c in changes(base, config)
    ]
    return ", ".join(labels) if labels else base.name


def variant(base: StaffingRules, config: Config) -> StaffingRules:
    n = len(base.technicians)
    counts, bays = config[:n], config[n:]
    groups = [g.model_copy(update={"count": c}) for g, c in zip(base.technicians, counts, strict=True)]
    label = change_label(base, config)
    new_bays = base.bays.model_copy(update=dict(zip(BAY_MOVES, bays, strict=True)))
    # Rule set names must differ within an experiment: the configuration itself names it.
    name = "x".join(str(c) for c in config)
    return base.model_copy(
        update={"technicians": groups, "bays": new_bays, "name": name, "description": f"{base.name}: {label}"}
    )


def search(
    scenario: Scenario,
    base: StaffingRules,
    period: Period,
    targets: list[Target],
    *,
    replications: int,
    seed: int,
    policy: str,
    growth: float,
    workers: int,
    max_steps: int = 12,
    cluster: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> StaffingResult:
    seen: dict[Config, Candidate] = {}

    def evaluate(configs: list[Config]) -> None:
        todo = [c for c in dict.fromkeys(configs) if c not in seen]
        if not todo:
            return
        rule_sets = [variant(base, config) for config in todo]
        result = run_experiment(
            scenario,
            rule_sets,
            period,
            replications=replications,
            seed=seed,
            policy=policy,
            growth=growth,
            workers=workers,
            cluster=cluster,
        )
        result = with_derived(result, [DerivedRules(base=base.name, changes=changes(base, c)) for c in todo])
        for config, rules, rs in zip(todo, rule_sets, result.rule_sets, strict=True):
            seen[config] = _candidate(change_label(base, config), rules, rs, targets)

    base_bays = base.bays.model_dump()
    start: Config = (*(g.count for g in base.technicians), *(base_bays[k] for k in BAY_MOVES))
    evaluate([start])
    current = start
    progress(N_("base: %(step)s") % {"step": _describe(seen[current])})
    # Grow: the move that removes the most shortfall per CNY of daily cost.
    for _ in range(max_steps):
        if seen[current].meets_targets:
            break
        moves = _neighbours(current, base, +1)
        evaluate(moves)
        here = seen[current]
        best, best_score = None, 0.0
        for move in moves:
            cand = seen[move]
            gain = here.shortfall - cand.shortfall
            extra = max(cand.cost_per_day.mean - here.cost_per_day.mean, 1.0)
            if gain > 1e-9 and gain / extra > best_score:
                best, best_score = move, gain / extra
        if best is None:
            break
        current = best
        progress(N_("add: %(step)s") % {"step": _describe(seen[current])})
    # Trim: drop whatever can go without missing the targets, cheapest saving first.
    if seen[current].meets_targets:
        for _ in range(max_steps):
            moves = _neighbours(current, base, -1)
            evaluate(moves)
            ok = [m for m in moves if seen[m].meets_targets]
            if not ok:
                break
            current = min(ok, key=lambda m: seen[m].cost_per_day.mean)
            progress(N_("trim: %(step)s") % {"step": _describe(seen[current])})

    evaluated = sorted(seen.values(), key=lambda c: c.cost_per_day.mean)
    frontier = _frontier(evaluated)
    feasible = [c for c in evaluated if c.meets_targets]
    return StaffingResult(
        scenario=scenario.name,
        period=period.label,
        base=base.name,
        targets=[str(t) for t in targets],
        days=period.days,
        replications=replications,
        seed=seed,
        policy=policy,
        growth=growth,
        groups=[group_label(base, i) for i in range(len(base.technicians))],
        evaluated=evaluated,
        frontier=frontier,
        recommendation=min(feasible, key=lambda c: c.cost_per_day.mean) if feasible else None,
    )


def recommended_rules(base: StaffingRules, result: StaffingResult) -> StaffingRules:
    """The recommendation as a rule set, named after the base."""
    rec = result.recommendation
    if rec is None:
        raise ValueError("no recommendation")
    rules = variant(base, (*rec.groups, rec.general_bays, rec.express_lanes))
    return rules.model_copy(update={"name": f"{base.name}-recommended"[:80], "description": rec.label})


def _neighbours(config: Config, base: StaffingRules, step: int) -> list[Config]:
    """One technician or bay more (step +1) or fewer (-1), up to twice the base plus 3."""
    base_bays = base.bays.model_dump()
    limits = [g.count for g in base.technicians] + [base_bays[k] for k in BAY_MOVES]
    out = []
    for i, count in enumerate(config):
        c = count + step
        if 0 <= c <= 2 * limits[i] + 3:
            out.append((*config[:i], c, *config[i + 1 :]))
    return out


def _candidate(label: str, rules: StaffingRules, rs: RuleSetResult, targets: list[Target]) -> Candidate:
    shortfall = sum(t.shortfall(rs.metrics[t.metric]) for t in targets)
    return Candidate(
        label=label,
        changes=rs.derived.changes if rs.derived else [],
        technicians=rules.technician_count(),
        general_bays=rules.bays.general,
        express_lanes=rules.bays.express,
        groups=[g.count for g in rules.technicians],
        cost_per_day=rs.metrics["cost_per_day"],
        meets_targets=shortfall == 0,
        shortfall=shortfall,
        metrics={k: v for k, v in rs.metrics.items() if not k.startswith(("utilisation_", "bay_"))},
    )


def _frontier(candidates: list[Candidate]) -> list[Candidate]:
    """Cost/service frontier: cheapest first, each next one better on on-time or on the targets
    than everything cheaper (what more money buys)."""
    out: list[Candidate] = []
    best_on_time, best_shortfall = -1.0, float("inf")
    for c in sorted(candidates, key=lambda c: (c.cost_per_day.mean, -c.metrics["on_time"].mean)):
        on_time = c.metrics["on_time"].mean
        if on_time > best_on_time + 1e-9 or c.shortfall < best_shortfall - 1e-9:
            out.append(c)
            best_on_time = max(best_on_time, on_time)
            best_shortfall = min(best_shortfall, c.shortfall)
    return out


def _describe(c: Candidate) -> str:
    return N_(
        "%(label)s | %(technicians)s technicians, cost %(cost)s/day, on time %(on_time)s,"
        " waiter wait p90 %(p90)s min"
    ) % {
        "label": c.label,
        "technicians": c.technicians,
        "cost": f"{c.cost_per_day.mean:,.0f}",
        "on_time": f"{c.metrics['on_time'].mean:.1%}",
        "p90": f"{c.metrics['waiter_wait_p90'].mean:.0f}",
    }
