"""the console clock: where the last console session left it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cohorte.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table only: nothing existing is rebuilt. Until a console moves its clock the
    # table is empty and the console starts as before.
    op.create_table(
        "consoleclock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instant", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("consoleclock")
