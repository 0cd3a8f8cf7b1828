"""The slot offers the service has answered, per (workshop, date, service, waiter, fleet partner,
wants) and day version: how a refinement merges into the quick answer, and how a booking reuses
a cached offer's placement."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import NamedTuple

from scheduler.cache import PartitionedLRU
from scheduler.contract import Booking, Workshop
from scheduler.slots import NO_WANTS, DayBook, Offer, Reshuffled, Wants


class Entry(NamedTuple):
    """The day version the offers were made for, the offers, and the day they were made on."""

    version: tuple[object, ...]
    offers: list[Offer]
    day: DayBook
    refined: bool = False
    """A refinement of this very version is in (`OfferCache.deliver`): refining it again would find
    the same times, so a query of it asks for none (`PlanningService._day_offers`)."""
    bound: dt.datetime | None = None
    """The earliest drop-off CP-SAT proved not to fit on this version or on one it grew from by
    bookings (`DayBook.offers_and_bound`): no time from it on can be offered, refined or not."""
    shown: bool = True
    """A slot query answered with it. False: a multi-day answer a booking made for its own fit
    (`PlanningService._multi_day_fit`), which nobody was shown: it holds no booking to its promises
    (`OfferCache.shown`) until a query is answered from it."""


def _replaces(new: Offer, kept: Offer) -> bool:
    """Does `new` take the place of `kept`, cached for the same day version and drop-off? Both hold
    (each with its own witness of that version), but a query may have shown `kept`'s promise, and a
    booking at that time takes the cached offer (`fit`): so never a later promise for an earlier
    one (promise16-s37: a refinement that filled the time from a later time's placement, landing
    between the query and the booking, had a customer told 17:30 booked for the next morning); an
    earlier promise does (the customer is booked no later than told, the next query shown it).
    A time with a witness is never given up for an overbooked one; an overbooked one gives way to a
    witness promised no later (promise16-s39: else a refinement's witness promised the next morning
    would replace a slot shown overbooked for 17:30, and the booking there take it; the booking is
    held to the cached offer, `shown`, and sold as shown where nothing earlier fits)."""
    if new.overbooked != kept.overbooked:
        return kept.overbooked and new.promised <= kept.promised
    return new.promised < kept.promised


def offers_key(
    workshop_id: str, date: dt.date, service: str, waiter: bool, fleet: str | None, wants: Wants
) -> tuple[object, ...]:
    """The offers cache's key: today's key unless the customer wants a loan car or awaits parts."""
    key: tuple[object, ...] = (workshop_id, date, service, waiter, fleet)
    return key if wants == NO_WANTS else (*key, wants)


class OfferCache(PartitionedLRU[Entry]):
    """Offers per key and day version, bounded per workshop (scheduler.cache), with the hits and
    misses of the slot queries (metrics)."""

    def __init__(self, size: int, partitions: int = 64) -> None:
        super().__init__(size, partitions)
        self.hits = 0
        self.misses = 0
        self._deliveries = threading.Lock()

    def deliver(
        self,
        key: tuple[object, ...],
        version: tuple[object, ...],
        offers: list[Offer],
        day: DayBook,
        bound: dt.datetime | None = None,
        refined: bool = False,
        shown: bool = True,
    ) -> Entry | None:
        """Cache `offers`; an answer merged into another answer of its own version (a refinement
        into the quick answer, or a quick answer that missed the refinement just delivered) keeps
        the other's times it did not find itself (each offer carries its own witness of the same
        day: the heuristics and CP-SAT's time limit do not find the same times) and, at a time both
        found, the earlier promise (`_replaces`: never a later one than a query may have shown). A
        refinement of a version no query has answered yet (asked ahead by a booking,
        `RefineAhead.after_change`) replaces an answer of another version unless that one is
        newer (made from it by bookings here) or its own day was booked since (`superseded`): the
        next query of its version is answered from it without a search, and a query of a later
        version carries its offers over.
        Whatever the order, a query serves an entry only at its own version (`fit` and
        `PlanningService._day_offers` check it), so a misjudged order costs a search, never a
        wrong offer. Returns what is cached for `key` now (None: `offers` were not kept), `refined`
        once a refinement of its version is in, with the earliest `bound` either answer knows;
        `shown` once either answer was a query's (False: refined ahead for a key no query of the
        day asked, `RefineAhead.deliver`)."""
        with self._deliveries:
            cached = self.get(key)
            if cached is not None and cached[0] != version and cached[2].same_as(day):
                # The same day under another version (`DayBook.same_as`, served by a query of
                # the newer one): one answer, merged below as an answer of its own version.
                version, day = cached[0], cached[2]
            if refined and cached is not None and cached[0] != version:
                if day.superseded or cached[2].added_since(day) is not None:
                    return None
                cached = None  # an older version's answer (or one of unknown order): replaced
            if cached is not None and cached[0] != version and cached[2].added_since(day) is not None:
                return None  # a query that read the day before a booking: the newer answer stays
            if cached is not None and cached[0] == version:
                # The same version answered twice (a refinement and a quick answer, in either
                # order: a query may miss just before the refinement asked ahead is delivered):
                # every time either found is kept, each with the earlier of the two promises.
                merged = {o.drop_off: o for o in cached[1]}
                for o in offers:
                    kept = merged.get(o.drop_off)
                    if kept is None or _replaces(o, kept):
                        merged[o.drop_off] = o
                offers = [merged[t] for t in sorted(merged)]
                refined = refined or cached.refined
                shown = shown or cached.shown
                bound = min((b for b in (bound, cached.bound) if b is not None), default=None)
            entry = Entry(version, offers, day, refined, bound, shown)
            self.put(key, entry)
            return entry

    def mark_shown(self, key: tuple[object, ...], version: tuple[object, ...]) -> None:
        """The answer cached for `key` at `version`, refined ahead and shown to nobody, is a query's
        now (`Entry.shown`), read and written under the delivery lock: a quick answer of the same
        version merged into it since the query read it is kept (review-s45: the query's older copy
        overwrote it, and a booking at a time the merge promised earlier was held to the later)."""
        with self._deliveries:
            cached = self.get(key)
            if cached is not None and cached.version == version and not cached.shown:
                self.put(key, cached._replace(shown=True))

    def relabel(self, key: tuple[object, ...], version: tuple[object, ...], day: DayBook) -> Entry | None:
        """The cached answer of `key`, if its day holds what `day` holds (`DayBook.same_as`), as the
        answer of `version` (`day`'s), read and written under the delivery lock: a refinement merged
        into it since a query read it is kept (review-s44: the query's older copy overwrote it).
        None: no such answer now (evicted, or another day's since)."""
        with self._deliveries:
            cached = self.get(key)
            if cached is None:
                return None
            if cached.version == version:
                return cached
            if not cached.day.same_as(day):
                return None
            entry = cached._replace(version=version, day=day, shown=True)
            self.put(key, entry)
            return entry

    def shown(
        self, workshop: Workshop, date: dt.date, booking: Booking, multi_day: bool = False
    ) -> Offer | None:
        """The offer cached at `booking`'s drop-off for its own kind (waiter or not, fleet partner,
        loan car, parts ETA; `multi_day`: work that may carry over, cached under its own key by
        `PlanningService._multi_day_offers`), witnessed or overbooked, whatever day version it was
        made on: what the last slot query of that kind showed at that time (answers of one version
        merged keep the earlier promise per time, `_replaces`, so no query of it showed a promise
        earlier than this one's; not a multi-day answer only a booking's own fit made, `Entry.shown`),
        on `workshop` as it is now (as a day holds it, `DayBook.workshop`:
        `multiday.day_workshop`). None: no answer of that kind offered the time, it is no longer
        cached, or it was made for the workshop as it was before a change (a refinement of an
        answer from before the change can land after it, replacing the answer made since:
        promise16-s39, a confidence set in between had its 09:35 held to the 09:15 of before)."""
        wants = Wants(booking.loan_car, booking.parts_eta)
        key = offers_key(workshop.id, date, booking.service, booking.waiter, booking.fleet_partner, wants)
        cached = self.get((*key, "multi-day") if multi_day else key)
        if cached is None or not cached.shown:
            return None
        if not (cached.day.workshop is workshop or cached.day.workshop == workshop):
            return None
        return next((o for o in cached.offers if o.drop_off == booking.drop_off), None)

    def fit(
        self, day: DayBook, booking: Booking, version: Callable[[], tuple[object, ...]], exact: bool = False
    ) -> Offer | None:
        """A cached offer of the same kind at this time or later (`exact`: at this time) carries a
        placement that fits now (`version`: the day's version now, read only when needed). A
        drop-off booking also takes the offer its time was shown to a waiter (a customer who asked
        to wait and leaves the vehicle instead): the same release, and its promise is never earlier
        than the waiter's, so the waiter's placement serves it too."""
        wants = Wants(booking.loan_car, booking.parts_eta)
        kinds = [booking.waiter] if booking.waiter else [False, True]
        for waiter in kinds:
            key = offers_key(day.workshop.id, day.date, booking.service, waiter, booking.fleet_partner, wants)
            offer = self._kind_fit(day, booking, key, version, exact)
            if offer is not None:
                return offer
        return None

    def _kind_fit(
        self,
        day: DayBook,
        booking: Booking,
        key: tuple[object, ...],
        version: Callable[[], tuple[object, ...]],
        exact: bool,
    ) -> Offer | None:
        """`fit` from the offers cached under `key`."""
        cached = self.get(key)
        if cached is None:
            return None
        later = [
            o
            for o in cached[1]
            if (o.drop_off == booking.drop_off if exact else o.drop_off >= booking.drop_off)
            and not o.overbooked
        ]
        if later and cached[0] != version():
            # Made on an earlier version (other desks booked since the query): the offers that
            # still fit this day carry over, as they do for the next query (DayBook.offers_after).
            added = day.placements_added_since(cached[2])
            if added is None:
                return None
            grown = day.grown_from(cached[2]) is not None
            reshuffled: Reshuffled = {}
            kept = (day.carried(o, added, grown, reshuffled) for o in later)
            later = [o for o in kept if o is not None]
        if not later:
            return None
        return day.reoffer(booking, min(later, key=lambda o: o.drop_off))
