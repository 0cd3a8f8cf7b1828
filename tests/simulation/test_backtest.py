"""The back-test's figures (simulation/backtest.py): what a quantity can be bounds its interval."""

from __future__ import annotations

import datetime as dt

from scheduler.scenarios import load_scenario
from simulation.backtest import BacktestInputs, backtest
from simulation.rules import load_rules


def test_a_backtests_intervals_stay_within_what_each_quantity_can_be() -> None:
    """review-s43: with few replications the Student-t interval ran past its quantity's bounds:
    "准时 76.3% [-16.2%, 168.9%]", "每日完工 124.4 [-79.1, 327.9]" (a share in [0, 1], counts and
    minutes not below 0), where `bayplan simulate` clips them (`simulation.stats.mean_ci`). Fails
    before: a low below 0 and an on-time high above 1."""
    scenario = load_scenario("dealer-2011")
    history = sorted(scenario.path.glob("history*.csv*"))[0]
    inputs = BacktestInputs(
        (dt.date(2011, 3, 1), dt.date(2011, 4, 30)), (dt.date(2011, 5, 2), dt.date(2011, 5, 3))
    )
    result = backtest(
        scenario, load_rules(scenario, "current"), str(history), inputs, replications=2, workers=1
    )
    rows = {r.metric: r for r in result.rows}
    assert set(rows) == {"served_per_day", "on_time", "time_in_shop_p50", "time_in_shop_p90"}
    for row in rows.values():
        assert 0 <= row.low <= row.mean <= row.high, row
    assert rows["on_time"].high <= 1, rows["on_time"]
    assert any(r.low == 0 for r in rows.values()), rows  # two replications: some interval is that wide
