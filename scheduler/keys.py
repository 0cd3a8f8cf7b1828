"""API keys: roles, workshop scopes, keys shown once at creation and stored only as hashes.

A key is 256 random bits, so a plain SHA-256 of it is a safe verifier (a slow KDF is for
low-entropy passwords); verification looks the hash up and caches the answer for a few
seconds, so a revoked key stops working within that time.

A web sign-in is a session: a random id (256 bits) in the cookie, stored only as its SHA-256
with the key it stands for and when it expires; revoking the key ends its sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from scheduler.clock import SYSTEM_CLOCK, Clock
from scheduler.contract import stored_workshop
from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.storage import ApiKeyRow, Store
from scheduler.storage import keys as keys_db
from scheduler.storage import workshops as workshops_db

ALL_WORKSHOPS = "*"
WORKSHOP_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
"""A workshop id a key may name (scheduler.contract's Identifier), or ALL_WORKSHOPS."""
PREFIX = "bp_"
SESSION_HOURS = 12


class Role(StrEnum):
    booking = "booking"  # the booking system: slots and bookings
    foreman = "foreman"  # day plans and re-plans, reading bookings
    manager = "manager"  # workshop set-up and simulations
    admin = "admin"  # keys, and everything else
    technician = "technician"  # shop-floor clocking as the key's one technician


@dataclass(frozen=True)
class KeyInfo:
    id: str
    role: Role
    workshops: tuple[str, ...]
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    technician: str | None = None
    """A technician key's technician (api_keys.technician_id): it clocks only as them."""

    def may_act_on(self, workshop_id: str) -> bool:
        return ALL_WORKSHOPS in self.workshops or workshop_id in self.workshops

    def refusal(self, roles: Iterable[Role], workshop_id: str | None = None) -> str | None:
        """Why this key may not act in one of `roles` (admins act in any) on `workshop_id`; None
        if it may. The one role-and-scope rule of the API routes and the web pages."""
        wanted = tuple(roles)
        if self.role is not Role.admin and self.role not in wanted:
            allowed = ", ".join(r.value for r in wanted) or "admin"
            return N_("a %(role)s key may not do this (needs: %(allowed)s)") % {
                "role": self.role.value,
                "allowed": allowed,
            }
        if workshop_id is not None and not self.may_act_on(workshop_id):
            return N_("this key is not for workshop %(workshop_id)r") % {"workshop_id": workshop_id}
        return None

    def clock_refusal(self, technician: str | None, correcting: bool) -> str | None:
        """Why this key may not record a clock event as `technician` (or a correction); None if it
        may. A technician's key clocks only as its own technician and corrects nothing; the route's
        role check has already let only technicians and foremen through."""
        if self.role is not Role.technician:
            return None
        if correcting:
            return N_("only a foreman corrects clock events")
        if technician != self.technician:
            return N_("this key clocks only as technician %(key_technician)r") % {
                "key_technician": self.technician
            }
        return None

    def cancel_refusal(self, job_kind: str) -> str | None:
        """Why this key may not cancel a job of `job_kind`: a simulation is a manager's."""
        if job_kind == "simulation" and self.role is Role.foreman:
            return N_("a foreman key may not cancel a simulation (needs: manager)")
        return None

    def grant_refusal(self, workshops: Iterable[str]) -> str | None:
        """Why this key may not create a key for `workshops`: only within its own scope."""
        outside = [w for w in workshops if not self.may_act_on(w)]
        if outside:
            return N_("this key may not create keys for workshop %(outside_0)r") % {"outside_0": outside[0]}
        return None

    def may(self, roles: Iterable[Role], workshop_id: str | None = None) -> bool:
        return self.refusal(roles, workshop_id) is None

    def covers(self, workshops: Iterable[str]) -> bool:
        """Whether every one of `workshops` is within this key's scope ('*' only within a '*' key's)."""
        return all(self.may_act_on(w) for w in workshops)


def sees_phones(key: KeyInfo | None) -> bool:
    """Whether customers' phone numbers are shown to `key` (None: keys off): personal data only for
    the roles that call the customer, so not to a manager (the bay plan page, the bookings export)."""
    return key is None or key.role is not Role.manager


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def _info(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(
        row.id, Role(row.role), tuple(row.workshops), row.label, row.created_at, row.revoked_at,
        row.technician_id,
    )  # fmt: skip


class KeyStore:
    def __init__(self, store: Store, cache_seconds: float = 5.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self.clock = clock
        """The current time (aware): creation and revocation times, session expiry."""
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}
        self._sessions: dict[str, tuple[float, KeyInfo | None, dt.datetime]] = {}
        self._lock = threading.Lock()

    def create(
        self, role: str, workshops: list[str], label: str | None = None, technician: str | None = None
    ) -> tuple[str, KeyInfo]:
        """A new key: the plaintext is returned here once and never stored."""
        try:
            chosen = Role(role)
        except ValueError:
            # Quoted, as typer and the API quote a choice: the values typed, not words to translate.
            roles = ", ".join(repr(r.value) for r in Role)
            raise InputError(
                "role", N_("unknown role %(role)r; one of %(roles)s") % {"role": role, "roles": roles}
            ) from None
        if not workshops:
            raise InputError(
                "workshops",
                N_("name at least one workshop, or %(all_workshops)r for all")
                % {"all_workshops": ALL_WORKSHOPS},
            )
        check_workshop_ids(workshops)
        if (chosen is Role.technician) != (technician is not None):
            raise InputError("technician", N_("a technician key, and only one, names its technician"))
        if chosen is Role.technician and (len(set(workshops)) != 1 or ALL_WORKSHOPS in workshops):
            raise InputError("workshops", N_("a technician key is for exactly one workshop"))
        key = PREFIX + secrets.token_urlsafe(32)
        key_id, created_at = secrets.token_hex(6), self.clock.now()
        with self.store.transaction() as session:
            if technician is not None:
                _check_technician(session, workshops[0], technician)
            row = keys_db.add_key(
                session,
                key_id,
                _hash(key),
                chosen.value,
                sorted(set(workshops)),
                label,
                created_at,
                technician,
            )
        return key, _info(row)

    def remembered(self, key: str) -> tuple[bool, KeyInfo | None]:
        """(True, what `verify` answers) when that answer is cached and fresh, with no database
        read (an async caller checks a known key without handing the request to a thread);
        else (False, None)."""
        with self._lock:
            cached = self._cache.get(_hash(key))
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return True, cached[1]
        return False, None

    def verify(self, key: str) -> KeyInfo | None:
        """The key's role and scope, or None for an unknown or revoked key."""
        digest = _hash(key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        with self.store.sessions() as session:
            row = keys_db.key_by_hash(session, digest)
            info = _info(row) if row is not None and row.revoked_at is None else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, info)
        return info

    def list(self, within: KeyInfo | None = None) -> list[KeyInfo]:
        """Every key, or with `within` only the keys whose workshops all lie in that key's scope."""
        with self.store.sessions() as session:
            found = [_info(r) for r in keys_db.all_keys(session)]
        return [k for k in found if within is None or within.covers(k.workshops)]

    def revoke(self, key_id: str, within: KeyInfo | None = None) -> bool:
        """Revoke a key (False if unknown, or with `within`, outside that key's scope)."""
        with self.store.transaction() as session:
            row = keys_db.get_key(session, key_id)
            if row is None or (within is not None and not within.covers(row.workshops)):
                return False
            keys_db.revoke_key(session, row, self.clock.now())  # its sign-ins end
        with self._lock:
            self._cache.clear()  # this process forgets at once; others within cache_seconds
            self._sessions.clear()
        return True

    def start_session(self, key: str, hours: float = SESSION_HOURS) -> str | None:
        """A new sign-in for a valid `key`: the session id for the cookie (None for a bad key)."""
        info = self.verify(key)
        if info is None:
            return None
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.store.transaction() as session:
            keys_db.add_session(session, _hash(session_id), info.id, now, now + dt.timedelta(hours=hours))
        return session_id

    def verify_session(self, session_id: str) -> KeyInfo | None:
        """The signed-in key, or None for an unknown, expired or ended session or a revoked key."""
        if not session_id:
            return None
        digest = _hash(session_id)
        tick = time.monotonic()
        with self._lock:
            cached = self._sessions.get(digest)
        if cached is None or tick - cached[0] >= self.cache_seconds:
            with self.store.sessions() as session:
                found = keys_db.session_key(session, digest)
            if found is None or found[1].revoked_at is not None:
                cached = (tick, None, dt.datetime.min.replace(tzinfo=dt.UTC))
            else:
                cached = (tick, _info(found[1]), _aware(found[0]))
            with self._lock:
                if len(self._sessions) > 10_000:
                    self._sessions.clear()
                self._sessions[digest] = cached
        _, info, expires = cached
        return info if info is not None and self.clock.now() < expires else None

    def end_session(self, session_id: str) -> None:
        """Sign out: the session id stops working at once here, within cache_seconds elsewhere."""
        digest = _hash(session_id)
        with self.store.transaction() as session:
            keys_db.end_session(session, digest)
        with self._lock:
            self._sessions.pop(digest, None)


def check_workshop_ids(workshops: Iterable[str]) -> None:
    """Each a workshop id as the contract's (Identifier) or ALL_WORKSHOPS (InputError naming
    `workshops`; walk-s17 C12: a key for '../../x' was made)."""
    for w in workshops:
        if w != ALL_WORKSHOPS and not WORKSHOP_ID.fullmatch(w):
            raise InputError("workshops", N_("bad workshop id %(w)r") % {"w": w})


def _check_technician(session: Session, workshop_id: str, technician: str) -> None:
    """A technician key names one of its stored workshop's technicians. Unlike the other roles'
    keys, it is not made before its workshop (review-s25: its technician could not be checked, and a
    key naming no technician of the workshop clocks nothing)."""
    body = workshops_db.body(session, workshop_id)
    if body is None:
        raise InputError(
            "workshops",
            N_(
                "no workshop %(workshop)r is stored: a technician key names one of its technicians,"
                " so make it once the workshop is set up"
            )
            % {"workshop": workshop_id},
        )
    if technician not in {t.id for t in stored_workshop(body).technicians}:
        raise InputError(
            "technician",
            N_("workshop %(workshop)r has no technician %(technician)r")
            % {"workshop": workshop_id, "technician": technician},
        )
