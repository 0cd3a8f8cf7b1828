"""Service targets (`--target "on_time>=0.95"`): parsed with the standard library only, so that
`bayplan staff` refuses a bad one before the simulation is loaded. simulation.staffing re-exports
them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.errors import InputError
from scheduler.i18n import N_

if TYPE_CHECKING:
    from simulation.results import Metric

_TARGET = re.compile(r"^\s*([a-z0-9_]+)\s*(>=|<=)\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*$")


@dataclass(frozen=True)
class Target:
    metric: str
    at_least: bool
    value: float

    def shortfall(self, metric: Metric) -> float:
        """How far the mean misses the target, relative to the target (0 when met)."""
        scale = abs(self.value) or 1.0
        gap = self.value - metric.mean if self.at_least else metric.mean - self.value
        return max(0.0, gap / scale)

    def __str__(self) -> str:
        return f"{self.metric}{'>=' if self.at_least else '<='}{self.value:g}"


KNOWN_TARGETS = (
    "on_time",
    "waiter_wait_p90",
    "waiter_wait_mean",
    "time_in_shop_p50",
    "time_in_shop_p90",
    "carried_over_per_day",
    "overtime_hours_per_day",
    "served_per_day",
)


def parse_target(text: str) -> Target:
    match = _TARGET.match(text)
    if match is None:
        raise InputError(
            "target", N_("expected METRIC>=VALUE or METRIC<=VALUE, got %(text)r") % {"text": text}
        )
    name, op, value = match.groups()
    if name not in KNOWN_TARGETS:
        raise InputError(
            "target",
            N_("unknown metric %(name)r (one of %(known)s)")
            % {"name": name, "known": ", ".join(KNOWN_TARGETS)},
        )
    from simulation.results import METRIC_UNITS, UNIT_BOUNDS  # pydantic models only: no simulation

    _, high = UNIT_BOUNDS[METRIC_UNITS[name]]
    if METRIC_UNITS[name] == "share" and high is not None and float(value) > high:
        # A share is 0..1: "on_time>=95" (a percent) was met by no staffing, silently (review-s25).
        raise InputError(
            "target",
            N_("%(name)s is a share from 0 to 1, got %(value)s (e.g. %(name)s>=0.95)")
            % {"name": name, "value": value},
        )
    return Target(name, op == ">=", float(value))


__all__ = ["KNOWN_TARGETS", "Target", "parse_target"]
