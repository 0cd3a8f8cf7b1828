"""A workshop's own history: one row per repair order, read from a CSV export (or .csv.gz).

The format (UTF-8, a header row, any column order):

| column | required | meaning |
|---|---|---|
| order_id | yes | the repair order's id (unique) |
| arrived_at | yes | aware ISO 8601 time the vehicle was dropped off (for a no-show: the booked time) |
| service | yes | the workshop's service code (or a DMS labour-operation code mapped by the mapping file) |
| booked | yes | 0/1: came on a booking |
| waiter | yes | 0/1: the customer waited for the car |
| fleet_partner | yes | the fleet partner's name, empty for private customers |
| kept | no | 0/1, default 1: 0 is a booking that did not come (a no-show; no work done) |
| advisor | no | the service advisor who received the vehicle |
| promised_at | no | aware ISO 8601 promised pickup |
| started_at | no | aware ISO 8601 start of the first operation |
| finished_at | no | aware ISO 8601 end of the last operation |
| clocked_minutes | no | minutes the technicians clocked on the order (its work content) |
| technician | no | the id of the technician who did the (first) work, as in workshop.toml |

A mapping file (TOML) lets a DMS export load as it is:

    timezone = "Asia/Shanghai"        # for times without an offset (else they are an error)
    true_values = ["1", "Y", "yes"]   # what counts as 1 in the 0/1 columns (default 1/true/yes/y)
    [columns]                         # bayplan name = the export's header
    order_id = "RO No."
    arrived_at = "Open Date"
    [services]                        # the export's labour-operation code = bayplan service code
    "LOF-01" = "LUBE"

Every bad row is reported with its line number and field; nothing is imported unless every row is
good, or `skip_bad` is set, in which case the bad rows are left out and counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import InputError
from scheduler.exchange import spreadsheet_cell, spreadsheet_text
from scheduler.i18n import N_
from scheduler.scenarios import parse_toml

REQUIRED = ("order_id", "arrived_at", "service", "booked", "waiter", "fleet_partner")
OPTIONAL = (
    "kept",
    "advisor",
    "promised_at",
    "started_at",
    "finished_at",
    "clocked_minutes",
    "technician",
)
COLUMNS = REQUIRED + OPTIONAL
SYNTHETIC_NOTE = "SYNTHETIC"
"""Bundled histories are synthetic; the word is in their file name's comment row and in every output."""

#: How many bad rows an error message lists before it says "and N more".
SHOW_ERRORS = 20


@dataclass(frozen=True, slots=True)
class Order:
    """One repair order (or one booking that did not come, `kept` False)."""

    order_id: str
    arrived_at: dt.datetime
    service: str
    booked: bool
    waiter: bool
    fleet_partner: str = ""
    kept: bool = True
    advisor: str = ""
    promised_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    clocked_minutes: float | None = None
    technician: str = ""


@dataclass(frozen=True)
class Mapping:
    """How an export's columns and codes map onto the format."""

    columns: dict[str, str] = field(default_factory=dict)  # bayplan column -> export header
    services: dict[str, str] = field(default_factory=dict)  # export code -> bayplan service code
    timezone: str | None = None
    true_values: tuple[str, ...] = ("1", "true", "yes", "y")
    false_values: tuple[str, ...] = ("0", "false", "no", "n", "")


def load_mapping(path: str | Path) -> Mapping:
    """A mapping file; unknown keys or columns are an InputError naming the key."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("mapping", N_("no mapping file %(path)r") % {"path": source}) from None
    except OSError as exc:  # a folder of that name, no permission
        raise InputError(
            "mapping", N_("cannot read %(path)r: %(why)s") % {"path": source, "why": exc.strerror}
        ) from None
    data = parse_toml(raw, source)
    known = {"columns", "services", "timezone", "true_values", "false_values"}
    for key in data:
        if key not in known:
            raise InputError(
                key, N_("unknown key (known: %(known)s)") % {"known": ", ".join(sorted(known))}, source
            )
    columns = data.get("columns", {})
    for key, value in columns.items():
        if key not in COLUMNS:
            raise InputError(
                f"columns.{key}",
                N_("not a history column (one of %(known)s)") % {"known": ", ".join(COLUMNS)},
                source,
            )
        if not isinstance(value, str):
            raise InputError(f"columns.{key}", N_("expected the export's column header as a string"), source)
    services = data.get("services", {})
    for key, value in services.items():
        if not isinstance(value, str):
            raise InputError(f"services.{key}", N_("expected a bayplan service code"), source)
    timezone = data.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                "timezone", N_("unknown time zone %(zone)r") % {"zone": timezone}, source
            ) from None
    out = Mapping(columns=dict(columns), services=dict(services), timezone=timezone)
    for key in ("true_values", "false_values"):
        if key in data:
            values = data[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InputError(key, N_("expected a list of strings"), source)
            lowered = tuple(v.strip().lower() for v in values)
            out = (
                replace(out, true_values=lowered)
                if key == "true_values"
                else replace(out, false_values=lowered)
            )
    return out


@dataclass(frozen=True)
class BadRow:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return N_("line %(line)s, %(column)s: %(reason)s") % {
            "line": self.line,
            "column": self.field,
            "reason": self.reason,
        }


@dataclass
class History:
    """The orders of a history file, in arrival order, and what was left out."""

    orders: list[Order]
    source: str = ""
    skipped: list[BadRow] = field(default_factory=list)
    synthetic: bool = False

    def by_day(self, tz: dt.tzinfo) -> dict[dt.date, list[Order]]:
        """Orders by the local date of their arrival (no-shows included: `kept` False)."""
        days: dict[dt.date, list[Order]] = {}
        for o in self.orders:
            days.setdefault(o.arrived_at.astimezone(tz).date(), []).append(o)
        return days

    def between(self, first: dt.date | None, last: dt.date | None, tz: dt.tzinfo) -> History:
        """The orders that arrived from `first` to `last` (local dates, both included)."""
        keep = [
            o
            for o in self.orders
            if (first is None or o.arrived_at.astimezone(tz).date() >= first)
            and (last is None or o.arrived_at.astimezone(tz).date() <= last)
        ]
        return History(keep, self.source, self.skipped, self.synthetic)


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _not_a_history_file(p: Path) -> str | None:
    """What is wrong with `p` as a history file to read (the path as the user gave it), None when it
    is a regular file: not there, a directory, a device (/dev/null), a named pipe (each worker
    process reads the file again: a pipe gives its rows once), or another kind of file. An empty
    regular file is read, and said to be empty (`read_history`)."""
    try:
        mode = p.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return N_("no history file %(path)r") % {"path": str(p)}
    except OSError as exc:  # no permission to look, a name too long, a loop of links
        return N_("%(path)r cannot be read: %(why)s") % {"path": str(p), "why": exc.strerror or exc}
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return N_("%(path)r is a directory, not a history file") % {"path": str(p)}
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return N_("%(path)r is a device, not a history file") % {"path": str(p)}
    if stat.S_ISFIFO(mode):
        return N_("%(path)r is a named pipe, not a history file: it is read more than once, give a file") % {
            "path": str(p)
        }
    return N_("%(path)r is not a regular file, not a history file") % {"path": str(p)}


def load_history(
    path: str | Path,
    *,
    mapping: Mapping | None = None,
    services: Iterable[str] | None = None,
    skip_bad: bool = False,
) -> History:
    """Read a history file; every bad row is an error (line and field) unless `skip_bad`.

    `services` are the scenario's service codes: a code outside them (after mapping) is a bad row.
    """
    p = Path(path)
    wrong = _not_a_history_file(p)
    if wrong is not None:
        raise InputError("history", wrong)
    try:
        with _open_text(p) as handle:
            return read_history(handle, mapping=mapping, services=services, skip_bad=skip_bad, source=str(p))
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise InputError(
            "history", N_("%(path)s: not a UTF-8 CSV file (%(why)s)") % {"path": p, "why": exc}
        ) from None


def read_history(
    handle: Iterable[str],
    *,
    mapping: Mapping | None = None,
    services: Iterable[str] | None = None,
    skip_bad: bool = False,
    source: str = "history",
) -> History:
    m = mapping or Mapping()
    known = set(services) if services is not None else None
    lines = iter(handle)
    synthetic = False
    # Comment lines (starting '#') before the header are allowed: the bundled file says it is synthetic.
    buffered: list[str] = []
    line_no = 0
    for text in lines:
        line_no += 1
        if text.startswith("#"):
            synthetic = synthetic or SYNTHETIC_NOTE in text.upper()
            continue
        buffered.append(text)
        break
    first_line = line_no
    reader = csv.reader(_chain(buffered, lines))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("history", N_("%(path)s: empty file (no header row)") % {"path": source}) from None
    header = [h.strip() for h in header]
    index: dict[str, int] = {}
    for name in COLUMNS:
        wanted = m.columns.get(name, name)
        if wanted in header:
            index[name] = header.index(wanted)
        elif name in REQUIRED:
            raise InputError(
                f"columns.{name}",
                N_("%(path)s: no column %(column)r in the header (have %(known)s)")
                % {"path": source, "column": wanted, "known": ", ".join(header)},
            )
    zone = ZoneInfo(m.timezone) if m.timezone else None
    orders: list[Order] = []
    bad: list[BadRow] = []
    seen: set[str] = set()
    true_values, false_values = set(m.true_values), set(m.false_values)
    for n, row in enumerate(reader):
        line = first_line + 1 + n
        if not row or all(not c.strip() for c in row):
            continue
        try:
            order = _parse_row(row, index, m, zone, known, true_values, false_values, line)
        except _Bad as exc:
            bad.append(BadRow(line, exc.field, exc.reason))
            continue
        if order.order_id in seen:
            bad.append(BadRow(line, "order_id", N_("duplicate order id %(id)r") % {"id": order.order_id}))
            continue
        seen.add(order.order_id)
        orders.append(order)
    if bad and not skip_bad:
        values = {"path": source, "count": len(bad), "rows": "; ".join(str(b) for b in bad[:SHOW_ERRORS])}
        if len(bad) <= SHOW_ERRORS:
            said = N_(
                "%(path)s: %(count)s bad row(s), nothing imported (--skip-bad leaves them out): %(rows)s"
            )
        else:
            values["more"] = len(bad) - SHOW_ERRORS
            said = N_(
                "%(path)s: %(count)s bad row(s), nothing imported (--skip-bad leaves them out): %(rows)s; and"
                " %(more)s more"
            )
        raise InputError("history", said % values)
    orders.sort(key=lambda o: (o.arrived_at, o.order_id))
    return History(orders, source, bad, synthetic)


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


class _Bad(Exception):
    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason


def _parse_row(
    row: list[str],
    index: dict[str, int],
    m: Mapping,
    zone: ZoneInfo | None,
    known: set[str] | None,
    true_values: set[str],
    false_values: set[str],
    line: int,
) -> Order:
    def cell(name: str) -> str:
        i = index.get(name)
        if i is None:
            return ""
        if i >= len(row):
            raise _Bad(name, N_("missing (the row has %(count)s fields)") % {"count": len(row)})
        return spreadsheet_text(row[i].strip())  # as `write_history` quoted it for a spreadsheet

    def flag(name: str, default: bool | None = None) -> bool:
        text = cell(name).lower()
        if text == "" and default is not None:
            return default
        if text in true_values:
            return True
        if text in false_values and text != "":
            return False
        raise _Bad(name, N_("expected 0 or 1, got %(value)r") % {"value": cell(name)})

    def when(name: str, required: bool = False) -> dt.datetime | None:
        text = cell(name)
        if not text:
            if required:
                raise _Bad(name, N_("missing"))
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise _Bad(name, N_("not an ISO 8601 time: %(value)r") % {"value": text}) from None
        if value.tzinfo is None:
            if zone is None:
                raise _Bad(
                    name,
                    N_("no UTC offset in %(value)r (or set timezone in the mapping file)") % {"value": text},
                )
            value = value.replace(tzinfo=zone)
        return value

    order_id = cell("order_id")
    if not order_id:
        raise _Bad("order_id", N_("missing"))
    arrived = when("arrived_at", required=True)
    assert arrived is not None
    code = cell("service")
    if not code:
        raise _Bad("service", N_("missing"))
    code = m.services.get(code, code)
    if known is not None and code not in known:
        raise _Bad(
            "service",
            N_("unknown service %(code)r (map it in the mapping file's [services])") % {"code": code},
        )
    clocked_text = cell("clocked_minutes")
    clocked: float | None = None
    if clocked_text:
        try:
            clocked = float(clocked_text)
        except ValueError:
            raise _Bad("clocked_minutes", N_("not a number: %(value)r") % {"value": clocked_text}) from None
        if not 0 <= clocked <= 100_000:
            raise _Bad("clocked_minutes", N_("must be 0..100000, got %(value)s") % {"value": clocked_text})
    order = Order(
        order_id=order_id,
        arrived_at=arrived,
        service=code,
        booked=flag("booked"),
        waiter=flag("waiter"),
        fleet_partner=cell("fleet_partner"),
        kept=flag("kept", default=True),
        advisor=cell("advisor"),
        promised_at=when("promised_at"),
        started_at=when("started_at"),
        finished_at=when("finished_at"),
        clocked_minutes=clocked,
        technician=cell("technician"),
    )
    if not order.kept and not order.booked:
        raise _Bad("kept", N_("only a booking can be a no-show (kept 0 needs booked 1)"))
    if order.started_at is not None and order.started_at < order.arrived_at:
        raise _Bad("started_at", N_("before arrived_at"))
    if order.finished_at is not None and order.finished_at < (order.started_at or order.arrived_at):
        raise _Bad("finished_at", N_("before started_at (or arrived_at)"))
    return order


def _iso(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="minutes")


def write_history(orders: Iterable[Order], handle: IO[str], *, comment: str = "") -> int:
    """Write orders in the format (every column); returns the number of rows. An identifier that
    a spreadsheet would read as a formula goes behind a ' (`spreadsheet_cell`), read back as it was."""
    for text in comment.splitlines():
        handle.write(f"# {text}\n")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for o in orders:
        writer.writerow(
            [
                spreadsheet_cell(o.order_id),
                _iso(o.arrived_at),
                spreadsheet_cell(o.service),
                int(o.booked),
                int(o.waiter),
                spreadsheet_cell(o.fleet_partner),
                int(o.kept),
                spreadsheet_cell(o.advisor),
                _iso(o.promised_at),
                _iso(o.started_at),
                _iso(o.finished_at),
                "" if o.clocked_minutes is None else f"{o.clocked_minutes:.1f}",
                spreadsheet_cell(o.technician),
            ]
        )
        n += 1
    return n
