"""What the background refinement is asked for, beside a slot query's own miss: the offer keys
asked lately on each workshop day and the kinds of booking asked on any day (refined ahead of the
next query when a booking change makes a new day version, and on days not asked yet while the
refiner has nothing else to do), a cache hit whose answer was never refined, and where each
refinement's answer goes (`OfferCache.deliver`). `PlanningService` owns one when it refines in the
background; the refinement itself runs in `refiner.py`'s process."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from scheduler import multiday
from scheduler.asked import AskedKinds, Kind
from scheduler.cache import PartitionedLRU
from scheduler.offer_cache import Entry, OfferCache, offers_key
from scheduler.refiner import Key, OfferRefiner
from scheduler.slots import NO_WANTS, DayBook, Offer, Wants, offers_may_grow

logger = logging.getLogger("bayplan")

RECENT_KEYS = 8
"""Offer keys remembered per workshop day (the last asked), refined ahead when a booking change
makes a new version of the day (`RefineAhead.after_change`), the most asked first."""

Asked = tuple[str, bool, str | None, Wants]
"""What a slot query asked: service, waiter, fleet partner, what the customer wants."""

Version = tuple[object, ...]


class RefineAhead:
    """The refiner (`OfferRefiner`, delivering into `offers`) and what it is asked for ahead.
    `packer`: the service's background thread, where the checks that need more than a look-up run
    after a request's answer. Bounded as the service's day caches: `day_entries` workshop days per
    workshop, for `workshops` workshops."""

    def __init__(
        self,
        offers: OfferCache,
        packer: ThreadPoolExecutor,
        exact_seconds: float,
        day_entries: int,
        workshops: int,
    ) -> None:
        self.offers = offers
        self.packer = packer
        self.refiner = OfferRefiner(exact_seconds, self.deliver)
        self._lock = threading.Lock()
        # The offer keys asked per workshop day, newest last (at most RECENT_KEYS a day, as many
        # days as the day cache per workshop): refined ahead when a booking change makes a version.
        self._asked: PartitionedLRU[OrderedDict[Key, tuple[Asked, int]]]
        self._asked = PartitionedLRU(day_entries, workshops)
        # The kinds of booking asked per workshop on any day: refined ahead on days not asked yet,
        # once per day version (the version they were last asked for, per workshop day).
        self._kinds = AskedKinds(workshops)
        self._kinds_refined: PartitionedLRU[Version] = PartitionedLRU(day_entries, workshops)

    def hit(self, key: Key, entry: Entry, asked: Asked) -> None:
        """A query of `key` answered from `entry` (a cache hit): remembered as asked, and a
        refinement asked for where none of it is in or on its way (pace16-s45, review-s44's
        finding: the refinement of its version was dropped, `OfferRefiner.most_wanted`, or failed,
        or the older version's, whose day a `same_as` hit relabelled, was delivered as nothing, and
        the answer stayed unrefined until a miss). In the request: an attribute and two dict
        look-ups; whether the answer may grow and whether a refinement under way merges into it,
        `_refine_hit`, in the packer's thread."""
        self._remember(key, asked)
        if entry.refined or self.refiner.waiting(key, entry.version):
            return
        with suppress(RuntimeError):  # (closed: nothing more to refine)
            self.packer.submit(self._refine_hit, key, entry.version, entry.day, asked)

    def missed(
        self,
        key: Key,
        asked: Asked,
        day: DayBook,
        version: Version,
        entry: Entry | None,
        offers: list[Offer],
        bound: dt.datetime | None,
    ) -> None:
        """A query of `key` answered by a search (`offers`, cached as `entry`; None: not kept):
        remembered as asked; its refinement asked for where the answer may grow, not again for a
        version already refined (a query that missed just before the refinement asked ahead was
        delivered: it would find the same times); then, after the answer, the kinds of booking
        asked on other days (`_kinds_soon`)."""
        self._remember(key, asked)
        refined = entry is not None and entry.refined
        if not refined and offers_may_grow(day, offers, bound if entry is None else entry.bound):
            service, waiter, fleet, wants = asked
            self.refiner.request(key, version, day, service, waiter, fleet, wants)
        with suppress(RuntimeError):  # (closed: nothing more to refine) after the answer
            self.packer.submit(self._kinds_soon, day, version)

    def _refine_hit(self, key: Key, version: Version, day: DayBook, asked: Asked) -> None:
        """`hit`'s request, if `key`'s answer at `version` is still cached unrefined, may grow
        (`offers_may_grow`), and no refinement of it waits or runs at `version` or on a day
        `same_as` this one (its result merges into this answer, `OfferCache.deliver`): one running
        on another day's content is delivered as nothing here, so this one is queued behind it."""
        cached = self.offers.get(key)
        if day.superseded or cached is None or cached.version != version:
            return
        if cached.refined or not offers_may_grow(day, cached.offers, cached.bound):
            return
        if self.refiner.waiting(key, version):
            return
        running = self.refiner.running_day(key)
        if running is not None and (running is day or running.same_as(day)):
            return
        service, waiter, fleet, wants = asked
        self.refiner.request(key, version, day, service, waiter, fleet, wants)

    def _remember(self, key: Key, asked: Asked) -> None:
        """`key` (valid: it was just answered) is the newest asked on its workshop day, once more.
        Past RECENT_KEYS a day, the least asked of the others goes (of those, the oldest asked):
        one-off keys (a parts ETA each, hostile or just varied) take turns in one place and never
        push out a key the desk asks all day."""
        day_key = key[:2]  # (workshop id, date)
        service, waiter, fleet, wants = asked
        if wants.parts_eta is None:  # a parts ETA is one customer's own: no kind to refine ahead
            self._kinds.asked(str(day_key[0]), Kind(service, waiter, fleet, wants.loan_car))
        with self._lock:
            keys = self._asked.get(day_key)
            if keys is None:
                keys = OrderedDict()
                self._asked.put(day_key, keys)
            _, count = keys.pop(key, (asked, 0))
            keys[key] = (asked, count + 1)
            while len(keys) > RECENT_KEYS:
                others = list(keys.items())[:-1]  # oldest first; min keeps the oldest of a tie
                least = min(others, key=lambda item: item[1][1])[0]
                del keys[least]

    def asked_keys(self, workshop_id: str, date: dt.date) -> list[Key]:
        """The offer keys asked on the day that a booking change refines ahead, in the order it
        refines them: the most asked first, then the newest asked."""
        return [key for key, _ in self._refined_first(workshop_id, date)]

    def _refined_first(self, workshop_id: str, date: dt.date) -> list[tuple[Key, Asked]]:
        with self._lock:
            keys = self._asked.get((workshop_id, date))
            listed = [] if keys is None else list(keys.items())
        newest_first = [(key, asked, count) for key, (asked, count) in reversed(listed)]
        return [(key, asked) for key, asked, _ in sorted(newest_first, key=lambda k: -k[2])]  # stable

    def after_change(self, day: DayBook, version: Version) -> None:
        """Ask the background refinement for the day version a booking change just committed, for
        the keys asked on the day lately, the most asked (then the newest asked) refined first (asked
        for last: the refiner takes its newest request next), then for the kinds of booking the
        workshop's desks asked on other days and not on this one, the most asked first
        (`scheduler.asked`): on a full day a refinement takes a second or two, and the next booking
        may come before every key is refined. Its answer is cached for that version
        (OfferCache.deliver), so the next query of it is answered without a search; a later change
        of the day asks again, and only the newest version of a key waits (OfferRefiner)."""
        if day.superseded:
            return
        on_day = self._refined_first(day.workshop.id, day.date)
        wanted = [(key, asked) for key, asked in on_day if self.may_grow(key, day, version)]
        with self.refiner.batch():  # queued together: an idle refiner starts with the most asked
            for key, (service, waiter, fleet, wants) in reversed(wanted):
                if day.superseded:  # booked again meanwhile: that booking asks for its own version
                    return
                self.refiner.request(key, version, day, service, waiter, fleet, wants)
        with suppress(RuntimeError):  # (closed: nothing more to refine)
            self.packer.submit(self._kinds_soon, day, version)

    def _kinds_soon(self, day: DayBook, version: Version) -> None:
        """`_kinds` in the packer's thread (after a booking's or a query's answer: never in a
        request's time), once per day version."""
        day_key = (day.workshop.id, day.date)
        if self._kinds_refined.get(day_key) == version:
            return
        self._kinds_refined.put(day_key, version)
        try:
            self._kinds_ahead(day, version)
        except Exception:  # a best effort in the background: its future is never read, so say it here
            logger.exception("refining other kinds ahead on %s's day %s failed", day.workshop.id, day.date)

    def _kinds_ahead(self, day: DayBook, version: Version) -> None:
        """Ask the background refinement, only while it has nothing else to do, for `day`'s
        `version` of each kind of booking the workshop's desks ask on any day and not lately on
        this one (`AskedKinds`, the most asked first), where its answer may grow: after a booking
        change (`after_change`) and the first query of a day version (`missed`), so that at a
        desk's pace the next query of any usual kind on a day being asked about finds it refined."""
        if day.superseded:
            return
        on_day = self._refined_first(day.workshop.id, day.date)
        kinds = [(key, asked) for key, asked in self._kinds_not_asked(day, on_day)
                 if self.may_grow(key, day, version)]  # fmt: skip
        with self.refiner.batch():
            for key, (service, waiter, fleet, wants) in reversed(kinds):
                self.refiner.request(key, version, day, service, waiter, fleet, wants, idle=True)

    def _kinds_not_asked(self, day: DayBook, on_day: list[tuple[Key, Asked]]) -> list[tuple[Key, Asked]]:
        """The offer keys of the kinds the workshop's desks asked on any day (`AskedKinds`, the most
        asked first) that `day` has not been asked for lately, and that the day's workshop still
        offers as one day's work (a multi-day answer is found afresh,
        `PlanningService._multi_day_offers`)."""
        workshop = day.workshop
        asked = {key for key, _ in on_day}
        keys = []
        for kind in self._kinds.most_asked(workshop.id):
            service = workshop.service(kind.service)
            if service is None or (multiday.multi_day(service) and not kind.waiter):
                continue
            if kind.fleet is not None and kind.fleet not in workshop.fleet_partners():
                continue
            if kind.loan_car and workshop.loan_cars == 0:
                continue
            wants = Wants(loan_car=True) if kind.loan_car else NO_WANTS
            key = offers_key(workshop.id, day.date, kind.service, kind.waiter, kind.fleet, wants)
            if key not in asked:
                keys.append((key, (kind.service, kind.waiter, kind.fleet, wants)))
        return keys

    def deliver(
        self, key: Key, version: Version, offers: list[Offer], day: DayBook, bound: dt.datetime | None
    ) -> Entry | None:
        """A refinement's answer into the cache: shown (holding a booking made without the promise
        its desk showed to this answer's, `OfferCache.shown`) where the key was asked on the day;
        a kind refined ahead from other days' queries was shown nobody until a query is answered
        from it."""
        with self._lock:
            keys = self._asked.get(key[:2])
            asked = keys is not None and key in keys
        return self.offers.deliver(key, version, offers, day, bound, refined=True, shown=asked)

    def may_grow(self, key: Key, day: DayBook, version: Version) -> bool:
        """Could refining `key` on `day` at `version` add times to what its next query answers? Not
        when that version is refined already or its answer cannot grow (`offers_may_grow`); nor
        when the answer cached for an earlier version offered the last time that can fit (the last
        candidate time, or the last before the bound it knows, if the day grew from it by bookings
        alone) and that offer still fits this day (`DayBook.carried`: the next query carries it
        over, `offers_after`, and an offer at a time stands for every earlier one). A cheap check
        in the request thread (no search: a look at one offer's placements); a wrong guess only
        costs a refinement or leaves one to the next query, never an offer."""
        cached = self.offers.get(key)
        if cached is None:
            return True
        if cached.version == version:
            return not cached.refined and offers_may_grow(day, cached.offers, cached.bound)
        proven = [o for o in cached.offers if not o.overbooked]
        added = day.placements_added_since(cached.day)
        if not proven or added is None:
            return True
        grown = day.grown_from(cached.day) is not None  # by bookings alone: they only took room
        last = day.carried(proven[-1], added, grown)
        return last is None or offers_may_grow(day, [last], cached.bound if grown else None)
