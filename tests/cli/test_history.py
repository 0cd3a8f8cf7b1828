"""`bayplan backtest`'s table (cli/history.py) as a manager reads it, in English and in Chinese."""

from __future__ import annotations

import re

from tests.builders import bayplan

ARGS = ("backtest", "dealer-2011", "--train", "2011-03..2011-04", "--test", "2011-05-02..2011-05-03",
        "--replications", "2", "--workers", "1")  # fmt: skip


def test_the_backtests_rows_have_their_units_and_percents_read_as_the_language_writes_them() -> None:
    """review-s43: the back-test's rows had no unit ("每日完工 114.1", "在店时间 p90 203.0": vehicles?
    minutes?) where `bayplan simulate`'s say "（辆）", "（分钟）", and its Chinese percents were
    English-spaced ("81.0 %", where simulate writes "81.0%"). Fails before: no unit on any row."""
    for lang, rows, percent in (
        ("zh-CN", ("每日完工（辆）", "准时（%）", "在店时间 p50（分钟）", "在店时间 p90（分钟）"), r"\d%"),
        ("en", ("served per day (vehicles)", "on time (%)", "time in shop p50 (min)",
                "time in shop p90 (min)"), r"\d %"),
    ):  # fmt: skip
        run = bayplan(*ARGS, env={"BAYPLAN_LANG": lang})
        assert run.returncode == 0, run.stderr
        table = {line.split(" | ")[0].removeprefix("| "): line for line in run.stdout.splitlines()}
        for row in rows:
            assert row in table, (lang, row, run.stdout)
        on_time = table[rows[1]]
        assert len(re.findall(percent, on_time)) == 6, (lang, on_time)  # recorded, mean, CI, range
        if lang == "zh-CN":
            assert not re.search(r"\d %", run.stdout), run.stdout


def test_the_fits_work_content_table_gives_the_standard_its_unit() -> None:
    """review-s43 #21: `history fit`'s work-content table headed a column "标准" ("standard") with no
    unit, beside "平均分钟" ("mean minutes"). It is "标准分钟" / "standard minutes", as the fit's
    HTML page and the reports say."""
    history = "scenarios/dealer-2011/history-2011H1.csv.gz"
    for lang, unit, mean in (("zh-CN", "标准分钟", "平均分钟"), ("en", "standard minutes", "mean minutes")):
        run = bayplan("history", "fit", "dealer-2011", history, env={"BAYPLAN_LANG": lang, "COLUMNS": "200"})
        assert run.returncode == 0, run.stderr
        (heading,) = [line for line in run.stdout.splitlines() if mean in line]
        assert unit in heading, (lang, heading)
