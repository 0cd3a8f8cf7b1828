"""No-show overbooking (opt-in, per technician pool): how much the desk may sell beyond the witness.

Without overbooking every offer is proven by a whole-day witness plan (scheduler.slots). A
workshop that sets `overbooking_percent` on a pool (`Workshop.overbooking`, pools named
`skill:grade` as on the loading chart) bets on no-shows: a drop-off time that no witness supports
is still offered when the minutes booked beyond the witness in each pool the booking uses, the new
booking's included, stay within that percent of the pool's available minutes (its technicians' shift
minutes that day, breaks out), and every other rule holds (scheduler.slots.DayBook.overbooked_offer).
Such a booking is stored `overbooked`, without a witness: if every customer shows, the day's plan
may leave it (or another) unassigned.

Pure functions of plain data: pools are (skill, minimum grade) pairs, minutes are standard minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scheduler.contract import Booking, Service, Technician, Workshop

Pool = tuple[str, int]
"""(skill, minimum grade): the technicians with that skill at that grade or above."""


def enabled(workshop: Workshop) -> bool:
    """Does any pool of the workshop allow overbooking?"""
    return any(e.overbooking_percent > 0 for e in workshop.overbooking)


def demand(service: Service) -> dict[Pool, int]:
    """The standard minutes `service` takes from each pool."""
    need: dict[Pool, int] = {}
    for op in service.operations:
        need[(op.skill, op.min_grade)] = need.get((op.skill, op.min_grade), 0) + op.minutes
    return need


def available(
    pool: Pool, technicians: Sequence[Technician], on_duty: Sequence[bool], shift_minutes: Sequence[int]
) -> int:
    """The pool's available minutes: shift minutes (breaks out) of its technicians on duty."""
    skill, grade = pool
    return sum(
        shift_minutes[i]
        for i, t in enumerate(technicians)
        if on_duty[i] and skill in t.skills and t.grade >= grade
    )


def overbooked_minutes(workshop: Workshop, bookings: Iterable[Booking]) -> dict[Pool, int]:
    """Minutes booked beyond the witness per pool: the overbooked bookings' standard minutes."""
    used: dict[Pool, int] = {}
    for b in bookings:
        service = workshop.service(b.service)
        if not b.overbooked or service is None:
            continue
        for pool, minutes in demand(service).items():
            used[pool] = used.get(pool, 0) + minutes
    return used


def within_allowance(
    workshop: Workshop, need: Mapping[Pool, int], used: Mapping[Pool, int], capacity: Mapping[Pool, int]
) -> bool:
    """Every pool in `need` allows overbooking, and its overbooked minutes with `need` stay within
    its percent of its available minutes (`capacity`)."""
    for pool, minutes in need.items():
        percent = workshop.overbooking_percent(*pool)
        if percent <= 0 or used.get(pool, 0) + minutes > percent / 100 * capacity.get(pool, 0):
            return False
    return True
