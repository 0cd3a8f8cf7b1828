"""The one translation between contract objects and the solver's plain data of a day.

Bay and technician ids become indices in the workshop's lists, aware datetimes become minutes
after the plan day's local midnight (`DayClock`), and a technician's shift becomes
`TechnicianData`; and back. The independent validator (validator.py) does not use it, on purpose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from scheduler.clock import DayClock
from scheduler.contract import Assignment, Technician, Workshop
from solver.problem import Placement, TechnicianData


def technician_data(tech: Technician, clock: DayClock) -> TechnicianData:
    return TechnicianData(
        grade=tech.grade,
        shift_start=clock.wall(tech.shift.start),
        shift_end=clock.wall(tech.shift.end),
        max_overtime=tech.max_overtime_minutes,
        breaks=tuple((clock.wall(b.start), clock.wall(b.end)) for b in tech.shift.breaks),
    )


class DayFrame:
    """One workshop on one plan day: the indices of its bays and technicians, and its day clock."""

    def __init__(self, workshop: Workshop, clock: DayClock) -> None:
        self.workshop = workshop
        self.clock = clock
        self.bay_index = {b.id: i for i, b in enumerate(workshop.bays)}
        self.tech_index = {t.id: i for i, t in enumerate(workshop.technicians)}

    @classmethod
    def of(cls, workshop: Workshop, date: dt.date) -> DayFrame:
        return cls(workshop, DayClock(workshop.timezone, date))

    def knows(self, a: Assignment) -> bool:
        """The assignment's bay and technician are the workshop's."""
        return a.bay in self.bay_index and a.technician in self.tech_index

    def placement(self, a: Assignment) -> Placement:
        """Where `a` sits, in solver data (an unknown bay or technician is index -1: no operation's)."""
        return Placement(
            self.bay_index.get(a.bay, -1) if a.bay is not None else -1,
            self.tech_index.get(a.technician, -1),
            self.clock.minutes(a.start),
            self.clock.minutes(a.end),
        )

    def assignment(self, booking_id: str, operation: int, p: Placement) -> Assignment:
        return Assignment(
            booking=booking_id,
            operation=operation,
            # A bay past the workshop's is a pin's given without one (`compiler._pins`): none.
            bay=self.workshop.bays[p.bay].id if p.bay < len(self.workshop.bays) else None,
            technician=self.workshop.technicians[p.technician].id,
            start=self.clock.at(p.start),
            end=self.clock.at(p.end),
        )

    def minutes(self, a: Assignment) -> int:
        """Minutes of work of `a`."""
        return self.clock.minutes(a.end) - self.clock.minutes(a.start)


def placements_from_assignments(frame: DayFrame, assignments: Iterable[Assignment]) -> list[Placement]:
    """The placements of one booking's assignments, in operation order."""
    return [frame.placement(a) for a in sorted(assignments, key=lambda a: a.operation)]


def assignments_from_placements(
    frame: DayFrame, booking_id: str, placed: Sequence[Placement]
) -> tuple[Assignment, ...]:
    """One booking's assignments from the placements of its operations, in operation order."""
    return tuple(frame.assignment(booking_id, k, p) for k, p in enumerate(placed))
