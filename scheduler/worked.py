"""The work clocked on each operation, from a day's effective clock events (corrections applied):
who clocked how long, when it first started and when it finished. Pure: no I/O, no clock.

A segment runs from a start or resume to the next pause or finish of the same operation; a segment
still open (nobody clocked off) counts nothing, so a forgotten clock-off does not inflate the
figures. The operation is credited to the technician who finished it (`technician`); each
segment's minutes stay with the technician who clocked them (`minutes_of`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from scheduler.clocking import Effective


@dataclass(frozen=True)
class Segment:
    technician: str
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds() / 60)


@dataclass(frozen=True)
class WorkedOperation:
    date: dt.date
    booking: str
    service: str
    operation: int
    first_start: dt.datetime
    started_by: str
    finished_at: dt.datetime | None
    technician: str
    """Who finished it (or, unfinished, who clocked it last)."""
    segments: tuple[Segment, ...]

    @cached_property
    def clocked_minutes(self) -> float:
        return sum(s.minutes for s in self.segments)

    def minutes_of(self) -> dict[str, float]:
        """Clocked minutes per technician."""
        out: dict[str, float] = defaultdict(float)
        for s in self.segments:
            out[s.technician] += s.minutes
        return dict(out)


def worked_operations(
    days: Mapping[dt.date, Iterable[Effective]], services: Mapping[str, str]
) -> list[WorkedOperation]:
    """Every operation with a start among the days' effective events (`services`: booking id →
    its service code; bookings unknown to it left out), by date, booking and operation."""
    out: list[WorkedOperation] = []
    for date in sorted(days):
        by_op: dict[tuple[str, int], list[Effective]] = defaultdict(list)
        for e in days[date]:
            if e.booking in services:
                by_op[(e.booking, e.operation)].append(e)
        for (booking_id, k), events in sorted(by_op.items()):
            worked = _walk(
                date, booking_id, services[booking_id], k, sorted(events, key=lambda e: (e.at, e.id))
            )
            if worked is not None:
                out.append(worked)
    return out


def _walk(
    date: dt.date, booking: str, service: str, k: int, events: list[Effective]
) -> WorkedOperation | None:
    first: Effective | None = None
    open_: Effective | None = None
    segments: list[Segment] = []
    finished: dt.datetime | None = None
    last_tech: str | None = None
    for e in events:
        if e.action == "start" and first is None:
            first = open_ = e
        elif e.action == "resume" and open_ is None and first is not None:
            open_ = e
        elif e.action in ("pause", "finish") and open_ is not None:
            segments.append(Segment(open_.technician, open_.at, e.at))
            open_ = None
            if e.action == "finish":
                finished = e.at
        last_tech = e.technician
        if finished is not None:
            break
    if first is None or last_tech is None:
        return None
    return WorkedOperation(
        date=date,
        booking=booking,
        service=service,
        operation=k,
        first_start=first.at,
        started_by=first.technician,
        finished_at=finished,
        technician=last_tech,
        segments=tuple(segments),
    )
