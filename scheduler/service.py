"""The planning service over storage: workshops, slot offers, bookings that fit, and day plans."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import replace
from functools import partial
from typing import Literal, NamedTuple, cast
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler import booking_changes, multiday, phases, refusals
from scheduler.cache import CacheHolders, PartitionedLRU
from scheduler.capacity import CapacityRules, after_desk_hours
from scheduler.clock import SYSTEM_CLOCK, Clock
from scheduler.clocking import car_words
from scheduler.contention import Contention, fair_share
from scheduler.contract import (
    FIRST_DATE,
    LAST_DATE,
    STORED_CONTEXT,
    Assignment,
    Booking,
    Moment,
    OperationEvent,
    Overrun,
    Plan,
    PlanOptions,
    PlanRequest,
    ReplanRequest,
    Workshop,
    stored_workshop,
)
from scheduler.desk_checks import (
    DETAILS,
    FORCEABLE,
    IDEMPOTENCY_FIELD,
    PROMISED_FIELD,
    check_if_match,
    check_kind,
    check_promise_sent,
    drop_off_in_opening_hours,
    drop_off_not_past,
    not_past,
    request_hash,
)
from scheduler.errors import (
    CancelledReplay,
    Conflict,
    DayChanged,
    InputError,
    NotFound,
    WorkshopConflict,
    from_validation_error,
)
from scheduler.i18n import N_, moment_words
from scheduler.integrity import checked_plan
from scheduler.loading import DayLoad, day_load
from scheduler.offer import SlotQuery
from scheduler.offer_cache import Entry, OfferCache, offers_key
from scheduler.phases import phase
from scheduler.plan_tasks import PlanBasis, basis_text, plan_from_witness, replan_check_request, replan_plan
from scheduler.refine_ahead import RefineAhead
from scheduler.refiner import OfferRefiner
from scheduler.replan import check_now_on_day
from scheduler.slots import EJECTION_SECONDS, NO_WANTS, DayBook, Offer, Wants
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage import workshops as workshops_db
from scheduler.storage.tables import BookingRow
from scheduler.workshop_changes import (
    broken_by,
    clocked_work_off_its_day,
    clocked_work_orphaned,
    clocked_work_unplannable,
    past_from,
)

logger = logging.getLogger("bayplan")

DayListing = Literal["own", "carried_in", "pickup_only"]
"""Why a booking is listed on a day (`PlanningService.day_bookings`)."""


def _with_details(old: Booking, changes: dict[str, object]) -> Booking:
    """`old` with the customer's new details, its state (promise, at risk, overbooked) as it was."""
    try:
        # The changes were checked at the boundary; the rest is the booking as stored.
        return Booking.model_validate({**old.model_dump(), **changes}, context=STORED_CONTEXT)
    except ValidationError as exc:
        raise from_validation_error(exc) from None


LOADING_DAYS = 62
"""The loading chart's longest range (two months)."""

ALTERNATIVE_DAYS = dt.timedelta(days=7)
"""How far a refused booking's alternatives look past a full day: a week, each day a slot query
(the cached offers where asked before)."""

OFFERED_CHANGES = 256
"""Refused changes whose alternatives are remembered (`_Offered`), the least recently refused
forgotten first: a few KB each (the day's bookings are shared, not copied)."""

_Contents = dict[tuple[str, str], tuple[Booking, tuple[Assignment, ...]]]


def _contents(day: DayBook) -> _Contents:
    """What a day's offers depend on besides its workshop and rules: every booking it holds
    (accepted, at risk, its vehicle held), each with its witness."""
    return {
        (kind, b.id): (b, tuple(w))
        for kind, entries in (("accepted", day.accepted), ("at_risk", day.at_risk), ("held", day.held))
        for b, w in entries
    }


class _PromiseSent(BaseModel):
    """A booking request's `promised` (the pickup its desk showed), checked as every moment is."""

    promised: Moment | None = None


class _Offered(NamedTuple):
    """The alternatives a refused change was offered on a day it held, found on that day without
    it (`_without`, never cached, so a PATCH to one finds no cached offer): the change refused,
    and the day they were found on (workshop, rules, the bookings it holds with their witnesses)."""

    refused: Booking
    date: dt.date
    workshop: Workshop
    rules: CapacityRules
    contents: _Contents
    offers: tuple[Offer, ...]

    def fit(self, day: DayBook, booking: Booking) -> Offer | None:
        """The offered alternative at `booking`'s drop-off, its placement (and its reshuffle of the
        others) as offered, if `booking` is the refused change at that time and `day` (without it)
        holds just what the day it was found on held: its witness was made for that very day, so
        the promise is the one offered. None otherwise (the usual fits decide)."""
        match = next((o for o in self.offers if o.drop_off == booking.drop_off), None)
        if match is None or day.date != self.date or day.rules != self.rules:
            return None
        if booking.model_copy(update={"drop_off": self.refused.drop_off}) != self.refused:
            return None
        if day.workshop is not self.workshop and day.workshop != self.workshop:
            return None
        if _contents(day) != self.contents:
            return None
        return day.reoffer(booking, match)


def _without(day: DayBook, booking_id: str) -> DayBook:
    """`day` without anything of booking `booking_id` (its work, its held vehicle, or it at risk):
    a new DayBook, not cached; `day` itself where it holds nothing of it."""
    entries = [*day.accepted, *day.at_risk, *day.held]
    kept = [(b, w) for b, w in entries if b.id != booking_id]
    if len(kept) == len(entries):
        return day
    freed = DayBook(day.workshop, day.date, kept, day.rules)
    freed.caches = day.caches
    return freed


def _pack_unless_superseded(day: DayBook, contention: Contention) -> None:
    """Repack `day` if a search on the version before it needed packing (a full day: an emptier
    one is answered by the quick fits, and a storm on it would pay 10-30 ms of CPU per booking for
    nothing), unless a later booking already made a newer version (only the newest is queried
    next). A query that needs it packs it itself otherwise, outside its budget. With k requests
    under way, `PACK_SECONDS / k`, as a query's search gets its share (scheduler.contention)."""
    if day.pack_ahead and not day.superseded:
        day.pack(share=1 / max(1, contention.busy))


class _DayReads:
    """One request's reads of a workshop's days: each date's version read once, and its DayBook
    (`PlanningService._day`, cached per version) once, at that version; `looked`, the versions
    read (filled as they are asked). Inside a booking transaction (the workshop locked) a day
    cannot change between two reads, so a second read would only cost a query; in a read session
    the version kept is the one the day was read at."""

    def __init__(
        self,
        service: PlanningService,
        session: Session,
        workshop: Workshop,
        day: DayBook | None = None,
        version: tuple[object, ...] = (),
    ) -> None:
        self._read = partial(service._day, session, workshop)
        self._version = partial(bookings_db.day_version, session, workshop.id)
        self.looked: dict[dt.date, object] = {}
        self._days: dict[dt.date, DayBook] = {}
        if day is not None:  # read already, at `version`
            self.looked[day.date] = version
            self._days[day.date] = day

    def version(self, date: dt.date) -> tuple[object, ...]:
        if date not in self.looked:
            self.looked[date] = self._version(date)
        return cast("tuple[object, ...]", self.looked[date])

    def __call__(self, date: dt.date) -> DayBook:
        if date not in self._days:
            self._days[date] = self._read(date, self.version(date))
        return self._days[date]


class PlanningService:
    """Workshops, slots, bookings and plans over a store.

    Slot offers are cached per (workshop, date, service, waiter, fleet partner) and day version.
    A miss answers at once with the quick fit; with `exact_seconds` a background thread then
    refines the entry with CP-SAT (times the quick fit refused but a reshuffled day can take).
    A booking at a time the quick fit refuses reuses a cached offer's placement, else moves the
    bookings in its way (scheduler.ejection), else CP-SAT checks it within `booking_exact_seconds`.

    The caches are bounded LRUs per workshop (scheduler.cache): a storm of distinct dates on one
    workshop evicts only that workshop's oldest entries. An offer entry keeps its day version,
    about 90 KB for a dealer-2011 date with two bookings, so `offer_cache_entries` = 1,000 holds
    a workshop's offers under about 90 MB, for at most `cached_workshops` workshops. A day version
    that answered a query also keeps its witness's free time (a minute grid: about 1.1 MB on
    dealer-2011) and its packed and moved days: only the `day_caches_kept` = 64 versions used last
    (of every workshop) keep them, about 75 MB on dealer-2011 (the others rebuild them when next
    used). Unbounded, 320 dealer-2011 dates with two bookings each held 551 MB, growing 1.7 MB a
    date; bounded, 110 MB (bench/RESULTS-memory-s8.md).
    """

    def __init__(
        self,
        store: Store,
        rules: CapacityRules | None = None,
        exact_seconds: float = 1.0,
        refine_in_background: bool = True,
        ejection_seconds: float = EJECTION_SECONDS,
        booking_exact_seconds: float = 0.0,
        clock: Clock = SYSTEM_CLOCK,
        offer_cache_entries: int = 1_000,
        day_cache_entries: int = 200,
        cached_workshops: int = 32,
        day_caches_kept: int = 64,
    ) -> None:
        self.store = store
        self.clock = clock
        self.rules = rules or CapacityRules()
        self.exact_seconds = exact_seconds
        # CPU time an immediate answer (and a booking) may spend moving bookings out of the way.
        self.ejection_seconds = ejection_seconds
        # Kept short: it runs under the workshop's lock, holding up every other booking.
        self.booking_exact_seconds = booking_exact_seconds
        # Offers per (workshop, date, service, waiter, fleet): the version and day they were made for.
        self.offer_cache_entries = offer_cache_entries
        self.day_cache_entries = day_cache_entries
        self._offers = OfferCache(offer_cache_entries, cached_workshops)
        # The day's bookings and witness per (workshop, date, version): a query reading the day
        # just before a booking commits loads the older version beside the newer one instead of
        # replacing it (the newer one, made by the booking, carries the lineage that lets offers
        # be carried over the booking rather than recomputed).
        self._days: PartitionedLRU[tuple[tuple[object, ...], DayBook]] = PartitionedLRU(
            day_cache_entries, cached_workshops
        )
        # The keys of `_days` put by this thread's booking transaction under way (None: none is).
        self._uncommitted = threading.local()
        # The day versions (of every workshop, the days above and those the offers keep) that keep
        # their free time, packed and moved days: the least recently used beyond it drop them.
        self._day_caches = CacheHolders(day_caches_kept)
        # Each workshop's text and what it parses to (a new text replaces the old one).
        self._workshops: LRUCache[str, tuple[dt.datetime | None, str, Workshop]] = LRUCache(
            maxsize=4 * cached_workshops
        )
        # Held while a request uses it (weakly here): an id from outside naming no workshop leaves nothing.
        self._workshop_locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()
        self._ahead: RefineAhead | None = None  # (None: CP-SAT in the request, no refinement)
        # Slot queries and bookings under way: a query's search budget is shared among them.
        self.contention = Contention()
        # Called with (workshop id, date, plan) after each plan is stored (the shop floor's pushes).
        self.plan_listeners: list[Callable[[str, dt.date, Plan], None]] = []
        # Each day version a booking makes is repacked (DayBook.pack) here, after the booking's
        # answer, not in the first slot query on it (which would lose half its search budget).
        self._packer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bayplan-pack")
        if refine_in_background and exact_seconds > 0:
            # The background refinement and what it is asked for ahead of the next query.
            self._ahead = RefineAhead(
                self._offers, self._packer, exact_seconds, day_cache_entries, cached_workshops
            )
        # Per (workshop, booking): the alternatives its last refused change was offered on a day it
        # held (a PATCH to one of them gets the promise offered, `_Offered.fit`).
        self._offered: LRUCache[tuple[str, str], _Offered] = LRUCache(maxsize=OFFERED_CHANGES)

    @property
    def offer_cache_hits(self) -> int:
        """Slot queries answered from the cache (metrics)."""
        return self._offers.hits

    @property
    def offer_cache_misses(self) -> int:
        """Slot queries that searched (metrics)."""
        return self._offers.misses

    @property
    def refiner(self) -> OfferRefiner | None:
        """The background refinement (None: CP-SAT in the request): benchmarks read its queue and CPU."""
        return None if self._ahead is None else self._ahead.refiner

    def start_background(self) -> None:
        """Start the background refinement's worker process now rather than on the first query."""
        if self._ahead is not None:
            self._ahead.refiner.start()

    def warm(self) -> None:
        """Run once the reads every slot query and booking makes, for a workshop that does not
        exist: SQLAlchemy compiles a statement on its first use (about 30 ms of CPU for these),
        which the first desks' requests after a start otherwise pay at once. Changes nothing."""
        nobody, day = "", dt.date(2000, 1, 1)
        with self.store.sessions() as reads, self.store.transaction() as writes:  # a booking's reads
            for session in (reads, writes):
                workshops_db.revision(session, nobody)
                workshops_db.body(session, nobody)
                bookings_db.day_version(session, nobody, day)
                bookings_db.day_accepted(session, nobody, day)
                bookings_db.carried_into(session, nobody, day)
            self.store.lock_workshop(writes, nobody)
            bookings_db.by_idempotency_key(writes, nobody, nobody, nobody)

    def refine_idle(self, timeout: float | None = None) -> bool:
        """Wait until the background refinements asked for so far are done (tests, benchmarks)."""
        return self._ahead is None or self._ahead.refiner.wait_idle(timeout)

    def pack_idle(self) -> None:
        """Wait until the day versions made so far are repacked (`_pack_soon`; tests, benchmarks)."""
        with suppress(RuntimeError):  # closed: nothing left to wait for
            self._packer.submit(lambda: None).result()

    def close(self) -> None:
        self._packer.shutdown(wait=True, cancel_futures=True)
        if self._ahead is not None:
            self._ahead.refiner.close()

    @contextmanager
    def _booking_transaction(self, workshop_id: str) -> Iterator[Session]:
        """Booking changes of one workshop queue on a lock in this process first: a FIFO wait
        instead of the database's busy retries (the database lock still guards other processes)."""
        with self._lock:
            lock = self._workshop_locks.setdefault(workshop_id, threading.Lock())
        with phase("booking lock wait"):
            lock.acquire()
        outer, self._uncommitted.keys = getattr(self._uncommitted, "keys", None), []
        try:
            with self.store.transaction() as session:
                yield session
                committing = phases.mark()
            phases.since("commit", committing)
        except BaseException:
            # The days this transaction remembered never were: their versions may come again
            # (the day's revision rolls back with them, and bookings made in one tick share
            # created_at), holding another day.
            for key in self._uncommitted.keys:
                self._days.discard(key)
            raise
        finally:
            self._uncommitted.keys = outer
            lock.release()

    # Workshops
    def put_workshop(
        self,
        workshop: Workshop,
        force: bool = False,
        note: str | None = None,
        route: str = "put",
        as_of: dt.datetime | None = None,
    ) -> Workshop:
        """Create or replace the workshop. A change that breaks the witness of accepted bookings on
        days not yet past (a technician, bay or service gone, shorter shifts, new breaks, another
        time zone...) is refused with WorkshopConflict listing them, unless `force`: then those
        bookings are kept at risk (their witness dropped, the reason on the booking). Every new text
        is a new version (`note`: why, kept with it); the old ones stay readable. `route`: how the
        refusal tells the caller to force it ("put": PUT the workshop, "apply": labour times).

        `as_of`: the request's `now` (a day replayed). A day is past only when it is past by both
        it and the service's clock (`past_from`): a `now` behind the clock checks the replayed days
        too, and a `now` ahead of it cannot skip the days between (their bookings broken unmarked).
        The version is dated by the service's clock."""
        with self._booking_transaction(workshop.id) as session:
            now = self.clock.now()
            row = self.store.lock_workshop(session, workshop.id)
            body = workshop.model_dump_json()
            if row is None:
                workshops_db.add(session, workshop.id, body, now, note)
                return workshop
            if row.body == body:
                return workshop  # the same workshop again: nothing changes, no plan goes stale
            old = self.workshop(workshop.id, session)
            # Changes that would strand work clocked on a day not yet past: not even force may do them.
            since = past_from(now, as_of)
            for stranded, message in (
                (
                    clocked_work_orphaned,
                    N_(
                        "the change removes a technician, service or operation named by the clock events of"
                        " %(count)s booking(s) on days not yet past, which not even force may do:"
                        " remove them once those days are past"
                    ),
                ),
                (
                    clocked_work_off_its_day,
                    N_(
                        "the change of time zone moves work clocked for %(count)s booking(s) on days not"
                        " yet past to another day, which not even force may do: change it once those days"
                        " are past"
                    ),
                ),
                (
                    clocked_work_unplannable,
                    N_(
                        "the change leaves %(count)s booking(s) with work clocked on days not yet past"
                        " unplannable, which not even force may do: change it once those days are past"
                    ),
                ),
            ):
                named = stranded(session, old, workshop, since)
                if named:
                    raise WorkshopConflict(message % {"count": len(named)}, named, forceable=False)
            rewitness: dict[dt.date, dict[str, list[Assignment]]] = {}
            broken = broken_by(
                session,
                old,
                workshop,
                past_from(now, as_of),
                partial(self._cars_out, session, old, zone=workshop.tz),
                partial(self._out_until, session, old),
                rewitness,
            )
            if broken and not force:
                listed: list[dict[str, object]] = [
                    {"booking": r.id, "date": r.date.isoformat(), "reasons": why, **_car(r)}
                    for r, why in broken
                ]
                template = (
                    N_(
                        "the change breaks %(count)s accepted booking(s): change or cancel them first,"
                        " or apply again with force=true to keep them at risk"
                    )
                    if route == "apply"
                    else N_(
                        "the change breaks %(count)s accepted booking(s): change or cancel them first,"
                        " or PUT with ?force=true to keep them at risk"
                    )
                )
                raise WorkshopConflict(template % {"count": len(broken)}, listed)
            clocked_elsewhere: list[dict[str, object]] = []
            for r, _ in broken:
                booking, witness = bookings_db.accepted_of(r)
                at_risk = (booking, list[Assignment]())  # no witness: on its drop-off day only
                clocked = events_db.clocked_days(session, workshop.id, r.id)
                left = booking_changes.clocked_days_left(old, clocked, (booking, witness), at_risk)
                if left:
                    reason = N_("its work was clocked on %(date)s, a later day of the repair") % {
                        "date": left[0].isoformat()
                    }
                    clocked_elsewhere.append(
                        {"booking": r.id, "date": r.date.isoformat(), "reasons": [reason]}
                    )
            if clocked_elsewhere:
                # At risk, a multi-day repair would leave the later days its work was clocked on
                # (their events would name work they no longer have; review-s20 D3): not even by force.
                raise WorkshopConflict(
                    N_(
                        "the change would put %(count)s booking(s) at risk whose work was clocked on a"
                        " later day of theirs: clocked work cannot move off its day, not even by force;"
                        " change the workshop so that their work still fits, or once they are done"
                    )
                    % {"count": len(clocked_elsewhere)},
                    clocked_elsewhere,
                    forceable=False,
                )
            for date, moved in rewitness.items():  # the days packed again: every promise kept
                bookings_db.rewitness_day(session, workshop.id, date, moved)
            for r, why in broken:
                bookings_db.mark_at_risk(r, "; ".join(why))
            if broken:
                logger.warning(
                    "workshop %s changed by force: %d booking(s) at risk", workshop.id, len(broken)
                )
            workshops_db.replace(row, body, now, note)  # no cached day or offer of the old one is reused
        return workshop

    def workshops(self) -> list[Workshop]:
        with self.store.sessions() as session:
            return workshops_db.all_workshops(session)

    def days(self, workshop_id: str) -> list[tuple[dt.date, int, bool]]:
        """(date, bookings, has a stored plan) of every day with bookings or a plan, newest first."""
        with self.store.sessions() as session:
            counts = bookings_db.count_by_date(session, workshop_id)
            planned = plans_db.dates(session, workshop_id)
        dates = sorted(set(counts) | planned, reverse=True)
        return [(d, int(counts.get(d, 0)), d in planned) for d in dates]

    @staticmethod
    def not_found(session: Session, workshop_id: str, what: str) -> NotFound:
        """The 404 for `what` (a plan, booking or webhook of `workshop_id`) that is not stored: naming
        the workshop instead where it is the workshop that is unknown (not "no plan yet" for a
        workshop that does not exist)."""
        if workshops_db.revision(session, workshop_id) is None:
            return NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
        return NotFound(what)

    def workshop(self, workshop_id: str, session: Session | None = None) -> Workshop:
        if session is None:
            with self.store.sessions() as fresh:
                return self.workshop(workshop_id, fresh)
        # The revision first (a small read): the text, tens of KB, only when the revision moved.
        revision = workshops_db.revision(session, workshop_id)
        with self._lock:
            cached = self._workshops.get(workshop_id)
        if revision is not None and cached is not None and cached[0] == revision:
            return cached[2]  # every change of the text bumps the revision
        body = workshops_db.body(session, workshop_id)
        if body is None:
            raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
        same = cached is not None and cached[1] == body  # the same text parses to the same workshop
        parsed = cached[2] if cached is not None and same else stored_workshop(body)
        with self._lock:
            self._workshops[workshop_id] = (revision, body, parsed)
        return parsed

    # Bookings
    def _day(
        self, session: Session, workshop: Workshop, date: dt.date, version: tuple[object, ...] | None = None
    ) -> DayBook:
        """The day's accepted bookings and witness, reused while the day's version holds."""
        version = version or bookings_db.day_version(session, workshop.id, date)
        cached = self._days.get((workshop.id, date, version))
        if cached is not None:
            return cached[1]
        accepted = multiday.day_accepted(
            workshop,
            date,
            bookings_db.day_accepted(session, workshop.id, date),
            bookings_db.carried_into(session, workshop.id, date),
            held=True,  # the front desk counts the vehicles held for later work (not in plans)
        )
        accepted += self._cars_out(session, workshop, date)
        day = DayBook(multiday.day_workshop(workshop), date, accepted, self.rules)
        day.caches = self._day_caches
        self._put_day((workshop.id, date, version), (version, day))
        return day

    def _put_day(self, key: tuple[object, ...], value: tuple[tuple[object, ...], DayBook]) -> None:
        """Remember a day version; one read inside a booking transaction is forgotten again if the
        transaction does not commit (`_booking_transaction`)."""
        self._days.put(key, value)
        uncommitted = getattr(self._uncommitted, "keys", None)
        if uncommitted is not None:
            uncommitted.append(key)

    def slots(self, query: SlotQuery) -> list[Offer]:
        """The day's offers that are still ahead of the query's `now` (default: the service's clock)."""
        now = query.now or self.clock.now()
        with self.contention.entered(query=True), self.store.sessions() as session:
            with phase("workshop"):
                workshop = self.workshop(query.workshop_id, session)
            not_past("date", query.date, now, workshop)
            offers = self._day_offers(
                session, workshop, query.service, query.date, query.waiter, query.fleet, query.wants
            )
        if not offers or offers[0].drop_off >= now:
            return offers  # a day ahead: the cached list itself
        return [o for o in offers if o.drop_off >= now]

    def refusals(
        self, query: SlotQuery, offers: list[Offer]
    ) -> tuple[list[tuple[dt.datetime, str]], list[Offer]]:
        """Why each quarter hour of the day not among `offers` is not offered: the first rule that
        blocks it ("in the past" before any capacity rule; off the desk's booking grid, the grid).
        And the times not among `offers` where every rule holds and the quick fit finds room
        (`refusals.refusal_or_fit`): a booking there is accepted with that very fit
        (`DayBook.try_insert`), so they are offered, not refused (review-s20 R1: "no room kept for
        it in the day's plan", then booked), and kept in the day version's cached answer (a slot
        query of the version offers them too). One-day work only: multi-day work's own search
        decides where it carries over."""
        service, date, wants = query.service, query.date, query.wants
        waiter, fleet = query.waiter, query.fleet
        now = query.now or self.clock.now()
        offered = {o.drop_off for o in offers}
        with self.store.sessions() as session:
            workshop = self.workshop(query.workshop_id, session)
            version = bookings_db.day_version(session, workshop.id, date)
            day = self._day(session, workshop, date, version)
        past = {t: N_("in the past") for t in day.candidate_times() if t < now and t not in offered}
        carried = multiday.multi_day(workshop.service(service)) and not waiter  # work carried over
        # Multi-day work: a time the rules before any fit allow is worded over its days
        # (`multiday.refusals`), never with the day's own reason: that one is not worked out.
        worded = day.refusals(service, waiter, fleet, wants, offered | set(past), words=not carried)
        found = [x for _, x in worded if isinstance(x, Offer)]
        probe = wants.probe(service, now, waiter, fleet)
        # A closed day's times are refused whatever fits (a booking there is a 422).
        refused = [] if workshop.is_closed(date) else [t for t, x in worded if isinstance(x, str)]
        explained = [(t, x if isinstance(x, str) else refusals.NO_ROOM_KEPT) for t, x in worded]
        if carried:  # the work done on the day (`try_insert`, as a booking's), else carried over
            found = [replace(o, days=(date,)) for o in found]
            with self.store.sessions() as session:
                day_of, looked = self._days_read(session, workshop, day, version)
                # One search for both (the same probe: no waiter), on the same days' versions.
                search = multiday.search(day, day_of, probe)
                found += self._multi_day_fits(day, day_of, probe, refused, search)
                fitted = {o.drop_off for o in found}
                explained = [(t, why) for t, why in explained if t not in fitted]
                explained = multiday.refusals(day, day_of, probe, explained, search)
                explained = [(t, self._worded(day, probe, t, why)) for t, why in explained]
        else:
            found += self._booking_fits(day, version, probe, refused, [*offers, *found])
            fitted = {o.drop_off for o in found}
            explained = [(t, why) for t, why in explained if t not in fitted]
        if found and carried:  # the days' cached answer offers them too (a booking there takes it)
            self._deliver_multi_day(
                (*offers_key(workshop.id, date, service, False, fleet, wants), "multi-day"), looked, found
            )
        elif found:  # the day version's cached answer offers them too (none cached: nothing to add to)
            key = offers_key(workshop.id, date, service, waiter, fleet, wants)
            cached = self._offers.get(key)
            if cached is not None and cached[0] == version:
                self._offers.deliver(key, version, found, day)
        off_grid = day.off_grid_refusals(offered, now)
        return sorted([*past.items(), *explained, *off_grid]), [o for o in found if o.drop_off >= now]

    @staticmethod
    def _worded(day: DayBook, probe: Booking, t: dt.datetime, why: str) -> str:
        """`why`, or the day's own reason at `t` where it was left unworded (a guard: multi-day
        work's reasons, `multiday.refusal`, word every time the rules before any fit allow)."""
        if why != refusals.UNWORDED:
            return why
        return refusals.refusal(day, probe.model_copy(update={"drop_off": t}))

    def _booking_fits(
        self,
        day: DayBook,
        version: tuple[object, ...],
        template: Booking,
        times: list[dt.datetime],
        known: list[Offer],
    ) -> list[Offer]:
        """Where a booking like `template` at each of `times` (refused: the quick fit found no room
        its rules allow) is accepted all the same by the booking's own later fits (`_fit`): the
        earliest offer at or after it (of `known`, the answer and the times found to fit, and the
        day's cached answers of either kind) whose placement serves it, then the bookings in its
        way moved (`DayBook.try_moving_others`) within one search's budget (`ejection_seconds`,
        taking its turn as a slot query's search does), the earliest times first, each with a fair
        share of what is left (`contention.fair_share`: the first times cannot spend it all). Each
        offer found carries its witness (explain offers it: review-s20 R1, refused, then booked)."""
        probes = [template.model_copy(update={"drop_off": t}) for t in sorted(times)]
        probes = [p for p in probes if day.allowed_before_fit(p)]  # advisors, waiters: no fit helps
        found: dict[dt.datetime, Offer] = {}
        offered = sorted((o for o in known if not o.overbooked), key=lambda o: o.drop_off)

        def later_fits() -> None:  # the latest first: a time found serves the earlier ones
            for p in reversed(probes):
                if p.drop_off in found:
                    continue
                nxt = next((o for o in offered if o.drop_off >= p.drop_off), None)
                offer = None if nxt is None else day.reoffer(p, nxt)
                offer = offer or self._offers.fit(day, p, lambda: version)
                if offer is not None:
                    found[p.drop_off] = offer
                    offered.append(offer)
                    offered.sort(key=lambda o: o.drop_off)

        later_fits()
        if self.ejection_seconds > 0 and len(found) < len(probes):
            with self.contention.searching(self.ejection_seconds) as seconds:
                budget = fair_share(seconds)  # a time's try cannot spend the later ones' share
                untried = [p for p in probes if p.drop_off not in found]
                for i, p in enumerate(untried):
                    share = budget(len(untried) - i)
                    if share <= 0:
                        break
                    offer = day.try_moving_others(p, share)
                    if offer is not None:
                        found[p.drop_off] = offer
                        offered.append(offer)
            offered.sort(key=lambda o: o.drop_off)
            later_fits()
        return [found[t] for t in sorted(found)]

    def _days_read(
        self, session: Session, workshop: Workshop, day: DayBook, version: tuple[object, ...]
    ) -> tuple[Callable[[dt.date], DayBook], dict[dt.date, object]]:
        """A date's DayBook, `day` (at `version`) for its own date, each other date read once at
        its version then; and the versions read (filled as it is asked)."""
        reads = _DayReads(self, session, workshop, day, version)
        return reads, reads.looked

    def _multi_day_fits(
        self,
        day: DayBook,
        day_of: Callable[[dt.date], DayBook],
        template: Booking,
        times: list[dt.datetime],
        search: multiday.Search | None = None,
    ) -> list[Offer]:
        """Where multi-day work like `template` at each of `times` (refused: no rule-abiding fit on
        the day alone) is accepted all the same by a booking's own fits (`_fit`, `_multi_day_fit`):
        the work carried over to the following days (`multiday.fits`: free time, a later start,
        bookings moved out of the way), else the whole work on the day with its bookings moved,
        within one search's budget (`ejection_seconds`, taking its turn as a slot query's search
        does; the free-time pass, which always finishes, spends it first) shared fairly among the
        times (`contention.fair_share`), the earliest first; `search`: the search to use
        (`multiday.search`, its days' fits kept for the refusals). `day_of`: a date's DayBook
        (`_days_read`: each day read once)."""
        probes = [t for t in times if day.allowed_before_fit(template.model_copy(update={"drop_off": t}))]
        if not probes or self.ejection_seconds <= 0:
            return []
        with self.contention.searching(self.ejection_seconds) as seconds:
            found = multiday.fits(day, day_of, template, probes, fair_share(seconds), search)
        return [found[t] for t in sorted(found)]

    def _deliver_multi_day(
        self, key: tuple[object, ...], looked: dict[dt.date, object], found: list[Offer]
    ) -> None:
        """Add `found` (offers on the days `looked`, at those versions) to the multi-day answer cached
        under `key`, where every day both looked at is at the same version: the entry is then valid
        while every day of either keeps its version (`_multi_day_offers` checks them all)."""
        cached = self._offers.get(key)
        if cached is None:
            return
        versions = dict(cast("tuple[tuple[dt.date, object], ...]", cached[0]))
        for d, v in looked.items():
            if versions.setdefault(d, v) != v:
                return  # a day booked since the answer (or since this search read it): nothing mixed
        merged = {o.drop_off: o for o in cached[1]}
        for o in found:
            merged.setdefault(o.drop_off, o)
        offers = [merged[t] for t in sorted(merged)]
        self._offers.put(key, cached._replace(version=tuple(sorted(versions.items())), offers=offers))

    def explain(
        self, query: SlotQuery, offers: list[Offer]
    ) -> tuple[list[tuple[dt.datetime, str]], dict[dt.datetime, str], list[Offer]]:
        """`refusals` (why each time not among `offers` is not offered, and the times found to fit
        after all), and for each offer sold only thanks to no-show overbooking, the allowance it
        draws on (scheduler.slots.DayBook.overbooking_note)."""
        refused, found = self.refusals(query, offers)
        notes: dict[dt.datetime, str] = {}
        over = [o for o in offers if o.overbooked]
        if over:
            with self.store.sessions() as session:
                day = self._day(session, self.workshop(query.workshop_id, session), query.date)
            for o in over:
                probe = query.wants.probe(query.service, o.drop_off, query.waiter, query.fleet)
                note = day.overbooking_note(probe)
                if note is not None:
                    notes[o.drop_off] = note
        return refused, notes, found

    def explained_slots(
        self, query: SlotQuery
    ) -> tuple[list[Offer], list[tuple[dt.datetime, str]], dict[dt.datetime, str]]:
        """The slot answer explained (`GET …/slots?explain=true`): the offers (`slots`) with the
        times the explanation found to fit after all (the booking's own fit), in time order; why
        each other time is refused; the overbooking notes of the offers (`explain`)."""
        offers = self.slots(query)
        refused, notes, found = self.explain(query, offers)
        if found:
            offers = sorted([*offers, *found], key=lambda o: o.drop_off)
        return offers, refused, notes

    def loading(
        self, workshop_id: str, first: dt.date, last: dt.date, now: dt.datetime | None = None
    ) -> tuple[Workshop, list[DayLoad]]:
        """The loading chart from `first` to `last` (both included, at most LOADING_DAYS days):
        per day and pool what is available, booked, held back and free, and of the free minutes
        what the desk can still sell from `now` (default: the service's clock; scheduler.loading)."""
        now = now or self.clock.now()
        if last < first:
            raise InputError("to", N_("%(last)s is before from %(first)s") % {"last": last, "first": first})
        if (last - first).days + 1 > LOADING_DAYS:
            raise InputError(
                "to",
                N_("at most %(loading_days)s days from %(first)s, got %(last_first_days_1)s")
                % {
                    "loading_days": LOADING_DAYS,
                    "first": first,
                    "last_first_days_1": (last - first).days + 1,
                },
            )
        with self.store.sessions() as session:
            workshop = self.workshop(workshop_id, session)
            days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
            return workshop, [day_load(self._day(session, workshop, d), now) for d in days]

    def _cars_out(
        self, session: Session, workshop: Workshop, date: dt.date, zone: ZoneInfo | None = None
    ) -> list[tuple[Booking, list[Assignment]]]:
        """The loan cars of earlier days still out on `date`, as its held shares
        (scheduler.multiday.out_shares); none where the workshop does not count its loan cars.
        Each out until `_out_until` (an at-risk one's overrun: review-s28, desk16-s29)."""
        if workshop.loan_cars is None:
            return []
        start = dt.datetime.combine(date, dt.time(0), tzinfo=zone or workshop.tz)
        out = [
            until
            for b in bookings_db.loan_cars_around(session, workshop.id, date, zone or workshop.tz)
            if (until := self._out_until(session, workshop, b)).promised is not None
            and until.promised > start
        ]
        return multiday.out_shares(out)

    def _out_until(self, session: Session, workshop: Workshop, booking: Booking) -> Booking:
        """`booking` (with a loan car) promised as late as its car is out: a booking at risk whose
        work overruns its promise keeps the car until its drop-off day's desk says it is back
        (`DayBook.loan_out_until`, `FrontDesk.out_until`). Every check of an at-risk car on a day
        after its drop-off reads this: the day's desk, its plan's held cars and a workshop change's
        check (desk16-s29: the check read the stored promise and let the car be lent twice)."""
        if not booking.at_risk or booking.promised is None:
            return booking
        day = self._day(session, workshop, booking.drop_off.astimezone(workshop.tz).date())
        until = day.loan_out_until(booking)
        if until is None or until <= booking.promised:
            return booking
        return booking.model_copy(update={"promised": until})

    def _day_offers(
        self,
        session: Session,
        workshop: Workshop,
        service: str,
        date: dt.date,
        waiter: bool,
        fleet: str | None,
        wants: Wants = NO_WANTS,
    ) -> list[Offer]:
        """Every offer of the day, cached per day version (independent of the time of asking).
        Multi-day work depends on the following days too: its offers are found afresh each time."""
        if multiday.multi_day(workshop.service(service)) and not waiter:
            return self._multi_day_offers(session, workshop, service, date, fleet, wants)
        key = offers_key(workshop.id, date, service, waiter, fleet, wants)
        with phase("day version"):
            version = bookings_db.day_version(session, workshop.id, date)
        cached = self._offers.get(key)
        if cached is not None and cached[0] == version:
            self._offers.hits += 1
            if not cached.shown:  # refined ahead for a kind asked on other days, now shown
                self._offers.mark_shown(key, version)  # (not this copy: an answer may merge in meanwhile)
            if self._ahead is not None:
                self._ahead.hit(key, cached, (service, waiter, fleet, wants))
            return cached[1]
        check_kind(workshop, service, fleet, wants.loan_car)
        with phase("day"):
            day = self._day(session, workshop, date, version)
        if (
            cached is not None
            and day.same_as(cached.day)
            and (same := self._offers.relabel(key, version, day)) is not None
        ):
            # A new version of the same day (a booking on an earlier day may pick its car up on
            # this one, `DayBook.same_as`): its answer, refined or not, is this version's, served
            # as a hit; a refinement of the other version still under way merges into it.
            self._offers.hits += 1
            if self._ahead is not None:
                self._ahead.hit(key, same, (service, waiter, fleet, wants))
            return same.offers
        self._offers.misses += 1
        bound = None  # the earliest time proven not to fit, known from an earlier version
        if self._ahead is None:  # CP-SAT in the request (no background refinement)
            seconds = self.contention.share(self.ejection_seconds)
            offers = day.offers(
                service, waiter, fleet, self.exact_seconds, wants=wants, ejection_seconds=seconds
            )
        else:  # the searches take turns; the budget is shared with the requests under way
            with self.contention.searching(self.ejection_seconds) as seconds:
                if cached is not None and (added := day.placements_added_since(cached[2])) is not None:
                    grown = day.grown_from(cached[2]) is not None  # by bookings alone
                    bound = cached.bound if grown else None  # they only took room
                    with phase("search (carried over)"):
                        offers = day.offers_after(  # bookings later
                            cached[1], added, service, waiter, fleet, wants, seconds, grown
                        )
                else:
                    with phase("search"):
                        offers = day.offers(service, waiter, fleet, wants=wants, ejection_seconds=seconds)
        with phase("deliver"):
            entry = self._offers.deliver(key, version, offers, day, bound)
            if self._ahead is not None:
                self._ahead.missed(key, (service, waiter, fleet, wants), day, version, entry, offers, bound)
        return offers if entry is None else entry.offers  # with any refined time of this version

    def asked_keys(self, workshop_id: str, date: dt.date) -> list[tuple[object, ...]]:
        """The offer keys asked on the day that a booking change refines ahead, in the order it
        refines them (`RefineAhead.asked_keys`; none without background refinement)."""
        return [] if self._ahead is None else self._ahead.asked_keys(workshop_id, date)

    def _refine_ahead(self, day: DayBook, version: tuple[object, ...]) -> None:
        """`RefineAhead.after_change` for the day version a booking change just committed."""
        if self._ahead is not None:
            self._ahead.after_change(day, version)

    def _refine_ahead_loaded(self, workshop_id: str, date: dt.date) -> None:
        """`_refine_ahead` for a change that leaves no day behind (a cancel): the day is loaded at
        its version now, in the packer's thread, only if a query asked on it lately."""
        if not self.asked_keys(workshop_id, date):
            return
        try:
            with self.store.sessions() as session:
                workshop = self.workshop(workshop_id, session)
                version = bookings_db.day_version(session, workshop_id, date)
                day = self._day(session, workshop, date, version)
            self._refine_ahead(day, version)
        except Exception:  # a best effort in the background: its future is never read, so say it here
            logger.exception("refining %s's day %s ahead after a cancel failed", workshop_id, date)

    def _multi_day_offers(
        self,
        session: Session,
        workshop: Workshop,
        service: str,
        date: dt.date,
        fleet: str | None,
        wants: Wants = NO_WANTS,
        reads: _DayReads | None = None,
        shown: bool = True,
    ) -> list[Offer]:
        """The offers of a multi-day service: done on the day, or carried over to the next days.
        Cached while every day the search looked at keeps its version (each day's version and
        DayBook read once, `reads`: a booking's, shared with its own fits). `shown`: a slot query
        answers with them (False: a booking's own fit, `Entry.shown`)."""
        key = (*offers_key(workshop.id, date, service, False, fleet, wants), "multi-day")
        reads = reads or _DayReads(self, session, workshop)
        cached = self._offers.get(key)
        if cached is not None and cached[0] == self._versions(reads, cached[0]):
            self._offers.hits += 1
            if shown and not cached.shown:  # a booking's own answer, now shown to a query
                self._offers.mark_shown(key, cached.version)  # (under the lock, as a one-day answer)
            return cached[1]
        self._offers.misses += 1
        check_kind(workshop, service, fleet, wants.loan_car)
        looked: set[dt.date] = set()

        def day_of(d: dt.date) -> DayBook:
            looked.add(d)
            return reads(d)

        day = day_of(date)
        seconds = self.contention.share(self.ejection_seconds)  # shared with the requests under way
        single = day.offers(service, False, fleet, wants=wants, ejection_seconds=seconds)
        offers = multiday.offers(day, day_of, service, fleet, single, wants, seconds)
        # The versions the days were read at (the answer's own; a day changed since: a stale entry).
        versions = tuple((d, reads.version(d)) for d in sorted(looked))
        self._offers.put(key, Entry(versions, offers, day, shown=shown))
        return offers

    @staticmethod
    def _day_version(session: Session, day: DayBook) -> tuple[object, ...]:
        return bookings_db.day_version(session, day.workshop.id, day.date)

    @staticmethod
    def _versions(reads: _DayReads, seen: tuple[object, ...]) -> tuple[object, ...]:
        """The days' versions now, for the (date, version) pairs `seen`."""
        dates = [pair[0] for pair in cast("tuple[tuple[dt.date, object], ...]", seen)]
        return tuple((d, reads.version(d)) for d in dates)

    def _multi_day_fit(
        self, session: Session, workshop: Workshop, day: DayBook, booking: Booking, reads: _DayReads
    ) -> tuple[Offer | None, multiday.Search | None]:
        """An offer for `booking` of a multi-day service: the day's offer at its drop-off time (the
        answer its slot query gave), else the work done that day, else carried over from it; and
        the carried-over search made for it (None: none made), whose days' fits its refusal reuses.
        `reads`: the booking's days, each read once."""
        wants = Wants(booking.loan_car, booking.parts_eta)
        listed = self._multi_day_offers(
            session, workshop, booking.service, day.date, booking.fleet_partner, wants, reads, shown=False
        )
        offer = next((o for o in listed if o.drop_off == booking.drop_off), None)
        if offer is None:  # not a time of the grid: done that day, or carried over from it
            done = day.try_insert(booking)
            if done is not None:
                return done, None
            search = multiday.booking_search(day, reads, booking, self.ejection_seconds)
            return multiday.fit(day, reads, booking, self.ejection_seconds, search), search
        if len(offer.days) <= 1:
            return day.reoffer(booking, offer), None
        own = tuple(a.model_copy(update={"booking": booking.id}) for a in offer.assignments)
        return replace(offer, assignments=own), None

    def book_request(
        self,
        workshop_id: str,
        fields: dict[str, object],
        idempotency_key: str | None,
        key_id: str | None,
        now: dt.datetime | None = None,
        as_shown: bool = True,
    ) -> tuple[Booking, bool]:
        """`book` a booking request's fields under a new booking id. Its `promised`, if any, is the
        pickup its desk showed (`book`'s `promised`), not a promise the booking is given."""
        asked = {k: v for k, v in fields.items() if k != PROMISED_FIELD}
        try:
            with phase("validate"):
                wanted = Booking.model_validate({"id": self.new_booking_id(), **asked})
                sent = _PromiseSent.model_validate({PROMISED_FIELD: fields.get(PROMISED_FIELD)})
        except ValidationError as exc:
            raise from_validation_error(exc) from None
        return self.book(workshop_id, wanted, idempotency_key, key_id, now, as_shown, sent.promised)

    def book(
        self,
        workshop_id: str,
        booking: Booking,
        idempotency_key: str | None,
        key_id: str | None = None,
        now: dt.datetime | None = None,
        as_shown: bool = True,
        promised: dt.datetime | None = None,
    ) -> tuple[Booking, bool]:
        """Accept `booking` if it fits; returns (stored booking, created). A replay (the same
        idempotency key from the same API key `key_id`, with the same booking) returns the first
        answer; the key reused for another booking is refused (InputError naming Idempotency-Key).
        `now`: the moment the booking is made (default: the service's clock); a drop-off more than
        `PAST_GRACE` before it is refused, and the alternatives of a refused one are after it.
        `as_shown`: promised no later than the slot query showed at its time (`_fit`); False for
        a bookings file's rows, which no query showed (`exchange.import_file`). `promised`: the
        pickup the client showed for this time (a booking request's `promised`, issue 16): the
        booking is promised no later than it, or refused (409 with alternatives); it replaces the
        cached answer's promise as the cap (`_fit`), whatever `as_shown`. It must be one an offer
        could show (`check_promise_sent`: InputError naming `promised` otherwise)."""
        if idempotency_key is not None and not idempotency_key.strip():
            raise InputError(
                IDEMPOTENCY_FIELD, N_("must not be empty: send a unique key per booking, or none")
            )
        asked = request_hash(booking, promised)
        with self.contention.entered(query=False):
            return self._book(workshop_id, booking, idempotency_key, key_id, asked, now, as_shown, promised)

    def _book(
        self,
        workshop_id: str,
        booking: Booking,
        idempotency_key: str | None,
        key_id: str | None,
        request_hash: str,
        now: dt.datetime | None = None,
        as_shown: bool = True,
        promised: dt.datetime | None = None,
    ) -> tuple[Booking, bool]:
        try:
            with self._booking_transaction(workshop_id) as session:
                locked = self.store.lock_workshop(session, workshop_id)
                if locked is None:
                    raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
                if idempotency_key is not None:
                    with phase("idempotency"):
                        done = bookings_db.by_idempotency_key(session, workshop_id, key_id, idempotency_key)
                    if done is not None:
                        _same_request(done.request_hash, request_hash, idempotency_key)
                        return Booking.model_validate_json(done.body, context=STORED_CONTEXT), False
                    self._refuse_cancelled(session, workshop_id, key_id, idempotency_key, request_hash)
                with phase("workshop"):
                    workshop = self.workshop(workshop_id, session)
                with phase("fit"):
                    stored, after = self._fit(
                        session,
                        workshop,
                        booking,
                        (idempotency_key, key_id, request_hash),
                        N_("the drop-off time no longer fits"),
                        now=now,
                        as_shown=as_shown,
                        promised_sent=promised,
                    )
                with phase("flush"):
                    workshops_db.touch(locked, self.clock.now())
                    session.flush()
                    version = self._remember_day(
                        session, after
                    )  # a duplicate key or id fails here, inside the transaction
            self._pack_soon(after)  # committed: the next slot query on the day finds it packed
            self._refine_ahead(after, version)  # and, once refined, answers it without a search
            return stored, True
        except IntegrityError:
            raise Conflict(
                N_("booking id %(booking_id)r exists already") % {"booking_id": booking.id}, []
            ) from None
        except Conflict as conflict:
            with phase("suggest"):
                self._suggest(workshop_id, conflict, now)
            raise

    @staticmethod
    def _refuse_cancelled(
        session: Session, workshop_id: str, key_id: str | None, idempotency_key: str, request_hash: str
    ) -> None:
        """A key whose booking was cancelled stays used (review-s25: a retry re-created the booking
        the desk had cancelled): its own request is a 409 naming the cancelled booking, another
        request under it the 422 of a reused key."""
        gone = bookings_db.cancelled_by_idempotency_key(session, workshop_id, key_id, idempotency_key)
        if gone is None:
            return
        _same_request(gone.request_hash, request_hash, idempotency_key)
        raise CancelledReplay(
            N_(
                "key %(key)r made booking %(booking_id)r, which was cancelled since: it is not booked"
                " again; send a new key to book anew"
            )
            % {"key": idempotency_key, "booking_id": gone.booking_id},
            gone.booking_id,
            gone.cancelled_at if gone.cancelled_at.tzinfo else gone.cancelled_at.replace(tzinfo=dt.UTC),
        )

    def _suggest(
        self,
        workshop_id: str,
        conflict: Conflict,
        now: dt.datetime | None = None,
        own_place_free: bool = False,
    ) -> None:
        """Alternatives for a refused booking: the day's offers of the same kind (cached); when the
        day has none, the offers of the first of the next `ALTERNATIVE_DAYS` days that has any.
        For a refused change (`own_place_free`), each day with the booking's old place free
        (`_alternatives_without`): a booking's alternatives never count it twice."""
        refused = conflict.refused
        if refused is None:
            return
        if own_place_free:
            conflict.alternatives = self._alternatives_without(workshop_id, refused, now)
            return
        with self.store.sessions() as session:
            workshop = self.workshop(workshop_id, session)
            date = refused.drop_off.astimezone(workshop.tz).date()
            wants = Wants(refused.loan_car, refused.parts_eta)

            day_of = partial(self._day, session, workshop)
            out_before = partial(bookings_db.loan_car_out_before, session, workshop_id)

            def offers_on(d: dt.date) -> list[Offer]:
                found = self._offers_or_none(workshop_id, refused, d, now, wants)
                return booking_changes.cars_back(day_of, out_before, workshop, refused, found)[:5]

            conflict.alternatives = offers_on(date)
            # A full day: the first of the next days with a time, so the desk has one to offer
            # (from the first day its parts let it fit on: none before that has one).
            first = booking_changes.first_parts_day(workshop, refused, date)
            later = first - dt.timedelta(days=1) if first > date else date
            while not conflict.alternatives and later < min(first + ALTERNATIVE_DAYS, LAST_DATE):
                later += dt.timedelta(days=1)
                conflict.alternatives = offers_on(later)

    def _offers_or_none(
        self, workshop_id: str, booking: Booking, date: dt.date, now: dt.datetime | None, wants: Wants
    ) -> list[Offer]:
        """`slots` for `booking`'s kind on `date`; none for a day in the past."""
        try:
            return self.slots(
                SlotQuery(
                    workshop_id, booking.service, date, booking.waiter, booking.fleet_partner, now, wants
                )
            )
        except InputError:
            return []

    def _alternatives_without(
        self, workshop_id: str, booking: Booking, now: dt.datetime | None
    ) -> list[Offer]:
        """Where the changed `booking` (refused) fits with its old place free on every day it
        holds (its drop-off day, the days its work carries over to, the days its vehicle is held
        on): at most five times from `now` on, of its new drop-off day, else of the first of the
        next `ALTERNATIVE_DAYS` days with any. A day it holds nothing of answers from the cached
        slot offers (one-day work); a day it holds is read without it (`_without`, not cached);
        multi-day work's offers look at the following days, each without it, afresh (as its slot
        queries do). Read after the change's transaction, outside the workshop's lock."""
        now = now or self.clock.now()
        wants = Wants(booking.loan_car, booking.parts_eta)
        with self.store.sessions() as session:
            workshop = self.workshop(workshop_id, session)
            date = booking.drop_off.astimezone(workshop.tz).date()
            carried = multiday.carries_over(workshop, booking)
            freed: dict[dt.date, DayBook] = {}
            searched: dict[dt.date, DayBook] = {}  # the days read without it, searched here
            out_before = partial(bookings_db.loan_car_out_before, session, workshop_id)

            def day_of(d: dt.date) -> DayBook:
                if d not in freed:
                    freed[d] = _without(self._day(session, workshop, d), booking.id)
                return freed[d]

            def offers_on(d: dt.date) -> list[Offer]:
                return booking_changes.cars_back(day_of, out_before, workshop, booking, offered_on(d))

            def offered_on(d: dt.date) -> list[Offer]:
                try:
                    not_past("date", d, now, workshop)
                    check_kind(workshop, booking.service, booking.fleet_partner, booking.loan_car)
                except InputError:
                    return []
                day = day_of(d)
                if not carried and day is self._day(session, workshop, d):  # nothing of it there
                    return self._offers_or_none(workshop_id, booking, d, now, wants)
                fleet = booking.fleet_partner
                searched[d] = day
                with self.contention.searching(self.ejection_seconds) as seconds:
                    single = day.offers(
                        booking.service, booking.waiter, fleet, wants=wants, ejection_seconds=seconds
                    )
                    if carried:
                        single = multiday.offers(day, day_of, booking.service, fleet, single, wants, seconds)
                return [o for o in single if o.drop_off >= now]

            offers = offers_on(date)
            first = booking_changes.first_parts_day(workshop, booking, date)  # none before it has a time
            later = first - dt.timedelta(days=1) if first > date else date
            while not offers and later < min(first + ALTERNATIVE_DAYS, LAST_DATE):
                later += dt.timedelta(days=1)
                offers = offers_on(later)
            offers = offers[:5]
            found_on = searched.get(later)
            if offers and found_on is not None and not carried:  # a PATCH to one: the promise offered
                offered = _Offered(
                    booking, later, found_on.workshop, found_on.rules, _contents(found_on), tuple(offers)
                )
                with self._lock:
                    self._offered[(workshop_id, booking.id)] = offered
            return offers

    @staticmethod
    def new_booking_id() -> str:
        return f"BK-{uuid.uuid4().hex[:12]}"

    def booking(self, workshop_id: str, booking_id: str) -> Booking:
        with self.store.sessions() as session:
            row = bookings_db.get(session, workshop_id, booking_id)
            if row is None:
                raise self.not_found(
                    session, workshop_id, N_("booking %(booking_id)r") % {"booking_id": booking_id}
                )
            return bookings_db.booking_of(row)

    def bookings(self, workshop_id: str, date: dt.date) -> list[Booking]:
        with self.store.sessions() as session:
            self.workshop(workshop_id, session)
            return bookings_db.day_bookings(session, workshop_id, date)

    def day_view(self, workshop_id: str, date: dt.date) -> tuple[Workshop, list[Booking]]:
        """The day as its plans see it (scheduler.multiday): the workshop with the parts of its
        multi-day services, and every booking with work that day, a multi-day repair as its part."""
        with self.store.sessions() as session:
            day = self._day(session, self.workshop(workshop_id, session), date)
        return day.workshop, [b for b, _ in day.accepted] + [b for b, _ in day.at_risk]

    def day_bookings(
        self, workshop_id: str, date: dt.date, pickups: bool = False
    ) -> list[tuple[Booking, DayListing]]:
        """Every booking with work on `date`: those dropped off that day in the order they were
        made ("own"), then the multi-day repairs of earlier days carried in to it ("carried_in"), by
        drop-off; each as booked (its own drop-off, the promised pickup on its last day). With
        `pickups`, then the cars promised for pickup on `date` that were dropped off on an earlier
        day and have no work on it ("pickup_only": ready after the desk closed, a multi-day
        repair's morning-after promise), by promised pickup: the desk hands them back that day."""
        with self.store.sessions() as session:
            workshop = self.workshop(workshop_id, session)
            own = bookings_db.day_bookings(session, workshop_id, date)
            carried = [b for b, _ in bookings_db.carried_into(session, workshop_id, date)]
            later = bookings_db.promised_on(session, workshop_id, date, workshop.tz) if pickups else []
        carried.sort(key=lambda b: (b.drop_off, b.id))
        listed: list[tuple[Booking, DayListing]] = [(b, "own") for b in own]
        listed += [(b, "carried_in") for b in carried]
        return listed + [(b, "pickup_only") for b in later]

    def desk_list(
        self, workshop_id: str, date: dt.date, pickups: bool = False
    ) -> list[tuple[Booking, DayListing, bool]]:
        """The day's bookings as the desk lists them (`day_bookings`), each with whether its car is
        promised when the desk does not hand cars back (capacity.after_desk_hours: a promise made
        before the offers kept to the desk's hours, kept as told; the desk calls the customer)."""
        listed = self.day_bookings(workshop_id, date, pickups)
        workshop = self.workshop(workshop_id)
        return [(b, why, after_desk_hours(workshop, b, self.rules)) for b, why in listed]

    def change(
        self,
        workshop_id: str,
        booking_id: str,
        changes: dict[str, object],
        force: bool = False,
        now: dt.datetime | None = None,
        if_match: str | None = None,
    ) -> Booking:
        """Move or change a booking: it must fit the day without its old place, or nothing changes
        (`now`: the moment of the change, default the service's clock; a new drop-off before it is
        refused). With `if_match` (the request's If-Match), only while the booking is still the
        revision it names (`desk_checks.revision`), checked under the workshop's lock: else
        PreconditionFailed (412), nothing changed; without it, the later writer wins.
        With `force`, a change of the parts ETA (and the customer's details) that no longer fits is
        kept anyway, the booking at risk (as a forced workshop change leaves one): its promise
        stands, it holds no room, and the next plan places it if it can."""
        if force and not set(changes) <= FORCEABLE:
            raise InputError("force", N_("only a change of parts_eta may be forced"))
        try:
            with self._booking_transaction(workshop_id) as session:
                locked = self.store.lock_workshop(session, workshop_id)
                if locked is None:
                    raise NotFound(N_("workshop %(workshop_id)r") % {"workshop_id": workshop_id})
                row = bookings_db.get(session, workshop_id, booking_id)
                if row is None:
                    raise NotFound(N_("booking %(booking_id)r") % {"booking_id": booking_id})
                old = bookings_db.booking_of(row)
                check_if_match(
                    if_match,
                    old,
                    N_(
                        "%(header)s %(sent)s does not name the booking's current revision %(current)s:"
                        " it changed since it was read; read it again and send the change again"
                    ),
                )
                workshops_db.touch(locked, self.clock.now())
                workshop = self.workshop(workshop_id, session)
                if changes.get("service", old.service) != old.service:
                    clocked_on = events_db.clocked_days(session, workshop_id, booking_id)
                    if clocked_on:  # its events name operations by index: another service's (review-s25)
                        raise Conflict(
                            N_(
                                "its work was clocked on %(date)s: a booking with clocked work keeps"
                                " its service"
                            )
                            % {"date": min(clocked_on).isoformat()},
                            [],
                        )
                moved_to = changes.get("drop_off")
                if isinstance(moved_to, dt.datetime) and moved_to != old.drop_off:
                    first = events_db.first_clocked(session, workshop_id, booking_id)
                    if first is not None and first < moved_to:  # the day's events would start before it
                        tz = workshop.tz
                        raise Conflict(
                            N_("its work was clocked at %(at)s, before the new drop-off %(drop_off)s")
                            % {
                                "at": moment_words(first, tz, moved_to.astimezone(tz).date()),
                                "drop_off": moment_words(moved_to, tz, first.astimezone(tz).date()),
                            },
                            [],
                        )
                eta = changes.get("parts_eta")
                if isinstance(eta, dt.datetime) and eta != old.parts_eta:
                    booking_changes.parts_not_clocked_before(
                        workshop,
                        (old, bookings_db.accepted_of(row)[1]),
                        eta,
                        events_db.first_clocked_operations(session, workshop_id, booking_id),
                    )
                # The customer's details take no room. (An empty change asks for a place afresh.)
                details_only = bool(changes) and set(changes) <= DETAILS
                if details_only and not (old.at_risk or old.overbooked):  # it has its place: kept
                    return self._change_details(row, old, changes)
                created = row.created_at
                left = row.date  # the day it leaves (refined ahead too if it moves to another)
                try:
                    # Fitted again, a booking at risk is on firm ground again.
                    fresh = {"promised": None, "at_risk": False, "at_risk_reason": None, "overbooked": False}
                    wanted = Booking.model_validate(
                        {**old.model_dump(), **changes, **fresh}, context=STORED_CONTEXT
                    )
                except ValidationError as exc:
                    raise from_validation_error(exc) from None
                idempotency = bookings_db.idempotency_of(row)
                _, old_witness = bookings_db.accepted_of(row)
                clocked = events_db.clocked_days(session, workshop_id, booking_id)
                with self._lock:
                    offered = self._offered.get((workshop_id, booking_id))
                bookings_db.remove(session, row)
                session.flush()
                # A new parts ETA (or the customer's details) leaves the customer's promise as it
                # was: the booking must still be ready by it (walk-s17 A1: it moved silently).
                keep_by = old.promised if set(changes) <= FORCEABLE else None
                try:
                    stored, after = self._fit(
                        session,
                        workshop,
                        wanted,
                        idempotency,
                        N_("the changed booking does not fit"),
                        check_past=wanted.drop_off != old.drop_off,  # other changes stay allowed
                        now=now,
                        keep_by=keep_by,
                        offered=offered,
                        was=old,
                    )
                except (Conflict, InputError) as refused:
                    # No place for it yet (at risk, overbooked), for want of room or because the
                    # workshop no longer takes it as booked (a service or opening hours changed by
                    # force): as it was, with the new details.
                    if details_only:
                        kept = _with_details(old, changes)
                        bookings_db.add(session, workshop.id, left, kept, [], idempotency, created)
                        return kept
                    if not force or not isinstance(refused, Conflict):
                        raise
                    booking_changes.clocked_work_stays(
                        workshop, clocked, (old, old_witness), (wanted, []), forced=old.id
                    )
                    return self._keep_at_risk(session, workshop, wanted, old, idempotency)
                session.flush()
                moved = bookings_db.get(session, workshop_id, booking_id)
                if moved is not None:
                    try:
                        booking_changes.clocked_work_stays(
                            workshop, clocked, (old, old_witness), bookings_db.accepted_of(moved)
                        )
                    except Conflict:
                        if not force:
                            raise
                        bookings_db.remove(session, moved)  # kept at risk instead, its work where clocked
                        session.flush()
                        booking_changes.clocked_work_stays(
                            workshop, clocked, (old, old_witness), (wanted, []), forced=old.id
                        )
                        return self._keep_at_risk(session, workshop, wanted, old, idempotency)
                version = self._remember_day(session, after)
            self._pack_soon(after)
            self._refine_ahead(after, version)
            if after.date != left:  # moved to another day: the one it left changed too
                with suppress(RuntimeError):
                    self._packer.submit(self._refine_ahead_loaded, workshop_id, left)
            return stored
        except Conflict as conflict:
            self._suggest(workshop_id, conflict, now, own_place_free=True)
            raise

    @staticmethod
    def _change_details(row: BookingRow, old: Booking, changes: dict[str, object]) -> Booking:
        """`old` with new details (desk_checks.DETAILS): its place, witness and promise as they were."""
        changed = _with_details(old, changes)
        bookings_db.set_details(row, changed)
        return changed

    def _keep_at_risk(
        self,
        session: Session,
        workshop: Workshop,
        wanted: Booking,
        old: Booking,
        idempotency: tuple[str | None, str | None, str | None],
    ) -> Booking:
        """`wanted` (a forced change of `old` that fits no more) stored at risk, without a witness
        (bookings_db.mark_at_risk): the customer keeps the promise they were given."""
        date = wanted.drop_off.astimezone(workshop.tz).date()
        # On the workshop's clock, dated when not the booking's day, as every reason reads a moment.
        eta = moment_words(wanted.parts_eta, workshop.tz, date) if wanted.parts_eta else "none"
        reason = N_("parts_eta changed by force to %(eta)s: the booking no longer fits the day's plan") % {
            "eta": eta
        }
        kept = wanted.model_copy(update={"promised": old.promised, "at_risk": True, "at_risk_reason": reason})
        bookings_db.add(
            session, workshop.id, date, kept, [], idempotency, self.clock.now(), workshop.timezone
        )
        # The days read while the change was tried saw the booking gone: a later day of its
        # (multi-day) work has the version it will have once committed (the day's revision,
        # no booking of its own), so it would be reused without the car now kept out on it
        # (desk16-s30: the next days lent that car again).
        for key in getattr(self._uncommitted, "keys", None) or []:
            self._days.discard(key)
        logger.warning("booking %s of %s changed by force: at risk", kept.id, workshop.id)
        return kept

    def _pack_soon(self, day: DayBook) -> None:
        """Repack the day version a booking just made (DayBook.pack) in the background, outside
        the booking's answer and lock; a slot query that comes first waits for it (or packs it)."""
        with suppress(RuntimeError):  # closed: the first query on the day packs it
            self._packer.submit(_pack_unless_superseded, day, self.contention)

    def _remember_day(self, session: Session, day: DayBook) -> tuple[object, ...]:
        """Cache the day as this transaction leaves it, under the version it will have once
        committed (read inside the transaction, which holds the write lock; if it does not
        commit, the entry is forgotten: `_put_day`); returns that version."""
        version = bookings_db.day_version(session, day.workshop.id, day.date)
        self._put_day((day.workshop.id, day.date, version), (version, day))
        return version

    def _fit(
        self,
        session: Session,
        workshop: Workshop,
        booking: Booking,
        idempotency: tuple[str | None, str | None, str | None],
        why: str,
        check_past: bool = True,
        now: dt.datetime | None = None,
        keep_by: dt.datetime | None = None,
        offered: _Offered | None = None,
        was: Booking | None = None,
        as_shown: bool = False,
        promised_sent: dt.datetime | None = None,
    ) -> tuple[Booking, DayBook]:
        """Store `booking` where it fits the day (409 with alternatives if it does not); returns it
        with its promise, and the day after it. `idempotency`: (key, API key id, request hash).
        `keep_by`: the promise it already has and keeps (a fit ready later is no fit). `as_shown`:
        a new booking at a time a slot query showed (the offer cached there, `OfferCache.shown`,
        witnessed or overbooked) is promised no later than shown: a fit ready later is no fit, and
        where none is ready by then it is refused (409 with alternatives), never booked later in
        silence (promise16-s39: a slot shown overbooked, promised 17:30, was booked at the next
        morning on a witness found later in the day); it may be promised earlier. `offered`:
        the alternatives its last refused change was offered (the one at its time taken first).
        A fit whose loan car would be out into a later day with none free there is no fit either
        (`booking_changes.car_not_back`; `was`: the booking before a change, whose car was out already).
        `promised_sent`: the pickup the client says it showed (a booking request's `promised`): the
        cap in place of the cached answer's (shown16-s41: the cache holds the last answer for the
        kind, maybe another desk's of a newer day version, later than this desk showed)."""
        check_kind(workshop, booking.service, booking.fleet_partner, booking.loan_car)
        date = booking.drop_off.astimezone(workshop.tz).date()
        if not FIRST_DATE <= date <= LAST_DATE:  # a moment may be on the day after the last: no drop-off
            raise InputError(
                "drop_off",
                N_("must be between %(first)s and %(last)s, got %(value)s")
                % {"first": FIRST_DATE, "last": LAST_DATE, "value": date},
            )
        if check_past:
            drop_off_not_past(booking, now or self.clock.now(), workshop)
        if workshop.is_closed(date):
            raise InputError("drop_off", N_("the workshop is closed on %(date)s") % {"date": date})
        drop_off_in_opening_hours(booking, workshop)  # a repair carried over too: its car comes to reception
        if promised_sent is not None:
            check_promise_sent(workshop, booking, promised_sent, self.rules)
        with phase("day"):
            version = bookings_db.day_version(session, workshop.id, date)
            day = self._day(session, workshop, date, version)
        reads = _DayReads(self, session, workshop, day, version)  # multi-day work: each day read once
        search: multiday.Search | None = None  # multi-day work's own search, if made (its refusal reuses it)
        ready_late: dt.datetime | None = None  # the earliest a fit ready after `keep_by` (or `by`) was ready
        car_late: str | None = None  # why a fit's loan car, out into a later day, has none free there
        out_before = partial(bookings_db.loan_car_out_before, session, workshop.id)
        shown: dt.datetime | None = None  # the promise shown at this time: the client's, else the cache's
        if promised_sent is not None and keep_by is None:
            shown = promised_sent  # what this desk showed, whatever the cache holds now
        elif as_shown and keep_by is None:
            # Read before a multi-day answer is made afresh for the booking (`_multi_day_offers`), on
            # the day's view of the workshop (its multi-day parts added), as every answer's day holds it.
            cached = self._offers.shown(day.workshop, date, booking, multiday.carries_over(workshop, booking))
            shown = None if cached is None else cached.promised
        by = keep_by if shown is None else shown  # no fit ready later than this

        def kept(found: Offer | None) -> Offer | None:
            nonlocal ready_late, car_late
            if found is None:
                return None
            if by is not None and found.promised > by:
                ready_late = found.promised if ready_late is None else min(ready_late, found.promised)
                return None
            promised = found if keep_by is None else replace(found, promised=keep_by)
            why = booking_changes.car_not_back(reads, out_before, workshop, booking, promised, was)
            if why is not None:
                car_late = car_late or why
                return None
            return found

        if multiday.carries_over(workshop, booking):
            found, search = self._multi_day_fit(session, workshop, day, booking, reads)
            offer = kept(found)
        else:  # the time as its slot query offered it (the promise the customer was told), or the quick fit
            offer = None
            if offered is not None:  # or as its refused change was offered it
                with phase("offered fit"):
                    offer = kept(offered.fit(day, booking))
            if offer is None:
                with phase("cached fit"):
                    offer = kept(
                        self._offers.fit(day, booking, partial(self._day_version, session, day), exact=True)
                    )
            if offer is None:
                with phase("insert"):
                    offer = kept(day.try_insert(booking))
        if offer is None:
            with phase("cached fit later"):
                offer = kept(self._offers.fit(day, booking, partial(self._day_version, session, day)))
        if offer is None and self.ejection_seconds > 0:
            with phase("eject"):
                offer = kept(day.try_moving_others(booking, self.ejection_seconds))
        if offer is None and self.booking_exact_seconds > 0 and day.allowed_before_fit(booking):
            exact = day.fit_exactly(booking, self.booking_exact_seconds)
            offer = kept(exact if exact is not None and day.allowed(booking, exact) else None)
        if offer is None and not multiday.carries_over(workshop, booking):  # multi-day work: never
            offer = kept(day.overbooked_offer(booking))  # None unless the workshop overbooks
        if offer is None:
            # Why, as the slot query's explain says it (multi-day work: its days' own rules).
            reason = day.refusal(booking)
            if multiday.carries_over(workshop, booking):  # its days' own rules, where the day's mislead
                reason = multiday.refusal(day, booking, reads, search) or reason
            if car_late is not None:  # it fits the day, but its loan car is not free on a later one
                reason = car_late
            if ready_late is not None and keep_by is not None:
                reason = N_("it would be ready at %(ready)s, after its promised pickup %(promised)s") % {
                    "ready": moment_words(ready_late, workshop.tz, date),
                    "promised": moment_words(keep_by, workshop.tz, date),
                }
            elif ready_late is not None and shown is not None:
                reason = N_(
                    "it would now be ready at %(ready)s, after the pickup %(promised)s it was offered"
                ) % {
                    "ready": moment_words(ready_late, workshop.tz, date),
                    "promised": moment_words(shown, workshop.tz, date),
                }
            raise Conflict(N_("%(why)s the day's plan") % {"why": why}, [], booking, reason)
        promised = keep_by if keep_by is not None else offer.promised
        stored = booking.model_copy(update={"promised": promised, "overbooked": offer.overbooked})
        if offer.rewitness is not None:  # the day was reshuffled: every promise holds in the new witness
            # Multi-day work is pinned on the day (it stays put): its stored witness spans its days.
            parts = {b.id for b, _ in day.accepted if multiday.is_part(b)}
            moved = {k: v for k, v in offer.rewitness.items() if k not in parts}
            bookings_db.rewitness_day(session, workshop.id, date, moved)
        if isinstance(offer, multiday.CarriedOffer):  # later days reshuffled to hold their share
            for later, witness in offer.later:
                held_day = reads(later)  # as the search read it (its parts are what is pinned)
                pinned = {b.id for b, _ in held_day.accepted if multiday.is_part(b)}
                moved = {k: v for k, v in witness.items() if k not in pinned}
                bookings_db.rewitness_day(session, workshop.id, later, moved)
        now = self.clock.now()
        with phase("store"):
            bookings_db.add(
                session,
                workshop.id,
                date,
                stored,
                offer.assignments,
                idempotency,
                now,
                workshop.timezone,
                offer.days,
            )
        if len(offer.days) > 1:  # the day holds the first part; the later days load theirs afresh
            part = multiday.day_part(workshop, date, stored, list(offer.assignments))
            held = offer.rewitness or {}
            accepted = [(b, list(held.get(b.id, w))) for b, w in day.accepted]
            accepted += [*day.at_risk, *day.held, *([part] if part is not None else [])]
            grown_day = DayBook(day.workshop, date, accepted, self.rules)
            grown_day.caches = self._day_caches
            return stored, grown_day
        return stored, day.with_booking(stored, offer)

    def cancel(self, workshop_id: str, booking_id: str, if_match: str | None = None) -> None:
        """Cancel a booking: its room is free at once. With `if_match` (the request's If-Match), only
        while the booking is still the revision it names, checked under the workshop's lock as a
        PATCH's is: else PreconditionFailed (412), nothing cancelled; without it, as before."""
        with self._booking_transaction(workshop_id) as session:
            locked = self.store.lock_workshop(session, workshop_id)
            row = bookings_db.get(session, workshop_id, booking_id)
            if locked is None or row is None:
                raise self.not_found(
                    session, workshop_id, N_("booking %(booking_id)r") % {"booking_id": booking_id}
                )
            check_if_match(
                if_match,
                bookings_db.booking_of(row),
                N_(
                    "%(header)s %(sent)s does not name the booking's current revision %(current)s:"
                    " it changed since it was read; read it again before cancelling it"
                ),
            )
            clocked = events_db.clocked_days(session, workshop_id, booking_id)
            if clocked:  # the day's clock events name it: gone, its status and plans failed (review-s20 D4)
                raise Conflict(
                    N_("its work was clocked on %(date)s: a booking with clocked work cannot be cancelled")
                    % {"date": min(clocked).isoformat()},
                    [],
                )
            workshops_db.touch(locked, self.clock.now())
            date = row.date
            bookings_db.cancel(session, row, self.clock.now())  # its idempotency key stays used
        with suppress(RuntimeError):  # closed: nothing to refine ahead
            self._packer.submit(self._refine_ahead_loaded, workshop_id, date)

    # Plans
    def plan_inputs(
        self, workshop_id: str, date: dt.date, time_limit_seconds: float
    ) -> tuple[PlanRequest, list[Assignment], tuple[object, ...]]:
        """What planning the day needs: its bookings (those at risk too), the witness (the warm
        start) and the day's version."""
        with self.store.sessions() as session:
            workshop = self.workshop(workshop_id, session)
            day = self._day(session, workshop, date)
            version = bookings_db.day_version(session, workshop_id, date)
        request = PlanRequest(
            workshop=day.workshop,  # multi-day work's parts are services of the day (scheduler.multiday)
            date=date,
            bookings=[b for b, _ in day.accepted] + [b for b, _ in day.at_risk],
            options=PlanOptions(time_limit_seconds=time_limit_seconds, keep_promises=True),
            held=[b for b, _ in day.held],  # not planned, but their loan cars are out (the validator)
        )
        return request, [a for _, witness in day.accepted for a in witness], version

    def store_plan(
        self, workshop_id: str, date: dt.date, plan: Plan, basis: PlanBasis, as_of_event: int | None = None
    ) -> Plan:
        """Keep `plan` as the day's plan if the day is still as it was planned; concurrent re-plans
        of an unchanged day each store a valid plan, the last one stays. A plan that breaks a hard
        rule is never stored: the greedy plan (validated) is stored and returned instead.

        `as_of_event`: a live plan, re-planned from the day's clock events up to that id. It never
        replaces a live plan made from newer events (newest state wins): that one is returned."""
        plan = checked_plan(basis.request, plan, afternoon_handover=self.rules.afternoon_handover)
        plan = plan.model_copy(update={"stale": False})
        with self._booking_transaction(workshop_id) as session:
            self.store.lock_workshop(session, workshop_id)
            if bookings_db.day_version(session, workshop_id, date) != basis.version:
                raise DayChanged(N_("the day's bookings changed while it was planned: plan it again"))
            if as_of_event is not None:
                row = plans_db.get(session, workshop_id, date)
                if row is not None and row.as_of_event is not None and row.as_of_event > as_of_event:
                    return Plan.model_validate_json(row.body)
            plans_db.put(
                session, workshop_id, date, plan.model_dump_json(), basis_text(basis.version), as_of_event
            )
        for listener in list(self.plan_listeners):
            try:
                listener(workshop_id, date, plan)
            except Exception:  # a listener never undoes a stored plan
                logger.exception("a listener of stored plans failed")
        return plan

    def replan_inputs(
        self, workshop_id: str, date: dt.date, now: dt.datetime, time_limit_seconds: float
    ) -> tuple[ReplanRequest, tuple[object, ...]]:
        """Re-planning the stored plan from `now`: work started before it stays where it is."""
        request, _, version = self.plan_inputs(workshop_id, date, time_limit_seconds)
        check_now_on_day(now, request.workshop, date)
        # Before the day begins nothing has started: re-plan the whole day, as stably as it can.
        now = max(now, dt.datetime.combine(date, dt.time(), tzinfo=request.workshop.tz))
        return ReplanRequest(request=request, plan=self.stored_plan(workshop_id, date), now=now), version

    def plan_work(
        self,
        workshop_id: str,
        date: dt.date,
        time_limit_seconds: float,
        now: dt.datetime | None = None,
        overruns: Sequence[Overrun] = (),
        finished: Sequence[OperationEvent] = (),
    ) -> tuple[Callable[..., Plan], tuple[object, ...], PlanBasis]:
        """What computing the day's plan takes: a pure function and its arguments (to run in a
        worker process), and the basis to store the result under (the day's version, the request
        the plan must pass the validator against). With `now`, the stored plan is re-planned from
        that moment (started work, overruns and finished work as reported)."""
        if now is None:
            if overruns or finished:
                raise InputError(
                    "now", N_("overruns and finished operations need the time they were reported at")
                )
            request, witness, version = self.plan_inputs(workshop_id, date, time_limit_seconds)
            handover = self.rules.afternoon_handover
            return plan_from_witness, (request, witness, handover), PlanBasis(version, request)
        rr, version = self.replan_inputs(workshop_id, date, now, time_limit_seconds)
        rr = rr.model_copy(update={"overruns": list(overruns), "finished": list(finished)})
        return replan_plan, (rr, self.rules.afternoon_handover), PlanBasis(version, replan_check_request(rr))

    def plan_day(self, workshop_id: str, date: dt.date, time_limit_seconds: float) -> Plan:
        """Plan the day here and now (the API runs `plan_from_witness` in its worker pool instead)."""
        request, witness, version = self.plan_inputs(workshop_id, date, time_limit_seconds)
        plan = plan_from_witness(request, witness, self.rules.afternoon_handover)
        return self.store_plan(workshop_id, date, plan, PlanBasis(version, request))

    def stored_plan(self, workshop_id: str, date: dt.date) -> Plan:
        """The day's stored plan; `stale` when the day's bookings or the workshop changed since it
        was made (or when that is not known: a plan stored before plans recorded it)."""
        with self.store.sessions() as session:
            row = plans_db.get(session, workshop_id, date)
            if row is None:
                raise self.not_found(
                    session,
                    workshop_id,
                    N_("plan of %(workshop_id)r for %(date)s") % {"workshop_id": workshop_id, "date": date},
                )
            plan = Plan.model_validate_json(row.body)
            stale = row.basis != basis_text(bookings_db.day_version(session, workshop_id, date))
            return plan.model_copy(update={"stale": stale})


def _same_request(stored_hash: str | None, request_hash: str, idempotency_key: str) -> None:
    """A key answers only the request it was first sent with: another body under it is a 422."""
    if stored_hash not in (None, request_hash):
        raise InputError(
            IDEMPOTENCY_FIELD,
            N_("key %(key)r was already used for another booking request; send a new key for a new booking")
            % {"key": idempotency_key},
        )


def _car(row: BookingRow) -> dict[str, object]:
    """A listed booking's car: its plate (None: not given) and how a sentence names it, by the plate
    with the booking id beside it ("粤B82011 (booking BK-…)"), else by the id (review-s43 #12)."""
    booking = bookings_db.booking_of(row)
    return {"plate": booking.plate, "car": car_words(booking)}
