"""Actuals over storage (scheduler/actuals.py): the productivity report's range, the reports page's
range and what it reads."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.actuals import REPORT_PAGE_DAYS, productivity, reports_page
from scheduler.errors import InputError, NotFound
from scheduler.service import PlanningService
from tests.builders import NOW

TODAY = NOW.date()  # NOW is on the workshop's (Shanghai) clock
YESTERDAY = TODAY - dt.timedelta(days=1)
DEFAULT_FIRST = YESTERDAY - dt.timedelta(days=REPORT_PAGE_DAYS - 1)


def test_the_reports_page_shows_the_range_asked_for_else_the_days_up_to_yesterday(
    tiny_service: PlanningService,
) -> None:
    default = reports_page(tiny_service, "tiny", None, None)
    assert (default.today, default.first, default.last, default.problem) == (
        TODAY, DEFAULT_FIRST, YESTERDAY, None
    )  # fmt: skip
    assert (default.report.first, default.report.last) == (DEFAULT_FIRST, YESTERDAY)
    assert (default.times.first, default.times.last) == (DEFAULT_FIRST, YESTERDAY)
    asked = reports_page(tiny_service, "tiny", "2026-11-02", "2026-11-09")
    assert (asked.first, asked.last, asked.problem) == (dt.date(2026, 11, 2), dt.date(2026, 11, 9), None)
    later = reports_page(tiny_service, "tiny", None, None, now=NOW + dt.timedelta(days=3))
    assert later.today == TODAY + dt.timedelta(days=3) and later.last == YESTERDAY + dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("first", "last", "problem", "field"),
    [
        (None, "24/11/2026", InputError, "to"),  # not a date: the format expected
        ("2026-11-09", "2026-11-02", InputError, "to"),  # inverted
        (None, "0001-01-05", InputError, "to"),  # before the contract's days (was: its 28 days overflow)
        # review-s35: days the API's `Day` refuses (so the page's Apply would be refused too)
        ("0001-01-01", "0001-01-02", InputError, "to"),
        ("2026-11-01", "9999-12-31", InputError, "to"),
        (None, "20261101", InputError, "to"),  # ISO's basic form, which Python reads: not YYYY-MM-DD
        ("1999-12-31", "2000-01-02", InputError, "from"),
    ],
)
def test_a_range_the_reports_page_cannot_show_is_named_and_the_default_range_shown_instead(
    tiny_service: PlanningService, first: str | None, last: str, problem: type[Exception], field: str | None
) -> None:
    found = reports_page(tiny_service, "tiny", first, last)
    assert isinstance(found.problem, problem)
    if isinstance(found.problem, InputError):
        assert found.problem.field == field
    assert (found.first, found.last) == (DEFAULT_FIRST, YESTERDAY)
    assert (found.report.first, found.report.last) == (DEFAULT_FIRST, YESTERDAY)


def test_the_reports_page_of_an_unknown_workshop_is_not_found(tiny_service: PlanningService) -> None:
    with pytest.raises(NotFound, match="workshop 'elsewhere'"):
        reports_page(tiny_service, "elsewhere", None, None)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(None, YESTERDAY, "from"), (YESTERDAY, None, "to"), (YESTERDAY, DEFAULT_FIRST, "to")],
)
def test_the_productivity_reports_range_is_checked_before_the_workshop_is_read(
    tiny_service: PlanningService, first: dt.date | None, last: dt.date | None, field: str
) -> None:
    """The report route's one call: a missing or inverted range is the 422, whatever the workshop."""
    with pytest.raises(InputError) as bad:
        productivity(tiny_service.store, "elsewhere", first, last)
    assert bad.value.field == field
    with pytest.raises(NotFound):
        productivity(tiny_service.store, "elsewhere", DEFAULT_FIRST, YESTERDAY)
    assert productivity(tiny_service.store, "tiny", DEFAULT_FIRST, YESTERDAY).rows is not None
