"""`bayplan simulate --overbooking 0,5,10,15`: the no-show overbooking trade-off, level by level.

The run itself is cli.simulate's (the same options, progress and history sources); here are the
levels' parsing and the table. Only the standard library at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from simulation.results import ExperimentResult

#: The rows of the trade-off table: what the levels change and what a manager weighs.
ROWS = (
    "booking_requests_per_day",
    "turned_away_per_day",
    "overbooked_per_day",
    "no_shows_per_day",
    "on_time",
    "overtime_hours_per_day",
)


def parse_levels(text: str) -> list[float]:
    """ "0,5,10,15" -> [0.0, 5.0, 10.0, 15.0] (InputError naming overbooking on anything else)."""
    from cli.i18n import N_
    from scheduler.errors import InputError
    from simulation.tradeoff import check_levels

    levels = []
    for part in text.split(","):
        try:
            level = float(part.strip())
        except ValueError:
            raise InputError(
                "overbooking", N_("expected percents like 0,5,10,15, got %(part)r") % {"part": part.strip()}
            ) from None
        if level != level:  # NaN
            raise InputError("overbooking", N_("a level must be a number"))
        levels.append(level)
    return check_levels(levels)


def tradeoff_table(result: ExperimentResult) -> Table:
    """One column per level; the paired differences to the first level below (same customers)."""
    from rich.table import Table

    from cli.figures import estimate, signed
    from cli.i18n import _, current
    from simulation.units import labelled, metric_label, with_unit

    baseline = result.rule_sets[0]
    # The base's name as the trade-off recorded it; a result stored before `derived` (tidy-s35):
    # read back out of its English description.
    rules_name = baseline.derived.base if baseline.derived else baseline.description.split(",")[0]
    table = Table(
        title=_(
            "No-show overbooking: %(scenario)s, %(period)s from %(start)s, rules %(rules)s: %(days)s days x"
            " %(replications)s replications, seed %(seed)s (%(seconds)s s)",
            scenario=result.scenario, period=current().phrase(result.period), start=result.start,
            rules=rules_name, days=result.days, replications=result.replications, seed=result.seed,
            seconds=f"{result.wall_seconds:.1f}",
        ),
        caption=_(
            "mean [95 %% confidence interval]; columns: overbooking percent of each technician pool;"
            " every level sees the same customers and no-shows (common random numbers)"
        ),
    )  # fmt: skip
    t = current()
    table.add_column(_("metric"))
    for rs in result.rule_sets:
        table.add_column(_level(rs.name), justify="right")
    for name in ROWS:
        cells = [estimate(rs.metrics.get(name)) for rs in result.rule_sets]
        units = [rs.metrics[name].unit for rs in result.rule_sets if name in rs.metrics]
        table.add_row(labelled(name, units[0], t) if units else metric_label(name, t), *cells)
    first = _level(result.rule_sets[0].name)
    for name in dict.fromkeys(k for rs in result.rule_sets for k in rs.versus_first):
        cells = ["-"]
        for rs in result.rule_sets[1:]:
            m = rs.versus_first[name]
            cells.append(f"{signed(m.mean, m.unit)} [{signed(m.low, m.unit)}, {signed(m.high, m.unit)}]")
        unit = next(rs.versus_first[name].unit for rs in result.rule_sets[1:])
        # As `bayplan simulate` says them: each row in its unit, a difference of shares in points.
        table.add_row(
            with_unit(_("%(metric)s vs %(first)s", metric=metric_label(name, t), first=first), unit, t, True),
            *cells,
            style="cyan",
        )
    return table


def _level(name: str) -> str:
    """A level's column ("5 %", `simulation.tradeoff.level_name`, as the JSON keeps it) as the
    language writes a percent: "5 %" in English, "5%" in Chinese (the catalog's other percents)."""
    from cli.i18n import _

    return _("%(percent)s %%", percent=name.removesuffix(" %")) if name.endswith(" %") else name
