"""Alembic environment: always handed a live connection by `cohorte.storage.migrate`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from cohorte.storage import tables  # noqa: F401  (registers every table)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `cohorte db upgrade`, not with the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
