"""How simulation metrics read: shares in %, money without decimals, "-" for no value."""

from __future__ import annotations

from typing import Protocol

from scheduler.i18n import N_, Translator


class Estimate(Protocol):
    """A metric's mean with its confidence interval (simulation.results.Metric)."""

    @property
    def mean(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def unit(self) -> str: ...


def format_value(value: float, unit: str, t: Translator | None = None) -> str:
    """A metric's value in its unit: by hand for the CLI's tables and files ("73.6 %"), in the
    locale's own forms where `t` is given (Babel: "73.6%" in Chinese, no space before the sign)."""
    if value != value:  # NaN
        return "-"
    if t is not None:
        if unit == "share":
            return t.percent(value, 1)
        return t.number(value, 0 if unit == "CNY" else 1)
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "CNY":
        return f"{value:,.0f}"
    return f"{value:.1f}"


def format_estimate(m: Estimate | None) -> str:
    """ "mean [low, high]" in the metric's unit; "-" for a metric a rule set does not have."""
    if m is None:
        return "-"
    return f"{format_value(m.mean, m.unit)} [{format_value(m.low, m.unit)}, {format_value(m.high, m.unit)}]"


#: The metrics as a person reads them (results.METRIC_UNITS' keys); others read with "_" as spaces.
METRIC_LABELS = {
    "arrived_per_day": N_("arrived per day"),
    "served_per_day": N_("served per day"),
    "time_in_shop_p50": N_("time in shop p50"),
    "time_in_shop_p90": N_("time in shop p90"),
    "waiter_wait_p90": N_("waiter wait p90"),
    "waiter_wait_mean": N_("waiter wait mean"),
    "on_time": N_("on time"),
    "overtime_hours_per_day": N_("overtime hours per day"),
    "carried_over_per_day": N_("carried over per day"),
    "cost_per_day": N_("cost per day"),
    "booking_requests_per_day": N_("booking requests per day"),
    "turned_away_per_day": N_("turned away per day"),
    "overbooked_per_day": N_("overbooked per day"),
    "no_shows_per_day": N_("no-shows per day"),
}


#: The simulator's dispatch policies (simulation.policies.POLICIES' keys) as a person reads them.
POLICY_WORDS = {
    "fcfs": N_("first come, first served"),
    "shortest": N_("shortest operation first"),
    "waiters": N_("waiting customers first"),
    "promise": N_("earliest promised pickup first"),
    "plan": N_("in the day plan's order"),
}


def policy_words(name: str, t: Translator) -> str:
    """A dispatch policy's name in words ("fcfs": first come, first served); an unknown one as given."""
    return t.gettext(POLICY_WORDS[name]) if name in POLICY_WORDS else name


FLEET_BAYS = N_("fleet")
"""The fleet partners' bays as one kind in the bay utilisation ("bay_utilisation_fleet",
simulation/replication.py); the five built-in kinds are marked in cli/render.py (KIND_WORDS)."""


def metric_label(name: str, t: Translator) -> str:
    """A metric's name in `t`'s language; utilisation per grade and per bay kind included."""
    if name in METRIC_LABELS:
        return t.gettext(METRIC_LABELS[name])
    if name.startswith("bay_utilisation_"):  # the kind as the workshop names it (`t.named`), else the catalog
        return t.gettext("bay utilisation %(kind)s", kind=t.kind_label(name.removeprefix("bay_utilisation_")))
    if name.startswith("utilisation_"):
        return t.gettext("utilisation %(grade)s", grade=t.gettext(name.removeprefix("utilisation_")))
    return name.replace("_", " ")


#: Each unit as a person reads it after a metric's name ("waiter wait p90 (min)").
UNIT_LABELS = {
    "min": N_("min"),
    "share": "%",
    "h": N_("h"),
    "CNY": N_("CNY"),
    "vehicles": N_("vehicles"),
}


def unit_label(unit: str, t: Translator, difference: bool = False) -> str:
    """A unit's name in `t`'s language; a difference of shares is in percentage points."""
    if unit == "share" and difference:
        return t.gettext("percentage points")
    label = UNIT_LABELS.get(unit)
    return t.gettext(label) if label and label != "%" else (label or unit)


def with_unit(text: str, unit: str, t: Translator, difference: bool = False) -> str:
    """A text followed by its unit: "waiter wait p90 (min)"."""
    if not unit:
        return text
    return t.gettext("%(metric)s (%(unit)s)", metric=text, unit=unit_label(unit, t, difference))


def labelled(name: str, unit: str, t: Translator) -> str:
    """A metric's name with its unit."""
    return with_unit(metric_label(name, t), unit, t)
