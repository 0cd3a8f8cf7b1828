"""The command line in Chinese: `bayplan --lang zh-CN` or BAYPLAN_LANG; English by default."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scheduler.i18n import HAN
from scheduler.scenarios import load_scenario
from tests.builders import DATE, Ran, booking, request, small_workshop
from tests.builders import bayplan as run_bayplan


def bayplan(*args: str, lang: str | None = None) -> Ran:
    """`bayplan ARGS` with BAYPLAN_LANG set to `lang` (None: unset)."""
    return run_bayplan(*args, env={"BAYPLAN_LANG": lang})


def _refused_in_both_languages(cases: list[tuple[tuple[str, ...], str, str]]) -> None:
    """Each command line exits 2 with exactly its reason, in Chinese under --lang zh-CN, else English."""
    for args, chinese, english in cases:
        run = bayplan("--lang", "zh-CN", *args)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stderr.strip() == f"bayplan：错误：{chinese}", args
        same = bayplan(*args)
        assert same.stderr.strip() == f"bayplan: error: {english}", args


def test_plan_table_in_chinese_with_lang() -> None:
    run = bayplan("--lang", "zh-CN", "plan", "small-dealer", "--date", DATE, "--planner", "greedy")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    # the workshop's own names as it gives them in Chinese (name_i18n), not its English ones
    assert out.startswith("工位排程 · 小型4S店（日均进厂20台）")
    assert "2026年11月24日星期二" in out  # the date by locale
    for text in ("E01 · 快修", "G01 · 通用", "时间", "技师", "关键指标", "技师利用率", "分钟"):
        assert text in out, text
    # The tables' English words are gone (reasons: test_unassigned_reasons_in_chinese).
    for english in ("KPIs", "technician utilisation", "service · operation", "Unassigned", "bays busy"):
        assert english not in out, english
    workshop = load_scenario("small-dealer").workshop
    for service in workshop.services:  # the English of the workshop's own data is gone too
        assert service.name not in out, service.name
    chinese = workshop.in_language("zh_CN").services
    assert any(f"{s.name} · {op.name}" in out for s in chinese for op in s.operations), out


def test_bayplan_lang_environment_and_english_default() -> None:
    chinese = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy", lang="zh_CN")
    assert chinese.returncode == 0 and "关键指标" in chinese.stdout
    english = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy")
    assert english.stdout.startswith("Bay plan · Small dealer") and "KPIs" in english.stdout
    unknown = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy", lang="xx")
    assert "KPIs" in unknown.stdout  # a language bayplan does not speak: English


def test_an_unknown_language_asked_for_on_the_command_line_is_an_error_naming_lang() -> None:
    run = bayplan("--lang", "fr", "plan", "small-dealer", "--date", DATE, "--planner", "greedy")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == "bayplan: error: --lang: 'fr' is not a language bayplan speaks (en or zh-CN)"


def test_errors_name_the_option_in_chinese_too() -> None:
    run = bayplan("--lang", "zh-CN", "plan", "small-dealer", "--date", "2026-1-1")
    assert run.returncode == 2 and run.stderr.startswith("bayplan：错误：--date: 应为 YYYY-MM-DD")
    run = bayplan("--lang", "zh-CN", "plan", "small-dealer", "--date", "2026-02-30")
    assert run.returncode == 2 and run.stderr.strip() == "bayplan：错误：--date: 没有这一天：'2026-02-30'"
    english = bayplan("plan", "small-dealer", "--date", "2026-02-30")
    assert english.stderr.strip() == "bayplan: error: --date: no such day: '2026-02-30'"


def test_simulation_table_and_report_in_chinese(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    run = bayplan("--lang", "zh-CN", "simulate", "small-dealer", "--days", "2", "--replications", "2",
                  "--workers", "1", "--report", str(report))  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "每日成本" in run.stdout and "工位利用率 通用" in run.stdout and "cost per day" not in run.stdout
    # Shares as Chinese writes a percent, no space before the sign ("71.5% [61.4%, 81.6%]")
    assert re.search(r"准时.*\d% \[\d", run.stdout) and not re.search(r"\d %", run.stdout), run.stdout
    page = report.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<h1>人员配置仿真：small-dealer" in page
    assert "各小时技师利用率" in page  # the charts' titles, as SVG text


def test_unassigned_reasons_in_chinese(tmp_path: Path) -> None:
    """Three one-hour bookings at 08:00 in a two-hour workshop: one is not placed, and says why
    in the command's language."""
    from scheduler.contract import Booking, PlanRequest
    from tests.builders import tiny_workshop

    at = f"{DATE}T08:00:00+08:00"
    bookings = [Booking.model_validate({"id": f"b{i}", "service": "MAINT", "drop_off": at}) for i in range(3)]
    request = PlanRequest.model_validate({"workshop": tiny_workshop(), "date": DATE, "bookings": bookings})
    path = tmp_path / "request.json"
    path.write_text(request.model_dump_json(), encoding="utf-8")
    chinese = bayplan("--lang", "zh-CN", "plan", "--input", str(path), "--planner", "greedy")
    english = bayplan("plan", "--input", str(path), "--planner", "greedy")
    assert chinese.returncode == 0 == english.returncode, chinese.stderr
    assert "day full: operation 'work'" in english.stdout
    assert "当天已满：工序「work」" in chinese.stdout and "day full" not in chinese.stdout


def test_history_fit_table_and_report_in_chinese(tmp_path: Path) -> None:
    history = "scenarios/dealer-2011/history-2011H1.csv.gz"
    report = tmp_path / "fit.html"
    run = bayplan("--lang", "zh-CN", "history", "fit", "dealer-2011", history, "--report", str(report))
    assert run.returncode == 0, run.stderr
    for text in ("的拟合", "合成历史数据", "守约率", "每日维修单数", "平均分钟", "原因"):
        assert text in run.stdout, text
    # the first line says what was fitted in brackets (it read "dealer-2011 的拟合 合成历史数据：")
    assert run.stdout.splitlines()[0].startswith(f"{history} 的拟合（合成历史数据）："), run.stdout
    for english in ("kept rate", "repair orders a day", "mean minutes", "rows ("):
        assert english not in run.stdout, english
    # Why each service's distribution, and the grades' names (were English: "KS test of log minutes
    # against the fitted normal …", "efficiency: apprentice 0.61 …").
    flat = "".join(run.stdout.split())
    # (read across lines: at 80 columns the reason column folds where its width puts the break; the
    # standard column's unit, 标准分钟, review-s43 #21, took two of its cells)
    why = "".join(line.split("│")[-2].strip() for line in run.stdout.splitlines() if line.startswith("│"))
    assert "对数分钟与拟合" in why and "检验：" in why and "D=0." in run.stdout, run.stdout
    assert "效率：学徒0.61" in flat and "中级0.99" in flat, run.stdout
    for english in ("KS test", "not rejected", "apprentice", "intermediate"):
        assert english not in run.stdout, english
    page = report.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for text in (
        "各服务的工作量",
        "星期系数",
        "按等级的效率",
        "周一",
        "预约占比",
        "对数分钟与拟合正态分布的 KS 检验",
        "学徒",
    ):
        assert text in page, text
    for english in ("Weekday factors", "Work content per service", "booked share", "repair orders a day"):
        assert english not in page, english


def test_input_errors_in_chinese_name_the_option_as_it_is() -> None:
    run = bayplan("--lang", "zh-CN", "plan", "small-dealer", "--date", "1900-01-01")
    assert run.returncode == 2
    said = "bayplan：错误：--date: 必须在 2000-01-01 与 2199-12-31 之间，收到 1900-01-01"
    assert run.stderr.strip() == said
    run = bayplan("--lang", "zh-CN", "plan", "no-such-dealer")
    assert run.returncode == 2 and "SCENARIO: 没有场景 'no-such-dealer'" in run.stderr, run.stderr
    english = bayplan("plan", "small-dealer", "--date", "nope")
    assert english.stderr.strip() == "bayplan: error: --date: expected YYYY-MM-DD, got 'nope'"


def test_a_managers_and_a_foremans_input_errors_read_in_chinese(tmp_path: Path) -> None:
    """A missing input file, an unknown technician, a database or history file not there, a
    count out of range, a rule set named twice: each said in English to a Chinese command line."""
    missing = tmp_path / "none.json"
    said = {
        ("plan", "--input", str(missing)): f"--input: 无法读取 {missing}：没有这个文件或目录",
        ("print", "small-dealer", "--date", DATE, "--technician", "ZZ", "--out", str(tmp_path / "x.pdf")): (
            "--technician: 没有技师 'ZZ'（已有：X01, M01, M02, M03, M04, B01, P01）"
        ),
        ("simulate", "small-dealer", "--days", "0"): "--days: 必须在 1..366 之间",
        ("simulate", "small-dealer", "--replications", "0"): "--replications: 必须在 1..10000 之间",
        ("simulate", "small-dealer", "--rules", "current", "--rules", "current"): (
            "--rules: 规则集的名称不能相同，收到 ['current', 'current']"
        ),
        ("history", "fit", "dealer-2011", str(tmp_path / "none.csv")): (
            f"HISTORY: 没有历史数据文件 '{tmp_path / 'none.csv'}'"
        ),
        (
            "report",
            "--db",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--workshop",
            "w",
            "--from",
            DATE,
            "--to",
            DATE,
        ): (f"--db: 没有数据库文件 '{tmp_path / 'none.db'}'"),
    }
    for args, reason in said.items():
        run = bayplan("--lang", "zh-CN", *args)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stderr.strip() == f"bayplan：错误：{reason}", args
    english = bayplan("simulate", "small-dealer", "--days", "0")
    assert english.stderr.strip() == "bayplan: error: --days: must be 1..366"


def test_a_files_error_reads_in_chinese_after_the_file_and_the_field(tmp_path: Path) -> None:
    """An error in an input file reads "path: field: reason"; the reason is bayplan's own (a
    translated template), so it reads in Chinese as the API's 422 does, the path and field as they are."""
    body = json.loads(request([booking("b1", "MINOR", "08:00")], workshop=small_workshop()).model_dump_json())
    body["workshop"]["services"][2]["code"] = "MINOR:ops0-0"
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body))
    run = bayplan("--lang", "zh-CN", "plan", "--input", str(path))
    assert run.returncode == 2, run.stderr
    reason = "不能包含 ':ops'：它表示服务的一部分（如 'ACC:ops0-1'）"
    said = f"bayplan：错误：{path}: workshop.services[2].code: {reason}"
    assert run.stderr.strip() == said
    english = bayplan("plan", "--input", str(path))
    assert english.stderr.strip().endswith(
        "code: must not contain ':ops': it marks a part of a service ('ACC:ops0-1')"
    )


def test_the_simulation_says_its_season_month_and_backend_in_chinese() -> None:
    """The manager's table began "small-dealer，average (jan)，… process pool x2"."""
    run = bayplan("--lang", "zh-CN", "simulate", "small-dealer", "--days", "1", "--replications", "2",
                  "--workers", "2", "--season", "peak")  # fmt: skip
    assert run.returncode == 0, run.stderr
    title = "".join(run.stdout.split())  # the table's title, as rich wraps it
    assert "small-dealer，旺季（1月），" in title and "进程池×2" in title, title
    for english in ("peak", "(jan)", "process pool"):
        assert english not in run.stdout, english
    one = bayplan("--lang", "zh-CN", "simulate", "small-dealer", "--days", "1", "--replications", "1",
                  "--workers", "1", "--month", "mar")  # fmt: skip
    said = "".join(one.stdout.split())  # as rich wraps it (the policy in words makes the title longer)
    assert "small-dealer，3月，" in said and "单进程" in said, one.stdout


def test_the_staffing_searchs_steps_read_in_chinese(tmp_path: Path) -> None:
    """`bayplan staff` logs each step of its search on stderr: "base: current | 7 technicians,
    cost 3,076/day, on time 72.1%, waiter wait p90 84 min" to a Chinese manager; and when no
    staffing meets the target, why it wrote no rules file ("bayplan: error: --write-rules: …")."""
    rules = tmp_path / "rules.toml"
    run = bayplan("--lang", "zh-CN", "staff", "small-dealer", "--days", "1", "--replications", "2",
                  "--max-steps", "1", "--method", "greedy", "--target", "on_time>=0.99",
                  "--write-rules", str(rules))  # fmt: skip
    assert run.returncode == 1, run.stderr  # no staffing meets 99 % in one step (and it says so)
    assert not rules.exists()
    said = f"bayplan：错误：--write-rules: 在 1 步内没有满足 on_time>=0.99 的人员配置：没有写入 {rules}"
    assert run.stderr.strip().endswith(said), run.stderr
    flat = "".join(run.stderr.split())
    assert "基准：current|7名技师，每天成本" in flat and "准时率" in flat and "等候客户等待p90" in flat, (
        run.stderr
    )
    for english in ("base:", "technicians, cost", "on time", "waiter wait"):
        assert english not in run.stderr, english
    # no source path of ours in the log lines (rich showed "staff.py:127" beside each)
    assert "staff.py" not in run.stderr, run.stderr


def test_a_staffing_candidates_bays_read_in_chinese() -> None:
    """A candidate that changes the bays read "express g2 +1, general bays +1" to a Chinese manager.
    zh-s29: a team reads as the workshop (else the catalog) names the skill or bay kind of its
    identifier, "快修组 2 级 +1 人" (was left "express g2 +1"); a team of a name of its own as written."""
    from scheduler.i18n import Translator
    from scheduler.scenarios import load_scenario
    from simulation.rules import load_rules
    from simulation.staffing import change_label

    base = load_rules(load_scenario("small-dealer"), "current")
    more = (*(g.count for g in base.technicians), base.bays.general + 1, base.bays.express)
    label = change_label(base, more)
    assert label == "general bays +1"  # the English as it was
    zh = Translator("zh_CN")
    assert zh.phrase(label) == "通用工位 +1"
    assert zh.phrase("express g2 +1, general bays +1") == "快修组 2 级 +1 人，通用工位 +1"
    assert zh.phrase("night_crew g2 -1") == "night_crew 组 2 级 -1 人"
    assert zh.phrase("general bays -1, express bays +2") == "通用工位 -1，快修工位 +2"


def test_the_plan_tables_notes_and_grades_read_in_chinese_punctuation() -> None:
    """A row's notes read "等候客户, 承诺 09:15, 延误 45 分钟" and its technician "张伟 (初级)":
    English commas and brackets in a Chinese table."""
    run = bayplan("--lang", "zh-CN", "plan", "small-dealer", "--date", DATE, "--planner", "greedy")
    assert run.returncode == 0, run.stderr
    # "承诺交车" (zhreview-s25): the word the plan page's chart and the technician's page use
    assert "等候客户，承诺交车 " in run.stdout and "张伟（初级）" in run.stdout, run.stdout
    assert "等候客户, " not in run.stdout and "(初级)" not in run.stdout
    english = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy")
    assert "waiter, promised " in english.stdout and "Zhang Wei (junior)" in english.stdout


def _help(*args: str, lang: str | None = None) -> str:
    """`bayplan ARGS --help` on a wide terminal, its box lines and spaces taken out: a phrase reads
    whole however rich wrapped it."""
    run = run_bayplan(*args, "--help", env={"BAYPLAN_LANG": lang, "COLUMNS": "120"})
    assert run.returncode == 0, run.stderr
    return run.stdout


def _flat(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


#: English words in a row: a run of three is a sentence left untranslated.
_WORD = re.compile(r"^\(?[A-Za-z][a-z']*[,.;:)]?$")


def _english_runs(screen: str) -> list[str]:
    """Runs of 3+ English words in a help screen, leaving out what stays as it is in every
    language: the usage line, option names, metavars, and the ids and defaults in brackets."""
    runs = []
    for line in screen.splitlines():
        if line.strip().startswith("Usage:"):
            continue
        text = re.sub(r"<[^>]*>|\[[^\]]*\]|--?[\w-]+|`[^`]*`", " ", line.replace("│", " "))
        run: list[str] = []
        for token in [*text.split(), ""]:
            if _WORD.match(token):
                run.append(token)
                continue
            if len(run) >= 3:
                runs.append(" ".join(run))
            run = []
    return runs


def _every_command(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = getattr(command, "commands", {})
    return [path, *(p for name, sub in sorted(subs.items()) for p in _every_command(sub, (*path, name)))]


def test_help_in_chinese_with_lang() -> None:
    """walk-s14 #23: `--help` followed --lang nowhere. Fails before: the help was English."""
    root = _flat(_help("--lang", "zh-CN"))
    for phrase in (
        "4S 店售后车间的工位排程。",
        "排一天的计划：场景明天的工位排程，或 --input 给出的 v1 请求。",
        "API 密钥：创建（只显示一次）、列出、吊销。",
        "显示本帮助并退出。",
        "选项",
        "命令",
    ):
        assert _flat(phrase) in root, phrase
    plan = _flat(_help("--lang=zh-CN", "plan"))
    for phrase in (
        "排程日期 YYYY-MM-DD（默认：明天）",
        "CP-SAT 优化器，或贪心基线算法",
        "[默认：cpsat]",
        "表格分块：按工位或按技师",
        "参数",
        "内置场景名或场景目录",
    ):
        assert _flat(phrase) in plan, phrase
    assert _flat("Plan one day") not in plan and _flat("Show this message") not in plan
    keys = _flat(_help("--lang", "zh-CN", "keys", "create"))
    assert _flat("创建一个密钥并只打印这一次（只保存它的哈希值）。") in keys
    assert _flat("配合 --role technician：用此密钥打卡的技师编号") in keys
    assert "--workshop" in keys and "[必填]" in keys  # the option's name stays as it is


def test_help_follows_bayplan_lang_too() -> None:
    assert _flat("用历史需求仿真人员配置规则") in _flat(_help("simulate", lang="zh-CN"))


def test_no_english_sentence_left_in_any_commands_chinese_help() -> None:
    import typer

    from cli.main import app

    left = {}
    for path in _every_command(typer.main.get_command(app)):
        runs = _english_runs(_help("--lang", "zh-CN", *path))
        if runs:
            left[" ".join(path) or "bayplan"] = runs
    assert not left, left


def test_no_flag_shows_a_type_as_if_it_took_a_value() -> None:
    """review-s43 #20: typer showed every flag as `--json <bool>` and `--help <bool>`; options
    that take a value keep their type (`--days <int>`)."""
    import typer

    from cli.main import app

    for path in _every_command(typer.main.get_command(app)):
        for language in ("en", "zh-CN"):
            assert "<bool>" not in _help("--lang", language, *path), (path, language)
    simulate = _help("simulate")
    assert re.search(r"--json +print the result as JSON", simulate), simulate
    assert re.search(r"--days +<int>", simulate), simulate


def test_english_help_unchanged_without_lang() -> None:
    chinese_first = _help("--lang", "zh-CN", "plan")
    assert "排程日期" in chinese_first
    english = _help("plan")  # in the same process: typer's words put back
    for phrase in (
        "Plan one day: tomorrow's bay plan for a scenario, or a v1 request from --input.",
        "plan date YYYY-MM-DD (default: tomorrow)",
        "Show this message and exit.",
        "[default: cpsat]",
        "─ Options ─",
        "─ Arguments ─",
    ):
        assert phrase in english, phrase
    assert not re.search(f"[{HAN}]", english)
    assert _help("plan", lang="en") == english == _help("--lang", "en", "plan")


def test_usage_and_typers_own_errors_in_chinese_and_back_in_english() -> None:
    """The usage line and typer's own group errors follow the language (walk-s15 F); the next
    command in English reads English again."""
    helped = bayplan("--lang", "zh-CN", "plan", "--help")
    assert "用法：bayplan plan" in helped.stdout and "Usage:" not in helped.stdout, helped.stdout
    wrong = bayplan("--lang", "zh-CN", "nope")
    assert wrong.returncode == 2
    shown = wrong.stdout + wrong.stderr
    assert "没有命令 'nope'。" in shown and "错误" in shown and "查看帮助" in shown, shown
    assert "No such command" not in shown and "Usage:" not in shown, shown
    english = bayplan("nope")
    shown = english.stdout + english.stderr
    assert "No such command 'nope'." in shown and "Usage: bayplan" in shown and "Error" in shown, shown
    assert "用法" not in bayplan("plan", "--help").stdout


#: click's parser errors a user meets, each with its Chinese (the option named as typed) and its
#: English, byte for byte as it was before the Chinese was added.
PARSER_ERRORS = (
    (
        ("plan", "--bogus"),
        "没有选项：--bogus（可用的选项：--out, --rows, --verbose）",
        "No such option: --bogus (Possible options: --out, --rows, --verbose)",
    ),
    (
        ("plan", "--time-limit"),
        "选项 '--time-limit' 需要一个值。",
        "Option '--time-limit' requires an argument.",
    ),
    (("plan", "--verbose=3"), "选项 '--verbose' 不接受值。", "Option '--verbose' does not take a value."),
    (
        ("plan", "small-dealer", "x1", "x2"),
        "多出了参数（x1 x2）",
        "Got unexpected extra argument(s) (x1 x2)",
    ),
    (
        ("plan", "--time-limit", "abc"),
        "'--time-limit' 的值无效：应为有效的数字，无法将字符串解析为数字",
        "Invalid value for '--time-limit': Input should be a valid number, unable to parse string as a"
        " number",
    ),
    (
        ("plan", "--seed", "1.5"),
        "'--seed' 的值无效：应为有效的整数，无法将字符串解析为整数",
        "Invalid value for '--seed': Input should be a valid integer, unable to parse string as an integer",
    ),
    (
        ("plan", "--planner", "foo"),
        "'--planner' 的值无效：值错误：'foo' 不是 'greedy', 'cpsat' 之一。",
        "Invalid value for '--planner': Value error, 'foo' is not one of 'greedy', 'cpsat'.",
    ),
    (("keys", "create"), "缺少选项 '--role'。", "Missing option '--role'."),
    (("replan",), "缺少选项 '--input'。", "Missing option '--input'."),
    (
        ("plna",),
        "没有命令 'plna'。你是不是要用 'plan', 'replan'？",
        "No such command 'plna'. Did you mean 'plan', 'replan'?",
    ),
)


def _error_panel(run: Ran) -> str:
    """The error a run shows, its panel's box and the line breaks rich made taken out."""
    return " ".join(re.sub(r"[│╭╮╰╯─]+", " ", run.stdout + run.stderr).split())


def test_clicks_parser_errors_in_chinese_and_english_as_before() -> None:
    """click's parser words its errors itself ("No such option", "Missing option", "Invalid value
    for"): they stayed English under --lang zh-CN (walk-s16). Fails before: English in the panel."""
    for args, chinese, english in PARSER_ERRORS:
        run = bayplan("--lang", "zh-CN", *args)
        assert run.returncode == 2, (args, run.stderr)
        shown = _error_panel(run)
        assert _flat(chinese) in _flat(shown), (args, shown)
        assert english.split(" ")[0] not in shown, (args, shown)
        same = bayplan(*args)  # English as it was, in the same process after the Chinese run
        assert same.returncode == 2
        assert english in _error_panel(same), (args, same.stdout + same.stderr)
        assert not re.search(f"[{HAN}]", same.stdout + same.stderr), args


def test_parser_errors_follow_bayplan_lang_too() -> None:
    run = bayplan("plan", "--bogus", lang="zh-CN")
    assert "没有选项：--bogus" in _error_panel(run) and "用法：" in run.stdout + run.stderr


def test_a_foremans_bad_file_reads_in_chinese_for_every_common_mistake(tmp_path: Path) -> None:
    """A foreman's request file with one mistake each: the reason after the file and the field read
    in Chinese (pydantic's common messages and bayplan's own), the English as it was. Fails before:
    a date-time with extra characters and an impossible date read half English ("Input should be a
    valid datetime or date，输入末尾…"), an undeclared bay kind, a repeated booking id and broken JSON
    wholly English."""
    good = json.loads(request([booking("b1", "MINOR", "08:00")], workshop=small_workshop()).model_dump_json())

    def mistake(change: object) -> dict[str, object]:
        body = json.loads(json.dumps(good))
        change(body)  # type: ignore[operator]
        return body

    b0 = "bookings[0]"
    cases = [
        (lambda b: b["bookings"][0].update(drop_off="2026-11-24 soon"), f"{b0}.drop_off",
         "应为有效的日期时间或日期：输入末尾有多余的字符",
         "Input should be a valid datetime or date, unexpected extra characters at the end of the input"),
        (lambda b: b.update(date="2026-02-30"), "date", "应为有效的日期或日期时间：日期超出有效范围",
         "Input should be a valid date or datetime, day value is outside expected range"),
        (lambda b: b["workshop"]["bays"][0].update(kind="garage"), "workshop.bays[0].kind",
         "'garage' 不是已声明的工位类型（general, express", "'garage' is not a declared bay kind ("),
        (lambda b: b["bookings"].append(b["bookings"][0]), "bookings[1].id",
         "重复的预约编号 'b1'（另见 bookings[0]）", "duplicate booking id 'b1' (also bookings[0])"),
        (lambda b: b["workshop"].pop("timezone"), "workshop.timezone", "缺少必填字段", "Field required"),
        (lambda b: b["bookings"][0].update(priority="high"), f"{b0}.priority",
         "应为有效的整数，无法将字符串解析为整数",
         "Input should be a valid integer, unable to parse string as an integer"),
        (lambda b: b["bookings"][0].update(drop_off="2026-11-24T08:00:00"), f"{b0}.drop_off",
         "应带有时区信息", "Input should have timezone info"),
        (lambda b: b["bookings"][0].update(colour="red"), f"{b0}.colour", "不允许额外的字段",
         "Extra inputs are not permitted"),
    ]  # fmt: skip
    path = tmp_path / "request.json"
    for change, field, chinese, english in cases:
        path.write_text(json.dumps(mistake(change)))
        run = bayplan("--lang", "zh-CN", "plan", "--input", str(path), "--planner", "greedy")
        assert run.returncode == 2, run.stderr
        said = run.stderr.strip()
        assert f"{field}: {chinese}" in said, said
        assert not re.search(r"[A-Za-z]{3,} [a-z]{3,}", said.split(f"{field}: ", 1)[1]), said
        same = bayplan("plan", "--input", str(path), "--planner", "greedy").stderr.strip()
        assert f"{field}: {english}" in same, same
    path.write_text('{"workshop": ')
    said = bayplan("--lang", "zh-CN", "plan", "--input", str(path)).stderr.strip()
    assert said.endswith("(root): 无效的 JSON：解析值时遇到文件结尾，位于第 1 行第 13 列"), said
    english = bayplan("plan", "--input", str(path)).stderr.strip()
    assert english.endswith("(root): Invalid JSON: EOF while parsing a value at line 1 column 13"), english


def test_a_foremans_option_errors_read_in_chinese(tmp_path: Path) -> None:
    """`bayplan plan`'s own option checks were English under --lang zh-CN (f-strings and unmarked
    texts); the option named first as it is. Fails before: each reason English."""
    out = tmp_path / "none" / "plan.txt"
    cases = [
        (("--now", "2026-11-24T08:00"), "--now: 需要时区偏移，例如 2026-11-24T08:00:00+08:00",
         "--now: needs a timezone offset, e.g. 2026-11-24T08:00:00+08:00"),
        (("--now", "soon"), "--now: 应为 ISO 8601 时刻，收到 'soon'",
         "--now: expected an ISO 8601 instant, got 'soon'"),
        (("--time-limit", "0"), "--time-limit: 必须在 (0, 600] 秒之内",
         "--time-limit: must be in (0, 600] seconds"),
        (("--scale", "0"), "--scale: 必须在 (0, 10] 之内，收到 0", "--scale: must be in (0, 10], got 0"),
        (("--seed", "-1"), "--seed: 不能为负数，收到 -1", "--seed: must not be negative, got -1"),
        (("--date", DATE, "--planner", "greedy", "--out", str(out)),
         f"--out: 无法写入 {out}：没有这个文件或目录",
         f"--out: cannot write {out}: No such file or directory"),
    ]  # fmt: skip
    _refused_in_both_languages([(("plan", "small-dealer", *args), zh, en) for args, zh, en in cases])


def test_the_data_commands_errors_read_in_chinese(tmp_path: Path) -> None:
    """`workshop push`, `backup`, `history` and `keys revoke` said their own errors in English under
    --lang zh-CN (f-strings, unmarked texts); the option or field named first stays as it is, and
    the English is as it was. Fails before: each reason English."""
    db = tmp_path / "a.db"
    db.touch()
    keys = f"sqlite:///{tmp_path / 'k.db'}"
    assert bayplan("keys", "list", "--db", keys).returncode == 0  # the database, with no key
    bad_rows = tmp_path / "rows.csv"
    lines = [
        "order_id,arrived_at,service,booked,waiter,fleet_partner",
        "1,2011-01-03T08:00,LUBE,1,0,",
        "2,2011-01-03T08:00+08:00,NOPE,1,0,",
        "3,x,LUBE,2,0,",
    ]
    bad_rows.write_text("\n".join(lines) + "\n", encoding="utf-8")
    header = tmp_path / "header.csv"
    header.write_text("order_id,arrived_at,service\n", encoding="utf-8")
    range_ = ["--workshop", "w", "--db", keys, "--from", "2026-01-02", "--to", "2026-01-01"]
    cases = [
        (("workshop", "push", "small-dealer", "--url", "ftp://x"),
         "--url: 应为 http:// 或 https://，收到 'ftp://x'",
         "--url: expected http:// or https://, got 'ftp://x'"),
        (("backup", "--db", "mysql://x/y"), "--db: 只能备份 SQLite 数据库，不能备份 mysql",
         "--db: backs up SQLite databases only, not mysql"),
        (("backup", "--db", "sqlite://"), "--db: 需要一个 SQLite 文件，例如 sqlite:///bayplan.db",
         "--db: an SQLite file is needed, e.g. sqlite:///bayplan.db"),
        (("backup", "--db", f"sqlite:///{db}", "--out", str(db)), "--out: 就是数据库本身",
         "--out: is the database itself"),
        (("keys", "revoke", "nope", "--db", keys), "key_id: 没有密钥 'nope'", "key_id: no key 'nope'"),
        (("history", "export", *range_), "--to: 早于 --from", "--to: ends before --from"),
        (("history", "fit", "dealer-2011", str(header)),
         f"columns.booked: {header}：标题行中没有列 'booked'（现有：order_id, arrived_at, service）",
         f"columns.booked: {header}: no column 'booked' in the header (have order_id, arrived_at, service)"),
        (("history", "fit", "dealer-2011", str(bad_rows)),
         f"HISTORY: {bad_rows}：3 个错误行，未导入任何数据（--skip-bad 可跳过它们）：第 2 行，arrived_at："
         "'2011-01-03T08:00' 没有 UTC 偏移（或在映射文件中设置 timezone）；第 3 行，service："
         "未知的服务项目 'NOPE'（请在映射文件的 [services] 中映射）；"
         "第 4 行，arrived_at：不是 ISO 8601 时间：'x'",
         f"HISTORY: {bad_rows}: 3 bad row(s), nothing imported (--skip-bad leaves them out): line 2, "
         "arrived_at: no UTC offset in '2011-01-03T08:00' (or set timezone in the mapping file); line 3, "
         "service: unknown service 'NOPE' (map it in the mapping file's [services]); line 4, arrived_at: "
         "not an ISO 8601 time: 'x'"),
    ]  # fmt: skip
    _refused_in_both_languages(cases)
    pg = bayplan("--lang", "zh-CN", "backup", "--db", "postgresql://u:p@h/d", "--out", "b.dump")
    assert pg.returncode == 2 and pg.stderr.startswith("bayplan：PostgreSQL 用它自己的工具备份，例如\n"), (
        pg.stderr
    )
    assert "恢复则用 pg_restore --clean --dbname='postgresql://u:***@h/d' b.dump" in pg.stderr
    # --skip-bad: the rows left out, said in Chinese too
    with bad_rows.open("a", encoding="utf-8") as handle:
        handle.write("9,2011-01-03T08:00+08:00,LUBE,1,0,\n")
    skipped = bayplan(
        "--lang", "zh-CN", "history", "fit", "dealer-2011", str(bad_rows), "--skip-bad", "--json"
    )
    assert skipped.returncode == 0 and skipped.stderr.strip() == (
        "bayplan：跳过了 3 个错误行（第一个：第 2 行，arrived_at："
        "'2011-01-03T08:00' 没有 UTC 偏移（或在映射文件中设置 timezone））"
    ), skipped.stderr
    header.with_name("none.csv").write_text("order_id,arrived_at,service,booked,waiter,fleet_partner\n")
    empty = bayplan("--lang", "zh-CN", "history", "fit", "dealer-2011", str(header.with_name("none.csv")))
    assert empty.stderr.strip() == "bayplan：错误：HISTORY: 没有可拟合的工单", empty.stderr


def test_past_twenty_bad_history_rows_the_rest_is_counted_in_chinese(tmp_path: Path) -> None:
    """Past 20 bad rows the rest are counted ("; and 5 more"): that count read "，并 5 more" when it
    was a list item of its own. Fails before: English."""
    rows = tmp_path / "rows.csv"
    body = [f"{i},2011-01-03T08:00,LUBE,1,0," for i in range(25)]
    rows.write_text("order_id,arrived_at,service,booked,waiter,fleet_partner\n" + "\n".join(body) + "\n")
    run = bayplan("--lang", "zh-CN", "history", "fit", "dealer-2011", str(rows))
    assert run.returncode == 2 and run.stderr.strip().endswith(
        "（或在映射文件中设置 timezone）；另有 5 个"
    ), run.stderr
    assert "第 21 行" in run.stderr and not re.search("[A-Za-z]+ [a-z]+ in", run.stderr), run.stderr
    english = bayplan("history", "fit", "dealer-2011", str(rows))
    assert english.stderr.strip().endswith("(or set timezone in the mapping file); and 5 more"), (
        english.stderr
    )


def test_an_unreachable_url_says_why_in_chinese() -> None:
    """`workshop push --url` and `simulate --from-status` at a port nobody listens on: the OS's
    reason stayed English under zh ("无法连接 …：[Errno 111] Connection refused"; mend-s19). The
    common reasons have their own wording now (tests/scheduler/test_unreachable.py: the rest)."""
    from cli.testing import free_port

    url = f"http://127.0.0.1:{free_port()}"
    push = bayplan("--lang", "zh-CN", "workshop", "push", "small-dealer", "--url", url)
    assert push.returncode == 1 and push.stderr.strip() == f"bayplan：错误：--url: 无法连接 {url}：连接被拒绝"
    english = bayplan("workshop", "push", "small-dealer", "--url", url)
    assert english.stderr.strip() == f"bayplan: error: --url: cannot reach {url}: connection refused"
    status = f"{url}/v1/workshops/small-dealer/days/{DATE}/status"
    fetched = bayplan("--lang", "zh-CN", "simulate", "small-dealer", "--from-status", status)
    assert fetched.returncode == 2 and fetched.stderr.strip().endswith(f"无法连接 {status}：连接被拒绝"), (
        fetched.stderr
    )


def test_the_backtests_train_and_test_months_and_a_bad_cluster_read_in_chinese() -> None:
    """`backtest --train/--test` and `--cluster` said their reasons in English under zh (unmarked
    f-strings; mend-s19). Fails before: each reason English."""
    cases = [
        (("backtest", "--train", "spring"),
         "--train: 应为 YYYY-MM[..YYYY-MM] 或 YYYY-MM-DD[..YYYY-MM-DD]，收到 'spring'",
         "--train: expected YYYY-MM[..YYYY-MM] or YYYY-MM-DD[..YYYY-MM-DD], got 'spring'"),
        (("backtest", "--test", "2011-13"), "--test: 不是有效日期：'2011-13'",
         "--test: not a date: '2011-13'"),
        (("backtest", "--test", "2011-06..2011-05"), "--test: 结束早于开始：'2011-06..2011-05'",
         "--test: ends before it starts: '2011-06..2011-05'"),
        (("backtest", "--train", "1999-01..1999-02"), "--train: 训练月份中没有记录任何工单",
         "--train: no orders recorded in the training months"),
        (("simulate", "small-dealer", "--cluster", "nowhere:8786"),
         "--cluster: 应为 tcp://HOST:PORT，收到 'nowhere:8786'",
         "--cluster: expected tcp://HOST:PORT, got 'nowhere:8786'"),
    ]  # fmt: skip
    _refused_in_both_languages(cases)


def test_a_status_files_and_a_fit_files_errors_read_in_chinese(tmp_path: Path) -> None:
    """A manager's start-state file or fit file that is missing, not JSON or lacks a field: the
    reason reads in Chinese after the option, the file and the field, as the other files' errors do."""
    missing, empty = tmp_path / "none.json", tmp_path / "status.json"
    empty.write_text("{}")
    _refused_in_both_languages(
        [
            (
                ("simulate", "--from-status", str(missing)),
                f"--from-status: 没有状态文件 {str(missing)!r}",
                f"--from-status: no status file {str(missing)!r}",
            ),
            (
                ("simulate", "--from-status", str(empty)),
                f"--from-status: {empty}: as_of: 缺少必填字段",
                f"--from-status: {empty}: as_of: Field required",
            ),
            (
                ("simulate", "--demand", "fitted", "--fit", str(tmp_path / "fit.toml")),
                f"--fit: 没有拟合文件 {str(tmp_path / 'fit.toml')!r}",
                f"--fit: no fit file {str(tmp_path / 'fit.toml')!r}",
            ),
        ]
    )


def test_a_status_file_that_cannot_be_read_or_is_not_json_says_why_in_chinese(tmp_path: Path) -> None:
    """review-s24: a start-state file that is a folder, not UTF-8 or not JSON read
    "dir：不是 JSON 文件（[Errno 21] Is a directory: 'dir'）", "（'utf-8' codec can't decode byte 0xff …）",
    "（Expecting value: line 1 column 1 (char 0)）" under --lang zh-CN: Python's English (and a folder
    called not JSON). Now as the fit file says them: cannot read (why), not UTF-8 (byte), and not
    JSON with the line, the column and what the parser expected, each in the language."""
    folder, binary, broken = tmp_path / "dir.json", tmp_path / "bin.json", tmp_path / "bad.json"
    folder.mkdir()
    binary.write_bytes(b"\xff\xfe")
    broken.write_text('{"as_of": "2026-11-24T10:00:00+08:00",\n "bookings": [1,]}')
    _refused_in_both_languages(
        [
            (
                ("simulate", "--from-status", str(folder)),
                f"--from-status: 无法读取 {str(folder)!r}：这是一个目录",
                f"--from-status: cannot read {str(folder)!r}: Is a directory",
            ),
            (
                ("simulate", "--from-status", str(binary)),
                f"--from-status: {binary}: (file): 不是 UTF-8 编码（第 0 个字节）",
                f"--from-status: {binary}: (file): not UTF-8 (byte 0)",
            ),
            (
                ("simulate", "--from-status", str(broken)),
                f"--from-status: {broken}: (syntax): 不是 JSON 文件（第 2 行第 17 列：应为一个值）",
                f"--from-status: {broken}: (syntax): not a JSON file (line 2, column 17: Expecting value)",
            ),
        ]
    )


def test_a_directory_given_for_a_file_is_said_to_be_a_directory(tmp_path: Path) -> None:
    """review-s25: `history fit SCENARIO DIR` said "no history file" and `--db sqlite:///DIR` "no
    database file" for a directory that is there: exit 2 naming the argument or option and that it
    is a directory, in English and in Chinese."""
    folder = tmp_path / "a folder"
    folder.mkdir()
    db = f"sqlite:///{folder}"
    cases = {
        ("history", "fit", "dealer-2011", str(folder)): (
            f"HISTORY: '{folder}' is a directory, not a history file",
            f"HISTORY: '{folder}' 是一个目录，不是历史数据文件",
        ),
        ("backtest", "dealer-2011", "--history", str(folder)): (
            f"--history: '{folder}' is a directory, not a history file",
            f"--history: '{folder}' 是一个目录，不是历史数据文件",
        ),
        ("backup", "--db", db, "--out", str(tmp_path / "copy.db")): (
            f"--db: '{folder}' is a directory, not a database file",
            f"--db: '{folder}' 是一个目录，不是数据库文件",
        ),
        ("report", "--db", db, "--workshop", "w", "--from", DATE, "--to", DATE): (
            f"--db: '{folder}' is a directory, not a database file",
            f"--db: '{folder}' 是一个目录，不是数据库文件",
        ),
        ("keys", "list", "--db", db): (
            f"--db: '{folder}' is a directory, not a database file",
            f"--db: '{folder}' 是一个目录，不是数据库文件",
        ),
        ("history", "export", "--workshop", "w", "--db", db): (
            f"--db: '{folder}' is a directory, not a database file",
            f"--db: '{folder}' 是一个目录，不是数据库文件",
        ),
    }
    for args, (english, chinese) in cases.items():
        run = bayplan(*args)
        assert run.returncode == 2 and run.stderr.strip() == f"bayplan: error: {english}", (args, run.stderr)
        run = bayplan("--lang", "zh-CN", *args)
        assert run.returncode == 2 and run.stderr.strip() == f"bayplan：错误：{chinese}", (args, run.stderr)
    assert not (tmp_path / "copy.db").exists()


def test_a_history_that_is_not_a_regular_file_or_is_empty_is_said_to_be_so(tmp_path: Path) -> None:
    """smallfix-s27: `simulate --history /dev/null` said "no history file '/dev/null'", of a file
    that is there. A device (or another file that is not a regular one) is said to be one, and an
    empty file to be empty: exit 2 naming the option and the path given, in English and Chinese."""
    import os

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    simulate = ("simulate", "small-dealer", "--days", "1", "--replications", "1", "--history")
    cases = {
        (*simulate, "/dev/null"): (
            "--history: '/dev/null' is a device, not a history file",
            "--history: '/dev/null' 是一个设备，不是历史数据文件",
        ),
        (*simulate, str(pipe)): (
            f"--history: '{pipe}' is a named pipe, not a history file: it is read more than once,"
            " give a file",
            f"--history: '{pipe}' 是一个命名管道，不是历史数据文件：它会被读取不止一次，请给出一个文件",
        ),
        (*simulate, str(empty)): (
            f"--history: {empty}: empty file (no header row)",
            f"--history: {empty}：空文件（没有标题行）",
        ),
        ("history", "fit", "small-dealer", "/dev/null"): (
            "HISTORY: '/dev/null' is a device, not a history file",
            "HISTORY: '/dev/null' 是一个设备，不是历史数据文件",
        ),
    }
    for args, (english, chinese) in cases.items():
        run = bayplan(*args)
        assert run.returncode == 2 and run.stderr.strip() == f"bayplan: error: {english}", (args, run.stderr)
        assert "no history file" not in run.stderr
        run = bayplan("--lang", "zh-CN", *args)
        assert run.returncode == 2 and run.stderr.strip() == f"bayplan：错误：{chinese}", (args, run.stderr)


def test_plan_csv_in_chinese_adds_the_names_after_the_contract_columns() -> None:
    """zh-s28: `--lang zh-CN plan --format csv` adds the workshop's Chinese names in last columns;
    English prints the contract's columns alone, as before."""
    args = ("plan", "small-dealer", "--date", DATE, "--planner", "greedy", "--format", "csv")
    zh, en = bayplan("--lang", "zh-CN", *args), bayplan(*args)
    assert zh.returncode == en.returncode == 0, zh.stderr
    head = "booking,operation,bay,technician,start,end"
    assert en.stdout.splitlines()[0] == head
    assert zh.stdout.splitlines()[0] == head + ",service_name,operation_name,technician_name"
    names = {t.name_i18n["zh-CN"] for t in load_scenario("small-dealer").workshop.technicians}
    rows = [line.split(",") for line in zh.stdout.splitlines()[1:]]
    assert rows and all(row[-1] in names for row in rows)
    assert [row[:6] for row in rows] == [line.split(",") for line in en.stdout.splitlines()[1:]]


def test_unassigned_reasons_name_the_operation_and_bay_kind_as_the_workshop_does(tmp_path: Path) -> None:
    """zh-s28: the same day with the operation named 小保养 and the bay kind general named 机电 in
    Chinese: the reason and the bay blocks say them; English keeps 'work' and "general"."""
    from scheduler.contract import Booking, PlanRequest, Workshop
    from tests.builders import tiny_workshop

    data = tiny_workshop().model_dump(mode="json")
    data["services"][0]["operations"][0]["name_i18n"] = {"zh-CN": "小保养"}
    data["bay_kind_names"] = {"general": {"name": "general", "name_i18n": {"zh-CN": "机电"}}}
    at = f"{DATE}T08:00:00+08:00"
    bookings = [Booking.model_validate({"id": f"b{i}", "service": "MAINT", "drop_off": at}) for i in range(3)]
    request = PlanRequest.model_validate(
        {"workshop": Workshop.model_validate(data), "date": DATE, "bookings": bookings}
    )
    path = tmp_path / "request.json"
    path.write_text(request.model_dump_json(), encoding="utf-8")
    chinese = bayplan("--lang", "zh-CN", "plan", "--input", str(path), "--planner", "greedy")
    english = bayplan("plan", "--input", str(path), "--planner", "greedy")
    assert chinese.returncode == 0 == english.returncode, chinese.stderr
    assert "当天已满：工序「小保养」" in chinese.stdout and "「work」" not in chinese.stdout
    assert "G1 · 机电" in chinese.stdout
    assert "day full: operation 'work'" in english.stdout and "G1 · general" in english.stdout


def test_a_simulation_names_bay_kinds_as_its_workshop_does_and_the_policy_in_words(tmp_path: Path) -> None:
    """zh-s29: `simulate --lang zh-CN` named a bay kind by the catalog and the policy by its option
    value ("调度策略 fcfs"); the scenario's workshop's own name for a kind is read (烤漆房, though its
    skill "paint" is named 喷漆: one identifier, two names, `Names.kinds`), the policy in words.
    English keeps the option's value."""
    import shutil

    scenario = tmp_path / "booth-dealer"
    shutil.copytree(load_scenario("small-dealer").path, scenario)
    toml = scenario / "workshop.toml"
    text = toml.read_text(encoding="utf-8")
    mine = 'paint = { name = "paint", name_i18n = { zh-CN = "烤漆房" } }'
    # the first: the bay kind's; the skill of that name keeps its own, 喷漆
    theirs = 'paint = { name = "paint", name_i18n = { zh-CN = "喷漆" } }'
    toml.write_text(text.replace(theirs, mine, 1), "utf-8")
    args = ("simulate", str(scenario), "--days", "2", "--replications", "2", "--workers", "1")
    zh = bayplan("--lang", "zh-CN", *args)
    assert zh.returncode == 0, zh.stderr
    assert "工位利用率 烤漆房" in zh.stdout and "工位利用率 喷漆" not in zh.stdout, zh.stdout
    assert "先到先服务" in re.sub(r"\s", "", zh.stdout) and "fcfs" not in zh.stdout, zh.stdout
    en = bayplan(*args)
    assert "bay utilisation paint" in en.stdout and "policy fcfs" in re.sub(r"\s+", " ", en.stdout), en.stdout


def test_the_verbose_plan_line_says_the_solver_status_in_chinese() -> None:
    """zh-s29: `plan --verbose` in Chinese read "状态 feasible"; the JSON keeps the contract's value."""
    args = ("plan", "small-dealer", "--date", DATE, "--planner", "greedy", "--verbose")
    zh = bayplan("--lang", "zh-CN", *args)
    assert zh.returncode == 0, zh.stderr
    assert "状态 可行（未证明最优）" in zh.stdout and "feasible" not in zh.stdout, zh.stdout
    en = bayplan(*args)
    assert "status feasible" in en.stdout, en.stdout


def test_an_unknown_roles_hint_names_the_roles_as_typed() -> None:
    """review-s34: under --lang zh-CN the hint listed the roles in Chinese ("可选：预约，车间主管，…"),
    words `--role` refuses: typing one got the same refusal naming it among the choices. The roles
    are identifiers, quoted as typer and the API quote a choice, in both languages."""
    db = "sqlite:///:memory:"
    chinese = bayplan("--lang", "zh-CN", "keys", "create", "--role", "车间主管", "--workshop", "w",
                      "--db", db)  # fmt: skip
    assert chinese.returncode == 2, chinese.stderr
    assert "'foreman'" in chinese.stderr and "车间主管，" not in chinese.stderr, chinese.stderr
    english = bayplan("keys", "create", "--role", "chef", "--workshop", "w", "--db", db)
    assert english.stderr.strip() == (
        "bayplan: error: --role: unknown role 'chef'; one of 'booking', 'foreman', 'manager', 'admin',"
        " 'technician'"
    ), english.stderr


def test_options_that_do_not_go_together_are_refused_in_chinese() -> None:
    """review-s35: `simulate --overbooking … --from-status …` and `--from-status … --month …` were
    refused in English under --lang zh-CN (plain strings, in no catalog)."""
    _refused_in_both_languages([
        (("simulate", "small-dealer", "--overbooking", "10", "--from-status", "x.json"),
         "--overbooking: 不能与 --from-status 同时使用", "--overbooking: goes without --from-status"),
        (("simulate", "small-dealer", "--from-status", "x.json", "--month", "jan"),
         "--from-status: 不能与 --history, --demand, --fit, --month, --season, --cluster 同时使用",
         "--from-status: goes without --history, --demand, --fit, --month, --season, --cluster"),
    ])  # fmt: skip


def test_reports_out_without_a_file_format_is_refused_in_chinese(tmp_path: Path) -> None:
    """review-s35: `report --out FILE` with the table format was refused in English under
    --lang zh-CN (a plain string, in no catalog)."""
    from tests.builders import store_workshop

    db = f"sqlite:///{tmp_path / 'r.db'}"
    store_workshop(db, "w", "t1")
    out = str(tmp_path / "r.txt")
    _refused_in_both_languages([
        (("report", "--db", db, "--workshop", "w", "--from", DATE, "--to", DATE, "--out", out),
         "--out: 仅用于 --format csv 或 json", "--out: only with --format csv or json"),
    ])  # fmt: skip
