"""Slot offers that really fit: a new booking is inserted into a witness plan of the day's accepted bookings.

The witness is a concrete placement of every accepted booking that obeys every hard rule and
meets every promised pickup. A drop-off time is offered only if the new booking fits in the
witness's free time without moving anything, so an accepted day always has a plan that places
every booking on time (soundness); the optimiser, hinted with the witness and told to keep
promises, can only improve on it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property, partial
from typing import Any

from scheduler import capacity, overbooking, refusals
from scheduler.availability import GRID_PAIRS, Availability
from scheduler.cache import CacheHolders
from scheduler.capacity import CapacityRules
from scheduler.clock import DayClock
from scheduler.compiler import CompiledDay, compile_request, duration
from scheduler.confidence import confident_promise
from scheduler.contract import HELD_CODE, Assignment, Booking, Operation, PlanOptions, PlanRequest, Workshop
from scheduler.dispatch import place_job
from scheduler.ejection import DEPTH as EJECTION_DEPTH
from scheduler.ejection import TIGHTNESS as EJECTION_TIGHTNESS
from scheduler.ejection import eject_and_fit
from scheduler.errors import InputError
from scheduler.frontdesk import FrontDesk
from scheduler.offer import NO_WANTS, Offer, Wants
from scheduler.phases import phase
from scheduler.repack import left_pack, right_pack
from scheduler.translate import (
    DayFrame,
    assignments_from_placements,
    placements_from_assignments,
    technician_data,
)
from solver.model import LastJobFits, SolveParameters, fit_all
from solver.problem import DayProblem, DaySolution, JobData, OperationData, Placement

__all__ = [
    "EJECTION_SECONDS",
    "NO_WANTS",
    "WAITER_RETRY_SECONDS",
    "CapacityRules",
    "DayBook",
    "Offer",
    "Reshuffled",
    "Wants",
    "offers_may_grow",
]

EJECTION_SECONDS = 0.025
"""How long (CPU seconds of the answering thread, `time.thread_time`: the same answer on a busy
machine, only later) one immediate answer may spend moving bookings out of the way
(scheduler.ejection) to find the times the quick fit misses; the exact search (CP-SAT, in the
background) decides what is left."""

WAITER_RETRY_SECONDS = 0.2
"""The exact search's limit (CP-SAT seconds) for a waiter's times once one of them was left unproven
in the same search (`DayBook._complete`). Aimed at the desk's close (`_aimed`), a waiter on a full day
is mostly a fit CP-SAT finds in a few hundredths of a second or one it does not find within the whole
limit: the rest of his binary search gets a short look each instead of the full limit (waitercost-s27).
A time left unproven is not offered, as before."""


_RefitBase = tuple[list[int], dict[str, tuple[Assignment, ...]], Availability]
"""The bookings to place again (indices), the plan without them and its free time (`_refit_base`)."""

Reshuffled = dict[int, tuple[list[Placement], dict[str, tuple[Assignment, ...]]] | None]
"""Per rewitness (by id) that offers carried over share: the placements of the bookings made
since and the merged witness, or None where those touch it (DayBook.carried)."""


def _parts_in(op: OperationData, late_parts: tuple[int, int] | None) -> int:
    """`op`'s release, or with `late_parts` (the day's end, the minute parts due after it are in) an
    operation released at the day's end (the clamp of such parts, `compiler.parts_release`) released
    when they are in."""
    if late_parts is not None and op.release >= late_parts[0]:
        return max(op.release, late_parts[1])
    return op.release


class DayBook:
    """The accepted bookings of one workshop day and their witness placements."""

    def __init__(
        self,
        workshop: Workshop,
        date: dt.date,
        accepted: list[tuple[Booking, list[Assignment]]],
        rules: CapacityRules | None = None,
        shift_minutes: list[int] | None = None,
    ) -> None:
        """`shift_minutes`: the technicians' shift minutes when known (another version of the day)."""
        self.workshop = workshop
        self.date = date
        self.rules = rules or CapacityRules()
        self.frame = DayFrame(workshop, DayClock(workshop.timezone, date))
        self.clock = self.frame.clock
        self.held = [(b, w) for b, w in accepted if self._held(b)]
        """Vehicles held on the day with no work of theirs on it (multi-day work that starts on a
        later day, scheduler.multiday): they take an advisor's check-in on their drop-off day and
        keep a loan car out, but no bay or technician time, and are not in the day's plans."""
        accepted = [(b, w) for b, w in accepted if not self._held(b)]
        self.accepted = [(b, w) for b, w in accepted if self._witnessed(b, w)]
        """The bookings whose witness holds: the day's plan keeps them on time."""
        self.at_risk = [(b, w) for b, w in accepted if not self._witnessed(b, w)]
        """Accepted bookings without a usable witness (a workshop change broke it): kept, but they
        take no room in the witness and the next plan may leave them unassigned."""
        self.shift_minutes = (
            shift_minutes
            if shift_minutes is not None
            else [technician_data(t, self.clock).shift_minutes() for t in workshop.technicians]
        )
        self.worked = [0] * len(workshop.technicians)
        self.placements: list[Placement] = []
        self.placements_of: list[list[Placement]] = []
        self._accepted_problem: DayProblem | None = None
        """The accepted bookings as solver data, once compiled (`accepted_problem`)."""
        self._templates: dict[tuple[object, ...], tuple[JobData, DayProblem]] = {}
        self._probe_lists: dict[tuple[object, ...], tuple[Any, ...]] = {}
        """The candidate times (key `()`) and the probes of each kind at every one (`_probes`),
        shared like `_templates` by the versions of the day: a storm's every query made them anew."""
        self.lineage: list[tuple[DayBook, tuple[Placement, ...]]] = []
        """Earlier versions of this day, newest first, with every placement added since (offers made
        on them carry over where the added placements do not touch them)."""
        self._opening = tuple(self.clock.wall(hhmm) for hhmm in workshop.opening_window())
        self._moved_days: list[DayBook] = []
        """This day as searches for earlier answers moved its bookings (every promise kept),
        newest first: where one service's answer made room, another's quick fit often fits."""
        self._packed: list[DayBook] | None = None
        """This day with every movable booking pushed late, early or both (scheduler.repack, every
        promise kept), once per day version (`pack`, `_packed_days`)."""
        self._pack_lock = threading.Lock()
        self.superseded = False
        """A booking made a newer version of the day from this one (`with_booking`): packing this
        one ahead of any query is wasted (`PlanningService._pack_soon`)."""
        self.pack_ahead = False
        """A search on the version this one grew from needed the day packed (`with_booking`): a
        full day, so this one is packed ahead of its first query (`PlanningService._pack_soon`)."""
        self._free_time: dict[int, tuple[DayProblem, Availability]] = {}
        """The witness's free time per problem (by identity), built once per day version and
        handed out as copies (`_availability`): rebuilding it, and on a big workshop its minute
        grid, took most of a quick fit's and an ejection chain's time on a full dealer-2011 day."""
        self._free_time_from: list[_FreeTimeSource] = []
        """An earlier version's free time and the placements that came (+1) and left (-1) since
        (`with_booking`): in a booking storm every booking makes a new day version and the next
        query's free time is the last one's plus the new booking, not rebuilt (`_availability`)."""
        self.caches: CacheHolders | None = None
        """The service's bound on the day versions that keep their free time, packed and moved
        days (`drop_caches`); None: unbounded (a day built outside a service)."""
        self._chains: dict[tuple[object, ...], float] = {}
        """The ejection searches of this day version that found nothing (`fit_by_ejection`), by
        what they searched (the job, the depths, `push`, `tightness`): `EXHAUSTED` where every
        chain was tried (a proof: none fits), else the most CPU one was given before its deadline
        cut it. The day version is the same, so the same search again finds nothing again in the
        first case, and in the second with no more CPU than that (it tries the same chains in the
        same order and stops sooner)."""
        self.chains_spared = 0
        self._refit_bases: dict[tuple[str, object], tuple[object, _RefitBase | None]] = {}
        """`_refit_base`'s answers on this day version, by plan (`_REFIT_BASES` at most)."""
        """Ejection searches not run again because `_chains` knew their answer (a test's counter)."""
        for _, assignments in self.accepted:
            own = placements_from_assignments(self.frame, assignments)
            for p in own:
                self.worked[p.technician] += p.end - p.start
            self.placements += own
            self.placements_of.append(own)

    def _held(self, booking: Booking) -> bool:
        """A share of a day with no operations (a held vehicle, `held`), or a car out from an
        earlier day (scheduler.multiday.out_shares: a held share of a service not multi-day)."""
        service = self.workshop.service(booking.service)
        if service is None:
            return booking.service.endswith(HELD_CODE)
        return not service.operations

    def _witnessed(self, booking: Booking, witness: list[Assignment]) -> bool:
        """The witness names every operation of the booking's service once, on known bays and
        technicians (whether it keeps the workshop's rules was checked when the workshop changed)."""
        service = self.workshop.service(booking.service)
        return (
            service is not None
            and sorted(a.operation for a in witness) == list(range(len(service.operations)))
            and all(self.frame.knows(a) for a in witness)
        )

    def __getstate__(self) -> dict[str, object]:
        """Pickled for the refinement process: without the earlier days (not needed there)."""
        state = {
            **self.__dict__,
            "lineage": [],
            "_moved_days": [],
            "_packed": None,
            "_free_time": {},
            "_free_time_from": [],
            "caches": None,
            "_chains": {},
            "_refit_bases": {},
        }
        del state["_pack_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._pack_lock = threading.Lock()

    def drop_caches(self) -> None:
        """Let go of the free time, packed and moved days (`caches`: this day version was the least
        recently used); each is rebuilt when next needed, so answers stay right, only slower."""
        self._free_time.clear()  # in place: later versions carrying it (`_free_time_from`) let go too
        self._free_time_from = []
        self._packed = None
        self._moved_days = []
        self._refit_bases = {}

    def _used(self) -> None:
        """This day version used or built its caches (the most recently used, `caches`)."""
        if self.caches is not None:
            self.caches.touch(self)

    def added_since(self, earlier: DayBook) -> tuple[Placement, ...] | None:
        """Placements added since `earlier` if this day grew from it by bookings alone; none (`()`)
        where it is `earlier` over again (`same_as`: another day version with the same content)."""
        added = next((added for day, added in self.lineage if day is earlier), None)
        if added is None and self.same_as(earlier):
            return ()
        return added

    def grown_from(self, earlier: DayBook) -> tuple[Placement, ...] | None:
        """`added_since`, or out of the lineage what the content tells: a day that holds what
        `earlier` held (as `same_as`: workshop, date, rules, shifts, the bookings at risk and held)
        and `earlier`'s every accepted booking, the same booking with the same witness, plus new
        ones, returns the new ones' placements. `earlier`'s witness plus these is this day's, so an
        offer made on `earlier` is judged here as on a day grown from it by bookings alone
        (`carried`, `offers_after`), whatever versions came between: a booking promised on the next
        day moves this day's version (`storage.bookings.days_touched`), and the query loading it
        afresh gave up every offer that moved bookings, which the refinement ahead, judging on the
        booking's own day with its lineage, had counted on (pace16-s46). Not an order of versions:
        a cancel makes a newer day that an older one "grew from" (`OfferCache.deliver` orders
        answers by `added_since` alone)."""
        added = next((added for day, added in self.lineage if day is earlier), None)
        if added is not None:
            return added
        if earlier is self:
            return ()
        if len(earlier.accepted) > len(self.accepted) or not self._same_setting(earlier):
            return None
        had = {b.id: (b, w) for b, w in earlier.accepted}
        came: list[Placement] = []
        for (b, w), own in zip(self.accepted, self.placements_of, strict=True):
            old = had.pop(b.id, None)
            if old is None:
                came.extend(own)
            elif old != (b, w):
                return None
        return None if had else tuple(came)

    def same_as(self, earlier: DayBook) -> bool:
        """Does this day hold what `earlier` held: the same workshop, date, rules, shifts and the
        same bookings with the same witnesses (accepted, at risk and held)? Then every offer made on
        `earlier` is one of this day, its witness and all. A new day version need not change the
        day: a booking promised on the next day bumps the versions of the days after its own
        (`storage.bookings.days_touched`: its car may be picked up there), and those days were then
        answered with the immediate search, their refined offers that moved bookings given up
        (bench/RESULTS-pace16-s44.md). Cheap where they differ: the counts and placements first."""
        if earlier is self:
            return True
        if len(earlier.accepted) != len(self.accepted) or earlier.placements != self.placements:
            return False
        return self._same_setting(earlier) and earlier.accepted == self.accepted

    def _same_setting(self, earlier: DayBook) -> bool:
        """The same workshop day around the accepted bookings: date, rules, workshop, shifts, and
        the bookings at risk and held (`same_as`, `grown_from`). Cheap where they differ: the
        scalars and counts first."""
        if earlier.date != self.date or earlier.rules != self.rules:
            return False
        if len(earlier.held) != len(self.held) or len(earlier.at_risk) != len(self.at_risk):
            return False
        if earlier.workshop is not self.workshop and earlier.workshop != self.workshop:
            return False
        return (
            earlier.shift_minutes == self.shift_minutes
            and earlier.at_risk == self.at_risk
            and earlier.held == self.held
        )

    def placements_added_since(self, earlier: DayBook) -> tuple[Placement, ...] | None:
        """Placements of this day's witness that `earlier` (the same workshop day at another
        version, None if it is not) did not have. An offer made on `earlier` whose placements
        touch none of them still fits this day: the rest of this witness was `earlier`'s too.
        Holds whatever happened in between (bookings, cancellations, bookings moved), unlike
        `added_since`, which needs the day to have grown from `earlier` here, by bookings alone."""
        lineage = self.added_since(earlier)
        if lineage is not None:
            return lineage
        if earlier.date != self.date or earlier.rules != self.rules:
            return None
        if earlier.workshop is not self.workshop and earlier.workshop != self.workshop:
            return None
        had = set(earlier.placements)
        return tuple(p for p in self.placements if p not in had)

    def with_booking(self, booking: Booking, offer: Offer) -> DayBook:
        """The day after accepting `booking` (promise set) at `offer`: no reload, no recompile."""
        if offer.rewitness is None:  # the others stay where they are: their placements carry over
            after = self._grown(booking, offer)
        else:
            witness = offer.rewitness
            accepted = [(b, list(witness[b.id])) for b, _ in self.accepted] + self.at_risk + self.held
            accepted.append((booking, list(offer.assignments)))
            after = DayBook(self.workshop, self.date, accepted, self.rules, self.shift_minutes)
        after._templates = self._templates
        after._probe_lists = self._probe_lists
        after.caches = self.caches
        # What takes room the earlier day's free time had: the new booking's placements, and
        # where the bookings it moved went (where they left is only more free time).
        if offer.rewitness is None:
            added = tuple(offer.placements)
        else:
            before = set(self.placements)
            added = tuple(p for p in after.placements if p not in before)
        after.lineage = [(self, added)] + [(day, cum + added) for day, cum in self.lineage[: _LINEAGE - 1]]
        after._free_time_from = self._free_time_source(after, offer.rewitness is None)
        self.lineage = []  # the newest day holds the lineage: no chain of references through the day
        self.superseded = True
        after.pack_ahead = self._packed is not None
        self._moved_days = []  # room made on this version is the next answers' only while it is the newest
        if self._accepted_problem is not None and not offer.overbooked:  # compiled: add the one new job
            single = self._compile_one(booking)
            jobs = self._accepted_problem.jobs + single.problem.jobs
            after._accepted_problem = replace(self._accepted_problem, jobs=jobs)
        return after

    def _grown(self, booking: Booking, offer: Offer) -> DayBook:
        """This day and `booking` at `offer`, every other booking where it was: what `DayBook(...)`
        with the new booking appended makes, without converting every witness again (a booking
        storm builds one such day per booking)."""
        after = DayBook(self.workshop, self.date, [], self.rules, self.shift_minutes)
        after.accepted = list(self.accepted)
        after.at_risk = list(self.at_risk)
        after.held = list(self.held)
        after.worked = list(self.worked)
        after.placements = list(self.placements)
        after.placements_of = list(self.placements_of)
        assignments = list(offer.assignments)
        if not after._witnessed(booking, assignments):  # overbooked: no witness, kept at risk
            after.at_risk.append((booking, assignments))
            return after
        after.accepted.append((booking, assignments))
        own = placements_from_assignments(after.frame, assignments)
        for p in own:
            after.worked[p.technician] += p.end - p.start
        after.placements += own
        after.placements_of.append(own)
        return after

    @property
    def accepted_problem(self) -> DayProblem:
        """The accepted bookings as solver data (compiled once per day version)."""
        if self._accepted_problem is None:
            self._accepted_problem = compile_request(
                PlanRequest(workshop=self.workshop, date=self.date, bookings=[b for b, _ in self.accepted])
            ).problem
        return self._accepted_problem

    def _compile_one(self, booking: Booking) -> CompiledDay:
        """`booking` alone as a request on this day: its errors name the booking's own fields
        (`service`, `drop_off`), not the wrapping request's `bookings[0].service`."""
        try:
            return compile_request(PlanRequest(workshop=self.workshop, date=self.date, bookings=[booking]))
        except InputError as exc:
            field = exc.field.removeprefix("bookings[0]").removeprefix(".") or "(root)"
            raise InputError(field, exc.reason, exc.source) from None

    def _job(self, booking: Booking) -> tuple[JobData, DayProblem]:
        """The booking as solver data; same-day probes of one kind share a compiled template
        (only the release differs: the parts ETA, a release of the operations that need parts, is
        in the kind), and so do probes dropped off on an earlier day (multi-day work
        carried over: released at the day's start); anything else is compiled and checked in full."""
        drop_day = booking.drop_off.astimezone(self.workshop.tz).date()
        same_day = drop_day == self.date
        carried = drop_day < self.date and not booking.pinned
        key = (
            booking.service,
            booking.waiter,
            booking.fleet_partner,
            booking.priority,
            booking.promised,
            booking.parts_eta,
            carried,
        )
        template = self._templates.get(key) if same_day or carried else None
        if template is not None and carried:
            return template
        release = self.clock.minutes(booking.drop_off, round_up=True)
        if template is not None and self._opening[0] <= release <= self._opening[1]:
            return replace(template[0], release=release), template[1]
        compiled = self._compile_one(booking)
        job, problem = compiled.problem.jobs[0], compiled.problem
        job = self._aimed(booking, job)
        if same_day or carried:
            _bounded_put(self._templates, key, (job, problem), _TEMPLATES)
        return job, problem

    def _aimed(self, booking: Booking, job: JobData) -> JobData:
        """A waiter's job due by the desk's close: his work must end by the latest minute whose
        promise the desk still hands back (capacity.waiter_latest_end), so the searches that keep
        a job's due (the ejection chains, the one-booking repair, the exact fit) look for a fit
        that ends in time instead of finding one that ends too late and having the desk refuse it
        (waiterdue-s26). The desk's own check stays on every offer (FrontDesk.handed_back). Only a
        waiter dropped off on this day: he waits for his car today."""
        today = booking.drop_off.astimezone(self.workshop.tz).date() == self.date
        latest = self._waiter_latest_end if booking.waiter and today else None
        if latest is None or (job.due is not None and job.due <= latest):
            return job
        return replace(job, due=latest)

    @cached_property
    def _waiter_latest_end(self) -> int | None:
        return capacity.waiter_latest_end(self._last_handover, self.rules.promise_buffer_minutes)

    def _late(self, job: JobData, placed: Sequence[Placement]) -> bool:
        """Does a waiter's fit end after his due (`_aimed`)? His desk would refuse it."""
        return job.waiter and job.due is not None and bool(placed) and placed[-1].end > job.due

    def _reachable(self, booking: Booking) -> bool:
        """Could `booking`'s work end by its job's due at all: from its release, each operation at
        its shortest and no sooner than its parts are in? (False: a proof it does not fit.)"""
        job = self._job(booking)[0]
        return job.due is None or self._earliest_end(job) <= job.due

    @staticmethod
    def _earliest_end(job: JobData) -> int:
        """The earliest `job`'s work can end: from its release, each operation at its shortest and
        no sooner than its parts are in (a lower bound, room or not)."""
        end = job.release
        for op in job.operations:
            if op.pin is not None:
                end = max(end, op.pin.end)
                continue
            end = max(end, op.release) + min(op.durations, default=0)
        return end

    def try_insert(self, booking: Booking) -> Offer | None:
        """Where `booking` fits (nothing moved, or one nearby booking moved) within the capacity rules
        (a fit refused for its loan car alone tried again ending in time, as the offers do)."""
        if not self.allowed_before_fit(booking):
            return None
        offer = self.fit_quickly(booking)
        return self._allowed_or_refit(booking, offer)

    def _allowed_or_refit(self, booking: Booking, offer: Offer | None) -> Offer | None:
        """`offer` if the rules allow it; one refused for its loan car alone, the work ending in
        time for the car (`_loan_refit`); else None."""
        if offer is None:
            return None
        return offer if self.allowed(booking, offer) else self._loan_refit(booking, offer)

    def try_moving_others(self, booking: Booking, seconds: float = EJECTION_SECONDS) -> Offer | None:
        """Where `booking` fits once bookings in its way move (scheduler.ejection, at most `seconds`
        of this thread's CPU), within the capacity rules."""
        if not self.desk.worth_a_search(booking, self._job):
            return None
        offer = self.fit_by_ejection(booking, time.thread_time() + seconds)
        return self._allowed_or_refit(booking, offer)

    def fit_by_ejection(
        self,
        booking: Booking,
        deadline: float,
        shallowest: int = 1,
        deepest: int = EJECTION_DEPTH,
        push: bool = False,
        tightness: int = 0,
        stopped: Callable[[], None] | None = None,
    ) -> Offer | None:
        """Capacity only: the accepted bookings in the way of `booking` moved elsewhere
        (scheduler.ejection, chains of `shallowest` to `deepest` levels; with `push`, the last
        level shifts the bookings in its way later instead; `tightness`: the points ranked with
        the bookings' windows, scheduler.ejection.TIGHTNESS), every promise kept; None if no room
        is found by `deadline`. `stopped`: called when the search stops at `deadline` with nothing
        found, or would (`_chains`: the same search on this day version, given at least as much CPU,
        was cut and found nothing; it is not run again): a caller whose budget it was stops there
        too, as after any search that ran out of it. Without `stopped` such a search runs again (its
        caller may go on with the time it has left); one that tried every chain never does."""
        job, _ = self._job(booking)
        key = (job, shallowest, deepest, push, tightness)
        known = self._chains.get(key)
        if known == EXHAUSTED or (
            known is not None and stopped is not None and deadline - time.thread_time() <= known
        ):
            self.chains_spared += 1
            if known != EXHAUSTED and stopped is not None:
                stopped()
            return None
        problem = self.accepted_problem
        free = self._availability(problem)
        cut: list[float] = []
        found = eject_and_fit(
            problem, self.placements_of, job, deadline, shallowest, deepest, free, push, tightness, cut
        )
        if found is None:
            if len(self._chains) >= _CHAINS:
                self._chains.clear()
            self._chains[key] = max(cut[0], known or 0.0) if cut else EXHAUSTED
            if cut and stopped is not None:
                stopped()
            return None
        placed, moved = found
        rewitness = {
            b.id: self._assignments(b.id, moved[j]) if j in moved else tuple(w)
            for j, (b, w) in enumerate(self.accepted)
        }
        return self._offer(booking, placed, rewitness)

    def availability(self) -> Availability:
        """The free time around the witness, a fresh copy (`fit_quickly` leaves it as it found it)."""
        return self._availability(self.accepted_problem)

    def _availability(self, problem: DayProblem) -> Availability:
        """Free time around the witness (a fresh copy: callers try placements and undo them)."""
        cached = self._free_time.get(id(problem))
        if cached is None or cached[0] is not problem:
            availability = self._carried_free_time(problem)
            if availability is None:
                availability = Availability(problem)
                for p in self.placements:
                    availability.reserve(p)
            cached = (problem, availability.settled())
            _bounded_put(self._free_time, id(problem), cached, _FREE_TIMES)
        self._used()
        return cached[1].copy()

    def _free_time_source(self, after: DayBook, grown: bool) -> list[_FreeTimeSource]:
        """Where `after`, this day after one booking, may take its free time from (`_free_time_from`):
        this version's free time, and the earlier ones this version would take its own from, each
        with every placement that came or left since. Changes grown long are dropped (rebuilding
        is then as cheap)."""
        step = Counter[Placement]()
        if grown:  # the others kept their places: `after` has this day's placements, then its own
            step.update(after.placements[len(self.placements) :])
        else:
            step.update(after.placements)
            step.subtract(self.placements)
        sources = [(self._free_time, Counter[Placement]())] if self._free_time else []
        sources += self._free_time_from
        carried: list[_FreeTimeSource] = []
        for source, earlier in sources[:_FREE_TIME_SOURCES]:
            changes = Counter(earlier)
            changes.update(step)
            changes = Counter({p: n for p, n in changes.items() if n})
            if sum(abs(n) for n in changes.values()) <= _FREE_TIME_CHANGES:
                carried.append((source, changes))
        return carried

    def _carried_free_time(self, problem: DayProblem) -> Availability | None:
        """The free time of this day for `problem`, from one built for another problem on the same
        bays and technicians (free time depends on nothing else): this version's own, else an
        earlier version's (`_free_time_from`) with the placements that left freed and those that
        came reserved. The same busy intervals as building it from this day's placements; None
        when there is no such free time to start from."""
        for source, changes in [(self._free_time, Counter[Placement]()), *self._free_time_from]:
            # A snapshot: another service thread may drop that version's caches meanwhile.
            found = next((a for q, a in list(source.values()) if _same_resources(q, problem)), None)
            if found is None:
                continue
            availability = found.copy()
            availability.problem = problem
            _apply(availability, changes)
            return availability
        return None

    def _inherit_free_time(self, day: DayBook) -> None:
        """Give `day` (this day with some bookings moved, the same compiled problem) its free time
        from this day's, if built: the moved bookings' old placements freed and their new ones
        reserved, instead of every placement reserved in a new one."""
        problem = self.accepted_problem
        cached = self._free_time.get(id(problem))
        if (
            cached is None
            or cached[0] is not problem
            or day._accepted_problem is not problem
            or len(day.placements_of) != len(self.placements_of)
            or id(problem) in day._free_time
        ):
            return
        changes = Counter[Placement]()
        for old, new in zip(self.placements_of, day.placements_of, strict=True):
            if old != new:
                changes.subtract(old)
                changes.update(new)
        availability = cached[1].copy()
        _apply(availability, changes)
        _bounded_put(day._free_time, id(problem), (problem, availability.settled()), _FREE_TIMES)
        day._used()

    def fit_quickly(
        self, booking: Booking, availability: Availability | None = None, repair: bool = True
    ) -> Offer | None:
        """Capacity only: the foreman's rule in the witness's free time (its last operation then on
        the lowest grade that keeps the same promise, `_seniors_kept`), then one-booking repair.
        `availability` (the witness's free time) is left as it was found."""
        job, problem = self._job(booking)
        if availability is None:
            availability = self._availability(problem)
        placed = self._earliest_finish(job, availability)
        if placed is not None:
            if not self._late(job, placed):
                return self._seniors_kept(booking, job, availability, placed)
            # A waiter's earliest finish ends after the desk closes: the repair may end in time.
            # Without one that does, the late fit is the answer (the desk refuses it, saying why)
            # where a repair was asked; a search that goes on (`repair=False`) gets none.
            if not repair:
                return None
            return self._reshuffle(booking, job, availability) or self._offer(booking, placed)
        return self._reshuffle(booking, job, availability) if repair else None

    @staticmethod
    def _earliest_finish(job: JobData, availability: Availability) -> list[Placement] | None:
        """The foreman's rule (each operation at its earliest finish) in `availability`, left as it was."""
        placed = place_job(availability, job, 0)
        for p in placed or []:
            availability.free(p)
        return placed

    def _seniors_kept(
        self, booking: Booking, job: JobData, availability: Availability, placed: list[Placement]
    ) -> Offer:
        """The offer of the earliest finish `placed`, its last operation moved to the lowest grade
        that finishes it in time for the same promise where one does (`Availability.earliest`'s
        `due`): a drop-off customer is promised the handover of his half of the day however early
        the work ends, so a junior who ends later, still before it, leaves the senior free for the
        work only seniors can do (what the exact check's plans do on technician-bound full days,
        bench/RESULTS-techbound-s27.md). A waiter is promised the work's end: a slower junior would
        promise him later, so he keeps the earliest finish (unless a junior ends as early)."""
        offer = self._offer(booking, placed)
        if not KEEP_SENIORS or not placed:
            return offer
        last = job.operations[-1]
        if len(last.technicians) * len(last.bays) >= SENIORS_PAIRS:
            return offer  # a big workshop: the grid's earliest finish (a junior's: pair by pair)
        latest = placed[-1].end
        promised = capacity.promise(
            latest + self.rules.promise_buffer_minutes,
            booking.waiter,
            self.clock.minutes(booking.drop_off),
            *self._handovers,
        )
        due = promised - self.rules.promise_buffer_minutes
        if due <= latest:
            return offer
        kept = place_job(
            availability, replace(job, due=due if job.due is None else min(job.due, due)), 0, True
        )
        if kept is None:
            return offer
        for p in kept:
            availability.free(p)
        if kept == placed or self._late(job, kept):
            return offer
        other = self._offer(booking, kept)
        if other.promised != offer.promised or not self.desk.after_fit(booking, other, self._job):
            return offer  # (the junior's pool may be the one its walk-in holdback closes)
        return other

    def fit_exactly(self, booking: Booking, seconds: float, workers: int = 2) -> Offer | None:
        """Capacity only, by CP-SAT: every accepted booking may move as long as its promise holds.
        None when proven impossible or not found within `seconds` (so an offer is always sound)."""
        return self._fit_exactly(booking, seconds, workers)[0]

    def _fit_exactly(
        self,
        booking: Booking,
        seconds: float,
        workers: int,
        shared: LastJobFits | None = None,
        cars: bool = False,
    ) -> tuple[Offer | None, bool]:
        """`fit_exactly`, and whether a None is proven (CP-SAT: infeasible), not a time-out. With
        `shared`, one binary search's checks (the same day and hint, only the drop-off differing)
        share the CP-SAT model built for the first (`solver.model.LastJobFits`). `cars`: the loan
        cars in the model too (`FrontDesk.loan_fleet`: a car free from the drop-off until the
        promise the placement earns), for `_car_exact`."""
        bookings = [b for b, _ in self.accepted] + [booking]
        compiled = compile_request(
            PlanRequest(
                workshop=self.workshop,
                date=self.date,
                bookings=bookings,
                options=PlanOptions(keep_promises=True),
            )
        )
        hint = DaySolution(
            placements={(j, k): p for j, own in enumerate(self.placements_of) for k, p in enumerate(own)},
            unplaced={len(self.accepted)},
        )
        problem = compiled.problem
        new_job = self._aimed(booking, problem.jobs[-1])  # a waiter: done by the desk's close
        if new_job is not problem.jobs[-1]:
            problem = replace(problem, jobs=(*problem.jobs[:-1], new_job))
        if cars:
            problem = replace(problem, loan_cars=self.desk.loan_fleet([(len(self.accepted), booking)]))
        status, solution = fit_all(
            problem, hint, SolveParameters(time_limit_seconds=seconds, workers=workers), shared=shared
        )
        if solution is None:
            return None, status == "infeasible"
        new = len(self.accepted)
        placed = [solution.placements[(new, k)] for k in range(len(compiled.problem.jobs[new].operations))]
        rewitness = {
            b.id: self._assignments(
                b.id,
                [solution.placements[(j, k)] for k in range(len(compiled.problem.jobs[j].operations))],
            )
            for j, (b, _) in enumerate(self.accepted)
        }
        return self._offer(booking, placed, rewitness), False

    @cached_property
    def desk(self) -> FrontDesk:
        """The front desk's rules on this day version (scheduler.frontdesk), built when first asked:
        after `with_booking` and the repacked and moved days have filled its lists."""
        others = self.at_risk + self.held
        return FrontDesk(
            self.workshop,
            self.date,
            self.rules,
            self.frame,
            self.accepted,
            others,
            self.worked,
            self.shift_minutes,
            self._overruns(),
        )

    def _overruns(self) -> dict[str, int]:
        """Per booking at risk with a loan car, dropped off on this day, the earliest its work can
        be done (`_earliest_done`: its parts ETA, shortest durations and the technicians' working
        time), where that is past its promise: its car is out until then at least
        (`FrontDesk.out_until`)."""
        out: dict[str, int] = {}
        for b, _ in self.at_risk:
            if not b.loan_car or b.promised is None or self.clock.local_date(b.drop_off) != self.date:
                continue
            # A workshop change may leave the drop-off outside the opening hours: the vehicle is
            # in all the same, but no day plan places it (`compile_request` refuses the drop-off),
            # so its work is done on a later working day at the earliest (desk16-s30: its car was
            # counted until its promise). Its operations are compiled from a drop-off inside them.
            drop_off = self.clock.minutes(b.drop_off, round_up=True)
            opens, closes = self._opening
            outside = not opens <= drop_off <= closes
            inside = b.model_copy(
                update={"drop_off": self.clock.at(min(max(drop_off, opens), closes)), "promised": None}
            )
            service = self.workshop.service(b.service)
            try:
                job, problem = self._job(inside)
            except InputError:  # what put it at risk makes it no booking now (a service removed)
                continue
            assert service is not None  # (compiled: its service is the workshop's)
            steps = list(zip(job.operations, service.operations, strict=True))
            # parts due after the day: the work ends after they are in, not at the day's end plus
            # its length (review-s28: the car was counted back the next morning before its parts)
            eta = None if b.parts_eta is None else self.clock.minutes(b.parts_eta, round_up=True)
            late = (self.clock.horizon, eta) if eta is not None and eta > self.clock.horizon else None
            if outside:
                end = self._done_later(steps, drop_off, late)
            else:
                end = self._earliest_done(job, problem, steps, late)
            if end + self.rules.promise_buffer_minutes > self.clock.minutes(b.promised):
                out[b.id] = end
        return out

    def _earliest_done(
        self,
        job: JobData,
        problem: DayProblem,
        steps: Sequence[tuple[OperationData, Operation]],
        late_parts: tuple[int, int] | None,
    ) -> int:
        """The earliest an at-risk job's work can be done, alone in the workshop (minutes of this
        day's time line, a later day's beyond its horizon; a lower bound): `_earliest_end`, but
        each operation today within a qualified technician's working block (shift, breaks,
        overtime), as the planner places it. One that no block holds today is done on a later
        working day, it and the rest day by day (`_done_later`; review-s28: parts in at 16:45, 30
        minutes of work, the shift ending at 17:00: the car was counted back at 17:30 and lent
        again the next morning). `steps`: the job's operations with the service's. `late_parts`
        (the day's end, the minute parts due after it are in): an operation released at the day's
        end, the clamp of such parts (`compiler.parts_release`), released when they are in."""
        end = job.release
        windows = [t.windows() for t in problem.technicians]
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                end = max(end, op.pin.end)
                continue
            start = max(end, _parts_in(op, late_parts))
            today = [
                max(s, start) + d
                for t, d in zip(op.technicians, op.durations, strict=True)
                for s, e in windows[t]
                if max(s, start) + d <= e
            ]
            if not today:
                return self._done_later(steps[k:], start, late_parts)
            end = min(today)
        return end

    def _done_later(
        self, steps: Sequence[tuple[OperationData, Operation]], start: int, late_parts: tuple[int, int] | None
    ) -> int:
        """`steps` (operations with the service's), none of which is done today, in order from
        `start`, each in one piece on the first later working day where a qualified technician on
        duty that day (roster, closed days) has a working block (shift, breaks, overtime) that
        holds it at his pace, no sooner than its parts: multi-day work's end on its later day
        (desk16-s30: the rest was chained at its shortest across nights, an at-risk repair's car
        counted back before its promise). A lower bound (no other work, any bay). An operation no
        day within `capacity.HANDOVER_SEARCH_DAYS` holds: at its shortest from where it may start."""
        end = start
        for op, spec in steps:
            ready = max(end, _parts_in(op, late_parts))
            end = self._later_block_end(spec, ready)
        return end

    def _later_block_end(self, spec: Operation, ready: int) -> int:
        """The earliest end, not before `ready` and after this day, of `spec` in one working block
        of a qualified technician on duty (`_done_later`)."""
        paces = {
            t.id: duration(spec.minutes, t.efficiency)
            for t in self.workshop.technicians
            if spec.skill in t.skills and t.grade >= spec.min_grade
        }
        for k in range(1, capacity.HANDOVER_SEARCH_DAYS + 1):
            date = self.date + dt.timedelta(days=k)
            day = DayClock(self.workshop.timezone, date)
            ends = [
                max(begin, ready) + paces[t.id]
                for t in self.workshop.technicians
                if t.id in paces and self.workshop.on_duty(t, date)
                for begin, finish in (
                    (self.clock.minutes(day.at(s)), self.clock.minutes(day.at(e)))
                    for s, e in technician_data(t, day).windows()
                )
                if max(begin, ready) + paces[t.id] <= finish
            ]
            if ends:
                return min(ends)
        return ready + min(paces.values(), default=0)

    def loan_out_until(self, booking: Booking) -> dt.datetime | None:
        """Until when `booking`, at risk and dropped off on this day, keeps its loan car past its
        promise (`FrontDesk.out_until`, which the day's own loan spans read too); a lower bound.
        None where its work does not overrun its promise."""
        until = self.desk.out_until(booking)
        return None if until is None else self.clock.at(until)

    def allowed(self, booking: Booking, offer: Offer) -> bool:
        """The capacity rules (advisors, waiters per slot, walk-in holdback, loan cars) on top of a fit."""
        return self.desk.before_fit(booking) and self.desk.after_fit(booking, offer, self._job)

    def allowed_carried(self, booking: Booking, offer: Offer) -> bool:
        """The rules for multi-day work carried over to this day (dropped off earlier, so no
        check-in here): the walk-in holdback and a loan car still out."""
        return self.desk.after_fit(booking, offer, self._job)

    def allowed_before_fit(self, booking: Booking) -> bool:
        """The rules that do not depend on where the booking sits (worth checking before a solve)."""
        return self.desk.before_fit(booking)

    @property
    def loan_spans(self) -> list[tuple[int, int]]:
        """The accepted loan cars' time out (drop-off to promised pickup, or the day's end)."""
        return self.desk.loan_spans

    def reoffer(self, booking: Booking, later: Offer) -> Offer | None:
        """`later`'s placement, found for a later drop-off, also fits `booking` (if the rules allow)."""
        if later.overbooked:
            return self.overbooked_offer(booking)
        offer = self._offer(booking, later.placements, later.rewitness)
        return offer if self.allowed(booking, offer) else None

    def overbooked_offer(self, booking: Booking) -> Offer | None:
        """No-show overbooking (scheduler.overbooking), for a time no witness supports: the booking
        fits the day on its own (bays, skills, opening hours, parts) and every front-desk rule
        (advisors, waiter cap, loan car), and each pool it uses stays within its overbooking percent.
        Waiters and vehicles dropped off on another day are never overbooked."""
        if not self.desk.may_overbook(booking):
            return None
        job, problem = self._job(booking)
        alone = place_job(Availability(problem), job, 0)
        if alone is None:
            return None
        promised = self._offer(booking, alone).promised
        offer = Offer(drop_off=booking.drop_off, promised=promised, assignments=(), overbooked=True)
        return offer if self.desk.loan_car_free(booking, offer) else None

    def _assignments(self, booking_id: str, placed: Sequence[Placement]) -> tuple[Assignment, ...]:
        return assignments_from_placements(self.frame, booking_id, placed)

    def _offer(
        self,
        booking: Booking,
        placed: list[Placement] | tuple[Placement, ...],
        rewitness: dict[str, tuple[Assignment, ...]] | None = None,
    ) -> Offer:
        promised = capacity.promise(
            placed[-1].end + self.rules.promise_buffer_minutes,
            booking.waiter,
            self.clock.minutes(booking.drop_off),
            *self._handovers,
        )
        promised = self._kept_promise(promised, placed)
        return Offer(
            drop_off=booking.drop_off,
            promised=self.clock.at(promised) if booking.waiter else self._handed_over(promised),
            assignments=self._assignments(booking.id, placed),
            rewitness=rewitness,
            placements=tuple(placed),
        )

    def _kept_promise(self, promised: int, placed: Sequence[Placement]) -> int:
        """The promise with the workshop's opt-in `promise_confidence` (scheduler.confidence): no
        earlier than `promised`, and the work placed at `placed` done by it with that probability."""
        confidence = self.workshop.promise_confidence
        if confidence is None:
            return promised
        return confident_promise(promised, [(p.start, p.end) for p in placed], confidence)

    def _handed_over(self, promised: int) -> dt.datetime:
        """The promise when the desk can hand the car back: `promised` (minutes of the day) while
        the desk is open then (capacity.handover_hours); work ready after the desk closes, or on a
        day it does not open, is promised for the next handover day's first handover time. (Not
        for a waiter: he waits for his car at the desk, promised the work's end.)"""
        if not capacity.after_hours(promised, self._last_handover):
            return self.clock.at(promised)
        later = capacity.next_handover(self.workshop, self.date, self.rules)
        return later if later is not None else self.clock.at(promised)

    @cached_property
    def _last_handover(self) -> int | None:
        """The day's last handover time in its minutes (None: the desk hands no car back today)."""
        last = capacity.last_handover(self.workshop, self.date, self.rules)
        return None if last is None else self.clock.wall(last)

    @cached_property
    def _handovers(self) -> tuple[int, int, int]:
        """Noon and the morning and afternoon handovers of the promise rule, in the day's minutes."""
        rules, wall = self.rules, self.clock.wall
        return wall(rules.noon), wall(rules.morning_handover), wall(rules.afternoon_handover)

    def _reshuffle(
        self, booking: Booking, job: JobData, availability: Availability, by: int | None = None
    ) -> Offer | None:
        """Local repair: move one accepted booking out of the way, place the new one, put the moved
        one back where it still keeps its promise. Tried on the bookings nearest the drop-off.
        `by`: the new one's work must end by then (`_loan_refit`)."""
        if not self.rules.repair_candidates:
            return None
        others_problem = self.accepted_problem
        # Only a booking on a bay or technician the new one could use can make room for it, and
        # only one with work not pinned (carried-over multi-day work, started work stay put).
        bays = {b for op in job.operations for b in op.bays}
        techs = {t for op in job.operations for t in op.technicians}
        spans = [
            (i, own)
            for i, own in enumerate(self.placements_of)
            if own
            and any(p.bay in bays or p.technician in techs for p in own)
            and any(op.pin is None for op in others_problem.jobs[i].operations)
        ]
        spans.sort(key=lambda item: abs(item[1][0].start - job.release))
        for i, moved in spans[: self.rules.repair_candidates]:
            for p in moved:
                availability.free(p)
            placed = place_job(availability, job, 0)
            back = place_job(availability, others_problem.jobs[i], i) if placed is not None else None
            for p in (placed or []) + (back or []):
                availability.free(p)
            for p in moved:
                availability.reserve(p)
            due = others_problem.jobs[i].due
            if placed is None or back is None or (due is not None and back[-1].end > due):
                continue
            if self._late(job, placed) or (by is not None and placed[-1].end > by):
                continue
            moved_booking = self.accepted[i][0]
            rewitness = {b.id: tuple(a) for b, a in self.accepted}
            rewitness[moved_booking.id] = self._assignments(moved_booking.id, back)
            return self._offer(booking, placed, rewitness)
        return None

    def _loan_refit(self, booking: Booking, fit: Offer) -> Offer | None:
        """A fit the desk refuses for its loan car, whose work ends too late for one (its promise
        after the moment the fleet is all out again): the work ending early enough instead
        (`FrontDesk.loan_latest_end`), in the witness's free time or with one booking moved
        (`_reshuffle`), as a waiter's search aims at his deadline (`_aimed`); the rules checked on
        it. None: no such fit, or refused for another rule (loanbench-s27)."""
        if not booking.loan_car or fit.overbooked or self.desk.loan_car_free(booking, fit):
            return None
        by = self.desk.loan_latest_end(booking)
        if by is None or not fit.placements or fit.placements[-1].end <= by:
            return None
        job, problem = self._job(booking)
        job = replace(job, due=by if job.due is None else min(job.due, by))
        availability = self._availability(problem)
        placed = self._earliest_finish(job, availability)
        offer = self._offer(booking, placed) if placed is not None and placed[-1].end <= by else None
        if offer is None:
            offer = self._reshuffle(booking, job, availability, by)
        return offer if offer is not None and self.allowed(booking, offer) else None

    def refusals(
        self,
        service: str,
        waiter: bool,
        fleet_partner: str | None,
        wants: Wants,
        skip: set[dt.datetime],
        words: bool = True,
    ) -> list[tuple[dt.datetime, str | Offer]]:
        """Each candidate time of the day not in `skip` (the offered ones), with the first rule that
        blocks it (scheduler.refusals), or where every rule holds and the quick fit finds room, that
        fit (`refusals.refusal_or_fit`: the offer a booking at that time gets); on a closed day,
        every time of the opening hours. Without `words`: `refusals.UNWORDED` where the rules
        before any fit hold and no fit is offered (multi-day work words those over its days)."""
        if self.workshop.is_closed(self.date):
            return list(refusals.closed_day(self, skip))
        probes = self._probes(service, waiter, fleet_partner, wants)
        return [
            (p.drop_off, refusals.refusal_or_fit(self, p, words)) for p in probes if p.drop_off not in skip
        ]

    def off_grid_refusals(self, skip: set[dt.datetime], now: dt.datetime) -> list[tuple[dt.datetime, str]]:
        """Each quarter hour off the desk's grid not in `skip`, with why (scheduler.refusals)."""
        return refusals.off_grid_refusals(self, skip, now)

    def refusal(self, booking: Booking) -> str:
        """The first front-desk rule (or the lack of room) that keeps `booking` out of the day
        (scheduler.refusals)."""
        return refusals.refusal(self, booking)

    def room_refusal(self, booking: Booking) -> str:
        """Why `booking` finds no room in the witness's free time, in the desk's words: the
        planner's reason for the first operation that finds none (scheduler.refusals)."""
        return refusals.room_refusal(self, booking)

    def loan_car_refusal(self, booking: Booking, offer: Offer) -> str | None:
        """Why no loan car serves `booking` placed as `offer` on this day; None: one is free
        (scheduler.refusals)."""
        return refusals.loan_car_refusal(self, booking, offer)

    def overbooking_note(self, booking: Booking) -> str | None:
        """For a time offered only thanks to no-show overbooking: the allowance it draws on
        (scheduler.refusals); None otherwise."""
        return refusals.overbooking_note(self, booking)

    def candidate_times(self) -> list[dt.datetime]:
        times = self._probe_lists.get(())
        if times is None:
            found = capacity.candidate_times(self.workshop, self.date, self.rules.slot_minutes)
            times = self._probe_lists[()] = tuple(found)
        return list(times)

    def offers(
        self,
        service: str,
        waiter: bool,
        fleet_partner: str | None = None,
        exact_seconds: float = 0.0,
        workers: int = 2,
        wants: Wants = NO_WANTS,
        ejection_seconds: float = EJECTION_SECONDS,
    ) -> list[Offer]:
        """Every candidate drop-off time that fits, within the capacity rules (`offers_and_bound`)."""
        return self.offers_and_bound(
            service, waiter, fleet_partner, exact_seconds, workers, wants, ejection_seconds
        )[0]

    def offers_and_bound(
        self,
        service: str,
        waiter: bool,
        fleet_partner: str | None = None,
        exact_seconds: float = 0.0,
        workers: int = 2,
        wants: Wants = NO_WANTS,
        ejection_seconds: float = EJECTION_SECONDS,
    ) -> tuple[list[Offer], dt.datetime | None]:
        """Every candidate drop-off time that fits, within the capacity rules, and the bound: the
        earliest time CP-SAT proved not to fit (None: none proven, or no `exact_seconds`).

        Whether a booking fits at all is monotone in its drop-off: a placement found for a later
        drop-off is valid for an earlier one (its promised pickup counts from where it sits). So
        the feasible times are a prefix of the day: the quick fit finds most of it, and with
        `exact_seconds` CP-SAT binary-searches the rest of the boundary (a few solves, not one
        per time); an unproven time counts as not fitting. Before that, within `ejection_seconds`
        after the quick fits, moving the bookings in the way (scheduler.ejection) searches the
        boundary the same way.

        The bound holds for every later time too (the prefix), and on every version this day grows
        into by bookings (`grown_from`: they only take room, each keeping its promise): an answer
        there that offers the last candidate time before it cannot grow (`offers_may_grow`).
        """
        probes = self._probes(service, waiter, fleet_partner, wants)
        availability = self._availability(self.accepted_problem)
        fits = self._quick_fits(probes, availability)
        if ejection_seconds > 0:
            self._search(probes, fits, availability, waiter, time.thread_time() + ejection_seconds)
            return self._complete(probes, fits, exact_seconds, workers)
        # The repair (moving a booking) is the costly part. Before the last time that fits as it
        # is, a drop-off customer gets that later placement anyway (the promise is mostly the
        # handover time either way); a waiter's promise follows the placement, so he gets the repair.
        # Repairs that keep failing mean a full day: after three in a row a quick answer leaves
        # the rest to the exact search (CP-SAT, in the background), which decides full days.
        last = max((i for i, f in enumerate(fits) if f is not None), default=-1)
        failed = 0
        for i, probe in enumerate(probes):
            if fits[i] is None and (waiter or i > last) and (failed < 3 or exact_seconds > 0):
                fits[i] = self._reshuffle(probe, self._job(probe)[0], availability)
                failed = 0 if fits[i] is not None else failed + 1
        return self._complete(probes, fits, exact_seconds, workers)

    def _quick_fits(self, probes: list[Booking], availability: Availability) -> list[Offer | None]:
        """`fit_quickly` (no repair) at every time, in order, without searching again where the
        answer is known (`_next_quick_fit`)."""
        fits: list[Offer | None] = []
        last: _LastFit = None
        for probe in probes:
            offer, last = self._next_quick_fit(probe, availability, last)
            fits.append(offer)
        return fits

    def _next_quick_fit(
        self, probe: Booking, availability: Availability, last: _LastFit
    ) -> tuple[Offer | None, _LastFit]:
        """`fit_quickly` (no repair) at `probe`, given `last`, the earliest finish of the same kind at
        the latest earlier time fitted in the same free time (None: none yet); and what to pass on."""
        job, _ = self._job(probe)
        if last is not None and job.operations is last[0].operations and job.due == last[0].due:
            placed = last[1]
            if placed is None and job.release >= last[0].release:
                # No room from an earlier release: none from a later one either (every placement
                # possible from the later time was possible from the earlier one).
                return None, last
            if placed is not None and job.release <= placed[0].start:
                # The earliest-finish placement found for an earlier drop-off is the one found for
                # every later drop-off up to its start (each bay and technician pair's earliest
                # start from a later time is the same where it was not before that time, later
                # elsewhere): the time gets it as it is, its seniors kept for its own promise.
                return self._seniors_kept(probe, job, availability, placed), last
        placed = self._earliest_finish(job, availability)
        if placed is None or self._late(job, placed):
            return None, (job, None)
        return self._seniors_kept(probe, job, availability, placed), ((job, placed) if placed else None)

    def _search(
        self,
        probes: list[Booking],
        fits: list[Offer | None],
        availability: Availability,
        waiter: bool,
        deadline: float,
        beyond: int | None = None,
        repairable: set[int] | None = None,
    ) -> None:
        """Within `deadline` (this thread's CPU): past the last time that fits as it is, move
        bookings out of the way (the boundary search serves every earlier drop-off customer too,
        up to the time at index `beyond` when given); a waiter's promise follows his placement, so
        with the time left he gets his own repair at earlier times (those at the indices
        `repairable` when given)."""
        deadline = self._ejection_boundary(probes, fits, deadline, beyond)
        last = max((i for i, f in enumerate(fits) if f is not None), default=-1)
        for i, probe in enumerate(probes[:last] if waiter else []):
            if time.thread_time() >= deadline:
                break
            if repairable is not None and i not in repairable:
                continue
            if fits[i] is None and self.allowed_before_fit(probe):
                fits[i] = self._reshuffle(probe, self._job(probe)[0], availability)

    def _ejection_boundary(
        self, probes: list[Booking], fits: list[Offer | None], deadline: float, beyond: int | None = None
    ) -> float:
        """Search the last time that takes a booking once others move out of its way (feasibility
        is monotone in the drop-off, so a fit there serves every earlier time), in rounds from the
        cheapest: first the quick fit in the day repacked, every booking pushed late and early as
        its promise and drop-off allow (`_packed_days`, once per day version: it gathers the gaps
        scattered over a full day), then in the days as earlier searches on this day version moved
        them (`_moved_days`: another service's answer often made the room this one needs), then
        chains of one level, then of two, ... (scheduler.ejection), in the repacked day where there
        is one (its chains are shorter). Each round gallops from the last time that fits, halving
        after a miss; the move is a heuristic, so a miss bounds only its own round (a deeper chain
        may find a later time). With `beyond`, no time after that index is tried. Returns the
        deadline, later by the CPU the day's packing took here if it did (never in the budget)."""
        stop = len(probes) if beyond is None else beyond + 1
        wanted = [i for i, p in enumerate(probes[:stop]) if self.desk.worth_a_search(p, self._job)]
        base: DayBook = self
        if self._past_fits(fits, wanted):  # the quick fit in the day packed late and early
            spent = time.thread_time()
            with phase("pack in query"):
                packed = self._packed_days(deadline)
            deadline += time.thread_time() - spent
            for day in packed:
                if time.thread_time() >= deadline:
                    return deadline
                self._gallop(probes, fits, self._past_fits(fits, wanted), day, deadline, base, _quick)
            base = packed[0] if packed else self  # chains are shorter in the day packed late then early
        for day in list(self._moved_days):  # the quick fit where earlier searches made room
            if time.thread_time() >= deadline:
                return deadline
            base = self._gallop(probes, fits, self._past_fits(fits, wanted), day, deadline, base, _quick)
        if len(self.accepted) <= PORTFOLIO_BOOKINGS:
            return self._chain_portfolio(probes, fits, wanted, deadline, base)
        for depth in range(1, EJECTION_DEPTH + 1):  # then chains of one level, of two, ...
            if time.thread_time() >= deadline:
                return deadline
            chains = partial(_ejected, depth=depth)
            base = self._gallop(probes, fits, self._past_fits(fits, wanted), base, deadline, base, chains)
        return deadline

    def _chain_portfolio(
        self,
        probes: list[Booking],
        fits: list[Offer | None],
        wanted: list[int],
        deadline: float,
        base: DayBook,
    ) -> float:
        """A small day's chains (`_ejection_boundary`): of two levels, then three, the last one
        shifting the bookings in its way later (scheduler.ejection, `push`), each from every witness
        at hand: the day as last moved (or packed late then early), the other packed days, the
        day as booked. Each (levels, witness) pair may take the whole time left when its turn
        comes, a pair whose chains give up early leaving it to the rest (`EQUAL_SHARES`: an equal
        share each cut the 8-10 ms a chain that finds room often takes on a full day at every
        witness in turn, offering nothing where one of them had it). Chains of one level are not tried
        apart: a two-level chain places every booking it ejects at its earliest finish first.
        The chains take out first the bookings whose windows leave them room to go elsewhere
        (scheduler.ejection.TIGHTNESS; bench/RESULTS-desk-s16.md)."""
        starts = [base]
        for day in [*(self._packed or []), self]:
            if all(day is not d for d in starts):
                starts.append(day)
        pairs = [(depth, n) for depth in range(2, EJECTION_DEPTH + 1) for n in range(len(starts))]
        for done, (depth, n) in enumerate(pairs):
            if time.thread_time() >= deadline:
                break
            chains = partial(_ejected, depth=depth, push=True, tightness=EJECTION_TIGHTNESS)
            # SHALLOW_FIRST: the pairs of one depth share the time left among themselves; a deeper
            # one gets what the shallower ones leave (each try at a time stops at its own share).
            left = [pair for pair in pairs[done:] if pair[0] == depth] if SHALLOW_FIRST else pairs[done:]
            share = 1.0 / len(left) if EQUAL_SHARES else 1.0
            starts[n] = self._gallop(
                probes, fits, self._past_fits(fits, wanted), starts[n], deadline, starts[n], chains, share
            )
        return deadline

    @staticmethod
    def _past_fits(fits: list[Offer | None], wanted: list[int]) -> list[int]:
        """The indices in `wanted` after the last time that fits."""
        good = max((i for i, f in enumerate(fits) if f is not None), default=-1)
        return [i for i in wanted if i > good]

    def _gallop(
        self,
        probes: list[Booking],
        fits: list[Offer | None],
        sellable: list[int],
        day: DayBook,
        deadline: float,
        base: DayBook,
        attempt: Callable[[DayBook, Booking, float], Offer | None],
        share_of_left: float = 0.0,
    ) -> DayBook:
        """Galloping from the first of `sellable` (the times past the last fit, the likeliest to
        take one more): `attempt` on `day` (a try may use `share_of_left`, default `ATTEMPT_SHARE`,
        of the time left); a fit doubles the step, a miss halves the rest. Returns the day as last
        moved (the next try starts there); `base` when nothing moved."""
        step = 1
        while sellable:
            if time.thread_time() >= deadline:
                break
            at = min(step, len(sellable)) - 1
            i = sellable[at]
            now = time.thread_time()
            share = max(ATTEMPT_FLOOR, (share_of_left or ATTEMPT_SHARE) * (deadline - now))
            found = attempt(day, probes[i], min(deadline, now + share))
            if found is None:
                sellable = sellable[:at]
                step = max(1, len(sellable) // 2)
                continue
            moved = found.rewitness is not None
            if not moved and day is not self:  # fitted in a day moved before
                found = replace(found, rewitness={b.id: tuple(w) for b, w in day.accepted})
            fits[i] = found
            # The placement found serves every time up to its start (later times, no search).
            start = found.placements[0].start if found.placements else -1
            sellable = sellable[at + 1 :]
            while sellable and self._job(probes[sellable[0]])[0].release <= start:
                fits[sellable[0]] = self._offer(probes[sellable[0]], found.placements, found.rewitness)
                sellable = sellable[1:]
            step *= 2
            if moved and found.rewitness is not None:
                moved_day = self._rewitnessed(found.rewitness)
                day._inherit_free_time(moved_day)
                day = moved_day
                self._remember_moved(day)
            base = day  # the next try starts from the day as moved
        return base

    def pack(self, seconds: float | None = None, share: float = 1.0) -> None:
        """Work out this day version's repacked days (`_packed_days`) now, within `share` times
        `seconds` (default `PACK_SECONDS`) of this thread's CPU, and the free time the first answer
        needs: after the booking that made the version (the service, in the background) or on the
        first search that needs it, never in a query's search budget. Another thread asking
        meanwhile waits for it (`_packed_days`)."""
        with self._pack_lock:
            problem = self.accepted_problem  # compiled first: the budget is the packing's alone
            self._availability(problem)
            if self._packed is None:
                budget = share * (PACK_SECONDS if seconds is None else seconds)
                self._pack_within(time.thread_time() + budget)
            for day in self._packed or []:
                self._inherit_free_time(day)

    def _packed_days(self, deadline: float) -> list[DayBook]:
        """This day repacked (scheduler.repack): every movable booking pushed as late as its promise
        allows, then as early as its drop-off allows; only early; only late; late, early, late and
        early again. Worked out once per day version (`pack`: where the version is made, or here on
        the first search that needs it, its CPU then added to that search's `deadline` by the
        caller; a pack cut short at `PACK_SECONDS` is a witness too, only less packed); the ones
        that differ from the witness, in that order. Nothing (not remembered) once `deadline` is past.
        A search with a share of `EJECTION_SECONDS` (queries under way at once, scheduler.contention)
        packs with the same share of `PACK_SECONDS`: under a booking storm every version is searched
        once, and its packing is CPU the other desks wait for."""
        if self._packed is None:
            left = deadline - time.thread_time()
            if left <= 0:
                return []  # no time to search: not remembered as nothing to gain
            # Waits for a pack under way in another thread (no CPU of this one).
            self.pack(share=min(1.0, left / EJECTION_SECONDS))
        return self._packed or []  # [] only if the caches were dropped meanwhile (`drop_caches`)

    def _pack_within(self, stop: float) -> None:
        """`_packed_days`' work, until `stop` (this thread's CPU)."""
        if PACK_SECONDS <= 0:
            self._packed = []
        if self._packed is None:
            problem, own = self.accepted_problem, self.placements_of
            late = right_pack(problem, own, stop)
            late_early = left_pack(problem, late, stop)
            packs = [late_early, left_pack(problem, own, stop), late]
            packs.append(left_pack(problem, right_pack(problem, late_early, stop), stop))
            packed_days = []
            seen = [own]
            for packed in packs:
                if packed in seen:
                    continue
                seen.append(packed)
                packed_days.append(self._repacked(packed))
            self._packed = packed_days
            self._used()

    def _repacked(self, packed: list[list[Placement]]) -> DayBook:
        """This day with the accepted bookings at `packed` (the same bookings, so the same compiled
        problem); only the bookings that moved are converted to assignments again."""
        day = DayBook(self.workshop, self.date, [], self.rules, self.shift_minutes)
        day.accepted = [
            (b, w if placed == own else list(self._assignments(b.id, placed)))
            for (b, w), own, placed in zip(self.accepted, self.placements_of, packed, strict=True)
        ]
        day.placements_of = packed
        day.placements = [p for placed in packed for p in placed]
        for p in day.placements:
            day.worked[p.technician] += p.end - p.start
        day._accepted_problem = self.accepted_problem
        day._templates = self._templates
        day._probe_lists = self._probe_lists
        day.caches = self.caches
        return day

    def _remember_moved(self, day: DayBook) -> None:
        """Keep a day as a search moved it (newest first, a few): the next answer on this day
        version tries the quick fit there first."""
        self._moved_days.insert(0, day)
        del self._moved_days[_MOVED_DAYS:]
        self._used()

    def _rewitnessed(self, witness: dict[str, tuple[Assignment, ...]]) -> DayBook:
        """This day with every accepted booking where `witness` puts it (the same bookings, so
        the same compiled problem)."""
        accepted = [(b, list(witness[b.id])) for b, _ in self.accepted] + self.held
        day = DayBook(self.workshop, self.date, accepted, self.rules, self.shift_minutes)
        day._accepted_problem = self.accepted_problem
        day._templates = self._templates
        day._probe_lists = self._probe_lists
        day.caches = self.caches
        return day

    def _quick_or_ejected(
        self, booking: Booking, deadline: float, depth: int = 0, push: bool = False, tightness: int = 0
    ) -> Offer | None:
        """The quick fit, else the ejection chain until `deadline` (of `depth` levels only; 0: every
        depth up to scheduler.ejection.DEPTH; `push`: see `fit_by_ejection`)."""
        offer = self.fit_quickly(booking, repair=False)
        if offer is not None:
            return offer
        if depth <= 0:
            return self.fit_by_ejection(booking, deadline, push=push, tightness=tightness)
        return self.fit_by_ejection(booking, deadline, depth, depth, push, tightness)

    def offers_after(
        self,
        previous: list[Offer],
        added: tuple[Placement, ...],
        service: str,
        waiter: bool,
        fleet_partner: str | None = None,
        wants: Wants = NO_WANTS,
        ejection_seconds: float = EJECTION_SECONDS,
        grown: bool = False,
    ) -> list[Offer]:
        """The offers of the same kind on this day, from `previous` (the offers on an earlier version
        of it, before the bookings placed at `added`): an offer whose placement the new bookings do
        not touch still fits; only the touched times are fitted again (as in `offers`, in the
        witness's free time first; with no `ejection_seconds`, with a one-booking repair), and,
        unless the day `grown` by bookings alone (then a time not offered before cannot fit now),
        the times `previous` did not offer get the quick fit too: a cancellation or a change may
        have freed room, a loan car or a check-in. Then, within `ejection_seconds`, moving bookings
        out of the way looks further, as in `offers`, but only at times `previous` offered (no
        later than its last one; a waiter's repair only where he was offered): a time the earlier
        search did not find is left to the background refinement (which looks again) instead of
        being searched after every booking.

        `grown`: this day grew from that earlier one by bookings alone (`grown_from`); then an
        offer that had bookings moved out of its way carries over too, with them where it moved
        them, when the bookings made since touch neither it nor that reshuffled day
        (`_carried_over`): in a booking storm these are the times a search found, which would
        otherwise be searched for again after every booking."""
        probes = self._probes(service, waiter, fleet_partner, wants)
        before = {o.drop_off: o for o in previous}
        with phase("free time"):
            availability = self._availability(self.accepted_problem)
        fits: list[Offer | None] = []
        reshuffled: Reshuffled = {}
        last: _LastFit = None
        with phase("refit"):
            for probe in probes:
                old = before.get(probe.drop_off)
                if old is None and not grown:
                    # Not offered then, but the day may have gained since (a cancellation, a change
                    # freeing a loan car or a check-in): the quick fit, as a fresh answer has it.
                    offer, last = self._next_quick_fit(probe, availability, last)
                    fits.append(offer)
                elif old is None or old.overbooked:  # overbooked: the allowance is checked again
                    fits.append(None)
                elif (kept := self.carried(old, added, grown, reshuffled)) is not None:
                    fits.append(kept)
                elif ejection_seconds <= 0:  # with no time to move bookings, a one-booking repair at once
                    fits.append(self.fit_quickly(probe, availability, repair=True))
                else:  # the quick fit, known without a search where an earlier time's tells (a storm
                    # refits several touched times per query, most of them to the same placement)
                    offer, last = self._next_quick_fit(probe, availability, last)
                    fits.append(offer)
        if ejection_seconds > 0:
            # Only where the previous answer offered: the day has only lost room since.
            offered = {o.drop_off for o in previous if not o.overbooked}
            again = {i for i, p in enumerate(probes) if p.drop_off in offered}
            beyond = max(again, default=-1)
            deadline = time.thread_time() + ejection_seconds
            with phase("eject"):
                self._search(probes, fits, availability, waiter, deadline, beyond, again)
        with phase("complete"):
            return self._complete(probes, fits, 0.0, 1)[0]

    def carried(
        self,
        old: Offer,
        added: Sequence[Placement],
        grown: bool,
        reshuffled: Reshuffled | None = None,
    ) -> Offer | None:
        """`old` (not overbooked), made on an earlier version of this day before the placements
        `added`, if it still fits here: nothing moved for it and `added` does not touch it, or (the
        day `grown` by bookings alone) it moved bookings and still holds (`_carried_over`)."""
        if old.rewitness is None:
            if not _touches(old.placements, added):
                return old
            return self._refitted_around(old, added) if self._refits and grown else None
        return self._carried_over(old, {} if reshuffled is None else reshuffled) if grown else None

    def _carried_over(
        self,
        old: Offer,
        reshuffled: Reshuffled,
    ) -> Offer | None:
        """`old`, made on an earlier version of this day from which this one grew by bookings alone,
        with the accepted bookings where `old.rewitness` put them, if that still holds: the
        bookings made since (placed in this day's witness) touch neither the reshuffled day nor
        `old`'s own placements. Then the reshuffled day plus the bookings made since, at their
        witness places, is a whole-day witness again (each keeps its promise where it sits, none
        overlaps another on a bay or a technician). `reshuffled` remembers, per rewitness (offers
        of one answer share them), the new bookings' placements and the merged witness, or None
        when the new bookings touch the reshuffled day."""
        assert old.rewitness is not None
        key = id(old.rewitness)
        if key not in reshuffled:
            reshuffled[key] = self._merged_rewitness(old.rewitness)
        merged = reshuffled[key]
        if merged is None or _touches(old.placements, merged[0]):
            return self._refitted_around(old) if self._refits else None
        return replace(old, rewitness=merged[1])

    @property
    def _refits(self) -> bool:
        """Touched offers carried over by placing the new bookings again (`_refitted_around`): on
        small days (`PORTFOLIO_BOOKINGS`) of small workshops (`REFIT_TECHNICIANS`), where it costs a
        fraction of a millisecond; on a full dealer-2011 day each plan's free time is a minute grid,
        and one answer's carries took up to 90 ms (bench/RESULTS-techbound16-s29.md)."""
        return (
            REFIT_CARRIED
            and len(self.accepted) <= PORTFOLIO_BOOKINGS
            and len(self.workshop.technicians) <= REFIT_TECHNICIANS
        )

    def _refitted_around(self, old: Offer, added: Sequence[Placement] = ()) -> Offer | None:
        """`old`, made on an earlier version of this day from which this one grew by bookings alone
        and touched by what they added, with the bookings that moved or came since placed again,
        each at its earliest finish by its own promise, around `old`'s own placements in the plan
        `old` was made in: its `rewitness` (the bookings not in it came since), else this day's
        witness less the bookings with a placement among `added`. Where a new booking took the
        room a time was offered in, it often fits elsewhere in that plan (on full technician-bound
        days the refined answer's CP-SAT plans, bench/RESULTS-techbound16-s29.md). None if one
        does not fit."""
        problem = self.accepted_problem
        base = self._refit_base(old.rewitness, tuple(added))
        if base is None:
            return None
        again, plan, free_time = base
        kept = dict(plan)
        availability = free_time.copy()
        for p in old.placements:
            availability.reserve(p)
        for j in again:
            job = problem.jobs[j]
            if job.pinned:
                return None
            placed = place_job(availability, job, j)
            if placed is None or (job.due is not None and placed[-1].end > job.due):
                return None
            booking = self.accepted[j][0]
            kept[booking.id] = self._assignments(booking.id, placed)
        return replace(old, rewitness=kept)

    def _refit_base(
        self, rewitness: dict[str, tuple[Assignment, ...]] | None, added: tuple[Placement, ...]
    ) -> _RefitBase | None:
        """`_refitted_around`'s plan less the bookings to place again (their indices), and its free
        time; once per plan and answer (the offers of one answer share it). None: nothing to do."""
        key = ("own", added) if rewitness is None else ("plan", id(rewitness))
        cached = self._refit_bases.get(key)
        if cached is not None and cached[0] is rewitness:
            return cached[1]
        if rewitness is not None:
            again = [j for j, (b, _) in enumerate(self.accepted) if b.id not in rewitness]
            if len(again) + len(rewitness) != len(self.accepted):
                again = []  # a booking of that plan is no longer accepted here
            plan: dict[str, tuple[Assignment, ...]] = dict(rewitness)
        else:
            came = set(added)
            again = [j for j, own in enumerate(self.placements_of) if any(p in came for p in own)]
            plan = {b.id: tuple(w) for j, (b, w) in enumerate(self.accepted) if j not in set(again)}
        base: _RefitBase | None = None
        if again:
            availability = Availability(self.accepted_problem)
            for assignments in plan.values():
                for a in assignments:
                    availability.reserve(self.frame.placement(a))
            base = (again, plan, availability)
        _bounded_put(self._refit_bases, key, (rewitness, base), _REFIT_BASES)
        return base

    def _merged_rewitness(
        self, rewitness: dict[str, tuple[Assignment, ...]]
    ) -> tuple[list[Placement], dict[str, tuple[Assignment, ...]]] | None:
        """The placements of the bookings not in `rewitness` (made since), and `rewitness` with
        them at their witness places; None if they touch a placement of `rewitness`, or if a
        booking of `rewitness` is no longer accepted here."""
        ids = {b.id for b, _ in self.accepted}
        if any(booking_id not in ids for booking_id in rewitness):
            return None
        since = [(b, w, own) for (b, w), own in zip(self.accepted, self.placements_of, strict=True)
                 if b.id not in rewitness]  # fmt: skip
        new = [p for _, _, own in since for p in own]
        if new:
            on_bay: dict[int, list[Placement]] = {}
            on_tech: dict[int, list[Placement]] = {}
            for q in new:
                on_bay.setdefault(q.bay, []).append(q)
                on_tech.setdefault(q.technician, []).append(q)
            for assignments in rewitness.values():  # only the new placements on its bay or technician
                for a in assignments:
                    p = self.frame.placement(a)
                    near = on_bay.get(p.bay, []) + on_tech.get(p.technician, [])
                    if any(p.start < q.end and q.start < p.end for q in near):
                        return None
        merged = {**rewitness, **{b.id: tuple(w) for b, w, _ in since}}
        return new, merged

    def _probes(
        self, service: str, waiter: bool, fleet_partner: str | None, wants: Wants = NO_WANTS
    ) -> list[Booking]:
        key = (service, waiter, fleet_partner, wants)
        probes = self._probe_lists.get(key)
        if probes is None:
            probes = tuple(wants.probe(service, t, waiter, fleet_partner) for t in self.candidate_times())
            _bounded_put(self._probe_lists, key, probes, _TEMPLATES)
        return list(probes)

    def _complete(
        self, probes: list[Booking], fits: list[Offer | None], exact_seconds: float, workers: int
    ) -> tuple[list[Offer], dt.datetime | None]:
        """Extend the fitting prefix (CP-SAT), fill its gaps with later placements, apply the rules;
        and the earliest time proven not to fit (`offers_and_bound`)."""
        last = max((i for i, f in enumerate(fits) if f is not None), default=-1)
        bound: dt.datetime | None = None
        if exact_seconds > 0:
            bad = len(probes)
            # A waiter's time whose work, at its shortest, cannot end by his due (the desk's close,
            # `_aimed`) is proven not to fit without a solve; so is every later one.
            reach = next((i for i in range(last + 1, bad) if not self._reachable(probes[i])), None)
            if reach is not None:
                bad, bound = reach, probes[reach].drop_off
            limit = exact_seconds
            shared = LastJobFits()
            while bad - last > 1:
                mid = (last + bad) // 2
                found, proven = self._fit_exactly(probes[mid], limit, workers, shared)
                if found is None:
                    bad = mid
                    bound = probes[mid].drop_off if proven else bound
                    if not proven and probes[mid].waiter:
                        limit = min(exact_seconds, WAITER_RETRY_SECONDS)
                else:
                    fits[mid], last = found, mid
                    last = self._served_by(probes, fits, last, bad, found)
        later: Offer | None = None
        for i in range(last, -1, -1):
            if fits[i] is None and later is not None:
                fits[i] = self._offer(probes[i], later.placements, later.rewitness)
            later = fits[i] or later
        offered = [
            offer
            for p, f in zip(probes, fits, strict=True)
            if (offer := self._allowed_or_refit(p, f)) is not None
        ]
        if exact_seconds > 0:
            offered = self._car_exact(probes, fits, offered, exact_seconds, workers)
        if not overbooking.enabled(self.workshop):
            return offered, bound
        times = {o.drop_off for o in offered}
        extra = [o for p in probes if p.drop_off not in times and (o := self.overbooked_offer(p)) is not None]
        return sorted([*offered, *extra], key=lambda o: o.drop_off), bound

    def _served_by(
        self, probes: list[Booking], fits: list[Offer | None], i: int, bad: int, found: Offer
    ) -> int:
        """The last index before `bad` whose time the witness CP-SAT `found` at index `i` serves as it
        is, each such time given it: a later drop-off of the same kind (its job the same but for the
        release, as `solver.model.LastJobFits` has it) no later than where the new work starts
        (pace16-s45: CP-SAT, stopping at its first plan, often starts it well after the drop-off
        asked; the binary search then spent its next solves, and on a full day its time limit, on
        times that witness had already proven)."""
        start = min((p.start for p in found.placements), default=None)
        if start is None:
            return i
        job = self._aimed(probes[i], self._job(probes[i])[0])
        while i + 1 < bad:
            probe = probes[i + 1]
            other = self._aimed(probe, self._job(probe)[0])
            if other.release > start or replace(other, release=job.release) != job:
                break
            i += 1
            fits[i] = self._offer(probe, found.placements, found.rewitness)
        return i

    def _car_exact(
        self,
        probes: list[Booking],
        fits: list[Offer | None],
        offered: list[Offer],
        seconds: float,
        workers: int,
    ) -> list[Offer]:
        """`offered` and, with CP-SAT (the refinement), each loan-car time whose fit the desk refused
        for its car (the one-move refit found none) solved again with the loan cars in the model
        (`_fit_exactly(cars=True)`): the capacity-only fit is any plan, and it may end the work after
        the fleet is all out when another, moving two bookings, ends in time (desk16-s31: the
        refined answer offered none of the times the immediate one and the exact check find). The
        latest first, a fit found serving the earlier times where the desk allows it; at most
        `CAR_EXACT_SOLVES` solves; none where no end brings the car back in time
        (`FrontDesk.loan_latest_end`, the work at its shortest) or no fit could be sold
        (`FrontDesk.worth_a_search`: the walk-in holdback, as the ejection search skips them). The
        desk's rules checked on each."""
        times = {o.drop_off for o in offered}
        found: list[Offer] = []
        later: Offer | None = None
        solves = 0
        for p, f in reversed(list(zip(probes, fits, strict=True))):
            if not p.loan_car or f is None or p.drop_off in times or f.overbooked:
                continue
            # Another rule refused it (no placement helps), or the walk-in holdback has no room
            # for the work at its shortest: the solve does not model the holdback (carcost16-s32:
            # on such days every car solve found a fit the holdback then refused).
            if self.desk.loan_car_free(p, f) or not self.desk.worth_a_search(p, self._job):
                continue
            by = self.desk.loan_latest_end(p)
            if by is None or self._earliest_end(self._job(p)[0]) > by:
                continue
            offer = None if later is None else self._offer(p, later.placements, later.rewitness)
            if offer is not None and not self.allowed(p, offer):
                offer = None
            if offer is None and solves < CAR_EXACT_SOLVES:
                solves += 1
                exact, _ = self._fit_exactly(p, seconds, workers, cars=True)
                offer = exact if exact is not None and self.allowed(p, exact) else None
            if offer is not None:
                found.append(offer)
                later = offer
        return sorted([*offered, *found], key=lambda o: o.drop_off) if found else offered


CAR_EXACT_SOLVES = 4
"""CP-SAT solves with the loan cars per refined answer (`DayBook._car_exact`): a loan car's
feasibility is not monotone in the drop-off (no binary search), and each solve is up to the
refinement's `exact_seconds`."""

_LINEAGE = 16

_FreeTimeSource = tuple[dict[int, tuple[DayProblem, Availability]], Counter[Placement]]
"""An earlier day version's free time per problem, and the placements that came (positive counts)
or left (negative) since (`DayBook._free_time_from`)."""

_FREE_TIME_SOURCES = 3
"""Earlier versions' free time a day version may take its own from (newest first)."""

_FREE_TIME_CHANGES = 64
"""Placements that came or left beyond which a day's free time is built afresh, not carried."""


_TEMPLATES = 256
"""Compiled templates and probe lists kept per day (`_templates`, `_probe_lists`, shared by its
versions): their keys carry what a request sends (fleet partner, parts ETA, promise), so a client
varying them must not grow a day's caches without bound; past it the oldest go (rebuilt on use)."""

_FREE_TIMES = 16
"""Free times kept per day version, one per problem (`_free_time`; ~1.1 MB each with its grid on
dealer-2011): a template per request variant would otherwise keep one each."""

_REFIT_BASES = 16
"""Plans kept per day version for carrying touched offers over (`DayBook._refit_base`)."""

_CHAINS = 1024
"""Ejection searches remembered per day version (`DayBook._chains`); past it they are forgotten."""

EXHAUSTED = float("inf")
"""An ejection search that tried every chain and found none (`DayBook._chains`)."""


def _apply(availability: Availability, changes: Counter[Placement]) -> None:
    """Free the placements that left (count < 0), then reserve those that came (count > 0): what
    left goes first, as a bay or technician may be taken again by what came."""
    for p, n in changes.items():
        for _ in range(-n):
            availability.free(p)
    for p, n in changes.items():
        for _ in range(n):
            availability.reserve(p)


def _bounded_put(cache: dict[Any, Any], key: object, value: Any, size: int) -> Any:
    """`cache[key] = value`, first dropping the oldest entries past `size` (insertion order)."""
    while len(cache) >= size:
        try:
            cache.pop(next(iter(cache)), None)
        except (StopIteration, RuntimeError):  # emptied or changed by another thread meanwhile
            break
    cache[key] = value
    return value


def _same_resources(a: DayProblem, b: DayProblem) -> bool:
    """The same bays, technicians and day: the same free time around the same placements."""
    return a is b or (
        a.horizon == b.horizon
        and (a.technicians is b.technicians or a.technicians == b.technicians)
        and (a.bays is b.bays or a.bays == b.bays)
    )


_LastFit = tuple[JobData, list[Placement] | None] | None
"""The quick fit at the latest earlier time of a pass over a day's times: the job fitted, and its
placement (None: it found no room), for `DayBook._next_quick_fit`."""

ATTEMPT_SHARE = 1.0
"""Share of the search's time left that one try at one time may take (`DayBook._gallop`): a time
no chain reaches within it counts as a miss, and the time left goes to earlier times and other
days instead of one hopeless time. All of it: each round's first try is at the likeliest time (the
first past the last fit), and a chain that finds room on a full day takes 10-25 ms, more than a
third of the 25 ms budget. It costs CPU where a time is hopeless (the try takes the whole budget):
about 6 ms more at the median answer on the bench's full days (bench/RESULTS-complete-s7.md)."""

SHALLOW_FIRST = True
"""With `EQUAL_SHARES` (else each pair may take the whole time left anyway): a small day's chain
portfolio (`DayBook._chain_portfolio`) gives its two-level chains, from every
start, the whole budget, and its three-level chains only what they leave; False: every (levels,
start) pair an equal share of the time left (the three-level ones half of it). On small-dealer
without its advisors (seeds 1-3, one query right after each booking) the three-level pairs found no
time at all within 25 ms and took 16-36 % of the chains' CPU, while the times 4x the budget finds
were found by two-level chains (bench/RESULTS-immediate-s43.md); 566 -> 569 of 775 feasible times."""

EQUAL_SHARES = False
"""True: each (levels, start) pair of a small day's chain portfolio (`DayBook._chain_portfolio`) may
take an equal share of the time left (before pace16-s47); False: each start in turn may take all of
it, a start whose chains give up early leaving the rest to the next. A two-level chain that finds
room on a full small-dealer day often takes 8-10 ms, so a third of the 25 ms budget cut it at every
start in turn and the answer offered nothing; the whole budget at the first start (the day as last
moved, or packed late then early) offered 805 of 1,236 feasible probe times against 762 (the window
answers of `bench.slots_pace --no-advisors --dates 3 --from-booking 70`, seeds 1-3 at pace 0 and seed 1 at
pace 20, searched again offline, bench/RESULTS-pace16-s47.md)."""

ATTEMPT_FLOOR = 0.004
"""CPU seconds a try may always take, however little of the budget is left (a chain found within
it: one to three levels on a full small-dealer day, scheduler.ejection)."""

KEEP_SENIORS = True
"""The quick fit puts a booking's last operation on the lowest grade that keeps the promise the
earliest finish gives (`DayBook._seniors_kept`); False: the earliest finish as it is (the bench's
before, bench/RESULTS-techbound-s27.md)."""

REFIT_CARRIED = True
"""An offer made on an earlier version of a small day and touched by the bookings made since carries
over with those bookings placed again, each by its promise, in the plan the offer was made in
(`DayBook._refitted_around`); False: it is fitted again from this day's witness (the bench's
before, bench/RESULTS-techbound16-s29.md)."""

REFIT_TECHNICIANS = 12
"""`REFIT_CARRIED` only in workshops of at most this many technicians (small-dealer: 7), where it was
measured to pay: on dealer-2011 (32 technicians) a day filling from empty was refitted while it had
at most `PORTFOLIO_BOOKINGS` bookings, 1-3 ms a refit, and the 4-desk storm's server CPU rose ~1.6x,
its slots p99 165 against 92 ms on a quiet machine, for no more times offered per try
(bench/RESULTS-measure16-s30.md, session 30)."""

SENIORS_PAIRS = GRID_PAIRS
"""Technician x bay pairs of the last operation from which the quick fit keeps the earliest finish
(no junior searched): there the earliest finish comes from the minute grid, while a junior's is
searched pair by pair (`Availability.earliest` with a due), which on dealer-2011-x2 (64 technicians)
made the 4-desk storm's slot queries p50 ×1.3-2.1 and p99 65-70 -> 87-99 ms (bench.service, session 27,
quiet machine); dealer-2011 (about 100 pairs) and small-dealer keep their seniors free."""

PACK_SECONDS = 0.010
"""CPU the day's repacking (`DayBook.pack`) may take, once per day version, where the version is made
(the service: after the booking, in the background): about 5 ms on a full small-dealer day, 30-70 ms
on a full dealer-2011 day (cut short there; packing it through made the immediate answers there find
fewer times, bench/RESULTS-repack-s8.md)."""

PORTFOLIO_BOOKINGS = 60
"""Days with at most this many accepted bookings search chains from every witness at hand, the
last level shifting bookings (`DayBook._chain_portfolio`): there a chain costs a few ms. On the
bench's dealer-2011 days (95-150 bookings) one chain takes 10-25 ms and the old order (one
witness, one level, then two, ...) finds more (bench/RESULTS-complete-s9.md)."""

_MOVED_DAYS = 4
"""Days as moved by earlier searches kept per day version (`DayBook._moved_days`; about 66 KB
each on a full dealer-2011 day, dropped once a booking makes a newer version)."""


def _quick(day: DayBook, booking: Booking, deadline: float) -> Offer | None:
    """The quick fit in `day`'s free time (no repair; `deadline` unused: it is quick)."""
    del deadline
    return day.fit_quickly(booking, repair=False)


def _ejected(
    day: DayBook, booking: Booking, deadline: float, depth: int, push: bool = False, tightness: int = 0
) -> Offer | None:
    """The quick fit, else ejection chains of exactly `depth` levels until `deadline`."""
    return day._quick_or_ejected(booking, deadline, depth, push, tightness)


def _touches(placements: Sequence[Placement], added: Sequence[Placement]) -> bool:
    """Do any two placements share a bay or a technician at overlapping times?"""
    return any(
        (p.bay == q.bay or p.technician == q.technician) and p.start < q.end and q.start < p.end
        for p in placements
        for q in added
    )


def offers_may_grow(day: DayBook, offers: list[Offer], bound: dt.datetime | None = None) -> bool:
    """Could an exact check add times? Not when the last candidate time is already offered (with
    a witness: an overbooked time may still find one), nor the last before `bound` (a time proven
    not to fit on this day or one it grew from by bookings, `DayBook.offers_and_bound`)."""
    times = [t for t in day.candidate_times() if bound is None or t < bound]
    proven = [o for o in offers if not o.overbooked]
    return bool(times) and (not proven or proven[-1].drop_off < times[-1])
