"""people's data: a forgotten person's anonymous stand-in

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cohorte.storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN, never batch mode (see 0002 and 0008).


def upgrade() -> None:
    # Nobody existing has been forgotten.
    op.add_column(
        "person",
        sa.Column("forgotten_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("person", "forgotten_at")
