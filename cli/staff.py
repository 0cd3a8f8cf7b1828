"""The `bayplan staff` command: the staffing search over the simulator, certified (KN ranking and
selection) or the cost/service frontier (registered by cli.main).

Only typer and the standard library are imported here at module level, as in cli.simulate.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.i18n import N_, current
from cli.options import fail, flagged, policy_said, write_out
from cli.simulate import FLAGS, PolicyName, Season, simulation_inputs

if TYPE_CHECKING:
    from simulation.certify import Certified
    from simulation.staffing import StaffingResult


class Method(StrEnum):
    kn = "kn"
    greedy = "greedy"


class Objective(StrEnum):
    cost = "cost"
    on_time = "on_time"


#: A staffing search's periods of a history's days (plain, and of a synthetic history).
BOOTSTRAPPED = (
    N_("%(period)s, days bootstrapped from %(first)s..%(last)s"),
    N_("%(period)s, days bootstrapped from %(first)s..%(last)s (SYNTHETIC)"),
)
HELD_OUT = (
    N_("held out %(first)s..%(last)s, days bootstrapped"),
    N_("held out %(first)s..%(last)s, days bootstrapped (SYNTHETIC)"),
)

#: A certified result's unit (`Certified.unit`, kept in English in its JSON and in a written
#: rules file's comment) and its objective (`--objective`) as the table and sentences read them.
UNIT_WORDS = {"CNY a day": N_("CNY a day"), "points of on-time share": N_("points of on-time share")}
OBJECTIVE_WORDS = {"cost": N_("cost per day"), "on_time": N_("on time")}

HELP = N_(
    "Choose the staffing: certified by KN ranking and selection (default), or the greedy frontier.\n\n"
    "A screen on the first n0 replications (alpha/2), then KN (Kim & Nelson 2001, alpha/2) on "
    "fresh replications, both with common random numbers, pick among head-count, bay and "
    "shift-pattern candidates one that is best within delta with probability >= 1 - alpha, "
    "choosing the replications per candidate itself; when the budget runs out first it says so "
    "and names the delta the budget would certify. The choice is then re-checked on held-out "
    "days."
)


def staff(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Argument(help=N_("bundled scenario name or scenario directory"))
    ] = "dealer-2011",
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help=N_('service target, e.g. "on_time>=0.95" or "waiter_wait_p90<=30"; repeat')
        ),
    ] = None,
    base: Annotated[str, typer.Option("--rules", help=N_("base rules to start from"))] = "current",
    season: Annotated[Season | None, typer.Option(help=N_("peak, low or average month"))] = None,
    month: Annotated[str | None, typer.Option(help=N_("month of the history, jan..dec"))] = None,
    days: Annotated[int, typer.Option(help=N_("simulated days per candidate"))] = 14,
    replications: Annotated[int, typer.Option(help=N_("greedy: replications per candidate"))] = 8,
    seed: Annotated[int, typer.Option(help=N_("seed"))] = 1,
    workers: Annotated[int, typer.Option(help=N_("local worker processes"))] = 2,
    cluster: Annotated[str | None, typer.Option(help=N_("Dask scheduler address tcp://HOST:PORT"))] = None,
    policy: Annotated[PolicyName, typer.Option(help=N_("dispatch policy"))] = PolicyName.fcfs,
    growth: Annotated[float, typer.Option(help=N_("demand growth factor"))] = 1.0,
    max_steps: Annotated[
        int, typer.Option(help=N_("greedy: most technicians/lanes to add (and to take away)"))
    ] = 12,
    json: Annotated[bool, typer.Option("--json", help=N_("print the search result as JSON"))] = False,
    write_rules: Annotated[
        Path | None, typer.Option("--write-rules", help=N_("write the recommended staffing as a rules file"))
    ] = None,
    method: Annotated[
        Method,
        typer.Option(help=N_("kn: certified ranking and selection; greedy: the cost/service frontier")),
    ] = Method.kn,
    objective: Annotated[
        Objective, typer.Option(help=N_("kn: cost (CNY a day, plus a penalty for missed targets) or on_time"))
    ] = Objective.cost,
    delta_cny: Annotated[
        float, typer.Option("--delta-cny", help=N_("kn, cost: indifference zone, CNY a day"))
    ] = 100.0,
    delta_points: Annotated[
        float,
        typer.Option("--delta-points", help=N_("kn, on_time: indifference zone, points of on-time share")),
    ] = 1.0,
    penalty: Annotated[
        float, typer.Option(help=N_("kn, cost: CNY a day per point a target is missed by"))
    ] = 200.0,
    alpha: Annotated[float, typer.Option(help=N_("kn: 1 - probability of correct selection"))] = 0.05,
    n0: Annotated[int, typer.Option("--n0", help=N_("kn: first-stage replications per candidate"))] = 10,
    max_replications: Annotated[
        int, typer.Option(help=N_("kn: most replications per candidate (the screen's n0 and KN's)"))
    ] = 100,
    candidates: Annotated[int, typer.Option(help=N_("kn: most candidates (base first)"))] = 50,
    history: Annotated[
        Path | None, typer.Option(help=N_("kn: bootstrap demand from this history's --train months"))
    ] = None,
    train: Annotated[
        str | None, typer.Option(help=N_("kn with --history: training months YYYY-MM..YYYY-MM"))
    ] = None,
    holdout: Annotated[
        str | None,
        typer.Option(help=N_("kn with --history: held-out months (default: the month after --month)")),
    ] = None,
) -> None:
    if method == Method.kn:
        # KN chooses its replications and candidates itself: a greedy option given is refused, not ignored.
        given = ctx.get_parameter_source
        greedy_only = [
            flag for name, flag in (("replications", "--replications"), ("max_steps", "--max-steps"))
            if getattr(given(name), "name", "DEFAULT") != "DEFAULT"  # (typer's click or click's enum)
        ]  # fmt: skip
        _certified(
            scenario, target, base, season, month, days, seed, workers, policy, growth, objective,
            delta_cny if objective == Objective.cost else delta_points, penalty, alpha, n0,
            max_replications, candidates, history, train, holdout, json, write_rules, cluster,
            greedy_only[0] if greedy_only else None,
        )  # fmt: skip
        return
    from rich.console import Console

    from scheduler.errors import InputError
    from simulation.targets import parse_target  # the options first: the simulation takes seconds to load

    err = Console(stderr=True, log_path=False)  # a step's time, not our source file ("staff.py:127")
    try:
        targets = [parse_target(t) for t in (target or ["on_time>=0.95"])]
        if not 1 <= replications <= 1000:
            raise InputError("--replications", N_("must be %(low)s..%(high)s") % {"low": 1, "high": 1000})
        if not 0 <= max_steps <= 100:
            raise InputError("--max-steps", N_("must be %(low)s..%(high)s") % {"low": 0, "high": 100})
        from simulation.staffing import search

        loaded, [rules], period, _ = simulation_inputs(
            scenario, [base], days, None, month, season.value if season else None, growth, None
        )
        with err.status(current().gettext(N_("searching staffing"))) as status:

            def report_step(line: str) -> None:
                line = current().phrase(line)
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
        raise fail(flagged(exc, FLAGS)) from None
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
        raise fail(
            "--write-rules: "
            + N_("no staffing within %(steps)s steps meets %(targets)s: nothing written to %(path)s")
            % {"steps": max_steps, "targets": ", ".join(result.targets), "path": write_rules},
            code=1,
        )


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
    greedy_option: str | None = None,
) -> None:
    from rich.console import Console

    from scheduler.errors import InputError
    from simulation.targets import parse_target  # the options first: the simulation takes seconds to load

    err = Console(stderr=True)
    try:
        targets = [parse_target(t) for t in (target or ["on_time>=0.95"])]
        if greedy_option is not None:
            raise InputError(greedy_option, N_("only with --method greedy"))
        if not (math.isfinite(delta) and delta > 0):  # nan or inf: KN's sample sizes cannot be counted
            raise InputError(
                "--delta-cny" if objective == Objective.cost else "--delta-points",
                N_("must be a finite number > 0"),
            )
        if not (math.isfinite(penalty) and penalty >= 0):
            raise InputError("--penalty", N_("must be a finite number >= 0"))
        if not 0 < alpha < 0.5:
            raise InputError("--alpha", N_("must be in (0, 0.5)"))
        if not 2 <= n0 <= 500:
            raise InputError("--n0", N_("must be %(low)s..%(high)s") % {"low": 2, "high": 500})
        if not 2 * n0 <= max_replications <= 1000:
            raise InputError("--max-replications", N_("need 2 x --n0 <= --max-replications <= 1000"))
        if not 2 <= candidates <= 500:
            raise InputError("--candidates", N_("must be %(low)s..%(high)s") % {"low": 2, "high": 500})
        from simulation.arrivals import Period
        from simulation.backtest import parse_range
        from simulation.certify import Setting, candidate_rules, certify, next_month_period
        from simulation.sources import DemandSpec

        loaded, [rules], period, _ = simulation_inputs(
            scenario, [base], days, None, month, season.value if season else None, growth, None
        )
        setting, check = Setting(period), Setting(next_month_period(period, days))
        if history is not None:
            tz = loaded.workshop.tz
            from simulation.backtest import read_history

            records = read_history(loaded, str(history))
            dates = sorted({o.arrived_at.astimezone(tz).date() for o in records.orders})
            t0, t1 = parse_range(train, "train") if train else (dates[0], dates[-1])
            h0, h1 = parse_range(holdout, "holdout") if holdout else (check.period.start, dates[-1])
            # (labels from marked templates, read where shown: zh-s30)
            synthetic = records.synthetic
            setting = Setting(
                Period(
                    period.start,
                    days,
                    (BOOTSTRAPPED[synthetic] % {"period": period.label, "first": t0, "last": t1}),
                ),
                DemandSpec("bootstrap", str(history), None, None, t0, t1),
            )
            check = Setting(
                Period(h0, days, HELD_OUT[synthetic] % {"first": h0, "last": h1}),
                DemandSpec("bootstrap", str(history), None, None, h0, h1),
            )
        with err.status("ranking and selection") as status:

            def report(line: str) -> None:
                status.update(current().phrase(line))

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
        raise fail(flagged(exc, FLAGS)) from None
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
        if not result.certified:  # the best so far, not a choice: the file says so, and so does stderr
            comment += "\nNOT CERTIFIED: the replication budget ran out first; this is the best so far."
        write_out("--write-rules", write_rules, dump_rules(chosen, comment))
        if not result.certified:
            typer.echo(
                current().gettext(
                    "--write-rules: not certified: %(path)s holds the best so far, %(best)s, not a choice"
                    " certified within delta",
                    path=str(write_rules),
                    best=current().phrase(result.best),
                ),
                err=True,
            )
    if json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print_certified(result)


def _print_certified(result: Certified) -> None:
    from rich.console import Console
    from rich.table import Table

    from cli.i18n import _, current

    out = Console()
    unit = _(UNIT_WORDS[result.unit]) if result.unit in UNIT_WORDS else result.unit
    named = OBJECTIVE_WORDS.get(result.objective)
    objective = _(named) if named else result.objective
    sign = -1.0 if result.objective == "on_time" else 1.0
    table = Table(
        title=_(
            "KN ranking and selection: %(scenario)s, %(period)s, objective %(objective)s"
            " (%(candidates)s candidates, %(replications)s replications, %(seconds)s s)",
            scenario=result.scenario, period=current().phrase(result.period), objective=objective,
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
            current().phrase(label),
            f"{sign * result.means[label]:,.1f}",
            str(result.replications[label]),
            style=style,
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
                best=current().phrase(result.best),
            )
        )
    else:
        out.print(
            _(
                "Not certified: the replication budget ran out with %(n)s candidates in contention;"
                " best so far: [bold]%(best)s[/].",
                n=len(result.runners_up) + 1,
                best=current().phrase(result.best),
            )
        )
        out.print(
            _(
                "At delta = %(delta)s %(unit)s KN could need up to %(needed)s replications a candidate"
                " (budget %(budget)s); this budget would certify delta >= %(least)s %(unit)s"
                " (--delta-cny / --delta-points, or raise --max-replications).",
                delta=f"{result.delta:g}",
                unit=unit,
                needed=f"{result.needed:,}",
                budget=f"{result.budget:,}",
                least=f"{result.delta_for_budget:,.1f}",
            )
        )
    if result.runners_up:
        names = _("; ").join(current().phrase(name) for name in result.runners_up)
        # Uncertified, the others are not shown to be within delta: only not yet told apart.
        if result.certified:
            out.print(_("Runners-up it could not separate (within delta): %(names)s.", names=names))
        else:
            out.print(_("Still in contention: %(names)s.", names=names))
    # Filled in as the language spaces a part beside its words: "在留出月份 2025年2月上复核：", not
    # "在 留出月份 2025年2月 上复核：" (review-s43 #19); in English as before.
    period = current().phrase(result.holdout_period)
    out.print(current().fill(N_("Re-check on %(period)s:"), {"period": period}))
    for c in result.holdout:
        said = current().phrase(c.label)
        # The on-time objective is the share negated (KN minimises): read back as the share, the
        # interval low to high and a difference to the chosen the sign the shares' difference has.
        low, high = sorted((sign * c.low, sign * c.high))
        line = f"  {said}: {sign * c.mean:,.1f} [{low:,.1f}, {high:,.1f}] {unit}"
        if c.versus_chosen is not None:
            m = sign * c.versus_chosen[0]
            lo, hi = sorted((sign * c.versus_chosen[1], sign * c.versus_chosen[2]))
            line += _("; minus the chosen: %(diff)s", diff=f"{m:+,.1f} [{lo:+,.1f}, {hi:+,.1f}]")
        out.print(line)
    out.print(
        _("The choice holds on the held-out days: no re-checked candidate is better than the chosen"
          " by more than delta at 95 %% confidence.") if result.holdout_holds else
        _("The choice does NOT hold on the held-out days: a re-checked candidate is better by more"
          " than delta.")
    )  # fmt: skip


def _print_frontier(result: StaffingResult, max_steps: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from cli.i18n import _, current
    from simulation.rules import change_words

    table = Table(
        title=_(
            "Cost/service frontier: %(scenario)s, %(period)s, targets %(targets)s (%(days)s days x"
            " %(replications)s replications, seed %(seed)s, %(policy)s)",
            scenario=result.scenario, period=current().phrase(result.period),
            targets=", ".join(result.targets), days=result.days, replications=result.replications,
            seed=result.seed, policy=policy_said(result.policy, current()),
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
            # From its parts where it has them (tidy-s35), else its label (the base, an older JSON).
            change_words(c.changes, current()) if c.changes else current().phrase(c.label),
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
        label = current().phrase(r.label)
        out.print(
            _("Recommendation: %(label)s (%(techs)s technicians, %(bays)s general bays, %(lanes)s express"
              " lanes, %(cost)s CNY a day).", label=label, techs=r.technicians, bays=r.general_bays,
              lanes=r.express_lanes, cost=f"{r.cost_per_day.mean:,.0f}")
        )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command(help=HELP)(staff)
