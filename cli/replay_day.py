"""`bayplan replay-day SCENARIO`: whole days replayed through an in-process API on its own
simulated clock (simulation/day_replay.py), and the promise guard's figures: the share of late
bookings flagged at least 60 minutes ahead, the false alarms, the reliability of
`on_time_probability` by decile, the re-plan latency and that no clock event was lost.

`replay_scenario` is also what bench/replay_day.py runs (20 days per scenario)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.i18n import N_, _, current
from cli.options import fail, parse_date
from scheduler.contract import LAST_DATE

if TYPE_CHECKING:
    from scheduler.promise_odds import Snapshot
    from simulation.day_replay import DayRecord, Probe

FIRST = dt.date(2026, 11, 24)
"""The first day replayed unless `--first` says otherwise (the benchmark's days: reproducible)."""
START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)

ProbeFactory = Callable[[Any, str, list["Snapshot"]], "Probe"]
"""(the app's ShopFloor, the workshop id, a list to keep each poll's projection inputs in) → a probe."""


def working_days(name: str, count: int, first: dt.date = FIRST, skip: int = 0) -> list[dt.date]:
    """The scenario's first `count` days with demand from `first`, less the first `skip`."""
    from scheduler.demand import expected_daily_volume
    from scheduler.scenarios import load_scenario

    scenario = load_scenario(name)
    out: list[dt.date] = []
    date = first
    while len(out) < count:
        if expected_daily_volume(scenario.demand, date) > 0:
            out.append(date)
        date += dt.timedelta(days=1)
        if date > first + dt.timedelta(days=10 * count + 31):
            break  # a scenario with (almost) no demand
    return out[skip:]


def warm_up_days(name: str, count: int, first: dt.date = FIRST) -> list[dt.date]:
    """The scenario's last `count` days with demand before `first`, oldest first: replayed ahead of
    the scored days so that these start with a clocked history to learn from, as a workshop in use
    has (its own dates: other demand and other durations than the scored days')."""
    from scheduler.demand import expected_daily_volume
    from scheduler.scenarios import load_scenario

    scenario = load_scenario(name)
    out: list[dt.date] = []
    date = first - dt.timedelta(days=1)
    while len(out) < count and date > first - dt.timedelta(days=10 * count + 31):
        if expected_daily_volume(scenario.demand, date) > 0:
            out.append(date)
        date -= dt.timedelta(days=1)
    return out[::-1]


def replay_scenario(
    name: str,
    days: int,
    seed: int = 1,
    *,
    first: dt.date = FIRST,
    skip: int = 0,
    latency_every: int = 5,
    downstream: bool = True,
    expedite: bool = True,
    jump: bool = True,
    probe: ProbeFactory | None = None,
    on_day: Callable[[DayRecord, list[Snapshot]], None] | None = None,
    promise_confidence: float | None = None,
    warm_days: int = 0,
) -> list[DayRecord]:
    """Book, plan and live through `days` working days of a scenario on one in-process app (a
    temporary SQLite database, no API keys) whose clock the replay moves to each event.
    `promise_confidence`: the workshop's desk promises at that confidence (`Workshop.promise_confidence`,
    overriding the scenario's; None keeps the scenario's own). `warm_days`: first replay that many
    working days before `first` (`warm_up_days`) the same way, unscored (no record, no probe, no
    latency timed), so the learned minutes the live projection and the odds use come from a history,
    not from the scored run's own first days."""
    import httpx

    from api.app import create_app
    from scheduler.clock import FixedClock
    from scheduler.scenarios import load_scenario
    from simulation.day_replay import replay_day

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    scenario = load_scenario(name)
    if promise_confidence is not None:
        scenario = replace(
            scenario, workshop=scenario.workshop.model_copy(update={"promise_confidence": promise_confidence})
        )
    ws = scenario.workshop
    warm = warm_up_days(name, warm_days, first) if warm_days > 0 else []
    start = (
        START
        if not warm
        else dt.datetime.combine(warm[0] - dt.timedelta(days=1), dt.time(18, 0), tzinfo=ws.tz)
    )
    clock = FixedClock(start)
    records: list[DayRecord] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(f"sqlite:///{Path(tmp) / 'replay.db'}", auth=False, clock=clock)
        app.state.shopfloor.downstream = downstream
        app.state.shopfloor.expedite = expedite
        app.state.shopfloor.jump = jump
        with TestClient(app) as http:
            http.put(f"/v1/workshops/{ws.id}", json=ws.model_dump(mode="json")).raise_for_status()
            for date in warm:  # not scored: the history a workshop in use has
                clock.set(dt.datetime.combine(date - dt.timedelta(days=1), dt.time(18, 0), tzinfo=ws.tz))
                replay_day(http, scenario, date, seed, set_now=clock.set, latency_every=0)  # type: ignore[arg-type]
            for date in working_days(name, days, first, skip):
                clock.set(dt.datetime.combine(date - dt.timedelta(days=1), dt.time(18, 0), tzinfo=ws.tz))
                snapshots: list[Snapshot] = []
                record = replay_day(
                    http,  # type: ignore[arg-type]  # a TestClient is an httpx.Client
                    scenario,
                    date,
                    seed,
                    set_now=clock.set,
                    latency_every=latency_every,
                    probe=probe(app.state.shopfloor, ws.id, snapshots) if probe is not None else None,
                )
                records.append(record)
                if on_day is not None:
                    on_day(record, snapshots)
    del httpx
    return records


# The table's rows: the summary's key and its label.
ROWS = (
    ("days", N_("Days")),
    ("bookings asked / booked", N_("Bookings asked / booked")),
    ("bookings judged (promised, no-shows excluded)", N_("Bookings judged (promised, no-shows excluded)")),
    ("late", N_("Late")),
    ("late flagged >= 60 min ahead (or from drop-off)", N_("Late, flagged at least 60 min ahead")),
    ("flagged ahead share (goal >= 0.90)", N_("Flagged ahead share (goal at least 90 %)")),
    ("flagged", N_("Flagged")),
    ("false alarms: on time, still flagged at the last poll before done", N_("False alarms")),
    ("false alarm share (goal <= 0.10)", N_("False alarm share (goal at most 10 %)")),
    ("false alarm share, strict", N_("False alarm share, strict: flagged, on time, not moved by a re-plan")),
    ("on-time share", N_("On-time share")),
    ("total lateness minutes", N_("Total lateness, minutes")),
    (
        "total lateness minutes, unfinished work done at the next opening",
        N_("Total lateness, minutes, work left done next morning"),
    ),
    ("brier score", N_("Brier score of the on-time probability")),
    ("clock event ms p50 / p99", N_("Clock event ms p50 / p99")),
    ("event -> status reflects it ms p50 / p99", N_("Event to re-planned status ms p50 / p99")),
    ("status GET ms p50 / p99", N_("Status read ms p50 / p99")),
    ("events accepted / stored / refused", N_("Events accepted / stored / refused")),
    ("no event lost", N_("No event lost")),
    ("seconds", N_("Seconds")),
)


def _cell(value: object) -> str:
    t = current()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return " / ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return t.number(value, 3 if abs(value) < 10 else 1)
    if isinstance(value, int):
        return t.number(value)
    return "–" if value is None else str(value)


def print_summary(name: str, summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=_("Promise guard, %(scenario)s, replayed days", scenario=name))
    table.add_column(_("Figure"))
    table.add_column(_("Value"), justify="right")
    for key, label in ROWS:
        value = summary.get(key)
        # Shares read as percentages, beside goals written in percent.
        shown = current().percent(value, 1) if "share" in key and isinstance(value, float) else _cell(value)
        table.add_row(_(label), shown)
    console.print(table)
    deciles = Table(title=_("Reliability of the on-time probability (every poll of every open booking)"))
    for heading in (_("Decile"), _("Polls"), _("Predicted"), _("Observed on time")):
        deciles.add_column(heading, justify="right")
    for d in summary["reliability by decile of on_time_probability"]:
        deciles.add_row(d["decile"], _cell(d["n"]), _cell(d["predicted"]), _cell(d["observed"]))
    console.print(deciles)


HELP = N_(
    "Replay whole days through the API on a simulated clock (book, plan, clock on and off each"
    " job with drawn durations, read the status every 15 minutes) and report the promise guard."
)


def replay_day_command(
    scenario: Annotated[str, typer.Argument(help=N_("bundled scenario name or scenario directory"))],
    days: Annotated[int, typer.Option("--days", help=N_("working days to replay (1..60)"))] = 3,
    seed: Annotated[int, typer.Option("--seed", help=N_("random seed of demand and durations"))] = 1,
    first: Annotated[
        str,
        typer.Option("--first", help=N_("first day YYYY-MM-DD (default 2026-11-24: the benchmark's days)")),
    ] = FIRST.isoformat(),
    latency_every: Annotated[
        int,
        typer.Option(
            "--latency-every", help=N_("time the re-planned status after every n-th event (0: never)")
        ),
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help=N_("print the figures as JSON"))] = False,
) -> None:
    from scheduler.errors import InputError
    from scheduler.scenarios import load_scenario
    from simulation.day_replay import summarise

    if not 1 <= days <= 60:
        raise fail("--days: " + N_("must be 1..60"))
    if seed < 0:
        raise fail("--seed: " + N_("must not be negative"))
    if latency_every < 0:
        raise fail("--latency-every: " + N_("must not be negative"))
    try:
        start = parse_date(first, "--first")
    except InputError as exc:
        raise fail(exc) from None
    try:
        load_scenario(scenario)
    except InputError as exc:
        raise fail(f"{exc.field}: {exc.reason}") from None
    replayed = working_days(scenario, days, start)
    if replayed and replayed[-1] > LAST_DATE:  # the days bayplan plans end there
        raise fail(
            "--first: "
            + N_("%(days)s working days from %(start)s run past %(last)s")
            % {"days": days, "start": start, "last": LAST_DATE}
        )
    records = replay_scenario(scenario, days, seed, first=start, latency_every=latency_every)
    summary = summarise(records)
    if as_json:
        typer.echo(json.dumps({scenario: summary}, indent=1))
        return
    print_summary(scenario, summary)


def register(app: typer.Typer) -> None:
    """Add `replay-day` to the `bayplan` command."""
    app.command("replay-day", help=HELP)(replay_day_command)
