"""Actuals: every text a workshop had (its versions, the current one the newest) and each day's
baseline plan (the stored plan as it stood when the day's first clock event came in).

Revision ID: 0008
Revises: 0007
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table(
        "workshop_versions",
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
    )
    op.create_table(
        "plan_baselines",
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )
    # The workshops stored so far: their current text is their version 1.
    rows = op.get_bind().execute(sa.text("SELECT id, body, updated_at FROM workshops")).all()
    if rows:
        op.bulk_insert(
            versions,
            [
                {"workshop_id": r[0], "version": 1, "body": r[1], "created_at": _moment(r[2]), "note": None}
                for r in rows
            ],
        )


def _moment(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    moment = dt.datetime.fromisoformat(str(value))  # SQLite hands back text
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def downgrade() -> None:
    op.drop_table("plan_baselines")
    op.drop_table("workshop_versions")
