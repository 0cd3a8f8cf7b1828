"""The verdict at the top of a comparison: each rule set against the first (the baseline), in words.

Read from the paired differences (`RuleSetResult.versus_first`: the same vehicles and work in both,
common random numbers) with their 95 % intervals. A difference counts only when its interval leaves
out 0; otherwise the sentence says "no clear difference". For example: "stagger-lunch cuts the
waiters' p90 wait by 31 min [18, 44] at no cost".
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.i18n import N_, Translator
from simulation.results import ExperimentResult, Metric


@dataclass(frozen=True)
class _Effect:
    metric: str
    lower_is_better: bool
    better: str
    worse: str


#: The service a customer sees, in the order the verdict names them.
EFFECTS = (
    _Effect("waiter_wait_p90", True, N_("cuts the waiters' p90 wait by %(amount)s"),
            N_("lengthens the waiters' p90 wait by %(amount)s")),
    _Effect("on_time", False, N_("raises on-time delivery by %(amount)s"),
            N_("lowers on-time delivery by %(amount)s")),
    _Effect("time_in_shop_p90", True, N_("shortens the p90 time in the shop by %(amount)s"),
            N_("lengthens the p90 time in the shop by %(amount)s")),
    _Effect("overtime_hours_per_day", True, N_("cuts overtime by %(amount)s a day"),
            N_("adds %(amount)s of overtime a day")),
)  # fmt: skip
COST = "cost_per_day"
NO_COST = 0.5
"""A cost difference whose mean and interval all lie within half a yuan is no cost at all."""
AND = N_("%(first)s and %(second)s")
COMMA = N_("%(first)s, %(second)s")


def clear(m: Metric) -> bool:
    """The interval leaves out 0 (and is a number)."""
    return m.low > 0 or m.high < 0


def amount(m: Metric, t: Translator) -> str:
    """The size of a difference with its unit and interval, as magnitudes: "31 min [18, 44]"."""
    low, high = sorted((abs(m.low), abs(m.high))) if clear(m) else (m.low, m.high)
    size = abs(m.mean)
    if m.unit == "share":
        value = t.gettext("%(points)s percentage points", points=t.number(size * 100, 1))
        return f"{value} [{t.number(low * 100, 1)}, {t.number(high * 100, 1)}]"
    digits = 1 if m.unit == "h" else 0
    number, lo, hi = (t.number(v, digits) for v in (size, low, high))
    if m.unit == "min":
        value = t.gettext("%(minutes)s min", minutes=number)
    elif m.unit == "h":
        value = t.gettext("%(hours)s h", hours=number)
    elif m.unit == "CNY":
        value = t.gettext("%(amount)s CNY", amount=number)
    else:
        value = number
    return f"{value} [{lo}, {hi}]"


def _cost(m: Metric | None, t: Translator) -> str | None:
    """The cost clause: None when there is no cost figure or no clear difference in cost."""
    if m is None or m.mean != m.mean:
        return None
    if max(abs(m.mean), abs(m.low), abs(m.high)) < NO_COST:
        return t.gettext("at no cost")
    if not clear(m):
        return None
    if m.mean > 0:
        return t.gettext("at an extra %(amount)s a day", amount=amount(m, t))
    return t.gettext("and saves %(amount)s a day", amount=amount(m, t))


def _join(parts: list[str], t: Translator) -> str:
    text = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        last = i == len(parts) - 1
        pattern = AND if last else COMMA
        text = t.gettext(pattern, first=text, second=part)
    return text


def verdict(result: ExperimentResult, index: int, t: Translator) -> str:
    """Rule set `index` (not the first) against the first, in one sentence."""
    rs, baseline = result.rule_sets[index], result.rule_sets[0].name
    effects = []
    for e in EFFECTS:
        m = rs.versus_first.get(e.metric)
        if m is None or not clear(m):
            continue
        better = (m.mean < 0) == e.lower_is_better
        effects.append(t.gettext(e.better if better else e.worse, amount=amount(m, t)))
    cost = _cost(rs.versus_first.get(COST), t)
    if effects and cost:
        return t.gettext(
            "%(rules)s %(effects)s %(cost)s", rules=rs.name, effects=_join(effects, t), cost=cost
        )
    if effects:
        return t.gettext("%(rules)s %(effects)s", rules=rs.name, effects=_join(effects, t))
    if cost and cost != t.gettext("at no cost"):
        return t.gettext(
            "%(rules)s: no clear difference from %(baseline)s, %(cost)s",
            rules=rs.name,
            baseline=baseline,
            cost=cost,
        )
    return t.gettext("%(rules)s: no clear difference from %(baseline)s", rules=rs.name, baseline=baseline)


def verdicts(result: ExperimentResult, t: Translator) -> list[str]:
    """One sentence per rule set after the first; none when there is nothing to compare."""
    return [verdict(result, i, t) for i in range(1, len(result.rule_sets))]
