"""Simulation figures as the command line prints them: a share written as the language writes a
percent (English "73.6 %", as before; Chinese "73.6%", no space before the sign)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.i18n import _

if TYPE_CHECKING:
    from simulation.units import Estimate


def figure(value: float, unit: str) -> str:
    """`simulation.units.format_value`'s figure, its percent in the language's way."""
    from simulation.units import format_value

    if unit == "share" and value == value:  # (NaN: "-")
        return _("%(percent)s %%", percent=f"{value * 100:.1f}")
    return format_value(value, unit)


def estimate(m: Estimate | None) -> str:
    """ "mean [low, high]" (`simulation.units.format_estimate`, its percents in the language's way)."""
    if m is None:
        return "-"
    return f"{figure(m.mean, m.unit)} [{figure(m.low, m.unit)}, {figure(m.high, m.unit)}]"


def signed(value: float, unit: str) -> str:
    """A paired difference with its sign: "+12.3"; of shares in percentage points (the row's name
    says so, `simulation.units.with_unit(..., difference=True)`), not a percent."""
    if unit == "share" and value == value:  # a difference of shares: percentage points (in the row's name)
        return f"{value * 100:+.1f}"
    from simulation.units import format_value

    text = format_value(value, unit)
    return text if text.startswith("-") else "+" + text
