"""The simulation report as a manager reads it: a verdict in words at the top (from the paired
differences against the first rule set), a unit on every metric, shares never above 100 %,
and links between its sections."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from scheduler.i18n import Translator
from simulation.report import render_html, report
from simulation.verdict import verdicts
from tests.builders import experiment_result

EN, ZH = Translator("en"), Translator("zh_CN")
TIE = {  # every interval spans 0
    "waiter_wait_p90": (-3.0, -9.0, 3.0),
    "on_time": (0.002, -0.004, 0.008),
    "time_in_shop_p90": (1.0, -4.0, 6.0),
    "overtime_hours_per_day": (0.0, -0.2, 0.2),
    "cost_per_day": (0.0, 0.0, 0.0),
}


def test_a_clear_win_reads_as_one_sentence_with_its_interval_and_cost() -> None:
    win = {**TIE, "waiter_wait_p90": (-31.0, -44.0, -18.0)}
    result = experiment_result(win)
    assert verdicts(result, EN) == ["stagger-lunch cuts the waiters' p90 wait by 31 min [18, 44] at no cost"]
    assert verdicts(result, ZH) == [
        "stagger-lunch 将等候客户的 p90 等待时间缩短 31 分钟 [18, 44]，且不增加成本"
    ]


def test_a_tie_says_no_clear_difference() -> None:
    result = experiment_result(TIE)
    assert verdicts(result, EN) == ["stagger-lunch: no clear difference from current"]
    assert verdicts(result, ZH) == ["stagger-lunch：与 current 相比没有明显差别"]


def test_several_effects_a_loss_and_a_clear_cost_are_all_named() -> None:
    mixed = {
        **TIE,
        "on_time": (0.041, 0.02, 0.062),
        "time_in_shop_p90": (12.0, 5.0, 19.0),
        "cost_per_day": (1200.0, 900.0, 1500.0),
    }
    (line,) = verdicts(experiment_result(mixed), EN)
    assert line == (
        "stagger-lunch raises on-time delivery by 4.1 percentage points [2.0, 6.2] and lengthens the p90"
        " time in the shop by 12 min [5, 19] at an extra 1,200 CNY [900, 1,500] a day"
    )
    only_cost = {**TIE, "cost_per_day": (-300.0, -420.0, -180.0)}
    assert verdicts(experiment_result(only_cost), EN) == [
        "stagger-lunch: no clear difference from current, and saves 300 CNY [180, 420] a day"
    ]


def test_the_verdict_heads_the_report_in_both_languages() -> None:
    win = {**TIE, "waiter_wait_p90": (-31.0, -44.0, -18.0)}
    for locale, words in [("en", "cuts the waiters' p90 wait by 31 min [18, 44]"), ("zh_CN", "缩短 31 分钟")]:
        page = render_html(experiment_result(win), locale)
        verdict, table = page.index('id="verdict"'), page.index("<table>")
        assert verdict < table and words in html.unescape(page[verdict:table])


class _Rows(HTMLParser):
    """The first cell of each table row: the metric's name."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._cell = 0
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._cell = 0
            self.names.append("")
        if tag == "td":
            self._cell += 1
            self._in = self._cell == 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.names[-1] += data


def test_every_metric_names_its_unit() -> None:
    for locale, units in [
        ("en", ("(min)", "(%)", "(h)", "(CNY)", "(vehicles)", "(percentage points)")),
        ("zh_CN", ("（分钟）", "（%）", "（小时）", "（元）", "（辆）", "（百分点）")),
    ]:
        rows = _Rows()
        rows.feed(report(experiment_result(TIE), locale).body)
        names = [n for n in rows.names if n]
        assert len(names) == 6 + 5  # six metrics, five paired differences
        for name in names:
            assert any(name.endswith(u) for u in units), name
        assert {u for u in units if any(n.endswith(u) for n in names)} == set(units)


def test_a_share_is_never_shown_above_100_percent() -> None:
    result = experiment_result(TIE)
    first = result.rule_sets[0]
    unclipped = first.metrics["on_time"].model_copy(update={"high": 1.004})  # stored before clipping
    over = first.model_copy(update={"metrics": {**first.metrics, "on_time": unclipped}})
    page = render_html(result.model_copy(update={"rule_sets": [over, result.rule_sets[1]]}))
    shares = [
        float(x) for x in re.findall(r"(\d+(?:\.\d+)?) ?%", page.split("<table>")[1].split("</table>")[0])
    ]
    assert shares and max(shares) <= 100.0


def test_the_report_links_its_sections() -> None:
    body = report(experiment_result(TIE), "en").body
    targets = re.findall(r'href="#([\w-]+)"', body)
    assert {"verdict", "setup", "figures", "on-time", "utilisation", "waits", "report"} <= set(targets)
    for target in set(targets):
        assert f'id="{target}"' in body, target
