"""Input errors that name the field and the reason (and the file, for scenario data), and the
service's other refusals: not found, and conflicts with what is stored."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from scheduler.contract import FieldValueError

if TYPE_CHECKING:
    from scheduler.contract import Booking
    from scheduler.offer import Offer


#: An input value bayplan repeats in its own error texts is cut to this many characters (then "…").
MAX_SHOWN = 80


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """`value` as text to repeat in an error message, at most `limit` characters and "…"."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


#: A quoted value (a repr: 'x' or "x") longer than MAX_SHOWN inside a message; a quote right after
#: a letter is an apostrophe ("the workshop's"), not an opening one.
_LONG_QUOTED = re.compile(
    rf"(?<!\w)'((?:[^'\\\n]|\\.){{{MAX_SHOWN + 1},}})'(?!\w)"
    rf'|(?<!\w)"((?:[^"\\\n]|\\.){{{MAX_SHOWN + 1},}})"(?!\w)'
)


def shorten_echoes(message: str) -> str:
    """`message` with every quoted value in it cut to MAX_SHOWN characters and "…" (a 5,000-character
    id or date in "unknown booking '…'" is not repeated whole)."""

    def cut(match: re.Match[str]) -> str:
        quote = "'" if match.group(1) is not None else '"'
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        return quote + shown(inner) + quote

    return _LONG_QUOTED.sub(cut, message)


class InputError(ValueError):
    """Bad input: `field` is a dotted path such as ``bookings[3].drop_off``."""

    placed = False
    """Whether the API already decided where the field is (`api.errors.located`): not located again."""

    def __init__(self, field: str, reason: str, source: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.source = source
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str | None]]:
        # Raised in worker processes (plans, simulations) and sent back pickled.
        return (InputError, (self.field, self.reason, self.source))

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.field}: {self.reason}"


def field_path(loc: Sequence[int | str]) -> str:
    """Turn a pydantic location ('bookings', 3, 'drop_off') into 'bookings[3].drop_off'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(root)"


def precise_loc(error: Mapping[str, Any]) -> tuple[int | str, ...]:
    """A pydantic error's location, down to the field a model's own check named (FieldValueError):
    ('workshop', 'bays', 0, 'kind') rather than the model ('workshop',)."""
    loc = tuple(error.get("loc", ()))
    found = (error.get("ctx") or {}).get("error")
    return (*loc, *found.loc) if isinstance(found, FieldValueError) else loc


def from_validation_error(error: ValidationError, source: str | None = None) -> InputError:
    """The first problem of a pydantic ValidationError as one precise InputError."""
    first = error.errors(include_url=False)[0]
    reason = str(first["msg"])
    if reason.startswith("Value error, "):
        reason = reason[len("Value error, ") :]
    found = (first.get("ctx") or {}).get("error")
    if isinstance(found, FieldValueError):
        # The text begins with the field's path inside the model ("bays[0].kind: …"): the field
        # is named once, in full, in front of the rest.
        for n in range(len(found.loc), 0, -1):
            prefix = field_path(found.loc[:n]) + ": "
            if reason.startswith(prefix):
                reason = reason[len(prefix) :]
                break
    return InputError(field_path(precise_loc(first)), reason, source)


class NotFound(LookupError):
    """A workshop, booking, plan or key that is not stored (404)."""


class Conflict(RuntimeError):
    """A change that does not fit what is stored (409): a booking that no longer fits the day
    (with the day's alternatives), an id that exists, a day changed while it was planned."""

    def __init__(
        self,
        message: str,
        alternatives: list[Offer],
        refused: Booking | None = None,
        reason: str | None = None,
        forceable: bool = True,
    ) -> None:
        super().__init__(message)
        self.alternatives = alternatives
        self.refused = refused
        """The booking that did not fit: alternatives are found after the lock is released."""
        self.reason = reason
        """Why it did not fit: the first front-desk rule (or the lack of room) that keeps it out,
        as the slot query's `explain` words it (`DayBook.refusal`); None where not worked out."""
        self.forceable = forceable
        """False: a change of parts_eta refused even with force (work that needs the parts was
        clocked before the new ETA); the answer says so (`forceable: false`)."""


class PreconditionFailed(RuntimeError):
    """A conditional request whose precondition does not hold (412): a booking PATCH whose
    `If-Match` does not name the booking's current revision (it changed since it was read);
    nothing is changed. `header` names the request header, `current` is the current entity tag."""

    def __init__(self, message: str, header: str, current: str) -> None:
        super().__init__(message)
        self.header = header
        self.current = current


class DayChanged(Conflict):
    """A plan computed for a version of its day that is no longer the day's (409): a booking of
    the workshop that touches this day, or the workshop's text, changed between reading the
    inputs and storing the plan (`bookings_db.day_version`: the day's revision, which every
    booking change touching the day bumps, and the workshop's text version). Nothing is stored;
    planned again from the day as it is now, it usually stores (the live re-plan does so itself,
    `ShopFloor._live_replan`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [])


class CancelledReplay(Conflict):
    """A booking request retried under the idempotency key of a booking that was cancelled since
    (409): not booked again; names the cancelled booking and when it was cancelled."""

    def __init__(self, message: str, booking_id: str, cancelled_at: dt.datetime) -> None:
        super().__init__(message, [])
        self.booking_id = booking_id
        self.cancelled_at = cancelled_at


class WorkshopConflict(RuntimeError):
    """A workshop change would break accepted bookings: each with its date and reasons."""

    def __init__(self, message: str, bookings: list[dict[str, object]], forceable: bool = True) -> None:
        super().__init__(message)
        self.bookings = bookings
        self.forceable = forceable
        """Whether the change forced would keep the bookings at risk (not for clocked work it orphans)."""
