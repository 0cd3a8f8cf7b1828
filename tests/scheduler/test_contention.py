"""The search budget shared by the slot queries and bookings under way (scheduler.contention)."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from scheduler.contention import (
    CROWDED_SECONDS,
    NO_SEARCH_SECONDS,
    WAIT_SECONDS,
    Contention,
    FairLock,
    fair_share,
    share,
)
from scheduler.contract import Booking, PlanRequest
from scheduler.offer import SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import EJECTION_SECONDS, CapacityRules, DayBook
from scheduler.storage import Store
from scheduler.validator import assert_valid
from tests.builders import counted_search_clock, fixed_clock


def _until(condition: Callable[[], bool]) -> None:
    """Wait (a sleep loop, no timed lock waits) until `condition` holds, at most about 30 s."""
    for _ in range(3000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition never held")


@contextmanager
def _other_request(contention: Contention, query: bool = False) -> Iterator[None]:
    """Another request under way in another thread until the block ends."""
    inside, done = threading.Event(), threading.Event()

    def run() -> None:
        with contention.entered(query=query):
            inside.set()
            while not done.is_set():
                time.sleep(0.005)

    thread = threading.Thread(target=run)
    thread.start()
    _until(inside.is_set)
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_alone_a_query_keeps_the_whole_budget_however_long_it_waited() -> None:
    assert share(0.025, 1, 0.0) == 0.025
    assert share(0.025, 1, 10 * WAIT_SECONDS) == 0.025


def test_queries_at_once_share_the_budget_and_a_long_wait_leaves_none() -> None:
    assert share(0.025, 2, 0.0) == pytest.approx(0.0125)
    assert share(0.025, 4, WAIT_SECONDS / 2) == pytest.approx(0.00625)
    assert share(0.025, 2, WAIT_SECONDS) == NO_SEARCH_SECONDS
    assert 0 < NO_SEARCH_SECONDS < 1e-6  # positive: zero would mean the one-booking repair instead


def test_a_query_that_waited_gets_only_what_ends_its_search_by_the_wait_limit() -> None:
    # With k requests on one interpreter lock, c CPU seconds of search take about k * c of wall
    # time: a query that waited w may search (WAIT_SECONDS - w) / k, never more than full / k.
    waited = WAIT_SECONDS - 0.010
    assert share(0.025, 2, waited) == pytest.approx(0.005)
    assert share(0.025, 4, waited) == pytest.approx(0.0025)
    assert share(0.025, 2, WAIT_SECONDS - 0.030) == pytest.approx(0.0125)  # 30 ms left: full / 2
    budgets = [share(0.025, 3, w / 1000) for w in range(0, 60)]
    assert budgets == sorted(budgets, reverse=True)  # the longer it waited, the less it searches


def _queued(lock: FairLock, n: int) -> Callable[[], bool]:
    return lambda: len(lock._waiting) == n


def test_the_fair_lock_hands_over_in_arrival_order() -> None:
    lock = FairLock()
    lock.acquire()
    order: list[int] = []

    def waiter(i: int) -> None:
        with lock:
            order.append(i)

    threads = []
    for i in range(4):  # each queues only after the one before it has queued
        threads.append(threading.Thread(target=waiter, args=(i,)))
        threads[-1].start()
        _until(_queued(lock, i + 1))
    lock.release()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3]
    assert not lock._held and not lock._waiting


def test_requests_under_way_are_counted_once_and_bookings_keep_their_budget() -> None:
    clock = [0.0]
    contention = Contention(timer=lambda: clock[0])
    assert contention.share(0.025) == 0.025  # outside a query: the full budget
    with contention.entered(query=True):
        assert contention.busy == 1
        with contention.entered(query=False):  # nested (a refused booking's alternatives): once
            assert contention.busy == 1
        assert contention.share(0.025) == 0.025  # alone
        with _other_request(contention):
            assert contention.busy == 2
            assert contention.share(0.025) == pytest.approx(0.0125)
            clock[0] += WAIT_SECONDS  # this query waited behind the other one
            assert contention.share(0.025) == NO_SEARCH_SECONDS
    assert contention.busy == 0
    with contention.entered(query=False), _other_request(contention, query=True):
        assert contention.share(0.025) == 0.025  # a booking's own search is not cut


def _service(db_url: str) -> PlanningService:
    return PlanningService(
        Store(db_url),
        CapacityRules(walk_in_holdback=0, express_holdback=0, waiters_per_slot=100),
        exact_seconds=1.0,
        clock=fixed_clock(),
    )


def test_a_query_alone_searches_as_before_and_beside_another_with_half_and_stays_sound(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every immediate answer's search budget is recorded: alone the full EJECTION_SECONDS (the
    sequential answers are those of before), beside another request half of it; the times offered
    under the shared budget, booked, still give a day plan that places every booking by its
    promise (the validator)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the budget does not depend on the backend; once is enough")
    budgets: list[float] = []
    mine = threading.get_ident()
    for name in ("offers", "offers_after"):
        method = getattr(DayBook, name)

        def recording(self: DayBook, *args: Any, _method: Any = method, **kwargs: Any) -> Any:
            # Only this test's own queries: another test's background refiner may still be running.
            if threading.get_ident() == mine:
                budgets.append(float(kwargs["ejection_seconds"] if "ejection_seconds" in kwargs else args[6]))
            return _method(self, *args, **kwargs)

        monkeypatch.setattr(DayBook, name, recording)
    workshop = load_scenario("small-dealer").workshop
    service = _service(db_url)
    # A frozen timer: on a loaded machine the time a query waits for its turn shortens its share
    # (`share`'s WAIT_SECONDS, tested on its own above), which is not what this test is about.
    service.contention = Contention(timer=lambda: 0.0)
    try:
        service.put_workshop(workshop)
        date = dt.date(2026, 11, 24)
        rng = random.Random(5)
        codes = ["LUBE", "MAINT", "MINOR", "WARRANTY", "ALIGN"]

        def storm(n: int, start: int) -> None:
            for i in range(start, start + n):
                code = rng.choice(codes)
                offers = service.slots(SlotQuery(workshop.id, code, date, rng.random() < 0.3, None))
                if offers:
                    pick = rng.choice(offers)
                    service.book(workshop.id, Booking(id=f"b{i}", service=code, drop_off=pick.drop_off), None)

        storm(20, 0)
        alone = list(budgets)
        assert alone and all(b == EJECTION_SECONDS for b in alone)
        budgets.clear()
        with _other_request(service.contention):
            storm(40, 20)
        assert budgets and all(b == pytest.approx(EJECTION_SECONDS / 2) for b in budgets)
        bookings = service.bookings(workshop.id, date)
        assert len(bookings) > 20
        plan = service.plan_day(workshop.id, date, time_limit_seconds=3)
        assert_valid(PlanRequest(workshop=workshop, date=date, bookings=bookings), plan)
        assert plan.kpis.placed == len(bookings) and plan.kpis.late == 0
    finally:
        service.close()


def test_a_query_alone_just_after_others_overlapped_still_shares_its_budget() -> None:
    # In a storm the other desks are between requests for a moment: a query that finds itself
    # alone then would take the whole budget, and the desks coming back would wait behind it.
    clock = [0.0]
    contention = Contention(timer=lambda: clock[0])
    with contention.entered(query=True), _other_request(contention), _other_request(contention):
        pass  # three at once
    clock[0] += CROWDED_SECONDS / 2
    with contention.entered(query=True):
        assert contention.busy == 1
        assert contention.share(0.025) == pytest.approx(0.025 / 3)
        clock[0] += CROWDED_SECONDS
        assert contention.share(0.025) == 0.025  # alone for long enough: the whole budget again


def test_a_fair_share_splits_what_is_left_with_a_floor_and_nothing_once_spent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The explain booking fits' budget (scheduler.contention.fair_share): an even share of what is
    left for the tries still to come, at least the floor while anything is left, 0 once spent. On
    a counted clock (one read a microsecond): a stall of a millisecond between two reads of the
    thread's CPU clock failed the bounds below (flake-s37)."""
    counted_search_clock(monkeypatch, step=2**-20)
    budget = fair_share(0.030, floor=0.003)
    assert 0.009 <= budget(3) <= 0.010  # a third of 30 ms (a little CPU already gone)
    assert budget(100) == pytest.approx(0.003)  # the floor, not 0.3 ms
    assert 0.029 <= budget(1) <= 0.030  # the last try: all that is left
    assert fair_share(0.0)(1) == 0.0  # spent: no try
