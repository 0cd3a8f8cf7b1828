"""The desk's handover hours (scheduler.capacity.handover_hours) and the next handover time."""

from __future__ import annotations

import datetime as dt

from scheduler.capacity import CapacityRules, handover_hours, next_handover
from scheduler.contract import Advisor, Shift
from tests.builders import DAY, tiny_workshop

RULES = CapacityRules()


def _advisor(ident: str, start: str, end: str, weekdays: list[int] | None = None) -> Advisor:
    days = weekdays if weekdays is not None else list(range(7))
    return Advisor(id=ident, name=ident, shift=Shift(start=start, end=end), weekdays=days)


def test_without_advisors_the_opening_hours_lifted_to_the_afternoon_handover() -> None:
    assert handover_hours(tiny_workshop(closing="17:00"), DAY, RULES) == ("08:00", "17:30")
    assert handover_hours(tiny_workshop(closing="19:00", shift_end="19:00"), DAY, RULES) == ("08:00", "19:00")


def test_with_advisors_the_desk_is_open_while_one_is_on_duty_and_the_workshop_open() -> None:
    ws = tiny_workshop(closing="17:00").model_copy(
        update={"advisors": [_advisor("a", "07:30", "18:00"), _advisor("b", "09:00", "17:00")]}
    )
    assert handover_hours(ws, DAY, RULES) == ("08:00", "18:00")  # from the opening, to the last advisor
    late = ws.model_copy(update={"advisors": [_advisor("c", "09:00", "17:00")]})
    assert handover_hours(late, DAY, RULES) == ("09:00", "17:30")
    off_today = ws.model_copy(
        update={"advisors": [_advisor("d", "08:00", "17:00", [(DAY.weekday() + 1) % 7])]}
    )
    assert handover_hours(off_today, DAY, RULES) is None
    assert handover_hours(off_today, DAY + dt.timedelta(days=1), RULES) == ("08:00", "17:30")


def test_the_next_handover_skips_closed_days() -> None:
    wed, thu = DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)
    ws = tiny_workshop(closing="17:00").model_copy(update={"closed_days": [wed]})
    assert handover_hours(ws, wed, RULES) is None
    at = next_handover(ws, DAY, RULES)
    assert at is not None and at.isoformat() == f"{thu.isoformat()}T08:00:00+08:00"
    everything_closed = ws.model_copy(
        update={"closed_days": [DAY + dt.timedelta(days=k) for k in range(1, 40)]}
    )
    assert next_handover(everything_closed, DAY, RULES) is None
