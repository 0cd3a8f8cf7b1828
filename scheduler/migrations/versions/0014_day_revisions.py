"""A revision per workshop day (`day_revisions`), bumped by every booking change the day's offers
depend on: a day's version (`bookings.day_version`) no longer moves with the workshop's revision,
which every booking of any day bumps, so a booking on one day leaves the other days' cached and
refined offers as they were (issue 16). No rows at first: a day without one reads revision none.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_revisions",
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("date", sa.Date(), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("day_revisions")
