"""Copies of a SQLite database: made while the bot runs, checked, put back.

`sqlite3`'s online backup API copies the database in one step under a read
lock, so the copy is one consistent snapshot even while the bot writes
(writers wait for the copy, within their busy timeout). A copy is checked
before it is trusted: a SQLite file, `PRAGMA integrity_check` ok, an Alembic
revision. PostgreSQL has its own tools (`pg_dump`, `pg_restore`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
# What a copy is summed up by (the tables people's work lives in).
COUNTED = ("cohort", "member", "poll", "vote", "statusupdate", "checkinanswer", "delivery")


class CopyProblem(StrEnum):
    MISSING = "missing"
    NOT_SQLITE = "not_sqlite"
    DAMAGED = "damaged"  # integrity_check failed, or the file cannot be read
    NO_REVISION = "no_revision"  # not a Cohorte database (no alembic_version)


class BadCopy(Exception):
    """The file cannot be used as a copy of a Cohorte database."""

    def __init__(self, problem: CopyProblem, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else str(problem))
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class CopyFacts:
    """What a checked copy holds: its Alembic revision and its rows per table."""

    revision: str
    counts: dict[str, int]


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    connection = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def _copy(source: Path, target: Path) -> None:
    """`source` into a new file `target`, in one step of the online backup API (one read
    transaction: a snapshot, while writers go on), as a file complete on its own."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    with _connect(source, read_only=True) as src, _connect(target) as dst:
        src.backup(dst)  # pages=-1: the whole database in one step
    _self_contained(target)


def _self_contained(path: Path) -> None:
    """Out of WAL mode (the bot's): what the `-wal` file beside it holds goes into the
    file, and the `-wal` and `-shm` files go. The bot switches WAL on again at start."""
    with _connect(path) as connection:
        connection.execute("PRAGMA journal_mode=DELETE").fetchone()


def inspect_copy(path: Path) -> CopyFacts:
    """Check that `path` is a sound Cohorte database; raises `BadCopy` if not."""
    if not path.is_file():
        raise BadCopy(CopyProblem.MISSING)
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BadCopy(CopyProblem.NOT_SQLITE)
    try:
        with _connect(path, read_only=True) as connection:
            verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BadCopy(CopyProblem.DAMAGED, "; ".join(verdict[:3]))
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "alembic_version" not in tables:
                raise BadCopy(CopyProblem.NO_REVISION)
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if revision is None:
                raise BadCopy(CopyProblem.NO_REVISION)
            counts = {
                table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                for table in COUNTED
                if table in tables
            }
    # Encrypted, truncated, not a database after all; or a schema page so damaged that
    # SQLite's own message about it is not valid UTF-8 (Python cannot even decode it).
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        raise BadCopy(CopyProblem.DAMAGED, str(error)) from error
    return CopyFacts(str(revision[0]), counts)


def backup_sqlite(database: Path, target: Path) -> CopyFacts:
    """A consistent copy of `database` at `target` (made beside it, then renamed), checked."""
    partial = target.with_name(target.name + ".parcial")
    try:
        _copy(database, partial)
        facts = inspect_copy(partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return facts


def restore_sqlite(copy: Path, database: Path, aside: Path) -> CopyFacts:
    """Put a checked `copy` in place of `database`; the replaced file is moved to `aside`.

    The caller makes sure that no Cohorte process uses `database` (its lock file);
    `sqlite3.OperationalError` if another program still has it open.
    """
    facts = inspect_copy(copy)
    incoming = database.with_name(database.name + ".restaurando")
    try:
        _copy(copy, incoming)
        if database.exists():
            # What is kept aside must be whole on its own: its WAL (or a journal left by a
            # crash) goes into the file first, so that nothing stale stays beside the new one.
            _self_contained(database)
            os.replace(database, aside)
        os.replace(incoming, database)
    finally:
        with contextlib.suppress(FileNotFoundError):
            incoming.unlink()
    return facts
