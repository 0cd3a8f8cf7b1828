"""The results of an experiment: pydantic models (what the CLI prints, the API stores, the report draws)."""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scheduler.contract import Shift

#: Waiting-time histogram: 10-minute bins up to 3 hours, the last bin holds everything longer.
WAIT_EDGES = [float(x) for x in range(0, 190, 10)]

METRIC_UNITS = {
    "arrived_per_day": "vehicles",
    "served_per_day": "vehicles",
    "time_in_shop_p50": "min",
    "time_in_shop_p90": "min",
    "waiter_wait_p90": "min",
    "waiter_wait_mean": "min",
    "on_time": "share",
    "overtime_hours_per_day": "h",
    "carried_over_per_day": "vehicles",
    "cost_per_day": "CNY",
    "booking_requests_per_day": "vehicles",
    "turned_away_per_day": "vehicles",
    "overbooked_per_day": "vehicles",
    "no_shows_per_day": "vehicles",
}


#: What a metric of each unit can be: shares in [0, 1], counts, times and costs not below 0.
UNIT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "share": (0.0, 1.0),
    "vehicles": (0.0, None),
    "min": (0.0, None),
    "h": (0.0, None),
    "CNY": (0.0, None),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metric(_Model):
    mean: float
    low: float = Field(description="95 % confidence interval, lower end")
    high: float = Field(description="95 % confidence interval, upper end")
    unit: str = ""

    @field_validator("mean", "low", "high", mode="before")
    @classmethod
    def _null_is_nan(cls, value: object) -> object:
        """JSON writes NaN (no value; one replication's interval) as null: read back as NaN, so a
        stored result (a simulation job's) reads again."""
        return math.nan if value is None else value


class RulesComposition(_Model):
    """What a rule set is made of (`simulation.rules.composition`), for a description in the
    reader's language (`simulation.rules.composed`) where the rules carry none of their own."""

    technicians: dict[str, int] = Field(description="technicians per team, in the rules' order")
    bays: dict[str, int] = Field(description="bays per kind, the kinds it has")
    fleet_bays: int = 0
    overtime_minutes: int = Field(default=0, description="the most overtime a technician may work a day")
    booking_cap_per_hour: int | None = None
    shifts: dict[str, Shift] = Field(default_factory=dict)


class RulesChange(_Model):
    """One change a derived rule set makes to its base: one team/grade group (`team`, `grade`) or
    one bay kind (`bay_kind`) by `change`."""

    team: str | None = None
    grade: int | None = None
    bay_kind: str | None = None
    change: int


class DerivedRules(_Model):
    """A rule set bayplan made from another (a staffing search's candidate, an overbooking level),
    for its description in the reader's language (`simulation.rules.derived_words`; tidy-s35: it
    read "current: paint g2 +1" / "current, overbooking 10 %" in English only)."""

    base: str = Field(description="the base rule set's name (data, as its file names it)")
    changes: list[RulesChange] = Field(default_factory=list, description="what it changes from the base")
    overbooking_percent: float | None = Field(default=None, description="the desk's overbooking level")


class RuleSetResult(_Model):
    name: str
    description: str = Field(
        description="the rules file's own description (data, as written), else one made from its fields"
        " in English (`composition` says what it is made of)"
    )
    technicians: int
    composition: RulesComposition | None = Field(
        default=None, description="what the rules are made of, where they carry no description of their own"
    )
    derived: DerivedRules | None = Field(
        default=None, description="what it was made from, where bayplan made it from other rules"
    )
    metrics: dict[str, Metric]
    utilisation_by_hour: list[float] = Field(
        description="busy share of the technicians on shift (breaks included), per hour of the day 0-23"
    )
    waiter_wait_histogram: list[float] = Field(description="share of waiters per WAIT_EDGES bin")
    on_time_by_replication: list[float]
    versus_first: dict[str, Metric] = Field(
        default_factory=dict,
        description="paired difference to the first rule set (same vehicles: common random numbers)",
    )

    @field_validator("utilisation_by_hour", "waiter_wait_histogram", "on_time_by_replication", mode="before")
    @classmethod
    def _nulls_are_nan(cls, values: object) -> object:
        """A replication with nothing due has no on-time share (NaN, written as null): read back."""
        return [math.nan if v is None else v for v in values] if isinstance(values, list) else values


class ExperimentResult(_Model):
    scenario: str
    period: str
    start: dt.date
    days: int
    replications: int
    seed: int
    policy: str
    growth: float
    backend: str
    wall_seconds: float
    events: int
    wait_edges: list[float]
    rule_sets: list[RuleSetResult]


def with_derived(result: ExperimentResult, derived: list[DerivedRules | None]) -> ExperimentResult:
    """`result` with each rule set's `derived` (in the result's order)."""
    sets = [rs.model_copy(update={"derived": d}) for rs, d in zip(result.rule_sets, derived, strict=True)]
    return result.model_copy(update={"rule_sets": sets})
