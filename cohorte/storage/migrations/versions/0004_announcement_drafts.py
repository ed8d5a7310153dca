"""announcement drafts: an /anuncio that starts with a day and time, waiting for an answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:55:09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cohorte.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A new table only: no existing row changes.


def upgrade() -> None:
    op.create_table(
        "announcementdraft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("due_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_announcementdraft_cohort_id", "announcementdraft", ["cohort_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_announcementdraft_cohort_id", table_name="announcementdraft")
    op.drop_table("announcementdraft")
