"""The `bayplan simulate` and `bayplan staff` commands (registered on the main app by cli.main).

Only typer and the standard library are imported here at module level: the simulation itself is
imported when a command runs, so `bayplan plan` does not pay for SimPy, scipy or matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.options import check_run_options, fail, write_out
from simulation.units import format_value

if TYPE_CHECKING:
    from rich.table import Table

    from scheduler.errors import InputError
    from scheduler.scenarios import Scenario
    from simulation.arrivals import Period
    from simulation.certify import Certified
    from simulation.results import ExperimentResult
    from simulation.sources import DemandSpec
    from simulation.staffing import StaffingResult


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


class Method(StrEnum):
    kn = "kn"
    greedy = "greedy"


class Objective(StrEnum):
    cost = "cost"
    on_time = "on_time"


class Season(StrEnum):
    peak = "peak"
    low = "low"
    average = "average"


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


def _flagged(exc: InputError) -> str:
    """The error as the command line says it: naming the option, not the field it sets."""
    flag = FLAGS.get(exc.field.split("[", 1)[0]) if exc.source is None else None
    return str(exc) if flag is None else f"{flag}: {exc.reason}"


def simulate(
    scenario: Annotated[
        str, typer.Argument(help="bundled scenario name or scenario directory")
    ] = "dealer-2011",
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rules", help="rules name in scenarios/<scenario>/rules or a .toml path; repeat to compare"
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="simulated days (after one warm-up day)")] = 30,
    replications: Annotated[int, typer.Option(help="independent replications per rule set")] = 30,
    seed: Annotated[int, typer.Option(help="seed: the same seed gives the same result")] = 1,
    workers: Annotated[int, typer.Option(help="local worker processes (1 = in this process)")] = 2,
    cluster: Annotated[
        str | None, typer.Option(help="Dask scheduler address tcp://HOST:PORT (extra bayplan[cluster])")
    ] = None,
    policy: Annotated[PolicyName, typer.Option(help="dispatch policy")] = PolicyName.fcfs,
    month: Annotated[str | None, typer.Option(help="month of the history to replay, jan..dec")] = None,
    season: Annotated[Season | None, typer.Option(help="peak, low or average month")] = None,
    growth: Annotated[float, typer.Option(help="demand growth factor (1.1 = +10 %)")] = 1.0,
    report: Annotated[Path | None, typer.Option(help="write a self-contained HTML report here")] = None,
    json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    history: Annotated[
        Path | None, typer.Option(help="the shop's own history (CSV or .csv.gz, one row per repair order)")
    ] = None,
    demand: Annotated[
        DemandMode | None,
        typer.Option(help="with --history: replay the recorded days, bootstrap them, or draw from the fit"),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="with --history: first day YYYY-MM[-DD]")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="with --history: last day YYYY-MM[-DD]")] = None,
    mapping: Annotated[Path | None, typer.Option(help="with --history: mapping file (TOML)")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="with --history: leave bad rows out")] = False,
    fit: Annotated[
        Path | None, typer.Option(help="with --demand fitted: a fit written by `bayplan history fit --out`")
    ] = None,
    from_status: Annotated[
        str | None,
        typer.Option(
            "--from-status",
            help="start from a live day: GET /v1/workshops/{id}/days/{date}/status as an http(s) URL "
            "(API key in BAYPLAN_KEY) or a JSON file of it (its open vehicles enter with their "
            "remaining work; --days counts from the status day)",
        ),
    ] = None,
    overbooking: Annotated[
        str | None,
        typer.Option(
            help="no-show overbooking levels to compare, in percent of each technician pool, e.g."
            " 0,5,10,15: on time, overtime and turned-away customers per level at the scenario's kept rate",
        ),
    ] = None,
) -> None:
    """Simulate staffing rules against historical demand: mean and 95 % CI of each metric.

    With --history the demand comes from the shop's own records (--demand replay, bootstrap or
    fitted) over the recorded days (or --from/--to) instead of the scenario's monthly tables."""
    from scheduler.errors import InputError

    if overbooking is not None:
        if from_status is not None:
            raise fail("--overbooking: goes without --from-status")
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
            raise fail(_flagged(exc)) from None
        _show(tradeoff, report, json, overbooking=True)
        return
    if from_status is not None:
        if history is not None or demand is not None or fit is not None or month or season or cluster:
            raise fail("--from-status: goes without --history, --demand, --fit, --month, --season, --cluster")
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
        raise fail(_flagged(exc)) from None
    return result


def _status_said(exc: InputError) -> str:
    """A status file's error names its field in the file (or the option)."""
    if exc.source is not None:
        return f"--from-status: {exc.source}: {exc.field}: {exc.reason}"
    if exc.field == "from_status":
        return f"--from-status: {exc.reason}"
    return _flagged(exc)


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
    from cli.live_status import fetch_status, is_url
    from scheduler.scenarios import load_scenario
    from simulation.from_status import load_status, read_status, run_from_status
    from simulation.inputs import check_inputs

    check_run_options(replications, workers, seed)
    loaded = load_scenario(scenario_name)
    rule_sets, _ = check_inputs(loaded, rule_names, days, None, None, growth, files=True)
    if is_url(status):
        state = read_status(fetch_status(status), loaded, status)
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
            report.write_text(render_html(result, current().locale), encoding="utf-8")
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
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.design import run_experiment
    from simulation.inputs import check_inputs

    check_run_options(replications, workers, seed)
    if cluster is not None and not cluster.startswith(("tcp://", "tls://", "inproc://")):
        raise InputError("--cluster", f"expected tcp://HOST:PORT, got {cluster!r}")
    loaded = load_scenario(scenario_name)
    rule_sets, period = check_inputs(loaded, rule_names, days, month, season, growth, files=True)
    spec = None
    if source is not None:
        spec, period = _history_demand(loaded, source)
    total = len(rule_sets) * replications
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("replications", total=total)
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
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cli.overbooking import parse_levels
    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.inputs import check_inputs
    from simulation.tradeoff import run_tradeoff

    levels = parse_levels(levels_text)
    check_run_options(replications, workers, seed)
    if len(rule_names) != 1:
        raise InputError("overbooking", "compares the levels of one rule set: give at most one --rules")
    if cluster is not None and not cluster.startswith(("tcp://", "tls://", "inproc://")):
        raise InputError("--cluster", f"expected tcp://HOST:PORT, got {cluster!r}")
    loaded = load_scenario(scenario_name)
    rule_sets, period = check_inputs(loaded, rule_names, days, month, season, growth, files=True)
    spec = None
    if source is not None:
        spec, period = _history_demand(loaded, source)
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("replications", total=len(levels) * replications)
        return run_tradeoff(
            loaded, rule_sets[0], period, levels, replications=replications, seed=seed, policy=policy,
            growth=growth, workers=workers, cluster=cluster, tick=lambda: progress.advance(task),
            demand=spec,
        )  # fmt: skip


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
            raise InputError("fit", "--fit goes with --demand fitted")
        fitted = load_fit(o.fit)
        start, end = first or fitted.first, last or fitted.last
        days = (end - start).days + 1
        if days < 1:
            raise InputError("to", "ends before --from")
        spec = DemandSpec("fitted", fit=fitted.model_dump_json())
        note = " (SYNTHETIC history)" if fitted.synthetic else ""
        return spec, Period(start, days, f"fitted from {o.fit}{note}")
    if o.history is None:
        raise InputError("history", "--demand needs --history (or --fit with --demand fitted)")
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

    from cli.i18n import _, current
    from simulation.units import format_estimate, labelled, metric_label, with_unit
    from simulation.verdict import verdicts

    t = current()
    table = Table(
        title=_(
            "%(scenario)s, %(period)s from %(start)s: %(days)s days x %(replications)s replications,"
            " seed %(seed)s, policy %(policy)s, growth %(growth)s (%(seconds)s s, %(backend)s)",
            scenario=result.scenario, period=result.period, start=result.start, days=result.days,
            replications=result.replications, seed=result.seed, policy=result.policy,
            growth=f"{result.growth:g}", seconds=f"{result.wall_seconds:.1f}", backend=result.backend,
        ),
        caption="\n".join([*verdicts(result, t), _("mean [95 % confidence interval]")]),
    )  # fmt: skip
    table.add_column(_("metric"))
    for rs in result.rule_sets:
        table.add_column(rs.name, justify="right")
    names = list(dict.fromkeys(k for rs in result.rule_sets for k in rs.metrics))
    for name in names:
        cells = [format_estimate(rs.metrics.get(name)) for rs in result.rule_sets]
        unit = next(rs.metrics[name].unit for rs in result.rule_sets if name in rs.metrics)
        table.add_row(labelled(name, unit, t), *cells)
    first = result.rule_sets[0].name
    for name in dict.fromkeys(k for rs in result.rule_sets for k in rs.versus_first):
        cells = ["-"]
        for rs in result.rule_sets[1:]:
            m = rs.versus_first[name]
            cells.append(f"{_signed(m.mean, m.unit)} [{_signed(m.low, m.unit)}, {_signed(m.high, m.unit)}]")
        unit = next(rs.versus_first[name].unit for rs in result.rule_sets[1:])
        table.add_row(
            with_unit(_("%(metric)s vs %(first)s", metric=metric_label(name, t), first=first), unit, t, True),
            *cells,
            style="cyan",
        )
    return table


def _signed(value: float, unit: str) -> str:
    if unit == "share" and value == value:  # a difference of shares: percentage points (in the row's name)
        return f"{value * 100:+.1f}"
    text = format_value(value, unit)
    return text if text.startswith("-") else "+" + text


def staff(
    scenario: Annotated[
        str, typer.Argument(help="bundled scenario name or scenario directory")
    ] = "dealer-2011",
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help='service target, e.g. "on_time>=0.95" or "waiter_wait_p90<=30"; repeat'
        ),
    ] = None,
    base: Annotated[str, typer.Option("--rules", help="base rules to start from")] = "current",
    season: Annotated[Season | None, typer.Option(help="peak, low or average month")] = None,
    month: Annotated[str | None, typer.Option(help="month of the history, jan..dec")] = None,
    days: Annotated[int, typer.Option(help="simulated days per candidate")] = 14,
    replications: Annotated[int, typer.Option(help="replications per candidate")] = 8,
    seed: Annotated[int, typer.Option(help="seed")] = 1,
    workers: Annotated[int, typer.Option(help="local worker processes")] = 2,
    cluster: Annotated[str | None, typer.Option(help="Dask scheduler address tcp://HOST:PORT")] = None,
    policy: Annotated[PolicyName, typer.Option(help="dispatch policy")] = PolicyName.fcfs,
    growth: Annotated[float, typer.Option(help="demand growth factor")] = 1.0,
    max_steps: Annotated[int, typer.Option(help="most technicians/lanes to add (and to take away)")] = 12,
    json: Annotated[bool, typer.Option("--json", help="print the search result as JSON")] = False,
    write_rules: Annotated[
        Path | None, typer.Option("--write-rules", help="write the recommended staffing as a rules file")
    ] = None,
    method: Annotated[
        Method, typer.Option(help="kn: certified ranking and selection; greedy: the cost/service frontier")
    ] = Method.kn,
    objective: Annotated[
        Objective, typer.Option(help="kn: cost (CNY a day, plus a penalty for missed targets) or on_time")
    ] = Objective.cost,
    delta_cny: Annotated[
        float, typer.Option("--delta-cny", help="kn, cost: indifference zone, CNY a day")
    ] = 100.0,
    delta_points: Annotated[
        float, typer.Option("--delta-points", help="kn, on_time: indifference zone, points of on-time share")
    ] = 1.0,
    penalty: Annotated[
        float, typer.Option(help="kn, cost: CNY a day per point a target is missed by")
    ] = 200.0,
    alpha: Annotated[float, typer.Option(help="kn: 1 - probability of correct selection")] = 0.05,
    n0: Annotated[int, typer.Option("--n0", help="kn: first-stage replications per candidate")] = 10,
    max_replications: Annotated[
        int, typer.Option(help="kn: most replications per candidate (the screen's n0 and KN's)")
    ] = 100,
    candidates: Annotated[int, typer.Option(help="kn: most candidates (base first)")] = 50,
    history: Annotated[
        Path | None, typer.Option(help="kn: bootstrap demand from this history's --train months")
    ] = None,
    train: Annotated[
        str | None, typer.Option(help="kn with --history: training months YYYY-MM..YYYY-MM")
    ] = None,
    holdout: Annotated[
        str | None, typer.Option(help="kn with --history: held-out months (default: the month after --month)")
    ] = None,
) -> None:
    """Choose the staffing: certified by KN ranking and selection (default), or the greedy frontier.

    A screen on the first n0 replications (alpha/2), then KN (Kim & Nelson 2001, alpha/2) on fresh
    replications, both with common random numbers, pick among head-count, bay and shift-pattern
    candidates one that is best within delta with probability >= 1 - alpha, choosing the
    replications per candidate itself; when the budget runs out first it says so and names the
    delta the budget would certify. The choice is then re-checked on held-out days."""
    if method == Method.kn:
        _certified(
            scenario, target, base, season, month, days, seed, workers, policy, growth, objective,
            delta_cny if objective == Objective.cost else delta_points, penalty, alpha, n0,
            max_replications, candidates, history, train, holdout, json, write_rules, cluster,
        )  # fmt: skip
        return
    from rich.console import Console

    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.inputs import check_inputs
    from simulation.staffing import parse_target, search

    err = Console(stderr=True)
    try:
        targets = [parse_target(t) for t in (target or ["on_time>=0.95"])]
        if not 1 <= replications <= 1000:
            raise InputError("--replications", "must be 1..1000")
        if not 0 <= max_steps <= 100:
            raise InputError("--max-steps", "must be 0..100")
        loaded = load_scenario(scenario)
        [rules], period = check_inputs(
            loaded, [base], days, month, season.value if season else None, growth, files=True
        )
        with err.status("searching staffing") as status:

            def report_step(line: str) -> None:
                err.log(line)
                status.update(line)

            result = search(
                loaded,
                rules,
                period,
                targets,
                replications=replications,
                seed=seed,
                policy=policy.value,
                growth=growth,
                workers=workers,
                max_steps=max_steps,
                cluster=cluster,
                progress=report_step,
            )
    except InputError as exc:
        raise fail(_flagged(exc)) from None
    if write_rules is not None and result.recommendation is not None:
        from simulation.rules import dump_rules
        from simulation.staffing import recommended_rules

        recommended = recommended_rules(rules, result)
        comment = (
            f"Written by `bayplan staff` for {result.scenario}, {result.period}: the cheapest staffing\n"
            f"found "
            f"that meets {', '.join(result.targets)} (policy {result.policy}, {result.days} days x "
            f"{result.replications} replications, seed {result.seed}).\nChange from {rules.name}: "
            f"{result.recommendation.label}."
        )
        try:
            write_rules.write_text(dump_rules(recommended, comment), encoding="utf-8")
        except OSError as exc:
            raise fail(f"--write-rules: cannot write {write_rules}: {exc.strerror}") from None
    if json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        _print_frontier(result, max_steps)
    if write_rules is not None and result.recommendation is None:
        typer.echo(
            f"bayplan: error: --write-rules: no staffing within {max_steps} steps meets "
            f"{', '.join(result.targets)}: nothing written to {write_rules}",
            err=True,
        )
        raise typer.Exit(code=1)


def _certified(
    scenario: str,
    target: list[str] | None,
    base: str,
    season: Season | None,
    month: str | None,
    days: int,
    seed: int,
    workers: int,
    policy: PolicyName,
    growth: float,
    objective: Objective,
    delta: float,
    penalty: float,
    alpha: float,
    n0: int,
    max_replications: int,
    candidates: int,
    history: Path | None,
    train: str | None,
    holdout: str | None,
    json: bool,
    write_rules: Path | None,
    cluster: str | None = None,
) -> None:
    from rich.console import Console

    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.arrivals import Period
    from simulation.backtest import parse_range
    from simulation.certify import Setting, candidate_rules, certify, next_month_period
    from simulation.inputs import check_inputs
    from simulation.sources import DemandSpec
    from simulation.staffing import parse_target

    err = Console(stderr=True)
    try:
        targets = [parse_target(t) for t in (target or ["on_time>=0.95"])]
        if not (math.isfinite(delta) and delta > 0):  # nan or inf: KN's sample sizes cannot be counted
            raise InputError(
                "--delta-cny" if objective == Objective.cost else "--delta-points",
                "must be a finite number > 0",
            )
        if not (math.isfinite(penalty) and penalty >= 0):
            raise InputError("--penalty", "must be a finite number >= 0")
        if not 0 < alpha < 0.5:
            raise InputError("--alpha", "must be in (0, 0.5)")
        if not 2 <= n0 <= 500:
            raise InputError("--n0", "must be 2..500")
        if not 2 * n0 <= max_replications <= 1000:
            raise InputError("--max-replications", "need 2 x --n0 <= --max-replications <= 1000")
        if not 2 <= candidates <= 500:
            raise InputError("--candidates", "must be 2..500")
        loaded = load_scenario(scenario)
        [rules], period = check_inputs(
            loaded, [base], days, month, season.value if season else None, growth, files=True
        )
        setting, check = Setting(period), Setting(next_month_period(period, days))
        if history is not None:
            tz = loaded.workshop.tz
            from simulation.backtest import read_history

            records = read_history(loaded, str(history))
            dates = sorted({o.arrived_at.astimezone(tz).date() for o in records.orders})
            t0, t1 = parse_range(train, "train") if train else (dates[0], dates[-1])
            h0, h1 = parse_range(holdout, "holdout") if holdout else (check.period.start, dates[-1])
            note = " (SYNTHETIC)" if records.synthetic else ""
            setting = Setting(
                Period(period.start, days, f"{period.label}, days bootstrapped from {t0}..{t1}{note}"),
                DemandSpec("bootstrap", str(history), None, None, t0, t1),
            )
            check = Setting(
                Period(h0, days, f"held out {h0}..{h1}, days bootstrapped{note}"),
                DemandSpec("bootstrap", str(history), None, None, h0, h1),
            )
        with err.status("ranking and selection") as status:

            def report(line: str) -> None:
                status.update(line)

            result = certify(
                loaded,
                rules,
                setting,
                check,
                targets=targets,
                kind=objective.value,
                delta=delta,
                penalty=penalty,
                alpha=alpha,
                n0=n0,
                max_replications=max_replications,
                limit=candidates,
                seed=seed,
                policy=policy.value,
                growth=growth,
                workers=workers,
                cluster=cluster,
                progress=report,
            )
    except InputError as exc:
        raise fail(_flagged(exc)) from None
    if write_rules is not None:
        from simulation.rules import dump_rules

        chosen = dict(candidate_rules(rules, candidates))[result.best]
        chosen = chosen.model_copy(
            update={"name": f"{rules.name}-certified"[:80], "description": result.best}
        )
        comment = (
            f"Written by `bayplan staff` (KN, {result.objective}, delta {result.delta:g} {result.unit}, "
            f"alpha {result.alpha:g}) for {result.scenario}, {result.period}.\nChange from {rules.name}: "
            f"{result.best}."
        )
        write_out("--write-rules", write_rules, dump_rules(chosen, comment))
    if json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print_certified(result)


def _print_certified(result: Certified) -> None:
    from rich.console import Console
    from rich.table import Table

    from cli.i18n import _

    out = Console()
    unit = result.unit
    sign = -1.0 if result.objective == "on_time" else 1.0
    table = Table(
        title=_(
            "KN ranking and selection: %(scenario)s, %(period)s, objective %(objective)s"
            " (%(candidates)s candidates, %(replications)s replications, %(seconds)s s)",
            scenario=result.scenario, period=result.period, objective=result.objective,
            candidates=len(result.candidates), replications=result.total_replications,
            seconds=f"{result.seconds:.0f}",
        ),
        caption=_("mean objective (%(unit)s) over the replications each candidate got", unit=unit),
    )  # fmt: skip
    for col, justify in ((_("candidate"), "left"), (_("objective"), "right"), (_("replications"), "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for label in sorted(result.means, key=lambda x: result.means[x])[:12]:
        style = "bold green" if label == result.best else None
        table.add_row(
            label, f"{sign * result.means[label]:,.1f}", str(result.replications[label]), style=style
        )
    out.print(table)
    if result.screen_survivors:
        out.print(
            _(
                "Screen (alpha/2): %(out)s of %(k)s candidates out after %(n0)s replications each;"
                " KN (alpha/2) on the other %(kept)s, on fresh replications.",
                out=result.screened_out,
                k=len(result.candidates),
                n0=result.n0,
                kept=result.screen_survivors,
            )
        )
    probability = 1 - result.alpha
    if result.certified:
        out.print(
            _(
                "Best with probability >= %(p)s within delta = %(delta)s %(unit)s: [bold]%(best)s[/].",
                p=f"{probability:.2f}",
                delta=f"{result.delta:g}",
                unit=unit,
                best=result.best,
            )
        )
    else:
        out.print(
            _(
                "Not certified: the replication budget ran out with %(n)s candidates in contention;"
                " best so far: [bold]%(best)s[/].",
                n=len(result.runners_up) + 1,
                best=result.best,
            )
        )
        out.print(
            _(
                "At delta = %(delta)s %(unit)s KN could need up to %(needed)s replications a candidate"
                " (budget %(budget)s); this budget would certify delta >= %(least)s %(unit)s"
                " (--delta-cny / --delta-points, or raise --max-replications).",
                delta=f"{result.delta:g}",
                unit=unit,
                needed=result.needed,
                budget=result.budget,
                least=f"{result.delta_for_budget:,.1f}",
            )
        )
    if result.runners_up:
        out.print(
            _(
                "Runners-up it could not separate (within delta): %(names)s.",
                names=", ".join(result.runners_up),
            )
        )
    out.print(_("Re-check on %(period)s:", period=result.holdout_period))  # fmt: skip
    for c in result.holdout:
        line = f"  {c.label}: {sign * c.mean:,.1f} [{sign * c.low:,.1f}, {sign * c.high:,.1f}] {unit}"
        if c.versus_chosen is not None:
            m, lo, hi = c.versus_chosen
            line += _("; minus the chosen: %(diff)s", diff=f"{m:+,.1f} [{lo:+,.1f}, {hi:+,.1f}]")
        out.print(line)
    out.print(
        _("The choice holds on the held-out days: no re-checked candidate is better than the chosen"
          " by more than delta at 95 % confidence.") if result.holdout_holds else
        _("The choice does NOT hold on the held-out days: a re-checked candidate is better by more"
          " than delta.")
    )  # fmt: skip


def _print_frontier(result: StaffingResult, max_steps: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from cli.i18n import _

    table = Table(
        title=_(
            "Cost/service frontier: %(scenario)s, %(period)s, targets %(targets)s (%(days)s days x"
            " %(replications)s replications, seed %(seed)s, %(policy)s)",
            scenario=result.scenario, period=result.period, targets=", ".join(result.targets),
            days=result.days, replications=result.replications, seed=result.seed, policy=result.policy,
        ),
        caption=_("cost per day: technician days + overtime (CNY); metrics: mean [95 % CI]"),
    )  # fmt: skip
    table.add_column(_("change from %(base)s", base=result.base), justify="left")
    for col in (
        _("techs"),
        _("general bays"),
        _("lanes"),
        _("cost/day"),
        _("on time"),
        _("waiter wait p90"),
        _("meets"),
    ):
        table.add_column(col, justify="right")  # fmt: skip
    for c in result.frontier:
        on, wait = c.metrics["on_time"], c.metrics["waiter_wait_p90"]
        table.add_row(
            c.label,
            str(c.technicians),
            str(c.general_bays),
            str(c.express_lanes),
            f"{c.cost_per_day.mean:,.0f}",
            f"{on.mean:.1%} [{on.low:.1%}, {on.high:.1%}]",
            f"{wait.mean:.0f} [{wait.low:.0f}, {wait.high:.0f}]",
            _("yes") if c.meets_targets else _("no"),
        )
    out = Console()
    out.print(table)
    if result.recommendation is None:
        out.print(
            _(
                "No staffing within %(steps)s steps meets %(targets)s.",
                steps=max_steps,
                targets=", ".join(result.targets),
            )
        )
    else:
        r = result.recommendation
        out.print(
            _("Recommendation: %(label)s (%(techs)s technicians, %(bays)s general bays, %(lanes)s express"
              " lanes, %(cost)s CNY a day).", label=r.label, techs=r.technicians, bays=r.general_bays,
              lanes=r.express_lanes, cost=f"{r.cost_per_day.mean:,.0f}")
        )  # fmt: skip


def register(app: typer.Typer) -> None:
    from cli.history import register as register_history

    app.command()(simulate)
    app.command()(staff)
    register_history(app)
