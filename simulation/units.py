"""How simulation metrics read: shares in %, money without decimals, "-" for no value."""

from __future__ import annotations


def format_value(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "-"
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "CNY":
        return f"{value:,.0f}"
    return f"{value:.1f}"
