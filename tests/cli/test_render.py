"""The CLI's plan table (cli/render.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from cli.i18n import set_language
from cli.render import render_plan
from scheduler.contract import Booking, PinnedOperation, PlanOptions, PlanRequest
from scheduler.planning import make_plan
from tests.builders import DAY, at, two_technician_workshop


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language(None)


def _shown(rows: str) -> str:
    in_g1 = PinnedOperation(operation=0, bay="G1", technician="t", start=at("08:00"), end=at("09:00"))
    nowhere = PinnedOperation(operation=0, bay=None, technician="u", start=at("08:05"), end=at("09:05"))
    bookings = [
        Booking(id="a", service="MAINT", drop_off=at("08:00"), pinned=[in_g1]),
        Booking(id="b", service="MAINT", drop_off=at("08:00"), pinned=[nowhere]),
    ]
    options = PlanOptions(keep_promises=False)
    request = PlanRequest(workshop=two_technician_workshop(), date=DAY, bookings=bookings, options=options)
    out = io.StringIO()
    Console(file=out, width=140, color_system=None).print(
        render_plan(request, make_plan(request, "greedy"), rows)
    )
    return out.getvalue()


def test_clocked_work_of_unknown_bay_is_shown_in_a_block_of_its_own(english: None) -> None:
    """Work clocked while another car's clocked work held its bay has no bay (onelift13-s29): by bays
    it is a block of its own after the bays' (it was left out), by technicians its bay reads "–"."""
    by_bays = _shown("bays")
    assert "Bay unknown (clocked while its bay was taken)" in by_bays
    assert by_bays.index("Bay unknown") > by_bays.index("G1")
    assert "08:05-09:05" in by_bays.split("Bay unknown")[1]
    by_technicians = _shown("technicians")
    line = next(x for x in by_technicians.splitlines() if "08:05-09:05" in x)
    assert "–" in line
