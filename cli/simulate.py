"""The `bayplan simulate` command, with `bayplan history` (cli.history); registered on the main app
by cli.main, as `bayplan staff` (cli.staff) is.

Only typer and the standard library are imported here at module level: the simulation itself is
imported when a command runs, so `bayplan plan` does not pay for SimPy, scipy or matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.i18n import N_, current, name_with
from cli.options import check_run_options, fail, flagged, policy_said

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    from scheduler.errors import InputError
    from scheduler.scenarios import Scenario
    from simulation.arrivals import Period
    from simulation.results import ExperimentResult
    from simulation.rules import StaffingRules
    from simulation.sources import DemandSpec


class PolicyName(StrEnum):
    fcfs = "fcfs"
    shortest = "shortest"
    waiters = "waiters"
    promise = "promise"
    plan = "plan"


class DemandMode(StrEnum):
    replay = "replay"
    bootstrap = "bootstrap"
    fitted = "fitted"


class Season(StrEnum):
    peak = "peak"
    low = "low"
    average = "average"


#: An option given with another it cannot go with (review-s35: was English under --lang zh-CN).
GOES_WITHOUT = N_("goes without %(options)s")

#: The simulator's errors name fields; these are the options that set them (`rules[1]` -> `--rules`).
FLAGS = {
    "rules": "--rules",
    "month": "--month",
    "season": "--season",
    "days": "--days",
    "growth": "--growth",
    "cluster": "--cluster",
    "target": "--target",
    "history": "--history",
    "demand": "--demand",
    "from": "--from",
    "to": "--to",
    "fit": "--fit",
    "mapping": "--mapping",
    "train": "--train",
    "holdout": "--holdout",
    "overbooking": "--overbooking",
}


HELP = N_(
    "Simulate staffing rules against historical demand: mean and 95 % CI of each metric.\n\n"
    "With --history the demand comes from the shop's own records (--demand replay, bootstrap or "
    "fitted) over the recorded days (or --from/--to) instead of the scenario's monthly tables."
)


def simulate(
    scenario: Annotated[
        str, typer.Argument(help=N_("bundled scenario name or scenario directory"))
    ] = "dealer-2011",
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rules", help=N_("rules name in scenarios/<scenario>/rules or a .toml path; repeat to compare")
        ),
    ] = None,
    days: Annotated[int, typer.Option(help=N_("simulated days (after one warm-up day)"))] = 30,
    replications: Annotated[int, typer.Option(help=N_("independent replications per rule set"))] = 30,
    seed: Annotated[int, typer.Option(help=N_("seed: the same seed gives the same result"))] = 1,
    workers: Annotated[int, typer.Option(help=N_("local worker processes (1 = in this process)"))] = 2,
    cluster: Annotated[
        str | None, typer.Option(help=N_("Dask scheduler address tcp://HOST:PORT (extra bayplan[cluster])"))
    ] = None,
    policy: Annotated[PolicyName, typer.Option(help=N_("dispatch policy"))] = PolicyName.fcfs,
    month: Annotated[str | None, typer.Option(help=N_("month of the history to replay, jan..dec"))] = None,
    season: Annotated[Season | None, typer.Option(help=N_("peak, low or average month"))] = None,
    growth: Annotated[float, typer.Option(help=N_("demand growth factor (1.1 = +10 %)"))] = 1.0,
    report: Annotated[Path | None, typer.Option(help=N_("write a self-contained HTML report here"))] = None,
    json: Annotated[bool, typer.Option("--json", help=N_("print the result as JSON"))] = False,
    history: Annotated[
        Path | None,
        typer.Option(help=N_("the shop's own history (CSV or .csv.gz, one row per repair order)")),
    ] = None,
    demand: Annotated[
        DemandMode | None,
        typer.Option(
            help=N_("with --history: replay the recorded days, bootstrap them, or draw from the fit")
        ),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help=N_("with --history: first day YYYY-MM[-DD]"))
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help=N_("with --history: last day YYYY-MM[-DD]"))] = None,
    mapping: Annotated[Path | None, typer.Option(help=N_("with --history: mapping file (TOML)"))] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help=N_("with --history: leave bad rows out"))
    ] = False,
    fit: Annotated[
        Path | None,
        typer.Option(help=N_("with --demand fitted: a fit written by `bayplan history fit --out`")),
    ] = None,
    from_status: Annotated[
        str | None,
        typer.Option(
            "--from-status",
            help=N_(
                "start from a live day: GET /v1/workshops/{id}/days/{date}/status as an http(s) URL "
                "(API key in BAYPLAN_KEY) or a JSON file of it (its open vehicles enter with their "
                "remaining work; --days counts from the status day)"
            ),
        ),
    ] = None,
    overbooking: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "no-show overbooking levels to compare, in percent of each technician pool, e.g."
                " 0,5,10,15: on time, overtime and turned-away customers per level at the scenario's"
                " kept rate"
            ),
        ),
    ] = None,
) -> None:
    from scheduler.errors import InputError

    if overbooking is not None:
        if from_status is not None:
            raise fail("--overbooking: " + GOES_WITHOUT % {"options": "--from-status"})
        source = None
        if history is not None or demand is not None or fit is not None:
            source = HistoryOptions(
                history, demand.value if demand else "replay", from_, to, mapping, skip_bad, fit
            )
        try:
            tradeoff = _run_overbooking(
                scenario, rules or ["current"], overbooking, days, replications, seed, workers, cluster,
                policy.value, month, season.value if season else None, growth, source,
            )  # fmt: skip
        except InputError as exc:
            raise fail(flagged(exc, FLAGS)) from None
        _show(tradeoff, report, json, overbooking=True)
        return
    if from_status is not None:
        if history is not None or demand is not None or fit is not None or month or season or cluster:
            raise fail(
                "--from-status: "
                + GOES_WITHOUT % {"options": "--history, --demand, --fit, --month, --season, --cluster"}
            )
        try:
            result = _run_from_status(
                scenario,
                rules or ["current"],
                from_status,
                days,
                replications,
                seed,
                workers,
                policy.value,
                growth,
            )
        except InputError as exc:
            raise fail(_status_said(exc)) from None
    else:
        result = _simulate_result(
            scenario, rules, days, replications, seed, workers, cluster, policy, month, season, growth,
            history, demand, from_, to, mapping, skip_bad, fit,
        )  # fmt: skip
    _show(result, report, json)


def _simulate_result(
    scenario: str,
    rules: list[str] | None,
    days: int,
    replications: int,
    seed: int,
    workers: int,
    cluster: str | None,
    policy: PolicyName,
    month: str | None,
    season: Season | None,
    growth: float,
    history: Path | None,
    demand: DemandMode | None,
    from_: str | None,
    to: str | None,
    mapping: Path | None,
    skip_bad: bool,
    fit: Path | None,
) -> ExperimentResult:
    from scheduler.errors import InputError

    try:
        source = None
        if history is not None or demand is not None or fit is not None:
            source = HistoryOptions(
                history, demand.value if demand else "replay", from_, to, mapping, skip_bad, fit
            )
        result = _run(
            scenario,
            rules or ["current"],
            days,
            replications,
            seed,
            workers,
            cluster,
            policy.value,
            month,
            season.value if season else None,
            growth,
            source,
        )
    except InputError as exc:
        raise fail(flagged(exc, FLAGS)) from None
    return result


def _status_said(exc: InputError) -> str | InputError:
    """A status file's error names its field in the file (or the option)."""
    from scheduler.errors import InputError

    if exc.source is not None:
        return InputError(exc.field, exc.reason, f"--from-status: {exc.source}")
    if exc.field == "from_status":
        return f"--from-status: {exc.reason}"
    return flagged(exc, FLAGS)


def _run_from_status(
    scenario_name: str,
    rule_names: list[str],
    status: str,
    days: int,
    replications: int,
    seed: int,
    workers: int,
    policy: str,
    growth: float,
) -> ExperimentResult:
    from cli.live_status import fetch_status, is_url, status_day
    from simulation.from_status import load_status, read_status, run_from_status

    check_run_options(replications, workers, seed)
    loaded, rule_sets, _, _ = simulation_inputs(
        scenario_name, rule_names, days, None, None, None, growth, None
    )
    if is_url(status):
        state = read_status(fetch_status(status), loaded, status, day=status_day(status))
    else:
        state = load_status(status, loaded)
    result, _outcomes = run_from_status(
        loaded, rule_sets, state, days=days, replications=replications, seed=seed, policy=policy,
        growth=growth, workers=workers,
    )  # fmt: skip
    return result


def _show(result: ExperimentResult, report: Path | None, json: bool, overbooking: bool = False) -> None:
    if report is not None:
        from cli.i18n import current
        from simulation.report import render_html

        try:
            report.write_text(render_html(result, current().locale, current().names), encoding="utf-8")
        except OSError as exc:
            raise fail(f"--report: cannot write {report}: {exc.strerror}") from None
    if json:
        typer.echo(result.model_dump_json(indent=2))
        return
    from rich.console import Console

    if overbooking:
        from cli.overbooking import tradeoff_table

        Console().print(tradeoff_table(result))
        return
    Console().print(results_table(result))


def _run(
    scenario_name: str,
    rule_names: list[str],
    days: int,
    replications: int,
    seed: int,
    workers: int,
    cluster: str | None,
    policy: str,
    month: str | None,
    season: str | None,
    growth: float,
    source: HistoryOptions | None = None,
) -> ExperimentResult:
    from simulation.design import run_experiment

    check_run_options(replications, workers, seed)
    loaded, rule_sets, period, spec = simulation_inputs(
        scenario_name, rule_names, days, cluster, month, season, growth, source
    )
    with _progress() as progress:
        task = progress.add_task("replications", total=len(rule_sets) * replications)
        return run_experiment(
            loaded,
            rule_sets,
            period,
            replications=replications,
            seed=seed,
            policy=policy,
            growth=growth,
            workers=workers,
            cluster=cluster,
            tick=lambda: progress.advance(task),
            demand=spec,
        )


def _run_overbooking(
    scenario_name: str,
    rule_names: list[str],
    levels_text: str,
    days: int,
    replications: int,
    seed: int,
    workers: int,
    cluster: str | None,
    policy: str,
    month: str | None,
    season: str | None,
    growth: float,
    source: HistoryOptions | None,
) -> ExperimentResult:
    """The overbooking trade-off of one rule set (simulation.tradeoff), one column per level."""
    from cli.overbooking import parse_levels
    from scheduler.errors import InputError
    from simulation.tradeoff import run_tradeoff

    levels = parse_levels(levels_text)
    check_run_options(replications, workers, seed)
    if len(rule_names) != 1:
        raise InputError("overbooking", N_("compares the levels of one rule set: give at most one --rules"))
    loaded, rule_sets, period, spec = simulation_inputs(
        scenario_name, rule_names, days, cluster, month, season, growth, source
    )
    with _progress() as progress:
        task = progress.add_task("replications", total=len(levels) * replications)
        return run_tradeoff(
            loaded, rule_sets[0], period, levels, replications=replications, seed=seed, policy=policy,
            growth=growth, workers=workers, cluster=cluster, tick=lambda: progress.advance(task),
            demand=spec,
        )  # fmt: skip


def simulation_inputs(
    scenario_name: str,
    rule_names: list[str],
    days: int,
    cluster: str | None,
    month: str | None,
    season: str | None,
    growth: float,
    source: HistoryOptions | None,
) -> tuple[Scenario, list[StaffingRules], Period, DemandSpec | None]:
    """What a simulation runs on, checked (simulate and staff): the scenario (its names used for the
    labels), the rule sets, the period and, with --history or --fit, the demand drawn from the
    shop's records."""
    from scheduler.cluster import check_address
    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.arrivals import NO_SEASON, season_note
    from simulation.inputs import check_inputs

    if cluster is not None:
        # Checked whole before the progress bar starts: refused inside it, the bar's exit left an
        # empty line on stdout above the one-line error (fuzz-s40).
        try:
            check_address(cluster)
        except InputError:
            raise InputError(
                "--cluster", N_("expected tcp://HOST:PORT, got %(cluster)r") % {"cluster": cluster}
            ) from None
    loaded = load_scenario(scenario_name)
    name_with(loaded.workshop)  # its labels name teams and bay kinds as the workshop does
    rule_sets, period = check_inputs(loaded, rule_names, days, month, season, growth, files=True)
    spec = None
    if source is not None:
        spec, period = _history_demand(loaded, source)
    elif (note := season_note(loaded, season, period)) is not None:
        # Said on stderr: what is simulated (and stdout, the JSON, the report) as before.
        t = current()
        typer.echo(
            t.gettext(
                NO_SEASON, scenario=scenario_name, season=note["season"], month=t.gettext(note["month"])
            ),
            err=True,
        )
    return loaded, rule_sets, period, spec


def _progress() -> Progress:
    """The replications' progress bar on stderr, gone when the run ends."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(current().gettext(N_("simulating"))),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


@dataclass(frozen=True)
class HistoryOptions:
    history: Path | None
    mode: str
    first: str | None
    last: str | None
    mapping: Path | None
    skip_bad: bool
    fit: Path | None


def _history_demand(scenario: Scenario, o: HistoryOptions) -> tuple[DemandSpec, Period]:
    """The demand spec and period of `simulate --history` (--fit alone: draws from that fit)."""
    import datetime as dt

    from scheduler.errors import InputError
    from simulation.arrivals import Period
    from simulation.backtest import history_demand, parse_range
    from simulation.fit import load_fit
    from simulation.sources import DemandSpec

    first = parse_range(o.first, "from")[0] if o.first else None
    last = parse_range(o.last, "to")[1] if o.last else None
    if o.fit is not None:
        if o.mode != "fitted":
            raise InputError("fit", N_("--fit goes with --demand fitted"))
        fitted = load_fit(o.fit)
        start, end = first or fitted.first, last or fitted.last
        days = (end - start).days + 1
        if days < 1:
            raise InputError("to", N_("ends before --from"))
        spec = DemandSpec("fitted", fit=fitted.model_dump_json())
        label = (
            N_("fitted from %(path)s (SYNTHETIC history)") if fitted.synthetic else N_("fitted from %(path)s")
        )
        return spec, Period(start, days, label % {"path": o.fit})
    if o.history is None:
        raise InputError("history", N_("--demand needs --history (or --fit with --demand fitted)"))
    spec, period, _ = history_demand(
        scenario,
        str(o.history),
        o.mode,
        first,
        last,
        mapping=str(o.mapping) if o.mapping else None,
        skip_bad=o.skip_bad,
    )
    if o.mode == "replay":  # replay the warm-up day too: the day before the period, as recorded
        spec = DemandSpec(**{**spec.__dict__, "first": period.start - dt.timedelta(days=1), "last": None})
    return spec, period


def results_table(result: ExperimentResult) -> Table:
    from rich.table import Table

    from cli.figures import estimate, signed
    from cli.i18n import _, current
    from simulation.units import labelled, metric_label, with_unit
    from simulation.verdict import verdicts

    t = current()
    table = Table(
        title=_(
            "%(scenario)s, %(period)s from %(start)s: %(days)s days x %(replications)s replications,"
            " seed %(seed)s, policy %(policy)s, growth %(growth)s (%(seconds)s s, %(backend)s)",
            scenario=result.scenario, period=t.phrase(result.period), start=result.start, days=result.days,
            replications=result.replications, seed=result.seed, policy=policy_said(result.policy, t),
            growth=f"{result.growth:g}", seconds=f"{result.wall_seconds:.1f}",
            backend=t.phrase(result.backend),
        ),
        caption="\n".join([*verdicts(result, t), _("mean [95 %% confidence interval]")]),
    )  # fmt: skip
    table.add_column(_("metric"))
    for rs in result.rule_sets:
        table.add_column(rs.name, justify="right")
    names = list(dict.fromkeys(k for rs in result.rule_sets for k in rs.metrics))
    for name in names:
        cells = [estimate(rs.metrics.get(name)) for rs in result.rule_sets]
        unit = next(rs.metrics[name].unit for rs in result.rule_sets if name in rs.metrics)
        table.add_row(labelled(name, unit, t), *cells)
    first = result.rule_sets[0].name
    for name in dict.fromkeys(k for rs in result.rule_sets for k in rs.versus_first):
        cells = ["-"]
        for rs in result.rule_sets[1:]:
            m = rs.versus_first[name]
            cells.append(f"{signed(m.mean, m.unit)} [{signed(m.low, m.unit)}, {signed(m.high, m.unit)}]")
        unit = next(rs.versus_first[name].unit for rs in result.rule_sets[1:])
        table.add_row(
            with_unit(_("%(metric)s vs %(first)s", metric=metric_label(name, t), first=first), unit, t, True),
            *cells,
            style="cyan",
        )
    return table


def register(app: typer.Typer) -> None:
    from cli.history import register as register_history

    app.command(help=HELP)(simulate)
    register_history(app)
