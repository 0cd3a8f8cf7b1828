"""The background offer refinement: a refinement that is over before its callback is attached
(a fast or failing worker) must not deadlock the request that asked for it."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from scheduler import refiner


class _DoneAtOnce:
    """An executor whose futures are finished when `submit` returns, with `result`."""

    def __init__(self, result: object) -> None:
        self.result = result

    def submit(self, fn: Any, *args: Any) -> Future[object]:
        future: Future[object] = Future()
        future.set_result(self.result)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_refinement_finished_at_once_does_not_deadlock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refiner, "worker_pool", lambda processes: _DoneAtOnce(([], None)))
    delivered: list[object] = []
    r = refiner.OfferRefiner(1.0, lambda key, version, offers, day, bound: delivered.append(key))
    asked = threading.Thread(
        target=r.request, args=(("w", "d"), (1,), None, "MAINT", False, None), daemon=True
    )
    asked.start()
    asked.join(timeout=5)
    assert not asked.is_alive(), "request() deadlocked on its own lock"
    assert delivered == [("w", "d")] and r.wait_idle(timeout=1)


def test_a_job_finished_at_once_does_not_deadlock_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler import jobs

    monkeypatch.setattr(jobs, "worker_pool", lambda processes: _DoneAtOnce([]))
    runner = jobs.JobRunner(processes=1, capacity=2)
    done: list[object] = []
    asked = threading.Thread(target=lambda: done.append(runner.run("plan", None, len, [])), daemon=True)
    asked.start()
    asked.join(timeout=5)
    assert not asked.is_alive(), "the runner deadlocked on its own lock"
    assert done == [[]]


def test_requests_made_idle_wait_until_nothing_else_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kinds of booking refined ahead from other days' queries (`idle`) never go before a key a
    query or a booking asked for, and a query's own request takes an idle one's place."""
    monkeypatch.setattr(refiner, "worker_pool", lambda processes: _DoneAtOnce(([], None)))
    delivered: list[object] = []
    r = refiner.OfferRefiner(1.0, lambda key, version, offers, day, bound: delivered.append(key))
    with r.batch():  # queued together, then refined
        r.request(("w", "idle-1"), (1,), None, "MAINT", True, None, idle=True)  # type: ignore[arg-type]
        r.request(("w", "asked"), (1,), None, "MAINT", False, None)  # type: ignore[arg-type]
        r.request(("w", "idle-2"), (1,), None, "LUBE", False, None, idle=True)  # type: ignore[arg-type]
        r.request(("w", "idle-1"), (1,), None, "MAINT", True, None)  # type: ignore[arg-type]  # asked now
        r.request(("w", "asked"), (1,), None, "MAINT", False, None, idle=True)  # type: ignore[arg-type]
    assert r.wait_idle(timeout=5)
    assert delivered == [("w", "idle-1"), ("w", "asked"), ("w", "idle-2")]


class _WorkerKilled:
    """A process pool whose worker dies under its first job (killed: out of memory, a crash): that
    job's future fails, and the pool takes nothing more, as a broken `ProcessPoolExecutor` does."""

    def __init__(self) -> None:
        self.running: list[Future[object]] = []

    def submit(self, fn: Any, *args: Any) -> Future[object]:
        from concurrent.futures.process import BrokenProcessPool

        if self.running:
            raise BrokenProcessPool("A child process terminated abruptly")
        future: Future[object] = Future()
        self.running.append(future)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_refinement_worker_that_died_is_replaced_for_the_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """review-s45: the refinement's process killed (out of memory, a crash in the solver) left its
    pool broken; every later request's submit failed, was taken for the interpreter's exit and
    dropped, and no slot answer was refined again until the server restarted (the desks got the
    quick answers only). The next request gets a new worker; the killed job is not retried."""
    from concurrent.futures.process import BrokenProcessPool

    killed = _WorkerKilled()
    pools: list[object] = [killed, _DoneAtOnce(([], None))]
    monkeypatch.setattr(refiner, "worker_pool", lambda processes: pools.pop(0))
    delivered: list[object] = []
    r = refiner.OfferRefiner(1.0, lambda key, version, offers, day, bound: delivered.append(key))
    r.request(("w", "first"), (1,), None, "MAINT", False, None)  # type: ignore[arg-type]
    killed.running[0].set_exception(BrokenProcessPool("A child process terminated abruptly"))
    assert r.wait_idle(timeout=5) and delivered == []  # nothing delivered for the killed job
    r.request(("w", "next"), (1,), None, "MAINT", False, None)  # type: ignore[arg-type]
    assert r.wait_idle(timeout=5)
    assert delivered == [("w", "next")], "refinement off for good after its worker died"
