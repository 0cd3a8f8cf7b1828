"""Bounded caches for the planning service: least recently used entries go first, per workshop.

Every cache of `PlanningService` is keyed by tuples whose first element is the workshop id.
Each workshop has its own LRU of at most `size` entries, so a storm of queries on one workshop
(say every date of the next thirty years) evicts only that workshop's older entries, never
another's; at most `partitions` workshops are kept (the least recently used one goes whole).
The bound is in entries, chosen so that the memory stays bounded too (see PlanningService).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

from cachetools import LRUCache

V = TypeVar("V")


class PartitionedLRU(Generic[V]):
    """A thread-safe LRU cache per partition (the key's first element), each of `size` entries."""

    def __init__(self, size: int, partitions: int = 64) -> None:
        if size < 1 or partitions < 1:
            raise ValueError("size and partitions must be at least 1")
        self.size = size
        self.partitions = partitions
        self._parts: LRUCache[Hashable, LRUCache[tuple[object, ...], V]] = LRUCache(maxsize=partitions)
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> V | None:
        with self._lock:
            part = self._parts.get(key[0])
            return None if part is None else part.get(key)

    def put(self, key: tuple[object, ...], value: V) -> None:
        with self._lock:
            part = self._parts.get(key[0])
            if part is None:
                part = LRUCache(maxsize=self.size)
                self._parts[key[0]] = part
            part[key] = value

    def discard(self, key: tuple[object, ...]) -> None:
        """Forget `key`'s entry, if there is one."""
        with self._lock:
            part = self._parts.get(key[0])
            if part is not None:
                part.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(part) for part in self._parts.values())

    def count(self, partition: Hashable) -> int:
        """Entries kept for one partition (a workshop)."""
        with self._lock:
            part = self._parts.get(partition)
            return 0 if part is None else len(part)

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()


class Droppable(Protocol):
    def drop_caches(self) -> None:
        """Let go of the caches (they are rebuilt on demand)."""


class CacheHolders:
    """The `size` objects that used their rebuildable caches last (least recently used first out),
    for a service's day versions (scheduler.slots.DayBook): a day version's free time takes about
    1 MB on a dealer-2011 date, and the offers and days cached keep thousands of versions alive.
    The one beyond `size` is told to drop its caches (`drop_caches`), not dropped itself. Holders
    are held weakly: one let go elsewhere leaves by itself."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self._held: OrderedDict[int, weakref.ref[Droppable]] = OrderedDict()
        self._lock = threading.Lock()
        self._newest: weakref.ref[Droppable] | None = None

    def touch(self, holder: Droppable) -> None:
        """`holder` used its caches (or built them): the most recently used now."""
        newest = self._newest
        if newest is not None and newest() is holder:  # the usual case in a storm: no lock
            return
        key = id(holder)
        with self._lock:
            ref = self._held.get(key)
            if ref is not None and ref() is holder:
                self._held.move_to_end(key)
                self._newest = ref
                return
            self._held[key] = self._newest = weakref.ref(holder)  # new, or a dead one's id reused
            self._held.move_to_end(key)
            if len(self._held) <= self.size:
                return
            for dead in [k for k, r in self._held.items() if r() is None]:
                del self._held[dead]
            dropped = []
            while len(self._held) > self.size:
                _, ref = self._held.popitem(last=False)
                if (old := ref()) is not None:
                    dropped.append(old)
        for old in dropped:  # outside the lock: dropping takes no lock of ours
            old.drop_caches()

    def __len__(self) -> int:
        """Holders alive that keep their caches."""
        with self._lock:
            return sum(1 for r in self._held.values() if r() is not None)
