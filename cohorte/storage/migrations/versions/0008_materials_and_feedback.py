"""materials, session feedback, and the end of a cohort

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import cohorte.storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN on `cohort`, not batch mode (see 0002: a batch rebuild of
# `cohort` on SQLite would cascade-delete everything that hangs from it).


def upgrade() -> None:
    # Existing cohorts ask for feedback with the defaults; none has ended or is archived.
    op.add_column(
        "cohort",
        sa.Column("feedback_settings", sa.Text(), nullable=False, server_default="{}"),
    )
    op.add_column(
        "cohort",
        sa.Column("ended_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "cohort",
        sa.Column("archived_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("deliverable_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "recording",
                "slides",
                "reading",
                "template",
                "link",
                name="materialkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deliverable_id"], ["deliverable.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["added_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_material_cohort_id"), "material", ["cohort_id"], unique=False)
    op.create_index(
        op.f("ix_material_deliverable_id"), "material", ["deliverable_id"], unique=False
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("highlighted", sa.Boolean(), nullable=False),
        sa.Column("answered_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref", "member_id"),
    )
    op.create_index(op.f("ix_feedback_cohort_id"), "feedback", ["cohort_id"], unique=False)
    op.create_index(op.f("ix_feedback_member_id"), "feedback", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_member_id"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_cohort_id"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_index(op.f("ix_material_deliverable_id"), table_name="material")
    op.drop_index(op.f("ix_material_cohort_id"), table_name="material")
    op.drop_table("material")
    op.drop_column("cohort", "archived_at")
    op.drop_column("cohort", "ended_at")
    op.drop_column("cohort", "feedback_settings")
