"""The kinds of booking a workshop's desks ask slots for, on any day: refined ahead on a day no
query of that kind has asked yet (`RefineAhead.after_change`).

A slot query of a kind the day has not been asked for lately gets the immediate answer (a quick fit
and a search of a few tens of milliseconds), which on a day bound by its technicians offers about
four in five of the times that fit; a refined answer offers nearly all. The kinds a desk asks repeat
from day to day (the workshop's service mix), so once a booking changes a day, the kinds asked on
any day are refined for it too, after the kinds asked on that very day: at a desk's pace the next
query of any usual kind finds its answer refined.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from cachetools import LRUCache

WORKSHOP_KINDS = 24
"""Kinds remembered per workshop (the most asked; of a tie, the newest stays): dealer-2011's
service mix asks 16 (eight services that fit a day, waiting or not) and a fleet partner's few."""


class Kind(NamedTuple):
    """What a slot query asks for, whatever its date: service, waiter, fleet partner, loan car.
    A parts ETA is one customer's own (a key of its day alone): never a kind."""

    service: str
    waiter: bool
    fleet: str | None
    loan_car: bool


class AskedKinds:
    """Per workshop (at most `workshops`, the least recently asked forgotten whole), how often each
    kind was asked, at most `WORKSHOP_KINDS` kinds each: past it the least asked goes (of a tie,
    the oldest asked), so a run of one-off kinds never pushes out one the desk asks every day.
    Thread-safe."""

    def __init__(self, workshops: int) -> None:
        self._counts: LRUCache[str, dict[Kind, int]] = LRUCache(maxsize=workshops)
        self._lock = threading.Lock()

    def asked(self, workshop_id: str, kind: Kind) -> None:
        with self._lock:
            counts = self._counts.get(workshop_id)
            if counts is None:
                counts = {}
                self._counts[workshop_id] = counts
            counts[kind] = counts.pop(kind, 0) + 1  # re-inserted: the newest asked
            while len(counts) > WORKSHOP_KINDS:
                others = list(counts)[:-1]  # oldest first; min keeps the first of a tie
                del counts[min(others, key=counts.__getitem__)]

    def most_asked(self, workshop_id: str) -> list[Kind]:
        """The workshop's kinds, the most asked first (of a tie, the newest asked)."""
        with self._lock:
            counts = self._counts.get(workshop_id)
            listed = [] if counts is None else list(counts.items())
        newest_first = list(reversed(listed))
        return [kind for kind, _ in sorted(newest_first, key=lambda item: -item[1])]  # stable
