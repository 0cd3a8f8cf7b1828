"""The clock-event intake (scheduler/clock_intake.py), through the shop floor's one call."""

from __future__ import annotations

import pytest

from scheduler.errors import InputError
from scheduler.shopfloor import ShopFloor
from tests.builders import DAY, at

START = {"booking": "b1", "operation": 0, "technician": "t", "at": at("08:05")}
NAME_IT = "a correction names the event it corrects"
ONLY = "only a correction names another event"
CHANGE_IT = "a correction changes the event's action, time, technician, operation or bay"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"action": "correct"}, NAME_IT),
        ({"action": "correct", "corrects": None, "at": at("08:05")}, NAME_IT),
        ({"action": "correct", "corrects": 1}, CHANGE_IT),  # review-s34: stored as a no-op copy
        ({"action": "correct", "corrects": 1, "booking": "b1"}, CHANGE_IT),
        ({**START, "action": "start", "corrects": 1}, ONLY),
        ({**START, "action": "start", "corrected_action": "pause"}, ONLY),
    ],
)
def test_only_a_correction_names_the_event_it_corrects_and_it_must(
    tiny_floor: ShopFloor, fields: dict[str, object], reason: str
) -> None:
    """Checked before anything is read (the API's 422 naming `corrects`); nothing is recorded.
    Before (the check in the route alone): a correction naming none failed inside the intake with
    a TypeError ("%d" of None), an event naming one was recorded as if it did not."""
    with pytest.raises(InputError) as refused:
        tiny_floor.clock("tiny", fields, "key-1", None, at("09:00"))
    assert (refused.value.field, refused.value.reason) == ("corrects", reason)
    assert tiny_floor.events("tiny", DAY) == []
    event, _, created = tiny_floor.clock("tiny", {**START, "action": "start"}, "key-1", None, at("09:00"))
    assert created and event.action == "start"  # the key was not taken by the refused one
