"""Plain-file exchange with other tools: a plan as CSV (one row per placed operation), a day's
bookings as CSV (with its pickups: the cars from earlier days too, each row's listing in a last
column), bookings read from CSV (one booking request per row, each checked on its own, its line
number kept) and a technician's day as iCalendar. A bookings export reads back in as an import
(its id and promise ignored; a row listed from an earlier day refused, not booked again).
`import_file`, `day_bookings_csv` and `technician_feed` are the API's calls: each reads what it
needs from the planning service."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.contract import Assignment, Booking, Plan, Technician, Workshop, control_character
from scheduler.errors import Conflict, InputError, NotFound
from scheduler.i18n import DEFAULT, N_, Translator, normalise

if TYPE_CHECKING:  # the file formats alone (`bayplan plan --csv`) need no planning service
    from scheduler.service import PlanningService

PLAN_COLUMNS = ("booking", "operation", "bay", "technician", "start", "end")
"""The plan CSV's header: `operation` is the index into the service's operations (as in the v1
plan), `start` and `end` aware ISO 8601 instants in the workshop's local time."""

BOOKING_COLUMNS = (
    "service",
    "drop_off",
    "waiter",
    "fleet_partner",
    "priority",
    "customer",
    "vehicle",
    "phone",
    "plate",
    "model",
    "loan_car",
    "parts_eta",
)
"""The booking CSV's columns: `service` and `drop_off` are required, the rest optional."""
EXPORTED_COLUMNS = ("id", "promised")
"""Columns of a bookings export that an import reads past: a booked row gets a new id and its
promise from the fit check."""
EXPORT_COLUMNS = ("id", "service", "drop_off", "promised", "waiter", "fleet_partner", "priority",
                  "customer", "phone", "plate", "model", "vehicle", "loan_car", "parts_eta")  # fmt: skip
"""The bookings export's header (without `phone` for the roles that may not see phones)."""
LISTING_COLUMN = "listing"
"""The last column of a day's export with its pickups (`day_bookings_csv`): why the booking is on
the day's list, `PlanningService.day_bookings`' kind: "own" (dropped off that day), "carried_in" (a
multi-day repair of an earlier day with work that day), "pickup_only" (dropped off earlier, no work
that day, promised for pickup on it). An import books only the day's own rows."""
LISTINGS = ("own", "carried_in", "pickup_only")
AFTER_HOURS_COLUMN = "after_desk_hours"
"""The very last column of a day's export with its pickups, after `listing` (followups-s25): "true"
where the car is promised when the desk does not hand cars back (`capacity.after_desk_hours`: an
old promise kept as told), else "false". An import reads past it, as it does `id` and `promised`."""
NAME_COLUMN = "service_name"
"""A last column of a bookings export read in another language than English (zh-s28): the service's
name as the workshop gives it in that language (`Service.in_language`), for the person opening the
file; the columns before it are the contract, unchanged. An import reads past it."""
PLAN_NAME_COLUMNS = ("service_name", "operation_name", "technician_name")
"""The last columns of a plan CSV read in another language than English (zh-s28): the booking's
service, the operation and the technician by the names the workshop gives them in that language;
`PLAN_COLUMNS` before them unchanged (ids and indices, the contract)."""
IDEMPOTENCY_COLUMN = "idempotency_key"
"""An optional column: a row imported again with the same key is a replay, not a second booking."""
MAX_IDEMPOTENCY_KEY = 200
"""The longest idempotency key, as the Idempotency-Key header's (and the column storing it)."""
REQUIRED = ("service", "drop_off")
TEXT_COLUMNS = ("customer", "vehicle", "phone", "plate", "model")
"""The free texts of a booking."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
"""What makes a spreadsheet read a cell as a formula (OWASP's list), and the ' that quotes one."""


def spreadsheet_cell(text: str) -> str:
    """A text cell of a CSV export, an identifier as a free text: behind a ' (text, to a
    spreadsheet) where a spreadsheet would read it as a formula. Every CSV bayplan writes puts its
    texts through this one rule (the plan, the bookings, the productivity report, the history file):
    an identifier may start with '-' (`contract.Identifier`), a name or a customer's text with any
    of `FORMULA_STARTS`. `spreadsheet_text` reads the text back."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_text(cell: str) -> str:
    """The text of a cell `spreadsheet_cell` wrote (or a spreadsheet's user quoted): the ' before a
    formula's start taken off. Exact for an identifier, which holds no '; a text that starts with a
    ' went out behind another."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


MAX_ROWS = 2000
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


@dataclass(frozen=True)
class ShownNames:
    """What a plan CSV names in the reader's language (`PLAN_NAME_COLUMNS`): the day's workshop as
    its plans see it (`PlanningService.day_view`: a multi-day repair's part is a service of it) in
    that language (`Workshop.in_language`), and each booking's service code that day."""

    workshop: Workshop
    codes: Mapping[str, str]

    def row(self, a: Assignment) -> list[str]:
        service = self.workshop.service(self.codes.get(a.booking, ""))
        tech = next((t.name for t in self.workshop.technicians if t.id == a.technician), "")
        if service is None or not 0 <= a.operation < len(service.operations):
            return ["", "", spreadsheet_cell(tech)]
        return [
            spreadsheet_cell(service.name),
            spreadsheet_cell(service.operations[a.operation].name),
            spreadsheet_cell(tech),
        ]


def plan_csv(plan: Plan, newline: str = "\r\n", shown: ShownNames | None = None) -> str:
    """The plan's assignments as CSV (header `PLAN_COLUMNS`), in start order; with `shown`, the
    names a reader in another language reads in three last columns (`PLAN_NAME_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow([*PLAN_COLUMNS, *(PLAN_NAME_COLUMNS if shown else ())])
    for a in sorted(plan.assignments, key=lambda a: (a.start, a.bay or "", a.booking, a.operation)):
        # (no bay: clocked work whose bay is unknown, `Plan.clocked_bay_conflicts`: an empty cell)
        ids = (spreadsheet_cell(a.booking), spreadsheet_cell(a.bay or ""), spreadsheet_cell(a.technician))
        row = [ids[0], a.operation, ids[1], ids[2], a.start.isoformat(), a.end.isoformat()]
        writer.writerow([*row, *(shown.row(a) if shown else ())])
    return out.getvalue()


def day_plan_csv(service: PlanningService, workshop_id: str, date: dt.date, locale: str = DEFAULT) -> str:
    """The day's stored plan as CSV (`plan_csv`), with the names in `locale`'s language in last
    columns when it is not English (English: the contract's columns alone, as before)."""
    plan = service.stored_plan(workshop_id, date)
    if normalise(locale) in (None, DEFAULT):
        return plan_csv(plan)
    view, seen = service.day_view(workshop_id, date)
    return plan_csv(plan, shown=ShownNames(view.in_language(locale), {b.id: b.service for b in seen}))


def bookings_csv(
    bookings: Sequence[Booking],
    with_phone: bool,
    newline: str = "\r\n",
    names: Mapping[str, str] | None = None,
) -> str:
    """The bookings as CSV (header `EXPORT_COLUMNS`, `phone` only `with_phone`), by drop-off;
    times are aware ISO 8601 instants, `waiter` 1/0, an empty cell a field not given. With `names`
    (service code -> its name in the reader's language), a last column `NAME_COLUMN`."""
    columns = [c for c in EXPORT_COLUMNS if with_phone or c != "phone"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow([*columns, *([NAME_COLUMN] if names is not None else [])])
    for b in sorted(bookings, key=lambda b: (b.drop_off, b.id)):
        writer.writerow([*_export_row(b, columns), *_named(b, names)])
    return out.getvalue()


def listed_bookings_csv(
    listed: Sequence[tuple[Booking, str, bool]],
    with_phone: bool,
    newline: str = "\r\n",
    names: Mapping[str, str] | None = None,
) -> str:
    """The bookings as `bookings_csv` writes them, in the order given, each with its listing and
    whether it is promised after the desk's hours in two last columns (header `EXPORT_COLUMNS`,
    then `LISTING_COLUMN`, then `AFTER_HOURS_COLUMN`; then `NAME_COLUMN` with `names`)."""
    columns = [c for c in EXPORT_COLUMNS if with_phone or c != "phone"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(
        [*columns, LISTING_COLUMN, AFTER_HOURS_COLUMN, *([NAME_COLUMN] if names is not None else [])]
    )
    for b, listing, late in listed:
        writer.writerow([*_export_row(b, columns), listing, "true" if late else "false", *_named(b, names)])
    return out.getvalue()


def _named(b: Booking, names: Mapping[str, str] | None) -> list[str]:
    return [] if names is None else [spreadsheet_cell(names.get(b.service, ""))]


def service_names(workshop: Workshop, locale: str) -> dict[str, str] | None:
    """Each service code's name in `locale`'s language for a bookings export's `NAME_COLUMN`; None
    in English (the export's columns as before)."""
    if normalise(locale) in (None, DEFAULT):
        return None
    return {s.code: s.name for s in workshop.in_language(locale).services}


def _export_row(b: Booking, columns: Sequence[str]) -> list[str]:
    values = b.model_dump(include=set(columns))
    row = []
    for column in columns:
        value = values.get(column)
        if isinstance(value, bool):
            row.append("1" if value else "0")
        elif isinstance(value, dt.datetime):
            row.append(value.isoformat())
        else:
            row.append("" if value is None else spreadsheet_cell(str(value)))
    return row


def day_bookings_csv(
    service: PlanningService,
    workshop_id: str,
    date: dt.date,
    with_phone: bool,
    pickups: bool = False,
    locale: str = DEFAULT,
) -> str:
    """The day's bookings export: the bookings dropped off on `date` (`bookings_csv`). With
    `pickups`, what the foreman hands over that day (`listed_bookings_csv`): those, by drop-off,
    then the multi-day repairs of earlier days carried in to it, by drop-off, then the cars dropped
    off earlier and promised for pickup on it with no work that day, by promised pickup, each row's
    kind in a last but one column (`PlanningService.day_bookings`) and whether it is promised after the
    desk's hours in the last (`PlanningService.desk_list`). NotFound for an unknown workshop."""
    names = service_names(service.workshop(workshop_id), locale)  # (NotFound first, as before)
    if not pickups:
        return bookings_csv(service.bookings(workshop_id, date), with_phone, names=names)
    listed = service.desk_list(workshop_id, date, pickups=True)
    own = sorted((x for x in listed if x[1] == "own"), key=lambda x: (x[0].drop_off, x[0].id))
    return listed_bookings_csv(own + [x for x in listed if x[1] != "own"], with_phone, names=names)


@dataclass(frozen=True)
class BookingRow:
    """One data row of a booking CSV: its 1-based line number in the file and either the booking
    request's fields (with its idempotency key, if any) or why it cannot be one."""

    line: int
    fields: dict[str, object] | None
    idempotency_key: str | None = None
    problem: str | None = None


def _value(column: str, text: str) -> object:
    if column in ("waiter", "loan_car"):
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InputError(
            column, N_("expected 1/0, true/false or yes/no, got %(value)r") % {"value": text[:40]}
        )
    if column == "priority":
        try:
            return int(text)
        except ValueError:
            raise InputError(
                column, N_("expected a whole number, got %(text)r") % {"text": text[:40]}
            ) from None
    return spreadsheet_text(text.strip())  # an identifier or a text, quoted by an export


def _key_problem(key: str) -> str | None:
    """Why a bookings file's idempotency key is refused (None: it is not)."""
    if len(key) > MAX_IDEMPOTENCY_KEY:
        most = MAX_IDEMPOTENCY_KEY
        return N_("at most %(most)s characters, got %(count)s") % {"most": most, "count": len(key)}
    return control_character(key)


def _not_own(listing: str) -> InputError:
    """Why a row listed on the day from an earlier one (`LISTING_COLUMN`) is not booked again."""
    if listing in LISTINGS:
        return InputError(
            LISTING_COLUMN,
            N_("listed from an earlier day (%(listing)s), not booked again") % {"listing": listing},
        )
    return InputError(
        LISTING_COLUMN,
        N_("expected own, carried_in or pickup_only, got %(value)r") % {"value": listing[:40]},
    )


def _records(text: str) -> list[tuple[int, list[str]]]:
    """The CSV records with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    start = 1
    for record in reader:
        records.append((start, record))
        start = reader.line_num + 1
    return records


def read_booking_rows(text: str) -> list[BookingRow]:
    """The booking requests of a CSV file. The header is checked first (an unknown or missing
    column is an InputError naming it: nothing is read); each data row is then converted alone
    (a bad cell makes that row's `problem`); an empty cell leaves the field at its default."""
    try:
        rows = _records(text.lstrip("\ufeff"))
    except csv.Error as exc:
        raise InputError("body", N_("not CSV: %(exc)s") % {"exc": exc}) from None
    if not rows or not any(cell.strip() for cell in rows[0][1]):
        raise InputError("body", N_("empty: expected a header row, e.g. service,drop_off,waiter"))
    header = [cell.strip().lower() for cell in rows[0][1]]
    known = (*BOOKING_COLUMNS, IDEMPOTENCY_COLUMN)
    for column in header:
        if column not in known and column not in (
            *EXPORTED_COLUMNS,
            LISTING_COLUMN,
            AFTER_HOURS_COLUMN,
            NAME_COLUMN,
        ):
            raise InputError(
                f"header.{column[:40]}",
                N_("unknown column; expected some of %(join_known)s") % {"join_known": ", ".join(known)},
            )
    if len(set(header)) != len(header):
        raise InputError("header", N_("a column appears twice"))
    for column in REQUIRED:
        if column not in header:
            raise InputError(f"header.{column}", N_("missing column"))
    data = [(number, row) for number, row in rows[1:] if any(c.strip() for c in row)]
    if len(data) > MAX_ROWS:
        raise InputError(
            "body",
            N_("at most %(max_rows)s bookings per file, got %(len_data)s")
            % {"max_rows": MAX_ROWS, "len_data": len(data)},
        )
    found: list[BookingRow] = []
    for number, row in data:
        if len(row) != len(header):
            found.append(BookingRow(number, None, problem=f"{len(row)} cells, the header has {len(header)}"))
            continue
        cells = dict(zip(header, row, strict=True))
        key = cells.pop(IDEMPOTENCY_COLUMN, "").strip() or None
        # The Idempotency-Key header's length, and the rule of every text from outside (a key with
        # a tab or a line break is stored and shown back in the import's answer and replays).
        if key is not None and (why := _key_problem(key)) is not None:
            found.append(BookingRow(number, None, problem=f"{IDEMPOTENCY_COLUMN}: {why}"))
            continue
        for column in (*EXPORTED_COLUMNS, AFTER_HOURS_COLUMN, NAME_COLUMN):
            cells.pop(column, None)
        listing = cells.pop(LISTING_COLUMN, "").strip().lower()
        if listing not in ("", "own"):  # a day's export with its pickups: the day's own rows only
            found.append(BookingRow(number, None, problem=str(_not_own(listing))))
            continue
        try:
            fields = {c: _value(c, v) for c, v in cells.items() if v.strip()}
        except InputError as exc:
            found.append(BookingRow(number, None, problem=str(exc)))
            continue
        found.append(BookingRow(number, fields, key))
    return found


@dataclass(frozen=True)
class Imported:
    """What became of one row of an import: its booking (`replay`: booked by an earlier import
    with the same idempotency key), or why it was refused."""

    line: int
    booking: Booking | None = None
    replay: bool = False
    refusal: str | None = None


#: Between a refusal and the rule that refused it (a language's own colon).
COLON = N_(": ")


def import_rows(
    rows: Sequence[BookingRow],
    book: Callable[[dict[str, object], str | None], tuple[Booking, bool]],
    words: Callable[[str], str] = str,
) -> list[Imported]:
    """Each row booked on its own by `book` (fields, idempotency key -> the booking, whether it is
    new): a row is booked whole or refused with the reason, and a refusal stops no other row.
    `words` puts a reason in the reader's language (`Translator.phrase`), part by part."""
    done: list[Imported] = []
    for row in rows:
        if row.fields is None:
            column, sep, reason = (row.problem or "bad row").partition(": ")
            named = sep and " " not in column  # "waiter: …": the column as it is, the reason in words
            done.append(
                Imported(
                    row.line,
                    refusal=f"{column}: {words(reason)}" if named else words(row.problem or "bad row"),
                )
            )
            continue
        try:
            stored, created = book(row.fields, row.idempotency_key)
        except InputError as exc:
            done.append(Imported(row.line, refusal=f"{exc.field}: {words(exc.reason)}"))
        except Conflict as exc:
            why = words(str(exc))
            done.append(
                Imported(
                    row.line, refusal=why if exc.reason is None else why + words(COLON) + words(exc.reason)
                )
            )
        except NotFound as exc:
            done.append(Imported(row.line, refusal=words(N_("unknown %(what)s") % {"what": exc})))
        else:
            done.append(Imported(row.line, stored, replay=not created))
    return done


def technician_of(workshop: Workshop, technician_id: str) -> Technician:
    found = next((t for t in workshop.technicians if t.id == technician_id), None)
    if found is None:
        raise NotFound(N_("technician %(technician_id)r") % {"technician_id": technician_id})
    return found


def technician_ical(
    workshop: Workshop,
    technician: Technician,
    date: dt.date,
    plan: Plan,
    bookings: Sequence[Booking],
    stamp: dt.datetime,
    say: Callable[[str], str] = str,
    locale: str = DEFAULT,
    codes: Mapping[str, str] | None = None,
    carried: Collection[str] = (),
) -> bytes:
    """The technician's work in the plan as an iCalendar (RFC 5545) feed: one event per operation,
    in start order, with its booking, service, operation and bay; `stamp` is each event's DTSTAMP
    (the clock's now); `say` puts its words in the reader's language (`Translator.phrase`: "工位
    E01"), `locale` its names and labels (the calendar's, SUMMARY's, DESCRIPTION's: the workshop's,
    technician's, service's and operation's names in that language where given).

    `workshop` is the day as its plans see it (`PlanningService.day_view`: a multi-day repair's day
    is a part service of it) and `codes` each booking's service code that day (default: as booked),
    so that a repair carried over from an earlier day (`carried`, its id) names its work as the
    drop-off day does, not by its id alone. `bookings` as booked (their own drop-off and promise).
    DESCRIPTION: service, operation, vehicle (plate, model, the vehicle's text), promised pickup
    and technician, a carried-in repair's drop-off; no customer's name or phone (a feed is read by
    calendar apps and their sync services). Texts from outside go through `vText` (RFC 5545 3.3.11:
    "," ";" "\\" and line breaks escaped)."""
    from icalendar import Calendar, Event, vText  # only this feed needs it

    # the names the technician reads in his language (`locale`; English: `name`), ids unchanged
    workshop = workshop.in_language(locale)
    technician = technician_of(workshop, technician.id)
    t = Translator(locale)
    services = {s.code: s for s in workshop.services}
    booked = {b.id: b for b in bookings}
    calendar = Calendar()
    calendar.add("prodid", "-//bayplan//technician day//EN")
    calendar.add("version", "2.0")
    # As text (escaped: a line break in a name stays in its line); an X- property is otherwise raw.
    calendar.add("x-wr-calname", vText(f"{technician.name} · {workshop.name} · {date}"))
    for a in sorted(plan.assignments, key=lambda a: a.start):
        if a.technician != technician.id:
            continue
        booking = booked.get(a.booking)
        code = (codes or {}).get(a.booking) or (booking.service if booking is not None else None)
        service = services.get(code) if code is not None else None
        operation = (
            service.operations[a.operation] if service and a.operation < len(service.operations) else None
        )
        what = a.booking
        if service is not None and operation is not None:
            what = f"{a.booking} · {service.name}: {operation.name}"
        lines = []
        if service is not None:
            lines.append(_field(t, N_("Service"), service.name))
        if operation is not None:
            lines.append(_field(t, N_("Operation"), operation.name))
        if booking is not None:
            vehicle = " · ".join(v for v in (booking.plate, booking.model, booking.vehicle) if v)
            if vehicle:
                lines.append(_field(t, N_("Vehicle"), vehicle))
            if booking.promised is not None:
                lines.append(_field(t, N_("Promised pickup"), _when(t, booking.promised, workshop, date)))
        lines.append(_field(t, N_("Technician"), technician.name))
        if booking is not None and a.booking in carried:  # a repair dropped off on an earlier day
            day = t.short_day(booking.drop_off.astimezone(workshop.tz).date())
            what = t.gettext(N_("%(summary)s (carried in from %(day)s)"), summary=what, day=day)
            lines.append(_field(t, N_("Drop-off"), _when(t, booking.drop_off, workshop, date)))
        event = Event()
        event.add("uid", f"{workshop.id}/{date}/{a.booking}/{a.operation}@bayplan")
        event.add("dtstamp", stamp.astimezone(dt.UTC))
        event.add("dtstart", a.start.astimezone(dt.UTC))
        event.add("dtend", a.end.astimezone(dt.UTC))
        event.add("summary", what)
        event.add("description", vText("\n".join(lines)))
        if a.bay is not None:  # (clocked work of unknown bay: no location)
            event.add("location", say(N_("bay %(bay)s") % {"bay": a.bay}))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


#: One line of a feed's DESCRIPTION: a label and its value ("承诺交车：17:30").
FIELD = N_("%(label)s: %(value)s")


def _field(t: Translator, label: str, value: str) -> str:
    return t.gettext(FIELD, label=t.gettext(label), value=value)


def _when(t: Translator, moment: dt.datetime, workshop: Workshop, date: dt.date) -> str:
    """A moment as the feed's reader reads it on the workshop's clock: "17:30" on `date`, with its
    day on another ("11月25日 周三 17:30")."""
    local = moment.astimezone(workshop.tz)
    clock = t.time(local)
    return clock if local.date() == date else f"{t.short_day(local.date())} {clock}"


def import_file(
    service: PlanningService,
    workshop_id: str,
    text: str,
    key_id: str | None,
    now: dt.datetime | None = None,
    words: Callable[[str], str] = str,
) -> list[Imported]:
    """A bookings CSV file booked row by row (`import_rows`) through the booking desk
    (`PlanningService.book_request`, as key `key_id`, at `now`): NotFound for an unknown workshop
    before the file is read, and an InputError for its header (nothing booked)."""
    service.workshop(workshop_id)
    rows = read_booking_rows(text)
    return import_rows(
        rows,
        lambda fields, idem: service.book_request(workshop_id, fields, idem, key_id, now, as_shown=False),
        words,
    )


def technician_feed(
    service: PlanningService,
    workshop_id: str,
    technician_id: str,
    date: dt.date,
    say: Callable[[str], str] = str,
    locale: str = DEFAULT,
) -> bytes:
    """The technician's day in the stored plan as iCalendar (`technician_ical`, stamped with the
    service's clock, its names in `locale`'s language): NotFound for an unknown workshop,
    technician or plan, in that order."""
    workshop = service.workshop(workshop_id)
    technician = technician_of(workshop, technician_id)
    plan = service.stored_plan(workshop_id, date)
    listed = service.day_bookings(workshop_id, date)
    carried = {b.id for b, listing in listed if listing == "carried_in"}
    codes: dict[str, str] | None = None
    if carried:  # a repair carried in works on its part of the day (a drop-off day's part counts from 0)
        workshop, seen = service.day_view(workshop_id, date)
        codes = {b.id: b.service for b in seen}
    return technician_ical(
        workshop,
        technician,
        date,
        plan,
        [b for b, _ in listed],
        service.clock.now(),
        say,
        locale,
        codes=codes,
        carried=carried,
    )
