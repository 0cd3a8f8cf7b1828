"""A clock event may name the bay its work is in (a start or resume, or a correction of one): the
shop floor knows which lift the car is on, and the live plan takes it as a fact instead of guessing.
Events stored before it name none (null: the live plan guesses their bay as before).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clock_events", sa.Column("bay", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clock_events") as batch:
        batch.drop_column("bay")
