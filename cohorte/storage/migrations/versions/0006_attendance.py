"""who is coming to a session (rsvp), who came (attendance), a person's e-mail

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import cohorte.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN on `person`, not batch mode (see 0002: a batch rebuild of a
# parent table on SQLite would cascade-delete everything that hangs from it).


def _per_member_and_session(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref", "member_id"),
    )
    op.create_index(op.f(f"ix_{name}_cohort_id"), name, ["cohort_id"], unique=False)
    op.create_index(op.f(f"ix_{name}_member_id"), name, ["member_id"], unique=False)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.add_column(
        "person",
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    )
    _per_member_and_session(
        "rsvp",
        sa.Column("answer", _enum("rsvpanswer", "yes", "maybe", "no"), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("answered_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
    )
    _per_member_and_session(
        "attendance",
        sa.Column(
            "status", _enum("attendancestatus", "present", "absent", "excused"), nullable=False
        ),
        sa.Column(
            "source",
            _enum("attendancesource", "self", "coordinator", "zoom", "meet"),
            nullable=False,
        ),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("recorded_at", cohorte.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["recorded_by"], ["person.id"], ondelete="SET NULL"),
    )


def downgrade() -> None:
    for name in ("attendance", "rsvp"):
        op.drop_index(op.f(f"ix_{name}_member_id"), table_name=name)
        op.drop_index(op.f(f"ix_{name}_cohort_id"), table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("person") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("email")
