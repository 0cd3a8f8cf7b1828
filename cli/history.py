"""`bayplan history fit` and `bayplan backtest`: the shop's own history (registered by cli.simulate).

Heavy imports (numpy, scipy, SimPy, matplotlib) are deferred to the commands.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.i18n import N_, _
from cli.options import db_failure, fail, flagged, no_database_file, open_store, parse_date, write_out

if TYPE_CHECKING:
    from simulation.backtest import Backtest
    from simulation.fit import Fit

history_app = typer.Typer(
    help=N_("The shop's own history: export bayplan's records as one, fit a demand model to it."),
    no_args_is_help=True,
)


class Mode(StrEnum):
    replay = "replay"
    bootstrap = "bootstrap"
    fitted = "fitted"


FLAGS = {"history": "HISTORY", "mapping": "--mapping", "train": "--train", "test": "--test", "fit": "--fit"}


@history_app.command(
    "fit",
    help=N_("Fit arrival rates, shares, work content per service and efficiency per grade, with intervals."),
)
def fit_command(
    scenario: Annotated[str, typer.Argument(help=N_("bundled scenario name or scenario directory"))],
    history: Annotated[Path, typer.Argument(help=N_("history CSV (or .csv.gz), one row per repair order"))],
    out: Annotated[Path | None, typer.Option(help=N_("write the fit as TOML (for simulate --fit)"))] = None,
    report: Annotated[Path | None, typer.Option(help=N_("write the HTML fit report here"))] = None,
    mapping: Annotated[
        Path | None, typer.Option(help=N_("mapping file (TOML): columns and service codes"))
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help=N_("leave bad rows out (and count them)"))
    ] = False,
    json: Annotated[bool, typer.Option("--json", help=N_("print the fit as JSON"))] = False,
) -> None:
    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.backtest import read_history
    from simulation.fit import dump_fit, fit_history

    try:
        loaded = load_scenario(scenario)
        records = read_history(loaded, str(history), str(mapping) if mapping else None, skip_bad)
        if not records.orders:
            raise InputError("history", N_("no orders to fit"))
        fit = fit_history(records, loaded)
    except InputError as exc:
        raise fail(flagged(exc, FLAGS)) from None
    if records.skipped:
        from cli.i18n import current

        first = current().phrase(str(records.skipped[0]))
        typer.echo(_("bayplan: skipped %(count)s bad row(s) (first: %(first)s)", count=len(records.skipped),
                     first=first), err=True)  # fmt: skip
    if out is not None:
        note = "SYNTHETIC history: " if fit.synthetic else ""
        comment = (
            f"Fit by `bayplan history fit {scenario} {history}` "
            f"({note}{fit.orders} rows, {fit.first}..{fit.last})."
        )
        write_out("--out", out, dump_fit(fit, comment))
    if report is not None:
        from cli.i18n import current
        from simulation.fit_report import render_fit_html

        write_out("--report", report, render_fit_html(fit, records, loaded, current()))
    if json:
        typer.echo(fit.model_dump_json(indent=2, exclude={"services": {"__all__": {"quantiles"}}}))
        return
    _print_fit(fit, len(records.skipped))


@history_app.command(
    "export",
    help=N_(
        "bayplan's own bookings and clock events as a history CSV (one row per booking), for\n"
        "`history fit`, `simulate --history` and `backtest`."
    ),
)
def export_command(
    workshop: Annotated[str, typer.Option("--workshop", help=N_("the workshop's id"))],
    db: Annotated[str, typer.Option("--db", help=N_("database URL"))] = "sqlite:///bayplan.db",
    from_: Annotated[str | None, typer.Option("--from", help=N_("first booking day YYYY-MM-DD"))] = None,
    to: Annotated[str | None, typer.Option("--to", help=N_("last booking day YYYY-MM-DD"))] = None,
    out: Annotated[
        Path | None, typer.Option(help=N_("write the CSV here (default: standard output)"))
    ] = None,
) -> None:
    import datetime as dt
    import sys

    from scheduler.errors import InputError
    from simulation.history import write_history

    def day(text: str | None, flag: str) -> dt.date | None:
        if text is None:
            return None
        try:
            return parse_date(text, flag)  # as every other date option
        except InputError as exc:
            raise fail(exc) from None

    first, last = day(from_, "--from"), day(to, "--to")
    if first is not None and last is not None and last < first:
        raise fail("--to: " + N_("ends before --from"))
    plain = db.removeprefix("sqlite:///")
    if db.startswith("sqlite:///") and plain != ":memory:" and (why := no_database_file(plain)):
        raise fail("--db: " + why)
    from sqlalchemy.exc import SQLAlchemyError

    from simulation.history_export import export_orders

    try:
        orders = export_orders(open_store(db), workshop, first, last)
    except InputError as exc:
        raise fail(f"--workshop: {exc.reason}" if exc.field == "workshop" else str(exc)) from None
    except SQLAlchemyError as exc:
        raise db_failure(db, exc) from None
    comment = f"bayplan history export --workshop {workshop}: {len(orders)} bookings"
    if out is None:
        write_history(orders, sys.stdout, comment=comment)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as handle:
            n = write_history(orders, handle, comment=comment)
    except OSError as exc:
        raise fail(
            "--out: " + N_("cannot write %(path)s: %(why)s") % {"path": out, "why": exc.strerror}
        ) from None
    typer.echo(_("wrote %(n)s orders to %(out)s", n=n, out=out), err=True)


def _print_fit(fit: Fit, skipped: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from cli.i18n import current

    t = current()
    label = "[bold red]" + _(" (SYNTHETIC history)") + "[/]" if fit.synthetic else ""  # as the report says it
    out = Console()
    out.print(
        _(
            "Fit of %(source)s%(label)s: %(rows)s rows (%(repairs)s repair orders, %(skipped)s skipped), "
            "%(days)s days %(first)s..%(last)s (%(seconds)s s)",
            source=fit.source, label=label, rows=f"{fit.orders:,}", repairs=f"{fit.repairs:,}",
            skipped=skipped, days=fit.days, first=fit.first, last=fit.last, seconds=f"{fit.seconds:.2f}",
        )
    )  # fmt: skip
    names = {
        "booked_share": _("booked share"),
        "kept_rate": _("kept rate"),
        "waiter_share": _("waiter share"),
        "fleet_share": _("fleet share"),
    }
    for name, title in names.items():
        e = getattr(fit, name)
        out.print(f"  {title}: {e.value:.1%} [{e.low:.1%}, {e.high:.1%}] n={e.n:,}")
    rates = ", ".join(f"{m} {e.value:.1f} [{e.low:.1f}, {e.high:.1f}]" for m, e in fit.monthly_rate.items())
    out.print("  " + _("repair orders a day: %(rates)s", rates=rates))
    eff = ", ".join(
        f"{t.gettext(g)} {e.value:.2f} [{e.low:.2f}, {e.high:.2f}] n={e.n}" for g, e in fit.efficiency.items()
    )
    out.print("  " + _("efficiency: %(values)s", values=eff))
    table = Table(caption=_("work content: clocked minutes x the grade's fitted efficiency; mean [95 % CI]"))
    columns = [
        (_("service"), "left"),
        (_("distribution"), "left"),
        (_("mean minutes"), "right"),
        ("n", "right"),
        (_("standard minutes"), "right"),  # the unit, as "mean minutes" beside it (review-s43 #21)
        (_("share"), "right"),
        (_("why"), "left"),
    ]
    for col, justify in columns:
        # folded, not cut short: a Chinese reason has no spaces to wrap at ("对数分钟与拟…")
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for code, sf in fit.services.items():
        table.add_row(
            code,
            _("lognormal") if sf.distribution == "lognormal" else _("empirical"),
            f"{sf.mean_minutes:.1f} [{sf.mean_low:.1f}, {sf.mean_high:.1f}]",
            f"{sf.n:,}",
            f"{sf.standard_minutes:.0f}",
            f"{sf.share.value:.1%}",
            t.phrase(sf.why),
        )
    out.print(table)


BACKTEST_HELP = N_("Fit on the training months, simulate the test months, compare with what they recorded.")


def backtest_command(
    scenario: Annotated[
        str, typer.Argument(help=N_("bundled scenario name or scenario directory"))
    ] = "dealer-2011",
    history: Annotated[
        Path | None, typer.Option(help=N_("history CSV (default: the scenario's bundled one)"))
    ] = None,
    train: Annotated[
        str, typer.Option(help=N_("training months, e.g. 2011-01..2011-04"))
    ] = "2011-01..2011-04",
    test: Annotated[str, typer.Option(help=N_("test months, e.g. 2011-05..2011-06"))] = "2011-05..2011-06",
    rules: Annotated[str, typer.Option(help=N_("the staffing that was in place"))] = "current",
    demand: Annotated[
        Mode, typer.Option(help=N_("fitted (from the training months), bootstrap or replay"))
    ] = Mode.fitted,
    replications: Annotated[int, typer.Option(help=N_("replications"))] = 20,
    seed: Annotated[int, typer.Option(help=N_("seed"))] = 1,
    workers: Annotated[int, typer.Option(help=N_("local worker processes"))] = 2,
    mapping: Annotated[Path | None, typer.Option(help=N_("mapping file (TOML)"))] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help=N_("leave bad rows out"))] = False,
    json: Annotated[bool, typer.Option("--json", help=N_("print the back-test as JSON"))] = False,
) -> None:
    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.backtest import BacktestInputs, backtest, parse_range
    from simulation.rules import load_rules

    try:
        if not 2 <= replications <= 1000:
            raise InputError("--replications", N_("must be %(low)s..%(high)s") % {"low": 2, "high": 1000})
        loaded = load_scenario(scenario)
        path = history or default_history(loaded.path)
        result = backtest(
            loaded,
            load_rules(loaded, rules, field="--rules"),
            str(path),
            BacktestInputs(parse_range(train, "train"), parse_range(test, "test"), demand.value),
            replications=replications,
            seed=seed,
            workers=workers,
            mapping=str(mapping) if mapping else None,
            skip_bad=skip_bad,
        )
    except InputError as exc:  # here the history is the --history option, not fit's HISTORY argument
        raise fail(flagged(exc, {**FLAGS, "history": "--history"})) from None
    if json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(backtest_markdown(result))


def default_history(scenario_path: Path) -> Path:
    from scheduler.errors import InputError

    found = sorted(scenario_path.glob("history*.csv*"))
    if not found:
        raise InputError(
            "history", N_("no history file in %(path)s: give --history") % {"path": scenario_path}
        )
    return found[0]


def backtest_markdown(b: Backtest) -> str:
    from cli.figures import figure
    from cli.i18n import _, current
    from simulation.units import labelled

    # Each row with its unit, its figures as `bayplan simulate` prints them ("81.0%" in Chinese).
    units = {
        metric: (unit, labelled(metric, unit, current()))
        for metric, unit in (
            ("served_per_day", "vehicles"),
            ("on_time", "share"),
            ("time_in_shop_p50", "min"),
            ("time_in_shop_p90", "min"),
        )
    }
    label = _(" (SYNTHETIC history)") if b.synthetic else ""
    lines = [
        _(
            "Back-test%(label)s: %(scenario)s, rules %(rules)s, demand %(demand)s; trained on"
            " %(train_from)s..%(train_to)s (level %(level)s orders a day, sd %(sd)s between its"
            " %(months)s months), tested on %(test_from)s..%(test_to)s; %(replications)s replications,"
            " seed %(seed)s (%(seconds)s s)",
            label=label, scenario=b.scenario, rules=b.rules, demand=b.demand, train_from=b.train[0],
            train_to=b.train[1], level=f"{b.level:.1f}", sd=f"{b.level_sd:.1f}", months=b.level_months,
            test_from=b.test[0], test_to=b.test[1], replications=b.replications, seed=b.seed,
            seconds=f"{b.seconds:.1f}",
        ),
        "",
        "| "
        + " | ".join(
            (_("metric"), _("recorded"), _("simulated mean [95 % CI]"), _("95 %% of replications"),
             _("recorded inside"))
        )
        + " |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for r in b.rows:
        u, title = units[r.metric]
        lines.append(
            f"| {title} | {figure(r.recorded, u)} | {figure(r.mean, u)} "
            f"[{figure(r.low, u)}, {figure(r.high, u)}] | {figure(r.range_low, u)} .. "
            f"{figure(r.range_high, u)} | {_('yes') if r.inside else _('no')} |"
        )
    if b.to_the_minute:
        lines += [
            "",
            _(
                "The record's times are whole minutes: the simulated side is measured so too (drop-off and"
                " finish to the nearest minute, a finish in the promised minute on time)."
            ),
        ]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")
    app.command("backtest", help=BACKTEST_HELP)(backtest_command)
