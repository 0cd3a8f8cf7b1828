"""Data in and out of bayplan: a scenario's workshop as v1 JSON (printed, or PUT to a server), a
scenario day's v1 plan request, and an online backup of the SQLite database."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.i18n import N_, _, current
from cli.options import NO_FOLDER, fail, no_database_file, parse_date, write_out
from scheduler.errors import InputError

if TYPE_CHECKING:
    import httpx

    from scheduler.contract import Workshop
    from scheduler.scenarios import Scenario

KEY_ENVIRONMENT = "BAYPLAN_KEY"

workshop_app = typer.Typer(help=N_("A scenario's workshop as v1 JSON: print it, or push it to a server."))


def _scenario(name: str) -> Scenario:
    from scheduler.scenarios import load_scenario

    try:
        return load_scenario(name)
    except InputError as exc:
        raise fail(exc) from None


def _emit(text: str, out: Path | None) -> None:
    if out is not None:
        write_out("--out", out, text + "\n")
    else:
        typer.echo(text)


ScenarioArgument = Annotated[str, typer.Argument(help=N_("bundled scenario name or scenario directory"))]
OutOption = Annotated[Path | None, typer.Option("--out", help=N_("write to this file instead of stdout"))]


@workshop_app.command(
    "export", help=N_("Print the scenario's workshop as v1 JSON (the body of PUT /v1/workshops/{id}).")
)
def workshop_export(scenario: ScenarioArgument, out: OutOption = None) -> None:
    _emit(_scenario(scenario).workshop.model_dump_json(indent=2), out)


def _transport() -> httpx.BaseTransport | None:
    """The HTTP transport for `push` (None: the network; tests put a mock here)."""
    return None


def push_workshop(
    workshop: Workshop,
    url: str,
    key: str | None,
    force: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Response:
    """PUT the workshop to the server at `url` (its base address) with the API key `key`."""
    import httpx

    from scheduler.i18n import html_lang

    # The server answers in the command's language (a 409's reasons, a 422's messages).
    headers = {"content-type": "application/json", "accept-language": html_lang(current().locale)}
    if key:
        headers["X-API-Key"] = key
    with httpx.Client(base_url=url.rstrip("/"), transport=transport, timeout=60) as client:
        return client.put(
            f"/v1/workshops/{workshop.id}",
            content=workshop.model_dump_json(),
            headers=headers,
            params={"force": "true"} if force else None,
        )


@workshop_app.command(
    "push", help=N_("PUT the scenario's workshop to a bayplan server (a manager's API key in BAYPLAN_KEY).")
)
def workshop_push(
    scenario: ScenarioArgument,
    url: Annotated[
        str, typer.Option("--url", help=N_("the server's base address, e.g. http://127.0.0.1:8000"))
    ],
    force: Annotated[
        bool, typer.Option("--force", help=N_("accept a change that breaks accepted bookings (kept at risk)"))
    ] = False,
) -> None:
    import httpx

    from scheduler.unreachable import connection_problem

    if not url.startswith(("http://", "https://")):
        raise fail("--url: " + N_("expected http:// or https://, got %(value)r") % {"value": url})
    workshop = _scenario(scenario).workshop
    try:
        response = push_workshop(workshop, url, os.environ.get(KEY_ENVIRONMENT), force, _transport())
    except (
        httpx.InvalidURL,
        ValueError,
    ) as exc:  # 'http://[::1', IDNA's 'xn--': tracebacks before (hostile-s40)
        raise fail("--url: " + _("not a URL: %(url)s (%(problem)s)", url=url, problem=str(exc))) from None
    except httpx.HTTPError as exc:
        raise fail(
            "--url: "
            + N_("cannot reach %(url)s: %(problem)s") % {"url": url, "problem": connection_problem(exc)},
            code=1,
        ) from None
    if response.status_code == 200:
        where = f"{url.rstrip('/')}/v1/workshops/{workshop.id}"
        typer.echo(_("workshop %(id)s stored at %(url)s", id=workshop.id, url=where))
        return
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    if response.status_code in (401, 403):
        said = N_("%(detail)s (a manager's key in %(variable)s)") % {
            "detail": detail,
            "variable": KEY_ENVIRONMENT,
        }
        raise fail(f"{response.status_code}: {said}", code=1)
    if response.status_code == 409:
        broken = response.json().get("bookings", [])
        for item in broken:
            reasons = _("; ").join(item.get("reasons", []))
            booking, date = item.get("booking"), item.get("date")
            said = _("%(booking)s on %(date)s: %(reasons)s", booking=booking, date=date, reasons=reasons)
            typer.echo(f"  {said}", err=True)
        if force or not response.json().get("forceable", True):
            raise fail(f"409: {detail}", code=1)  # force does not lift it: no hint to use it
        raise fail("409: " + N_("%(detail)s (--force keeps them, at risk)") % {"detail": detail}, code=1)
    raise fail(f"{response.status_code}: {detail}", code=2 if response.status_code == 422 else 1)


REQUEST_HELP = N_("Print a scenario day's v1 plan request (the `request` of a `bayplan replan` input).")


def request(
    scenario: ScenarioArgument,
    date: Annotated[str, typer.Option("--date", help=N_("the day, YYYY-MM-DD"))],
    seed: Annotated[int, typer.Option(min=0, help=N_("seed of the scenario's bookings generator"))] = 0,
    scale: Annotated[float, typer.Option(min=0.01, max=10.0, help=N_("demand factor (1.3 = peak)"))] = 1.0,
    out: OutOption = None,
) -> None:
    from scheduler.demand import day_request

    try:
        day = parse_date(date)
    except InputError as exc:
        raise fail(exc) from None
    made = day_request(_scenario(scenario), day, seed=seed, scale=scale)
    _emit(made.model_dump_json(indent=2), out)


BACKUP_HELP = N_(
    "Copy the SQLite database while the service runs (SQLite's online backup); restore by "
    "serving the copy (`bayplan serve --db sqlite:///COPY`). For PostgreSQL it says how to use pg_dump."
)


def backup(
    db: Annotated[str, typer.Option("--db", help=N_("database URL"))] = "sqlite:///bayplan.db",
    out: Annotated[Path, typer.Option("--out", help=N_("the backup file to write"))] = Path(
        "bayplan-backup.db"
    ),
) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db)
    except ArgumentError:
        raise fail("--db: " + N_("not a database URL: %(db)r") % {"db": db}) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        plain = url.set(drivername="postgresql").render_as_string(hide_password=True)
        said = _(
            "bayplan: PostgreSQL is backed up with its own tools, e.g.\n"
            "  pg_dump --format=custom --file=%(out)s '%(url)s'\n"
            "and restored with pg_restore --clean --dbname='%(url)s' %(out)s\n"
            "with every bayplan server stopped (a running one keeps what it read before)",
            out=out, url=plain,
        )  # fmt: skip
        typer.echo(said, err=True)
        raise typer.Exit(code=2)
    if backend != "sqlite":
        raise fail("--db: " + N_("backs up SQLite databases only, not %(backend)s") % {"backend": backend})
    if not url.database or url.database == ":memory:":
        raise fail(
            "--db: " + N_("an SQLite file is needed, e.g. %(example)s") % {"example": "sqlite:///bayplan.db"}
        )
    source = Path(url.database)
    if why := no_database_file(source):
        raise fail("--db: " + why)
    if out.resolve() == source.resolve():
        raise fail("--out: " + N_("is the database itself"))
    if not out.parent.is_dir():  # the user's mistake, named; not a failed backup
        raise fail("--out: " + NO_FOLDER % {"path": str(out.parent)})
    partial = out.with_name(out.name + ".partial")
    try:
        src, dst = sqlite3.connect(source), sqlite3.connect(partial)
        try:
            src.backup(dst)  # page by page, consistent while the service writes
        finally:
            dst.close()
            src.close()
        os.replace(partial, out)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise fail(N_("backup failed: %(why)s") % {"why": exc}, code=1) from None
    typer.echo(_("backed up %(source)s to %(out)s", source=source, out=out), err=True)


def register(app: typer.Typer) -> None:
    """Add `workshop export|push`, `request` and `backup` to the `bayplan` command."""
    app.add_typer(workshop_app, name="workshop", no_args_is_help=True)
    app.command("request", help=REQUEST_HELP)(request)
    app.command("backup", help=BACKUP_HELP)(backup)
