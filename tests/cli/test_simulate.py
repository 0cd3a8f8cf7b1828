"""`bayplan simulate` (cli/simulate.py) as a manager reads it: what it says beside its results."""

from __future__ import annotations

import json

from tests.builders import bayplan

QUICK = ("--days", "1", "--replications", "2", "--workers", "1", "--json")


def test_a_season_asked_of_a_scenario_whose_demand_has_none_is_said_on_stderr() -> None:
    """review-s43 #16: `--season peak` on small-dealer, whose demand is 650 every month, silently
    simulated January ("旺季（1月）"). It says so on stderr, in the reader's language; what is
    simulated and printed (the JSON here) is as before: January, the same figures as `--month jan`.
    A scenario with a season (dealer-2011) says nothing."""
    said = {
        "en": "note: small-dealer's demand is the same every month (it has no season): --season peak"
        " simulates jan",
        "zh-CN": "注意：small-dealer 的需求每月相同（没有淡旺季），--season peak 模拟的是 1月",
    }
    for lang, note in said.items():
        run = bayplan("simulate", "small-dealer", "--season", "peak", *QUICK, env={"BAYPLAN_LANG": lang})
        assert run.returncode == 0, run.stderr
        assert note in run.stderr.splitlines(), run.stderr
        result = json.loads(run.stdout)
        assert (result["period"], result["start"]) == ("peak (jan)", "2025-01-01")
    january = json.loads(bayplan("simulate", "small-dealer", "--month", "jan", *QUICK).stdout)
    assert result["rule_sets"] == january["rule_sets"]
    seasonal = bayplan("simulate", "dealer-2011", "--season", "peak", *QUICK)
    assert seasonal.returncode == 0 and "season" not in seasonal.stderr, seasonal.stderr
