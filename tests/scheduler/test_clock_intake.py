"""The clock-event intake (scheduler/clock_intake.py), through the shop floor's one call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduler.contract import Booking
from scheduler.errors import InputError
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.storage import Store
from tests.builders import DAY, at, fixed_clock, tiny_workshop


@pytest.fixture
def floor(sqlite_url: str) -> Iterator[ShopFloor]:
    """The tiny workshop with one booking at 08:00 on DAY."""
    service = PlanningService(Store(sqlite_url), clock=fixed_clock(), refine_in_background=False)
    service.put_workshop(tiny_workshop())
    service.book("tiny", Booking(id="b1", service="MAINT", drop_off=at("08:00")), None)
    shop = ShopFloor(service, background=False)
    yield shop
    shop.close()
    service.close()


START = {"booking": "b1", "operation": 0, "technician": "t", "at": at("08:05")}
NAME_IT = "a correction names the event it corrects"
ONLY = "only a correction names another event"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"action": "correct"}, NAME_IT),
        ({"action": "correct", "corrects": None, "at": at("08:05")}, NAME_IT),
        ({**START, "action": "start", "corrects": 1}, ONLY),
        ({**START, "action": "start", "corrected_action": "pause"}, ONLY),
    ],
)
def test_only_a_correction_names_the_event_it_corrects_and_it_must(
    floor: ShopFloor, fields: dict[str, object], reason: str
) -> None:
    """Checked before anything is read (the API's 422 naming `corrects`); nothing is recorded.
    Before (the check in the route alone): a correction naming none failed inside the intake with
    a TypeError ("%d" of None), an event naming one was recorded as if it did not."""
    with pytest.raises(InputError) as refused:
        floor.clock("tiny", fields, "key-1", None, at("09:00"))
    assert (refused.value.field, refused.value.reason) == ("corrects", reason)
    assert floor.events("tiny", DAY) == []
    event, _, created = floor.clock("tiny", {**START, "action": "start"}, "key-1", None, at("09:00"))
    assert created and event.action == "start"  # the key was not taken by the refused one
