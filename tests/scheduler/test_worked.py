"""Clocked work per operation from a day's events: corrections applied, pauses left out, an
operation nobody clocked off counts nothing."""

from __future__ import annotations

from scheduler.clocking import ClockEvent, effective
from scheduler.worked import worked_operations
from tests.builders import DAY, NOW, at


def event(ident: int, action: str, hhmm: str, **kw: object) -> ClockEvent:
    fields: dict[str, object] = {"id": ident, "booking": "B1", "operation": 0, "technician": "t",
                                 "action": action, "at": at(hhmm), "recorded_at": NOW} | kw  # fmt: skip
    return ClockEvent.model_validate(fields)


def test_a_correction_pauses_and_an_open_segment() -> None:
    events = [
        event(1, "start", "08:00"),
        event(2, "pause", "08:30"),
        event(3, "resume", "08:45", technician="u"),
        event(4, "finish", "09:45", technician="u"),
        # The foreman corrects the finish: it was at 09:15.
        event(5, "correct", "09:15", technician="u", corrects=4, corrected_action="finish"),
        event(6, "start", "09:00", booking="B2"),  # never clocked off
    ]
    worked = worked_operations({DAY: effective(events)}, {"B1": "MAINT", "B2": "MAINT"})
    first, second = worked
    assert first.finished_at == at("09:15") and first.technician == "u" and first.started_by == "t"
    assert first.minutes_of() == {"t": 30.0, "u": 30.0} and first.clocked_minutes == 60.0
    assert second.finished_at is None and second.clocked_minutes == 0.0
    assert worked_operations({DAY: effective(events)}, {}) == []  # unknown bookings left out
