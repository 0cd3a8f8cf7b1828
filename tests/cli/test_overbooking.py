"""`bayplan simulate --overbooking`'s table as a manager reads it: each row in its unit, the
paired differences as `bayplan simulate` writes them."""

from __future__ import annotations

import re

from tests.builders import bayplan

ARGS = ("simulate", "small-dealer", "--overbooking", "0,5", "--days", "2", "--replications", "2",
        "--workers", "1")  # fmt: skip


def test_each_row_has_its_unit_and_an_on_time_difference_is_in_points() -> None:
    """review-s43: the trade-off's rows had no unit ("每日加班时长 1.0 [0.0, 2.8]": hours? minutes?)
    where `bayplan simulate`'s say "（小时）", and its on-time difference read "+0.0% [+0.0%, +0.0%]",
    a percent of what, where `simulate` says percentage points. Fails before: no unit in any row."""
    chinese = ("每日预约请求（辆）", "每日拒约客户（辆）", "每日超额预约（辆）", "每日爽约（辆）",
               "准时（%）", "每日加班时长（小时）", "每日加班时长 对比 0%（小时）")  # fmt: skip
    english = ("booking requests per day (vehicles)", "turned away per day (vehicles)", "on time (%)",
               "overtime hours per day (h)", "overtime hours per day vs 0 % (h)")  # fmt: skip
    for lang, rows, points in (
        ("zh-CN", chinese, "准时 对比 0%（百分点）"),
        ("en", english, "on time vs 0 % (percentage points)"),
    ):
        run = bayplan(*ARGS, env={"BAYPLAN_LANG": lang, "COLUMNS": "200"})
        assert run.returncode == 0, run.stderr
        for row in rows:
            assert f"│ {row} " in run.stdout, (lang, row, run.stdout)
        line = next(x for x in run.stdout.splitlines() if f"│ {points} " in x)
        difference = line.split("│")[-2].strip()  # the 5 % level's cell
        assert re.fullmatch(r"[+-]\d+\.\d \[[+-]\d+\.\d, [+-]\d+\.\d\]", difference), (lang, line)
