"""The promise guard keeps every spell at risk of a booking (the open one stays in promise_risks, the
ended ones here), and a clock event records the moment its request was answered as of (its `now`),
which the live re-plan it triggers plans the rest of the day from.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promise_risk_spells",
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("since", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("clock_events", sa.Column("asked_now", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clock_events") as batch:
        batch.drop_column("asked_now")
    op.drop_table("promise_risk_spells")
