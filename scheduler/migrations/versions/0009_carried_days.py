"""Multi-day work: the later days each multi-day booking's work carries over to.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carried_days",
        sa.Column("booking_id", sa.String(64), sa.ForeignKey("bookings.id"), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True, index=True),
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("carried_days")
