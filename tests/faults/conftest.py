"""Fixtures of the fault-injection tests: throw-away databases, the `faults` marker.

    .venv/bin/python -m pytest -m faults tests/faults -v -s          # SQLite
    COHORTE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m pytest -m faults tests/faults -v -s       # PostgreSQL
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Database, postgres_database, sqlite_database

PG_SKIP = "this fault-injection test needs PostgreSQL: set COHORTE_TEST_DATABASE_URL"
# With COHORTE_TEST_DATABASE_URL set the suite runs on PostgreSQL, fault tests included;
# their SQLite variants are the default run's (CI runs both), not run twice.
SQLITE_SKIP = "the SQLite variant runs without COHORTE_TEST_DATABASE_URL (the default run)"
# Our own folder, not pytest's tmp_path: another pytest session of the same user (the
# other engineer's) prunes old `pytest-of-<user>/pytest-N` folders, maybe under our feet.
WORK_ROOT = Path(tempfile.gettempdir()) / "cohorte-faults"
_FAILED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "faults: black-box fault-injection tests that start real `cohorte run` processes "
        "(select with -m faults, leave out with -m 'not faults')",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture
def workdir(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder for the test's database and logs, kept (and named) when the test fails."""
    WORK_ROOT.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{request.node.name[:60]}-", dir=WORK_ROOT))
    yield folder
    if request.node.stash.get(_FAILED, False):
        print(f"\nlogs and database kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_server() -> str:
    """The PostgreSQL server of COHORTE_TEST_DATABASE_URL (the test is skipped without it)."""
    url = os.environ.get("COHORTE_TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP)
    return url


def _skip_sqlite_when_postgres_is_set() -> None:
    if os.environ.get("COHORTE_TEST_DATABASE_URL"):
        pytest.skip(SQLITE_SKIP)


@pytest.fixture
async def sqlite_db(workdir: Path) -> AsyncIterator[Database]:
    _skip_sqlite_when_postgres_is_set()
    async with sqlite_database(workdir) as database:
        yield database


@pytest.fixture
async def postgres_db(postgres_server: str) -> AsyncIterator[Database]:
    async with postgres_database(postgres_server) as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_db(request: pytest.FixtureRequest, workdir: Path) -> AsyncIterator[Database]:
    """Each test that takes it runs on SQLite by default, on PostgreSQL when one is set."""
    if request.param == "sqlite":
        _skip_sqlite_when_postgres_is_set()
        async with sqlite_database(workdir) as database:
            yield database
        return
    url = os.environ.get("COHORTE_TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP)
    async with postgres_database(url) as database:
        yield database
