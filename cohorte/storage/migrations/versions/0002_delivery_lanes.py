"""delivery lanes, retry back-off column and the sending state

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


def upgrade() -> None:
    # `state` is a VARCHAR without a constraint: the new `sending` value needs no change.
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "lane",
                sa.String(length=24),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("not_before", cohorte.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    # Existing rows get their lane from their destination.
    op.execute(
        "UPDATE delivery SET lane = CASE WHEN chat_link_id IS NOT NULL "
        "THEN 'c' || CAST(chat_link_id AS VARCHAR) ELSE 'p' || CAST(person_id AS VARCHAR) END"
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("lane", server_default=None)
        batch_op.create_index("ix_delivery_lane_due", ["lane", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_lane_due")
        batch_op.drop_column("not_before")
        batch_op.drop_column("lane")
