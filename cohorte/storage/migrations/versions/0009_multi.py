"""the cohort a person chose for their private chats

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cohorte.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN on `member`, not batch mode (see 0002: a batch rebuild
# on SQLite would drop and re-create a table that other rows hang from). Existing
# memberships were never chosen: the bot asks people in several active cohorts once.


def upgrade() -> None:
    op.add_column(
        "member",
        sa.Column("chosen_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("member", "chosen_at")
