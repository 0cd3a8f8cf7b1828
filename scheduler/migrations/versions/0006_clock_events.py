"""Shop-floor clocking: clock events (append-only), when each booking went at risk, technician keys.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clock_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), nullable=False, index=True),
        sa.Column("date", sa.Date, nullable=False, index=True),
        sa.Column("booking_id", sa.String(64), nullable=False),
        sa.Column("operation", sa.Integer, nullable=False),
        sa.Column("technician", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("corrected_action", sa.String(16), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrects", sa.Integer, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
    )
    op.create_table(
        "promise_risks",
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("technician_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("technician_id")
    op.drop_table("promise_risks")
    op.drop_table("clock_events")
