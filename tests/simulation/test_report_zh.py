"""zh-s26: the simulation report as a Chinese reader reads it (bench/RESULTS-zhreview-s25.md, left
over). Before: "调度策略 fcfs" (the policy's identifier), "需求增长 1" (a scale factor as a bare
number), "每日加班小时（小时）" (the unit twice), "73.6 %" (a space before % in Chinese, by hand) and
"自 2026-11-24 起仿真" (ISO in a Chinese sentence)."""

from __future__ import annotations

import html
import re

import pytest

from scheduler.i18n import Names, Translator, name_map
from simulation.report import report
from simulation.results import Metric
from simulation.units import format_value
from tests.builders import experiment_result

TIE = {"waiter_wait_p90": (-3.0, -9.0, 3.0), "on_time": (0.002, -0.004, 0.008)}


def _text(body: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<(svg|style|script)\b.*?</\1>", " ", body, flags=re.S))


def test_the_chinese_report_names_the_policy_the_factor_the_date_and_shares_in_its_own_forms() -> None:
    result = experiment_result(TIE).model_copy(update={"growth": 1.15})
    zh = _text(report(result, "zh_CN").body)
    assert "fcfs" not in zh and "调度策略为先到先服务" in zh
    assert "需求增长系数 ×1.15" in zh
    assert "自 2026年11月24日起仿真" in zh and "2026-11-24" not in zh
    assert "每日加班时长（小时）" in zh and "（小时）（小时）" not in zh and "小时（小时）" not in zh
    assert "99.8%" in zh and " %" not in zh.replace("95 %", "")
    en = _text(report(result, "en").body)
    assert "dispatch policy first come, first served" in en and "demand growth ×1.15" in en
    assert "5 days from 2026-11-24" in en  # English keeps ISO (as the other English pages do)
    assert "99.8%" in en


def test_a_share_reads_in_the_locales_percent_form_where_a_translator_is_given() -> None:
    assert format_value(0.736, "share") == "73.6 %"  # the CLI's tables and files, unchanged
    assert format_value(0.736, "share", Translator("zh_CN")) == "73.6%"
    assert format_value(1234.0, "CNY", Translator("zh_CN")) == "1,234"


def test_the_chinese_reports_run_line_names_every_backend_in_chinese() -> None:
    """smallfix-s27: the zh report's run line ended in English: "local" (the builder's backend, no
    runner's) and, for a run on a Dask cluster, "dask tcp://…". Each backend the runners name (in
    this process, a process pool, a cluster: `runners.backend_name`) reads in Chinese, only the
    cluster's address as it is; the builder's result says what a default run says."""
    from simulation.runners import backend_name

    assert experiment_result(TIE).backend == backend_name(2, None)
    cases = {
        (1, None): ("in-process", "单进程"),
        (2, None): ("process pool x2", "进程池 ×2"),
        (2, "tcp://10.0.0.5:8786"): ("Dask cluster tcp://10.0.0.5:8786", "Dask 集群 tcp://10.0.0.5:8786"),
    }
    for (workers, cluster), (english, chinese) in cases.items():
        result = experiment_result(TIE).model_copy(update={"backend": backend_name(workers, cluster)})
        zh = _text(report(result, "zh_CN").body)
        run = zh[zh.index("运行：") :].split("。")[0]
        assert run.endswith(chinese), run
        assert not re.search(r"[A-Za-z]", run.replace("Dask", "").replace(cluster or "", "")), run
        en = _text(report(result, "en").body)
        assert f"events, {english}." in en, en


def test_the_report_names_bay_kinds_and_teams_as_the_scenarios_workshop_does() -> None:
    """zh-s29: the report named a bay kind by the catalog ("工位利用率 booth" for a workshop's own) and a
    candidate's teams in English ("paint g2 +1"); with the scenario's workshop's names (`Workshop.names_in`)
    a kind and a team read as the workshop names that identifier, else as the catalog does."""
    base = experiment_result(TIE)
    booth = Metric(mean=0.5, low=0.4, high=0.6, unit="share")
    rule_sets = [
        rs.model_copy(update={"metrics": {**rs.metrics, "bay_utilisation_booth": booth}})
        for rs in base.rule_sets
    ]
    rule_sets[1] = rule_sets[1].model_copy(update={"description": "paint g2 +1, general bays +2"})
    result = base.model_copy(update={"rule_sets": rule_sets})
    named = Names(labels=name_map([("booth", "烤漆房"), ("paint", "烤漆")]))
    zh = _text(report(result, "zh_CN", named).body)
    assert "工位利用率 烤漆房" in zh and "烤漆组 2 级 +1 人，通用工位 +2" in zh, zh
    plain = _text(report(result, "zh_CN").body)
    assert "工位利用率 booth" in plain and "喷漆组 2 级 +1 人，通用工位 +2" in plain, plain
    en = _text(report(result, "en", Names(labels=name_map([("booth", "Paint booth")]))).body)
    assert "bay utilisation Paint booth" in en and "paint g2 +1, general bays +2" in en


def test_a_rules_files_own_description_is_not_half_translated() -> None:
    """The e2e screenshots (session 29): dealer-2011's rules files describe themselves in English
    ("…, 4 express lanes, 2 fleet bays"; "…; overtime 90 min"); read through the catalog's short
    templates they came out half in Chinese ("2 fleet 工位", "overtime 90 分钟"). A description is
    shown in Chinese only where all of it is bayplan's own label, else as the file wrote it."""
    base = experiment_result(TIE)
    written = "32 technicians (express team 6, mechanical 16), 4 express lanes, 2 fleet bays; overtime 90 min"
    rule_sets = [base.rule_sets[0].model_copy(update={"description": written}), *base.rule_sets[1:]]
    zh = _text(report(base.model_copy(update={"rule_sets": rule_sets}), "zh_CN").body)
    assert html.escape(written) in zh or written in zh, zh
    assert "fleet 工位" not in zh and "90 分钟" not in zh, zh


def test_a_simulated_periods_label_made_by_bayplan_reads_in_chinese_in_the_report() -> None:
    """zh-s30: the period labels bayplan made with f-strings (a status's, a history's, a fit's, a
    back-test's) headed the Chinese report in English ("人员配置仿真：dealer-2011，from the status of
    …"). Marked templates now, read where shown; English byte for byte as before; a path as typed."""
    from scheduler.scenarios import load_scenario
    from simulation.backtest import HISTORY_PERIODS
    from simulation.from_status import read_status, status_jobs
    from simulation.rules import load_rules
    from tests.simulation.test_from_status import status

    scenario = load_scenario("small-dealer")
    rules = load_rules(scenario, "current", field="rules")
    _, period = status_jobs(scenario, [rules], read_status(status(), scenario), 2, 2, 1, "fcfs", 1.0)
    assert period.label == "from the status of 2026-11-24 (3 open vehicles)"  # as the f-string said it
    for mode, (plain, synthetic) in HISTORY_PERIODS.items():  # as `f"{mode} of {path}…"` said it
        assert plain % {"path": "h.csv"} == f"{mode} of h.csv"
        assert synthetic % {"path": "h.csv"} == f"{mode} of h.csv (SYNTHETIC)"
    read = {
        period.label: "按 2026-11-24 的车间状态（3 辆在修车辆）",
        HISTORY_PERIODS["replay"][1] % {"path": "of h.csv"}: "回放历史 of h.csv（合成数据）",
        HISTORY_PERIODS["bootstrap"][0] % {"path": "h.csv"}: "重抽样历史 h.csv",
        HISTORY_PERIODS["fitted"][0] % {"path": "h.csv"}: "按历史 h.csv 拟合",
        "fitted from fit.json (SYNTHETIC history)": "按拟合结果 fit.json（合成历史数据）",
        "back-test 2011-07-01..2011-07-07": "回测 2011-07-01..2011-07-07",
    }
    for label, said in read.items():
        result = experiment_result(TIE).model_copy(update={"period": label})
        assert report(result, "zh_CN").title == f"人员配置仿真：dealer-2011，{said}"
        assert report(result, "en").title == f"Staffing simulation: dealer-2011, {label}"


def test_a_staffing_searchs_own_labels_read_in_chinese() -> None:
    """zh-s30: `bayplan staff`'s held-out month ("held-out month Aug 2011", strftime's month), its
    base candidate ("base") and its bootstrapped periods were English in a Chinese run."""
    import datetime as dt

    from cli.staff import BOOTSTRAPPED, HELD_OUT
    from scheduler.scenarios import load_scenario
    from simulation.arrivals import Period
    from simulation.certify import candidate_rules, next_month_period
    from simulation.rules import load_rules

    zh = Translator("zh_CN")
    held = next_month_period(Period(dt.date(2011, 12, 1), 5, "dec"), 5)
    assert (held.start, held.label) == (dt.date(2012, 1, 1), "held-out month jan 2012")
    assert zh.phrase(held.label) == "留出月份 2012年1月"
    scenario = load_scenario("small-dealer")
    (base, _), *_ = candidate_rules(load_rules(scenario, "current", field="rules"))
    assert base == "base" and zh.phrase(base) == "基准"
    a, b = dt.date(2011, 1, 3), dt.date(2011, 6, 30)
    for synthetic, note in ((False, ""), (True, " (SYNTHETIC)")):  # English as the f-strings said it
        assert BOOTSTRAPPED[synthetic] % {"period": "peak (apr)", "first": a, "last": b} == (
            f"peak (apr), days bootstrapped from {a}..{b}{note}"
        )
        assert HELD_OUT[synthetic] % {"first": a, "last": b} == f"held out {a}..{b}, days bootstrapped{note}"
    said = zh.phrase(BOOTSTRAPPED[True] % {"period": "peak (apr)", "first": a, "last": b})
    assert said == "旺季（4月），从 2011-01-03..2011-06-30 的日子中重抽样（合成数据）"
    assert (
        zh.phrase(HELD_OUT[False] % {"first": a, "last": b})
        == "留出期 2011-01-03..2011-06-30，从其日子中重抽样"
    )


def test_the_bundled_rules_are_described_in_the_readers_language() -> None:
    """review-s35: the bundled rules described themselves in English only ("7 technicians (express
    1, …)") on the zh simulation page and in the CLI's report. Their description is made from
    their fields, through the translator where shown; a rules file's own text stays as written."""
    from scheduler.scenarios import load_scenario
    from simulation.arrivals import choose_period
    from simulation.design import run_experiment
    from simulation.rules import load_rules

    scenario = load_scenario("small-dealer")
    rules = load_rules(scenario, "current")
    own = rules.model_copy(update={"name": "own", "description": "two lifts more, 朋友 <b>x</b>"})
    result = run_experiment(
        scenario, [rules, own], choose_period(scenario, 1, None, None), replications=2, seed=1, workers=1
    )
    made, written = result.rule_sets
    english = "7 technicians (express 1, mechanical 4, body 1, paint 1); bays: general 4, express 1,"
    assert made.description.startswith(english), made.description  # the JSON's, as before: English
    zh = _text(report(result, "zh_CN").body)
    assert "7 名技师（快修 1、机修 4、钣金 1、喷漆 1）；工位：通用 4、快修 1" in zh, zh
    assert "technicians (" not in zh and "bays:" not in zh and "overtime" not in zh, zh
    assert "班次 main 08:15–17:30，休息 08:15–08:45、12:00–13:30" in zh, zh
    assert written.description == own.description and written.composition is None
    assert html.escape(own.description) in report(result, "zh_CN").body  # data, as written
    en = _text(report(result, "en").body)
    assert english in en and "overtime up to 60 min" in en
    # A stored result (a simulation job's JSON) reads back with what the rules are made of.
    assert type(result).model_validate_json(result.model_dump_json()) == result


def test_derived_rules_are_described_in_the_readers_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """review-s35 "not done": an overbooking level ("current, overbooking 10 %") and a staffing
    search's candidate ("current: paint g2 +1, …") described themselves in English only. Their parts
    (`RuleSetResult.derived`, `Candidate.changes`) are worded where shown; the JSON's English fields
    are as before; `bayplan simulate --overbooking` names the rules from the parts, not the words."""
    from cli.overbooking import tradeoff_table
    from scheduler.scenarios import load_scenario
    from simulation.arrivals import choose_period
    from simulation.results import DerivedRules
    from simulation.rules import change_words, derived_words, load_rules
    from simulation.staffing import search
    from simulation.targets import parse_target
    from simulation.tradeoff import run_tradeoff

    scenario = load_scenario("small-dealer")
    rules = load_rules(scenario, "current")
    period = choose_period(scenario, 1, None, None)
    result = run_tradeoff(scenario, rules, period, [0, 10], replications=2, workers=1)
    strict, over = result.rule_sets
    assert (strict.description, over.description) == ("current, overbooking 0 %", "current, overbooking 10 %")
    assert over.derived == DerivedRules(base="current", overbooking_percent=10)
    zh = _text(report(result, "zh_CN").body)
    assert "current，超额预约 10%" in zh and "overbooking" not in zh, zh
    assert "current, overbooking 10 %" in _text(report(result, "en").body)
    assert type(result).model_validate_json(result.model_dump_json()) == result
    # The CLI's table names the rules from `derived`, whatever the description says.
    renamed = [strict.model_copy(update={"description": "anything, at all"}), over]
    table = tradeoff_table(result.model_copy(update={"rule_sets": renamed}))
    assert "rules current:" in str(table.title), table.title
    old = [strict.model_copy(update={"derived": None}), over]  # a result stored before `derived`
    assert "rules current:" in str(tradeoff_table(result.model_copy(update={"rule_sets": old})).title)

    found = search(
        scenario, rules, period, [parse_target("on_time>=0.999")], replications=1, seed=1,
        policy="fcfs", growth=3.0, workers=1, max_steps=1,
    )  # fmt: skip
    changed = [c for c in found.evaluated if c.changes]
    assert changed, found.evaluated
    en, zh_t = Translator("en"), Translator("zh_CN")
    for c in changed:
        described = derived_words(DerivedRules(base=found.base, changes=c.changes), en)
        assert described == f"current: {c.label}"  # what the search's own rules said in English
        said = derived_words(DerivedRules(base=found.base, changes=c.changes), zh_t)
        assert said.startswith("current：") and not re.search(r"[A-Za-z]{2,}", said[len("current") :]), said
    worded = {c.label: derived_words(DerivedRules(base="current", changes=c.changes), zh_t) for c in changed}
    assert (
        worded["paint g3 +1"] == "current：喷漆组 3 级 +1 人"
        and worded["general bays +1"] == "current：通用工位 +1"
    )
    assert type(found).model_validate_json(found.model_dump_json()) == found
    # `bayplan staff --lang zh-CN`'s frontier table words each candidate from its parts.
    from cli.i18n import set_language
    from cli.staff import _print_frontier

    monkeypatch.setenv("COLUMNS", "240")
    capsys.readouterr()
    set_language("zh-CN")
    try:
        _print_frontier(found, 1)
    finally:
        set_language(None)
    printed = capsys.readouterr().out
    assert any(c.changes for c in found.frontier), found.frontier
    for c in found.frontier:
        assert (change_words(c.changes, zh_t) if c.changes else c.label) in printed, printed
