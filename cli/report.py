"""`bayplan report`: the productivity report from a database's clock events (read only), as a
table, CSV or JSON; the options follow `bayplan history export`'s."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.i18n import N_, _, current
from cli.options import db_failure, fail, no_database_file, open_store, parse_date, write_out

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Group(StrEnum):
    day = "day"
    week = "week"


HELP = N_(
    "Productivity from the clock: per technician, grade and workshop, attendance, clocked and"
    " standard minutes, efficiency, productivity, start deviation and on-time share."
)


def report_command(
    workshop: Annotated[str, typer.Option("--workshop", help=N_("the workshop's id"))],
    from_: Annotated[str, typer.Option("--from", help=N_("first day YYYY-MM-DD"))],
    to: Annotated[str, typer.Option("--to", help=N_("last day YYYY-MM-DD"))],
    db: Annotated[str, typer.Option("--db", help=N_("database URL"))] = "sqlite:///bayplan.db",
    group: Annotated[Group, typer.Option("--group", help=N_("a row per day or per ISO week"))] = Group.day,
    format: Annotated[Format, typer.Option("--format", help=N_("table, csv or json"))] = Format.table,
    out: Annotated[Path | None, typer.Option(help=N_("write it here (default: standard output)"))] = None,
) -> None:
    import datetime as dt

    from sqlalchemy.exc import SQLAlchemyError

    from scheduler.actuals import check_range, productivity, stored_workshop_of
    from scheduler.errors import InputError, NotFound
    from scheduler.productivity import report_csv

    def day(text: str, flag: str) -> dt.date:
        try:
            return parse_date(text, flag)  # as the API's `from`/`to` (and every other --date)
        except InputError as exc:
            raise fail(exc) from None

    first, last = day(from_, "--from"), day(to, "--to")
    try:
        check_range(first, last)
    except InputError as exc:
        raise fail(f"--{exc.field}: {exc.reason}") from None
    plain = db.removeprefix("sqlite:///")
    if db.startswith("sqlite:///") and plain != ":memory:" and (why := no_database_file(plain)):
        raise fail("--db: " + why)
    try:
        store = open_store(db)
        report = productivity(store, workshop, first, last, group.value)
        # Each technician by the name the workshop gives him in the reader's language, as the
        # reports page and the readable CSV name him (the CSV and JSON keep the id).
        people = stored_workshop_of(store, workshop).in_language(current().locale).technicians
    except NotFound:
        raise fail("--workshop: " + N_("no workshop %(id)r in the database") % {"id": workshop}) from None
    except SQLAlchemyError as exc:
        raise db_failure(db, exc) from None
    if format is Format.table:
        if out is not None:
            raise fail("--out: " + N_("only with --format csv or json"))
        _print_table(report, {t.id: t.name for t in people})
        return
    text = report_csv(report) if format is Format.csv else report.model_dump_json(indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    write_out("--out", out, text)
    typer.echo(_("Wrote %(path)s.", path=str(out)), err=True)


def _print_table(report: object, names: dict[str, str]) -> None:
    from rich.console import Console

    from scheduler.productivity import ProductivityReport

    assert isinstance(report, ProductivityReport)
    t = current()
    # One day once, a span as CLDR writes it (one day read twice before, review-s43 #17)
    title = _("Productivity %(days)s", days=t.date_range(report.first, report.last))
    headings = [_("Period"), _("Technician"), _("Grade"), _("Attendance min"), _("Clocked min"),
                _("Standard min"), _("Efficiency"), _("Productivity"), _("Start deviation min (mean / p90)"),
                _("On time")]  # fmt: skip

    def share(value: float | None) -> str:
        return "–" if value is None else t.percent(value)

    rows: list[list[str]] = []
    for r in report.rows:
        who = (
            names.get(r.technician or "", r.technician)
            if r.level == "technician"
            else _("grade %(grade)s", grade=r.grade)
            if r.level == "grade"
            else _("workshop")
        )
        mean, p90 = r.start_deviation_mean_minutes, r.start_deviation_p90_minutes
        deviation = "–" if mean is None else f"{t.number(mean, 1)} / {t.number(p90 or 0, 1)}"
        minutes = [t.number(m) for m in (r.attendance_minutes, r.clocked_minutes, r.standard_minutes)]
        grade = "" if r.grade is None else str(r.grade)
        # (a week's row its days, not its Monday alone: read as one day, zh-s29)
        rows.append([t.date_range(r.period, r.period_end), who or "", grade, *minutes, share(r.efficiency),
                     share(r.productivity), deviation, share(r.on_time_share)])  # fmt: skip
    console = Console()
    # One table when its headings keep their words whole and its cells, the days first, whole
    # ("Perio/d", "2026/年11/月24/日", "Nov 24,/2026" were cut); else the figures go in a second
    # table, the period and technician repeated.
    everything = list(range(len(headings)))
    parts = [everything]
    if _cut(console, _table(None, headings, rows, everything), headings, rows):
        parts = [[0, 1, 2, 3, 4, 5], [0, 1, 6, 7, 8, 9]]
    for n, columns in enumerate(parts):
        console.print(_table(title if n == 0 else None, headings, rows, columns))


def _table(title: str | None, headings: list[str], rows: list[list[str]], columns: list[int]) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for i in columns:
        # A day is never broken (mend-s18); the rest folded, not cut short: a Chinese heading has no
        # space to wrap at.
        table.add_column(headings[i], justify="left" if i < 2 else "right", overflow="fold", no_wrap=i == 0)
    for row in rows:
        table.add_row(*(row[i] for i in columns))
    return table


def _cut(console: Console, table: Table, headings: list[str], rows: list[list[str]]) -> bool:
    """Whether `table` on `console` breaks a heading inside a word (cli.cjk_wrap's words: a Han
    character is a word) or any cell at all."""
    from rich.cells import cell_len

    from cli.cjk_wrap import words

    lines = console.render_lines(table, pad=False)
    drawn = "\n".join("".join(segment.text for segment in line) for line in lines)
    wanted = {w.strip() for heading in headings for _s, _e, w in words(heading)}
    # A column wraps its widest cell first: where that one stands whole, every cell of it does
    # (one search per column, not per cell: a year of days has thousands of rows).
    wanted |= {max(column, key=cell_len) for column in zip(*rows, strict=True)}
    return any(piece not in drawn for piece in wanted if piece)


def register(app: typer.Typer) -> None:
    """Add `report` to the `bayplan` command."""
    app.command("report", help=HELP)(report_command)
