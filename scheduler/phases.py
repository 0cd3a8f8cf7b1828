"""Per-request phase timings for finding where a slow request's time went, behind an environment
flag: `BAYPLAN_PHASES=path` makes the server append one JSON line per request to `path` with its
wall-clock and thread-CPU milliseconds per phase (waiting for a lock, reading the day, the search,
serialising...) and the garbage-collector pauses that fell inside it. Off (the default), each
`phase` costs one check of a context variable; no clock is read.

The timers are `time.perf_counter` and `time.thread_time` (no profiler hook: `sys.setprofile`
would slow every call and change what is measured). A GC pause stops every thread (it holds the
interpreter lock), so a request is charged with every pause that overlaps it, not only its own.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

PHASES_ENVIRONMENT = "BAYPLAN_PHASES"


@dataclass
class Record:
    """One request's timings: per phase [wall seconds, thread-CPU seconds, entries]."""

    started: float
    phases: dict[str, list[float]] = field(default_factory=dict)


_current: ContextVar[Record | None] = ContextVar("bayplan_phases", default=None)


class Recorder:
    """Appends one line per request to `path`; keeps the recent GC pauses (start, end, generation)
    from `gc.callbacks` to charge each request with the ones inside it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.origin = time.perf_counter()
        self._lock = threading.Lock()
        # (start, end, generation, CPU seconds of the collecting thread): the CPU time is what the
        # collection cost, the wall time what it cost the requests on a busy machine.
        self._pauses: deque[tuple[float, float, int, float]] = deque(maxlen=10_000)
        self._gc_started = (0.0, 0.0)
        gc.callbacks.append(self.on_gc)

    def close(self) -> None:
        if self.on_gc in gc.callbacks:
            gc.callbacks.remove(self.on_gc)

    def on_gc(self, stage: str, info: dict[str, int]) -> None:
        if stage == "start":
            self._gc_started = (time.perf_counter(), time.thread_time())
        else:
            wall, cpu = self._gc_started
            self._pauses.append((wall, time.perf_counter(), info["generation"], time.thread_time() - cpu))

    def write(self, record: Record, fields: dict[str, object]) -> None:
        ended = time.perf_counter()
        pauses = [p for p in list(self._pauses) if p[1] > record.started and p[0] < ended]
        line = {
            **fields,
            "at_s": round(record.started - self.origin, 4),
            "ms": round((ended - record.started) * 1000, 2),
            "phases": {
                name: [round(wall * 1000, 2), round(cpu * 1000, 2), int(n)]
                for name, (wall, cpu, n) in record.phases.items()
            },
            "gc_ms": round(sum(min(e, ended) - max(s, record.started) for s, e, _, _ in pauses) * 1000, 2),
            "gc": [[g, round((e - s) * 1000, 2), round(c * 1000, 2)] for s, e, g, c in pauses],
        }
        text = json.dumps(line) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(text)


_recorder: Recorder | None = None
_recorder_lock = threading.Lock()


def recorder() -> Recorder | None:
    """The process's recorder when `BAYPLAN_PHASES` names a file, else None."""
    global _recorder
    path = os.environ.get(PHASES_ENVIRONMENT, "").strip()
    if not path:
        return None
    with _recorder_lock:
        if _recorder is None or _recorder.path != path:
            if _recorder is not None:
                _recorder.close()
            _recorder = Recorder(path)
        return _recorder


def stop() -> None:
    """Forget the recorder and its GC callback (tests)."""
    global _recorder
    with _recorder_lock:
        if _recorder is not None:
            _recorder.close()
        _recorder = None


def begin() -> Token[Record | None] | None:
    """Start timing this request (its context and the worker threads it hands work to)."""
    if recorder() is None:
        return None
    return _current.set(Record(time.perf_counter()))


def end(token: Token[Record | None] | None, fields: dict[str, object]) -> None:
    if token is None:
        return
    record = _current.get()
    _current.reset(token)
    rec = recorder()
    if record is not None and rec is not None:
        rec.write(record, fields)


def mark() -> tuple[float, float, int] | None:
    """The clocks and thread now, for `since` (None when off): for a phase a `with` cannot enclose."""
    if _current.get() is None:
        return None
    return time.perf_counter(), time.thread_time(), threading.get_ident()


def since(name: str, started: tuple[float, float, int] | None) -> None:
    """Add the time from `started` (`mark`) to now to phase `name` (no CPU time across threads)."""
    record = _current.get()
    if record is None or started is None:
        return
    same = started[2] == threading.get_ident()
    _add(record, name, time.perf_counter() - started[0], time.thread_time() - started[1] if same else 0.0)


def _add(record: Record, name: str, wall: float, cpu: float) -> None:
    total = record.phases.setdefault(name, [0.0, 0.0, 0])
    total[0] += wall
    total[1] += cpu
    total[2] += 1


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the enclosed code as `name` in the current request's record (nothing when off)."""
    record = _current.get()
    if record is None:
        yield
        return
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        _add(record, name, time.perf_counter() - wall, time.thread_time() - cpu)
