"""A cancelled booking's idempotency key is kept (a tombstone), so that a retry of the request that
made it is not booked again: the booking row itself is deleted as before.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cancelled_bookings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), nullable=False, index=True),
        sa.Column("booking_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "workshop_id", "key_id", "idempotency_key", name="uq_cancelled_idempotency_per_key"
        ),
    )


def downgrade() -> None:
    op.drop_table("cancelled_bookings")
