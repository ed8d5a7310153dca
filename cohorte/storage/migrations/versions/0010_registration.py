"""registration for an edition: applications, and the cohort's registration settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import cohorte.storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN on `cohort`, not batch mode (see 0002: a batch rebuild of
# `cohort` on SQLite would cascade-delete everything that hangs from it). SQLite cannot
# add a UNIQUE column: the registration code's uniqueness is its unique index.


def upgrade() -> None:
    # Existing cohorts are not open for applications and have no limits.
    op.add_column(
        "cohort",
        sa.Column("registration_open", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "cohort",
        sa.Column("registration_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.add_column(
        "cohort",
        sa.Column(
            "registration_deadline",
            cohorte.storage.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
    )
    op.add_column("cohort", sa.Column("registration_places", sa.Integer(), nullable=True))
    op.add_column("cohort", sa.Column("registration_places_per_team", sa.Integer(), nullable=True))
    op.create_index(
        op.f("ix_cohort_registration_code"), "cohort", ["registration_code"], unique=True
    )
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("challenge", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                "waitlisted",
                name="applicationstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("created_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "person_id"),
    )
    op.create_index(op.f("ix_application_cohort_id"), "application", ["cohort_id"], unique=False)
    op.create_index(op.f("ix_application_person_id"), "application", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_application_person_id"), table_name="application")
    op.drop_index(op.f("ix_application_cohort_id"), table_name="application")
    op.drop_table("application")
    op.drop_index(op.f("ix_cohort_registration_code"), table_name="cohort")
    op.drop_column("cohort", "registration_places_per_team")
    op.drop_column("cohort", "registration_places")
    op.drop_column("cohort", "registration_deadline")
    op.drop_column("cohort", "registration_code")
    op.drop_column("cohort", "registration_open")
