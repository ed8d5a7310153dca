"""participant reports imported from Zoom or Meet, and their rows waiting for a coordinator

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import cohorte.storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "attendanceimport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column(
            "source",
            _enum("attendancesource", "self", "coordinator", "zoom", "meet"),
            nullable=False,
        ),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["imported_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "ref", "sha256"),
    )
    op.create_index(
        op.f("ix_attendanceimport_cohort_id"), "attendanceimport", ["cohort_id"], unique=False
    )
    op.create_table(
        "importrow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            _enum(
                "rowoutcome", "waiting", "matched", "short", "coordinator", "pending", "dismissed"
            ),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("candidates", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["attendanceimport.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_importrow_import_id"), "importrow", ["import_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_importrow_import_id"), table_name="importrow")
    op.drop_table("importrow")
    op.drop_index(op.f("ix_attendanceimport_cohort_id"), table_name="attendanceimport")
    op.drop_table("attendanceimport")
