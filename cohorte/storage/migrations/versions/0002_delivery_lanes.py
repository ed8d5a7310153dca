"""delivery lanes, retry back-off column and the sending state; reminder planning marks

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cohorte.storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN, not batch mode: on SQLite a batch rebuild of
# `cohort` drops the old table, and with foreign keys on that deletes every row
# that cascades from it (the whole outbox). The server defaults stay.


def upgrade() -> None:
    # `state` is a VARCHAR without a constraint: the new `sending` value needs no change.
    op.add_column(
        "delivery", sa.Column("lane", sa.String(length=24), nullable=False, server_default="")
    )
    op.add_column(
        "delivery",
        sa.Column("not_before", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    # Existing rows get their lane from their destination.
    op.execute(
        "UPDATE delivery SET lane = CASE WHEN chat_link_id IS NOT NULL "
        "THEN 'c' || CAST(chat_link_id AS VARCHAR) ELSE 'p' || CAST(person_id AS VARCHAR) END"
    )
    op.create_index("ix_delivery_lane_due", "delivery", ["lane", "due_at"], unique=False)
    # Before this revision a row was sent while `claimed`: one found claimed now may be on
    # the wire or delivered, so it must not be sent again.
    op.execute(
        "UPDATE delivery SET state = 'ambiguous', last_error = 'interrupted (upgrade)', "
        "lease_until = NULL WHERE state = 'claimed'"
    )
    # Existing cohorts are planned again on the next tick (planned_version < plan_version).
    op.add_column(
        "cohort", sa.Column("plan_version", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "cohort", sa.Column("planned_version", sa.Integer(), nullable=False, server_default="-1")
    )
    op.add_column(
        "cohort",
        sa.Column("replan_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("cohort", "replan_at")
    op.drop_column("cohort", "planned_version")
    op.drop_column("cohort", "plan_version")
    op.drop_index("ix_delivery_lane_due", table_name="delivery")
    op.drop_column("delivery", "not_before")
    op.drop_column("delivery", "lane")
