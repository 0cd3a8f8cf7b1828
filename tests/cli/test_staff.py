"""`bayplan staff`'s certified (KN) answer as a manager reads it: its unit and objective in the
reader's language, its held-out re-check's figures the way round the objective is."""

from __future__ import annotations

import re
from pathlib import Path

from tests.builders import Ran, bayplan

QUICK = ("staff", "small-dealer", "--season", "peak", "--target", "on_time>=0.85", "--days", "1",
         "--candidates", "3", "--n0", "5", "--max-replications", "10", "--workers", "1")  # fmt: skip


def _run(*args: str, lang: str | None = None) -> Ran:
    run = bayplan(*args, env={"BAYPLAN_LANG": lang, "COLUMNS": "240"})
    assert run.returncode == 0, run.stderr
    return run


def test_a_certified_answers_unit_and_objective_read_in_chinese() -> None:
    """review-s43: under --lang zh-CN the KN table's caption, the delta sentences and every
    re-check line said "CNY a day" (or "points of on-time share"), and the title "目标 cost".
    Fails before: the English unit in the Chinese answer."""
    for objective, unit, said in (
        ("cost", "元/天", "目标 每日成本"),
        ("on_time", "个百分点（准时率）", "目标 准时"),
    ):
        out = _run(*QUICK, "--objective", objective, lang="zh-CN").stdout
        assert "CNY a day" not in out and "points of on-time share" not in out, out
        flat = re.sub(r"\s+", "", out)  # the table's title and caption wrap at its width
        assert said.replace(" ", "") in flat and f"（{unit}）" in flat, out
        assert f"delta = {'100' if objective == 'cost' else '1'} {unit}" in out, out
        rechecked = [line for line in out.splitlines() if line.startswith("  ") and unit in line]
        assert len(rechecked) >= 2, out
    english = _run(*QUICK).stdout  # English as before, the objective named in words
    assert "CNY a day" in english and "objective cost per day" in english, english


def test_the_on_time_rechecks_differences_have_the_sign_of_the_shares_difference() -> None:
    """review-s43: with --objective on_time the re-check printed each candidate's interval high to
    low ("86.9 [92.4, 81.3]") and its difference to the chosen in the objective's sign (KN minimises
    the share negated): a candidate 2.8 points *below* the chosen read "minus the chosen: +2.8".
    Fails before: the reversed interval and the sign."""
    out = _run(*QUICK, "--objective", "on_time").stdout
    figure = r"([+-]?[\d,]+\.\d)"
    line = re.compile(rf"^  (.+?): {figure} \[{figure}, {figure}\] points of on-time share"
                      rf"(?:; minus the chosen: {figure} \[{figure}, {figure}\])?$")  # fmt: skip
    rows = [m.groups() for m in map(line.match, out.splitlines()) if m]
    assert len(rows) >= 2, out
    chosen = [r for r in rows if r[4] is None]
    assert len(chosen) == 1, out
    best = float(chosen[0][1])
    for _name, mean, low, high, diff, diff_low, diff_high in rows:
        assert float(low) <= float(mean) <= float(high), out
        if diff is not None:
            assert abs(float(diff) - (float(mean) - best)) <= 0.11, out
            assert float(diff_low) <= float(diff) <= float(diff_high), out


def test_the_readmes_staff_commands_run_as_written() -> None:
    """review-s43: both READMEs' peak-season search ("搜索和确认") and the measurements' recipe said
    `bayplan staff … --max-steps 30` without `--method greedy`; with KN the default since, the
    command stops at once: "--max-steps: only with --method greedy" (exit 2). Every staff command
    line they show that uses a greedy-only option says `--method greedy`. Fails before: 4 lines."""
    root = Path(__file__).parents[2]
    wrong = []
    for name in ("README.md", "README.zh-CN.md", "docs/MEASUREMENTS.md", "docs/MEASUREMENTS.zh-CN.md"):
        text = (root / name).read_text(encoding="utf-8").replace("\\\n", " ").replace("\n", " ")
        for command in re.findall(r"bayplan staff [^`]*?(?=`|\s{3,}bayplan|$)", text):
            if re.search(r"--(max-steps|replications)\b", command) and "--method greedy" not in command:
                wrong.append((name, command.strip()[:100]))
    assert not wrong, wrong


def test_rules_written_from_an_uncertified_search_say_so(tmp_path: Path) -> None:
    """review-s43: `staff --write-rules` after "未能认证" (the budget ran out) wrote the best so far
    as the recommended staffing, exit 0, with nothing in the file or on stderr to tell it from a
    certified choice. Now the file's comment and stderr say so; a certified run's do not. Fails
    before: no such line."""
    for lang, said in (("zh-CN", "--write-rules：未能认证："), ("en", "--write-rules: not certified: ")):
        path = tmp_path / f"uncertified-{lang}.toml"
        run = _run(*QUICK, "--write-rules", str(path), lang=lang)
        assert said in run.stderr and str(path) in run.stderr, (lang, run.stderr)
        assert "NOT CERTIFIED" in path.read_text(encoding="utf-8")
    path = tmp_path / "certified.toml"
    run = _run(*QUICK, "--delta-cny", "1000000", "--write-rules", str(path))  # certified at once
    assert "not certified" not in run.stderr and "NOT CERTIFIED" not in path.read_text(encoding="utf-8")
    assert "Best with probability" in run.stdout, run.stdout


def test_the_recheck_line_sets_the_held_out_month_in_the_chinese_sentence_without_spaces() -> None:
    """review-s43 #19: "在 留出月份 2025年2月 上复核": the template's spaces around its placeholder
    stayed where the part filled in is Chinese words. A part meeting the template's words is spaced
    by the language's rule (none between two Han characters); English as before."""
    chinese = _run(*QUICK, lang="zh-CN").stdout
    (line,) = [x for x in chinese.splitlines() if "复核" in x and "留出月份" in x]
    assert re.fullmatch(r"在留出月份 \d{4}年\d{1,2}月上复核：", line.strip()), line
    english = _run(*QUICK).stdout
    assert re.search(r"^Re-check on held-out month [a-z]{3} \d{4}:$", english, re.M), english
