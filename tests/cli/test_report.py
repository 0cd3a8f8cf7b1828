"""`bayplan report`: the productivity report from a database, as a table, CSV or JSON; bad options
exit 2 naming the option. Each test reads its own copy of `clocked_history`'s database
(`clocked_history_db`, tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.builders import HISTORY_DAYS as DAYS


def test_report_table_csv_and_json(clocked_history_db: Path) -> None:
    url = f"sqlite:///{clocked_history_db}"
    base = [
        "report",
        "--db",
        url,
        "--workshop",
        "tiny",
        "--from",
        DAYS[0].isoformat(),
        "--to",
        DAYS[-1].isoformat(),
    ]
    runner = CliRunner()
    table = runner.invoke(app, base, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "Efficiency" in table.output and "grade 3" in table.output
    csv_out = runner.invoke(app, [*base, "--format", "csv", "--group", "week"])
    assert csv_out.exit_code == 0
    lines = csv_out.output.splitlines()
    assert lines[0].startswith("level,period,period_end,technician,grade") and len(lines) == 1 + 2 + 1 + 1
    data = json.loads(runner.invoke(app, [*base, "--format", "json"]).output)
    assert {r["technician"] for r in data["rows"] if r["level"] == "technician"} == {"t", "u"}


def test_bad_options_exit_2_naming_the_option(clocked_history_db: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{clocked_history_db}"
    runner = CliRunner()
    nowhere = tmp_path / "no" / "r.csv"  # a folder that is not there: one line naming --out, no traceback
    cases = [
        (["--from", "2026-11-24", "--to", "nope"], "--to"),
        (["--from", "2026-11-30", "--to", "2026-11-24"], "--to"),
        # Days no booking or event can have (the API refuses them too): an empty report, exit 0.
        (["--from", "0001-01-01", "--to", "0001-01-05"], "--from"),
        (["--from", "2199-12-31", "--to", "9999-12-31"], "--to"),
        (["--from", "2026-11-24", "--to", "2026-11-24", "--workshop", "ghost"], "--workshop"),
        (["--from", "2026-11-24", "--to", "2026-11-24", "--db", f"sqlite:///{tmp_path / 'none.db'}"], "--db"),
        (["--from", "2026-11-24", "--to", "2026-11-24", "--format", "csv", "--out", str(nowhere)],
         f"--out: cannot write {nowhere}: No such file or directory"),
    ]  # fmt: skip
    for args, flag in cases:
        full = ["report", "--db", url, "--workshop", "tiny", *args]
        result = runner.invoke(app, full)
        assert result.exit_code == 2, (args, result.output)
        assert flag in result.output, (args, result.output)


def test_the_report_in_chinese_on_an_80_column_terminal(clocked_history_db: Path) -> None:
    """A foreman's report in Chinese on a plain terminal cut each day to "2026…" (a Chinese date has no
    space to wrap at) and said an unknown workshop in English."""
    url = f"sqlite:///{clocked_history_db}"
    first, last = DAYS[0].isoformat(), DAYS[-1].isoformat()
    runner = CliRunner()
    args = ["--lang", "zh-CN", "report", "--db", url, "--from", first, "--to", last]
    table = runner.invoke(app, [*args, "--workshop", "tiny"], env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.output
    assert "2026年11" in table.output and "2026…" not in table.output, table.output
    unknown = runner.invoke(app, [*args, "--workshop", "nope"])
    assert unknown.exit_code == 2
    assert unknown.output.strip() == "bayplan：错误：--workshop: 数据库中没有车间 'nope'"


def test_the_english_report_on_an_80_column_pipe_keeps_its_words_whole(clocked_history_db: Path) -> None:
    """Piped at 80 columns, ten columns were squeezed until "Period" read "Perio/d" and "Technician"
    "Techn/ician": every word of every heading (and each day) is whole, in two tables if need be."""
    url = f"sqlite:///{clocked_history_db}"
    args = ["report", "--db", url, "--workshop", "tiny", "--from", DAYS[0].isoformat(), "--to",
            DAYS[-1].isoformat()]  # fmt: skip
    table = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.output
    assert max(len(line) for line in table.output.splitlines()) <= 80
    words = ("Period", "Technician", "Grade", "Attendance", "Clocked", "Standard", "Efficiency",
             "Productivity", "Start", "deviation", "(mean", "p90)", "On", "time", "2026")  # fmt: skip
    for word in words:
        assert word in table.output, (word, table.output)
    assert table.output.count("grade 3") == table.output.count("workshop") >= 1


def test_a_day_stays_whole_in_the_report_at_80_columns(clocked_history_db: Path) -> None:
    """Chinese days broke per character at 80 columns ("2026/年11/月24/日": the one table was kept
    because each Han character of a heading fits), and the English second table broke them at the
    comma ("Nov 24,/2026"). Fails before: the days are not whole on any line."""
    from rich.cells import cell_len

    url = f"sqlite:///{clocked_history_db}"
    span = ["--db", url, "--workshop", "tiny", "--from", DAYS[0].isoformat(), "--to", DAYS[-1].isoformat()]
    runner = CliRunner()
    chinese = runner.invoke(app, ["--lang", "zh-CN", "report", *span], env={"COLUMNS": "80"})
    english = runner.invoke(app, ["report", *span], env={"COLUMNS": "80"})
    said = {"zh": [f"2026年11月{d.day}日" for d in DAYS], "en": [f"Nov {d.day}, 2026" for d in DAYS]}
    for run, days in ((chinese, said["zh"]), (english, said["en"])):
        assert run.exit_code == 0, run.output
        assert max(cell_len(line) for line in run.output.splitlines()) <= 80, run.output
        rows = [line for line in run.output.splitlines() if line.startswith("│")]
        # every row of both tables begins with its whole day (4 rows a day: 2 technicians, grade, workshop)
        for day in days:
            assert sum(line.startswith(f"│ {day} ") for line in rows) == 8, (day, run.output)
    assert "开工偏差分钟（均值 / p90）" in chinese.output  # the heading whole in the second table


def test_a_weeks_row_names_its_days_not_its_monday_alone(clocked_history_db: Path) -> None:
    """zh-s29 left it: with `--group week` the period column showed the week's first day as a date,
    read as one day ("2026年11月23日"). A week's row names its ISO week, in both languages; a day's row
    is as before."""
    url = f"sqlite:///{clocked_history_db}"
    first, last = DAYS[0].isoformat(), DAYS[-1].isoformat()
    runner = CliRunner()
    # (CLDR's interval, as Babel formats it: thin spaces around the dash)
    for lang, span, day in (
        ("en", "Nov 23\u2009–\u200929, 2026", "Nov 24, 2026"),
        ("zh-CN", "2026年11月23日\u2009–\u200929日", "2026年11月24日"),
    ):
        args = ["--lang", lang, "report", "--db", url, "--workshop", "tiny", "--from", first, "--to", last]
        weeks = runner.invoke(app, [*args, "--group", "week"], env={"COLUMNS": "200"})
        assert weeks.exit_code == 0, weeks.output
        assert span in weeks.output, weeks.output
        days = runner.invoke(app, args, env={"COLUMNS": "200"})
        assert day in days.output and span not in days.output, days.output


def test_the_table_names_each_technician_as_the_workshop_names_him_in_the_readers_language(
    clocked_history_db: Path,
) -> None:
    """review-s43: the table listed technicians by id ("M01") where the reports page and the
    readable CSV name them ("王芳"): a manager had to look each id up. Now by name, in the reader's
    language where the workshop gives one (`name_i18n`); the CSV and JSON keep the id. Fails
    before: the ids in both tables."""
    import sqlite3

    db = sqlite3.connect(clocked_history_db)
    (body,) = db.execute("SELECT body FROM workshops WHERE id = 'tiny'").fetchone()
    workshop = json.loads(body)
    for tech, (english, chinese) in zip(workshop["technicians"], (("Wang Fang", "王芳"), ("Li Na", "李娜")),
                                        strict=False):  # fmt: skip
        tech.update(name=english, name_i18n={"zh-CN": chinese})
    db.execute("UPDATE workshops SET body = ? WHERE id = 'tiny'", (json.dumps(workshop),))
    db.commit()
    db.close()
    span = ["report", "--db", f"sqlite:///{clocked_history_db}", "--workshop", "tiny",
            "--from", DAYS[0].isoformat(), "--to", DAYS[-1].isoformat()]  # fmt: skip
    runner = CliRunner()
    for lang, names in (("zh-CN", ("王芳", "李娜")), ("en", ("Wang Fang", "Li Na"))):
        table = runner.invoke(app, ["--lang", lang, *span], env={"COLUMNS": "200"})
        assert table.exit_code == 0, table.output
        rows = [line for line in table.output.splitlines() if line.startswith("│")]
        cells = {line.split("│")[2].strip() for line in rows}
        assert set(names) <= cells and not {"t", "u"} & cells, (lang, table.output)
    data = json.loads(runner.invoke(app, [*span, "--format", "json"]).output)
    assert {r["technician"] for r in data["rows"] if r["level"] == "technician"} == {"t", "u"}


def test_the_title_names_a_one_day_report_once_and_a_span_as_the_language_writes_it(
    clocked_history_db: Path,
) -> None:
    """review-s43 #17: `--from` and `--to` the same day titled the report "生产率 2026年11月24日 –
    2026年11月24日", one day twice. One day is named once; a span of days is one CLDR interval."""
    url = f"sqlite:///{clocked_history_db}"
    runner = CliRunner()
    one, first, last = DAYS[0].isoformat(), DAYS[0].isoformat(), DAYS[-1].isoformat()
    for lang, day, span in (
        ("en", "Productivity Nov 24, 2026", "Productivity Nov 24\u2009–\u200926, 2026"),
        ("zh-CN", "生产率 2026年11月24日", "生产率 2026年11月24日\u2009–\u200926日"),
    ):
        args = ["--lang", lang, "report", "--db", url, "--workshop", "tiny"]
        single = runner.invoke(app, [*args, "--from", one, "--to", one], env={"COLUMNS": "200"})
        assert single.exit_code == 0, single.output
        title = single.output.strip().splitlines()[0].strip()
        assert title == day, single.output
        both = runner.invoke(app, [*args, "--from", first, "--to", last], env={"COLUMNS": "200"})
        assert both.output.strip().splitlines()[0].strip() == span, both.output
