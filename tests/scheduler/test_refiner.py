"""The background offer refinement: a refinement that is over before its callback is attached
(a fast or failing worker) must not deadlock the request that asked for it."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from scheduler import refiner
from scheduler.slots import Offer


class _DoneAtOnce:
    """An executor whose futures are finished when `submit` returns."""

    def submit(self, fn: Any, *args: Any) -> Future[list[Offer]]:
        future: Future[list[Offer]] = Future()
        future.set_result([])
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_refinement_finished_at_once_does_not_deadlock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refiner, "worker_pool", lambda processes: _DoneAtOnce())
    delivered: list[object] = []
    r = refiner.OfferRefiner(1.0, lambda key, version, offers, day: delivered.append(key))
    asked = threading.Thread(
        target=r.request, args=(("w", "d"), (1,), None, "MAINT", False, None), daemon=True
    )
    asked.start()
    asked.join(timeout=5)
    assert not asked.is_alive(), "request() deadlocked on its own lock"
    assert delivered == [("w", "d")] and r.wait_idle(timeout=1)


def test_a_job_finished_at_once_does_not_deadlock_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler import jobs

    monkeypatch.setattr(jobs, "worker_pool", lambda processes: _DoneAtOnce())
    runner = jobs.JobRunner(processes=1, capacity=2)
    done: list[object] = []
    asked = threading.Thread(target=lambda: done.append(runner.run("plan", None, len, [])), daemon=True)
    asked.start()
    asked.join(timeout=5)
    assert not asked.is_alive(), "the runner deadlocked on its own lock"
    assert done == [[]]
