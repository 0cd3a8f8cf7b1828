"""Time: the one injectable "now" (`Clock`), and the plan day's clock (aware datetimes and local
wall-clock times to minutes after local midnight)."""

from __future__ import annotations

import datetime as dt
import math
import time
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from scheduler.contract import FIRST_DATE, LAST_DATE, hhmm_minutes
from scheduler.errors import InputError
from scheduler.i18n import N_


class Clock(Protocol):
    """Where "now" comes from. Everything that depends on the current time asks one of these, so a
    day can be replayed and tests do not depend on the machine's date or time zone."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still at `at` (tests), unless moved with `advance`/`set`."""

    def __init__(self, at: dt.datetime) -> None:
        self.set(at)

    def set(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware instant")
        self._at = at

    def advance(self, minutes: float) -> None:
        self._at += dt.timedelta(minutes=minutes)

    def now(self) -> dt.datetime:
        return self._at


class ShiftedClock:
    """A clock that starts at `start` and runs at real speed from there (a server replaying or
    demonstrating another day: `bayplan serve --now …`)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware instant")
        self._start = start
        self._started = time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._started)


SYSTEM_CLOCK = SystemClock()


def in_date_range(field: str, moment: dt.datetime) -> dt.datetime:
    """`moment` if its date is one bayplan plans (a clock started years away from them only fails
    later, in date arithmetic past Python's range or on a day that cannot be planned); else an
    InputError naming `field` (`--now`, BAYPLAN_NOW)."""
    if not FIRST_DATE <= moment.date() <= LAST_DATE:
        raise InputError(
            field,
            N_("must be between %(first)s and %(last)s, got %(value)s")
            % {"first": FIRST_DATE, "last": LAST_DATE, "value": moment.isoformat(timespec="minutes")},
        )
    return moment


def clock_from(now: dt.datetime | None) -> Clock:
    """The machine's clock, or one started at `now`."""
    return SYSTEM_CLOCK if now is None else ShiftedClock(now)


class DayClock:
    """Minutes count real elapsed time from local midnight, so DST days are 23 or 25 h long."""

    def __init__(self, timezone: str, date: dt.date) -> None:
        self.tz = ZoneInfo(timezone)
        self.date = date
        self.day_start = dt.datetime.combine(date, dt.time(0, 0), tzinfo=self.tz)
        self._start_utc = self.day_start.astimezone(dt.UTC)  # asked for by every conversion
        next_start = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 0), tzinfo=self.tz)
        self.horizon = self._elapsed(next_start)

    def _elapsed(self, moment: dt.datetime) -> int:
        seconds = (moment.astimezone(dt.UTC) - self._start_utc).total_seconds()
        return int(seconds // 60)

    def minutes(self, moment: dt.datetime, *, round_up: bool = False) -> int:
        seconds = (moment.astimezone(dt.UTC) - self._start_utc).total_seconds()
        return math.ceil(seconds / 60) if round_up else math.floor(seconds / 60)

    def wall(self, hhmm: str) -> int:
        """Minutes of a local 'HH:MM' on the plan date."""
        return _wall(self.tz, self.date, hhmm)

    def at(self, minutes: int) -> dt.datetime:
        """The aware local datetime `minutes` after local midnight."""
        utc = self._start_utc + dt.timedelta(minutes=minutes)
        return utc.astimezone(self.tz)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def hhmm(self, minutes: int) -> str:
        return self.at(minutes).strftime("%H:%M")


@lru_cache(maxsize=8192)
def _wall(tz: ZoneInfo, date: dt.date, hhmm: str) -> int:
    """`DayClock.wall`, remembered: every day built for a slot query or a booking converts the same
    shifts, breaks and opening hours (tens of thousands of calls in a booking storm)."""
    minutes = hhmm_minutes(hhmm)
    local = dt.datetime.combine(date, dt.time(minutes // 60, minutes % 60), tzinfo=tz)
    start = dt.datetime.combine(date, dt.time(0, 0), tzinfo=tz)
    return int((local.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)
