"""The `bayplan` command line: plan a day, re-plan during it, serve the API, print the JSON Schemas."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console, RenderableType

from cli.cjk_wrap import install as install_cjk_wrap
from cli.data import register as register_data
from cli.help import LocalisedGroup
from cli.i18n import ENVIRONMENT as LANG_ENVIRONMENT
from cli.i18n import N_, _, set_language
from cli.options import db_failure, fail, open_store, parse_date, write_out
from cli.printing import register as register_printing
from cli.replay_day import register as register_replay_day
from cli.report import register as register_report
from scheduler.clock import Clock, clock_from, in_date_range
from scheduler.contract import LAST_DATE, MAX_SEED, Plan, PlanRequest
from scheduler.desk_checks import check_loan_cars_wanted
from scheduler.errors import InputError, from_validation_error
from scheduler.i18n import DEFAULT, normalise

if TYPE_CHECKING:
    from scheduler.keys import KeyStore

M = TypeVar("M", bound=BaseModel)

install_cjk_wrap()  # Chinese lines in tables and help break between characters (cli/cjk_wrap.py)

app = typer.Typer(
    cls=LocalisedGroup,  # --help in the language asked for: cli/help.py
    add_completion=False,
    no_args_is_help=True,
    help=N_("Workshop bay planning for dealership after-sales."),
    pretty_exceptions_enable=False,
)


@app.callback()
def _language(
    ctx: typer.Context,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar=LANG_ENVIRONMENT,
            help=N_("language of tables and messages: en or zh-CN (or BAYPLAN_LANG); default en"),
        ),
    ] = None,
) -> None:
    # Asked for on the command line, a language bayplan does not speak is a mistake to name; from
    # BAYPLAN_LANG (set once for a machine, perhaps for other tools too) it falls back to English.
    source = ctx.get_parameter_source("lang")  # typer's own click: compared by name
    from_command_line = source is not None and source.name == "COMMANDLINE"
    if lang is not None and from_command_line and normalise(lang) is None:
        raise fail(_("--lang: '%(lang)s' is not a language bayplan speaks (en or zh-CN)", lang=lang))
    set_language(lang)


TIME_LIMIT_HELP = N_("solver time limit, seconds (default: the request's, 10 unless it says otherwise)")


class Planner(StrEnum):
    greedy = "greedy"
    cpsat = "cpsat"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Rows(StrEnum):
    bays = "bays"
    technicians = "technicians"


class SchemaName(StrEnum):
    plan_request = "plan-request"
    plan = "plan"
    replan_request = "replan-request"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


#: Demand factors past this are not a workshop day (and would draw millions of bookings).
MAX_SCALE = 10.0
#: The operating system's words for why a file cannot be read (its strerror), to be translated.
OS_WORDS = (N_("No such file or directory"), N_("Permission denied"), N_("Is a directory"))


def _read_input(path: Path, model: type[M]) -> M:
    """An --input file as `model`; unreadable files and bad JSON become InputError naming the field."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Windows Notepad saves one) read past
    except OSError as exc:
        raise InputError(
            "--input", N_("cannot read %(path)s: %(why)s") % {"path": path, "why": exc.strerror}
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            "--input",
            N_("cannot read %(path)s: not UTF-8 (byte %(byte)s)") % {"path": path, "byte": exc.start},
        ) from None
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise from_validation_error(exc, source=str(path)) from None


def _in_file(exc: InputError, path: Path | None) -> InputError:
    """An error in an --input file's content named after the file, as its parse errors are
    (`m.json: bookings[0].service: …`; review-s35: the checks after the parse named the field
    alone); an option's own error (`--time-limit: …`) and one already naming its file as they are."""
    if path is None or exc.source is not None or exc.field.startswith("--"):
        return exc
    return InputError(exc.field, exc.reason, str(path))


def _parse_now(value: str | None) -> dt.datetime | None:
    """`--now`: an aware ISO 8601 instant standing in for the machine's clock."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            "--now", N_("expected an ISO 8601 instant, got %(value)r") % {"value": value}
        ) from None
    if moment.tzinfo is None:
        raise InputError("--now", N_("needs a timezone offset, e.g. %(example)s") % {"example": NOW_EXAMPLE})
    return in_date_range("--now", moment)


def _clock(now: str | None) -> Clock:
    """`--now`; else BAYPLAN_NOW, as `serve` reads it (a replayed or demonstrated day); else the
    machine's clock."""
    start = _parse_now(now)
    if start is not None:
        return clock_from(start)
    from api.settings import clock_from_environment

    return clock_from_environment()


#: An aware instant, as `--now` wants it.
NOW_EXAMPLE = "2026-11-24T08:00:00+08:00"

NowOption = Annotated[
    str | None,
    typer.Option("--now", help=N_("the current instant (aware ISO 8601) instead of the machine's clock")),
]


def _with_time_limit(request: PlanRequest, time_limit: float | None) -> PlanRequest:
    if time_limit is None:
        return request
    if not 0 < time_limit <= 600:
        raise InputError("--time-limit", N_("must be in (0, %(most)s] seconds") % {"most": 600})
    options = request.options.model_copy(update={"time_limit_seconds": time_limit})
    return request.model_copy(update={"options": options})


class _Held(logging.Handler):
    """Log records kept back, to be shown or dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _gated_plan(request: PlanRequest, planner: str) -> Plan:
    """The plan by `planner` through the validator's gate, as the API's stateless plan makes it
    (`integrity.validated_plan`): a plan breaking a hard rule is replaced by the greedy one, and
    NoValidPlan when the request's pinned work leaves none. The gate's log records (a plan
    replaced) are shown once a plan stands; with NoValidPlan its error alone says why, as the
    API's 409 does."""
    from scheduler.integrity import validated_plan

    logger = logging.getLogger("bayplan")
    held = _Held()
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(held)
    try:
        plan = validated_plan(request, planner)
    finally:
        logger.removeHandler(held)
        logger.propagate = propagate
    for record in held.records:
        logger.handle(record)
    return plan


@app.command(help=N_("Plan one day: tomorrow's bay plan for a scenario, or a v1 request from --input."))
def plan(
    scenario: Annotated[
        str, typer.Argument(help=N_("bundled scenario name or scenario directory"))
    ] = "dealer-2011",
    date: Annotated[str | None, typer.Option(help=N_("plan date YYYY-MM-DD (default: tomorrow)"))] = None,
    now: NowOption = None,
    input: Annotated[
        Path | None, typer.Option("--input", help=N_("v1 plan request JSON (stateless)"))
    ] = None,
    planner: Annotated[
        Planner, typer.Option(help=N_("CP-SAT optimiser or the greedy baseline"))
    ] = Planner.cpsat,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help=TIME_LIMIT_HELP,
        ),
    ] = None,
    format: Annotated[Format, typer.Option("--format", help=N_("table, v1 plan JSON or CSV"))] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", help=N_("write to this file instead of stdout"))
    ] = None,
    seed: Annotated[int, typer.Option(help=N_("seed of the scenario's bookings generator"))] = 0,
    scale: Annotated[float, typer.Option(help=N_("demand factor for generated bookings (1.3 = peak)"))] = 1.0,
    rows: Annotated[
        Rows, typer.Option("--rows", help=N_("the table's blocks: one per bay or per technician"))
    ] = Rows.bays,
    verbose: Annotated[
        bool, typer.Option("--verbose", help=N_("also the objective, its best bound and the gap"))
    ] = False,
) -> None:
    from scheduler.integrity import NoValidPlan, no_valid_plan

    try:
        if input is not None:
            request = _read_input(input, PlanRequest)
            check_loan_cars_wanted(request)
        else:
            from scheduler.demand import day_request
            from scheduler.scenarios import load_scenario

            loaded = load_scenario(scenario)
            if date is None:
                today = _clock(now).now().astimezone(loaded.workshop.tz).date()
                plan_date = today + dt.timedelta(days=1)
                if plan_date > LAST_DATE:
                    raise InputError(
                        "--now",
                        N_("tomorrow, %(date)s, is past the last plannable day %(last)s")
                        % {"date": plan_date, "last": LAST_DATE},
                    )
            else:
                plan_date = parse_date(date)
            if not 0 < scale <= MAX_SCALE:  # also refuses nan
                raise InputError(
                    "--scale",
                    N_("must be in (0, %(most)s], got %(value)s")
                    % {"most": f"{MAX_SCALE:g}", "value": f"{scale:g}"},
                )
            if seed < 0:
                raise InputError("--seed", N_("must not be negative, got %(value)s") % {"value": seed})
            if seed > MAX_SEED:  # as a plan request's seed
                most = N_("Input should be less than or equal to %(le)s")
                raise InputError("--seed", most % {"le": MAX_SEED})
            request = day_request(loaded, plan_date, seed=seed, scale=scale)
        request = _with_time_limit(request, time_limit)
        result = _gated_plan(request, planner.value)
    except InputError as exc:
        raise fail(_in_file(exc, input)) from None
    except NoValidPlan as exc:  # the request's pinned work: what the API's 409 says, exit 1 as a 409
        raise fail(str(no_valid_plan(exc)), code=1, source=input) from None

    if format is Format.json:
        _emit(result.model_dump_json(indent=2), out)
        return
    if format is Format.csv:
        _emit(_plan_csv(request, result), out)
        return
    from cli.render import render_plan

    _print(out, render_plan(request, result, rows.value, verbose))


@app.command(help=N_("Re-plan during the day: started work stays, overruns and walk-ins are fitted in."))
def replan(
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            help=N_(
                "re-plan request JSON: request, plan, now, started, finished, overruns, walk_ins, cancelled"
            ),
        ),
    ],
    planner: Annotated[Planner, typer.Option(help=N_("greedy (keep + repair) or CP-SAT"))] = Planner.cpsat,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help=TIME_LIMIT_HELP,
        ),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", help=N_("table, JSON (plan + changes) or the plan as CSV"))
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", help=N_("write to this file instead of stdout"))
    ] = None,
) -> None:
    from scheduler.contract import ReplanRequest
    from scheduler.replan import replan as run_replan

    try:
        rr = _read_input(input, ReplanRequest)
        rr = rr.model_copy(update={"request": _with_time_limit(rr.request, time_limit)})
        result = run_replan(rr, planner.value)
    except InputError as exc:
        raise fail(_in_file(exc, input)) from None
    if format is Format.json:
        _emit(result.model_dump_json(indent=2), out)
        return
    if format is Format.csv:
        request = rr.request.model_copy(update={"bookings": [*rr.request.bookings, *rr.walk_ins]})
        _emit(_plan_csv(request, result.plan), out)
        return
    from cli.render import render_changes, render_plan

    request = rr.request.model_copy(update={"bookings": [*rr.request.bookings, *rr.walk_ins]})
    _print(out, render_plan(request, result.plan), render_changes(result.changes, request.workshop))


def _plan_csv(request: PlanRequest, plan: Plan) -> str:
    """The plan as CSV; read in another language than English (`--lang`), with the names of the
    request's workshop in it in added last columns (scheduler.exchange.PLAN_NAME_COLUMNS)."""
    from cli.i18n import current
    from scheduler.exchange import ShownNames, plan_csv

    locale = current().locale
    shown = None
    if locale != DEFAULT:
        shown = ShownNames(request.workshop.in_language(locale), {b.id: b.service for b in request.bookings})
    return plan_csv(plan, newline="\n", shown=shown).rstrip("\n")


def _emit(text: str, out: Path | None) -> None:
    if out is not None:
        write_out("--out", out, text + "\n")
    else:
        typer.echo(text)


def _print(out: Path | None, *renderables: RenderableType) -> None:
    if out is not None:
        buffer = io.StringIO()
        console = Console(file=buffer, width=140, color_system=None)
        for r in renderables:
            console.print(r)
        write_out("--out", out, buffer.getvalue())
    else:
        console = Console(width=max(120, Console().width))
        for r in renderables:
            console.print(r)


@app.command(help=N_("Run the HTTP service (OpenAPI at /docs); SQLite file by default, PostgreSQL by URL."))
def serve(
    db: Annotated[str, typer.Option("--db", help=N_("database URL"))] = "sqlite:///bayplan.db",
    host: Annotated[str, typer.Option(help=N_("address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help=N_("port"))] = 8000,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help=N_("worker processes sharing the database (PostgreSQL advised)")),
    ] = 1,
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth", help=N_("local development only: no API keys needed (or BAYPLAN_AUTH=off)")
        ),
    ] = False,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help=N_("start the server's clock at this aware ISO 8601 instant (replays, demos; BAYPLAN_NOW)"),
        ),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help=N_("text, or JSON lines with a request id"))
    ] = LogFormat.text,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help=N_("run day plans and simulations on the Dask cluster at tcp://HOST:PORT (BAYPLAN_CLUSTER)"),
        ),
    ] = None,
) -> None:
    # The options are checked before the app is imported (seconds): a typo fails at once.
    from sqlalchemy.exc import SQLAlchemyError

    from api.settings import (
        AUTH_ENVIRONMENT,
        CLUSTER_ENVIRONMENT,
        DB_ENVIRONMENT,
        NOW_ENVIRONMENT,
        clock_from_environment,
    )
    from scheduler.cluster import cluster_workers

    if no_auth:
        os.environ[AUTH_ENVIRONMENT] = "off"
    try:
        start = _parse_now(now)
        if start is None:
            clock_from_environment()  # BAYPLAN_NOW, checked before the server starts
    except InputError as exc:
        raise fail(exc) from None
    if start is not None:
        os.environ[NOW_ENVIRONMENT] = start.isoformat()
    if cluster is not None:
        try:
            workers_there = cluster_workers(cluster)
        except InputError as exc:  # the option, not the API's field name (walk-s17 C10)
            raise fail(f"--cluster: {exc.reason}") from None
        os.environ[CLUSTER_ENVIRONMENT] = cluster  # for uvicorn's workers too
        typer.echo(
            _("day plans and simulations run on the Dask cluster at {address} ({n} workers)").format(
                address=cluster, n=workers_there
            )
        )
    import uvicorn

    from api.app import create_app
    from scheduler.storage import migrate

    json_logs = log_format is LogFormat.json
    if json_logs:
        from api.observability import LOG_FORMAT_ENVIRONMENT, configure_logging

        os.environ[LOG_FORMAT_ENVIRONMENT] = "json"  # for the workers too
        configure_logging("json")
    # JSON: bayplan's own handler and access line (the route template, never a query string).
    log_config = None if json_logs else uvicorn.config.LOGGING_CONFIG
    if workers == 1:
        try:
            served = create_app(db, settle=True)
        except SQLAlchemyError as exc:
            raise db_failure(db, exc) from None
        uvicorn.run(
            served,
            host=host,
            port=port,
            log_level="info",
            log_config=log_config,
            access_log=not json_logs,
        )
        return
    try:
        migrate(db)  # once, before the workers start, so they do not race to create the schema
    except SQLAlchemyError as exc:
        raise db_failure(db, exc) from None
    os.environ[DB_ENVIRONMENT] = db
    uvicorn.run(
        "api.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config,
        access_log=not json_logs,
    )


keys_app = typer.Typer(help=N_("API keys: create (shown once), list, revoke."), no_args_is_help=True)
app.add_typer(keys_app, name="keys")
DbOption = Annotated[str, typer.Option("--db", help=N_("database URL"))]


def _keys(db: str) -> KeyStore:
    from scheduler.keys import KeyStore

    return KeyStore(open_store(db))


@keys_app.command("create", help=N_("Create a key and print it once (only its hash is stored)."))
def keys_create(
    role: Annotated[str, typer.Option(help=N_("booking, foreman, manager, technician or admin"))],
    workshop: Annotated[
        list[str], typer.Option(help=N_("workshop id the key may act on; repeat; '*' for all"))
    ],
    label: Annotated[str | None, typer.Option(help=N_("who or what the key is for"))] = None,
    technician: Annotated[
        str | None, typer.Option(help=N_("with --role technician: the technician id the key clocks as"))
    ] = None,
    db: DbOption = "sqlite:///bayplan.db",
) -> None:
    try:
        key, info = _keys(db).create(role, workshop, label, technician)
    except InputError as exc:
        raise fail(f"--{exc.field.rstrip('s')}: {exc.reason}") from None
    typer.echo(key)
    said = _("id %(id)s · role %(role)s · workshops %(workshops)s", id=info.id, role=info.role.value,
             workshops=", ".join(info.workshops))  # fmt: skip
    if info.technician is not None:  # whose key it is, as the API's 201 and `keys list` say (mend-s18)
        said += _(" · technician %(technician)s", technician=info.technician)
    typer.echo(said, err=True)


@keys_app.command("list", help=N_("List keys (ids, roles, workshops; never the keys themselves)."))
def keys_list(db: DbOption = "sqlite:///bayplan.db") -> None:
    from rich.cells import cell_len

    rows = []
    for info in _keys(db).list():
        state = _("revoked %(date)s", date=f"{info.revoked_at:%Y-%m-%d}") if info.revoked_at else _("active")
        # A technician key's technician after its workshop (walk-s17 C13: whose key it is).
        scope = ",".join(info.workshops) + (f"/{info.technician}" if info.technician else "")
        rows.append((info.id, info.role.value, scope, state, info.label or ""))
    # Columns as wide as their longest entry (at least 8 and 20, as before): a long workshop list
    # or "technician" shifted the rest of its line (walk-s17 C14); a Chinese state is 2 cells a character.
    role_width = max([8, *(len(row[1]) for row in rows)])
    scope_width = max([20, *(len(row[2]) for row in rows)])
    state_width = max([0, *(cell_len(row[3]) for row in rows)])
    for key_id, role, scope, state, label in rows:
        padded = state + " " * (state_width - cell_len(state))
        typer.echo(f"{key_id}  {role:{role_width}} {scope:{scope_width}} {padded}  {label}")


@keys_app.command(
    "revoke", help=N_("Revoke a key: it stops working at once here, within 5 s in running servers.")
)
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help=N_("the key's id (from keys list)"))],
    db: DbOption = "sqlite:///bayplan.db",
) -> None:
    if not _keys(db).revoke(key_id):
        raise fail("key_id: " + N_("no key %(key_id)r") % {"key_id": key_id})


@app.command(help=N_("Print the JSON Schema of the v1 plan request, plan or re-plan request."))
def schema(
    which: Annotated[SchemaName, typer.Argument(help=N_("plan-request, plan or replan-request"))],
) -> None:
    from scheduler.contract import ReplanRequest

    models: dict[SchemaName, type[BaseModel]] = {SchemaName.plan_request: PlanRequest, SchemaName.plan: Plan}
    model = models.get(which, ReplanRequest)
    typer.echo(json.dumps(model.model_json_schema(), indent=2))


def _register_simulation() -> None:
    """`bayplan simulate` (cli/simulate.py) and `bayplan staff` (cli/staff.py): heavy imports deferred
    there."""
    from cli.simulate import register
    from cli.staff import register as register_staff

    register(app)
    register_staff(app)


_register_simulation()
register_data(app)  # workshop export|push, request, backup: cli/data.py
register_printing(app)  # print: job cards and day sheets as PDF, cli/printing.py
register_report(app)  # report: productivity from the clock, cli/report.py
register_replay_day(app)  # replay-day: the promise guard over replayed days, cli/replay_day.py


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
