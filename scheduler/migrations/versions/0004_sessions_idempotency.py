"""Web sign-in sessions (hashed ids, expiring, ended with their key); idempotency keys per API key.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("key_id", sa.String(32), sa.ForeignKey("api_keys.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("key_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("request_hash", sa.String(64), nullable=True))
        batch.drop_constraint("uq_booking_idempotency", type_="unique")
        batch.create_unique_constraint(
            "uq_booking_idempotency_per_key", ["workshop_id", "key_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint("uq_booking_idempotency_per_key", type_="unique")
        batch.create_unique_constraint("uq_booking_idempotency", ["workshop_id", "idempotency_key"])
        batch.drop_column("request_hash")
        batch.drop_column("key_id")
    op.drop_table("sessions")
