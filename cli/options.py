"""Parsing of options shared by several commands (one place for each rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.i18n import N_, _, current
from scheduler.contract import FIRST_DATE, LAST_DATE
from scheduler.errors import InputError
from scheduler.i18n import DEFAULT, Translator

if TYPE_CHECKING:
    from scheduler.storage import Store

EXPECTED_DATE = N_("expected YYYY-MM-DD, got %(value)s")
NO_SUCH_DAY = N_("no such day: %(value)s")
NO_FOLDER = N_("no folder %(path)s")


def no_database_file(path: str | Path) -> str | None:
    """Why an SQLite --db file at `path` cannot be opened (a directory, or nothing there), or None."""
    if Path(path).is_dir():  # said as such: "no database file" for a directory that is there (review-s25)
        return N_("%(path)r is a directory, not a database file") % {"path": str(path)}
    if not Path(path).is_file():
        return N_("no database file %(path)r") % {"path": str(path)}
    return None


def fail(message: str | InputError, code: int = 2, source: str | Path | None = None) -> typer.Exit:
    """Say what was wrong on stderr, in the command's language (the option or field named first
    stays as it is), and exit `code`. An input file's error (`InputError.source`, or `source`) is
    named by its path first, as it is: a path is no field, and one with a space in it once left the
    reason after it in English."""
    t = current()
    if isinstance(message, InputError):
        source = message.source if message.source is not None else source
        message = f"{message.field}: {message.reason}"
    said = _phrased(message, t.phrase)
    if source is not None:
        said = f"{source}: {said}"
    typer.echo(_("bayplan: error: %(reason)s", reason=said), err=True)
    return typer.Exit(code=code)


def _phrased(message: str, phrase: Callable[[str], str], depth: int = 3) -> str:
    """`message` in the language, the names it starts with as they are: an option or field
    ("--date: …", "SCENARIO: …", "rules[0]: …"), and an input file's error its path, then the field
    ("request.json: workshop.services[2].code: …")."""
    field, sep, reason = message.partition(": ")
    if not sep or " " in field or depth == 0:
        return phrase(message)
    said, inner = phrase(reason), _phrased(reason, phrase, depth - 1)
    # The reading that leaves fewer English letters: the reason whole ("%(url)s: not found …"), or
    # a field in front of it ("bookings[0].drop_off: Input should be …", which read whole was only
    # read in part, after its last comma).
    return f"{field}: {inner if _latin(inner) < _latin(said) else said}"


def _latin(text: str) -> int:
    return sum(char.isascii() and char.isalpha() for char in text)


def flagged(exc: InputError, flags: Mapping[str, str]) -> str | InputError:
    """The error as the command line says it: naming the option (`flags`: a field's first name to
    the option that sets it, `rules[1]` -> `--rules`), not the field; errors from files as they are."""
    flag = flags.get(exc.field.split("[", 1)[0]) if exc.source is None else None
    return exc if flag is None else f"{flag}: {exc.reason}"


def parse_date(value: str, flag: str = "--date") -> dt.date:
    """A date option (`flag`): YYYY-MM-DD within the dates the contract accepts."""
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        # Written right but not on the calendar (2026-02-30): say so, not "expected YYYY-MM-DD".
        shaped = len(value) == 10 and value[4] == value[7] == "-" and value.replace("-", "").isdigit()
        template = NO_SUCH_DAY if shaped else EXPECTED_DATE
        raise InputError(flag, template % {"value": repr(value)}) from None
    if not FIRST_DATE <= date <= LAST_DATE:
        raise InputError(
            flag,
            N_("must be between %(first)s and %(last)s, got %(value)s")
            % {"first": FIRST_DATE, "last": LAST_DATE, "value": date},
        )
    return date


def check_run_options(replications: int, workers: int, seed: int) -> None:
    """The simulation commands' `--replications`, `--workers` and `--seed`."""
    if not 1 <= replications <= 10_000:
        raise InputError("--replications", N_("must be %(low)s..%(high)s") % {"low": 1, "high": 10_000})
    if not 1 <= workers <= 256:
        raise InputError("--workers", N_("must be %(low)s..%(high)s") % {"low": 1, "high": 256})
    if seed < 0:
        raise InputError("--seed", N_("must not be negative"))


def db_failure(db: str, exc: Exception) -> typer.Exit:
    """A database that cannot be opened or read (a bad URL, a missing driver, a file that is no
    database, a server that does not answer): one line naming --db, not the driver's traceback."""
    # SQLite's own words ("unable to open database file") do not say why: a missing folder, a directory
    file = _sqlite_file(db)
    if file is not None and not file.parent.is_dir():
        return fail("--db: " + NO_FOLDER % {"path": str(file.parent)})
    if file is not None and file.is_dir():
        return fail("--db: " + (no_database_file(file) or ""))
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    said = N_("cannot open %(db)r: %(reason)s") % {"db": db, "reason": reason}
    return fail(f"--db: {said}")


def _sqlite_file(db: str) -> Path | None:
    """An SQLite URL's file (None: not SQLite, in memory, or no URL)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db)
    except ArgumentError:
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def open_store(db: str) -> Store:
    """`--db` opened (and migrated); `db_failure` if it cannot be."""
    from sqlalchemy.exc import SQLAlchemyError

    from scheduler.storage import Store

    try:
        return Store(db)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        raise db_failure(db, exc) from None


def write_out(option: str, path: Path, content: str | bytes) -> None:
    """Write an output file given by `option` (--out, --report, --write-rules); a folder, a missing
    folder or no permission is one line naming the option, not an OSError's traceback."""
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    except OSError as exc:
        why = exc.strerror or str(exc)
        said = N_("cannot write %(path)s: %(why)s") % {"path": path, "why": why}
        raise fail(f"{option}: {said}") from None


def policy_said(policy: str, t: Translator) -> str:
    """A dispatch policy in a results heading: as typed (`--policy fcfs`) in English, in words in
    another language ("先到先服务": a foreman does not read "fcfs")."""
    from simulation.units import policy_words

    return policy if t.locale == DEFAULT else policy_words(policy, t)
