"""the cohort's session name; calendar changes waiting for a coordinator's confirmation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import cohorte.storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN on `cohort`, not batch mode (see 0002: a batch rebuild of
# `cohort` on SQLite would cascade-delete everything that hangs from it).


def upgrade() -> None:
    # Existing cohorts keep the catalog's name ("Sesión semanal" in each reader's language).
    op.add_column(
        "cohort",
        sa.Column(
            "session_name",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
            server_default="",
        ),
    )
    op.create_table(
        "pendingchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("new", "move", "weekly", name="pendingaction", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("expires_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_pendingchange_cohort_id"), "pendingchange", ["cohort_id"], unique=False
    )
    op.create_index(
        op.f("ix_pendingchange_person_id"), "pendingchange", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pendingchange_person_id"), table_name="pendingchange")
    op.drop_index(op.f("ix_pendingchange_cohort_id"), table_name="pendingchange")
    op.drop_table("pendingchange")
    op.drop_column("cohort", "session_name")
