"""Bounded caches for the planning service: least recently used entries go first, per workshop.

Every cache of `PlanningService` is keyed by tuples whose first element is the workshop id.
Each workshop has its own LRU of at most `size` entries, so a storm of queries on one workshop
(say every date of the next thirty years) evicts only that workshop's older entries, never
another's; at most `partitions` workshops are kept (the least recently used one goes whole).
The bound is in entries, chosen so that the memory stays bounded too (see PlanningService).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

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
