"""API key rows (only the key's SHA-256 is stored) and web sign-ins (only the session id's SHA-256)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler.storage.tables import ApiKeyRow, SessionRow


def add_key(
    session: Session,
    key_id: str,
    key_hash: str,
    role: str,
    workshops: list[str],
    label: str | None,
    created_at: dt.datetime,
    technician_id: str | None = None,
) -> ApiKeyRow:
    row = ApiKeyRow(
        id=key_id,
        key_hash=key_hash,
        role=role,
        workshops=workshops,
        label=label,
        created_at=created_at,
        technician_id=technician_id,
    )
    session.add(row)
    return row


def key_by_hash(session: Session, key_hash: str) -> ApiKeyRow | None:
    return session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash)).first()


def all_keys(session: Session) -> Sequence[ApiKeyRow]:
    """Every key, oldest first."""
    return session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).all()


def get_key(session: Session, key_id: str) -> ApiKeyRow | None:
    return session.get(ApiKeyRow, key_id)


def revoke_key(session: Session, row: ApiKeyRow, now: dt.datetime) -> None:
    """Revoke the key (once: the first revocation time stays) and end its sign-ins."""
    if row.revoked_at is None:
        row.revoked_at = now
    session.execute(delete(SessionRow).where(SessionRow.key_id == row.id))


def add_session(
    session: Session, id_hash: str, key_id: str, now: dt.datetime, expires_at: dt.datetime
) -> None:
    """A new sign-in; expired ones are tidied up on the way."""
    session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
    session.add(SessionRow(id_hash=id_hash, key_id=key_id, created_at=now, expires_at=expires_at))


def session_key(session: Session, id_hash: str) -> tuple[dt.datetime, ApiKeyRow] | None:
    """When the sign-in expires and the key it stands for (None for an unknown sign-in)."""
    found = session.execute(
        select(SessionRow.expires_at, ApiKeyRow)
        .join(ApiKeyRow, ApiKeyRow.id == SessionRow.key_id)
        .where(SessionRow.id_hash == id_hash)
    ).first()
    return None if found is None else (found[0], found[1])


def end_session(session: Session, id_hash: str) -> None:
    session.execute(delete(SessionRow).where(SessionRow.id_hash == id_hash))
