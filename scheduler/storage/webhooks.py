"""Webhook rows (a workshop's subscriptions) and delivery rows (one per attempt)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from scheduler.storage.tables import Base, Moment

KEPT_DELIVERIES = 2_000
"""Delivery attempts kept per webhook, the newest: the log of a busy day's events (about five per
booking) for weeks, not for ever."""


class WebhookRow(Base):
    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(Moment)


class DeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(String(32), index=True)
    delivery: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(32))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(Moment)


def add(
    session: Session,
    webhook_id: str,
    workshop_id: str,
    url: str,
    events: list[str],
    secret: str,
    created_at: dt.datetime,
) -> WebhookRow:
    """A new subscription of the workshop's."""
    row = WebhookRow(
        id=webhook_id, workshop_id=workshop_id, url=url, events=events, secret=secret, created_at=created_at
    )
    session.add(row)
    return row


def remove(session: Session, row: WebhookRow) -> None:
    session.delete(row)


def add_delivery(
    session: Session,
    webhook_id: str,
    delivery: str,
    event: str,
    attempt: int,
    status_code: int | None,
    error: str | None,
    at: dt.datetime,
) -> None:
    """Log one delivery attempt: its status code, or the error that kept it from one."""
    session.add(
        DeliveryRow(
            webhook_id=webhook_id,
            delivery=delivery,
            event=event,
            attempt=attempt,
            status_code=status_code,
            error=error,
            at=at,
        )
    )
    session.flush()
    # The oldest attempts beyond the newest KEPT_DELIVERIES go: the id of the first one to keep.
    keep_from = session.scalar(
        select(DeliveryRow.id)
        .where(DeliveryRow.webhook_id == webhook_id)
        .order_by(DeliveryRow.id.desc())
        .offset(KEPT_DELIVERIES - 1)
        .limit(1)
    )
    if keep_from is not None:
        session.execute(
            delete(DeliveryRow).where(DeliveryRow.webhook_id == webhook_id, DeliveryRow.id < keep_from)
        )


def of_workshop(session: Session, workshop_id: str) -> list[WebhookRow]:
    return list(
        session.scalars(
            select(WebhookRow)
            .where(WebhookRow.workshop_id == workshop_id)
            .order_by(WebhookRow.created_at, WebhookRow.id)
        ).all()
    )


def get(session: Session, workshop_id: str, webhook_id: str) -> WebhookRow | None:
    row = session.get(WebhookRow, webhook_id)
    return row if row is not None and row.workshop_id == workshop_id else None


def deliveries(session: Session, webhook_id: str, limit: int) -> list[DeliveryRow]:
    """The newest `limit` delivery attempts of a webhook, oldest first."""
    newest = session.scalars(
        select(DeliveryRow)
        .where(DeliveryRow.webhook_id == webhook_id)
        .order_by(DeliveryRow.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(newest))
