"""Plan KPIs (scheduler.kpis)."""

from __future__ import annotations

import pytest

from scheduler.contract import PinnedOperation
from scheduler.kpis import compute_kpis
from tests.builders import assignment, at, booking, request


def test_bays_busy_counts_only_work_that_holds_a_bay() -> None:
    """review-s29: clocked work pinned with no bay (two cars clocked in one lane, onelift13-s29)
    holds none, yet its minutes counted as bay time: the lane's 40 minutes read as 80, and
    enough such pins took "bays busy" past 100 %. Technicians' time still counts both."""
    pin_x = PinnedOperation(operation=0, bay="E1", technician="li", start=at("08:00"), end=at("08:40"))
    pin_p = PinnedOperation(operation=0, bay=None, technician="wang", start=at("08:00"), end=at("08:40"))
    req = request(
        [booking("x", "LUBE", "08:00", pinned=[pin_x]), booking("p", "LUBE", "08:00", pinned=[pin_p])]
    )
    in_lane = assignment("x", 0, "E1", "li", "08:00", "08:40")
    no_bay = assignment("p", 0, "E1", "wang", "08:00", "08:40").model_copy(update={"bay": None})
    both = compute_kpis(req, [in_lane, no_bay], {"x", "p"})
    alone = compute_kpis(req, [in_lane], {"x"})
    assert both.bay_utilisation == alone.bay_utilisation > 0
    assert both.technician_utilisation == pytest.approx(2 * alone.technician_utilisation, abs=1e-4)
