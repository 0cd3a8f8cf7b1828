"""Fixtures of the scheduler's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduler.service import PlanningService
from scheduler.slots import CapacityRules
from scheduler.storage import Store
from tests.builders import fixed_clock


@pytest.fixture
def service(db_url: str) -> Iterator[PlanningService]:
    """A planning service on the test database at the builders' fixed clock, refining in the
    foreground and holding back no walk-in capacity (the live re-plan's tests)."""
    made = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock()
    )
    yield made
    made.close()
