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
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select

from scheduler.clock import SYSTEM_CLOCK, Clock
from scheduler.errors import InputError
from scheduler.storage import ApiKeyRow, SessionRow, Store

ALL_WORKSHOPS = "*"
PREFIX = "bp_"
SESSION_HOURS = 12


class Role(StrEnum):
    booking = "booking"  # the booking system: slots and bookings
    foreman = "foreman"  # day plans and re-plans, reading bookings
    manager = "manager"  # workshop set-up and simulations
    admin = "admin"  # keys, and everything else


@dataclass(frozen=True)
class KeyInfo:
    id: str
    role: Role
    workshops: tuple[str, ...]
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    def may_act_on(self, workshop_id: str) -> bool:
        return ALL_WORKSHOPS in self.workshops or workshop_id in self.workshops

    def refusal(self, roles: Iterable[Role], workshop_id: str | None = None) -> str | None:
        """Why this key may not act in one of `roles` (admins act in any) on `workshop_id`; None
        if it may. The one role-and-scope rule of the API routes and the web pages."""
        wanted = tuple(roles)
        if self.role is not Role.admin and self.role not in wanted:
            allowed = ", ".join(r.value for r in wanted) or "admin"
            return f"a {self.role.value} key may not do this (needs: {allowed})"
        if workshop_id is not None and not self.may_act_on(workshop_id):
            return f"this key is not for workshop {workshop_id!r}"
        return None

    def may(self, roles: Iterable[Role], workshop_id: str | None = None) -> bool:
        return self.refusal(roles, workshop_id) is None

    def covers(self, workshops: Iterable[str]) -> bool:
        """Whether every one of `workshops` is within this key's scope ('*' only within a '*' key's)."""
        return all(self.may_act_on(w) for w in workshops)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def _info(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(row.id, Role(row.role), tuple(row.workshops), row.label, row.created_at, row.revoked_at)


class KeyStore:
    def __init__(self, store: Store, cache_seconds: float = 5.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self.clock = clock
        """The current time (aware): creation and revocation times, session expiry."""
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}
        self._sessions: dict[str, tuple[float, KeyInfo | None, dt.datetime]] = {}
        self._lock = threading.Lock()

    def create(self, role: str, workshops: list[str], label: str | None = None) -> tuple[str, KeyInfo]:
        """A new key: the plaintext is returned here once and never stored."""
        try:
            chosen = Role(role)
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            raise InputError("role", f"unknown role {role!r}; one of {roles}") from None
        if not workshops:
            raise InputError("workshops", f"name at least one workshop, or {ALL_WORKSHOPS!r} for all")
        for w in workshops:
            if not w or len(w) > 64:
                raise InputError("workshops", f"bad workshop id {w!r}")
        key = PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(
            id=secrets.token_hex(6),
            key_hash=_hash(key),
            role=chosen.value,
            workshops=sorted(set(workshops)),
            label=label,
            created_at=self.clock.now(),
        )
        with self.store.transaction() as session:
            session.add(row)
        return key, _info(row)

    def verify(self, key: str) -> KeyInfo | None:
        """The key's role and scope, or None for an unknown or revoked key."""
        digest = _hash(key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        with self.store.sessions() as session:
            row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest)).first()
            info = _info(row) if row is not None and row.revoked_at is None else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, info)
        return info

    def list(self, within: KeyInfo | None = None) -> list[KeyInfo]:
        """Every key, or with `within` only the keys whose workshops all lie in that key's scope."""
        with self.store.sessions() as session:
            found = [_info(r) for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))]
        return [k for k in found if within is None or within.covers(k.workshops)]

    def revoke(self, key_id: str, within: KeyInfo | None = None) -> bool:
        """Revoke a key (False if unknown, or with `within`, outside that key's scope)."""
        with self.store.transaction() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or (within is not None and not within.covers(row.workshops)):
                return False
            if row.revoked_at is None:
                row.revoked_at = self.clock.now()
            session.execute(delete(SessionRow).where(SessionRow.key_id == key_id))  # its sign-ins end
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
            session.execute(delete(SessionRow).where(SessionRow.expires_at < now))  # tidy up
            session.add(
                SessionRow(
                    id_hash=_hash(session_id),
                    key_id=info.id,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=hours),
                )
            )
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
                found = session.execute(
                    select(SessionRow.expires_at, ApiKeyRow)
                    .join(ApiKeyRow, ApiKeyRow.id == SessionRow.key_id)
                    .where(SessionRow.id_hash == digest)
                ).first()
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
            session.execute(delete(SessionRow).where(SessionRow.id_hash == digest))
        with self._lock:
            self._sessions.pop(digest, None)
