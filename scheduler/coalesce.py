"""Background work that coalesces: `work(key)` runs in a small thread pool, at most one run per key
at a time; asking again while a key's run is in progress only marks the key dirty, and the run
repeats once when it ends, from the newest state (newest state wins, nothing queues up).

The shop floor re-plans a day this way after each clock event (scheduler/live_replan.py): N events
during one re-plan cost at most one more re-plan, not N."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

logger = logging.getLogger("bayplan")

K = TypeVar("K", bound=Hashable)

#: How many keys' run counts are kept (the oldest are forgotten first).
RECENT_KEYS = 256


class Coalescer(Generic[K]):
    """Runs `work(key)` in the background, coalescing requests per key (see the module)."""

    def __init__(self, work: Callable[[K], None], name: str = "coalesce", threads: int = 2) -> None:
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._active: set[K] = set()
        """Keys queued or running."""
        self._dirty: set[K] = set()
        """Keys asked for again since their run began."""
        self.runs: OrderedDict[K, int] = OrderedDict()
        """Runs finished per key (tests and metrics), for the newest RECENT_KEYS keys only: a server
        running for months sees a new day per workshop every day."""
        self._closed = False

    def request(self, key: K) -> None:
        """Run `work(key)` soon; if it is queued or running, once more after that run at most."""
        with self._lock:
            if self._closed:
                return
            if key in self._active:
                self._dirty.add(key)
                return
            self._active.add(key)
        self._pool.submit(self._run, key)

    def pending(self, key: K) -> bool:
        """Whether a run of `key` is queued or in progress."""
        with self._lock:
            return key in self._active

    def dirty(self, key: K) -> bool:
        """Whether `key` was asked for again since its run in progress began (another run follows)."""
        with self._lock:
            return key in self._dirty

    def idle(self) -> bool:
        with self._lock:
            return not self._active

    def _run(self, key: K) -> None:
        while True:
            with self._lock:
                self._dirty.discard(key)  # what is asked from here on needs another run
            try:
                self._work(key)
            except Exception:  # one failed run never stops the next
                logger.exception("background work for %r failed", key)
            with self._lock:
                self.runs[key] = self.runs.pop(key, 0) + 1
                while len(self.runs) > RECENT_KEYS:
                    self.runs.popitem(last=False)
                if key not in self._dirty or self._closed:
                    self._active.discard(key)
                    self._dirty.discard(key)
                    return

    def close(self) -> None:
        """Stop taking requests; runs in progress finish."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
